import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import type {
  ApplySetupResult,
  CheckSetupResult,
  LoadResult,
  OpencxSettings,
  SetupCheck,
  StepReport,
  StepStatus,
} from '../../api/settingsClient';
import { fakeSettingsClient, HEALTHY_CHECKS, SAVED_SETTINGS } from '../../testing/fakeSettingsClient';
import { renderWithTheme } from '../../testing/render';
import { SettingsView } from '../SettingsView';

const FLEX = { workspaceSid: 'WS' + 'a'.repeat(32), conversationsServiceSid: 'IS' + 'b'.repeat(32) };
const HUMAN_QUEUE = 'WQ' + 'd'.repeat(32);
const WEBHOOK = 'https://opencx-1234-dev.twil.io/webhook';
const OLD_WEBHOOK = 'https://opencx-old-stage.twil.io/webhook';

const SAVED: OpencxSettings = { ...SAVED_SETTINGS, aiAuthorName: 'Acme Bot' };
const UNCONFIGURED: OpencxSettings = { ...SAVED, configured: false, opencxTokenMasked: null, orgName: null };

// Worded as functions/admin-lib/setup/ words them.
const WORKSPACE_UNSET: SetupCheck = {
  id: 'workspace_events',
  status: 'problem',
  title: 'TaskRouter event callback',
  detail: 'The workspace sends its events nowhere, so the AI is never offered a task.',
  fix: `Apply fixes: it sets the Event Callback URL to ${WEBHOOK} and subscribes reservation.created, task.created.`,
  autoFixable: true,
};
const WORKSPACE_OK: SetupCheck = {
  id: 'workspace_events',
  status: 'ok',
  title: 'TaskRouter event callback',
  detail: `The workspace sends reservation.created, task.created to ${WEBHOOK}.`,
  autoFixable: false,
};
const CONVERSATIONS_ELSEWHERE: SetupCheck = {
  id: 'conversations_webhook',
  status: 'problem',
  title: 'Conversations webhook',
  detail:
    `The Conversations events go to ${OLD_WEBHOOK}, not to this deployment (${WEBHOOK}): ` +
    'they reach another environment or org, and the AI here never sees them.',
  fix: `If ${OLD_WEBHOOK} is not in use, confirm replacing it and apply setup: it registers ${WEBHOOK} instead.`,
  autoFixable: true,
  confirm: 'replaceCallbackUrl',
};
const CONVERSATIONS_OK: SetupCheck = {
  id: 'conversations_webhook',
  status: 'ok',
  title: 'Conversations webhook',
  detail: `The Conversations service posts onMessageAdded to ${WEBHOOK}.`,
  autoFixable: false,
};
const NO_HANDOFF_FILTER: SetupCheck = {
  id: 'workflow_filters',
  status: 'problem',
  title: 'Workflow filters',
  detail:
    'Workflow "Assign to Anyone" (WW1) has no handedOff == true filter, so a task the AI hands off has nowhere to go.',
  fix:
    "Choose your human agents' queue and apply setup: " +
    'it adds the filter "OpenCX: handed off to humans" (handedOff == true → that queue) at the top of the workflow.',
  autoFixable: true,
  needs: 'humanQueueSid',
};
const MISORDERED_FILTER: SetupCheck = {
  id: 'workflow_filters',
  status: 'problem',
  title: 'Workflow filters',
  detail:
    'In Workflow "Assign to Anyone" (WW1), the AI\'s filter "OpenCX AI" comes before "Handed off". ' +
    'Filters run top to bottom and the first match wins, so a handed-off task goes back to the AI.',
  fix: 'Apply fixes: it moves "Handed off" above "OpenCX AI".',
  autoFixable: true,
};
const FILTERS_OK: SetupCheck = {
  id: 'workflow_filters',
  status: 'ok',
  title: 'Workflow filters',
  detail: 'In Workflow "Assign to Anyone" (WW1), "Handed off" comes before the AI\'s filter "OpenCX AI".',
  autoFixable: false,
};
const OPENCX_UNREACHABLE: SetupCheck = {
  id: 'opencx_token',
  status: 'warning',
  title: 'OpenCX API key',
  detail: 'OpenCX could not be reached to check the saved API key.',
  fix: 'Run the check again in a minute.',
  autoFixable: false,
};
const AI_WORKER_OFFLINE: SetupCheck = {
  id: 'ai_worker',
  status: 'problem',
  title: 'AI worker',
  detail: '"OpenCX AI" (WK1) is in the "Offline" activity, which is not available: TaskRouter offers it no task.',
  fix: 'In TaskRouter → Workers, set "OpenCX AI" (WK1) to Available.',
  autoFixable: false,
};
const OPENCX_WEBHOOK_QUIET: SetupCheck = {
  id: 'opencx_webhook',
  status: 'warning',
  title: 'OpenCX webhook',
  detail: 'No signed OpenCX event has arrived in the last 24 hours (the last one on 2026-11-19).',
  fix:
    'In OpenCX → Settings → Integrations → Webhooks, ' +
    'check the URL and that the signing secret matches the saved one.',
  autoFixable: false,
};
const TIMER_WORKSPACE_MISSING: SetupCheck = {
  id: 'timer_workspace',
  status: 'problem',
  title: 'Watchdog timers',
  detail: 'The "OpenCX timers" workspace does not exist, so a slow AI answer has no watchdog.',
  fix: 'Apply fixes: it creates the workspace.',
  autoFixable: true,
};
const CONFIG_OK = HEALTHY_CHECKS[0];

const BROKEN = [CONFIG_OK, OPENCX_UNREACHABLE, WORKSPACE_UNSET, CONVERSATIONS_ELSEWHERE, NO_HANDOFF_FILTER];
const FIXED = [CONFIG_OK, HEALTHY_CHECKS[1], WORKSPACE_OK, CONVERSATIONS_OK, FILTERS_OK];
/** The check's view of each resource Apply may write. */
const REVISIONS = {
  workspace_events: 'a1b2c3d4e5f60718',
  conversations_webhook: '0f1e2d3c4b5a6978',
  workflow_filters: '99aa88bb77cc66dd',
};

/** A step's report as the Functions word it. */
const step = (check: SetupCheck, status: StepStatus, detail: string): StepReport => ({
  id: check.id,
  title: check.title,
  status,
  detail,
});
const applied = (check: SetupCheck, detail = `Fixed: ${check.title}.`) => step(check, 'applied', detail);

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function renderView(checks: SetupCheck[] | Promise<CheckSetupResult>, settings: OpencxSettings = SAVED) {
  const client = fakeSettingsClient({ ok: true, settings, routing: null });
  client.checkSetup.mockImplementation(() =>
    Array.isArray(checks) ? Promise.resolve({ ok: true, checks, revisions: REVISIONS }) : checks,
  );
  renderWithTheme(<SettingsView client={client} token="flex-token" flexResources={FLEX} />);
  await screen.findByRole('button', { name: 'Check setup' });
  if (Array.isArray(checks) && settings.configured) await screen.findByRole('list', { name: 'Setup checks' });
  return client;
}

const checkButton = () => screen.getByRole('button', { name: 'Check setup' });
const applyButton = () => screen.getByRole('button', { name: 'Apply fixes' });
const humanQueueInput = () => screen.queryByLabelText('Human queue SID');
const replaceBox = () =>
  screen.queryByRole('checkbox', { name: /Replace the existing webhook URL \(it may belong to another environment\)/ });
const items = () => within(screen.getByRole('list', { name: 'Setup checks' })).getAllByRole('listitem');
const item = (title: string) => {
  const found = items().find((li) => within(li).queryByText(title, { exact: true }));
  if (!found) throw new Error(`No check titled ${title}`);
  return found;
};

describe('Twilio setup section', () => {
  it('checks the setup once the saved settings are loaded, and shows each check with its status', async () => {
    const client = await renderView(BROKEN);

    expect(client.checkSetup).toHaveBeenCalledTimes(1);
    expect(client.checkSetup).toHaveBeenCalledWith('flex-token');
    expect(screen.getByRole('heading', { name: 'Twilio setup' })).toBeVisible();
    expect(screen.getByText('4 of 5 checks need attention.')).toBeVisible();
    expect(items().map((li) => li.textContent)).toHaveLength(5);

    const config = item('OpenCX settings');
    expect(within(config).getByText('OK')).toBeVisible();
    expect(config).toHaveTextContent(CONFIG_OK.detail);
    expect(config).not.toHaveTextContent('How to fix:');

    const opencx = item('OpenCX API key');
    expect(within(opencx).getByText('Warning')).toBeVisible();
    expect(opencx).toHaveTextContent('How to fix: Run the check again in a minute.');

    for (const check of [WORKSPACE_UNSET, CONVERSATIONS_ELSEWHERE, NO_HANDOFF_FILTER]) {
      const li = item(check.title);
      expect(within(li).getByText('Problem')).toBeVisible();
      expect(within(li).getByText(check.detail)).toBeVisible();
      expect(li).toHaveTextContent(`How to fix: ${check.fix}`);
    }
    expect(applyButton()).toBeEnabled();
  });

  it('shows checks it has no special case for (OpenCX webhook, watchdog timers) and applies their fixes', async () => {
    const client = await renderView([CONFIG_OK, OPENCX_WEBHOOK_QUIET, TIMER_WORKSPACE_MISSING]);
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [applied(TIMER_WORKSPACE_MISSING)],
      checks: [CONFIG_OK, OPENCX_WEBHOOK_QUIET, { ...TIMER_WORKSPACE_MISSING, status: 'ok' }],
    });

    const webhook = item('OpenCX webhook');
    expect(within(webhook).getByText('Warning')).toBeVisible();
    expect(webhook).toHaveTextContent(OPENCX_WEBHOOK_QUIET.detail);
    expect(webhook).toHaveTextContent(`How to fix: ${OPENCX_WEBHOOK_QUIET.fix}`);
    expect(within(item('Watchdog timers')).getByText('Problem')).toBeVisible();
    expect(screen.getByText('2 of 3 checks need attention.')).toBeVisible();

    fireEvent.click(applyButton());

    expect(await screen.findByText('Applied: Watchdog timers.')).toBeVisible();
    expect(within(item('Watchdog timers')).getByText('OK')).toBeVisible();
    expect(applyButton()).toBeDisabled(); // the webhook warning is OpenCX's side: nothing to apply
  });

  it('an Apply whose own check could not run keeps its report and checks again', async () => {
    const client = await renderView([CONFIG_OK, OPENCX_WEBHOOK_QUIET, TIMER_WORKSPACE_MISSING]);
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [applied(TIMER_WORKSPACE_MISSING)] });
    client.checkSetup.mockResolvedValueOnce({
      ok: true,
      checks: [CONFIG_OK, OPENCX_WEBHOOK_QUIET, { ...TIMER_WORKSPACE_MISSING, status: 'ok' }],
      revisions: REVISIONS,
    });

    fireEvent.click(applyButton());

    await waitFor(() => expect(within(item('Watchdog timers')).getByText('OK')).toBeVisible());
    expect(client.checkSetup).toHaveBeenCalledTimes(2);
    expect(screen.getByText('Applied: Watchdog timers.')).toBeVisible();
    expect(screen.getByRole('list', { name: 'What Apply fixes did' })).toBeVisible();
  });

  it('a Test & Save during Apply checks again only once Apply has reported', async () => {
    const client = await renderView([CONFIG_OK, OPENCX_WEBHOOK_QUIET, TIMER_WORKSPACE_MISSING]);
    let finishApply!: (result: Awaited<ReturnType<typeof client.applySetup>>) => void;
    client.applySetup.mockImplementationOnce(() => new Promise((resolve) => (finishApply = resolve)));
    client.save.mockResolvedValueOnce({ ok: true, settings: SAVED, workerCreated: false });

    fireEvent.click(applyButton());
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));
    await screen.findByText(/Settings saved/);
    expect(client.checkSetup).toHaveBeenCalledTimes(1);

    await act(async () =>
      finishApply({
        ok: true,
        steps: [applied(TIMER_WORKSPACE_MISSING)],
        checks: [CONFIG_OK, OPENCX_WEBHOOK_QUIET, { ...TIMER_WORKSPACE_MISSING, status: 'ok' }],
      }),
    );

    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Check setup' })).toBeEnabled());
    expect(screen.getByText('Applied: Watchdog timers.')).toBeVisible();
    expect(screen.getByRole('list', { name: 'What Apply fixes did' })).toBeVisible();
  });

  it('does not check an unconfigured setup by itself, but on "Check setup"', async () => {
    const client = await renderView(
      [{ ...CONFIG_OK, status: 'problem', detail: 'The OpenCX settings are not saved.', fix: 'Click Test & Save.' }],
      UNCONFIGURED,
    );

    expect(client.checkSetup).not.toHaveBeenCalled();
    expect(screen.queryByRole('list', { name: 'Setup checks' })).not.toBeInTheDocument();
    expect(applyButton()).toBeDisabled();

    fireEvent.click(checkButton());

    expect(await screen.findByText('1 of 1 checks need attention.')).toBeVisible();
    expect(item('OpenCX settings')).toHaveTextContent('How to fix: Click Test & Save.');
    expect(applyButton()).toBeDisabled(); // nothing apply can fix
  });

  it('checks again after a successful Test & Save, not after a failed one', async () => {
    const client = await renderView(FIXED, UNCONFIGURED);
    client.save.mockResolvedValueOnce({
      ok: false,
      error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken' },
    });
    client.save.mockResolvedValueOnce({ ok: true, settings: SAVED, workerCreated: true });

    fireEvent.change(screen.getByLabelText(/OpenCX API key/), { target: { value: 'ocx_live_wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));
    await screen.findByText('OpenCX rejected this token');
    expect(client.checkSetup).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText(/OpenCX API key/), { target: { value: 'ocx_live_right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));

    expect(await screen.findByText('All 5 checks passed.')).toBeVisible();
    expect(client.checkSetup).toHaveBeenCalledTimes(1);
    expect(items().every((li) => within(li).queryByText('OK'))).toBe(true);
    expect(applyButton()).toBeDisabled();
  });

  it('asks for the human queue only when the handedOff filter is missing, and explains why', async () => {
    await renderView(BROKEN);
    expect(humanQueueInput()).toBeVisible();
    expect(humanQueueInput()).toHaveAccessibleDescription(expect.stringContaining('Tasks the AI hands off go there'));

    fireEvent.click(checkButton());
    await waitFor(() => expect(checkButton()).toBeEnabled());
    expect(humanQueueInput()).toBeVisible();
  });

  it('asks no queue when the handedOff filter is only misordered, no confirmation without a foreign URL', async () => {
    await renderView([CONFIG_OK, WORKSPACE_UNSET, MISORDERED_FILTER]);

    expect(item('Workflow filters')).toHaveTextContent(
      'How to fix: Apply fixes: it moves "Handed off" above "OpenCX AI".',
    );
    expect(humanQueueInput()).not.toBeInTheDocument();
    expect(replaceBox()).not.toBeInTheDocument();
    expect(applyButton()).toBeEnabled();
  });

  it('applies with the human queue, and replaces a foreign webhook URL only once confirmed', async () => {
    const client = await renderView(BROKEN);
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [
        applied(WORKSPACE_UNSET),
        step(CONVERSATIONS_ELSEWHERE, 'skipped', 'Not confirmed.'),
        applied(NO_HANDOFF_FILTER),
      ],
      checks: [CONFIG_OK, WORKSPACE_OK, CONVERSATIONS_ELSEWHERE, FILTERS_OK],
      revisions: { ...REVISIONS, workspace_events: 'b2c3d4e5f6071829', workflow_filters: 'aa99bb88cc77dd66' },
    });
    client.applySetup.mockResolvedValueOnce({ ok: true, steps: [applied(CONVERSATIONS_ELSEWHERE)], checks: FIXED });

    expect(replaceBox()).not.toBeChecked();
    fireEvent.change(humanQueueInput()!, { target: { value: ` ${HUMAN_QUEUE} ` } });
    fireEvent.click(applyButton());

    expect(
      await screen.findByText(
        'Applied: TaskRouter event callback, Workflow filters. ' +
          'Not done: Conversations webhook (each step below says why).',
      ),
    ).toBeVisible();
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', {
      humanQueueSid: HUMAN_QUEUE,
      revisions: REVISIONS,
    });
    // The new checks replace the old ones: the filter is there, so no queue is asked for any more.
    expect(within(item('Workflow filters')).getByText('OK')).toBeVisible();
    expect(humanQueueInput()).not.toBeInTheDocument();
    expect(screen.getByText('1 of 4 checks need attention.')).toBeVisible();

    fireEvent.click(replaceBox()!);
    expect(replaceBox()).toBeChecked();
    // The question above the outcome goes with this Apply: the status region it is announced in stays.
    const regions = screen.getAllByRole('status');
    fireEvent.click(applyButton());

    expect(await screen.findByText('Applied: Conversations webhook.')).toBeVisible();
    expect(regions.filter((region) => region.textContent?.includes('Applied: Conversations webhook.'))).toHaveLength(1);
    // Apply wrote two resources: the next Apply sends the revisions it answered, theirs new.
    expect(client.applySetup).toHaveBeenLastCalledWith('flex-token', {
      replaceCallbackUrl: true,
      revisions: { ...REVISIONS, workspace_events: 'b2c3d4e5f6071829', workflow_filters: 'aa99bb88cc77dd66' },
    });
    expect(screen.getByText('All 5 checks passed.')).toBeVisible();
    expect(replaceBox()).not.toBeInTheDocument();
    expect(applyButton()).toBeDisabled();
  });

  it('forgets the confirmation to replace a URL once a check stops asking it: none is given for another', async () => {
    const client = await renderView([CONFIG_OK, CONVERSATIONS_ELSEWHERE]);
    fireEvent.click(replaceBox()!);
    expect(replaceBox()).toBeChecked();

    client.checkSetup.mockResolvedValueOnce({ ok: true, checks: [CONFIG_OK, CONVERSATIONS_OK], revisions: REVISIONS });
    fireEvent.click(checkButton());
    await waitFor(() => expect(replaceBox()).not.toBeInTheDocument());
    const elsewhere = 'https://prod-1234.twil.io/webhook';
    const another = {
      ...CONVERSATIONS_ELSEWHERE,
      detail: CONVERSATIONS_ELSEWHERE.detail.replace(OLD_WEBHOOK, elsewhere),
    };
    client.checkSetup.mockResolvedValueOnce({ ok: true, checks: [CONFIG_OK, another], revisions: REVISIONS });
    fireEvent.click(checkButton());

    await waitFor(() => expect(replaceBox()).toBeInTheDocument());
    expect(replaceBox()).not.toBeChecked();
  });

  it('says when apply changed nothing', async () => {
    const client = await renderView([CONFIG_OK, CONVERSATIONS_ELSEWHERE]);
    client.applySetup.mockResolvedValue({
      ok: true,
      steps: [step(CONVERSATIONS_ELSEWHERE, 'skipped', 'The URL points elsewhere and replacing it was not confirmed.')],
      checks: [CONFIG_OK, CONVERSATIONS_ELSEWHERE],
    });

    fireEvent.click(applyButton());

    expect(
      await screen.findByText('Nothing was changed. Not done: Conversations webhook (each step below says why).'),
    ).toBeVisible();
    expect(client.applySetup).toHaveBeenCalledWith('flex-token', { revisions: REVISIONS });
  });

  it('replaces the old results with a new check', async () => {
    const client = await renderView(BROKEN);
    client.checkSetup.mockResolvedValue({ ok: true, checks: [CONFIG_OK, AI_WORKER_OFFLINE], revisions: {} });
    // A status region there before the check, so a screen reader announces what it found.
    const status = within(checkButton().parentElement!).getByRole('status');

    fireEvent.click(checkButton());

    expect(await screen.findByText('AI worker')).toBeVisible();
    expect(status).toHaveTextContent('Setup checked. 1 of 2 checks need attention.');
    expect(items()).toHaveLength(2);
    expect(screen.queryByText('Conversations webhook')).not.toBeInTheDocument();
    expect(screen.getByText('1 of 2 checks need attention.')).toBeVisible();
    expect(item('AI worker')).toHaveTextContent(`How to fix: ${AI_WORKER_OFFLINE.fix}`);
    expect(humanQueueInput()).not.toBeInTheDocument();
    expect(applyButton()).toBeDisabled();
  });

  it('shows the AI pool near capacity as a warning, with each worker, the use per channel and the fix', async () => {
    const poolBusy: SetupCheck = {
      id: 'ai_worker',
      status: 'warning',
      title: 'AI worker',
      detail:
        'The AI pool is 84 % full on chat: new conversations will soon wait in the queue for an AI slot. ' +
        '2 of 2 AI workers serving (a peak of 100 concurrent conversations, 50 a worker): ' +
        '"OpenCX AI" (WK1) Available, chat 42/50; "OpenCX AI 2" (WK2) Available, chat 42/50. ' +
        'chat: 84 of 100 slots in use (84 %).',
      fix:
        'In the OpenCX settings, raise the peak of concurrent AI conversations ' +
        '(each 50 more adds an AI worker) and click Test & Save.',
      autoFixable: false,
    };
    const client = await renderView(BROKEN);
    client.checkSetup.mockResolvedValue({ ok: true, checks: [CONFIG_OK, poolBusy], revisions: {} });

    fireEvent.click(checkButton());

    expect(await screen.findByText('AI worker')).toBeVisible();
    expect(item('AI worker')).toHaveTextContent('chat: 84 of 100 slots in use (84 %).');
    expect(item('AI worker')).toHaveTextContent(`How to fix: ${poolBusy.fix}`);
    expect(screen.getByText('1 of 2 checks need attention.')).toBeVisible();
  });

  it('shows a failed check as an error, keeping the last results', async () => {
    const client = await renderView(BROKEN);
    client.checkSetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    fireEvent.click(checkButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The setup could not be checked. Only Flex admins can use the OpenCX settings',
    );
    expect(items()).toHaveLength(5);

    client.checkSetup.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    fireEvent.click(checkButton());
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent(
        'The setup could not be checked. The OpenCX Functions could not be reached',
      ),
    );
  });

  it('shows a human queue error from the server under the queue field', async () => {
    const client = await renderView(BROKEN);
    const message = `Queue ${HUMAN_QUEUE} is the AI's queue; pick your human agents' queue`;
    client.applySetup.mockResolvedValue({
      ok: false,
      error: { code: 'invalid_input', message, field: 'humanQueueSid', status: 400 },
    });

    fireEvent.change(humanQueueInput()!, { target: { value: HUMAN_QUEUE } });
    fireEvent.click(applyButton());

    expect(await screen.findByText(message)).toBeVisible();
    expect(humanQueueInput()).toHaveAttribute('aria-invalid', 'true');
    expect(humanQueueInput()).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(humanQueueInput()).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Fixes not applied: check the highlighted field.');
    expect(items()).toHaveLength(5);
  });

  it('checks the human queue SID before calling the server', async () => {
    const client = await renderView(BROKEN);

    fireEvent.change(humanQueueInput()!, { target: { value: 'WQ123' } });
    fireEvent.click(applyButton());

    expect(await screen.findByText('Expected a queue SID: WQ followed by 32 hexadecimal characters')).toBeVisible();
    expect(humanQueueInput()).toHaveFocus();
    expect(client.applySetup).not.toHaveBeenCalled();
  });

  it('shows any other apply failure as an error alert', async () => {
    const client = await renderView(BROKEN);
    client.applySetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'twilio_error', message: 'Twilio answered 500', status: 502 },
    });

    fireEvent.click(applyButton());

    expect(await screen.findByRole('alert')).toHaveTextContent('Fixes not applied. Twilio answered 500');
    expect(humanQueueInput()).not.toHaveAttribute('aria-invalid', 'true');

    // Unreachable or its answer lost on the way back (the browser cannot tell): it may have been applied.
    const checks = client.checkSetup.mock.calls.length;
    client.applySetup.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    fireEvent.click(applyButton());
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent(
        'Apply fixes may not have finished; the check below shows what is in place. The OpenCX Functions could ' +
          'not be reached, or their answer was lost',
      ),
    );
    await waitFor(() => expect(client.checkSetup.mock.calls.length).toBe(checks + 1));
  });

  it('disables both buttons while checking or applying, and says what it is doing', async () => {
    const first = deferred<CheckSetupResult>();
    const client = await renderView(first.promise);

    expect(screen.getByText('Checking the Twilio setup…')).toBeVisible();
    expect(checkButton()).toBeDisabled();
    expect(checkButton()).toHaveAttribute('aria-busy', 'true');
    expect(applyButton()).toBeDisabled();

    first.resolve({ ok: true, checks: BROKEN, revisions: REVISIONS });
    await screen.findByRole('list', { name: 'Setup checks' });
    expect(checkButton()).toBeEnabled();
    expect(applyButton()).toBeEnabled();

    const applying = deferred<ApplySetupResult>();
    client.applySetup.mockReturnValue(applying.promise);
    fireEvent.click(applyButton());

    expect(screen.getByText('Applying the fixes…')).toBeVisible();
    expect(applyButton()).toBeDisabled();
    expect(applyButton()).toHaveAttribute('aria-busy', 'true');
    expect(checkButton()).toBeDisabled();

    applying.resolve({ ok: true, steps: [applied(WORKSPACE_UNSET)], checks: FIXED });
    expect(await screen.findByText('Applied: TaskRouter event callback.')).toBeVisible();
    expect(screen.queryByText('Applying the fixes…')).not.toBeInTheDocument();
    expect(checkButton()).toBeEnabled();
  });

  it('shows only the newest answer when checks overlap', async () => {
    const client = await renderView(BROKEN);
    const slow = deferred<CheckSetupResult>();
    client.checkSetup.mockImplementation(() => Promise.resolve({ ok: true, checks: HEALTHY_CHECKS, revisions: {} }));
    client.checkSetup.mockReturnValueOnce(slow.promise);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: false });

    fireEvent.click(checkButton()); // slow
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' })); // then a second check, answered at once
    await screen.findByText('All 2 checks passed.');
    expect(client.checkSetup).toHaveBeenCalledTimes(3);

    slow.resolve({ ok: true, checks: BROKEN, revisions: REVISIONS });
    await new Promise((done) => setTimeout(done, 0));
    expect(screen.getByText('All 2 checks passed.')).toBeVisible();
    expect(checkButton()).toBeEnabled();
  });
});

describe('the settings form after Apply, Undo or Uninstall', () => {
  const CREATED_QUEUE = 'WQ' + 'e'.repeat(32);
  const queueInput = () => screen.getByLabelText('AI queue SID (optional)');
  const authorInput = () => screen.getByLabelText('AI author name');
  const saveButton = () => screen.getByRole('button', { name: 'Test & Save' });
  const FIXABLE = [CONFIG_OK, TIMER_WORKSPACE_MISSING];
  const TIMERS_FIXED = [CONFIG_OK, { ...TIMER_WORKSPACE_MISSING, status: 'ok' as const }];

  it('reads the settings again after Apply: the AI queue it noted is shown, what the admin typed kept', async () => {
    const client = await renderView(FIXABLE);
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    const afterApply: OpencxSettings = { ...SAVED, aiQueueSid: CREATED_QUEUE, revision: '4.mixu1b2c3d4' };
    client.load.mockResolvedValue({ ok: true, settings: afterApply, routing: null });
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [applied(TIMER_WORKSPACE_MISSING)],
      checks: TIMERS_FIXED,
    });

    fireEvent.click(applyButton());

    await waitFor(() => expect(queueInput()).toHaveValue(CREATED_QUEUE));
    expect(client.load).toHaveBeenCalledTimes(2);
    expect(authorInput()).toHaveValue('Edited Bot');
    expect(screen.getByText('Applied: Watchdog timers.')).toBeVisible();

    client.save.mockResolvedValueOnce({
      ok: true,
      settings: { ...afterApply, aiAuthorName: 'Edited Bot', revision: '5.mixv0' },
      workerCreated: false,
    });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({
        aiQueueSid: CREATED_QUEUE,
        aiAuthorName: 'Edited Bot',
        settingsRevision: '4.mixu1b2c3d4',
      }),
    );
  });

  it("does not take another admin's change to a field the admin edited: a save would overwrite it", async () => {
    const client = await renderView(FIXABLE);
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    // Another admin saved another author name meanwhile; Apply then noted its AI queue.
    const theirs: OpencxSettings = {
      ...SAVED,
      aiAuthorName: 'Their Bot',
      aiQueueSid: CREATED_QUEUE,
      revision: '5.mixu9',
    };
    client.load.mockResolvedValue({ ok: true, settings: theirs, routing: null });
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [applied(TIMER_WORKSPACE_MISSING)],
      checks: TIMERS_FIXED,
    });

    fireEvent.click(applyButton());

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/Another admin saved changes to settings you have also changed here/);
    expect(authorInput()).toHaveValue('Edited Bot');
    // The form keeps the revision it was filled from, which the Functions would refuse as stale: no save.
    expect(screen.getByRole('button', { name: 'Test & Save' })).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: 'Test & Save' }));
    expect(client.save).not.toHaveBeenCalled();

    fireEvent.click(within(alert).getByRole('button', { name: 'Reload settings' }));
    await waitFor(() => expect(authorInput()).toHaveValue('Their Bot'));
    expect(queueInput()).toHaveValue(CREATED_QUEUE);
  });

  it("shows another admin's change to a field the admin left, and says so", async () => {
    const client = await renderView(FIXABLE);
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    const theirs: OpencxSettings = { ...SAVED, aiPeakConversations: 120, revision: '5.mixu9' };
    client.load.mockResolvedValue({ ok: true, settings: theirs, routing: null });
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [applied(TIMER_WORKSPACE_MISSING)],
      checks: TIMERS_FIXED,
    });

    fireEvent.click(applyButton());

    await waitFor(() => expect(screen.getByLabelText('Peak of concurrent AI conversations')).toHaveValue('120'));
    expect(authorInput()).toHaveValue('Edited Bot');
    expect(screen.getByText(/Another admin saved changes since you opened the settings/)).toBeVisible();
  });

  it('says so when the settings cannot be read again after Apply, and reads them again on request', async () => {
    const client = await renderView(FIXABLE);
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    const afterApply: OpencxSettings = { ...SAVED, aiQueueSid: CREATED_QUEUE, revision: '4.mixu1b2c3d4' };
    client.load.mockResolvedValueOnce({
      ok: false,
      error: { status: 503, code: 'unavailable', message: 'Twilio is unavailable.' },
    });
    client.applySetup.mockResolvedValueOnce({
      ok: true,
      steps: [applied(TIMER_WORKSPACE_MISSING)],
      checks: TIMERS_FIXED,
    });

    fireEvent.click(applyButton());

    expect(await screen.findByText(/could not be read again \(Twilio is unavailable\.\)/)).toBeVisible();
    client.load.mockResolvedValueOnce({ ok: true, settings: afterApply, routing: null });
    fireEvent.click(screen.getByRole('button', { name: 'Read the settings again' }));
    await waitFor(() => expect(queueInput()).toHaveValue(CREATED_QUEUE));
    expect(authorInput()).toHaveValue('Edited Bot');
    expect(screen.queryByText(/could not be read again/)).not.toBeInTheDocument();
    expect(screen.getByText(/The settings are read again/)).toBeVisible();
  });

  it('reads the settings again after Undo: the AI queue it deleted is no longer sent', async () => {
    const client = await renderView(FIXABLE, { ...SAVED, aiQueueSid: CREATED_QUEUE });
    expect(queueInput()).toHaveValue(CREATED_QUEUE);
    client.load.mockResolvedValue({ ok: true, settings: { ...SAVED, revision: '6.mixu1b2c3d4' }, routing: null });
    client.undoSetup.mockResolvedValueOnce({
      ok: true,
      steps: [step(TIMER_WORKSPACE_MISSING, 'applied', 'Restored.')],
      restored: { backupId: 'b-1', at: '2026-11-20T09:00:00.000Z', by: 'admin@example.com' },
      checks: FIXABLE,
    });

    fireEvent.click(screen.getByRole('button', { name: 'Undo last apply' }));
    const confirm = await screen.findByRole('region', { name: 'Undo the last apply?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, undo it' }));

    await waitFor(() => expect(queueInput()).toHaveValue(''));
    client.save.mockResolvedValueOnce({ ok: true, settings: SAVED, workerCreated: false });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({ aiQueueSid: '', settingsRevision: '6.mixu1b2c3d4' }),
    );
  });

  it('reads the settings again after Uninstall: the form shows that none are stored', async () => {
    const client = await renderView(FIXABLE, { ...SAVED, aiQueueSid: CREATED_QUEUE });
    client.load.mockResolvedValue({ ok: true, settings: { ...UNCONFIGURED, revision: null }, routing: null });
    client.uninstallSetup.mockResolvedValueOnce({
      ok: true,
      steps: [step(TIMER_WORKSPACE_MISSING, 'applied', 'Deleted.')],
      complete: true,
    });

    fireEvent.click(screen.getByRole('button', { name: 'Uninstall' }));
    const confirm = await screen.findByRole('region', { name: 'Uninstall OpenCX from this Twilio account?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Yes, uninstall' }));

    expect(await screen.findByText('Not configured')).toBeVisible();
    expect(queueInput()).toHaveValue('');
    expect(screen.getByLabelText(/OpenCX API key/)).not.toHaveAttribute('placeholder', '••••••••1234');
  });

  it("keeps Uninstall's confirmation from sending while an Apply runs, whose answer then shows", async () => {
    const client = await renderView(FIXABLE);
    let answer!: (result: Awaited<ReturnType<typeof client.applySetup>>) => void;
    client.applySetup.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    fireEvent.click(screen.getByRole('button', { name: 'Uninstall' }));
    const confirm = await screen.findByRole('region', { name: 'Uninstall OpenCX from this Twilio account?' });

    fireEvent.click(applyButton());
    const yes = within(confirm).getByRole('button', { name: 'Yes, uninstall' });
    expect(yes).toBeDisabled();
    fireEvent.click(yes);
    expect(client.uninstallSetup).not.toHaveBeenCalled();

    answer({ ok: true, steps: [applied(TIMER_WORKSPACE_MISSING)], checks: TIMERS_FIXED });
    expect(await screen.findByText('Applied: Watchdog timers.')).toBeVisible();
    await waitFor(() => expect(within(confirm).getByRole('button', { name: 'Yes, uninstall' })).toBeEnabled());
  });

  /** The view with FIXABLE's checks shown, and a way to come back to it. */
  async function renderVisited() {
    const client = fakeSettingsClient({ ok: true, settings: SAVED, routing: null });
    client.checkSetup.mockResolvedValue({ ok: true, checks: FIXABLE, revisions: REVISIONS });
    const view = (visit: number) => (
      <SettingsView client={client} token="flex-token" flexResources={FLEX} visit={visit} />
    );
    const { rerender } = renderWithTheme(view(0));
    await screen.findByRole('list', { name: 'Setup checks' });
    return { client, comeBack: (visit: number) => rerender(view(visit)) };
  }
  const afterApply: OpencxSettings = { ...SAVED, aiQueueSid: CREATED_QUEUE, revision: '4.mixu1b2c3d4' };
  const applyAnswer: ApplySetupResult = { ok: true, steps: [applied(TIMER_WORKSPACE_MISSING)], checks: TIMERS_FIXED };
  const theirChanges = /Another admin saved changes/;

  it("takes Apply's own write as the admin's on a return after its read failed", async () => {
    const { client, comeBack } = await renderVisited();
    fireEvent.change(queueInput(), { target: { value: HUMAN_QUEUE } });
    client.load.mockResolvedValueOnce({
      ok: false,
      error: { status: 503, code: 'unavailable', message: 'Twilio is unavailable.' },
    });
    client.applySetup.mockResolvedValueOnce(applyAnswer);
    fireEvent.click(applyButton());
    expect(await screen.findByText(/could not be read again/)).toBeVisible();
    client.load.mockResolvedValue({ ok: true, settings: afterApply, routing: null });

    comeBack(1);

    expect(await screen.findByText(/The settings are read again/)).toBeVisible();
    expect(screen.queryByText(theirChanges)).not.toBeInTheDocument();
    expect(queueInput()).toHaveValue(HUMAN_QUEUE);
    // Taken: the next read after it is an ordinary one again, and another admin's change of the queue theirs.
    client.load.mockResolvedValue({ ok: true, settings: { ...SAVED, revision: '5.mixu9' }, routing: null });
    comeBack(2);
    expect(await screen.findByText(/Another admin saved changes to settings you have also changed here/)).toBeVisible();
  });

  it("takes Apply's own write as the admin's on a return while Apply's read is still on its way", async () => {
    const { client, comeBack } = await renderVisited();
    const applyRead = deferred<LoadResult>();
    client.load.mockReturnValueOnce(applyRead.promise);
    client.applySetup.mockResolvedValueOnce(applyAnswer);
    fireEvent.click(applyButton());
    await screen.findByText('Applied: Watchdog timers.');
    await waitFor(() => expect(client.load).toHaveBeenCalledTimes(2));
    client.load.mockResolvedValue({ ok: true, settings: afterApply, routing: null });

    comeBack(1);

    await waitFor(() => expect(queueInput()).toHaveValue(CREATED_QUEUE));
    expect(screen.queryByText(theirChanges)).not.toBeInTheDocument();
    applyRead.resolve({ ok: true, settings: afterApply, routing: null });
    await new Promise((done) => setTimeout(done, 0));
    expect(screen.queryByText(theirChanges)).not.toBeInTheDocument();
  });

  it("takes Apply's own write as the admin's on a return while Apply still runs", async () => {
    const { client, comeBack } = await renderVisited();
    const applying = deferred<ApplySetupResult>();
    client.applySetup.mockReturnValueOnce(applying.promise);
    fireEvent.click(applyButton());
    // Apply has noted its AI queue, and not answered yet.
    client.load.mockResolvedValue({ ok: true, settings: afterApply, routing: null });

    comeBack(1);

    await waitFor(() => expect(queueInput()).toHaveValue(CREATED_QUEUE));
    expect(screen.queryByText(theirChanges)).not.toBeInTheDocument();
    applying.resolve(applyAnswer);
    await screen.findByText('Applied: Watchdog timers.');
    await waitFor(() => expect(client.load).toHaveBeenCalledTimes(3));
    expect(screen.queryByText(theirChanges)).not.toBeInTheDocument();
  });

  it("takes a change made after a refused Apply as another admin's on a return", async () => {
    const { client, comeBack } = await renderVisited();
    client.applySetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'setup_busy', message: 'Another setup change is in progress', status: 409 },
    });
    fireEvent.click(applyButton());
    expect(await screen.findByRole('alert')).toHaveTextContent('Another setup change is in progress');
    // The other admin's save lands meanwhile: it is not this admin's Apply.
    client.load.mockResolvedValue({ ok: true, settings: afterApply, routing: null });

    comeBack(1);

    expect(await screen.findByText(theirChanges)).toBeVisible();
    expect(queueInput()).toHaveValue(CREATED_QUEUE);
  });

  it('does not read them again after an Apply the Functions refused', async () => {
    const client = await renderView(FIXABLE);
    client.applySetup.mockResolvedValueOnce({
      ok: false,
      error: { code: 'setup_busy', message: 'Another setup change is in progress', status: 409 },
    });

    fireEvent.click(applyButton());

    expect(await screen.findByRole('alert')).toHaveTextContent('Another setup change is in progress');
    expect(client.load).toHaveBeenCalledTimes(1);
  });
});
