import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { SetupCheck, StepReport, UndoSetupResult, UninstallSetupResult } from '../../api/settingsClient';
import { absoluteTime } from '../../domain/time';
import {
  fakeSettingsClient,
  HEALTHY_CHECKS,
  SAVED_SETTINGS,
  TWILIO_UNAVAILABLE,
} from '../../testing/fakeSettingsClient';
import { browserDropsFocus } from '../../testing/focus';
import { renderWithTheme } from '../../testing/render';
import { SetupSection } from '../SetupSection';

const WEBHOOK = 'https://opencx-1234-dev.twil.io/webhook';

// Checks and step reports worded as functions/admin-lib/setup/ words them.
const CONFIG_OK = HEALTHY_CHECKS[0];
const WORKSPACE_UNSET: SetupCheck = {
  id: 'workspace_events',
  status: 'problem',
  title: 'TaskRouter event callback',
  detail: 'The workspace sends its events nowhere, so the AI is never offered a task.',
  fix: `Apply fixes: it sets the Event Callback URL to ${WEBHOOK}.`,
  autoFixable: true,
};
const CONVERSATIONS_UNSET: SetupCheck = {
  id: 'conversations_webhook',
  status: 'problem',
  title: 'Conversations webhook',
  detail: 'The Conversations service posts its events nowhere.',
  fix: `Apply fixes: it registers ${WEBHOOK}.`,
  autoFixable: true,
};
const FILTERS_MISSING: SetupCheck = {
  id: 'workflow_filters',
  status: 'problem',
  title: 'Workflow filters',
  detail: 'Workflow "Assign to Anyone" (WW1) has no filter for the AI.',
  fix: 'Apply fixes: it adds the filters.',
  autoFixable: true,
};
const TIMERS_OK: SetupCheck = {
  id: 'timer_workspace',
  status: 'ok',
  title: 'Watchdog timers',
  detail: 'The "OpenCX timers" workspace exists.',
  autoFixable: false,
};
const BROKEN = [CONFIG_OK, WORKSPACE_UNSET, CONVERSATIONS_UNSET, FILTERS_MISSING, TIMERS_OK];
const ok = (check: SetupCheck): SetupCheck => ({ ...check, status: 'ok', fix: undefined, autoFixable: false });
const REVISIONS = {
  workspace_events: '1111aaaa2222bbbb',
  conversations_webhook: '3333cccc4444dddd',
  workflow_filters: '5555eeee6666ffff',
};

const WORKSPACE_APPLIED: StepReport = {
  id: 'workspace_events',
  title: 'TaskRouter event callback',
  status: 'applied',
  detail: `Set the Event Callback URL to ${WEBHOOK}.`,
};
const CONVERSATIONS_CHANGED: StepReport = {
  id: 'conversations_webhook',
  title: 'Conversations webhook',
  status: 'failed',
  detail:
    'Not written: it changed since the check (someone edited it in the Console or another Apply ran). ' +
    'Run the check again, then apply.',
  reason: 'changed_since_check',
};
const FILTERS_FAILED: StepReport = {
  id: 'workflow_filters',
  title: 'Workflow filters',
  status: 'failed',
  detail: 'Twilio answered 500 while updating workflow WW1.',
};
const TIMERS_UNCHANGED: StepReport = {
  id: 'timer_workspace',
  title: 'Watchdog timers',
  status: 'unchanged',
  detail: 'The "OpenCX timers" workspace already exists.',
};
const FILTERS_SKIPPED: StepReport = {
  id: 'workflow_filters',
  title: 'Workflow filters',
  status: 'skipped',
  detail: "No human queue given: the handedOff filter needs your agents' queue.",
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function renderSection(checks: SetupCheck[] = BROKEN, onSettingsChanged?: () => void) {
  const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
  client.checkSetup.mockResolvedValue({ ok: true, checks, revisions: REVISIONS });
  renderWithTheme(
    <SetupSection client={client} token="flex-token" checkRequest={1} onSettingsChanged={onSettingsChanged} />,
  );
  await screen.findByRole('list', { name: 'Setup checks' });
  return client;
}

const button = (name: string) => screen.getByRole('button', { name });
const stepItems = (list: string) => within(screen.getByRole('list', { name: list })).getAllByRole('listitem');
const stepItem = (list: string, title: string) => {
  const found = stepItems(list).find((li) => within(li).queryByText(title, { exact: true }));
  if (!found) throw new Error(`No step titled ${title}`);
  return found;
};
const checkItem = (title: string) => stepItem('Setup checks', title);
const CONFIRMATION = { name: 'Uninstall OpenCX from this Twilio account?' };
const UNDO_CONFIRMATION = { name: 'Undo the last apply?' };

/** Undo, confirmed: the question it asks first, answered yes. */
async function undoConfirmed(): Promise<HTMLElement> {
  fireEvent.click(button('Undo last apply'));
  const confirm = await screen.findByRole('region', UNDO_CONFIRMATION);
  fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, undo it' }));
  return confirm;
}
const confirmation = () => screen.queryByRole('region', CONFIRMATION);

describe('Apply fixes: each step reported', () => {
  it('posts back the revisions the check saw, and shows a failed step next to those that worked', async () => {
    const client = await renderSection();
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [WORKSPACE_APPLIED, CONVERSATIONS_CHANGED, FILTERS_FAILED, TIMERS_UNCHANGED],
      backupId: 'b-1',
      checks: [CONFIG_OK, ok(WORKSPACE_UNSET), CONVERSATIONS_UNSET, FILTERS_MISSING, TIMERS_OK],
    });

    fireEvent.click(button('Apply fixes'));

    expect(await screen.findByRole('list', { name: 'What Apply fixes did' })).toBeVisible();
    expect(client.applySetup).toHaveBeenCalledWith('flex-token', { revisions: REVISIONS });
    expect(screen.getByRole('alert')).toHaveTextContent('2 of 4 steps failed. The steps that worked are kept');
    const list = 'What Apply fixes did';
    expect(stepItems(list)).toHaveLength(4);
    expect(within(stepItem(list, 'TaskRouter event callback')).getByText('Applied')).toBeVisible();
    expect(stepItem(list, 'TaskRouter event callback')).toHaveTextContent(WORKSPACE_APPLIED.detail);
    expect(within(stepItem(list, 'Workflow filters')).getByText('Failed')).toBeVisible();
    expect(stepItem(list, 'Workflow filters')).toHaveTextContent(FILTERS_FAILED.detail);
    expect(within(stepItem(list, 'Watchdog timers')).getByText('Unchanged')).toBeVisible();
    // The checks now show what Apply left.
    expect(within(checkItem('TaskRouter event callback')).getByText('OK')).toBeVisible();
    expect(within(checkItem('Workflow filters')).getByText('Problem')).toBeVisible();

    // Only the step refused over a change since the check invites a new check.
    const changed = stepItem(list, 'Conversations webhook');
    expect(within(changed).getByText('Failed')).toBeVisible();
    expect(changed).toHaveTextContent(CONVERSATIONS_CHANGED.detail);
    expect(within(stepItem(list, 'Workflow filters')).queryByRole('button')).not.toBeInTheDocument();

    client.checkSetup.mockResolvedValueOnce({
      ok: true,
      checks: BROKEN,
      revisions: { ...REVISIONS, conversations_webhook: '7777abab8888cdcd' },
    });
    fireEvent.click(within(changed).getByRole('button', { name: 'Check setup again' }));
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(button('Check setup')).toBeEnabled());
    expect(screen.queryByRole('list', { name: list })).not.toBeInTheDocument();

    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [WORKSPACE_APPLIED], checks: BROKEN });
    fireEvent.click(button('Apply fixes'));
    await screen.findByText('Applied: TaskRouter event callback.');
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', {
      revisions: { ...REVISIONS, conversations_webhook: '7777abab8888cdcd' },
    });
  });

  it('shows an Apply refused while another setup change runs, keeping the checks, and lets it be retried', async () => {
    const client = await renderSection();
    client.applySetup.mockResolvedValueOnce({
      ok: false,
      error: {
        code: 'setup_busy',
        message: 'Another setup change is in progress (Test & Save by other@example.com); try again in a moment',
        status: 409,
      },
    });

    fireEvent.click(button('Apply fixes'));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Fixes not applied. Another setup change is in progress (Test & Save by other@example.com); ' +
        'try again in a moment',
    );
    expect(stepItems('Setup checks')).toHaveLength(5);
    expect(button('Apply fixes')).toBeEnabled();
  });

  it('sends the revisions Apply answered with the next Apply, so it is not refused over its own change', async () => {
    const client = await renderSection();
    const afterApply = {
      workspace_events: 'aaaa0000bbbb1111',
      conversations_webhook: '3333cccc4444dddd',
      workflow_filters: '5555eeee6666ffff',
    };
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [WORKSPACE_APPLIED, FILTERS_SKIPPED],
      backupId: 'b-1',
      checks: BROKEN,
      revisions: afterApply,
    });
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [{ ...WORKSPACE_APPLIED, status: 'unchanged', detail: 'Already set.' }],
      checks: BROKEN,
    });

    fireEvent.click(button('Apply fixes'));

    // A step left undone: a warning, not a green success.
    expect(
      await screen.findByText(
        'Applied: TaskRouter event callback. Not done: Workflow filters (each step below says why).',
      ),
    ).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent('Not done: Workflow filters');
    expect(within(stepItem('What Apply fixes did', 'Workflow filters')).getByText('Skipped')).toBeVisible();
    expect(stepItem('What Apply fixes did', 'Workflow filters')).toHaveTextContent(FILTERS_SKIPPED.detail);

    fireEvent.click(button('Apply fixes'));

    expect(await screen.findByText('Nothing was changed.')).toBeVisible();
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', { revisions: afterApply });
    expect(within(stepItem('What Apply fixes did', 'TaskRouter event callback')).getByText('Unchanged')).toBeVisible();
  });

  it("keeps the check's revision of a resource refused as changed since the check, until a new check", async () => {
    const client = await renderSection();
    const afterApply = {
      workspace_events: 'aaaa0000bbbb1111',
      conversations_webhook: 'cccc2222dddd3333',
      workflow_filters: '5555eeee6666ffff',
    };
    client.applySetup.mockResolvedValue({
      ok: true,
      steps: [WORKSPACE_APPLIED, CONVERSATIONS_CHANGED],
      checks: BROKEN,
      revisions: afterApply,
    });

    fireEvent.click(button('Apply fixes'));
    await screen.findByRole('list', { name: 'What Apply fixes did' });
    fireEvent.click(button('Apply fixes'));

    await waitFor(() => expect(client.applySetup).toHaveBeenCalledTimes(2));
    const { conversations_webhook: seen } = REVISIONS;
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', {
      revisions: { ...afterApply, conversations_webhook: seen },
    });
  });

  it('answered no revisions, sends none with the next Apply, so it is not refused over its own change', async () => {
    const client = await renderSection();
    client.applySetup.mockResolvedValue({ ok: true, steps: [WORKSPACE_APPLIED], checks: BROKEN });

    fireEvent.click(button('Apply fixes'));
    await screen.findByText('Applied: TaskRouter event callback.');
    fireEvent.click(button('Apply fixes'));

    await waitFor(() => expect(client.applySetup).toHaveBeenCalledTimes(2));
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', { revisions: {} });
  });

  it('offers a new check for a refusal only by its reason, not by the words of a failure', async () => {
    const client = await renderSection();
    const { reason: _reason, ...sameWords } = CONVERSATIONS_CHANGED;
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [sameWords], checks: BROKEN });

    fireEvent.click(button('Apply fixes'));

    await screen.findByRole('list', { name: 'What Apply fixes did' });
    expect(
      within(stepItem('What Apply fixes did', 'Conversations webhook')).queryByRole('button'),
    ).not.toBeInTheDocument();
  });
});

describe('Undo last apply', () => {
  it('asks first, naming the Apply it undoes: Cancel undoes nothing and gives the focus back', async () => {
    const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
    const at = '2026-11-21T10:25:00.000Z';
    client.checkSetup.mockResolvedValue({
      ok: true,
      checks: [CONFIG_OK, TIMERS_OK],
      revisions: REVISIONS,
      undoable: { backupId: 'apply-2', at, by: 'admin@example.com' },
    });
    renderWithTheme(<SetupSection client={client} token="flex-token" checkRequest={1} />);
    await screen.findByRole('list', { name: 'Setup checks' });

    fireEvent.click(button('Undo last apply'));
    const confirm = await screen.findByRole('region', UNDO_CONFIRMATION);
    expect(confirm).toHaveFocus();
    expect(confirm).toHaveTextContent(`the apply of ${absoluteTime(new Date(at))} by admin@example.com changed`);
    expect(confirm).toHaveTextContent('chats waiting in the queue are routed again');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('region', UNDO_CONFIRMATION)).not.toBeInTheDocument();
    expect(button('Undo last apply')).toHaveFocus();
    expect(client.undoSetup).not.toHaveBeenCalled();

    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], checks: [CONFIG_OK, TIMERS_OK] });
    await undoConfirmed();
    await waitFor(() => expect(client.undoSetup).toHaveBeenCalledWith('flex-token', 'apply-2'));
    expect(client.undoSetup).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('region', UNDO_CONFIRMATION)).not.toBeInTheDocument();
  });

  it('names the Apply the check or the last answer said it undoes: a second click undoes no older one', async () => {
    const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
    const applied = { at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' };
    client.checkSetup.mockResolvedValue({
      ok: true,
      checks: [CONFIG_OK, TIMERS_OK],
      revisions: REVISIONS,
      undoable: { backupId: 'apply-2', ...applied },
    });
    renderWithTheme(<SetupSection client={client} token="flex-token" checkRequest={1} />);
    await screen.findByRole('list', { name: 'Setup checks' });
    client.undoSetup.mockResolvedValueOnce({
      ok: true,
      steps: [WORKSPACE_APPLIED],
      restored: { backupId: 'apply-2', ...applied },
      undoable: { backupId: 'apply-1', ...applied },
      checks: [CONFIG_OK, TIMERS_OK],
    });
    await undoConfirmed();
    await screen.findByRole('list', { name: 'What Undo did' });
    expect(client.undoSetup).toHaveBeenLastCalledWith('flex-token', 'apply-2');

    client.undoSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'setup_changed', message: 'The Apply you meant to undo was undone already', status: 409 },
    });
    await undoConfirmed();
    expect(await screen.findByText(/The Apply you meant to undo was undone already/)).toBeVisible();
    expect(client.undoSetup).toHaveBeenLastCalledWith('flex-token', 'apply-1');
  });

  it("names the Apply that Apply's answer says Undo undoes now, with when and by whom", async () => {
    const client = await renderSection();
    // The check found nothing to undo; another admin applied since; this Apply's writes were all taken back.
    const other = { backupId: 'apply-1', at: '2026-11-21T10:25:00.000Z', by: 'other@example.com' };
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [WORKSPACE_APPLIED], undoable: other, checks: BROKEN });
    fireEvent.click(button('Apply fixes'));
    await screen.findByRole('list', { name: 'What Apply fixes did' });

    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], checks: BROKEN });
    const confirm = await undoConfirmed();
    expect(confirm).toHaveTextContent(`the apply of ${absoluteTime(new Date(other.at))} by other@example.com changed`);
    await waitFor(() => expect(client.undoSetup).toHaveBeenLastCalledWith('flex-token', 'apply-1'));
  });

  it('Undo after a check that found nothing to undo: an Apply another admin made since is not undone', async () => {
    const client = await renderSection([CONFIG_OK, TIMERS_OK]);
    client.undoSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'setup_changed', message: 'admin@example.com applied fixes at 10:25', status: 409 },
    });
    await undoConfirmed();
    expect(await screen.findByText(/admin@example.com applied fixes at 10:25/)).toBeVisible();
    expect(client.undoSetup).toHaveBeenLastCalledWith('flex-token', 'none');
  });

  it('says an Undo that kept something is not complete, not that it restored the setup', async () => {
    const client = await renderSection([CONFIG_OK, ok(WORKSPACE_UNSET), TIMERS_OK]);
    client.undoSetup.mockResolvedValueOnce({
      ok: true,
      steps: [
        {
          ...WORKSPACE_APPLIED,
          status: 'skipped',
          title: 'Undo: the event callback of workspace WS1',
          detail: 'Kept: the AI still holds conversations.',
        },
      ],
      restored: { backupId: 'b-1', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' },
      complete: false,
      checks: [CONFIG_OK, ok(WORKSPACE_UNSET), TIMERS_OK],
    });

    await undoConfirmed();

    expect(await screen.findByText(/Undo is not complete: what it kept, and why, is listed below/)).toBeVisible();
    expect(screen.queryByText(/Restored the setup as it was/)).not.toBeInTheDocument();
  });

  it('restores the last backup and shows what each step restored', async () => {
    const client = await renderSection([CONFIG_OK, ok(WORKSPACE_UNSET), TIMERS_OK]);
    const at = '2026-11-21T10:25:00.000Z';
    client.undoSetup.mockResolvedValueOnce({
      ok: true,
      steps: [
        {
          ...WORKSPACE_APPLIED,
          title: 'Undo: the event callback of workspace WS1',
          detail: 'Restored the event callback of workspace WS1 as it was before that Apply.',
        },
      ],
      restored: { backupId: 'b-1', at, by: 'admin@example.com' },
      checks: [CONFIG_OK, WORKSPACE_UNSET, TIMERS_OK],
      revisions: { workspace_events: 'eeee1111ffff2222' },
    });

    await undoConfirmed();

    expect(
      await screen.findByText(
        `Restored the setup as it was before the apply of ${absoluteTime(new Date(at))} by admin@example.com.`,
      ),
    ).toBeVisible();
    // The check named no Apply to undo: Undo names none either.
    expect(client.undoSetup).toHaveBeenCalledWith('flex-token', 'none');
    const restored = stepItem('What Undo did', 'Undo: the event callback of workspace WS1');
    expect(within(restored).getByText('Applied')).toBeVisible();
    expect(restored).toHaveTextContent('Restored the event callback of workspace WS1 as it was before that Apply.');
    expect(within(checkItem('TaskRouter event callback')).getByText('Problem')).toBeVisible();
    expect(button('Apply fixes')).toBeEnabled();

    // The next Apply protects what Undo restored with the revision Undo answered.
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [WORKSPACE_APPLIED],
      checks: [CONFIG_OK, ok(WORKSPACE_UNSET), TIMERS_OK],
    });
    fireEvent.click(button('Apply fixes'));
    await screen.findByText('Applied: TaskRouter event callback.');
    expect(client.applySetup).toHaveBeenCalledWith('flex-token', {
      revisions: { workspace_events: 'eeee1111ffff2222' },
    });
  });

  it('says when there is nothing to undo', async () => {
    const client = await renderSection();
    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], checks: BROKEN });

    await undoConfirmed();

    expect(await screen.findByText('Nothing to undo: no stored apply has changed this account.')).toBeVisible();
    expect(screen.queryByRole('list', { name: 'What Undo did' })).not.toBeInTheDocument();
  });

  it('shows a step that could not be restored as a failure, next to those that were', async () => {
    const client = await renderSection();
    client.undoSetup.mockResolvedValueOnce({
      ok: true,
      steps: [
        {
          id: 'workspace_events',
          title: 'Undo: the event callback of workspace WS1',
          status: 'applied',
          detail: 'Restored the event callback of workspace WS1 as it was before that Apply.',
        },
        {
          id: 'workflow_filters',
          title: 'Undo: workflow WW1',
          status: 'failed',
          detail:
            'Not restored: workflow WW1 changed after that Apply, and restoring it would lose that edit. ' +
            'Restore it by hand if you mean to.',
        },
      ],
      restored: { backupId: 'b-1', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' },
      checks: BROKEN,
    });

    await undoConfirmed();

    expect(await screen.findByRole('alert')).toHaveTextContent('Undo incomplete: 1 of 2 steps failed.');
    expect(within(stepItem('What Undo did', 'Undo: workflow WW1')).getByText('Failed')).toBeVisible();
    expect(stepItem('What Undo did', 'Undo: workflow WW1')).toHaveTextContent('changed after that Apply');
    expect(
      within(stepItem('What Undo did', 'Undo: the event callback of workspace WS1')).getByText('Applied'),
    ).toBeVisible();
  });

  it('shows a refused or unreachable undo as an error alert, keeping the checks', async () => {
    const client = await renderSection();
    client.undoSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    await undoConfirmed();

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Nothing undone. Only Flex admins can use the OpenCX settings',
    );
    expect(stepItems('Setup checks')).toHaveLength(5);

    client.undoSetup.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await undoConfirmed();
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Undo may not have finished'));
    expect(screen.getByRole('alert')).toHaveTextContent('or their answer was lost on its way back');
  });
});

describe('a write that may have been done though it failed', () => {
  const UNANSWERED =
    'No answer came from the OpenCX Functions: what you asked may have been done all the same. Check, then try again.';

  it.each([
    ['Apply fixes', 'applySetup', 'Apply fixes may not have finished; the check below shows what is in place.'],
    ['Undo last apply', 'undoSetup', 'Undo may not have finished; the check below shows what is in place.'],
  ] as const)(
    '%s without an answer: says so, not that nothing was done, and checks again',
    async (name, call, says) => {
      // The settings view reads the settings again: such a write may have changed them.
      const onSettingsChanged = jest.fn();
      const client = await renderSection(BROKEN, onSettingsChanged);
      client[call].mockResolvedValueOnce({ ok: false, error: { code: 'timeout', message: UNANSWERED } });
      client.checkSetup.mockResolvedValueOnce({ ok: true, checks: [CONFIG_OK, TIMERS_OK], revisions: REVISIONS });

      if (name === 'Undo last apply') await undoConfirmed();
      else fireEvent.click(button(name));

      expect(await screen.findByRole('alert')).toHaveTextContent(`${says} ${UNANSWERED}`);
      await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
      await waitFor(() => expect(stepItems('Setup checks')).toHaveLength(2));
      expect(screen.getByRole('alert')).toHaveTextContent(says);
      expect(onSettingsChanged).toHaveBeenCalledTimes(1);
    },
  );

  it('Twilio failing part-way through an Uninstall: the check shows what is left', async () => {
    const client = await renderSection();
    client.uninstallSetup.mockResolvedValueOnce(TWILIO_UNAVAILABLE);
    fireEvent.click(button('Uninstall'));
    const confirm = await screen.findByRole('region', CONFIRMATION);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, uninstall' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Uninstall may not have finished; the check below shows what is left. Twilio failed',
    );
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
  });

  it('undoes the Apply its open confirmation names, though a check behind it found a newer one', async () => {
    const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
    const at = '2026-11-21T10:25:00.000Z';
    const mine = { backupId: 'apply-2', at, by: 'admin@example.com' };
    client.checkSetup.mockResolvedValue({
      ok: true,
      checks: [CONFIG_OK, TIMERS_OK],
      revisions: REVISIONS,
      undoable: mine,
    });
    const { rerender } = renderWithTheme(<SetupSection client={client} token="flex-token" checkRequest={1} />);
    await screen.findByRole('list', { name: 'Setup checks' });
    fireEvent.click(button('Undo last apply'));
    const confirm = await screen.findByRole('region', UNDO_CONFIRMATION);

    // Another admin applied meanwhile; a check in the background (a save, a return to the view) finds it.
    const theirs = { backupId: 'apply-3', at: '2026-11-21T10:40:00.000Z', by: 'other@example.com' };
    client.checkSetup.mockResolvedValue({
      ok: true,
      checks: [CONFIG_OK, TIMERS_OK],
      revisions: REVISIONS,
      undoable: theirs,
    });
    rerender(<SetupSection client={client} token="flex-token" checkRequest={2} />);
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(within(confirm).getByRole('button', { name: 'Yes, undo it' })).toBeEnabled());

    expect(confirm).toHaveTextContent(`the apply of ${absoluteTime(new Date(at))} by admin@example.com changed`);
    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], checks: [CONFIG_OK, TIMERS_OK] });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, undo it' }));
    // The server refuses it when it is not the newest any more (setup_changed): theirs is not undone unseen.
    await waitFor(() => expect(client.undoSetup).toHaveBeenCalledWith('flex-token', 'apply-2'));
  });

  it('an Apply made from this view while the confirmation is open is the one it then names and undoes', async () => {
    const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
    const earlier = { backupId: 'apply-2', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' };
    client.checkSetup.mockResolvedValue({ ok: true, checks: BROKEN, revisions: REVISIONS, undoable: earlier });
    renderWithTheme(<SetupSection client={client} token="flex-token" checkRequest={1} />);
    await screen.findByRole('list', { name: 'Setup checks' });
    fireEvent.click(button('Undo last apply'));
    const confirm = await screen.findByRole('region', UNDO_CONFIRMATION);

    const mine = { backupId: 'apply-3', at: '2026-11-21T10:40:00.000Z', by: 'admin@example.com' };
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [WORKSPACE_APPLIED], undoable: mine, checks: BROKEN });
    fireEvent.click(button('Apply fixes'));
    await waitFor(() => expect(confirm).toHaveTextContent(`the apply of ${absoluteTime(new Date(mine.at))}`));
    await waitFor(() => expect(within(confirm).getByRole('button', { name: 'Yes, undo it' })).toBeEnabled());

    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], checks: BROKEN });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, undo it' }));
    await waitFor(() => expect(client.undoSetup).toHaveBeenCalledWith('flex-token', 'apply-3'));
  });

  it('an Undo refused for an Apply made since checks again, so the next Undo names that Apply', async () => {
    const client = await renderSection();
    client.undoSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'setup_changed', message: 'Another Apply came since; check again', status: 409 },
    });
    client.checkSetup.mockResolvedValueOnce({
      ok: true,
      checks: BROKEN,
      revisions: REVISIONS,
      undoable: { backupId: 'b-newer', at: '2026-05-01T12:00:00Z', by: 'other@example.com' },
    });
    await undoConfirmed();
    expect(await screen.findByRole('alert')).toHaveTextContent('Nothing undone. Another Apply came since');
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(button('Undo last apply')).toBeEnabled());

    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [], restored: undefined, complete: true } as never);
    await undoConfirmed();
    await waitFor(() => expect(client.undoSetup).toHaveBeenLastCalledWith('flex-token', 'b-newer'));
  });
});

describe('Uninstall', () => {
  const REMOVED: StepReport[] = [
    {
      id: 'workflow_filters',
      title: 'Workflow filters',
      status: 'applied',
      detail: 'Removed the integration\'s filters from workflow "Assign to Anyone"; its other filters are kept.',
    },
    {
      id: 'conversations_webhook',
      title: 'Conversations webhook',
      status: 'applied',
      detail: 'Restored to https://old.example.com/hook, as it was before the integration.',
    },
  ];
  const WORKER_DELETED: StepReport = { id: 'ai_worker', title: 'AI worker WK1', status: 'applied', detail: 'Deleted.' };
  const WORKER_BUSY: StepReport = {
    id: 'ai_worker',
    title: 'AI worker WK2',
    status: 'skipped',
    detail:
      'It still holds conversations: its channels are closed so it takes no new one. ' +
      'Run uninstall again once they end.',
  };

  it('asks for a confirmation that lists what is removed, and does nothing when cancelled', async () => {
    const client = await renderSection();

    fireEvent.click(button('Uninstall'));

    const confirm = await screen.findByRole('region', CONFIRMATION);
    expect(confirm).toHaveFocus();
    expect(
      within(confirm)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'the workflow filters it added',
      'its webhook registrations, restoring the ones from before it',
      'the watchdog timer workspace',
      'the AI workers, once they hold no conversation',
      'the AI queue, if Apply fixes created it',
      'the OpenCX data in Sync, unless you keep it',
    ]);
    expect(within(confirm).getByRole('checkbox', { name: 'Keep the OpenCX data in Sync' })).not.toBeChecked();

    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));

    expect(confirmation()).not.toBeInTheDocument();
    expect(client.uninstallSetup).not.toHaveBeenCalled();
    expect(button('Uninstall')).toHaveFocus();
    expect(stepItems('Setup checks')).toHaveLength(5);
  });

  it('uninstalls once confirmed, keeping Sync data if ticked; says to rerun it while something remains', async () => {
    const client = await renderSection();
    client.uninstallSetup.mockResolvedValueOnce({
      ok: true,
      steps: [REMOVED[0], WORKER_DELETED, WORKER_BUSY],
      complete: false,
    });

    fireEvent.click(button('Uninstall'));
    const confirm = await screen.findByRole('region', CONFIRMATION);
    fireEvent.click(within(confirm).getByRole('checkbox', { name: 'Keep the OpenCX data in Sync' }));
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, uninstall' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Uninstall is not complete: what remains is listed below, such as AI workers still holding conversations. ' +
        'Run it again once the AI’s conversations end.',
    );
    expect(client.uninstallSetup).toHaveBeenCalledWith('flex-token', { keepSyncData: true });
    expect(confirmation()).not.toBeInTheDocument();
    const list = 'What Uninstall did';
    expect(stepItems(list)).toHaveLength(3);
    expect(within(stepItem(list, 'Workflow filters')).getByText('Applied')).toBeVisible();
    expect(within(stepItem(list, 'AI worker WK1')).getByText('Applied')).toBeVisible();
    expect(within(stepItem(list, 'AI worker WK2')).getByText('Skipped')).toBeVisible();
    expect(stepItem(list, 'AI worker WK2')).toHaveTextContent(WORKER_BUSY.detail);
    // The checks described what is now removed.
    expect(screen.queryByRole('list', { name: 'Setup checks' })).not.toBeInTheDocument();
    expect(button('Apply fixes')).toBeDisabled();

    client.uninstallSetup.mockResolvedValueOnce({
      ok: true,
      steps: [{ ...WORKER_BUSY, status: 'applied', detail: 'Deleted.' }, ...REMOVED],
      complete: true,
    });
    fireEvent.click(button('Uninstall'));
    // A new confirmation starts without keeping the data.
    const again = await screen.findByRole('region', CONFIRMATION);
    expect(within(again).getByRole('checkbox', { name: 'Keep the OpenCX data in Sync' })).not.toBeChecked();
    fireEvent.click(within(again).getByRole('button', { name: 'Yes, uninstall' }));

    expect(
      await screen.findByText(
        'Uninstalled: everything the integration added is removed. The OpenCX data in Sync is deleted.',
      ),
    ).toBeVisible();
    expect(client.uninstallSetup).toHaveBeenLastCalledWith('flex-token', { keepSyncData: false });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows a failed step as an error, and a refused uninstall in the error style', async () => {
    const client = await renderSection();
    client.uninstallSetup.mockResolvedValueOnce({
      ok: true,
      steps: [
        REMOVED[0],
        { ...REMOVED[1], status: 'failed', detail: 'Could not restore it: Twilio answered 500: Internal Server Error' },
      ],
      complete: false,
    });
    client.uninstallSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    fireEvent.click(button('Uninstall'));
    fireEvent.click(
      within(await screen.findByRole('region', CONFIRMATION)).getByRole('button', { name: 'Yes, uninstall' }),
    );

    expect(await screen.findByText(/Uninstall incomplete: 1 of 2 steps failed/)).toBeVisible();
    expect(within(stepItem('What Uninstall did', 'Conversations webhook')).getByText('Failed')).toBeVisible();
    expect(within(stepItem('What Uninstall did', 'Workflow filters')).getByText('Applied')).toBeVisible();

    expect(confirmation()).not.toBeInTheDocument();
    fireEvent.click(button('Uninstall'));
    fireEvent.click(
      within(await screen.findByRole('region', CONFIRMATION)).getByRole('button', { name: 'Yes, uninstall' }),
    );

    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent(
        'Nothing uninstalled. Only Flex admins can use the OpenCX settings',
      ),
    );
    expect(screen.queryByRole('list', { name: 'What Uninstall did' })).not.toBeInTheDocument();
  });

  it('disables every action while undoing or uninstalling, and says what it is doing', async () => {
    const client = await renderSection();
    const undoing = deferred<UndoSetupResult>();
    client.undoSetup.mockReturnValueOnce(undoing.promise);

    await undoConfirmed();

    expect(screen.getByText('Undoing the last apply…')).toBeVisible();
    expect(button('Undo last apply')).toHaveAttribute('aria-busy', 'true');
    for (const name of ['Check setup', 'Apply fixes', 'Uninstall']) expect(button(name)).toBeDisabled();
    undoing.resolve({ ok: true, steps: [], checks: BROKEN });
    await screen.findByText(/Nothing to undo/);

    const uninstalling = deferred<UninstallSetupResult>();
    client.uninstallSetup.mockReturnValueOnce(uninstalling.promise);
    fireEvent.click(button('Uninstall'));
    fireEvent.click(
      within(await screen.findByRole('region', CONFIRMATION)).getByRole('button', { name: 'Yes, uninstall' }),
    );

    expect(await screen.findByText('Uninstalling…')).toBeVisible();
    for (const name of ['Check setup', 'Apply fixes', 'Undo last apply']) expect(button(name)).toBeDisabled();
    uninstalling.resolve({ ok: true, steps: REMOVED, complete: true });
    await screen.findByText(/Uninstalled: everything the integration added is removed/);
    expect(button('Check setup')).toBeEnabled();
  });
});

describe('Keyboard focus', () => {
  it('stays on the button pressed, whatever its answer brings or takes away above the buttons', async () => {
    const client = fakeSettingsClient({ ok: true, settings: SAVED_SETTINGS, routing: null });
    client.checkSetup.mockResolvedValue({ ok: true, checks: BROKEN, revisions: REVISIONS });
    renderWithTheme(<SetupSection client={client} token="flex-token" checkRequest={0} />);
    const press = async (name: string, answered: () => Promise<unknown>) => {
      button(name).focus();
      fireEvent.click(button(name));
      browserDropsFocus();
      await answered();
      expect(button(name)).toHaveFocus();
    };

    await press('Check setup', () => screen.findByRole('list', { name: 'Setup checks' }));
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [WORKSPACE_APPLIED], backupId: 'b-1', checks: BROKEN });
    await press('Apply fixes', () => screen.findByRole('list', { name: 'What Apply fixes did' }));
    // A confirmation, and the focus in it, go when it is confirmed: the focus goes back to the button.
    client.undoSetup.mockResolvedValueOnce({ ok: true, steps: [WORKSPACE_APPLIED], checks: BROKEN });
    await undoConfirmed();
    await screen.findByRole('list', { name: 'What Undo did' });
    expect(button('Undo last apply')).toHaveFocus();

    client.uninstallSetup.mockResolvedValueOnce({ ok: true, steps: [TIMERS_UNCHANGED], complete: true });
    fireEvent.click(button('Uninstall'));
    fireEvent.click(
      within(await screen.findByRole('region', CONFIRMATION)).getByRole('button', { name: 'Yes, uninstall' }),
    );
    await screen.findByRole('list', { name: 'What Uninstall did' });
    expect(screen.queryByRole('list', { name: 'Setup checks' })).not.toBeInTheDocument();
    expect(button('Uninstall')).toHaveFocus();
  });

  it('goes to Check setup after an Apply that fixed everything: Apply fixes is then disabled', async () => {
    const client = await renderSection();
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [WORKSPACE_APPLIED],
      backupId: 'b-1',
      checks: BROKEN.map(ok),
    });
    button('Apply fixes').focus();
    fireEvent.click(button('Apply fixes'));
    browserDropsFocus();
    await screen.findByRole('list', { name: 'What Apply fixes did' });
    expect(button('Apply fixes')).toBeDisabled();
    expect(button('Check setup')).toHaveFocus();
  });
});
