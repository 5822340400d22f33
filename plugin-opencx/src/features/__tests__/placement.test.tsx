// Where the plugin's content lands in Flex, decided by Flex's own placement code: the plugin's
// setups run against the real `@twilio/flex-ui` module, so they add to Flex's real content stores,
// and Flex's DynamicComponent (which sorts, filters with `if` and renders a store) lays them out.
//
// What could not be rendered in jsdom: the real TaskCanvas, TaskCanvasHeader, TaskCanvasTabs,
// IncomingTaskCanvas and TaskListItem / TaskListBaseItem are connected to Flex's Redux store and
// FlexModule, which only a Flex session started against a live account sets up (rendering them
// fails with "reading 'getState'" and "FlexModule not initialized"). So, where needed, the tests
// render DynamicComponent around the default children those components pass it in
// @twilio/flex-ui 2.17.1 (TaskCanvasImpl: header, the Copilot help text slot, tabs; TaskListItemImpl:
// the task card as its only child), with plain stand-ins for the header, tabs and card.
// ViewCollection needs only a router, so the settings route renders the real one.
import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter, useHistory } from 'react-router-dom';
import * as Flex from '@twilio/flex-ui';
import { Theme } from '@twilio-paste/core/theme';

import { FLEX_CONVERSATION } from '../../testing/conversationTask';
import { fakeManager } from '../../testing/fakeFlex';
import { fakeSettingsClient, SAVED_SETTINGS } from '../../testing/fakeSettingsClient';
import { createHandbackSetup } from '../handback';
import { setupHandoffPanel } from '../handoffPanel';
import { setupHandoffTaskBadge } from '../handoffTaskBadge';
import { createSettingsViewSetup } from '../settingsView';
import { createInsightsViewSetup } from '../insightsView';
import { EARLY_TODAY, fakeInsightsClient } from '../../testing/fakeInsightsClient';

const HANDED_OFF = {
  handedOff: true,
  handoffReason: 'AI requested human handoff',
  handoffSentiment: 'negative',
  ...FLEX_CONVERSATION,
};
const task = (status: string, attributes: object) => ({
  sid: 'WR1',
  taskSid: 'WT1',
  status,
  attributes,
  taskChannelUniqueName: 'chat',
});

const insights = fakeInsightsClient(() => ({ ok: true, insights: EARLY_TODAY }));
const settings = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });

beforeAll(() => {
  const { manager } = fakeManager(['admin']);
  setupHandoffPanel(Flex, manager);
  createHandbackSetup({ createClient: () => ({ handBack: jest.fn() }) })(Flex, manager);
  setupHandoffTaskBadge(Flex, manager);
  createSettingsViewSetup({ createClient: () => settings })(Flex, manager);
  createInsightsViewSetup({ createClient: () => insights })(Flex, manager);
  // Flex's own view, which a real session registers: without any view for a path, ViewCollection redirects.
  Flex.ViewCollection.Content.add(
    <Flex.View name="agent-desktop" key="agent-desktop">
      <p>Agent desktop</p>
    </Flex.View>,
  );
});

const withTheme = ({ children }: { children?: React.ReactNode }) => (
  <Theme.Provider theme="flex">{children}</Theme.Provider>
);

/** IncomingTaskCanvas's own content, as TaskDetailsPanel lays it out with its store. */
function IncomingTaskCanvasContent({ task }: { task: object }): JSX.Element {
  return (
    <Flex.DynamicComponent
      contentStore={Flex.IncomingTaskCanvas.Content}
      childProps={{ task }}
      name="IncomingTaskCanvas"
      vertical
    >
      <div>
        <div key="actions" data-slot="incoming-actions">
          Accept / Reject
        </div>
      </div>
    </Flex.DynamicComponent>
  );
}

/**
 * TaskCanvas's layout: `withCopilotSlot` is 2.17.1's (a conditional Copilot help text between
 * header and tabs, which counts as a child even when absent); without it, a Flex 2.x that lacks it.
 */
function TaskCanvasLayout({
  task,
  withCopilotSlot,
  store = Flex.TaskCanvas.Content,
}: {
  task: { status: string };
  withCopilotSlot: boolean;
  store?: Flex.DynamicContentStore;
}): JSX.Element {
  const header = (
    <div key="header" data-slot="header">
      Task header
    </div>
  );
  const tabs = (
    <div key="tabs" data-slot="tabs">
      {task.status === 'pending' ? <IncomingTaskCanvasContent task={task} /> : 'Chat'}
    </div>
  );
  // 2.17.1 renders `hasRequiredFlagsForTopics(task) && <AgentCopilotCompleteButtonDisabledHelpText/>`: false here.
  const copilotSlot = false;
  return (
    <Flex.DynamicComponent contentStore={store} childProps={{ task }} name="TaskCanvas" vertical>
      <div>{withCopilotSlot ? [header, copilotSlot, tabs] : [header, tabs]}</div>
    </Flex.DynamicComponent>
  );
}

/** The task canvas's top-level pieces, in document order: header, tabs and any handoff panel outside the tabs. */
function canvasOrder(container: HTMLElement): string[] {
  const header = container.querySelector('[data-slot="header"]');
  const tabs = container.querySelector('[data-slot="tabs"]');
  const panels = within(container)
    .queryAllByRole('region', { name: 'AI handoff' })
    .filter((panel) => !tabs?.contains(panel));
  const named = new Map<Element, string>([...panels.map((panel): [Element, string] => [panel, 'handoff panel'])]);
  if (header) named.set(header, 'header');
  if (tabs) named.set(tabs, 'tabs');
  return [...named.keys()]
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
    .map((element) => named.get(element) ?? '');
}

describe('the handoff panel in Flex', () => {
  it.each([
    ['Flex UI 2.17 (with the Copilot slot)', true],
    ['a Flex UI 2.x without that slot', false],
  ])('sits between the task header and the tabs on %s', (_version, withCopilotSlot) => {
    const { container } = render(
      <TaskCanvasLayout task={task('accepted', HANDED_OFF)} withCopilotSlot={withCopilotSlot} />,
      { wrapper: withTheme },
    );
    expect(canvasOrder(container)).toEqual(['header', 'handoff panel', 'tabs']);
    expect(screen.getByRole('region', { name: 'AI handoff' })).toHaveTextContent('AI requested human handoff');
  });

  it('would drop below the tabs with sortOrder 1 on a Flex without the Copilot slot, which is why it uses 0', () => {
    const store = new Flex.DynamicContentStore('TaskCanvas');
    const [{ props }] = Flex.TaskCanvas.Content.fragments as React.ReactElement[];
    store.add(React.Children.only(props.children), { ...props, sortOrder: 1 });
    const { container } = render(
      <TaskCanvasLayout task={task('accepted', HANDED_OFF)} withCopilotSlot={false} store={store} />,
      { wrapper: withTheme },
    );
    expect(canvasOrder(container)).toEqual(['header', 'tabs', 'handoff panel']);
  });

  it.each([
    ['Flex UI 2.17', true],
    ['a Flex UI 2.x without the Copilot slot', false],
  ])('has the handback control right under it, above the tabs, on %s', (_version, withCopilotSlot) => {
    const { container } = render(
      <TaskCanvasLayout task={task('accepted', HANDED_OFF)} withCopilotSlot={withCopilotSlot} />,
      { wrapper: withTheme },
    );
    const panel = screen.getByRole('region', { name: 'AI handoff' });
    const handBack = screen.getByRole('button', { name: 'Hand back to AI' });
    const tabs = container.querySelector('[data-slot="tabs"]')!;
    expect(panel.compareDocumentPosition(handBack) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(handBack.compareDocumentPosition(tabs) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('shows once on a pending task, whose incoming-task canvas Flex renders inside the task canvas', () => {
    render(<TaskCanvasLayout task={task('pending', HANDED_OFF)} withCopilotSlot />, { wrapper: withTheme });
    expect(screen.getByText('Accept / Reject')).toBeVisible();
    expect(screen.getAllByRole('region', { name: 'AI handoff' })).toHaveLength(1);
  });

  it('is absent from tasks that were not handed off', () => {
    const { container } = render(<TaskCanvasLayout task={task('pending', { name: 'Ada' })} withCopilotSlot />, {
      wrapper: withTheme,
    });
    expect(canvasOrder(container)).toEqual(['header', 'tabs']);
  });
});

/** The task card: what TaskListBaseItem renders, its second line included. */
interface TaskListItemProps {
  task: object;
  secondLine?: React.ReactNode;
  channelDefinition?: Flex.TaskChannelDefinition;
}

function TaskCard({ secondLine }: TaskListItemProps): JSX.Element {
  return (
    /* biome-ignore lint/a11y/useSemanticElements lint/a11y/useFocusableInteractive: stands in for the card
       TaskListBaseItem renders, not a control of ours */
    <div role="button" aria-label="Task card" data-testid="task-item">
      <div>Ada</div>
      <div data-testid="second-line">{secondLine ?? 'Live chat'}</div>
    </div>
  );
}

/**
 * TaskListItemImpl: Flex's DynamicComponent over TaskListItem's store, the card its only child.
 * Flex wraps the card in its DefaultContentFragment, which the package root does not export; a
 * key stands in for it (DynamicComponent requires one on every other child).
 */
function TaskListItemImpl(props: TaskListItemProps): JSX.Element {
  return (
    <Flex.DynamicComponent
      contentStore={Flex.TaskListItem.Content}
      childProps={props}
      name="TaskListItem"
      noContainers
      vertical
    >
      <TaskCard key="task-card" {...props} />
    </Flex.DynamicComponent>
  );
}

/** What Flex's withHOC does with TaskListItem's wrappers each time it renders the item. */
function TaskListItem(props: TaskListItemProps): JSX.Element {
  // The test's tasks are plain objects, not Flex's ITask: the wrappers are typed for the latter.
  const wrappers = Flex.TaskListItem.Content.getAllWrappers() as unknown as ((
    component: React.ComponentType<TaskListItemProps>,
  ) => React.ComponentType<TaskListItemProps>)[];
  const Wrapped = wrappers.reduce(
    (component, wrap) => wrap(component),
    TaskListItemImpl as React.ComponentType<TaskListItemProps>,
  );
  return <Wrapped {...props} />;
}

describe('the "AI handoff" badge in the task list', () => {
  it("is part of the task card, on its second line before Flex's status line, and adds no row of its own", () => {
    const { container } = render(
      <TaskListItem task={task('accepted', HANDED_OFF)} channelDefinition={Flex.DefaultTaskChannels.Chat} />,
      {
        wrapper: withTheme,
      },
    );
    const card = screen.getByRole('button', { name: 'Task card' });
    // Flex's status template for an accepted chat; jsdom has no Flex strings, so Template shows its code.
    expect(within(card).getByTestId('second-line')).toHaveTextContent(
      /^AI handoff.*sentiment negative\s*TaskLine\w*Assigned$/,
    );
    const items = container.firstElementChild?.children;
    expect(items).toHaveLength(1);
    expect(items?.[0]).toBe(card);
  });

  it("builds Flex's status line again every second, as Flex's own card does (its timer keeps running)", () => {
    jest.useFakeTimers();
    const built = jest.spyOn(Flex.TaskChannelHelper, 'getTemplateForStatus');
    try {
      render(<TaskListItem task={task('accepted', HANDED_OFF)} channelDefinition={Flex.DefaultTaskChannels.Chat} />, {
        wrapper: withTheme,
      });
      const before = built.mock.calls.length;
      for (let second = 0; second < 3; second++)
        act(() => {
          jest.advanceTimersByTime(1000);
        });
      expect(built.mock.calls.length - before).toBeGreaterThanOrEqual(3);
    } finally {
      built.mockRestore();
      jest.useRealTimers();
    }
  });

  it('keeps a second line another customisation set, after the badge', () => {
    render(<TaskListItem task={task('accepted', HANDED_OFF)} secondLine="Priority customer" />, { wrapper: withTheme });
    expect(screen.getByTestId('second-line')).toHaveTextContent(/^AI handoff.*Priority customer$/);
  });

  it('is absent from tasks that were not handed off, whose card Flex renders as it is', () => {
    render(<TaskListItem task={task('accepted', { name: 'Ada' })} />, { wrapper: withTheme });
    expect(screen.getByTestId('second-line')).toHaveTextContent(/^Live chat$/);
  });
});

describe('the settings route', () => {
  const renderRoute = (path: string) =>
    render(
      <MemoryRouter initialEntries={[path]}>
        <Flex.ViewCollection />
      </MemoryRouter>,
      { wrapper: withTheme },
    );

  it("is Flex's view at /opencx-settings", async () => {
    renderRoute('/opencx-settings');
    expect(await screen.findByRole('heading', { name: 'OpenCX settings' })).toBeVisible();
    expect(await screen.findByText('Connected to Acme')).toBeVisible();
  });

  it('shows nothing elsewhere', () => {
    renderRoute('/agent-desktop');
    expect(screen.queryByRole('heading', { name: 'OpenCX settings' })).toBeNull();
  });

  it('keeps what the admin typed while they visit another view and come back', async () => {
    let history!: ReturnType<typeof useHistory>;
    function Navigation(): null {
      history = useHistory();
      return null;
    }
    render(
      <MemoryRouter initialEntries={['/opencx-settings']}>
        <Navigation />
        <Flex.ViewCollection />
      </MemoryRouter>,
      { wrapper: withTheme },
    );
    const author = await screen.findByLabelText('AI author name');
    fireEvent.change(author, { target: { value: 'Acme Assistant' } });

    act(() => history.push('/agent-desktop'));
    expect(screen.getByText('Agent desktop')).toBeVisible();
    expect(screen.queryByRole('heading', { name: 'OpenCX settings' })).toBeNull();
    act(() => history.push('/opencx-settings'));

    expect(screen.getByLabelText('AI author name')).toHaveValue('Acme Assistant');
  });
});

/**
 * Flex's view collection at `path`; NavigateToView does what a Flex session's does, so Flex's own
 * Actions emit afterNavigateToView.
 */
async function renderRoutedViews(path: string): Promise<void> {
  let history!: ReturnType<typeof useHistory>;
  function Navigation(): null {
    history = useHistory();
    return null;
  }
  await Flex.Actions.replaceAction('NavigateToView', async (payload: { viewName: string }) => {
    history.push(`/${payload.viewName}`);
  });
  render(
    <MemoryRouter initialEntries={[path]}>
      <Navigation />
      <Flex.ViewCollection />
    </MemoryRouter>,
    { wrapper: withTheme },
  );
}

describe('the insights route', () => {
  it("reads the figures again each time a supervisor comes back: its 'Live now' is not the first visit's", async () => {
    await renderRoutedViews('/opencx-insights');
    await screen.findByRole('table');
    expect(insights.load).toHaveBeenCalledTimes(1);

    await act(() => Flex.Actions.invokeAction('NavigateToView', { viewName: 'agent-desktop' }));
    expect(insights.load).toHaveBeenCalledTimes(1);
    await act(() => Flex.Actions.invokeAction('NavigateToView', { viewName: 'opencx-insights' }));

    await screen.findByRole('table');
    expect(insights.load).toHaveBeenCalledTimes(2);
  });
});

describe('the settings route, come back to', () => {
  it("reads the settings again each time the admin comes back, not to show the first visit's connection", async () => {
    await renderRoutedViews('/opencx-settings');
    expect(await screen.findByText('Connected to Acme')).toBeVisible();
    const loads = settings.load.mock.calls.length;

    await act(() => Flex.Actions.invokeAction('NavigateToView', { viewName: 'agent-desktop' }));
    expect(settings.load).toHaveBeenCalledTimes(loads);
    settings.load.mockResolvedValue({ ok: true, settings: { ...SAVED_SETTINGS, orgName: 'Globex' }, routing: null });
    await act(() => Flex.Actions.invokeAction('NavigateToView', { viewName: 'opencx-settings' }));

    expect(await screen.findByText('Connected to Globex')).toBeVisible();
    expect(settings.load).toHaveBeenCalledTimes(loads + 1);
  });
});
