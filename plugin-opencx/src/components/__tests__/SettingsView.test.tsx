import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import type { CheckSetupResult, LoadResult, OpencxSettings, SaveResult, SettingsField } from '../../api/settingsClient';
import {
  fakeSettingsClient as fakeClient,
  HEALTHY_CHECKS,
  SAVED_SETTINGS,
  TWILIO_UNAVAILABLE,
  UNCONFIGURED,
} from '../../testing/fakeSettingsClient';
import {
  FLEX_RESOURCES as FLEX,
  renderSettingsView as renderLoaded,
  renderWithTheme,
  saveRefusedAsStale,
} from '../../testing/render';
import { SettingsView } from '../SettingsView';

const QUEUE_SID = 'WQ' + 'c'.repeat(32);
const SAVED: OpencxSettings = { ...SAVED_SETTINGS, aiQueueSid: QUEUE_SID, aiAuthorName: 'Acme Bot' };

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const tokenInput = () => screen.getByLabelText(/OpenCX API key/);
/** The save's answer when OpenCX refuses the key. */
const TOKEN_REJECTED: SaveResult = {
  ok: false,
  error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken', status: 400 },
};
const queueInput = () => screen.getByLabelText('AI queue SID (optional)');
const authorInput = () => screen.getByLabelText('AI author name');
const saveButton = () => screen.getByRole('button', { name: 'Test & Save' });
const peakInput = () => screen.getByLabelText('Peak of concurrent AI conversations');

describe('SettingsView', () => {
  it('loads the saved settings and shows the token only masked', async () => {
    const client = await renderLoaded(SAVED);

    expect(client.load).toHaveBeenCalledWith('flex-token');
    expect(screen.getByRole('heading', { name: 'OpenCX settings' })).toBeVisible();
    expect(screen.getByText('Connected to Acme')).toBeVisible();
    expect(tokenInput()).toHaveAttribute('type', 'password');
    expect(tokenInput()).toHaveValue('');
    expect(tokenInput()).toHaveAttribute('placeholder', '••••••••1234');
    // Not "off", which browsers ignore on a password: they would offer the admin's saved sign-in here.
    expect(tokenInput()).toHaveAttribute('autocomplete', 'new-password');
    expect(queueInput()).toHaveAttribute('autocomplete', 'off');
    expect(tokenInput()).toHaveAccessibleDescription(
      expect.stringContaining('Saved key: ••••••••1234. Leave empty to keep it'),
    );
    expect(queueInput()).toHaveValue(QUEUE_SID);
    expect(authorInput()).toHaveValue('Acme Bot');
    expect(screen.getByText(FLEX.workspaceSid)).toBeVisible();
    expect(screen.getByText(FLEX.conversationsServiceSid)).toBeVisible();
  });

  it('leaves the keyboard focus where it was after the check the load runs', async () => {
    const client = fakeClient({ ok: true, settings: SAVED, routing: null });
    const checking = deferred<CheckSetupResult>();
    client.checkSetup.mockReturnValueOnce(checking.promise);
    renderWithTheme(<SettingsView client={client} token="flex-token" flexResources={FLEX} />);

    expect(await screen.findByText('Checking the Twilio setup…')).toBeVisible();
    checking.resolve({ ok: true, checks: HEALTHY_CHECKS });
    expect(await screen.findByText('All 2 checks passed.')).toBeVisible();
    expect(document.body).toHaveFocus();
  });

  it('shows a spinner while loading', async () => {
    const load = deferred<LoadResult>();
    renderWithTheme(<SettingsView client={fakeClient(load.promise)} token="flex-token" flexResources={FLEX} />);

    expect(screen.getByText('Loading the OpenCX settings…')).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Test & Save' })).not.toBeInTheDocument();

    load.resolve({ ok: true, settings: UNCONFIGURED, routing: null });
    expect(await screen.findByText('Not configured')).toBeVisible();
    expect(authorInput()).toHaveValue('AI Support Agent');
  });

  it('Test & Save shows its progress, then the success', async () => {
    const client = await renderLoaded(SAVED);
    const save = deferred<SaveResult>();
    client.save.mockReturnValue(save.promise);

    fireEvent.change(queueInput(), { target: { value: '' } });
    fireEvent.change(authorInput(), { target: { value: 'Acme Helper' } });
    fireEvent.click(saveButton());

    expect(saveButton()).toBeDisabled();
    expect(saveButton()).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByText('Testing the API key with OpenCX and saving…')).toBeVisible();
    expect(client.save).toHaveBeenCalledWith('flex-token', {
      opencxToken: '',
      opencxExtraTokens: '',
      aiQueueSid: '',
      workflowSid: '',
      aiAuthorName: 'Acme Helper',
      ...FLEX,
      opencxWebhookSecret: '',
      customerHandoffNote: 'Connecting you with a member of our team.',
      customerHandoffNoteTranslations: {},
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
      aiAnswerTimeoutSeconds: 60,
      aiIdleCloseMinutes: 0,
      customerIdleCloseNote: 'We closed this chat because it went quiet. Write to us any time to start a new one.',
      aiPeakConversations: 50,
      settingsRevision: SAVED.revision,
    });

    save.resolve({
      ok: true,
      settings: { ...SAVED, aiQueueSid: null, aiAuthorName: 'Acme Helper' },
      workerCreated: true,
    });

    expect(
      await screen.findByText('Settings saved. Connected to Acme. The AI worker was created in TaskRouter.'),
    ).toBeVisible();
    expect(saveButton()).toBeEnabled();
    expect(screen.queryByText('Testing the API key with OpenCX and saving…')).not.toBeInTheDocument();
    expect(authorInput()).toHaveValue('Acme Helper');
  });

  it('disables the whole form while Test & Save runs, so no edit is lost to the saved settings', async () => {
    const client = await renderLoaded({
      ...SAVED,
      opencxExtraTokens: [{ id: 'id-two', masked: '••••••••b2b2' }],
      customerHandoffNoteTranslations: { es: 'Un momento.' },
    });
    const save = deferred<SaveResult>();
    client.save.mockReturnValue(save.promise);
    const form = saveButton().closest('form')!;
    const controls = () => [
      ...form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLButtonElement>(
        'input, textarea, select, button',
      ),
    ];
    expect(controls().filter((control) => control.disabled)).toEqual([]);

    fireEvent.change(authorInput(), { target: { value: 'Acme Helper' } });
    fireEvent.click(saveButton());

    // Every field, the translation rows and the buttons that edit the form; not the webhook URL, only read and copied.
    const editing = controls().filter((control) => !control.hasAttribute('readonly') && control.textContent !== 'Copy');
    expect(editing.length).toBeGreaterThan(12);
    for (const control of editing) expect(control).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Remove the key ••••••••b2b2' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Add a language' })).toBeDisabled();

    save.resolve({ ok: true, settings: { ...SAVED, aiAuthorName: 'Acme Helper' }, workerCreated: false });
    await screen.findByText(/Settings saved/);
    expect(controls().filter((control) => control.disabled)).toEqual([]);
    expect(authorInput()).toHaveValue('Acme Helper');
  });

  it('clears the token after saving and never shows it back', async () => {
    const secret = 'ocx_live_9f8e7d6c5b4a';
    const client = await renderLoaded(UNCONFIGURED);
    client.save.mockResolvedValue({
      ok: true,
      settings: { ...SAVED, opencxTokenMasked: '••••••••5b4a' },
      workerCreated: false,
    });

    fireEvent.change(tokenInput(), { target: { value: secret } });
    fireEvent.click(saveButton());

    expect(await screen.findByText('Settings saved. Connected to Acme.')).toBeVisible();
    expect(client.save).toHaveBeenCalledWith('flex-token', expect.objectContaining({ opencxToken: secret }));
    expect(tokenInput()).toHaveValue('');
    expect(tokenInput()).toHaveAttribute('placeholder', '••••••••5b4a');
    expect(tokenInput()).toHaveAccessibleDescription(expect.stringContaining('Saved key: ••••••••5b4a'));
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('a save Twilio cut short says it may have saved, not that nothing was saved, and checks the setup', async () => {
    const client = await renderLoaded(SAVED);
    const checksBefore = client.checkSetup.mock.calls.length;
    client.save.mockResolvedValueOnce(TWILIO_UNAVAILABLE);

    // It landed: the settings read again carry its revision, which the next save sends.
    const landed: OpencxSettings = { ...SAVED, aiAuthorName: 'Landed Bot', revision: '9.landed' };
    client.load.mockResolvedValueOnce({ ok: true, settings: landed, routing: null });
    fireEvent.change(authorInput(), { target: { value: 'Landed Bot' } });
    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      /Test & Save may not have finished\. Twilio failed or did not answer in time/,
    );
    await waitFor(() => expect(client.checkSetup.mock.calls.length).toBeGreaterThan(checksBefore));
    await waitFor(() => expect(saveButton()).toBeEnabled());
    expect(screen.getByRole('alert')).toHaveTextContent(/Test & Save may not have finished/);
    client.save.mockResolvedValueOnce({ ok: true, settings: landed, workerCreated: false });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenLastCalledWith(
      'flex-token',
      expect.objectContaining({ aiAuthorName: 'Landed Bot', settingsRevision: '9.landed' }),
    );
  });

  it('a new key saved by a save Twilio cut short: no conflict is claimed, and the key leaves the form', async () => {
    const secret = 'ocx_live_new_key_9999';
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValueOnce(TWILIO_UNAVAILABLE);
    const landed: OpencxSettings = { ...SAVED, opencxTokenMasked: '••••••••9999', revision: '9.landed' };
    client.load.mockResolvedValueOnce({ ok: true, settings: landed, routing: null });
    fireEvent.change(tokenInput(), { target: { value: secret } });
    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(/Test & Save may not have finished/);
    await waitFor(() => expect(tokenInput()).toHaveAttribute('placeholder', '••••••••9999'));
    expect(screen.getByRole('alert')).toHaveTextContent(/Test & Save may not have finished/);
    expect(tokenInput()).toHaveValue('');
  });

  it("keeps a key typed, or kept after a refused save, out of the page's markup", async () => {
    const secret = 'ocx_live_kept_after_refusal_77';
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue(TOKEN_REJECTED);
    fireEvent.change(tokenInput(), { target: { value: secret } });
    expect(document.body.innerHTML).not.toContain(secret);
    // Typed as a browser delivers it, outside React's act: React puts the attribute back after the render.
    const webhookSecret = screen.getByLabelText(/webhook signing secret/) as HTMLInputElement;
    // The browser's own setter: React's value tracker then sees a change, as with a key press.
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(
      webhookSecret,
      'whsec_typed_in_the_browser_5e',
    );
    webhookSecret.dispatchEvent(new Event('input', { bubbles: true }));
    await Promise.resolve();
    expect(webhookSecret).not.toHaveAttribute('value');
    expect(webhookSecret).toHaveValue('whsec_typed_in_the_browser_5e');
    expect(document.body.innerHTML).not.toContain('whsec_typed_in_the_browser_5e');
    fireEvent.click(saveButton());

    expect(await screen.findByText(/OpenCX rejected this token/)).toBeVisible();
    // Kept for the admin to correct, in the field only.
    expect(tokenInput()).toHaveValue(secret);
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('keeps keys pasted one per line apart: the password field would run them together', async () => {
    const client = await renderLoaded(SAVED);
    const addInput = screen.getByLabelText('Add keys');
    fireEvent.change(addInput, { target: { value: 'ocx_live_first_a1a1, ' } });
    fireEvent.paste(addInput, { clipboardData: { getData: () => 'ocx_live_second_b2b2\r\nocx_live_third_c3c3\n' } });
    expect(addInput).toHaveValue('ocx_live_first_a1a1, ocx_live_second_b2b2, ocx_live_third_c3c3');
    // Pasted right after a key, with no comma: kept apart from it too.
    fireEvent.change(addInput, { target: { value: 'ocx_live_first_a1a1' } });
    fireEvent.paste(addInput, { clipboardData: { getData: () => 'ocx_live_second_b2b2\nocx_live_third_c3c3' } });
    expect(addInput).toHaveValue('ocx_live_first_a1a1, ocx_live_second_b2b2, ocx_live_third_c3c3');

    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: false });
    fireEvent.click(saveButton());
    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({ opencxExtraTokens: 'ocx_live_first_a1a1, ocx_live_second_b2b2, ocx_live_third_c3c3' }),
    );
    await screen.findByText(/Settings saved/);
  });

  it('moves the focus from a removed key to the next row, else the previous one, else to Add keys', async () => {
    await renderLoaded({
      ...SAVED,
      opencxExtraTokens: [
        { id: 'id-one', masked: '••••••••a1a1' },
        { id: 'id-two', masked: '••••••••b2b2' },
        { id: 'id-three', masked: '••••••••c3c3' },
      ],
    });
    const remove = (masked: string) => screen.getByRole('button', { name: `Remove the key ${masked}` });
    expect(screen.queryByText(/A removed key stays in use until you Test & Save/)).not.toBeInTheDocument();

    remove('••••••••b2b2').focus();
    fireEvent.click(remove('••••••••b2b2'));
    expect(remove('••••••••c3c3')).toHaveFocus();
    // Announced: a status region, there before the removal, says it.
    const note = screen.getByText('A removed key stays in use until you Test & Save.');
    expect(note).toBeVisible();
    expect(note.closest('[role="status"]')).not.toBeNull();

    fireEvent.click(remove('••••••••c3c3'));
    expect(remove('••••••••a1a1')).toHaveFocus();
    fireEvent.click(remove('••••••••a1a1'));
    expect(screen.getByLabelText('Add keys')).toHaveFocus();
    expect(screen.getByText('A removed key stays in use until you Test & Save.')).toBeVisible();
  });

  it("shows the organisation's further keys only masked, removes one, adds more, never shows a key back", async () => {
    const withKeys: OpencxSettings = {
      ...SAVED,
      opencxExtraTokens: [
        { id: 'id-two', masked: '••••••••b2b2' },
        { id: 'id-three', masked: '••••••••c3c3' },
      ],
    };
    const client = await renderLoaded(withKeys);
    const saved = screen.getByRole('list', { name: 'Saved keys' });
    expect(saved).toHaveTextContent('••••••••b2b2');
    expect(saved).toHaveTextContent('••••••••c3c3');
    const addInput = screen.getByLabelText('Add keys');
    expect(addInput).toHaveAttribute('type', 'password');
    expect(screen.getByRole('group', { name: 'More API keys of the same organisation' })).toHaveAccessibleDescription(
      expect.stringContaining('100 requests a minute per key'),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Remove the key ••••••••b2b2' }));
    expect(screen.getByRole('list', { name: 'Saved keys' })).not.toHaveTextContent('••••••••b2b2');
    fireEvent.change(addInput, { target: { value: 'ocx_live_fourth_key_d4d4' } });
    client.save.mockResolvedValue({
      ok: true,
      settings: {
        ...withKeys,
        opencxExtraTokens: [
          { id: 'id-three', masked: '••••••••c3c3' },
          { id: 'id-four', masked: '••••••••d4d4' },
        ],
      },
      workerCreated: false,
    });
    fireEvent.click(saveButton());

    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({ opencxExtraTokens: 'ocx_live_fourth_key_d4d4', opencxExtraTokensKept: ['id-three'] }),
    );
    expect(await screen.findByText(/Settings saved/)).toBeVisible();
    expect(screen.getByLabelText('Add keys')).toHaveValue('');
    expect(screen.getByRole('list', { name: 'Saved keys' })).toHaveTextContent('••••••••d4d4');
    expect(document.body).not.toHaveTextContent('ocx_live_fourth_key_d4d4');
  });

  it("a double click on a key's Remove removes that key, not the next one moved up under the pointer", async () => {
    const withKeys: OpencxSettings = {
      ...SAVED,
      opencxExtraTokens: [
        { id: 'id-two', masked: '••••••••b2b2' },
        { id: 'id-three', masked: '••••••••c3c3' },
      ],
    };
    await renderLoaded(withKeys);
    fireEvent.click(screen.getByRole('button', { name: 'Remove the key ••••••••b2b2' }), { detail: 1 });
    fireEvent.click(screen.getByRole('button', { name: 'Remove the key ••••••••c3c3' }), { detail: 2 });
    expect(screen.getByRole('list', { name: 'Saved keys' })).toHaveTextContent('••••••••c3c3');
    // From the keyboard (no click count) it removes.
    fireEvent.click(screen.getByRole('button', { name: 'Remove the key ••••••••c3c3' }), { detail: 0 });
    expect(screen.queryByRole('list', { name: 'Saved keys' })).not.toBeInTheDocument();
  });

  it('shows a further key OpenCX refused next to the add field', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'opencx_token_rejected',
        message: 'OpenCX rejected the further key ••••••••d4d4',
        field: 'opencxExtraTokens',
        status: 400,
      },
    });
    fireEvent.change(screen.getByLabelText('Add keys'), { target: { value: 'ocx_live_revoked_d4d4' } });
    fireEvent.click(saveButton());

    expect(await screen.findByText('OpenCX rejected the further key ••••••••d4d4')).toBeVisible();
    expect(screen.getByLabelText('Add keys')).toHaveFocus();
  });

  it("says an error on Flex's workspace in the alert itself: there is no field to fix it in", async () => {
    const client = await renderLoaded(SAVED);
    const message = `Workspace ${FLEX.workspaceSid} not found in this account`;
    client.save.mockResolvedValue({
      ok: false,
      error: { code: 'not_found', message, field: 'workspaceSid', status: 400 },
    });

    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(`Settings not saved. ${message}`);
    expect(screen.getByRole('alert')).not.toHaveTextContent('highlighted field');
  });

  it('shows a field error from the server next to its field', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'not_found',
        message: `Queue ${QUEUE_SID} not found in workspace ${FLEX.workspaceSid}`,
        field: 'aiQueueSid',
        status: 400,
      },
    });

    fireEvent.click(saveButton());

    expect(await screen.findByText(`Queue ${QUEUE_SID} not found in workspace ${FLEX.workspaceSid}`)).toBeVisible();
    expect(queueInput()).toHaveAttribute('aria-invalid', 'true');
    expect(queueInput()).toHaveAccessibleDescription(expect.stringContaining(`Queue ${QUEUE_SID} not found`));
    expect(queueInput()).toHaveFocus();
    expect(tokenInput()).not.toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Settings not saved: check the highlighted field.');
  });

  it('shows a rejected OpenCX token next to the token field', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue(TOKEN_REJECTED);

    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_wrong' } });
    fireEvent.click(saveButton());

    expect(await screen.findByText('OpenCX rejected this token')).toBeVisible();
    expect(tokenInput()).toHaveAccessibleDescription(expect.stringContaining('OpenCX rejected this token'));
    expect(tokenInput()).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows a server error about a Flex resource next to that resource', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'not_found',
        message: 'Conversations service not found in this account',
        field: 'conversationsServiceSid',
        status: 400,
      },
    });

    fireEvent.click(saveButton());

    await screen.findByText('Conversations service not found in this account');
    const service = screen.getByRole('group', { name: 'Conversations service' });
    expect(service).toHaveTextContent(FLEX.conversationsServiceSid);
    expect(service).toHaveTextContent('Conversations service not found in this account');
    expect(screen.getByRole('group', { name: 'TaskRouter workspace' })).not.toHaveTextContent('not found');
  });

  it('shows a 403 as an error alert', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Settings not saved. Only Flex admins can use the OpenCX settings',
    );
    expect(saveButton()).toBeEnabled();
  });

  it('shows a save refused while another setup change runs, with what to do', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'setup_busy',
        message: 'Another setup change is in progress (Apply fixes by other@example.com); try again in a moment',
        status: 409,
      },
    });

    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Settings not saved. Another setup change is in progress (Apply fixes by other@example.com); ' +
        'try again in a moment',
    );
    expect(saveButton()).toBeEnabled();
  });

  it('a save that would take conversations from the AI is saved only once the admin confirms each change', async () => {
    const client = await renderLoaded(SAVED);
    const refusal = (field: SettingsField, message: string) => ({
      ok: false as const,
      error: { code: 'change_not_confirmed', message, field, status: 409 },
    });
    client.save
      .mockResolvedValueOnce(refusal('opencxToken', 'This key is of the OpenCX organisation "Acme Staging".'))
      .mockResolvedValueOnce(refusal('workspaceSid', 'The AI leaves workspace WS1.'))
      .mockResolvedValueOnce({ ok: true, settings: SAVED, workerCreated: false });
    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_other_org_1234' } });
    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(/organisation "Acme Staging"/);
    expect(client.save.mock.calls[0][1]).not.toHaveProperty('confirmChange');
    fireEvent.click(screen.getByRole('checkbox', { name: /Save this change anyway/ }));
    fireEvent.click(saveButton());

    // The same save asks for the workspace too: the organisation stays confirmed.
    expect(await screen.findByText(/The AI leaves workspace WS1/)).toBeVisible();
    expect(client.save.mock.calls[1][1]).toMatchObject({ confirmChange: ['organisation'] });
    const checkbox = screen.getByRole('checkbox', { name: /Save this change anyway/ });
    expect(checkbox).not.toBeChecked();
    fireEvent.click(checkbox);
    fireEvent.click(saveButton());

    expect(await screen.findByText(/Settings saved/)).toBeVisible();
    expect(client.save.mock.calls[2][1]).toMatchObject({ confirmChange: ['organisation', 'workspace'] });
    expect(screen.queryByRole('checkbox', { name: /Save this change anyway/ })).not.toBeInTheDocument();
  });

  it("Flex's Conversations service, other than the saved one, is saved once the admin confirms it", async () => {
    const client = await renderLoaded(SAVED);
    client.save
      .mockResolvedValueOnce({
        ok: false,
        error: {
          code: 'change_not_confirmed',
          message: 'The AI leaves Conversations service IS1 for IS2.',
          field: 'conversationsServiceSid',
          status: 409,
        },
      })
      .mockResolvedValueOnce({ ok: true, settings: SAVED, workerCreated: false });
    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(/The AI leaves Conversations service IS1 for IS2/);
    fireEvent.click(screen.getByRole('checkbox', { name: /Save this change anyway/ }));
    fireEvent.click(saveButton());

    expect(await screen.findByText(/Settings saved/)).toBeVisible();
    expect(client.save.mock.calls[1][1]).toMatchObject({ confirmChange: ['service'] });
  });

  it('a confirmation is for the key it was asked about: another key pasted is not saved on it', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: { code: 'change_not_confirmed', message: 'The organisation "B".', field: 'opencxToken', status: 409 },
    });
    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_org_b_1234' } });
    fireEvent.click(saveButton());
    fireEvent.click(await screen.findByRole('checkbox', { name: /Save this change anyway/ }));

    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_org_c_5678' } });
    expect(screen.queryByRole('checkbox', { name: /Save this change anyway/ })).not.toBeInTheDocument();
    fireEvent.click(saveButton());

    await waitFor(() => expect(client.save).toHaveBeenCalledTimes(2));
    expect(client.save.mock.calls[1][1]).not.toHaveProperty('confirmChange');
  });

  it('a save refused as the settings changed since they were loaded says so, and offers to reload them', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValueOnce({
      ok: false,
      error: { code: 'settings_changed', message: 'The settings were changed since you opened them', status: 409 },
    });
    fireEvent.change(authorInput(), { target: { value: 'Stale Bot' } });
    fireEvent.change(peakInput(), { target: { value: '120' } });
    // A new key, pasted from OpenCX, which shows it only once.
    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_pasted_once_9876' } });
    fireEvent.click(saveButton());

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/Settings not saved: they were changed since you opened them/);
    // Until they are reloaded every save is refused the same way: the keyboard is taken to the reload.
    expect(saveButton()).toBeDisabled();
    expect(within(alert).getByRole('button', { name: 'Reload settings' })).toHaveFocus();
    // The status region the reload's outcome goes into is there before it: screen readers announce it.
    const regions = screen.getAllByRole('status');
    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({ settingsRevision: SAVED.revision }),
    );

    // Another admin saved a new author name and queue meanwhile.
    const theirs: OpencxSettings = { ...SAVED, aiAuthorName: 'Their Bot', aiQueueSid: null, revision: '4.mixv9' };
    let answerLoad!: (loaded: LoadResult) => void;
    client.load.mockReturnValueOnce(new Promise<LoadResult>((resolve) => (answerLoad = resolve)));
    fireEvent.click(within(alert).getByRole('button', { name: 'Reload settings' }));
    // No save while they are read: it would carry the revision being replaced, and be refused again.
    expect(saveButton()).toBeDisabled();
    answerLoad({ ok: true, settings: theirs, routing: null });

    expect(await screen.findByText(/The current settings are loaded/)).toBeVisible();
    expect(saveButton()).toBeEnabled();
    expect(regions.filter((region) => /The current settings are loaded/.test(region.textContent ?? ''))).toHaveLength(
      1,
    );
    // Theirs where both changed it; the admin's edit of what nobody else changed stays.
    expect(authorInput()).toHaveValue('Their Bot');
    expect(queueInput()).toHaveValue('');
    expect(peakInput()).toHaveValue('120');
    expect(tokenInput()).toHaveValue('ocx_live_pasted_once_9876');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    // The next save is made over the settings now shown.
    client.save.mockResolvedValue({ ok: true, settings: { ...theirs, revision: '5.mixw1' }, workerCreated: false });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenLastCalledWith(
      'flex-token',
      expect.objectContaining({
        aiAuthorName: 'Their Bot',
        aiPeakConversations: 120,
        opencxToken: 'ocx_live_pasted_once_9876',
        settingsRevision: '4.mixv9',
      }),
    );
  });

  it('a first save sends that no settings were stored when the form was filled', async () => {
    const client = await renderLoaded(UNCONFIGURED);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: true });
    fireEvent.change(tokenInput(), { target: { value: 'ocx_live_new_key_1234' } });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith('flex-token', expect.objectContaining({ settingsRevision: null }));
  });

  it('a save without an answer may have been made: says so, and reads the settings again', async () => {
    const client = await renderLoaded(SAVED);
    const loads = client.load.mock.calls.length;
    client.save.mockRejectedValue(new TypeError('boom'));

    fireEvent.click(saveButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Test & Save may not have finished. The OpenCX Functions could not be reached, or their answer was lost',
    );
    await waitFor(() => expect(client.load.mock.calls.length).toBeGreaterThan(loads));
  });

  it('asks for the token when none is saved, without calling the server', async () => {
    const client = await renderLoaded(UNCONFIGURED);

    fireEvent.click(saveButton());

    expect(await screen.findByText('Enter the OpenCX API key')).toBeVisible();
    expect(tokenInput()).toHaveAccessibleDescription(expect.stringContaining('Enter the OpenCX API key'));
    expect(tokenInput()).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();
  });

  it('checks the queue SID before calling the server', async () => {
    const client = await renderLoaded(SAVED);

    fireEvent.change(queueInput(), { target: { value: 'WQ123' } });
    fireEvent.click(saveButton());

    expect(await screen.findByText('Expected a queue SID: WQ followed by 32 hexadecimal characters')).toBeVisible();
    expect(client.save).not.toHaveBeenCalled();
  });

  // Saved, a form the load could not fill would replace the settings with its defaults.
  it('offers no form to save after a failed load, only the error and a way to load again', async () => {
    const client = fakeClient({
      ok: false,
      error: { code: 'internal_error', message: 'Something went wrong', status: 500 },
    });
    renderWithTheme(<SettingsView client={client} token="flex-token" flexResources={FLEX} />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load the OpenCX settings. Something went wrong',
    );
    expect(screen.queryByRole('button', { name: 'Test & Save' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Check setup' })).not.toBeInTheDocument();
    expect(client.save).not.toHaveBeenCalled();

    client.load.mockResolvedValueOnce({ ok: true, settings: SAVED, routing: null });
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('button', { name: 'Test & Save' })).toBeEnabled();
    expect(client.load).toHaveBeenCalledTimes(2);
    expect(authorInput()).toHaveValue(SAVED.aiAuthorName);
    expect(screen.queryByText(/Could not load the OpenCX settings/)).not.toBeInTheDocument();
  });

  it('uses the newest Flex token', async () => {
    const client = fakeClient({ ok: true, settings: SAVED, routing: null });
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: false });
    const { rerender } = renderWithTheme(<SettingsView client={client} token="old-token" flexResources={FLEX} />);
    await screen.findByRole('button', { name: 'Test & Save' });

    rerender(<SettingsView client={client} token="new-token" flexResources={FLEX} />);
    expect(client.load).toHaveBeenCalledTimes(1);
    fireEvent.click(saveButton());

    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith('new-token', expect.anything());
    // After the save, the workflow in use is read again, with the new token too.
    await waitFor(() => expect(client.load).toHaveBeenLastCalledWith('new-token'));
  });
});

describe('the peak of concurrent AI conversations', () => {
  it('shows the saved peak and the pool of AI workers it implies, and follows what the admin types', async () => {
    await renderLoaded({ ...SAVED, aiPeakConversations: 120 });

    expect(peakInput()).toHaveValue('120');
    expect(peakInput()).toHaveAttribute('inputmode', 'numeric');
    expect(peakInput()).toHaveAccessibleDescription(expect.stringContaining('from 1 to 1000'));
    expect(peakInput()).toHaveAccessibleDescription(
      expect.stringContaining('The AI will work as 3 TaskRouter workers of 50 conversations each (150 at once).'),
    );

    fireEvent.change(peakInput(), { target: { value: '40' } });
    expect(screen.getByText('The AI will work as one TaskRouter worker of 50 conversations.')).toBeVisible();
    fireEvent.change(peakInput(), { target: { value: '' } });
    expect(screen.queryByText(/The AI will work as/)).not.toBeInTheDocument();
  });

  it('warns when the settings were saved but the webhooks could not be told', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: false, webhooksNotUpdated: true });

    fireEvent.click(saveButton());

    const warning = await screen.findByText(/could not be told about the new settings/);
    expect(warning).toHaveTextContent(/^Settings saved\..*until you Apply fixes below\.$/);
    expect(warning.closest('[role="status"]')).toBeNull();
  });

  it('says the AI workers wait for Apply when the workspace events do not come here yet', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: true, aiWorkersAwaitApply: true });

    fireEvent.click(saveButton());

    expect(await screen.findByText(/The AI workers stay unavailable/)).toHaveTextContent(
      /^Settings saved\..*The AI worker was created in TaskRouter\. The AI workers stay unavailable.*Apply fixes below/,
    );
  });

  it('says when the AI workers new to the settings could not be opened, and that saving again does it', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: true, aiWorkersNotOpened: true });

    fireEvent.click(saveButton());

    const warning = await screen.findByText(/AI workers new to these settings could not be opened/);
    expect(warning).toHaveTextContent(/^Settings saved\..*so they take no chats yet: save again to retry\.$/);
    // A warning to act on, not the plain notice of a save.
    expect(warning.closest('[role="status"]')).toBeNull();
  });

  it('sends no save when Flex names no workspace, and says so in words an admin can act on', async () => {
    const client = fakeClient({ ok: true, settings: SAVED, routing: null });
    renderWithTheme(<SettingsView client={client} token="flex-token" flexResources={{ ...FLEX, workspaceSid: '' }} />);
    expect(await screen.findByText('Not found in this Flex account’s configuration')).toBeVisible();

    fireEvent.click(await screen.findByRole('button', { name: 'Test & Save' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(/names no TaskRouter workspace.*ask Twilio support/);
    expect(client.save).not.toHaveBeenCalled();
  });

  it.each([
    [
      [{ workspaceSid: 'WS0', workerSids: ['WK1', 'WK2'] }],
      /^Settings saved\..* 2 AI workers of the workspace you left still hold conversations/,
    ],
    [
      [{ workspaceSid: 'WS0', workerSids: ['WK1'] }],
      /An AI worker of the workspace you left still holds conversations/,
    ],
    [[{ workspaceSid: 'WS0', workerSids: [] }], /could not all be listed: a later Test & Save retires them\.$/],
  ])('tells what the workspace the settings left still has: %j', async (formerAiWorkers, message) => {
    const client = await renderLoaded(SAVED);
    const left = formerAiWorkers.reduce((sum, former) => sum + former.workerSids.length, 0);
    client.save.mockResolvedValue({
      ok: true,
      settings: SAVED,
      workerCreated: false,
      formerAiWorkers: { left, unlisted: left === 0 },
    });

    fireEvent.click(saveButton());

    expect(await screen.findByText(message)).toBeVisible();
  });

  it.each([
    [1, /^Settings saved\..* OpenCX is rate-limiting a saved API key right now, so it was not checked again/],
    [2, /OpenCX is rate-limiting 2 saved API keys right now, so they were not checked again/],
  ])('says when OpenCX was rate-limiting %i saved keys, which it did not check again', async (count, message) => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({ ok: true, settings: SAVED, workerCreated: false, opencxKeysUnchecked: count });

    fireEvent.click(saveButton());

    expect(await screen.findByText(message)).toBeVisible();
  });

  it('saves the peak typed', async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({ ok: true, settings: { ...SAVED, aiPeakConversations: 250 }, workerCreated: true });

    fireEvent.change(peakInput(), { target: { value: '250' } });
    fireEvent.click(saveButton());

    expect(await screen.findByText(/Settings saved\./)).toBeVisible();
    expect(client.save).toHaveBeenCalledWith('flex-token', expect.objectContaining({ aiPeakConversations: 250 }));
    expect(peakInput()).toHaveValue('250');
  });

  it.each(['0', '1001', '2.5', ''])('refuses %p at the field, without calling the server', async (typed) => {
    const client = await renderLoaded(SAVED);

    fireEvent.change(peakInput(), { target: { value: typed } });
    fireEvent.click(saveButton());

    expect(await screen.findByText('Enter a whole number of conversations from 1 to 1000')).toBeVisible();
    expect(peakInput()).toHaveAttribute('aria-invalid', 'true');
    expect(peakInput()).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();
  });

  it("shows the server's refusal of the peak on the field", async () => {
    const client = await renderLoaded(SAVED);
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'The peak of concurrent AI conversations must be a whole number from 1 to 1000',
        field: 'aiPeakConversations',
        status: 400,
      },
    });

    fireEvent.click(saveButton());

    expect(
      await screen.findByText('The peak of concurrent AI conversations must be a whole number from 1 to 1000'),
    ).toBeVisible();
    expect(peakInput()).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('the settings view on a return to it', () => {
  async function renderVisited(settings: OpencxSettings = SAVED) {
    const client = fakeClient({ ok: true, settings, routing: null });
    const view = (visit: number) => (
      <SettingsView client={client} token="flex-token" flexResources={FLEX} visit={visit} />
    );
    const { rerender } = renderWithTheme(view(0));
    await screen.findByText('All 2 checks passed.');
    return { client, comeBack: (visit: number) => rerender(view(visit)) };
  }

  it('reads the settings again, keeping what the admin typed, and checks the setup again', async () => {
    const { client, comeBack } = await renderVisited();
    expect(client.load).toHaveBeenCalledTimes(1);
    expect(client.checkSetup).toHaveBeenCalledTimes(1);
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    // Meanwhile another admin saved a new key of another organisation and a new peak.
    const theirs: OpencxSettings = {
      ...SAVED,
      orgName: 'Globex',
      opencxTokenMasked: '••••••••9999',
      aiPeakConversations: 120,
      revision: '4.mixv9',
    };
    client.load.mockResolvedValue({ ok: true, settings: theirs, routing: null });

    comeBack(1);

    expect(await screen.findByText('Connected to Globex')).toBeVisible();
    expect(peakInput()).toHaveValue('120');
    expect(authorInput()).toHaveValue('Edited Bot');
    expect(screen.getByText(/Another admin saved changes since you opened the settings/)).toBeVisible();
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    // The next save is made over the settings now shown.
    client.save.mockResolvedValue({ ok: true, settings: { ...theirs, revision: '5.mixw1' }, workerCreated: false });
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved/);
    expect(client.save).toHaveBeenCalledWith(
      'flex-token',
      expect.objectContaining({ aiAuthorName: 'Edited Bot', aiPeakConversations: 120, settingsRevision: '4.mixv9' }),
    );
  });

  it('offers the reload, not the save, when another admin changed a field the admin edited', async () => {
    const { client, comeBack } = await renderVisited();
    fireEvent.change(authorInput(), { target: { value: 'Edited Bot' } });
    client.load.mockResolvedValue({
      ok: true,
      settings: { ...SAVED, aiAuthorName: 'Their Bot', revision: '4.mixv9' },
      routing: null,
    });

    comeBack(1);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/Another admin saved changes to settings you have also changed here/);
    expect(within(alert).getByRole('button', { name: 'Reload settings' })).toBeVisible();
    expect(authorInput()).toHaveValue('Edited Bot');
  });

  it('keeps the revision the form was filled from when no field shows what changed: a save then is stale', async () => {
    const { client, comeBack } = await renderVisited();
    fireEvent.change(screen.getByLabelText('OpenCX webhook signing secret'), { target: { value: 'whsec_mine' } });
    // Another admin saved a new webhook secret: the browser sees it only as set, as before.
    client.load.mockResolvedValue({ ok: true, settings: { ...SAVED, revision: '4.mixv9' }, routing: null });

    comeBack(1);

    await waitFor(() => expect(client.load).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(client.checkSetup).toHaveBeenCalledTimes(2));
    await saveRefusedAsStale(client, { opencxWebhookSecret: 'whsec_mine', settingsRevision: SAVED.revision });
  });

  it('leaves the keyboard focus where it was: nobody pressed Check setup', async () => {
    const { client, comeBack } = await renderVisited();
    // Where a browser that does not focus a clicked button leaves it (Safari).
    (document.activeElement as HTMLElement).blur();
    const checking = deferred<CheckSetupResult>();
    client.checkSetup.mockReturnValueOnce(checking.promise);

    comeBack(1);

    expect(await screen.findByText('Checking the Twilio setup…')).toBeVisible();
    checking.resolve({ ok: true, checks: HEALTHY_CHECKS });
    await waitFor(() => expect(screen.queryByText('Checking the Twilio setup…')).not.toBeInTheDocument());
    expect(document.body).toHaveFocus();
  });

  it('leaves the form as it was when the settings cannot be read again', async () => {
    const { client, comeBack } = await renderVisited();
    client.load.mockResolvedValue({
      ok: false,
      error: { status: 503, code: 'unavailable', message: 'Twilio is unavailable.' },
    });

    comeBack(1);

    await waitFor(() => expect(client.load).toHaveBeenCalledTimes(2));
    expect(screen.getByText('Connected to Acme')).toBeVisible();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
