import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import {
  createSettingsClient,
  type FetchLike,
  type OpencxSettings,
  type SettingsField,
} from '../../api/settingsClient';
import { SAVED_SETTINGS, UNCONFIGURED } from '../../testing/fakeSettingsClient';
import { FLEX_RESOURCES, renderSettingsView, renderWithTheme } from '../../testing/render';
import { SettingsView } from '../SettingsView';

const WEBHOOK_URL = SAVED_SETTINGS.opencxWebhookUrl!;
const DEFAULT_NOTE = 'Connecting you with a member of our team.';

const secretInput = () => screen.getByLabelText('OpenCX webhook signing secret');
const urlInput = () => screen.getByLabelText('Webhook URL for OpenCX');
const copyButton = () => screen.getByRole('button', { name: 'Copy the webhook URL' });
const noteInput = () => screen.getByLabelText('Message the customer sees at a handoff');
const timeoutInput = () => screen.getByLabelText('Hand to humans if the AI has not answered within');
const idleCloseInput = () => screen.getByLabelText('Close silent AI conversations after');
const idleCloseNoteInput = () => screen.getByLabelText('Note when a silent chat is closed');
const DEFAULT_IDLE_CLOSE_NOTE = 'We closed this chat because it went quiet. Write to us any time to start a new one.';
const translation = (number: number) => screen.getByRole('group', { name: `Translation ${number}` });
const translationCount = () => screen.queryAllByRole('group', { name: /^Translation \d+$/ }).length;
const languageOf = (number: number) => within(translation(number)).getByLabelText('Language tag');
const messageOf = (number: number) => within(translation(number)).getByLabelText('Message');
const addLanguage = () => fireEvent.click(screen.getByRole('button', { name: 'Add a language' }));
const saveButton = () => screen.getByRole('button', { name: 'Test & Save' });
const type = (input: HTMLElement, value: string) => fireEvent.change(input, { target: { value } });

async function renderSaving(settings: OpencxSettings = SAVED_SETTINGS) {
  const client = await renderSettingsView(settings);
  client.save.mockResolvedValue({ ok: true, settings: SAVED_SETTINGS, workerCreated: false });
  return client;
}

async function saveAndWait(client: Awaited<ReturnType<typeof renderSaving>>) {
  const calls = client.save.mock.calls.length;
  fireEvent.click(saveButton());
  await waitFor(() => expect(client.save).toHaveBeenCalledTimes(calls + 1));
  await screen.findByText(/Settings saved\./);
  return client.save.mock.calls[calls][1];
}

/** Test & Save, which the Functions refuse with a 400 on `field`. */
function saveRefused(client: Awaited<ReturnType<typeof renderSaving>>, field: SettingsField, message: string) {
  client.save.mockResolvedValue({ ok: false, error: { code: 'invalid_input', message, field, status: 400 } });
  fireEvent.click(saveButton());
}

function mockClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: writeText ? { writeText } : undefined });
}

afterEach(() => {
  mockClipboard(undefined);
});

/**
 * A customer note's field takes `limit` characters (emoji count as one) and refuses one more at the
 * field, focused, without calling the server.
 */
async function expectNoteLimit(
  input: () => HTMLElement,
  field: 'customerHandoffNote' | 'customerIdleCloseNote',
  limit: number,
  message: string,
): Promise<void> {
  const client = await renderSaving();

  type(input(), '🙂'.repeat(limit));
  expect(await saveAndWait(client)).toMatchObject({ [field]: '🙂'.repeat(limit) });

  type(input(), 'x'.repeat(limit + 1));
  fireEvent.click(saveButton());

  expect(await screen.findByText(message)).toBeVisible();
  expect(input()).toHaveAttribute('aria-invalid', 'true');
  expect(input()).toHaveFocus();
  expect(client.save).toHaveBeenCalledTimes(1);
}

/** The server refuses the save naming `field`: its message shows on that field, which keeps what was typed. */
async function expectServerRefusal(
  input: () => HTMLElement,
  field: SettingsField,
  typed: string,
  message: string,
): Promise<void> {
  const client = await renderSaving();

  type(input(), typed);
  saveRefused(client, field, message);

  expect(await screen.findByText(message)).toBeVisible();
  expect(input()).toHaveAttribute('aria-invalid', 'true');
  expect(input()).toHaveAccessibleDescription(expect.stringContaining(message));
  expect(input()).toHaveValue(typed);
}

describe('OpenCX webhook signing secret', () => {
  it('shows a saved secret only as saved, never with a value', async () => {
    await renderSettingsView();

    expect(secretInput()).toHaveAttribute('type', 'password');
    expect(secretInput()).toHaveValue('');
    expect(secretInput()).toHaveAttribute('placeholder', 'Saved');
    expect(secretInput()).toHaveAccessibleDescription(
      'A secret is saved. Leave empty to keep it, or paste a new secret to replace it.',
    );
  });

  it('says where to find the secret while none is saved', async () => {
    await renderSettingsView({ ...SAVED_SETTINGS, opencxWebhookSecretSet: false });

    expect(secretInput()).toHaveAttribute('placeholder', '');
    expect(secretInput()).toHaveAccessibleDescription(
      expect.stringContaining('OpenCX shows a signing secret when you add the webhook below'),
    );
  });

  it('sends a new secret once, then forgets it: the next save keeps the saved one', async () => {
    const secret = 'whsec_4f9a0c1e7b2d';
    const client = await renderSaving({ ...SAVED_SETTINGS, opencxWebhookSecretSet: false });

    type(secretInput(), secret);
    expect(await saveAndWait(client)).toMatchObject({ opencxWebhookSecret: secret });

    expect(secretInput()).toHaveValue('');
    expect(secretInput()).toHaveAccessibleDescription(expect.stringContaining('A secret is saved'));
    expect(document.body.innerHTML).not.toContain(secret);

    expect(await saveAndWait(client)).toMatchObject({ opencxWebhookSecret: '' });
  });

  it('keeps what was typed when the save fails, and shows the server error at the field', async () => {
    const client = await renderSettingsView();
    client.save.mockResolvedValue({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'The signing secret must be one line',
        field: 'opencxWebhookSecret',
        status: 400,
      },
    });

    type(secretInput(), 'whsec_first try');
    fireEvent.click(saveButton());

    expect(await screen.findByText('The signing secret must be one line')).toBeVisible();
    expect(secretInput()).toHaveAttribute('aria-invalid', 'true');
    expect(secretInput()).toHaveFocus();
    expect(secretInput()).toHaveValue('whsec_first try');
  });
});

describe('Webhook URL for OpenCX', () => {
  it('shows the URL read-only, with where to paste it and which events to pick', async () => {
    await renderSettingsView();

    expect(urlInput()).toHaveValue(WEBHOOK_URL);
    expect(urlInput()).toHaveAttribute('readonly');
    expect(urlInput()).toHaveAccessibleDescription(
      'Paste into OpenCX → Settings → Integrations → Webhooks; ' +
        'events: conversation.ai_response, conversation.handoff_to_human',
    );
  });

  it('copies the URL and confirms it', async () => {
    const writeText = jest.fn((_text: string) => Promise.resolve());
    mockClipboard(writeText);
    await renderSettingsView();

    fireEvent.click(copyButton());

    expect(await screen.findByText('Copied')).toBeVisible();
    expect(writeText).toHaveBeenCalledWith(WEBHOOK_URL);
  });

  it.each([
    ['has no clipboard API', undefined],
    ['refuses to write', () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'))],
  ])('when the browser %s, selects the URL and says how to copy it', async (_case, writeText) => {
    mockClipboard(writeText);
    await renderSettingsView();

    fireEvent.click(copyButton());

    expect(await screen.findByText(/This browser does not allow copying here\. The URL is selected/)).toBeVisible();
    expect(screen.queryByText('Copied')).not.toBeInTheDocument();
    const input = urlInput() as HTMLInputElement;
    expect(input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0)).toBe(WEBHOOK_URL);
  });

  it('says so when the Functions do not report the URL, with nothing to copy', async () => {
    await renderSettingsView({ ...SAVED_SETTINGS, opencxWebhookUrl: null });

    expect(screen.getByText(/These Functions do not report their webhook URL/)).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Copy the webhook URL' })).not.toBeInTheDocument();
  });
});

describe('Message the customer sees at a handoff', () => {
  it('shows the saved message with its length, and that an empty one sends nothing', async () => {
    await renderSettingsView();

    expect(noteInput()).toHaveValue(DEFAULT_NOTE);
    expect(noteInput()).toHaveAccessibleDescription(expect.stringContaining('Leave it empty to send no message.'));
    expect(noteInput()).toHaveAccessibleDescription(
      expect.stringContaining(`${DEFAULT_NOTE.length} of 320 characters`),
    );

    type(noteInput(), 'Un momento 🙏');
    expect(noteInput()).toHaveAccessibleDescription(expect.stringContaining('12 of 320 characters'));
  });

  it('sends an emptied message as empty: no note', async () => {
    const client = await renderSaving();

    type(noteInput(), '');

    expect(await saveAndWait(client)).toMatchObject({ customerHandoffNote: '' });
  });

  it('accepts 320 characters and refuses 321, at the field, without calling the server', async () => {
    await expectNoteLimit(noteInput, 'customerHandoffNote', 320, 'Keep the message to 320 characters or fewer');
  });
});

describe('translations of the handoff message', () => {
  it('lists the saved translations', async () => {
    await renderSettingsView({
      ...SAVED_SETTINGS,
      customerHandoffNoteTranslations: { es: 'Un momento, por favor.', 'pt-BR': 'Um momento.' },
    });

    expect(translationCount()).toBe(2);
    expect(languageOf(1)).toHaveValue('es');
    expect(messageOf(1)).toHaveValue('Un momento, por favor.');
    expect(languageOf(2)).toHaveValue('pt-BR');
    expect(messageOf(2)).toHaveValue('Um momento.');
  });

  it('adds and removes languages, and sends the ones left with their tags in standard case', async () => {
    const client = await renderSaving({ ...SAVED_SETTINGS, customerHandoffNoteTranslations: { de: 'Einen Moment.' } });

    addLanguage();
    expect(translationCount()).toBe(2);
    expect(languageOf(2)).toHaveFocus();
    type(languageOf(2), 'fr-ca');
    type(messageOf(2), ' Un instant. ');
    addLanguage();
    type(languageOf(3), 'ZH-hant-tw');
    type(messageOf(3), '請稍候。');

    fireEvent.click(within(translation(1)).getByRole('button', { name: 'Remove translation 1' }));
    expect(translationCount()).toBe(2);
    expect(screen.getByRole('button', { name: 'Add a language' })).toHaveFocus();
    expect(languageOf(1)).toHaveValue('fr-ca');

    expect(await saveAndWait(client)).toMatchObject({
      customerHandoffNoteTranslations: { 'fr-CA': 'Un instant.', 'zh-Hant-TW': '請稍候。' },
    });
  });

  it("a double click on a translation's Remove takes that one, not the next moved up under the pointer", async () => {
    const client = await renderSaving({
      ...SAVED_SETTINGS,
      customerHandoffNoteTranslations: { de: 'Einen Moment.', fr: 'Un instant.' },
    });
    fireEvent.click(within(translation(1)).getByRole('button', { name: 'Remove translation 1' }), { detail: 1 });
    fireEvent.click(within(translation(1)).getByRole('button', { name: 'Remove translation 1' }), { detail: 2 });
    expect(translationCount()).toBe(1);
    expect(await saveAndWait(client)).toMatchObject({ customerHandoffNoteTranslations: { fr: 'Un instant.' } });
  });

  it('drops a row left blank', async () => {
    const client = await renderSaving();

    addLanguage();

    expect(await saveAndWait(client)).toMatchObject({ customerHandoffNoteTranslations: {} });
  });

  it.each([
    ['english!', 'Not a language tag: use a code such as es, fr-CA or pt-BR'],
    ['e', 'Not a language tag: use a code such as es, fr-CA or pt-BR'],
    ['es-', 'Not a language tag: use a code such as es, fr-CA or pt-BR'],
    // Shaped like one, but not BCP-47: the Functions would refuse it.
    ['en-12', 'Not a language tag: use a code such as es, fr-CA or pt-BR'],
    ['en-US-US', 'Not a language tag: use a code such as es, fr-CA or pt-BR'],
    ['', 'Enter a language tag, for example es or pt-BR'],
  ])('refuses the language tag %p at its row', async (tag, message) => {
    const client = await renderSaving();
    addLanguage();
    type(languageOf(1), tag);
    type(messageOf(1), 'Un momento.');

    fireEvent.click(saveButton());

    expect(await within(translation(1)).findByText(message)).toBeVisible();
    expect(languageOf(1)).toHaveAttribute('aria-invalid', 'true');
    expect(languageOf(1)).toHaveAccessibleDescription(message);
    expect(languageOf(1)).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();
  });

  it('refuses a language listed twice under its deprecated code (iw is he), as the Functions would', async () => {
    const client = await renderSaving({ ...SAVED_SETTINGS, customerHandoffNoteTranslations: { he: 'רגע אחד.' } });
    addLanguage();
    type(languageOf(2), 'iw');
    type(messageOf(2), 'רגע.');

    fireEvent.click(saveButton());

    expect(await within(translation(2)).findByText('he is listed more than once')).toBeVisible();
    expect(client.save).not.toHaveBeenCalled();
  });

  it('refuses a language listed twice and a message over 320 characters', async () => {
    const client = await renderSaving({ ...SAVED_SETTINGS, customerHandoffNoteTranslations: { es: 'Un momento.' } });
    addLanguage();
    type(languageOf(2), 'ES');
    type(messageOf(2), 'Otro momento.');
    addLanguage();
    type(languageOf(3), 'it');
    type(messageOf(3), 'x'.repeat(321));

    fireEvent.click(saveButton());

    expect(await within(translation(2)).findByText('es is listed more than once')).toBeVisible();
    expect(languageOf(1)).not.toHaveAttribute('aria-invalid', 'true');
    expect(messageOf(3)).toHaveAccessibleDescription(
      expect.stringContaining('Keep the message to 320 characters or fewer'),
    );
    expect(languageOf(2)).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();

    // Removing a row takes its error with it; fixing the rest saves.
    fireEvent.click(screen.getByRole('button', { name: 'Remove translation 2' }));
    expect(screen.queryByText('es is listed more than once')).not.toBeInTheDocument();
    type(messageOf(2), 'Un momento.');
    expect(await saveAndWait(client)).toMatchObject({
      customerHandoffNoteTranslations: { es: 'Un momento.', it: 'Un momento.' },
    });
  });

  it('saves a language with an empty message (no note in it), saying what that means', async () => {
    const client = await renderSaving();
    addLanguage();
    type(languageOf(1), 'de');
    expect(messageOf(1)).toHaveAccessibleDescription(
      expect.stringContaining('No message: customers writing in de see none at a handoff.'),
    );
    expect(messageOf(1)).not.toHaveAttribute('aria-invalid', 'true');

    expect(await saveAndWait(client)).toMatchObject({ customerHandoffNoteTranslations: { de: '' } });
  });

  it('saves settings that already hold a language with an empty message', async () => {
    const client = await renderSaving({
      ...SAVED_SETTINGS,
      customerHandoffNoteTranslations: { es: '', fr: 'Un instant.' },
    });
    expect(messageOf(1)).toHaveValue('');
    expect(messageOf(1)).toHaveAccessibleDescription(expect.stringContaining('customers writing in es see none'));

    expect(await saveAndWait(client)).toMatchObject({ customerHandoffNoteTranslations: { es: '', fr: 'Un instant.' } });
  });

  it('shows a server error about the translations under them', async () => {
    saveRefused(await renderSettingsView(), 'customerHandoffNoteTranslations', 'At most 50 translations');

    const translations = screen.getByRole('group', { name: 'Translations' });
    expect(await within(translations).findByText('At most 50 translations')).toBeVisible();
    expect(translations).toHaveAccessibleDescription(expect.stringContaining('At most 50 translations'));
    expect(screen.getByRole('button', { name: 'Add a language' })).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Settings not saved: check the highlighted field.');
  });
});

describe('Message the customer sees when the AI takes over again', () => {
  const DEFAULT_HANDBACK_NOTE = "You're chatting with our AI assistant again.";
  const handbackNoteInput = () => screen.getByLabelText('Message the customer sees when the AI takes over again');
  const handbackTranslation = (number: number) => screen.getByRole('group', { name: `Handback translation ${number}` });
  const addHandbackLanguage = () =>
    fireEvent.click(screen.getByRole('button', { name: 'Add a language to the handback message' }));

  it('shows the saved message beside the handoff note, its length, and that an empty one sends nothing', async () => {
    await renderSettingsView();

    expect(handbackNoteInput()).toHaveValue(DEFAULT_HANDBACK_NOTE);
    expect(handbackNoteInput()).toHaveAttribute('name', 'customerHandbackNote');
    expect(handbackNoteInput()).toHaveAccessibleDescription(
      expect.stringContaining('Leave it empty to send no message.'),
    );
    expect(handbackNoteInput()).toHaveAccessibleDescription(
      expect.stringContaining(`${DEFAULT_HANDBACK_NOTE.length} of 320 characters`),
    );
    expect(screen.getByRole('group', { name: 'Translations of the handback message' })).toBeVisible();
    // The handoff note's editor is its own: no handback row shows up in it.
    expect(translationCount()).toBe(0);
  });

  it('sends the edited message and its translations, an emptied message as empty: no note', async () => {
    const client = await renderSaving();

    type(handbackNoteInput(), '');
    addHandbackLanguage();
    type(within(handbackTranslation(1)).getByLabelText('Language tag'), 'de-at');
    type(within(handbackTranslation(1)).getByLabelText('Message'), 'Sie schreiben wieder mit unserer KI.');

    expect(await saveAndWait(client)).toMatchObject({
      customerHandbackNote: '',
      customerHandbackNoteTranslations: { 'de-AT': 'Sie schreiben wieder mit unserer KI.' },
      customerHandoffNote: DEFAULT_NOTE,
      customerHandoffNoteTranslations: {},
    });
  });

  it('shows the saved translations, and refuses 321 characters at the field without calling the server', async () => {
    const client = await renderSaving({
      ...SAVED_SETTINGS,
      customerHandbackNoteTranslations: { es: 'Hola de nuevo.' },
    });
    expect(within(handbackTranslation(1)).getByLabelText('Message')).toHaveValue('Hola de nuevo.');

    type(handbackNoteInput(), 'x'.repeat(321));
    fireEvent.click(saveButton());

    expect(await screen.findByText('Keep the message to 320 characters or fewer')).toBeVisible();
    expect(handbackNoteInput()).toHaveAttribute('aria-invalid', 'true');
    expect(handbackNoteInput()).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();
  });

  it("focuses a bad handoff translation, above it on the page, before the handback note's error", async () => {
    const client = await renderSaving();
    addLanguage();
    type(languageOf(1), 'english!');
    type(messageOf(1), 'Hello.');
    type(handbackNoteInput(), 'x'.repeat(321));

    fireEvent.click(saveButton());

    await waitFor(() => expect(languageOf(1)).toHaveFocus());
    expect(handbackNoteInput()).toHaveAttribute('aria-invalid', 'true');
    expect(client.save).not.toHaveBeenCalled();
  });

  it('focuses the first bad handback translation, and shows a server error about them under them', async () => {
    const client = await renderSettingsView();
    addHandbackLanguage();
    type(within(handbackTranslation(1)).getByLabelText('Language tag'), 'not a tag');
    fireEvent.click(saveButton());
    expect(await screen.findByText('Not a language tag: use a code such as es, fr-CA or pt-BR')).toBeVisible();
    expect(within(handbackTranslation(1)).getByLabelText('Language tag')).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();

    fireEvent.click(within(handbackTranslation(1)).getByRole('button', { name: 'Remove handback translation 1' }));
    saveRefused(client, 'customerHandbackNoteTranslations', 'The translations are too long together');

    const translations = screen.getByRole('group', { name: 'Translations of the handback message' });
    expect(await within(translations).findByText('The translations are too long together')).toBeVisible();
    expect(screen.getByRole('button', { name: 'Add a language to the handback message' })).toHaveFocus();
  });
});

describe('answer timeout', () => {
  it('shows the saved number of seconds and the allowed range', async () => {
    await renderSettingsView({ ...SAVED_SETTINGS, aiAnswerTimeoutSeconds: 90 });

    expect(timeoutInput()).toHaveValue('90');
    expect(timeoutInput()).toHaveAttribute('inputmode', 'numeric');
    expect(timeoutInput()).toHaveAccessibleDescription(expect.stringContaining('From 15 to 600 seconds (default 60).'));
  });

  it.each([15, 600])('saves %p seconds', async (seconds) => {
    const client = await renderSaving();

    type(timeoutInput(), String(seconds));

    expect(await saveAndWait(client)).toMatchObject({ aiAnswerTimeoutSeconds: seconds });
  });

  it.each(['14', '601', '', '30.5', '-20'])('refuses %p at the field, without calling the server', async (typed) => {
    const client = await renderSaving();

    type(timeoutInput(), typed);
    fireEvent.click(saveButton());

    expect(await screen.findByText('Enter a whole number of seconds from 15 to 600')).toBeVisible();
    expect(timeoutInput()).toHaveAttribute('aria-invalid', 'true');
    expect(timeoutInput()).toHaveFocus();
    expect(client.save).not.toHaveBeenCalled();
  });
});

describe('closing silent AI conversations', () => {
  it('shows the saved minutes, their unit, and what closing does', async () => {
    await renderSettingsView({ ...SAVED_SETTINGS, aiIdleCloseMinutes: 1440 });

    expect(idleCloseInput()).toHaveValue('1440');
    expect(idleCloseInput()).toHaveAttribute('inputmode', 'numeric');
    expect(screen.getByText('minutes')).toBeVisible();
    expect(idleCloseInput()).toHaveAccessibleDescription(
      expect.stringContaining('0 = never (the default), or from 10 to 10080 minutes (a week).'),
    );
    expect(idleCloseInput()).toHaveAccessibleDescription(
      expect.stringContaining('their next message starts a new conversation with the AI'),
    );
    expect(idleCloseInput()).toHaveAccessibleDescription(expect.stringContaining('humans hold are never closed'));
  });

  it.each([10, 10080, 0])('saves %p minutes', async (minutes) => {
    const client = await renderSaving({ ...SAVED_SETTINGS, aiIdleCloseMinutes: 60 });

    type(idleCloseInput(), String(minutes));

    expect(await saveAndWait(client)).toMatchObject({ aiIdleCloseMinutes: minutes });
  });

  it.each(['9', '10081', '', '30.5', '-10'])('refuses %p at the field, without calling the server', async (typed) => {
    const client = await renderSaving();

    type(idleCloseInput(), typed);
    fireEvent.click(saveButton());

    expect(await screen.findByText('Enter 0 (never) or a whole number of minutes from 10 to 10080')).toBeVisible();
    expect(idleCloseInput()).toHaveAttribute('aria-invalid', 'true');
    expect(idleCloseInput()).toHaveFocus();
    expect(timeoutInput()).not.toHaveAttribute('aria-invalid', 'true');
    expect(client.save).not.toHaveBeenCalled();
  });

  it("shows the server's refusal on the field", async () => {
    const message = 'Close silent AI conversations after a whole number of minutes from 10 to 10080, or 0 for never';
    await expectServerRefusal(idleCloseInput, 'aiIdleCloseMinutes', '30', message);
  });
});

describe('Note when a silent chat is closed', () => {
  it('shows the saved note right after the minutes, its length and help, editable while the close is off', async () => {
    await renderSettingsView({ ...SAVED_SETTINGS, aiIdleCloseMinutes: 0 });

    expect(idleCloseNoteInput()).toHaveValue(DEFAULT_IDLE_CLOSE_NOTE);
    expect(idleCloseNoteInput()).toHaveAttribute('name', 'customerIdleCloseNote');
    expect(idleCloseNoteInput()).toBeEnabled();
    const controls = Array.from(document.querySelectorAll('input, textarea, select'));
    expect(controls[controls.indexOf(idleCloseInput()) + 1]).toBe(idleCloseNoteInput());
    expect(idleCloseNoteInput()).toHaveAccessibleDescription(
      expect.stringContaining(
        'What the customer reads just before the AI closes a conversation nobody wrote in ' +
          '(SMS and WhatsApp customers get it too). Leave it empty to close without a note.',
      ),
    );
    expect(idleCloseNoteInput()).toHaveAccessibleDescription(
      expect.stringContaining(`${DEFAULT_IDLE_CLOSE_NOTE.length} of 160 characters`),
    );
    // No translations: the customer's language is rarely known before a handoff.
    expect(screen.queryByRole('group', { name: /closed/i })).not.toBeInTheDocument();

    type(idleCloseNoteInput(), 'Cerrado 👋');
    expect(idleCloseNoteInput()).toHaveAccessibleDescription(expect.stringContaining('9 of 160 characters'));
  });

  it('saves the edited note, and an emptied one as empty: no note', async () => {
    const client = await renderSaving({ ...SAVED_SETTINGS, aiIdleCloseMinutes: 60 });

    type(idleCloseNoteInput(), 'Closed for now: write again any time.');
    expect(await saveAndWait(client)).toMatchObject({
      customerIdleCloseNote: 'Closed for now: write again any time.',
      aiIdleCloseMinutes: 60,
      customerHandoffNote: DEFAULT_NOTE,
    });

    type(idleCloseNoteInput(), '');
    expect(await saveAndWait(client)).toMatchObject({ customerIdleCloseNote: '' });
  });

  it('accepts 160 characters and refuses 161, at the field, without calling the server', async () => {
    const message = 'Keep the note for a closed silent chat to 160 characters or fewer';
    await expectNoteLimit(idleCloseNoteInput, 'customerIdleCloseNote', 160, message);
    expect(noteInput()).not.toHaveAttribute('aria-invalid', 'true');
  });

  it("shows the server's refusal on the field, and focuses it", async () => {
    const message = 'The note for a closed silent chat must be at most 160 characters';
    await expectServerRefusal(idleCloseNoteInput, 'customerIdleCloseNote', 'A note the server refuses', message);
    expect(idleCloseNoteInput()).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Settings not saved: check the highlighted field.');
  });
});

describe('Test & Save over HTTP', () => {
  const FUNCTIONS_URL = 'https://opencx-1234-dev.twil.io';
  const LOADED = {
    ...UNCONFIGURED,
    configured: true,
    opencxTokenMasked: '••••••••1234',
    opencxWebhookUrl: WEBHOOK_URL,
    revision: '2.mixu1b2c3d4',
  };

  /** The view over the real client, whose Functions answer `settings` to every call. */
  async function renderOverHttp(settings: Record<string, unknown>) {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status: 200,
      json: async () => ({ ok: true, settings, workerCreated: false }),
    }));
    renderWithTheme(
      <SettingsView
        client={createSettingsClient({ baseUrl: FUNCTIONS_URL, fetch })}
        token="flex-token"
        flexResources={FLEX_RESOURCES}
      />,
    );
    await screen.findByRole('button', { name: 'Test & Save' });
    return fetch;
  }

  /** The fields of each settings-save posted. */
  const saves = (fetch: Awaited<ReturnType<typeof renderOverHttp>>) =>
    fetch.mock.calls
      .filter(([url]) => url === `${FUNCTIONS_URL}/admin/settings-save`)
      .map(([, init]) => Object.fromEntries(new URLSearchParams(init.body)));

  it('posts every webhook and handoff field the admin set', async () => {
    const fetch = await renderOverHttp(LOADED);

    type(secretInput(), 'whsec_4f9a0c1e7b2d');
    type(noteInput(), 'A colleague will be with you shortly.');
    addLanguage();
    type(languageOf(1), 'es-mx');
    type(messageOf(1), 'Un colega le atenderá en breve.');
    type(timeoutInput(), '120');
    type(idleCloseInput(), '1440');
    type(idleCloseNoteInput(), ' Closed for now: write again any time. ');
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved\./);

    expect(saves(fetch)).toEqual([
      {
        Token: 'flex-token',
        aiQueueSid: '',
        workflowSid: '',
        aiAuthorName: 'AI Support Agent',
        ...FLEX_RESOURCES,
        opencxWebhookSecret: 'whsec_4f9a0c1e7b2d',
        customerHandoffNote: 'A colleague will be with you shortly.',
        customerHandoffNoteTranslations: '{"es-MX":"Un colega le atenderá en breve."}',
        customerHandbackNote: "You're chatting with our AI assistant again.",
        customerHandbackNoteTranslations: '{}',
        aiAnswerTimeoutSeconds: '120',
        aiIdleCloseMinutes: '1440',
        customerIdleCloseNote: 'Closed for now: write again any time.',
        aiPeakConversations: '50',
        settingsRevision: '2.mixu1b2c3d4',
      },
    ]);
  });

  it('shows and saves 0 (never) for the idle close when older Functions do not send it', async () => {
    const { aiIdleCloseMinutes: _minutes, ...older } = LOADED;
    const fetch = await renderOverHttp(older);

    expect(idleCloseInput()).toHaveValue('0');
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved\./);

    expect(saves(fetch)).toEqual([expect.objectContaining({ aiIdleCloseMinutes: '0' })]);
  });

  it('shows and saves the default note for a closed silent chat when the Functions do not send one', async () => {
    const { customerIdleCloseNote: _note, ...older } = LOADED;
    const fetch = await renderOverHttp(older);

    expect(idleCloseNoteInput()).toHaveValue(DEFAULT_IDLE_CLOSE_NOTE);
    fireEvent.click(saveButton());
    await screen.findByText(/Settings saved\./);

    expect(saves(fetch)).toEqual([expect.objectContaining({ customerIdleCloseNote: DEFAULT_IDLE_CLOSE_NOTE })]);
  });
});
