import { DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE, parseConfig } from '../common/config';
import { OpenCxError } from '../common/opencx-client';
import { adminErrorOf } from './admin-error.testing';
import type { OpenCxOrg } from '../common/opencx-client';
import { keyId } from '../common/opencx-rate-limit';
import {
  aiWorkerAttributes,
  configDocument,
  extraTokenProblem,
  extraTokensToSave,
  formerToRetire,
  organisationOfKeys,
  MAX_EXTRA_TOKENS,
  MAX_FORMER_WORKSPACES,
  MAX_ORG_NAME_LENGTH,
  MAX_TRANSLATIONS_BYTES,
  maskToken,
  missingResource,
  opencxCheckBudgetMs,
  opencxFailure,
  parseSaveForm,
  parseTranslations,
  peakToSave,
  type Provisioned,
  type SaveForm,
  settingsChangedSince,
  settingsRevisionOf,
  settingsView,
  storedPool,
  tokenToSave,
  translationsOverBudget,
  unconfirmedLiveChange,
  workspaceLeft,
} from './settings';

const WS = 'WS' + '1'.repeat(32);
const IS = 'IS' + '2'.repeat(32);
const WQ = 'WQ' + 'a'.repeat(32);
const TOKEN = 'ocx_live_abcdefgh_f3a9';
const WEBHOOK_SECRET = 'whsec_0123456789abcdef';
const OPENCX_WEBHOOK_URL = 'https://acme-1234.twil.io/opencx-webhook';
const NOTE = 'Connecting you with a member of our team.';

/** What Test & Save adds to the form before the document is written. */
const provisioned: Provisioned = {
  opencxToken: TOKEN,
  conversationsServiceSid: IS,
  aiWorkerSids: ['WK1'],
  aiDrainingWorkerSids: [],
  timerWorkspaceSid: 'WS9',
  timerWorkflowSid: 'WW9',
  orgName: 'Acme',
  configVersion: 'v2',
  now: new Date('2026-05-01T10:00:00.000Z'),
};

const form = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  Token: 'flex-token',
  opencxToken: TOKEN,
  workspaceSid: WS,
  conversationsServiceSid: IS,
  aiQueueSid: WQ,
  aiAuthorName: 'Acme Bot',
  ...over,
});

describe('maskToken', () => {
  it('shows only the last 4 characters behind a fixed mask', () => {
    expect(maskToken(TOKEN)).toBe('••••••••f3a9');
  });

  it('shows nothing of a short token and null for none', () => {
    expect(maskToken('abcdefghijk')).toBe('••••••••');
    expect(maskToken(undefined)).toBeNull();
    expect(maskToken('')).toBeNull();
  });
});

describe('unconfirmedLiveChange', () => {
  const stored = { orgId: 'org-1', orgName: 'Acme', workspaceSid: WS };
  const acme = { id: 'org-1', name: 'Acme' };
  const other = { id: 'org-2', name: 'Acme Staging' };

  it('passes a save of the same organisation and workspace, and a first save', () => {
    expect(unconfirmedLiveChange({ workspaceSid: WS, confirmed: [] }, stored, acme)).toBeUndefined();
    expect(unconfirmedLiveChange({ workspaceSid: 'WS' + '9'.repeat(32), confirmed: [] }, {}, other)).toBeUndefined();
  });

  it("refuses another organisation's key until confirmed, naming both organisations", () => {
    expect(unconfirmedLiveChange({ workspaceSid: WS, confirmed: [] }, stored, other)).toMatchObject({
      status: 409,
      code: 'change_not_confirmed',
      field: 'opencxToken',
      message: expect.stringMatching(/^This key is of the OpenCX organisation "Acme Staging", not of "Acme"/),
    });
    expect(unconfirmedLiveChange({ workspaceSid: WS, confirmed: ['organisation'] }, stored, other)).toBeUndefined();
    // Without the saved organisation's name, never its id.
    const unnamed = unconfirmedLiveChange({ workspaceSid: WS, confirmed: [] }, { orgId: 'org-1' }, other);
    expect(unnamed?.message).toMatch(/not of the organisation the settings are saved with/);
    expect(unnamed?.message).not.toContain('org-1');
  });

  it('refuses another workspace until confirmed, naming the one the AI leaves', () => {
    const elsewhere = 'WS' + '9'.repeat(32);
    expect(unconfirmedLiveChange({ workspaceSid: elsewhere, confirmed: ['organisation'] }, stored, acme)).toMatchObject(
      { status: 409, code: 'change_not_confirmed', field: 'workspaceSid', message: expect.stringContaining(WS) },
    );
    expect(unconfirmedLiveChange({ workspaceSid: elsewhere, confirmed: ['workspace'] }, stored, acme)).toBeUndefined();
  });

  it('refuses another Conversations service until confirmed: the AI would not hear its customers there', () => {
    const withService = { ...stored, conversationsServiceSid: 'IS' + '1'.repeat(32) };
    const other = 'IS' + '2'.repeat(32);
    const form = (confirmed: ('organisation' | 'workspace' | 'service')[]) => ({
      workspaceSid: WS,
      conversationsServiceSid: other,
      confirmed,
    });
    expect(unconfirmedLiveChange(form([]), withService, acme)).toMatchObject({
      status: 409,
      code: 'change_not_confirmed',
      field: 'conversationsServiceSid',
      message: expect.stringMatching(new RegExp(`^The AI leaves Conversations service IS1{32} for ${other}`)),
    });
    expect(unconfirmedLiveChange(form(['service']), withService, acme)).toBeUndefined();
    expect(
      unconfirmedLiveChange(
        { ...form([]), conversationsServiceSid: withService.conversationsServiceSid },
        withService,
        acme,
      ),
    ).toBeUndefined();
    // Settings saved before the service was stored: nothing to leave.
    expect(unconfirmedLiveChange(form([]), stored, acme)).toBeUndefined();
  });
});

describe('parseSaveForm', () => {
  it('reads a complete form, trimmed', () => {
    expect(parseSaveForm(form({ opencxToken: ` ${TOKEN} `, aiAuthorName: ' Acme Bot ' }))).toEqual({
      opencxToken: TOKEN,
      opencxExtraTokens: [],
      workspaceSid: WS,
      conversationsServiceSid: IS,
      aiQueueSid: WQ,
      aiAuthorName: 'Acme Bot',
      opencxWebhookSecret: undefined,
      customerHandoffNote: undefined,
      customerHandoffNoteTranslations: undefined,
      aiAnswerTimeoutSeconds: undefined,
      aiPeakConversations: undefined,
      confirmed: [],
    });
  });

  it('reads the webhook secret, the handoff note, its translations and the AI answer timeout', () => {
    const parsed = parseSaveForm(
      form({
        opencxWebhookSecret: ` ${WEBHOOK_SECRET} `,
        customerHandoffNote: ' One moment, please. ',
        customerHandoffNoteTranslations: '{"es-mx": "Un momento.", "FR": " Un instant. "}',
        aiAnswerTimeoutSeconds: ' 90 ',
      }),
    );
    expect(parsed).toMatchObject({
      opencxWebhookSecret: WEBHOOK_SECRET,
      customerHandoffNote: 'One moment, please.',
      customerHandoffNoteTranslations: { 'es-MX': 'Un momento.', fr: 'Un instant.' },
      aiAnswerTimeoutSeconds: 90,
    });
  });

  // A blank secret or timeout keeps the stored one.
  it('tells blank note and translations (none) from absent ones (keep the stored)', () => {
    expect(parseSaveForm(form({ customerHandoffNote: '  ', customerHandoffNoteTranslations: '' }))).toMatchObject({
      customerHandoffNote: '',
      customerHandoffNoteTranslations: {},
    });
    expect(parseSaveForm(form({ opencxWebhookSecret: ' ', aiAnswerTimeoutSeconds: '' }))).toMatchObject({
      opencxWebhookSecret: undefined,
      aiAnswerTimeoutSeconds: undefined,
    });
  });

  it.each(['1', ' 120 ', '1000'])('accepts the peak of concurrent AI conversations %j', (peak) => {
    expect(parseSaveForm(form({ aiPeakConversations: peak })).aiPeakConversations).toBe(Number(peak));
    expect(parseSaveForm(form({ aiPeakConversations: '' })).aiPeakConversations).toBeUndefined();
  });

  it.each(['0', '10', ' 60 ', '10080'])('accepts closing silent AI conversations after %j minutes', (minutes) => {
    expect(parseSaveForm(form({ aiIdleCloseMinutes: minutes })).aiIdleCloseMinutes).toBe(Number(minutes));
    expect(parseSaveForm(form({ aiIdleCloseMinutes: '' })).aiIdleCloseMinutes).toBeUndefined();
  });

  it.each(['15', '600'])('accepts the AI answer timeout bound %s', (seconds) => {
    expect(parseSaveForm(form({ aiAnswerTimeoutSeconds: seconds })).aiAnswerTimeoutSeconds).toBe(Number(seconds));
  });

  it('accepts a handoff note of exactly 320 characters', () => {
    expect(parseSaveForm(form({ customerHandoffNote: 'x'.repeat(320) })).customerHandoffNote).toHaveLength(320);
  });

  // As the settings view counts them: 320 emoji are 640 UTF-16 units.
  it('counts the note in characters (code points), an emoji as one, as the settings view does', () => {
    expect(parseSaveForm(form({ customerHandoffNote: '🙂'.repeat(320) })).customerHandoffNote).toBe('🙂'.repeat(320));
    expect(adminErrorOf(() => parseSaveForm(form({ customerHandoffNote: '🙂'.repeat(321) })))).toMatchObject({
      status: 400,
      field: 'customerHandoffNote',
      message: 'The handoff note must be at most 320 characters',
    });
    expect(parseTranslations(JSON.stringify({ es: '🙏'.repeat(320) })).es).toBe('🙏'.repeat(320));
    expect(adminErrorOf(() => parseTranslations(JSON.stringify({ es: '👋🏽'.repeat(161) }))).message).toBe(
      'The handoff note for "es" must be at most 320 characters',
    );
  });

  it('reads the handback note and its translations as the handoff note: blank is none, absent keeps the stored', () => {
    expect(
      parseSaveForm(
        form({
          customerHandbackNote: ' Hi again. ',
          customerHandbackNoteTranslations: '{"es-mx": " Hola de nuevo. "}',
        }),
      ),
    ).toMatchObject({
      customerHandbackNote: 'Hi again.',
      customerHandbackNoteTranslations: { 'es-MX': 'Hola de nuevo.' },
    });
    expect(parseSaveForm(form({ customerHandbackNote: ' ', customerHandbackNoteTranslations: '' }))).toMatchObject({
      customerHandbackNote: '',
      customerHandbackNoteTranslations: {},
    });
    const absent = parseSaveForm(form());
    expect(absent.customerHandbackNote).toBeUndefined();
    expect(absent.customerHandbackNoteTranslations).toBeUndefined();
  });

  it('counts the handback note in code points too, and names it and its field when it is too long', () => {
    expect(parseSaveForm(form({ customerHandbackNote: '🙂'.repeat(320) })).customerHandbackNote).toBe('🙂'.repeat(320));
    expect(adminErrorOf(() => parseSaveForm(form({ customerHandbackNote: '🙂'.repeat(321) })))).toMatchObject({
      status: 400,
      field: 'customerHandbackNote',
      message: 'The handback note must be at most 320 characters',
    });
    expect(
      adminErrorOf(() =>
        parseSaveForm(form({ customerHandbackNoteTranslations: JSON.stringify({ es: '👋🏽'.repeat(161) }) })),
      ),
    ).toMatchObject({
      field: 'customerHandbackNoteTranslations',
      message: 'The handback note for "es" must be at most 320 characters',
    });
  });

  it('reads the closed-chat note: trimmed, blank is none, absent keeps the stored, 160 code points', () => {
    expect(parseSaveForm(form({ customerIdleCloseNote: ' Closed. ' })).customerIdleCloseNote).toBe('Closed.');
    expect(parseSaveForm(form({ customerIdleCloseNote: ' ' })).customerIdleCloseNote).toBe('');
    expect(parseSaveForm(form()).customerIdleCloseNote).toBeUndefined();
    expect(parseSaveForm(form({ customerIdleCloseNote: '🙂'.repeat(160) })).customerIdleCloseNote).toBe(
      '🙂'.repeat(160),
    );
    expect(adminErrorOf(() => parseSaveForm(form({ customerIdleCloseNote: '🙂'.repeat(161) })))).toMatchObject({
      status: 400,
      field: 'customerIdleCloseNote',
      message: 'The note for a closed silent chat must be at most 160 characters',
    });
  });

  it('never repeats a refused webhook secret in the message', () => {
    const secret = 'whsec_with space';
    const error = adminErrorOf(() => parseSaveForm(form({ opencxWebhookSecret: secret })));
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', field: 'opencxWebhookSecret' });
    expect(JSON.stringify(error.toBody()) + String(error.detail)).not.toContain('whsec_');
  });

  it('leaves out a blank or missing token (keep the saved one) and queue, and defaults the author name', () => {
    for (const blank of [undefined, '', '   ']) {
      expect(parseSaveForm(form({ opencxToken: blank, aiQueueSid: blank, aiAuthorName: blank }))).toEqual({
        opencxToken: undefined,
        opencxExtraTokens: [],
        workspaceSid: WS,
        conversationsServiceSid: IS,
        aiQueueSid: undefined,
        aiAuthorName: 'AI Support Agent',
        opencxWebhookSecret: undefined,
        customerHandoffNote: undefined,
        customerHandoffNoteTranslations: undefined,
        aiAnswerTimeoutSeconds: undefined,
        aiPeakConversations: undefined,
        confirmed: [],
      });
    }
  });

  it('reads the live changes confirmed, and refuses one it does not know', () => {
    expect(parseSaveForm(form({ confirmChange: ' organisation, workspace ' })).confirmed).toEqual([
      'organisation',
      'workspace',
    ]);
    expect(() => parseSaveForm(form({ confirmChange: 'everything' }))).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_input', field: 'confirmChange' }),
    );
  });

  it.each([
    ['workspaceSid', undefined],
    ['workspaceSid', 'WS123'],
    ['workspaceSid', IS],
    ['conversationsServiceSid', 'IS' + 'z'.repeat(32)],
    ['aiQueueSid', 'WW' + 'a'.repeat(32)],
    ['workflowSid', 'WQ' + 'a'.repeat(32)],
    ['aiAuthorName', 'Acme\nBot'],
    ['aiAuthorName', 'Acme\rBot'],
    ['aiAuthorName', 'x'.repeat(65)],
    ['aiAuthorName', 'system'],
    ['aiAuthorName', '+15550001234'],
    ['aiAuthorName', '(555) 000-1234'],
    ['aiAuthorName', 'whatsapp:+15550001234'],
    ['aiAuthorName', 'messenger:1234567'],
    ['opencxToken', 'two words'],
    ['opencxToken', 'x'.repeat(513)],
    ['opencxToken', ['a', 'b']],
    ['opencxWebhookSecret', 'two words'],
    ['opencxWebhookSecret', 'x'.repeat(513)],
    ['opencxToken', 'ocx_live_\u200bk1'],
    ['opencxToken', 'ocx_live_\u00e9k1'],
    ['opencxWebhookSecret', 'whsec_\u200d1'],
    ['opencxExtraTokens', 'ocx_live_k2 ocx_live_\u200bk3'],
    ['customerHandoffNote', 'x'.repeat(321)],
    ['customerHandoffNote', ['a', 'b']],
    ['customerHandoffNoteTranslations', 'not json'],
    ['customerHandoffNoteTranslations', '["es"]'],
    ['customerHandoffNoteTranslations', '{"es_MX": "Hola"}'],
    ['customerHandoffNoteTranslations', '{"es": 5}'],
    ['customerHandoffNoteTranslations', `{"es": "${'x'.repeat(321)}"}`],
    ['customerHandoffNoteTranslations', '{"es-mx": "a", "es-MX": "b"}'],
    ['customerHandbackNote', 'x'.repeat(321)],
    ['customerHandbackNote', ['a', 'b']],
    ['customerHandbackNoteTranslations', 'not json'],
    ['customerHandbackNoteTranslations', '{"es_MX": "Hola"}'],
    ['customerHandbackNoteTranslations', `{"es": "${'x'.repeat(321)}"}`],
    ['customerIdleCloseNote', 'x'.repeat(161)],
    ['customerIdleCloseNote', ['a', 'b']],
    ['aiAnswerTimeoutSeconds', '14'],
    ['aiAnswerTimeoutSeconds', '601'],
    ['aiAnswerTimeoutSeconds', '60.5'],
    ['aiAnswerTimeoutSeconds', 'sixty'],
    ['aiAnswerTimeoutSeconds', '-60'],
    ['aiIdleCloseMinutes', '9'],
    ['aiIdleCloseMinutes', '10081'],
    ['aiIdleCloseMinutes', '30.5'],
    ['aiIdleCloseMinutes', 'an hour'],
    ['aiIdleCloseMinutes', '-30'],
    ['aiPeakConversations', '0'],
    ['aiPeakConversations', '1001'],
    ['aiPeakConversations', '99.5'],
    ['aiPeakConversations', 'many'],
    ['aiPeakConversations', '-5'],
  ])('refuses %s = %j with a 400 on that field', (field, value) => {
    const error = adminErrorOf(() => parseSaveForm(form({ [field]: value })));
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', field });
    expect(error.message).not.toBe('');
  });

  it('accepts an author name of exactly 64 characters', () => {
    expect(parseSaveForm(form({ aiAuthorName: 'x'.repeat(64) })).aiAuthorName).toHaveLength(64);
    // A name that only looks like an address is a name.
    expect(parseSaveForm(form({ aiAuthorName: 'Acme: Assistant 24/7' })).aiAuthorName).toBe('Acme: Assistant 24/7');
  });
});

const workerSids = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => 'WK' + String(i).padStart(32, '0'));

describe('parseTranslations', () => {
  it('names the offending language tag', () => {
    expect(adminErrorOf(() => parseTranslations('{"es_MX": "Hola"}')).message).toBe(
      '"es_MX" is not a BCP-47 language tag such as "es" or "pt-BR"',
    );
    expect(adminErrorOf(() => parseTranslations(`{"de": "${'x'.repeat(321)}"}`)).message).toBe(
      'The handoff note for "de" must be at most 320 characters',
    );
  });

  it('refuses translations too long together to fit in one Sync document with the other fields at their worst', () => {
    const languages = [
      'de',
      'es',
      'fr',
      'it',
      'ja',
      'ko',
      'nl',
      'pl',
      'pt',
      'ru',
      'sv',
      'tr',
      'uk',
      'vi',
      'zh',
      'ar',
      'cs',
      'da',
      'el',
      'fi',
    ];
    const translations = (count: number) =>
      JSON.stringify(Object.fromEntries(languages.slice(0, count).map((tag) => [tag, '日'.repeat(320)])));
    expect(adminErrorOf(() => parseTranslations(translations(20)))).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field: 'customerHandoffNoteTranslations',
    });
    // As many notes of the longest kind as the limit lets through.
    const fits = (n: number) => {
      try {
        parseTranslations(translations(n));
        return true;
      } catch {
        return false;
      }
    };
    let count = 1;
    while (count < languages.length && fits(count + 1)) count += 1;
    const accepted = parseTranslations(translations(count));
    const worstCase = configDocument(
      parseSaveForm(
        form({
          opencxToken: 'k'.repeat(512),
          opencxWebhookSecret: 's'.repeat(512),
          // Four UTF-8 bytes a character: the longest note the character count lets through.
          customerHandoffNote: '🙂'.repeat(320),
          customerHandbackNote: '🙂'.repeat(320),
          customerIdleCloseNote: '🙂'.repeat(160),
          aiAuthorName: '日'.repeat(64),
          aiPeakConversations: '1000',
          aiQueueSid: 'WQ' + '3'.repeat(32),
          workflowSid: 'WW' + '4'.repeat(32),
        }),
      ),
      // A save leaving a workspace, with as many left earlier as are remembered.
      { aiQueueCreatedSid: 'WQ' + '3'.repeat(32), workspaceSid: 'WS' + '5'.repeat(32) },
      // The largest pool (1,000 conversations: 20 workers), draining a pool as large, and every further key.
      {
        aiFormerWorkspaceSids: Array.from({ length: MAX_FORMER_WORKSPACES }, (_, i) => `WS${i}`.padEnd(34, '6')),
        opencxToken: 'k'.repeat(512),
        opencxExtraTokens: Array.from({ length: MAX_EXTRA_TOKENS }, (_, i) => `${i}`.repeat(100)),
        conversationsServiceSid: IS,
        aiWorkerSids: workerSids(20),
        aiDrainingWorkerSids: workerSids(20),
        timerWorkspaceSid: WS,
        timerWorkflowSid: 'WW' + '0'.repeat(32),
        orgName: 'A'.repeat(MAX_ORG_NAME_LENGTH),
        configVersion: 'mixu1b2c3d4',
        now: new Date(),
      },
    );
    expect(
      Buffer.byteLength(JSON.stringify({ ...worstCase, customerHandoffNoteTranslations: accepted })),
    ).toBeLessThanOrEqual(16 * 1024);
    // Not only these notes: any translations up to the budget, which replace the two empty objects.
    expect(Buffer.byteLength(JSON.stringify(worstCase)) - 4 + MAX_TRANSLATIONS_BYTES).toBeLessThanOrEqual(16 * 1024);
  });

  it('keeps an empty note for a language: no note for customers writing in it', () => {
    expect(parseTranslations('{"es": ""}')).toEqual({ es: '' });
  });
});

describe('tokenToSave', () => {
  const parsed = (over: Record<string, unknown> = {}): SaveForm => parseSaveForm(form(over));

  it('takes the posted token over the saved one', () => {
    expect(tokenToSave(parsed(), { opencxToken: 'ocx_live_old' })).toBe(TOKEN);
  });

  it('keeps the saved token when none is posted', () => {
    expect(tokenToSave(parsed({ opencxToken: '' }), { opencxToken: 'ocx_live_old' })).toBe('ocx_live_old');
  });

  it('asks for a token when none is posted nor saved', () => {
    expect(adminErrorOf(() => tokenToSave(parsed({ opencxToken: '' }), {}))).toMatchObject({
      status: 400,
      field: 'opencxToken',
      message: 'Enter the OpenCX API key',
    });
  });
});

describe('the workflow and the Conversations service', () => {
  const WW = 'WW' + 'b'.repeat(32);

  it("takes an optional workflow, stores it and shows it; without a Conversations service, takes Flex's", () => {
    const parsed = parseSaveForm(form({ workflowSid: ` ${WW} `, conversationsServiceSid: '' }));
    expect(parsed).toMatchObject({ workflowSid: WW, conversationsServiceSid: undefined });
    const document = configDocument(parsed, {}, provisioned);
    expect(document).toMatchObject({ workflowSid: WW, conversationsServiceSid: IS });
    expect(settingsView(document, OPENCX_WEBHOOK_URL).workflowSid).toBe(WW);
    expect(configDocument(parseSaveForm(form()), document, provisioned)).not.toHaveProperty('workflowSid');
  });

  it('refuses a workflow that is not in the workspace, on its field', () => {
    expect(
      missingResource(parseSaveForm(form({ workflowSid: WW })), {
        workspace: true,
        workflow: false,
        conversationsService: true,
      }),
    ).toMatchObject({
      status: 400,
      code: 'not_found',
      field: 'workflowSid',
    });
  });
});

describe('configDocument and settingsView', () => {
  const firstSave = (over: Record<string, unknown> = {}) => configDocument(parseSaveForm(form(over)), {}, provisioned);

  // A first save's defaults: the handoff note and the answer timeout.
  it('stores exactly what parseConfig reads, plus orgName and updatedAt; a first save gets the defaults', () => {
    const document = firstSave({ opencxWebhookSecret: WEBHOOK_SECRET });
    const bridgeConfig = {
      opencxToken: TOKEN,
      workspaceSid: WS,
      aiWorkerSid: 'WK1',
      aiWorkerSids: ['WK1'],
      aiDrainingWorkerSids: [],
      aiPeakConversations: 50,
      conversationsServiceSid: IS,
      aiAuthorName: 'Acme Bot',
      aiQueueSid: WQ,
      opencxWebhookSecret: WEBHOOK_SECRET,
      customerHandoffNote: NOTE,
      customerHandoffNoteTranslations: {},
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
      customerIdleCloseNote: 'We closed this chat because it went quiet. Write to us any time to start a new one.',
      aiAnswerTimeoutSeconds: 60,
      aiIdleCloseMinutes: 0,
      timerWorkspaceSid: 'WS9',
      timerWorkflowSid: 'WW9',
      configVersion: 'v2',
    };
    expect(document).toEqual({ ...bridgeConfig, orgName: 'Acme', updatedAt: '2026-05-01T10:00:00.000Z' });
    expect(parseConfig(document)).toEqual(bridgeConfig);
  });

  it('stores the peak asked for and the pool it was sized to; a save without a peak keeps the stored one', () => {
    const stored = configDocument(
      parseSaveForm(form({ aiPeakConversations: '120' })),
      {},
      { ...provisioned, aiWorkerSids: ['WK1', 'WK2', 'WK3'], aiDrainingWorkerSids: ['WK4'] },
    );
    expect(stored).toMatchObject({
      aiPeakConversations: 120,
      aiWorkerSid: 'WK1',
      aiWorkerSids: ['WK1', 'WK2', 'WK3'],
      aiDrainingWorkerSids: ['WK4'],
    });
    expect(peakToSave(parseSaveForm(form()), stored)).toBe(120);
    expect(peakToSave(parseSaveForm(form({ aiPeakConversations: '40' })), stored)).toBe(40);
    expect(peakToSave(parseSaveForm(form()), {})).toBe(50);
    expect(settingsView(stored, OPENCX_WEBHOOK_URL)).toMatchObject({
      aiPeakConversations: 120,
      aiWorkerSids: ['WK1', 'WK2', 'WK3'],
    });
  });

  it('reads the stored pool, and settings saved before the pool as a pool of their one worker', () => {
    expect(storedPool({ aiWorkerSid: 'WK1', aiWorkerSids: ['WK1', 'WK2'], aiDrainingWorkerSids: ['WK3'] })).toEqual({
      pool: ['WK1', 'WK2'],
      draining: ['WK3'],
    });
    expect(storedPool({ aiWorkerSid: 'WK1' })).toEqual({ pool: ['WK1'], draining: [] });
    expect(storedPool({})).toEqual({ pool: [], draining: [] });
  });

  describe('a save that changes the workspace', () => {
    const OTHER = 'WS' + '9'.repeat(32);
    const EARLIER = 'WS' + '8'.repeat(32);
    const inOther = { workspaceSid: OTHER, aiWorkerSids: ['WK1', 'WK2'], aiDrainingWorkerSids: ['WK3'] };

    it('names the workspace it leaves with the AI workers the settings named there, first of the former', () => {
      expect(workspaceLeft(inOther, WS)).toEqual({ workspaceSid: OTHER, workerSids: ['WK1', 'WK2', 'WK3'] });
      expect(workspaceLeft(inOther, OTHER)).toBeUndefined();
      expect(workspaceLeft({}, WS)).toBeUndefined();
      const document = configDocument(parseSaveForm(form()), inOther, {
        ...provisioned,
        aiFormerWorkspaceSids: [EARLIER],
      });
      expect(document.aiFormerWorkspaceSids).toEqual([OTHER, EARLIER]);
      expect(configDocument(parseSaveForm(form()), { ...inOther, workspaceSid: WS }, provisioned)).not.toHaveProperty(
        'aiFormerWorkspaceSids',
      );
    });

    it('retires the workspaces left earlier, except the one saved: its AI workers are the pool again', () => {
      const stored = { ...inOther, aiFormerWorkspaceSids: [EARLIER, WS] };
      expect(formerToRetire(stored, WS)).toEqual([EARLIER]);
      expect(formerToRetire({}, WS)).toEqual([]);
    });

    it(`remembers at most ${MAX_FORMER_WORKSPACES} workspaces, forgetting the oldest`, () => {
      const earlier = Array.from({ length: MAX_FORMER_WORKSPACES }, (_, i) => `WS${i}`.padEnd(34, '0'));
      const document = configDocument(parseSaveForm(form()), inOther, {
        ...provisioned,
        aiFormerWorkspaceSids: earlier,
      });
      expect(document.aiFormerWorkspaceSids).toEqual([OTHER, ...earlier.slice(0, -1)]);
    });
  });

  it('leaves the queue and the secret out when none was given or saved', () => {
    expect(firstSave({ aiQueueSid: '' })).not.toHaveProperty('aiQueueSid');
    expect(firstSave()).not.toHaveProperty('opencxWebhookSecret');
  });

  it('keeps the stored secret, note, translations and timeout when the form leaves them out', () => {
    const stored = firstSave({
      opencxWebhookSecret: WEBHOOK_SECRET,
      customerHandoffNote: '',
      customerHandoffNoteTranslations: '{"es": "Un momento."}',
      aiAnswerTimeoutSeconds: '120',
      aiIdleCloseMinutes: '45',
    });
    expect(stored).toMatchObject({
      customerHandoffNote: '',
      customerHandoffNoteTranslations: { es: 'Un momento.' },
      aiAnswerTimeoutSeconds: 120,
      aiIdleCloseMinutes: 45,
    });
    const next = configDocument(parseSaveForm(form({ opencxWebhookSecret: '' })), stored, {
      ...provisioned,
      configVersion: 'v3',
    });
    expect(next).toMatchObject({
      opencxWebhookSecret: WEBHOOK_SECRET,
      customerHandoffNote: '',
      customerHandoffNoteTranslations: { es: 'Un momento.' },
      aiAnswerTimeoutSeconds: 120,
      aiIdleCloseMinutes: 45,
      configVersion: 'v3',
    });
    const replaced = configDocument(
      parseSaveForm(
        form({
          opencxWebhookSecret: 'whsec_new',
          customerHandoffNote: 'Hold on.',
          customerHandoffNoteTranslations: '',
        }),
      ),
      stored,
      provisioned,
    );
    expect(replaced).toMatchObject({
      opencxWebhookSecret: 'whsec_new',
      customerHandoffNote: 'Hold on.',
      customerHandoffNoteTranslations: {},
    });
  });

  it('shows a saved document with the token masked, whether a webhook secret is saved, and never either secret', () => {
    const view = settingsView(firstSave({ opencxWebhookSecret: WEBHOOK_SECRET }), OPENCX_WEBHOOK_URL);
    expect(view).toEqual({
      configured: true,
      opencxTokenMasked: '••••••••f3a9',
      opencxExtraTokens: [],
      opencxWebhookSecretSet: true,
      opencxWebhookUrl: OPENCX_WEBHOOK_URL,
      customerHandoffNote: NOTE,
      customerHandoffNoteTranslations: {},
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
      customerIdleCloseNote: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
      aiAnswerTimeoutSeconds: 60,
      aiIdleCloseMinutes: 0,
      workspaceSid: WS,
      conversationsServiceSid: IS,
      aiQueueSid: WQ,
      workflowSid: null,
      aiAuthorName: 'Acme Bot',
      aiWorkerSid: 'WK1',
      aiPeakConversations: 50,
      aiWorkerSids: ['WK1'],
      orgName: 'Acme',
      updatedAt: '2026-05-01T10:00:00.000Z',
      revision: null,
    });
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    expect(JSON.stringify(view)).not.toContain(WEBHOOK_SECRET);
  });

  it('shows an incomplete document as not configured, with the defaults', () => {
    expect(settingsView({ opencxToken: TOKEN, workspaceSid: WS }, OPENCX_WEBHOOK_URL)).toMatchObject({
      configured: false,
      opencxTokenMasked: '••••••••f3a9',
      opencxWebhookSecretSet: false,
      aiWorkerSid: null,
      aiWorkerSids: [],
      aiPeakConversations: 50,
      aiAuthorName: 'AI Support Agent',
      customerHandoffNote: NOTE,
      customerHandoffNoteTranslations: {},
      aiAnswerTimeoutSeconds: 60,
    });
  });
});

describe('the handback note in the stored settings', () => {
  const save = (over: Record<string, unknown>, stored = {}) =>
    configDocument(parseSaveForm(form(over)), stored, provisioned);

  it('gets its default on a first save, keeps the stored one when the form leaves it out, stores "" (no note)', () => {
    expect(save({})).toMatchObject({
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
    });
    const stored = save({ customerHandbackNote: '', customerHandbackNoteTranslations: '{"es": "Hola de nuevo."}' });
    expect(stored).toMatchObject({
      customerHandbackNote: '',
      customerHandbackNoteTranslations: { es: 'Hola de nuevo.' },
    });
    expect(save({}, stored)).toMatchObject({
      customerHandbackNote: '',
      customerHandbackNoteTranslations: { es: 'Hola de nuevo.' },
    });
  });

  it('shows settings saved before the handback note with its default', () => {
    const older = save({});
    const { customerHandbackNote: _note, customerHandbackNoteTranslations: _translations, ...before } = older;
    expect(settingsView(before, OPENCX_WEBHOOK_URL)).toMatchObject({
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
    });
    expect(parseConfig(before)?.customerHandbackNote).toBe("You're chatting with our AI assistant again.");
  });

  it('keeps the note for a closed silent chat a save leaves out, and shows older settings with its default', () => {
    const stored = save({ customerIdleCloseNote: 'Closed for now.' });
    expect(save({}, stored).customerIdleCloseNote).toBe('Closed for now.');
    expect(save({ customerIdleCloseNote: '' }, stored).customerIdleCloseNote).toBe('');
    const { customerIdleCloseNote: _note, ...before } = stored;
    expect(settingsView(before, OPENCX_WEBHOOK_URL).customerIdleCloseNote).toBe(DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE);
  });

  it("shares the translations' budget between the two notes, the stored ones counted when the form omits them", () => {
    const half = (tag: string) => JSON.stringify({ [tag]: '日'.repeat(320), [`${tag}-CH`]: '日'.repeat(320) });
    const big = (n: number) =>
      JSON.stringify(
        Object.fromEntries(['de', 'fr', 'it', 'es', 'pt'].slice(0, n).map((tag) => [tag, '日'.repeat(320)])),
      );
    const handoff = parseSaveForm(form({ customerHandoffNoteTranslations: big(5) }));
    expect(translationsOverBudget(handoff, {})).toBeUndefined();
    const both = parseSaveForm(
      form({ customerHandoffNoteTranslations: big(5), customerHandbackNoteTranslations: big(5) }),
    );
    expect(translationsOverBudget(both, {})).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field: 'customerHandbackNoteTranslations',
    });
    const stored = { customerHandbackNoteTranslations: parseTranslations(big(5), 'customerHandbackNoteTranslations') };
    expect(translationsOverBudget(handoff, stored)).toMatchObject({ field: 'customerHandoffNoteTranslations' });
    expect(
      translationsOverBudget(parseSaveForm(form({ customerHandoffNoteTranslations: half('nl') })), stored),
    ).toBeUndefined();
  });
});

describe("the organisation's further OpenCX keys", () => {
  const TWO = 'ocx_live_second_key_b2b2';
  const THREE = 'ocx_live_third_key_c3c3';
  const stored = { opencxToken: TOKEN, opencxExtraTokens: [TWO] };
  const ACME: OpenCxOrg = { id: 'org-1', name: 'Acme' };

  it('reads pasted keys separated by spaces, commas or line breaks, and which saved ones to keep', () => {
    expect(parseSaveForm(form({ opencxExtraTokens: ` ${TWO},\n${THREE} ` }))).toMatchObject({
      opencxExtraTokens: [TWO, THREE],
    });
    expect(parseSaveForm(form())).not.toHaveProperty('opencxExtraTokensKept');
    expect(parseSaveForm(form({ opencxExtraTokensKept: '' }))).toMatchObject({ opencxExtraTokensKept: [] });
    expect(parseSaveForm(form({ opencxExtraTokensKept: 'a1, b2' }))).toMatchObject({
      opencxExtraTokensKept: ['a1', 'b2'],
    });
  });

  it('refuses a key pasted with an invisible character, naming the cause, without repeating it', () => {
    const pasted = 'ocx_live_\u200bsecretpart';
    const error = adminErrorOf(() => parseSaveForm(form({ opencxToken: pasted })));
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', field: 'opencxToken' });
    expect(error.message).toContain('invisible');
    expect(JSON.stringify(error.toBody())).not.toContain('secretpart');
  });

  it('refuses a pasted key too long to be one, without repeating it', () => {
    const long = 'ocx_live_' + 'x'.repeat(200);
    const error = adminErrorOf(() => parseSaveForm(form({ opencxExtraTokens: long })));
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', field: 'opencxExtraTokens' });
    expect(JSON.stringify(error.toBody())).not.toContain(long);
  });

  it('keeps the saved keys unless the form names which to keep, adds the new ones, once, never the main key', () => {
    const save = (over: Record<string, unknown>) => extraTokensToSave(parseSaveForm(form(over)), stored, TOKEN);
    expect(save({})).toEqual([TWO]);
    expect(save({ opencxExtraTokens: `${THREE} ${TWO} ${TOKEN}` })).toEqual([TWO, THREE]);
    expect(save({ opencxExtraTokensKept: '' })).toEqual([]);
    expect(save({ opencxExtraTokensKept: keyId(TWO), opencxExtraTokens: THREE })).toEqual([TWO, THREE]);
    expect(save({ opencxExtraTokensKept: 'unknown', opencxExtraTokens: THREE })).toEqual([THREE]);
  });

  it(`saves at most ${MAX_EXTRA_TOKENS} further keys`, () => {
    const many = Array.from({ length: MAX_EXTRA_TOKENS + 1 }, (_, i) => `ocx_live_key_${i}_abcdef`).join(' ');
    expect(
      adminErrorOf(() => extraTokensToSave(parseSaveForm(form({ opencxExtraTokens: many })), {}, TOKEN)),
    ).toMatchObject({
      status: 400,
      field: 'opencxExtraTokens',
    });
  });

  it('accepts keys of the main key’s organisation only, naming a bad key by its masked hint', () => {
    expect(extraTokenProblem(ACME, [{ token: TWO, org: ACME }])).toBeUndefined();
    const other = extraTokenProblem(ACME, [
      { token: TWO, org: ACME },
      { token: THREE, org: { id: 'org-2', name: 'Globex' } },
    ]);
    expect(other?.toBody()).toEqual({
      ok: false,
      error: {
        code: 'opencx_other_organisation',
        message: expect.stringContaining('••••••••c3c3'),
        field: 'opencxExtraTokens',
      },
    });
    expect(other?.message).toMatch(/"Globex", not "Acme"/);
    const rejected = extraTokenProblem(ACME, [{ token: THREE, error: new OpenCxError('answered 401', 401) }]);
    expect(rejected?.toBody()).toEqual({
      ok: false,
      error: {
        code: 'opencx_token_rejected',
        message: 'OpenCX rejected the further key ••••••••c3c3',
        field: 'opencxExtraTokens',
      },
    });
    expect(extraTokenProblem(ACME, [{ token: THREE, error: new OpenCxError('answered 503', 503) }])).toMatchObject({
      status: 502,
      code: 'opencx_unavailable',
    });
    for (const problem of [other, rejected]) expect(JSON.stringify(problem?.toBody())).not.toContain(THREE);
  });

  it('names a further key OpenCX is rate-limiting, on its field', () => {
    const limited = extraTokenProblem(ACME, [{ token: THREE, error: new OpenCxError('answered 429', 429) }]);
    expect(limited?.toBody()).toEqual({
      ok: false,
      error: {
        code: 'opencx_unavailable',
        message: expect.stringMatching(
          /^OpenCX is rate-limiting the further key ••••••••c3c3 \(429\).*nothing was saved/,
        ),
        field: 'opencxExtraTokens',
      },
    });
  });

  describe('a saved key OpenCX is rate-limiting', () => {
    const limited = (token: string) => ({ token, error: new OpenCxError('answered 429', 429) });
    const known = { ...stored, orgId: ACME.id, orgName: ACME.name };

    it('is taken to be of the stored organisation, and counted as unchecked: the save goes on', () => {
      expect(organisationOfKeys(limited(TOKEN), [limited(TWO)], known)).toEqual({ org: ACME, unchecked: 2 });
      expect(organisationOfKeys({ token: TOKEN, org: ACME }, [limited(TWO)], known)).toEqual({
        org: ACME,
        unchecked: 1,
      });
      expect(organisationOfKeys({ token: TOKEN, org: ACME }, [{ token: TWO, org: ACME }], known)).toEqual({
        org: ACME,
        unchecked: 0,
      });
    });

    it("is not taken to be of the main key's organisation when that is another", () => {
      const globex = { id: 'org-2', name: 'Globex' };
      expect(
        adminErrorOf(() => organisationOfKeys({ token: 'ocx_live_new_main_e5e5', org: globex }, [limited(TWO)], known)),
      ).toMatchObject({ code: 'opencx_unavailable', field: 'opencxExtraTokens' });
    });

    it('still has a new further key checked against the stored organisation', () => {
      expect(organisationOfKeys(limited(TOKEN), [{ token: THREE, org: ACME }], known)).toEqual({
        org: ACME,
        unchecked: 1,
      });
      expect(
        adminErrorOf(() =>
          organisationOfKeys(limited(TOKEN), [{ token: THREE, org: { id: 'org-2', name: 'Globex' } }], known),
        ),
      ).toMatchObject({ code: 'opencx_other_organisation', field: 'opencxExtraTokens' });
    });

    it.each([
      ['a new main key', limited('ocx_live_new_main_e5e5'), [], known, 'opencx_unavailable', undefined],
      [
        'a new further key',
        { token: TOKEN, org: ACME },
        [limited(THREE)],
        known,
        'opencx_unavailable',
        'opencxExtraTokens',
      ],
      ['settings saved without the organisation id', limited(TOKEN), [], stored, 'opencx_unavailable', undefined],
      [
        'a 503, not a rate limit',
        { token: TOKEN, error: new OpenCxError('answered 503', 503) },
        [],
        known,
        'opencx_unavailable',
        undefined,
      ],
      [
        'a refused saved key',
        { token: TOKEN, error: new OpenCxError('answered 401', 401) },
        [],
        known,
        'opencx_token_rejected',
        'opencxToken',
      ],
    ])('blocks the save when it is %s', (_case, main, extras, settings, code, field) => {
      const error = adminErrorOf(() => organisationOfKeys(main, extras, settings));
      expect(error).toMatchObject({ code });
      expect(error.field).toBe(field);
    });
  });

  it('stores the organisation id beside its name, and nothing too long to be one', () => {
    expect(configDocument(parseSaveForm(form()), {}, { ...provisioned, orgId: 'org-1' })).toMatchObject({
      orgName: 'Acme',
      orgId: 'org-1',
    });
    expect(
      configDocument(parseSaveForm(form()), {}, { ...provisioned, orgId: 'x'.repeat(MAX_ORG_NAME_LENGTH + 1) }),
    ).not.toHaveProperty('orgId');
  });

  it('stores the checked keys and shows each only as a masked hint with its id', () => {
    const withExtraKeys = { ...provisioned, opencxExtraTokens: [TWO, THREE] };
    const document = configDocument(parseSaveForm(form()), {}, withExtraKeys);
    expect(parseConfig(document)?.opencxExtraTokens).toEqual([TWO, THREE]);
    const view = settingsView(document, OPENCX_WEBHOOK_URL);
    expect(view.opencxExtraTokens).toEqual([
      { id: keyId(TWO), masked: '••••••••b2b2' },
      { id: keyId(THREE), masked: '••••••••c3c3' },
    ]);
    expect(JSON.stringify(view)).not.toContain(TWO);
    expect(JSON.stringify(view)).not.toContain(THREE);
    expect(configDocument(parseSaveForm(form()), {}, { ...provisioned, opencxExtraTokens: [] })).not.toHaveProperty(
      'opencxExtraTokens',
    );
  });
});

describe('the settings a form was filled from (optimistic concurrency)', () => {
  const stored = configDocument(parseSaveForm(form()), {}, provisioned);
  const parsed = (over: Record<string, unknown> = {}): SaveForm => parseSaveForm(form(over));

  it('reads the revision the form was filled from, empty when it was filled from no settings', () => {
    expect(parsed().settingsRevision).toBeUndefined();
    expect(parsed({ settingsRevision: '' }).settingsRevision).toBe('');
    expect(parsed({ settingsRevision: ' 3.v2 ' }).settingsRevision).toBe('3.v2');
    expect(adminErrorOf(() => parsed({ settingsRevision: ['3.v2', '4.v3'] }))).toMatchObject({
      status: 400,
      code: 'invalid_input',
      field: 'settingsRevision',
    });
  });

  it("shows the stored settings' revision: Sync's with the config version; null when none are stored", () => {
    expect(settingsRevisionOf(stored, '3')).toBe('3.v2');
    expect(settingsRevisionOf({}, undefined)).toBeNull();
    expect(settingsView(stored, OPENCX_WEBHOOK_URL, '3').revision).toBe('3.v2');
    expect(settingsView({}, OPENCX_WEBHOOK_URL).revision).toBeNull();
  });

  it('lets a form filled from the settings stored now through', () => {
    expect(settingsChangedSince(parsed({ settingsRevision: '3.v2' }), stored, '3')).toBeUndefined();
    expect(settingsChangedSince(parsed({ settingsRevision: '' }), {}, undefined)).toBeUndefined();
  });

  it('refuses with 409 settings_changed a form filled from settings changed since', () => {
    const refused = (settingsRevision: string, current: typeof stored | object, revision: string | undefined) =>
      settingsChangedSince(parsed({ settingsRevision }), current, revision);
    const changed = { status: 409, code: 'settings_changed', message: expect.stringMatching(/reload them/) };
    // Another admin's save, or Apply noting the AI queue it created.
    expect(refused('3.v2', stored, '4')).toMatchObject(changed);
    // Filled before the first save, saved meanwhile by another admin.
    expect(refused('', stored, '0')).toMatchObject(changed);
    // Uninstall deleted the settings.
    expect(refused('3.v2', {}, undefined)).toMatchObject(changed);
    // Deleted, then saved again: Sync's revision starts over, the config version does not.
    expect(refused('0.v2', { ...stored, configVersion: 'v7' }, '0')).toMatchObject(changed);
  });

  it('does not check a form that does not say (an older plugin): it saves as before', () => {
    expect(settingsChangedSince(parsed(), stored, '9')).toBeUndefined();
    expect(settingsChangedSince(parsed(), {}, undefined)).toBeUndefined();
  });
});

describe('opencxCheckBudgetMs', () => {
  it('gives the OpenCX checks at most 4.5 s, and always leaves 4 s for the Twilio checks and writes', () => {
    expect(opencxCheckBudgetMs(9000)).toBe(4500);
    expect(opencxCheckBudgetMs(6000)).toBe(2000);
    expect(opencxCheckBudgetMs(3000)).toBe(0);
  });
});

describe('opencxFailure', () => {
  it.each([401, 403])('turns %i into "OpenCX rejected this token" on opencxToken', (status) => {
    expect(opencxFailure(new OpenCxError(`OpenCX GET /org answered ${status}`, status)).toBody()).toEqual({
      ok: false,
      error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken' },
    });
  });

  it.each([
    ['a 5xx', new OpenCxError('answered 503', 503)],
    ['a 429 after retries', new OpenCxError('answered 429', 429)],
    ['a timeout', new OpenCxError('timed out', undefined)],
    ['a network error', new OpenCxError('ECONNREFUSED', undefined)],
  ])('turns %s into a 502 opencx_unavailable, the cause kept for the log', (_case, error) => {
    expect(opencxFailure(error)).toMatchObject({
      status: 502,
      code: 'opencx_unavailable',
      field: undefined,
      detail: error.message,
    });
    // The admin reads which: a rate limit resets by itself, an outage may not.
    expect(opencxFailure(error).message).toMatch(
      error.status === 429 ? /rate-limiting this API key \(429\)/ : /could not be reached/,
    );
  });

  it('treats anything that is not an OpenCX answer as an internal error', () => {
    expect(opencxFailure(new TypeError('boom'))).toMatchObject({ status: 500, code: 'internal_error' });
  });
});

describe('missingResource', () => {
  const parsed = parseSaveForm(form());

  it('is undefined when everything exists', () => {
    expect(missingResource(parsed, { workspace: true, queue: true, conversationsService: true })).toBeUndefined();
    expect(
      missingResource(parseSaveForm(form({ aiQueueSid: '' })), { workspace: true, conversationsService: true }),
    ).toBeUndefined();
  });

  it('names the first missing resource in form order, with its SID', () => {
    expect(missingResource(parsed, { workspace: false, queue: false, conversationsService: false })).toMatchObject({
      status: 400,
      field: 'workspaceSid',
      message: `Workspace ${WS} not found in this account`,
    });
    expect(missingResource(parsed, { workspace: true, queue: false, conversationsService: false })).toMatchObject({
      field: 'aiQueueSid',
      message: `Queue ${WQ} not found in workspace ${WS}`,
    });
    expect(missingResource(parsed, { workspace: true, queue: true, conversationsService: false })).toMatchObject({
      field: 'conversationsServiceSid',
      message: `Conversations service ${IS} not found in this account`,
    });
  });
});

describe('aiWorkerAttributes', () => {
  it('marks the worker for the AI queue, named as the AI posts, with the opencx_ai skill', () => {
    expect(aiWorkerAttributes('Acme Bot')).toEqual({
      opencx_ai: true,
      full_name: 'Acme Bot',
      routing: { skills: ['opencx_ai'] },
    });
  });
});
