import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { OpencxSettings, WorkflowRouting } from '../../api/settingsClient';
import { SAVED_SETTINGS, UNCONFIGURED } from '../../testing/fakeSettingsClient';
import { renderSettingsView } from '../../testing/render';

// Workflows and texts as settings-load answers them (functions/admin-lib/setup/workflow-discovery.ts).
const INBOUND = { sid: 'WW' + '1'.repeat(32), friendlyName: 'Inbound messaging' };
const VOICE = { sid: 'WW' + '2'.repeat(32), friendlyName: 'Voice' };
const ANYONE = { sid: 'WW' + '3'.repeat(32), friendlyName: 'Assign to Anyone' };
const EVIDENCE =
  `Send to Flex "send_to_flex_1" in Studio flow "Inbound +15005550006" (FW${'4'.repeat(32)}) ` +
  'for address +15005550006 routes to it.';
const CHOSEN = 'It is the workflow chosen in the OpenCX settings.';
const CONFLICT =
  "Flex's messaging goes to 2 workflows: " + `"Inbound messaging" (${INBOUND.sid}) (…); "Voice" (${VOICE.sid}) (…).`;
const PICK =
  'Pick the workflow that routes your inbound conversations in the OpenCX settings (Workflow) and click Test & Save.';

const DISCOVERED: WorkflowRouting = {
  workflows: [INBOUND, VOICE, ANYONE],
  inUse: { ...INBOUND, why: EVIDENCE },
  unclear: null,
  discoveredSid: INBOUND.sid,
  conflict: null,
};
const CHOSEN_VOICE: WorkflowRouting = { ...DISCOVERED, inUse: { ...VOICE, why: CHOSEN } };
const WITH_VOICE: OpencxSettings = { ...SAVED_SETTINGS, workflowSid: VOICE.sid };

const workflowSelect = () => screen.getByRole('combobox', { name: 'Workflow' });
const optionLabels = () =>
  within(workflowSelect())
    .getAllByRole('option')
    .map((option) => option.textContent);
const saveButton = () => screen.getByRole('button', { name: 'Test & Save' });

async function saveAndSent(
  client: Awaited<ReturnType<typeof renderSettingsView>>,
  settings: OpencxSettings = SAVED_SETTINGS,
) {
  client.save.mockResolvedValueOnce({ ok: true, settings, workerCreated: false });
  fireEvent.click(saveButton());
  await screen.findByText(/Settings saved\./);
  return client.save.mock.calls[0][1];
}

describe('the workflow in use, and why', () => {
  it('names the discovered workflow with the evidence from the account', async () => {
    await renderSettingsView(SAVED_SETTINGS, DISCOVERED);

    expect(workflowSelect()).toHaveValue('');
    expect(workflowSelect()).toHaveAccessibleDescription(
      expect.stringContaining(`In use: "Inbound messaging" (${INBOUND.sid}), discovered in the account: ${EVIDENCE}`),
    );
    expect(optionLabels()).toEqual([
      'Use the discovered workflow',
      `Inbound messaging (${INBOUND.sid})`,
      `Voice (${VOICE.sid})`,
      `Assign to Anyone (${ANYONE.sid})`,
    ]);
  });

  it('names the workflow the admin chose as chosen, even when it is the one discovered', async () => {
    await renderSettingsView(
      { ...SAVED_SETTINGS, workflowSid: INBOUND.sid },
      { ...DISCOVERED, inUse: { ...INBOUND, why: CHOSEN } },
    );

    expect(workflowSelect()).toHaveValue(INBOUND.sid);
    expect(workflowSelect()).toHaveAccessibleDescription(
      expect.stringContaining(`In use: "Inbound messaging" (${INBOUND.sid}). ${CHOSEN}`),
    );
  });

  it('names the workflow the admin chose, selected', async () => {
    await renderSettingsView(WITH_VOICE, CHOSEN_VOICE);

    expect(workflowSelect()).toHaveValue(VOICE.sid);
    expect(workflowSelect()).toHaveAccessibleDescription(
      expect.stringContaining(`In use: "Voice" (${VOICE.sid}). ${CHOSEN}`),
    );
    expect(workflowSelect()).not.toHaveAccessibleDescription(expect.stringContaining('discovered'));
  });

  it("names the workspace's only workflow", async () => {
    const why = "It is the workspace's only workflow.";
    await renderSettingsView(SAVED_SETTINGS, {
      workflows: [VOICE],
      inUse: { ...VOICE, why },
      unclear: null,
      discoveredSid: null,
      conflict: null,
    });

    expect(workflowSelect()).toHaveAccessibleDescription(
      expect.stringContaining(`In use: "Voice" (${VOICE.sid}). ${why}`),
    );
    expect(screen.queryByText(/conflict/)).not.toBeInTheDocument();
  });

  it('says when discovery found a conflict, with its reason, beside the chosen workflow', async () => {
    await renderSettingsView(WITH_VOICE, { ...CHOSEN_VOICE, discoveredSid: null, conflict: CONFLICT });

    expect(screen.getByText(`Discovery found a conflict. ${CONFLICT}`)).toBeVisible();
    expect(workflowSelect()).toHaveAccessibleDescription(
      expect.stringContaining(`In use: "Voice" (${VOICE.sid}). ${CHOSEN}`),
    );
  });

  it('says why no workflow is in use and what to do, telling a conflict once', async () => {
    const reason =
      'The workspace has 3 workflows and it is unclear which one routes your inbound conversations. ' + CONFLICT;
    await renderSettingsView(SAVED_SETTINGS, {
      ...DISCOVERED,
      inUse: null,
      unclear: { reason, fix: PICK },
      discoveredSid: null,
      conflict: CONFLICT,
    });

    expect(screen.getByText(`No workflow is in use. ${reason} ${PICK}`)).toBeVisible();
    expect(screen.queryByText(/Discovery found a conflict/)).not.toBeInTheDocument();
    expect(workflowSelect()).not.toHaveAccessibleDescription(expect.stringContaining('In use'));
  });

  it('keeps a saved workflow that left the workspace selected, so a save keeps it; a conflict too', async () => {
    const gone = 'WW' + '9'.repeat(32);
    const unclear = {
      reason: `The workflow ${gone} chosen in the OpenCX settings is not in the workspace any more.`,
      fix: PICK,
    };
    await renderSettingsView(
      { ...SAVED_SETTINGS, workflowSid: gone },
      { ...DISCOVERED, inUse: null, unclear, conflict: CONFLICT },
    );

    expect(workflowSelect()).toHaveValue(gone);
    expect(optionLabels()).toContain(`${gone} (not in the workspace)`);
    expect(screen.getByText(`No workflow is in use. ${unclear.reason} ${PICK}`)).toBeVisible();
    expect(screen.getByText(`Discovery found a conflict. ${CONFLICT}`)).toBeVisible();
  });

  it('before the settings are saved, shows only a hint', async () => {
    await renderSettingsView(UNCONFIGURED, null);

    expect(screen.queryByRole('combobox', { name: 'Workflow' })).not.toBeInTheDocument();
    expect(screen.getByText('You can choose it once the settings are saved.')).toBeVisible();
    expect(screen.queryByText(/In use/)).not.toBeInTheDocument();
  });
});

describe('choosing the workflow with Test & Save', () => {
  it('sends the workflow chosen, then shows it in use', async () => {
    const client = await renderSettingsView(SAVED_SETTINGS, DISCOVERED);
    client.load.mockResolvedValueOnce({ ok: true, settings: WITH_VOICE, routing: CHOSEN_VOICE });

    fireEvent.change(workflowSelect(), { target: { value: VOICE.sid } });
    const sent = await saveAndSent(client, WITH_VOICE);

    expect(sent.workflowSid).toBe(VOICE.sid);
    await waitFor(() =>
      expect(workflowSelect()).toHaveAccessibleDescription(
        expect.stringContaining(`In use: "Voice" (${VOICE.sid}). ${CHOSEN}`),
      ),
    );
    expect(workflowSelect()).toHaveValue(VOICE.sid);
  });

  it('sends the saved workflow when the admin did not touch it, so a save keeps it', async () => {
    const client = await renderSettingsView(WITH_VOICE, CHOSEN_VOICE);

    expect((await saveAndSent(client, WITH_VOICE)).workflowSid).toBe(VOICE.sid);
  });

  it('sends none for "Use the discovered workflow"', async () => {
    const client = await renderSettingsView(WITH_VOICE, CHOSEN_VOICE);

    fireEvent.change(workflowSelect(), { target: { value: '' } });

    expect((await saveAndSent(client)).workflowSid).toBe('');
  });

  it('sends none once the saved workspace is gone: a workflow of the old one would be refused', async () => {
    const client = await renderSettingsView(WITH_VOICE, null);

    expect(screen.getByText('You can choose it once the settings are saved.')).toBeVisible();
    expect((await saveAndSent(client)).workflowSid).toBe('');
  });

  it('shows a refusal of the workflow with no workflows to choose from', async () => {
    const client = await renderSettingsView(UNCONFIGURED, null);
    const message = 'The workflow could not be checked';
    client.save.mockResolvedValueOnce({
      ok: false,
      error: { code: 'not_found', message, field: 'workflowSid', status: 400 },
    });
    fireEvent.change(screen.getByLabelText(/OpenCX API key/), { target: { value: 'ocx_live_key' } });
    fireEvent.click(saveButton());

    expect(await screen.findByText(message)).toBeVisible();
  });

  it("shows the Functions' refusal of the workflow at the field", async () => {
    const client = await renderSettingsView(SAVED_SETTINGS, DISCOVERED);
    const message = `Workflow ${ANYONE.sid} not found in workspace ${SAVED_SETTINGS.workspaceSid}`;
    client.save.mockResolvedValueOnce({
      ok: false,
      error: { code: 'not_found', message, field: 'workflowSid', status: 400 },
    });

    fireEvent.change(workflowSelect(), { target: { value: ANYONE.sid } });
    fireEvent.click(saveButton());

    expect(await screen.findByText(message)).toBeVisible();
    expect(workflowSelect()).toHaveAccessibleDescription(expect.stringContaining(message));
    expect(workflowSelect()).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Settings not saved: check the highlighted field.');
  });

  it("shows the newest save's workflow when an earlier save's read answers last", async () => {
    const client = await renderSettingsView(SAVED_SETTINGS, DISCOVERED);
    const reads: ((routing: WorkflowRouting) => void)[] = [];
    client.load.mockImplementation(
      () => new Promise((resolve) => reads.push((routing) => resolve({ ok: true, settings: SAVED_SETTINGS, routing }))),
    );
    client.save.mockResolvedValue({ ok: true, settings: SAVED_SETTINGS, workerCreated: false });
    fireEvent.click(saveButton());
    await waitFor(() => expect(reads).toHaveLength(1));
    fireEvent.click(saveButton());
    await waitFor(() => expect(reads).toHaveLength(2));

    reads[1](CHOSEN_VOICE);
    await waitFor(() =>
      expect(workflowSelect()).toHaveAccessibleDescription(expect.stringContaining(`In use: "Voice"`)),
    );
    await act(async () => reads[0](DISCOVERED));
    expect(workflowSelect()).toHaveAccessibleDescription(expect.stringContaining(`In use: "Voice"`));
  });
});
