import { SAVED_SETTINGS, UNCONFIGURED } from '../../testing/fakeSettingsClient';
import {
  canonicalLanguageTag,
  characterCount,
  formFrom,
  hasErrors,
  NO_ERRORS,
  nextRowKey,
  poolSizeFor,
  rebaseForm,
  saveInput,
  validate,
} from '../settingsForm';

const FLEX = { workspaceSid: 'WS1', conversationsServiceSid: 'IS1' };

describe('settings form', () => {
  it.each([
    ['ES', 'es'],
    ['es-mx', 'es-MX'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['sr-LATN-rs', 'sr-Latn-RS'],
    ['es-419', 'es-419'],
    ['de-CH-1996', 'de-CH-1996'],
    ['iw', 'he'],
    ['en-12', undefined],
  ])('writes the language tag %p as %p', (typed, canonical) => {
    expect(canonicalLanguageTag(typed)).toBe(canonical);
  });

  it('rebases the form on settings changed under it: what the admin left takes the new value, an edit stays', () => {
    const before = { ...SAVED_SETTINGS, customerHandoffNoteTranslations: { es: 'Un momento.' } };
    const after = {
      ...before,
      aiQueueSid: 'WQ' + '1'.repeat(32),
      customerHandoffNote: 'Their note.',
      revision: '9.mixv1',
    };
    const values = { ...formFrom(before), aiAuthorName: 'My Bot', opencxWebhookSecret: 'whsec_typed' };

    expect(rebaseForm(values, before, after)).toEqual({
      values: { ...formFrom(after), aiAuthorName: 'My Bot', opencxWebhookSecret: 'whsec_typed' },
      theirs: true,
      conflict: false,
      unseen: false,
    });
    // Rows edited, added or removed are the admin's; untouched ones follow the stored settings.
    const rows = [...values.translations, { key: 1, language: 'de', note: 'Einen Moment.' }];
    expect(
      rebaseForm({ ...values, translations: rows }, before, { ...after, customerHandoffNoteTranslations: {} }).values,
    ).toMatchObject({ translations: rows });
    expect(rebaseForm(values, before, { ...after, customerHandoffNoteTranslations: {} }).values.translations).toEqual(
      [],
    );
  });

  it('finds a conflict where the admin and someone else both changed a field, each to their own value', () => {
    const before = { ...SAVED_SETTINGS, opencxExtraTokens: [{ id: 'id-1', masked: '••••1111' }] };
    const values = { ...formFrom(before), aiAuthorName: 'My Bot' };

    expect(rebaseForm(values, before, { ...before, aiAuthorName: 'Their Bot', revision: '9.x' })).toMatchObject({
      theirs: true,
      conflict: true,
    });
    // The same change on both sides is none.
    expect(rebaseForm(values, before, { ...before, aiAuthorName: 'My Bot', revision: '9.x' }).conflict).toBe(false);
    // A key removed here, while another admin added one: saved, the form would drop theirs.
    const added = { ...before, opencxExtraTokens: [...before.opencxExtraTokens, { id: 'id-2', masked: '••••2222' }] };
    expect(rebaseForm({ ...formFrom(before), keptExtraTokens: [] }, before, added).conflict).toBe(true);
    // A key typed here, while another admin saved another one.
    const newKey = { ...before, opencxTokenMasked: '••••••••9999', revision: '9.x' };
    expect(rebaseForm({ ...formFrom(before), opencxToken: 'ocx_live_mine' }, before, newKey).conflict).toBe(true);
    expect(rebaseForm(formFrom(before), before, newKey)).toMatchObject({ theirs: true, conflict: false });
  });

  it('a save whose answer was lost, stored as the Functions store it, is no conflict with what was typed', () => {
    const before = { ...SAVED_SETTINGS, customerHandoffNoteTranslations: {} };
    const values = {
      ...formFrom(before),
      customerHandoffNote: 'One moment, please. ',
      aiAnswerTimeoutSeconds: '090',
      translations: [{ key: 0, language: 'ES', note: 'Un momento. ' }],
    };
    const landed = {
      ...before,
      customerHandoffNote: 'One moment, please.',
      aiAnswerTimeoutSeconds: 90,
      customerHandoffNoteTranslations: { es: 'Un momento.' },
      revision: '9.x',
    };
    // Not "another admin changed what you edited": the form goes on with its revision taken.
    expect(rebaseForm(values, before, landed, false, false, true).conflict).toBe(false);
    // Another value stored there is one.
    expect(rebaseForm(values, before, { ...landed, aiAnswerTimeoutSeconds: 120 }).conflict).toBe(true);
  });

  it('takes a secret typed here as saved when a save whose answer was lost shows it stored, and clears it', () => {
    const before = { ...SAVED_SETTINGS, opencxWebhookSecretSet: false };
    const values = { ...formFrom(before), opencxToken: 'ocx_live_new_key_9999', opencxWebhookSecret: 'whsec_new' };
    const landed = { ...before, opencxTokenMasked: '••••••••9999', opencxWebhookSecretSet: true, revision: '9.x' };
    expect(rebaseForm(values, before, landed, true, false, true)).toMatchObject({
      conflict: false,
      values: { opencxToken: '', opencxWebhookSecret: '' },
    });
    // Only the key landed: the secret typed here stays, to be saved again.
    const keyOnly = { ...landed, opencxWebhookSecretSet: false };
    expect(rebaseForm(values, before, keyOnly, true, false, true).values).toMatchObject({
      opencxToken: '',
      opencxWebhookSecret: 'whsec_new',
    });
    // Without a save of this admin's, the same change is someone else's key: a conflict.
    expect(rebaseForm(values, before, landed, true).conflict).toBe(true);
  });

  it('does not take a revision no field explains: it may be a new secret, which the browser sees only as set', () => {
    const values = { ...formFrom(SAVED_SETTINGS), opencxWebhookSecret: 'whsec_mine' };
    const theirSecret = { ...SAVED_SETTINGS, revision: '9.x' };

    expect(rebaseForm(values, SAVED_SETTINGS, theirSecret)).toMatchObject({ theirs: false, unseen: true });
    // After this admin's own Apply, Undo or Uninstall, a new revision its write shows is theirs to take...
    const queueNoted = { ...theirSecret, aiQueueSid: 'WQ' + '3'.repeat(32) };
    expect(rebaseForm(values, SAVED_SETTINGS, queueNoted, true).unseen).toBe(false);
    expect(rebaseForm(values, SAVED_SETTINGS, { ...SAVED_SETTINGS, revision: null }, true).unseen).toBe(false);
    // ...as is one no field shows while no secret is typed here; with one typed, it may be a secret saved meanwhile.
    expect(rebaseForm(formFrom(SAVED_SETTINGS), SAVED_SETTINGS, theirSecret, true).unseen).toBe(false);
    expect(rebaseForm(values, SAVED_SETTINGS, theirSecret, true).unseen).toBe(true);
    // Nothing changed: nothing to take, nothing to say.
    expect(rebaseForm(values, SAVED_SETTINGS, { ...SAVED_SETTINGS })).toEqual({
      values,
      theirs: false,
      conflict: false,
      unseen: false,
    });
  });

  it("takes a setup action's own writes as neither someone else's change nor a conflict", () => {
    const before = { ...SAVED_SETTINGS, aiQueueSid: null };
    const values = { ...formFrom(before), aiQueueSid: 'WQ' + '2'.repeat(32), aiAuthorName: 'My Bot' };
    // Apply noted the AI queue it created.
    const applied = { ...before, aiQueueSid: 'WQ' + '1'.repeat(32), revision: '9.x' };
    expect(rebaseForm(values, before, applied, true)).toMatchObject({ theirs: false, conflict: false });
    // Read on its own, the same change is someone else's.
    expect(rebaseForm(values, before, applied)).toMatchObject({ theirs: true, conflict: true });
    // Uninstall deleted the settings: the form keeps the edits over the defaults.
    const uninstalled = { ...UNCONFIGURED, aiAuthorName: 'Default Bot' };
    expect(rebaseForm(values, before, uninstalled, true)).toMatchObject({
      values: { aiAuthorName: 'My Bot' },
      theirs: false,
      conflict: false,
    });
  });

  it('accepts a language with an empty message (no note in it) and sends it so', () => {
    const values = { ...formFrom(SAVED_SETTINGS), translations: [{ key: 0, language: 'es', note: '  ' }] };
    expect(validate(values, SAVED_SETTINGS)).toEqual(NO_ERRORS);
    expect(saveInput(values, FLEX).customerHandoffNoteTranslations).toEqual({ es: '' });
  });

  it('counts an emoji as one character', () => {
    expect(characterCount('Hola 👋🏽')).toBe(7);
  });

  it('numbers a new row after the highest key', () => {
    expect(nextRowKey([])).toBe(0);
    expect(
      nextRowKey([
        { key: 4, language: 'es', note: 'x' },
        { key: 1, language: 'de', note: 'y' },
      ]),
    ).toBe(5);
  });

  it('turns the saved settings into a form with no secret in it, and back into the same save', () => {
    const settings = {
      ...SAVED_SETTINGS,
      opencxExtraTokens: [{ id: 'id-two', masked: '••••••••b2b2' }],
      workflowSid: 'WW' + '2'.repeat(32),
      customerHandoffNoteTranslations: { es: 'Un momento.', 'pt-BR': 'Um momento.' },
      aiAnswerTimeoutSeconds: 45,
      aiIdleCloseMinutes: 1440,
      customerIdleCloseNote: 'Closed for now: write again any time.',
    };
    const values = formFrom(settings);

    expect(values.opencxToken).toBe('');
    expect(values.opencxWebhookSecret).toBe('');
    expect(validate(values, settings)).toEqual(NO_ERRORS);
    expect(saveInput(values, FLEX, settings.revision)).toEqual({
      opencxToken: '',
      opencxExtraTokens: '',
      opencxExtraTokensKept: ['id-two'],
      aiQueueSid: '',
      workflowSid: 'WW' + '2'.repeat(32),
      aiAuthorName: 'AI Support Agent',
      ...FLEX,
      opencxWebhookSecret: '',
      customerHandoffNote: 'Connecting you with a member of our team.',
      customerHandoffNoteTranslations: { es: 'Un momento.', 'pt-BR': 'Um momento.' },
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
      aiAnswerTimeoutSeconds: 45,
      aiIdleCloseMinutes: 1440,
      customerIdleCloseNote: 'Closed for now: write again any time.',
      aiPeakConversations: 50,
      settingsRevision: SAVED_SETTINGS.revision,
    });
    // Filled when nothing was stored: the save says so; without a revision it asks for no check.
    expect(saveInput(values, FLEX, null).settingsRevision).toBeNull();
    expect(saveInput(values, FLEX)).not.toHaveProperty('settingsRevision');
  });

  it('tells the pool of AI workers a typed peak needs: one per 50 conversations, none while it is invalid', () => {
    expect(['1', '50', ' 51 ', '100', '1000'].map(poolSizeFor)).toEqual([1, 1, 2, 2, 20]);
    expect(['0', '1001', '', '12.5', '-3', 'many'].map(poolSizeFor)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const values = { ...formFrom(SAVED_SETTINGS), aiPeakConversations: '1001' };
    expect(validate(values, SAVED_SETTINGS).fields).toEqual({
      aiPeakConversations: 'Enter a whole number of conversations from 1 to 1000',
    });
    expect(saveInput({ ...values, aiPeakConversations: ' 120 ' }, FLEX).aiPeakConversations).toBe(120);
  });

  it('takes 0 (never) or 10 to 10080 minutes of silence before an AI conversation is closed', () => {
    const values = formFrom(SAVED_SETTINGS);
    const errorFor = (typed: string) => validate({ ...values, aiIdleCloseMinutes: typed }, SAVED_SETTINGS).fields;
    for (const typed of ['0', '10', ' 60 ', '10080']) expect(errorFor(typed)).toEqual({});
    for (const typed of ['9', '10081', '', '30.5', '-10', 'never']) {
      expect(errorFor(typed)).toEqual({
        aiIdleCloseMinutes: 'Enter 0 (never) or a whole number of minutes from 10 to 10080',
      });
    }
    expect(values.aiIdleCloseMinutes).toBe('0');
    expect(saveInput({ ...values, aiIdleCloseMinutes: ' 90 ' }, FLEX).aiIdleCloseMinutes).toBe(90);
    expect(saveInput(values, FLEX).aiIdleCloseMinutes).toBe(0);
  });

  it('keeps the note for a closed silent chat to 160 characters, an emoji counted as one, whatever the minutes', () => {
    const values = formFrom(SAVED_SETTINGS);
    expect(values.customerIdleCloseNote).toBe(
      'We closed this chat because it went quiet. Write to us any time to start a new one.',
    );
    const errorFor = (typed: string, aiIdleCloseMinutes = '60') =>
      validate({ ...values, aiIdleCloseMinutes, customerIdleCloseNote: typed }, SAVED_SETTINGS).fields;
    for (const typed of ['', 'x'.repeat(160), '🙂'.repeat(160), ` ${'x'.repeat(160)} `])
      expect(errorFor(typed)).toEqual({});
    const tooLong = { customerIdleCloseNote: 'Keep the note for a closed silent chat to 160 characters or fewer' };
    expect(errorFor('x'.repeat(161))).toEqual(tooLong);
    expect(errorFor('🙂'.repeat(161))).toEqual(tooLong);
    // Checked while the close is off too: the note is saved either way.
    expect(errorFor('x'.repeat(161), '0')).toEqual(tooLong);
    expect(saveInput({ ...values, customerIdleCloseNote: '🙂'.repeat(160) }, FLEX).customerIdleCloseNote).toBe(
      '🙂'.repeat(160),
    );
  });

  it('names the further keys to keep only when some were saved, so a save never drops keys it did not show', () => {
    expect(saveInput(formFrom(SAVED_SETTINGS), FLEX)).not.toHaveProperty('opencxExtraTokensKept');
    const removedAll = {
      ...formFrom({ ...SAVED_SETTINGS, opencxExtraTokens: [{ id: 'id-two', masked: '••••••••b2b2' }] }),
      keptExtraTokens: [],
    };
    expect(saveInput(removedAll, FLEX)).toMatchObject({ opencxExtraTokensKept: [] });
  });

  it('allows at most 9 further keys, the saved ones kept and the pasted ones together', () => {
    const values = { ...formFrom(SAVED_SETTINGS), keptExtraTokens: ['a', 'b', 'c'] };
    const six = Array.from({ length: 6 }, (_, i) => `ocx_live_${i}`).join(' ');
    expect(validate({ ...values, opencxExtraTokens: six }, SAVED_SETTINGS).fields).toEqual({});
    expect(validate({ ...values, opencxExtraTokens: `${six}, ocx_live_7` }, SAVED_SETTINGS).fields).toEqual({
      opencxExtraTokens: 'At most 9 further keys can be saved',
    });
    // A key pasted twice, or the main key pasted again, counts once or not at all, as the Functions count.
    const again = { ...values, opencxToken: 'ocx_live_main', opencxExtraTokens: `${six} ocx_live_0 ocx_live_main` };
    expect(validate(again, SAVED_SETTINGS).fields).toEqual({});
  });

  it('leaves the token to the server when the saved settings could not be loaded', () => {
    const values = formFrom(UNCONFIGURED);
    expect(hasErrors(validate(values, UNCONFIGURED))).toBe(true);
    expect(hasErrors(validate(values, undefined))).toBe(false);
  });
});
