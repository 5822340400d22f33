import {
  aiPoolOf,
  aiPoolSize,
  configVersionOf,
  isAiPoolWorker,
  DEFAULT_AI_AUTHOR_NAME,
  DEFAULT_CUSTOMER_HANDBACK_NOTE,
  DEFAULT_CUSTOMER_HANDOFF_NOTE,
  DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
  isVersionAtLeast,
  newConfigVersion,
  parseConfig,
  readConfigFields,
  newestWebhookHealth,
  readWebhookHealth,
  readWebhookRefusal,
  withConfigVersion,
  withoutConfigVersion,
} from './config';

const stored = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  opencxToken: 'ocx_live_abc',
  workspaceSid: 'WS1',
  aiWorkerSid: 'WK1',
  conversationsServiceSid: 'IS1',
  ...over,
});

describe('parseConfig', () => {
  // The defaults: author "AI Support Agent", the neutral handoff note, a 60 s watchdog, no version.
  it('reads a minimal config with the defaults', () => {
    expect(parseConfig(stored())).toEqual({
      opencxToken: 'ocx_live_abc',
      workspaceSid: 'WS1',
      aiWorkerSid: 'WK1',
      aiWorkerSids: ['WK1'],
      aiDrainingWorkerSids: [],
      aiPeakConversations: 50,
      conversationsServiceSid: 'IS1',
      aiAuthorName: 'AI Support Agent',
      aiQueueSid: undefined,
      opencxWebhookSecret: undefined,
      customerHandoffNote: 'Connecting you with a member of our team.',
      customerHandoffNoteTranslations: {},
      customerHandbackNote: "You're chatting with our AI assistant again.",
      customerHandbackNoteTranslations: {},
      customerIdleCloseNote: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
      aiAnswerTimeoutSeconds: 60,
      aiIdleCloseMinutes: 0,
      timerWorkspaceSid: undefined,
      timerWorkflowSid: undefined,
      configVersion: '',
    });
    expect(DEFAULT_AI_AUTHOR_NAME).toBe('AI Support Agent');
    expect(DEFAULT_CUSTOMER_HANDOFF_NOTE).toBe('Connecting you with a member of our team.');
    expect(DEFAULT_CUSTOMER_HANDBACK_NOTE).toBe("You're chatting with our AI assistant again.");
  });

  it('reads every field of a full config', () => {
    const full = stored({
      opencxWebhookSecret: ' whsec_123 ',
      customerHandoffNote: ' One moment, please. ',
      customerHandoffNoteTranslations: { es: 'Un momento, por favor.', 'pt-BR': ' Um momento. ' },
      aiAnswerTimeoutSeconds: 120,
      timerWorkspaceSid: 'WS2',
      timerWorkflowSid: 'WW2',
      configVersion: 'lx1abc',
    });
    expect(parseConfig(full)).toMatchObject({
      opencxWebhookSecret: 'whsec_123',
      customerHandoffNote: 'One moment, please.',
      customerHandoffNoteTranslations: { es: 'Un momento, por favor.', 'pt-BR': 'Um momento.' },
      aiAnswerTimeoutSeconds: 120,
      timerWorkspaceSid: 'WS2',
      timerWorkflowSid: 'WW2',
      configVersion: 'lx1abc',
    });
  });

  it("reads the organisation's further API keys, trimmed, dropping blanks; a single-key config has none", () => {
    expect(
      parseConfig(stored({ opencxExtraTokens: [' ocx_live_two ', '', 7, 'ocx_live_three'] }))?.opencxExtraTokens,
    ).toEqual(['ocx_live_two', 'ocx_live_three']);
    expect(parseConfig(stored({ opencxExtraTokens: [] }))).not.toHaveProperty('opencxExtraTokens');
    expect(parseConfig(stored({ opencxExtraTokens: 'ocx_live_two' }))).not.toHaveProperty('opencxExtraTokens');
  });

  it('keeps an empty handoff note: the admin wants no note', () => {
    expect(parseConfig(stored({ customerHandoffNote: '' }))?.customerHandoffNote).toBe('');
    expect(parseConfig(stored({ customerHandoffNote: '  ' }))?.customerHandoffNote).toBe('');
    expect(parseConfig(stored({ customerHandoffNote: 7 }))?.customerHandoffNote).toBe(DEFAULT_CUSTOMER_HANDOFF_NOTE);
  });

  it('reads the handback note like the handoff note: empty is no note, missing (older settings) the default', () => {
    expect(parseConfig(stored({ customerHandbackNote: '  ' }))?.customerHandbackNote).toBe('');
    expect(parseConfig(stored({ customerHandbackNote: ' Hi again. ' }))?.customerHandbackNote).toBe('Hi again.');
    expect(parseConfig(stored({ customerHandbackNote: 7 }))?.customerHandbackNote).toBe(DEFAULT_CUSTOMER_HANDBACK_NOTE);
    expect(parseConfig(stored({ customerHandoffNote: '' }))?.customerHandbackNote).toBe(DEFAULT_CUSTOMER_HANDBACK_NOTE);
    expect(
      parseConfig(stored({ customerHandbackNoteTranslations: { es: ' Hola de nuevo. ', fr: 3 } }))
        ?.customerHandbackNoteTranslations,
    ).toEqual({ es: 'Hola de nuevo.' });
  });

  it('reads the note for a closed silent chat the same way: empty is no note, missing the default', () => {
    expect(parseConfig(stored({ customerIdleCloseNote: '  ' }))?.customerIdleCloseNote).toBe('');
    expect(parseConfig(stored({ customerIdleCloseNote: ' Closed. ' }))?.customerIdleCloseNote).toBe('Closed.');
    expect(parseConfig(stored({ customerIdleCloseNote: 7 }))?.customerIdleCloseNote).toBe(
      DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
    );
    expect(DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE).toBe(
      'We closed this chat because it went quiet. Write to us any time to start a new one.',
    );
  });

  it.each([14, 601, 60.5, '60', null])('falls back to the 60 s watchdog for a stored timeout of %j', (value) => {
    expect(parseConfig(stored({ aiAnswerTimeoutSeconds: value }))?.aiAnswerTimeoutSeconds).toBe(60);
  });

  it.each([15, 600])('accepts the watchdog bound %i', (value) => {
    expect(parseConfig(stored({ aiAnswerTimeoutSeconds: value }))?.aiAnswerTimeoutSeconds).toBe(value);
  });

  it.each([0, 10, 10080])('reads the idle close after %i minutes', (value) => {
    expect(parseConfig(stored({ aiIdleCloseMinutes: value }))?.aiIdleCloseMinutes).toBe(value);
  });

  it.each([9, 10081, 30.5, '30', null, -1])('reads a stored idle close of %j as never', (value) => {
    expect(parseConfig(stored({ aiIdleCloseMinutes: value }))?.aiIdleCloseMinutes).toBe(0);
  });

  it('keeps only the translations whose note is text', () => {
    expect(
      parseConfig(stored({ customerHandoffNoteTranslations: { es: 'Hola', fr: 3, de: null } }))
        ?.customerHandoffNoteTranslations,
    ).toEqual({ es: 'Hola' });
    for (const value of ['{"es":"Hola"}', ['Hola'], null]) {
      expect(parseConfig(stored({ customerHandoffNoteTranslations: value }))?.customerHandoffNoteTranslations).toEqual(
        {},
      );
    }
  });

  it('keeps the optional author name and AI queue, trimmed', () => {
    expect(parseConfig(stored({ aiAuthorName: ' Acme Bot ', aiQueueSid: ' WQ1 ' }))).toMatchObject({
      aiAuthorName: 'Acme Bot',
      aiQueueSid: 'WQ1',
    });
  });

  it('trims the required fields', () => {
    expect(parseConfig(stored({ opencxToken: '  ocx_live_abc\n', workspaceSid: ' WS1 ' }))).toMatchObject({
      opencxToken: 'ocx_live_abc',
      workspaceSid: 'WS1',
    });
  });

  it('falls back to the default author name when it is blank or not a string', () => {
    expect(parseConfig(stored({ aiAuthorName: '   ' }))?.aiAuthorName).toBe('AI Support Agent');
    expect(parseConfig(stored({ aiAuthorName: 5 }))?.aiAuthorName).toBe('AI Support Agent');
  });

  it.each(['opencxToken', 'workspaceSid', 'aiWorkerSid', 'conversationsServiceSid'])(
    'is undefined without %s (missing, blank or not a string)',
    (field) => {
      const { [field]: _removed, ...missing } = stored();
      expect(parseConfig(missing)).toBeUndefined();
      expect(parseConfig(stored({ [field]: '  ' }))).toBeUndefined();
      expect(parseConfig(stored({ [field]: 123 }))).toBeUndefined();
    },
  );

  it.each([undefined, null, 'opencx', 42, true])('is undefined for a document that is not an object: %j', (data) => {
    expect(parseConfig(data)).toBeUndefined();
  });
});

describe('readConfigFields', () => {
  it('leaves out what is missing, so an incomplete document still shows what it has', () => {
    expect(readConfigFields({ workspaceSid: 'WS1', customerHandoffNote: '' })).toEqual(
      expect.objectContaining({
        workspaceSid: 'WS1',
        customerHandoffNote: '',
        opencxToken: undefined,
        customerHandoffNoteTranslations: undefined,
        aiAnswerTimeoutSeconds: undefined,
      }),
    );
  });
});

describe('aiFormerWorkspaceSids', () => {
  it('reads the workspaces left with AI workers, and the bridge never gets them', () => {
    const data = stored({ aiFormerWorkspaceSids: [' WS9 ', '', 42] });
    expect(readConfigFields(data).aiFormerWorkspaceSids).toEqual(['WS9']);
    expect(parseConfig(data)).not.toHaveProperty('aiFormerWorkspaceSids');
  });
});

describe('config versions on webhook URLs', () => {
  const URL = 'https://acme-1234.twil.io/webhook';

  it('adds the version as cv, replacing an older one', () => {
    expect(withConfigVersion(URL, 'v2')).toBe(`${URL}?cv=v2`);
    expect(withConfigVersion(`${URL}?cv=v1`, 'v2')).toBe(`${URL}?cv=v2`);
  });

  it('keeps other query parameters verbatim and Twilio connection overrides after #', () => {
    expect(withConfigVersion(`${URL}?a=b%20c&cv=v1#rc=3&rp=all`, 'v2')).toBe(`${URL}?a=b%20c&cv=v2#rc=3&rp=all`);
    expect(withConfigVersion(`${URL}#rt=8000`, 'v2')).toBe(`${URL}?cv=v2#rt=8000`);
  });

  it('removes the version for an empty one, and withoutConfigVersion compares where URLs point', () => {
    expect(withConfigVersion(`${URL}?cv=v1`, '')).toBe(URL);
    expect(withoutConfigVersion(`${URL}?cv=v1`)).toBe(URL);
    expect(withoutConfigVersion(`${URL}?x=1&cv=v1#rc=2`)).toBe(`${URL}?x=1#rc=2`);
    expect(withoutConfigVersion(URL)).toBe(URL);
    expect(withoutConfigVersion('https://other.example/webhook?cvx=1')).toBe('https://other.example/webhook?cvx=1');
  });

  it('reads the version a URL carries, empty when none', () => {
    expect(configVersionOf(`${URL}?cv=v9#rc=1`)).toBe('v9');
    expect(configVersionOf(URL)).toBe('');
    expect(configVersionOf(`${URL}?cvx=1`)).toBe('');
  });

  it('makes a URL-safe version that changes with the time and the random part', () => {
    const now = new Date('2026-12-02T04:00:00.000Z');
    const version = newConfigVersion(now, () => 0.5);
    expect(version).toMatch(/^[0-9a-z]+$/);
    expect(newConfigVersion(now, () => 0.25)).not.toBe(version);
    expect(newConfigVersion(new Date(now.getTime() + 1), () => 0.5)).not.toBe(version);
    expect(configVersionOf(withConfigVersion(URL, version))).toBe(version);
  });

  it("comes after the stored version even when this container's clock is behind the one that saved it", () => {
    const now = new Date('2026-12-02T04:00:00.000Z');
    const saved = newConfigVersion(new Date(now.getTime() + 90_000), () => 0.99);
    const next = newConfigVersion(now, () => 0.01, saved);
    expect(isVersionAtLeast(next, saved)).toBe(true);
    expect(next).not.toBe(saved);
    // A clock ahead, or no version stored: the time now.
    expect(
      newConfigVersion(
        now,
        () => 0.5,
        newConfigVersion(new Date(0), () => 0.5),
      ),
    ).toBe(newConfigVersion(now, () => 0.5));
    expect(newConfigVersion(now, () => 0.5, '')).toBe(newConfigVersion(now, () => 0.5));
  });
});

describe('readWebhookHealth', () => {
  it('reads the last verified OpenCX delivery, with the fingerprint of the secret that verified it', () => {
    expect(
      readWebhookHealth({
        lastVerifiedAt: '2026-12-02T03:00:00.000Z',
        lastEvent: 'conversation.ai_response',
        secretFingerprint: '0a1b2c3d',
      }),
    ).toEqual({
      lastVerifiedAt: '2026-12-02T03:00:00.000Z',
      lastEvent: 'conversation.ai_response',
      secretFingerprint: '0a1b2c3d',
    });
  });

  it.each([undefined, {}, { lastVerifiedAt: 'yesterday', lastEvent: 'x' }, { lastVerifiedAt: 5 }])(
    'is undefined for %j',
    (data) => {
      expect(readWebhookHealth(data)).toBeUndefined();
    },
  );
});

describe('newestWebhookHealth', () => {
  const note = (at: string, secretFingerprint?: string) => ({
    lastVerifiedAt: at,
    lastEvent: 'conversation.ai_response',
    ...(secretFingerprint ? { secretFingerprint } : {}),
  });

  it('is the newest note made under the saved secret: notes of another secret, or of none, do not count', () => {
    const documents = [
      note('2026-12-02T01:00:00.000Z', 'current0'),
      undefined,
      note('2026-12-02T03:00:00.000Z', 'earlier0'),
      note('2026-12-02T04:00:00.000Z'),
      note('2026-12-02T02:00:00.000Z', 'current0'),
    ];
    expect(newestWebhookHealth(documents, 'current0')).toEqual(note('2026-12-02T02:00:00.000Z', 'current0'));
    expect(newestWebhookHealth(documents, 'another0')).toBeUndefined();
  });
});

describe('readWebhookRefusal', () => {
  const refusal = { lastRefusedAt: '2026-12-02T03:00:00.000Z', reason: 'signature does not match' };

  it('reads the last refusal the saved secret made', () => {
    expect(readWebhookRefusal({ ...refusal, secretFingerprint: 'current0' }, 'current0')).toEqual({
      ...refusal,
      secretFingerprint: 'current0',
    });
  });

  it('reads how it was refused, when noted and known', () => {
    const noted = { ...refusal, secretFingerprint: 'current0' };
    expect(readWebhookRefusal({ ...noted, refusal: 'stale' }, 'current0')).toEqual({ ...noted, refusal: 'stale' });
    expect(readWebhookRefusal({ ...noted, refusal: 'toString' }, 'current0')).toEqual(noted);
  });

  it.each([
    undefined,
    { ...refusal, secretFingerprint: 'earlier0' },
    { ...refusal },
    { ...refusal, lastRefusedAt: 'now', secretFingerprint: 'current0' },
  ])('is undefined for %j', (data) => {
    expect(readWebhookRefusal(data, 'current0')).toBeUndefined();
  });
});

describe('the AI worker pool', () => {
  it('reads a pool and its draining workers; the first pool worker is aiWorkerSid', () => {
    const config = parseConfig(
      stored({
        aiWorkerSid: 'WK1',
        aiWorkerSids: ['WK2', 'WK3'],
        aiDrainingWorkerSids: ['WK4'],
        aiPeakConversations: 100,
      }),
    )!;
    expect(config).toMatchObject({
      aiWorkerSid: 'WK2',
      aiWorkerSids: ['WK2', 'WK3'],
      aiDrainingWorkerSids: ['WK4'],
      aiPeakConversations: 100,
    });
    expect(['WK1', 'WK2', 'WK3', 'WK4', 'WK5', undefined].map((sid) => isAiPoolWorker(config, sid))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('reads settings saved before the pool (one aiWorkerSid) as a pool of that worker', () => {
    const config = parseConfig(stored({ aiWorkerSid: 'WK1' }))!;
    expect(aiPoolOf(config)).toEqual(['WK1']);
    expect(isAiPoolWorker(config, 'WK1')).toBe(true);
    expect(aiPoolOf({ aiWorkerSid: 'WK9' })).toEqual(['WK9']);
  });

  it('is unconfigured without any AI worker; ignores a bad pool list and an out-of-range peak', () => {
    expect(parseConfig(stored({ aiWorkerSid: undefined, aiWorkerSids: [] }))).toBeUndefined();
    expect(parseConfig(stored({ aiWorkerSid: undefined, aiWorkerSids: ['WK7', 3, ' '] }))).toMatchObject({
      aiWorkerSid: 'WK7',
      aiWorkerSids: ['WK7'],
    });
    expect(parseConfig(stored({ aiWorkerSids: 'WK2', aiPeakConversations: 1001 }))).toMatchObject({
      aiWorkerSids: ['WK1'],
      aiPeakConversations: 50,
    });
    expect(parseConfig(stored({ aiPeakConversations: 2.5 }))!.aiPeakConversations).toBe(50);
  });

  it.each([
    [1, 1],
    [50, 1],
    [51, 2],
    [100, 2],
    [101, 3],
    [1000, 20],
  ])('a peak of %i conversations needs %i AI workers', (peak, size) => {
    expect(aiPoolSize(peak)).toBe(size);
  });
});
