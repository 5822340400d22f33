import React from 'react';
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { CustomizationProvider } from '@twilio-paste/core/customization';

import { fakeFlex, fakeManager, FLEX_SERVICE_SID, WORKSPACE_SID } from '../../testing/fakeFlex';
import { FLEX_CONVERSATION } from '../../testing/conversationTask';
import { fakeSettingsClient, SAVED_SETTINGS } from '../../testing/fakeSettingsClient';
import { renderWithTheme } from '../../testing/render';
import { features } from '..';
import { createHandbackSetup } from '../handback';
import { setupHandoffPanel } from '../handoffPanel';
import { setupHandoffTaskBadge } from '../handoffTaskBadge';
import { setupOpencxMessageBadges } from '../messageBadges';
import { setupPasteTheme } from '../pasteTheme';
import { createSettingsViewSetup, setupSettingsView } from '../settingsView';

const HANDED_OFF_TASK = {
  attributes: { handedOff: true, handoffReason: 'AI requested human handoff', handoffSentiment: 'positive' },
};
const ORDINARY_TASK = { attributes: { name: 'Ada', channelType: 'web' } };
const VOICE_TASK = { attributes: { handedOff: true, call_sid: 'CA1', direction: 'inbound', from: '+15550100' } };

function fakeClient() {
  const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
  client.save.mockResolvedValue({ ok: true, settings: SAVED_SETTINGS, workerCreated: false });
  return client;
}

/** What Flex does with an added element: clones it with the host component's props. */
const renderAdded = (element: React.ReactElement, childProps: object = {}) =>
  renderWithTheme(React.cloneElement(element, childProps));

describe('feature registration', () => {
  it('hands Flex the Paste CustomizationProvider', () => {
    const { flex, setProviders } = fakeFlex();
    setupPasteTheme(flex, fakeManager(['agent']).manager);
    expect(setProviders).toHaveBeenCalledWith({ PasteThemeProvider: CustomizationProvider });
  });

  // Where the panel and the badge land in Flex: placement.test.tsx, with Flex's own placement code.
  it('adds the handoff panel to the task canvas for handed-off tasks only', () => {
    const { flex, added } = fakeFlex();
    setupHandoffPanel(flex, fakeManager(['agent']).manager);

    const [canvas] = added('TaskCanvas');
    const { options } = canvas;
    expect(options?.if?.({ task: HANDED_OFF_TASK })).toBe(true);
    expect(options?.if?.({ task: VOICE_TASK })).toBe(true);
    expect(options?.if?.({ task: ORDINARY_TASK })).toBe(false);
    expect(options?.if?.({ task: { attributes: 'handedOff' } })).toBe(false);
    expect(options?.if?.({})).toBe(false);

    renderAdded(canvas.element, { task: HANDED_OFF_TASK });
    expect(screen.getByRole('region', { name: 'AI handoff' })).toHaveTextContent('AI requested human handoff');
  });

  it('puts the "AI handoff" badge on the second line of handed-off tasks in the task list, not on others', () => {
    const { flex, wrappers } = fakeFlex();
    setupHandoffTaskBadge(flex, fakeManager(['agent']).manager);

    const [{ store, wrapper }] = wrappers;
    expect(store).toBe('TaskListItem');
    const Card = ({ secondLine }: { secondLine?: React.ReactNode }) => (
      <div data-testid="card">{secondLine ?? 'status'}</div>
    );
    const WrappedCard = wrapper(Card);

    const { unmount } = renderWithTheme(<WrappedCard task={HANDED_OFF_TASK} secondLine="Accepted" />);
    expect(screen.getByTestId('card')).toHaveTextContent(/AI handoff.*Accepted/);
    unmount();
    renderWithTheme(<WrappedCard task={ORDINARY_TASK} />);
    expect(screen.getByTestId('card')).toHaveTextContent(/^status$/);
  });

  it('badges the messages the bridge posts, and no others', () => {
    const { flex, added } = fakeFlex();
    setupOpencxMessageBadges(flex, fakeManager(['agent']).manager);

    const [badge] = added('MessageBubble');
    const message = (attributes: unknown) => ({ message: { source: { attributes } } });
    expect(badge.options?.if?.(message({ opencx: { role: 'ai' } }))).toBe(true);
    expect(badge.options?.if?.(message({ opencx: { role: 'handoff-note' } }))).toBe(true);
    expect(badge.options?.if?.(message({ opencx: { role: 'handback-note' } }))).toBe(true);
    expect(badge.options?.if?.(message({}))).toBe(false);
    expect(badge.options?.if?.(message(undefined))).toBe(false);
    expect(badge.options?.if?.({})).toBe(false);
    // A customer's own message dressed as the AI's: a participant wrote it.
    const fromParticipant = { message: { source: { attributes: { opencx: { role: 'ai' } }, participantSid: 'MB1' } } };
    expect(badge.options?.if?.(fromParticipant)).toBe(false);
    expect(
      badge.options?.if?.({ message: { source: { attributes: { opencx: { role: 'ai' } }, participantSid: null } } }),
    ).toBe(true);

    const { unmount } = renderAdded(badge.element, message({ opencx: { role: 'ai' } }));
    expect(screen.getByText('AI')).toBeVisible();
    unmount();
    renderAdded(badge.element, message({ opencx: { role: 'handoff-note' } }));
    expect(screen.getByText('Handoff note')).toBeVisible();
  });
});

describe('settings view registration', () => {
  it('adds the side-nav entry and the view for admins', () => {
    const { flex, added } = fakeFlex();
    createSettingsViewSetup({ createClient: () => fakeClient() })(flex, fakeManager(['admin']).manager);

    expect(added('SideNav')).toHaveLength(1);
    expect(added('ViewCollection')).toHaveLength(1);
    expect(added('ViewCollection')[0].element.props.name).toBe('opencx-settings');
  });

  it.each([[['agent']], [['supervisor']], [['agent', 'supervisor']], [[]], [undefined]])(
    'adds nothing for roles %p',
    (roles) => {
      const { flex, calls } = fakeFlex();
      createSettingsViewSetup({ createClient: () => fakeClient() })(flex, fakeManager(roles).manager);
      setupSettingsView(flex, fakeManager(roles).manager);
      expect(calls).toEqual([]);
    },
  );

  it('navigates to the view from the side link, which shows as active there', () => {
    const { flex, added, invokeAction } = fakeFlex();
    createSettingsViewSetup({ createClient: () => fakeClient() })(flex, fakeManager(['admin']).manager);
    const [link] = added('SideNav');

    const { unmount } = renderAdded(link.element, { activeView: 'agent-desktop', showLabel: true });
    const button = screen.getByRole('button', { name: 'OpenCX' });
    expect(button).not.toHaveAttribute('aria-current');
    fireEvent.click(button);
    expect(invokeAction).toHaveBeenCalledWith('NavigateToView', { viewName: 'opencx-settings' });
    unmount();

    renderAdded(link.element, { activeView: 'opencx-settings' });
    expect(screen.getByRole('button', { name: 'OpenCX' })).toHaveAttribute('aria-current', 'page');
  });

  it("leaves no unhandled rejection when another plugin's listener cancels the navigation", async () => {
    const { flex, added, invokeAction } = fakeFlex();
    createSettingsViewSetup({ createClient: () => fakeClient() })(flex, fakeManager(['admin']).manager);
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      invokeAction.mockRejectedValueOnce(new Error('NavigateToView cancelled by before event'));
      renderAdded(added('SideNav')[0].element, { activeView: 'agent-desktop' });
      fireEvent.click(screen.getByRole('button', { name: 'OpenCX' }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(invokeAction).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it("shows the settings with the admin's token and this Flex account's SIDs, following token renewals", async () => {
    const { flex, added } = fakeFlex();
    const client = fakeClient();
    const { manager, renewToken } = fakeManager(['admin'], 'token-1');
    createSettingsViewSetup({ createClient: () => client })(flex, manager);

    renderAdded(added('ViewCollection')[0].element);

    expect(await screen.findByText('Connected to Acme')).toBeVisible();
    expect(client.load).toHaveBeenCalledWith('token-1');
    expect(screen.getByLabelText('OpenCX API key')).toHaveAttribute('placeholder', '••••••••1234');

    act(() => renewToken('token-2'));
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith(
      'token-2',
      expect.objectContaining({ workspaceSid: WORKSPACE_SID, conversationsServiceSid: FLEX_SERVICE_SID }),
    );
    // The setup check ran after the load and again after the save, each time with the current token.
    await screen.findByText('All 2 checks passed.');
    expect(client.checkSetup.mock.calls.map(([token]) => token)).toEqual(['token-1', 'token-2']);
  });

  it('calls the Functions named in the Flex configuration, and says so', async () => {
    const { flex, added } = fakeFlex();
    const createClient = jest.fn(() => fakeClient());
    const env = { FLEX_APP_OPENCX_FUNCTIONS_URL: 'https://opencx-1234-dev.twil.io' };
    createSettingsViewSetup({ env, createClient })(flex, fakeManager(['admin']).manager);

    renderAdded(added('ViewCollection')[0].element);

    expect(createClient).toHaveBeenCalledWith('https://opencx-1234-prod.twil.io');
    expect(await screen.findByText('Connected to Acme')).toBeVisible();
    expect(screen.getByText(/^OpenCX Functions:/)).toHaveTextContent(
      'OpenCX Functions: https://opencx-1234-prod.twil.io, ' +
        'from ui_attributes.custom_data.opencx_functions_domain in the Flex configuration. ' +
        'If unreachable, check it is the domain twilio serverless:deploy printed.',
    );
  });

  it('falls back to the URL built into the plugin, and says so', async () => {
    const { flex, added } = fakeFlex();
    const createClient = jest.fn(() => fakeClient());
    const env = { FLEX_APP_OPENCX_FUNCTIONS_URL: 'https://opencx-1234-dev.twil.io/' };
    createSettingsViewSetup({ env, createClient })(
      flex,
      fakeManager(['admin'], 'token-1', { custom_data: {} }).manager,
    );

    renderAdded(added('ViewCollection')[0].element);

    expect(createClient).toHaveBeenCalledWith('https://opencx-1234-dev.twil.io');
    await screen.findByText('Connected to Acme');
    expect(screen.getByText(/^OpenCX Functions:/)).toHaveTextContent(
      'OpenCX Functions: https://opencx-1234-dev.twil.io, from the plugin build (FLEX_APP_OPENCX_FUNCTIONS_URL).',
    );
  });

  it('says what to set, and calls nothing, when neither the Flex configuration nor the build names Functions', () => {
    const { flex, added } = fakeFlex();
    const createClient = jest.fn(() => fakeClient());
    createSettingsViewSetup({ env: {}, createClient })(flex, fakeManager(['admin'], 'token-1', {}).manager);

    renderAdded(added('ViewCollection')[0].element);

    expect(createClient).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('OpenCX Functions not found');
    expect(screen.getByRole('alert')).toHaveTextContent('ui_attributes.custom_data.opencx_functions_domain');
    expect(screen.getByRole('alert')).toHaveTextContent('FLEX_APP_OPENCX_FUNCTIONS_URL');
    expect(screen.queryByRole('button', { name: 'Test & Save' })).toBeNull();
  });
});

describe('features', () => {
  it('registers the agent features for all, the insights for supervisors and admins, the settings for admins', () => {
    const views = (roles: string[]) => {
      const { flex, calls } = fakeFlex();
      for (const setup of features) setup(flex, fakeManager(roles).manager);
      return calls.filter((call) => call.store === 'ViewCollection').map((call) => call.element.props.name);
    };
    const agent = fakeFlex();
    for (const setup of features) setup(agent.flex, fakeManager(['agent']).manager);
    expect(agent.calls.map((call) => call.store)).toEqual(['TaskCanvas', 'TaskCanvas', 'MessageBubble']);
    expect(agent.wrappers.map((call) => call.store)).toEqual(['TaskListItem']);
    expect(agent.setProviders).toHaveBeenCalledTimes(1);

    const admin = fakeFlex();
    for (const setup of features) setup(admin.flex, fakeManager(['admin']).manager);
    expect(admin.calls.map((call) => call.store)).toEqual([
      'TaskCanvas',
      'TaskCanvas',
      'MessageBubble',
      'SideNav',
      'ViewCollection',
      'SideNav',
      'ViewCollection',
    ]);
    expect(views(['admin'])).toEqual(['opencx-settings', 'opencx-insights']);
    expect(views(['supervisor'])).toEqual(['opencx-insights']);
  });
});

describe('hand back to the AI', () => {
  // Each test is a new Flex tab: nothing kept from another test's hand-back of the same task.
  beforeEach(() => window.sessionStorage.clear());
  const TASK_SID = 'WT' + '1'.repeat(32);
  const HISTORY = [
    { to: 'ai', at: '2026-03-02T09:50:00.000Z' },
    { to: 'human', at: '2026-03-02T09:55:00.000Z', reason: 'AI requested human handoff' },
  ];
  const HANDED_OFF = { ...HANDED_OFF_TASK.attributes, ...FLEX_CONVERSATION, opencxHistory: HISTORY };
  const held = (status: string, attributes: object = HANDED_OFF) => ({
    task: { taskSid: TASK_SID, status, attributes },
  });

  function setUp() {
    const { flex, added } = fakeFlex();
    const agent = {
      handBack: jest.fn().mockResolvedValue({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] }),
    };
    const { manager } = fakeManager(['agent'], 'agent-token');
    createHandbackSetup({ createClient: () => agent })(flex, manager);
    const [canvas] = added('TaskCanvas');
    return { canvas, agent };
  }

  it('shows the history and "Hand back to AI" under the handoff panel of a task the agent holds', async () => {
    const { canvas, agent } = setUp();
    expect(canvas.options?.if?.(held('accepted'))).toBe(true);
    expect(canvas.options?.if?.({ task: ORDINARY_TASK })).toBe(false);

    renderAdded(canvas.element, held('accepted'));
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');
    expect(agent.handBack).toHaveBeenCalledWith('agent-token', { taskSid: TASK_SID, instruction: '' });
  });

  it.each(['pending', 'wrapping', 'completed'])(
    'offers no handback on a task the agent does not hold (%s), and keeps the history',
    (status) => {
      const { canvas } = setUp();
      renderAdded(canvas.element, held(status));
      expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
      expect(screen.getAllByRole('listitem')).toHaveLength(2);
    },
  );

  it('keeps the confirmation while the task is in wrap-up, and drops it once the task is completed', async () => {
    const { canvas } = setUp();
    const { rerender } = renderAdded(canvas.element, held('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    const done = 'The AI has the conversation again. Your task is in wrap-up';
    expect(await screen.findByRole('status')).toHaveTextContent(done);

    rerender(React.cloneElement(canvas.element, held('wrapping')));
    expect(screen.getByRole('status')).toHaveTextContent(done);
    expect(screen.getAllByRole('listitem')).toHaveLength(2);

    rerender(React.cloneElement(canvas.element, held('completed')));
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it("shows the hand-back in the history on the agent's task, which Flex does not write again", async () => {
    const { canvas, agent } = setUp();
    const handedBack = [
      ...HISTORY.map((entry) => ({ ...entry, at: new Date(entry.at) })),
      { to: 'ai', at: new Date('2026-03-02T10:05:00.000Z'), by: 'Alice Agent' },
    ].map(({ to, at, ...rest }) => ({ holder: to as 'ai' | 'human', since: at, ...rest }));
    agent.handBack.mockResolvedValueOnce({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: handedBack });
    const { rerender } = renderAdded(canvas.element, held('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    await screen.findByRole('status');

    rerender(React.cloneElement(canvas.element, held('wrapping')));
    const entries = screen.getAllByRole('listitem');
    expect(entries).toHaveLength(3);
    expect(entries[2]).toHaveTextContent('AI');
    expect(entries[2]).toHaveTextContent('Alice Agent');
  });

  it('shows the confirmation when the answer comes after the wrap-up took the control away', async () => {
    const { canvas, agent } = setUp();
    let answer!: (result: object) => void;
    agent.handBack.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const { rerender } = renderAdded(canvas.element, held('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back to AI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Hand back' }));
    // TaskRouter's wrap-up reaches Flex before the Function answers.
    rerender(React.cloneElement(canvas.element, held('wrapping')));
    expect(screen.queryByRole('button', { name: 'Hand back' })).not.toBeInTheDocument();

    await act(async () => answer({ ok: true, alreadyHandedBack: false, wrappedUp: true, history: [] }));
    expect(screen.getByRole('status')).toHaveTextContent('The AI has the conversation again. Your task is in wrap-up');
  });

  it('offers no handback on a task the AI declined that is not a Flex conversation (a call)', () => {
    const { canvas } = setUp();
    renderAdded(canvas.element, held('accepted', VOICE_TASK.attributes));
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
    for (const missing of Object.keys(FLEX_CONVERSATION)) {
      const { [missing as keyof typeof FLEX_CONVERSATION]: _gone, ...partly } = HANDED_OFF;
      cleanup();
      renderAdded(canvas.element, held('accepted', partly));
      expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
    }
  });

  it("shows the history on the AI's task after a handback, without the button", () => {
    const { canvas } = setUp();
    const resumed = held('accepted', { handedOff: false, opencxHistory: HISTORY });
    expect(canvas.options?.if?.(resumed)).toBe(true);
    renderAdded(canvas.element, resumed);
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
  });

  it('calls the Functions the Flex configuration names', () => {
    const { flex } = fakeFlex();
    const createClient = jest.fn(() => ({ handBack: jest.fn() }));
    createHandbackSetup({ env: {}, createClient })(flex, fakeManager(['agent']).manager);
    expect(createClient).toHaveBeenCalledWith('https://opencx-1234-prod.twil.io');
  });

  it('says what is missing when no Functions URL is configured', () => {
    const { flex, added } = fakeFlex();
    createHandbackSetup({ env: {} })(flex, fakeManager(['agent'], 'agent-token', {}).manager);
    renderAdded(added('TaskCanvas')[0].element, held('accepted'));
    expect(screen.getByText(/ui_attributes\.custom_data\.opencx_functions_domain/)).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Hand back to AI' })).toBeNull();
  });
});
