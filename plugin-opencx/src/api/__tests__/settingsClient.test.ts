import { createSettingsClient, type FetchLike } from '../settingsClient';
import { UNCONFIGURED } from '../../testing/fakeSettingsClient';

const BASE = 'https://opencx-1234-dev.twil.io';
const SETTINGS = {
  configured: true,
  opencxTokenMasked: '••••••••1234',
  opencxExtraTokens: [{ id: '0123456789ab', masked: '••••••••b2b2' }],
  workspaceSid: 'WS1',
  conversationsServiceSid: 'IS1',
  aiQueueSid: null,
  workflowSid: 'WW2',
  aiAuthorName: 'Acme Bot',
  aiWorkerSid: 'WK1',
  orgName: 'Acme',
  opencxWebhookSecretSet: true,
  opencxWebhookUrl: `${BASE}/opencx-webhook`,
  customerHandoffNote: 'One moment, a colleague will take over.',
  customerHandoffNoteTranslations: { es: 'Un momento, un compañero le atenderá.' },
  customerHandbackNote: 'Our AI assistant is with you again.',
  customerHandbackNoteTranslations: { es: 'Vuelve a hablar con nuestro asistente de IA.' },
  aiAnswerTimeoutSeconds: 90,
  aiIdleCloseMinutes: 240,
  customerIdleCloseNote: 'Closed for now: write again any time.',
  aiPeakConversations: 120,
  revision: '7.mixu1b2c3d4',
};
/** settings-load's `routing`, as the Functions answer it (docs/admin-api.md). */
const ROUTING = {
  workflows: [
    { sid: 'WW1', friendlyName: 'Inbound messaging' },
    { sid: 'WW2', friendlyName: 'Voice' },
  ],
  inUse: { sid: 'WW2', friendlyName: 'Voice', why: 'It is the workflow chosen in the OpenCX settings.' },
  unclear: null,
  discovered: {
    kind: 'found',
    workflowSid: 'WW1',
    evidence: 'Send to Flex "send_to_flex_1" in Studio flow "Inbound" (FW1) routes to it.',
  },
};
const HANDOFF_INPUT = {
  opencxExtraTokens: '',
  opencxWebhookSecret: '',
  customerHandoffNote: 'One moment, a colleague will take over.',
  customerHandoffNoteTranslations: {},
  customerHandbackNote: "You're chatting with our AI assistant again.",
  customerHandbackNoteTranslations: {},
  aiAnswerTimeoutSeconds: 60,
  aiIdleCloseMinutes: 0,
  customerIdleCloseNote: 'We closed this chat because it went quiet. Write to us any time to start a new one.',
  aiPeakConversations: 50,
};
/** A save of the form as loaded, nothing typed into it. */
const UNCHANGED_INPUT = {
  opencxToken: '',
  aiQueueSid: '',
  workflowSid: '',
  aiAuthorName: 'Acme Bot',
  workspaceSid: 'WS1',
  conversationsServiceSid: 'IS1',
  ...HANDOFF_INPUT,
};

function answering(status: number, body: unknown) {
  const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
    status,
    json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
  }));
  return fetch;
}

const sent = (fetch: jest.Mock) => {
  const [url, init] = fetch.mock.calls[0];
  return { url, init, fields: Object.fromEntries(new URLSearchParams(init.body)) };
};

describe('settings client', () => {
  it('loads with a form-encoded POST carrying the Flex token, and no preflight-triggering header', async () => {
    const fetch = answering(200, { ok: true, settings: SETTINGS, routing: ROUTING });
    const result = await createSettingsClient({ baseUrl: `${BASE}/`, fetch }).load('flex-token');

    expect(result).toEqual({
      ok: true,
      settings: SETTINGS,
      routing: {
        workflows: ROUTING.workflows,
        inUse: ROUTING.inUse,
        unclear: null,
        discoveredSid: 'WW1',
        conflict: null,
      },
    });
    const { url, init, fields } = sent(fetch);
    expect(url).toBe(`${BASE}/admin/settings-load`);
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(fields).toEqual({ Token: 'flex-token' });
  });

  it('reads the workflows, the one in use, why none is, a conflict; workflows not as documented as none', async () => {
    const unclear = {
      reason: 'The workspace has 2 workflows and it is unclear which one routes your inbound conversations.',
      fix: 'Pick one.',
    };
    const conflict = {
      kind: 'conflict',
      workflowSids: ['WW1', 'WW2'],
      reason: "Flex's messaging goes to 2 workflows.",
    };
    const load = async (routing: unknown) => {
      const fetch = answering(200, { ok: true, settings: SETTINGS, routing });
      const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
      return result.ok ? result.routing : result;
    };

    expect(await load({ ...ROUTING, inUse: null, unclear, discovered: conflict })).toEqual({
      workflows: ROUTING.workflows,
      inUse: null,
      unclear,
      discoveredSid: null,
      conflict: conflict.reason,
    });
    const none = { kind: 'none', reason: 'No evidence.' };
    expect(await load({ ...ROUTING, inUse: { sid: 'WW2' }, discovered: none })).toMatchObject({
      inUse: null,
      discoveredSid: null,
      conflict: null,
    });
    for (const odd of [null, undefined, { ...ROUTING, workflows: [{ sid: 7 }] }, { ...ROUTING, workflows: 'WW1' }])
      expect(await load(odd)).toBeNull();
  });

  it('saves every field, the new OpenCX token and webhook secret included', async () => {
    const fetch = answering(200, { ok: true, settings: SETTINGS, workerCreated: true });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', {
      opencxToken: ' ocx_live_abc ',
      opencxExtraTokens: ' ocx_live_two ocx_live_three ',
      opencxExtraTokensKept: ['0123456789ab', 'ba9876543210'],
      aiQueueSid: ' WQ1 ',
      workflowSid: 'WW2',
      aiAuthorName: 'Acme Bot',
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
      opencxWebhookSecret: ' whsec_123 ',
      customerHandoffNote: ' One moment, a colleague will take over. ',
      customerHandoffNoteTranslations: { es: 'Un momento, un compañero le atenderá.', 'pt-BR': 'Um momento.' },
      customerHandbackNote: ' Our AI assistant is with you again. ',
      customerHandbackNoteTranslations: { 'es-MX': 'De nuevo con nuestro asistente de IA.' },
      aiAnswerTimeoutSeconds: 90,
      aiIdleCloseMinutes: 240,
      customerIdleCloseNote: ' Closed for now: write again any time. ',
      aiPeakConversations: 120,
      settingsRevision: '7.mixu1b2c3d4',
    });

    expect(result).toEqual({
      ok: true,
      settings: SETTINGS,
      workerCreated: true,
      webhooksNotUpdated: false,
      aiWorkersAwaitApply: false,
    });
    const { url, fields } = sent(fetch);
    expect(url).toBe(`${BASE}/admin/settings-save`);
    expect(fields).toEqual({
      Token: 'flex-token',
      opencxToken: 'ocx_live_abc',
      opencxExtraTokens: 'ocx_live_two ocx_live_three',
      opencxExtraTokensKept: '0123456789ab,ba9876543210',
      aiQueueSid: 'WQ1',
      workflowSid: 'WW2',
      aiAuthorName: 'Acme Bot',
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
      opencxWebhookSecret: 'whsec_123',
      customerHandoffNote: 'One moment, a colleague will take over.',
      customerHandoffNoteTranslations: '{"es":"Un momento, un compañero le atenderá.","pt-BR":"Um momento."}',
      customerHandbackNote: 'Our AI assistant is with you again.',
      customerHandbackNoteTranslations: '{"es-MX":"De nuevo con nuestro asistente de IA."}',
      aiAnswerTimeoutSeconds: '90',
      aiIdleCloseMinutes: '240',
      customerIdleCloseNote: 'Closed for now: write again any time.',
      aiPeakConversations: '120',
      settingsRevision: '7.mixu1b2c3d4',
    });
  });

  it('sends the revision of the settings the form was filled from: empty when none were stored', async () => {
    const saved = async (settingsRevision: string | null | undefined) => {
      const fetch = answering(200, { ok: true, settings: SETTINGS, workerCreated: false });
      await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', {
        ...UNCHANGED_INPUT,
        ...(settingsRevision === undefined ? {} : { settingsRevision }),
      });
      return sent(fetch).fields;
    };
    expect((await saved('7.mixu1b2c3d4')).settingsRevision).toBe('7.mixu1b2c3d4');
    expect((await saved(null)).settingsRevision).toBe('');
    expect(await saved(undefined)).not.toHaveProperty('settingsRevision');
  });

  it('reads a missing revision as none stored', async () => {
    const { revision: _revision, ...withoutRevision } = SETTINGS;
    const fetch = answering(200, { ok: true, settings: withoutRevision, routing: null });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toMatchObject({
      ok: true,
      settings: { revision: null },
    });
  });

  /** A save of unchanged settings whose answer carries `extra` beside the settings. */
  const savedWithAnswer = (extra: Record<string, unknown>) =>
    createSettingsClient({
      baseUrl: BASE,
      fetch: answering(200, { ok: true, settings: SETTINGS, workerCreated: false, ...extra }),
    }).save('flex-token', {
      ...UNCHANGED_INPUT,
      opencxWebhookSecret: '',
      customerHandoffNote: '',
      customerHandbackNote: '',
    });

  it.each([
    [undefined, undefined],
    [[], undefined],
    [
      [
        { workspaceSid: 'WS0', workerSids: ['WK1', 'WK2'] },
        { workspaceSid: 'WS9', workerSids: ['WK3'] },
      ],
      { left: 3, unlisted: false },
    ],
    [[{ workspaceSid: 'WS0', workerSids: [] }], { left: 0, unlisted: true }],
    [[{ workspaceSid: 'WS0' }], { left: 0, unlisted: true }],
  ])('reads the AI workers a save left in former workspaces: %j', async (formerAiWorkers, read) => {
    const result = await savedWithAnswer({ formerAiWorkers });
    expect(result.ok && result.formerAiWorkers).toEqual(read ?? undefined);
  });

  it.each([
    [2, 2],
    [0, undefined],
    ['2', undefined],
    [undefined, undefined],
  ])('reads how many saved keys OpenCX was rate-limiting: %j', async (opencxKeysUnchecked, read) => {
    const result = await savedWithAnswer({ opencxKeysUnchecked });
    expect(result.ok && result.opencxKeysUnchecked).toEqual(read);
  });

  it('leaves empty secrets out, keeping the saved ones, and sends an empty note and workflow as is', async () => {
    const fetch = answering(200, {
      ok: true,
      settings: SETTINGS,
      workerCreated: false,
      webhooksNotUpdated: true,
      aiWorkersAwaitApply: true,
    });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', {
      ...UNCHANGED_INPUT,
      opencxToken: '  ',
      opencxWebhookSecret: ' ',
      customerHandoffNote: '',
      customerHandbackNote: ' ',
    });

    expect(result).toMatchObject({
      ok: true,
      workerCreated: false,
      webhooksNotUpdated: true,
      aiWorkersAwaitApply: true,
    });
    expect(result).not.toHaveProperty('aiWorkersNotOpened');
    const notOpened = await savedWithAnswer({ aiWorkersNotOpened: true });
    expect(notOpened).toMatchObject({ ok: true, aiWorkersNotOpened: true });
    const { fields } = sent(fetch);
    expect(fields).not.toHaveProperty('opencxToken');
    expect(fields).not.toHaveProperty('opencxWebhookSecret');
    // No further key added, and the saved ones left as they are.
    expect(fields).not.toHaveProperty('opencxExtraTokens');
    expect(fields).not.toHaveProperty('opencxExtraTokensKept');
    expect(fields.aiQueueSid).toBe('');
    // Sent empty, not left out: the Functions then store none, and the discovered workflow is used.
    expect(fields.workflowSid).toBe('');
    expect(fields.customerHandoffNote).toBe('');
    expect(fields.customerHandoffNoteTranslations).toBe('{}');
    expect(fields.customerHandbackNote).toBe('');
    expect(fields.customerHandbackNoteTranslations).toBe('{}');
  });

  it('passes on a field error', async () => {
    const fetch = answering(400, {
      ok: false,
      error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken' },
    });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toEqual({
      ok: false,
      error: {
        code: 'opencx_token_rejected',
        message: 'OpenCX rejected this token',
        field: 'opencxToken',
        status: 400,
      },
    });
  });

  it('passes on a 403 without a field, and drops a field it does not know', async () => {
    const forbidden = answering(403, {
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings' },
    });
    expect(await createSettingsClient({ baseUrl: BASE, fetch: forbidden }).load('t')).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    const odd = answering(400, { ok: false, error: { code: 'invalid_input', message: 'Bad', field: 'somethingElse' } });
    const result = await createSettingsClient({ baseUrl: BASE, fetch: odd }).load('t');
    expect(result.ok === false && result.error.field).toBeUndefined();
  });

  it.each([
    ['aiAnswerTimeoutSeconds', 'From 15 to 600 seconds'],
    ['aiIdleCloseMinutes', 'Close silent AI conversations after a whole number of minutes from 10 to 10080, or 0'],
    ['customerIdleCloseNote', 'The note for a closed silent chat must be at most 160 characters'],
  ])('passes on a field error about the handoff setting %s', async (field, message) => {
    const fetch = answering(400, { ok: false, error: { code: 'invalid_input', message, field } });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', UNCHANGED_INPUT);
    expect(result).toEqual({ ok: false, error: { code: 'invalid_input', message, field, status: 400 } });
  });

  /** What a save with this one input changed sends for its field. */
  async function sentField<K extends 'aiIdleCloseMinutes' | 'customerIdleCloseNote'>(
    field: K,
    value: (typeof UNCHANGED_INPUT)[K],
  ): Promise<string | undefined> {
    const fetch = answering(200, { ok: true, settings: SETTINGS, workerCreated: false });
    await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', { ...UNCHANGED_INPUT, [field]: value });
    return sent(fetch).fields[field];
  }

  it('sends the minutes of silence after which an AI conversation is closed, 0 (never) included', async () => {
    expect(await sentField('aiIdleCloseMinutes', 10080)).toBe('10080');
    expect(await sentField('aiIdleCloseMinutes', 0)).toBe('0');
  });

  it('reads the idle close missing (older Functions) or malformed as 0, never', async () => {
    const { aiIdleCloseMinutes: _minutes, ...older } = SETTINGS;
    const load = async (settings: unknown) =>
      createSettingsClient({ baseUrl: BASE, fetch: answering(200, { ok: true, settings }) }).load('t');
    expect(await load(SETTINGS)).toMatchObject({ settings: { aiIdleCloseMinutes: 240 } });
    expect(await load(older)).toMatchObject({ settings: { aiIdleCloseMinutes: 0 } });
    expect(await load({ ...SETTINGS, aiIdleCloseMinutes: '240' })).toMatchObject({
      settings: { aiIdleCloseMinutes: 0 },
    });
  });

  it('sends the note for a closed silent chat trimmed, an empty one (no note) as empty', async () => {
    expect(await sentField('customerIdleCloseNote', '  Closed: write again any time. 👋 ')).toBe(
      'Closed: write again any time. 👋',
    );
    expect(await sentField('customerIdleCloseNote', ' ')).toBe('');
  });

  it('reads the note for a closed silent chat: empty kept, missing (older settings) or odd the default', async () => {
    const { customerIdleCloseNote: _note, ...older } = SETTINGS;
    const load = async (settings: unknown) =>
      createSettingsClient({ baseUrl: BASE, fetch: answering(200, { ok: true, settings }) }).load('t');
    const DEFAULT = 'We closed this chat because it went quiet. Write to us any time to start a new one.';
    expect(await load(SETTINGS)).toMatchObject({
      settings: { customerIdleCloseNote: 'Closed for now: write again any time.' },
    });
    expect(await load({ ...SETTINGS, customerIdleCloseNote: '' })).toMatchObject({
      settings: { customerIdleCloseNote: '' },
    });
    expect(await load(older)).toMatchObject({ settings: { customerIdleCloseNote: DEFAULT } });
    for (const odd of [null, 160, ['Closed.']])
      expect(await load({ ...SETTINGS, customerIdleCloseNote: odd })).toMatchObject({
        settings: { customerIdleCloseNote: DEFAULT },
      });
  });

  it('keeps an empty handoff note (no note), and drops translations that are not text', async () => {
    const fetch = answering(200, {
      ok: true,
      settings: {
        ...SETTINGS,
        customerHandoffNote: '',
        customerHandoffNoteTranslations: { es: 'Un momento.', fr: 7, de: null },
      },
    });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toEqual({
      ok: true,
      settings: { ...SETTINGS, customerHandoffNote: '', customerHandoffNoteTranslations: { es: 'Un momento.' } },
      routing: null,
    });
  });

  it("reads the handback note as the handoff note's: empty kept, missing (older Functions) the default", async () => {
    const { customerHandbackNote: _note, customerHandbackNoteTranslations: _translations, ...older } = SETTINGS;
    const load = async (settings: unknown) =>
      createSettingsClient({ baseUrl: BASE, fetch: answering(200, { ok: true, settings }) }).load('t');
    expect(await load(older)).toMatchObject({
      settings: {
        customerHandbackNote: "You're chatting with our AI assistant again.",
        customerHandbackNoteTranslations: {},
      },
    });
    expect(
      await load({ ...SETTINGS, customerHandbackNote: '', customerHandbackNoteTranslations: { de: '', fr: 3 } }),
    ).toMatchObject({ settings: { customerHandbackNote: '', customerHandbackNoteTranslations: { de: '' } } });
  });

  it('reads malformed handoff settings as the bridge defaults, and never a secret', async () => {
    const fetch = answering(200, {
      ok: true,
      settings: {
        ...SETTINGS,
        opencxWebhookSecretSet: 'yes',
        opencxWebhookSecret: 'whsec_leaked',
        opencxWebhookUrl: 42,
        customerHandoffNote: null,
        customerHandoffNoteTranslations: ['es'],
        aiAnswerTimeoutSeconds: '90',
      },
    });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
    expect(result).toEqual({
      ok: true,
      settings: {
        ...SETTINGS,
        opencxWebhookSecretSet: false,
        opencxWebhookUrl: null,
        customerHandoffNote: 'Connecting you with a member of our team.',
        customerHandoffNoteTranslations: {},
        aiAnswerTimeoutSeconds: 60,
      },
      routing: null,
    });
    expect(JSON.stringify(result)).not.toContain('whsec_leaked');
  });

  it('fills in missing settings fields', async () => {
    const fetch = answering(200, { ok: true, settings: { configured: false } });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toEqual({
      ok: true,
      settings: UNCONFIGURED,
      routing: null,
    });
  });

  it.each([
    ['a body that is not JSON', 200, 'not json'],
    ['an answer without settings', 200, { ok: true }],
    ['an error without a message', 400, { ok: false, error: { code: 'x' } }],
  ])('reports %s as an unexpected answer', async (_case, status, body) => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status,
      json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
    }));
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'unexpected_response', message: expect.stringContaining('unexpected') },
    });
  });

  it('says of an answer cut off on its way back that Apply may have been done, not to check the URL', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status: 200,
      json: () => Promise.reject(new TypeError('network error')),
    }));
    const answer = await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('flex-token');
    expect(answer).toEqual({
      ok: false,
      error: { code: 'answer_lost', message: expect.stringMatching(/may have been done all the same/) },
    });
  });

  it('says of a load with no answer to try again: nothing was asked to be done', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status: 504,
      json: async () => JSON.parse('<html>Gateway Timeout</html>'),
    }));
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('flex-token')).toEqual({
      ok: false,
      error: {
        code: 'unexpected_response',
        message: 'No answer came from the OpenCX Functions. Try again in a moment.',
        status: 504,
      },
    });
  });

  it('reports a network failure, for the admin to check the Functions URL', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(() =>
      Promise.reject(new TypeError('Failed to fetch')),
    );
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'network_error', message: expect.stringContaining('the Functions URL') },
    });
  });

  describe('setup', () => {
    const PROBLEM = {
      id: 'conversations_webhook',
      status: 'problem',
      title: 'Conversations webhook',
      detail: 'The Conversations events go to https://old.example.com/webhook, not to this deployment.',
      fix: 'If https://old.example.com/webhook is not in use, confirm replacing it and apply setup.',
      autoFixable: true,
      confirm: 'replaceCallbackUrl',
    };
    const OK = { id: 'config', status: 'ok', title: 'OpenCX settings', detail: 'Saved.', autoFixable: false };
    const REVISIONS = { workspace_events: '1111aaaa2222bbbb', conversations_webhook: '3333cccc4444dddd' };
    const APPLIED = {
      id: 'workspace_events',
      title: 'TaskRouter event callback',
      status: 'applied',
      detail: 'Set the Event Callback URL.',
    };
    const FAILED = {
      id: 'conversations_webhook',
      title: 'Conversations webhook',
      status: 'failed',
      detail: 'Not written: it changed since the check.',
      reason: 'changed_since_check',
    };
    const AFTER = { workspace_events: '9999aaaa8888bbbb', conversations_webhook: '3333cccc4444dddd' };

    it('checks with the Flex token, and the workflow only when given', async () => {
      const fetch = answering(200, { ok: true, checks: [OK, PROBLEM], revisions: REVISIONS });
      const client = createSettingsClient({ baseUrl: BASE, fetch });

      expect(await client.checkSetup('flex-token')).toEqual({ ok: true, checks: [OK, PROBLEM], revisions: REVISIONS });
      expect(sent(fetch).url).toBe(`${BASE}/admin/setup-check`);
      expect(sent(fetch).fields).toEqual({ Token: 'flex-token' });

      await client.checkSetup('flex-token', { workflowSid: ' WW1 ' });
      expect(Object.fromEntries(new URLSearchParams(fetch.mock.calls[1][1].body))).toEqual({
        Token: 'flex-token',
        workflowSid: 'WW1',
      });
    });

    it('keeps only the string revisions of a check, and none when the answer has none', async () => {
      const fetch = answering(200, {
        ok: true,
        checks: [OK],
        revisions: { ...REVISIONS, workflow_filters: 7, timer_workspace: '' },
      });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).checkSetup('t')).toEqual({
        ok: true,
        checks: [OK],
        revisions: REVISIONS,
      });

      const without = answering(200, { ok: true, checks: [OK] });
      expect(await createSettingsClient({ baseUrl: BASE, fetch: without }).checkSetup('t')).toEqual({
        ok: true,
        checks: [OK],
        revisions: {},
      });
    });

    it('reads the Apply an Undo would undo from the check', async () => {
      const undoable = { backupId: 'apply-2', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' };
      const fetch = answering(200, { ok: true, checks: [OK], undoable });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).checkSetup('t')).toEqual({
        ok: true,
        checks: [OK],
        revisions: {},
        undoable,
      });
    });

    it("applies with the human queue, URL replacement and check's revisions when given; reads every step", async () => {
      const answer = {
        ok: true,
        steps: [APPLIED, FAILED],
        applied: ['workspace_events'],
        backupId: 'apply-1',
        undoable: { backupId: 'apply-1', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' },
        checks: [OK],
        revisions: AFTER,
      };
      const fetch = answering(200, answer);
      const result = await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('flex-token', {
        humanQueueSid: ' WQ1 ',
        replaceCallbackUrl: true,
        revisions: REVISIONS,
      });

      expect(result).toEqual({
        ok: true,
        steps: [APPLIED, FAILED],
        backupId: 'apply-1',
        undoable: answer.undoable,
        checks: [OK],
        revisions: AFTER,
      });
      expect(sent(fetch).url).toBe(`${BASE}/admin/setup-apply`);
      expect(sent(fetch).fields).toEqual({
        Token: 'flex-token',
        humanQueueSid: 'WQ1',
        replaceCallbackUrl: 'true',
        revisions: JSON.stringify(REVISIONS),
      });
      expect(JSON.parse(sent(fetch).fields.revisions)).toEqual(REVISIONS);
    });

    it('applies with the Flex token alone when nothing else is given', async () => {
      const fetch = answering(200, { ok: true, steps: [], applied: [], checks: [OK] });
      expect(
        await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('flex-token', {
          humanQueueSid: ' ',
          revisions: {},
        }),
      ).toEqual({
        ok: true,
        steps: [],
        checks: [OK],
        revisions: {},
      });
      expect(sent(fetch).fields).toEqual({ Token: 'flex-token' });
    });

    it('shows a step status it does not know as failed, and drops unknown step fields', async () => {
      const steps = [
        { ...APPLIED, status: 'partly', extra: 1 },
        { ...FAILED, reason: 'unknown' },
      ];
      const fetch = answering(200, { ok: true, steps, checks: [OK] });
      const { reason: _unknown, ...failed } = FAILED;
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('t')).toEqual({
        ok: true,
        steps: [{ ...APPLIED, status: 'failed' }, failed],
        checks: [OK],
        revisions: {},
      });
    });

    it('undoes with the Flex token alone, and reads what was restored', async () => {
      const restored = { backupId: 'apply-1', at: '2026-11-21T10:25:00.000Z', by: 'admin@example.com' };
      const fetch = answering(200, {
        ok: true,
        steps: [APPLIED],
        restored,
        complete: true,
        checks: [OK],
        revisions: { ...AFTER, x: 1 },
      });

      const undone = await createSettingsClient({ baseUrl: BASE, fetch }).undoSetup('flex-token');
      expect(undone).toEqual({ ok: true, steps: [APPLIED], restored, complete: true, checks: [OK], revisions: AFTER });
      expect(sent(fetch).url).toBe(`${BASE}/admin/setup-undo`);
      expect(sent(fetch).fields).toEqual({ Token: 'flex-token' });
    });

    it('names the Apply to undo, and reads the one the next Undo would undo', async () => {
      const undoable = { backupId: 'apply-1', at: '2026-11-20T09:00:00.000Z', by: 'admin@example.com' };
      const fetch = answering(200, { ok: true, steps: [], undoable, checks: [OK] });

      const undone = await createSettingsClient({ baseUrl: BASE, fetch }).undoSetup('flex-token', 'apply-2');
      expect(undone).toMatchObject({ ok: true, undoable });
      expect(sent(fetch).fields).toEqual({ Token: 'flex-token', backupId: 'apply-2' });
    });

    it.each(['applySetup', 'undoSetup'] as const)(
      'reads a %s whose own check could not run: its steps, no checks',
      async (operation) => {
        const fetch = answering(200, { ok: true, steps: [APPLIED], complete: true });
        expect(await createSettingsClient({ baseUrl: BASE, fetch })[operation]('t')).toEqual({
          ok: true,
          steps: [APPLIED],
          revisions: {},
          ...(operation === 'undoSetup' ? { complete: true } : {}),
        });
      },
    );

    it('reads an undo with nothing to undo', async () => {
      const fetch = answering(200, { ok: true, steps: [], checks: [OK] });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).undoSetup('t')).toEqual({
        ok: true,
        steps: [],
        checks: [OK],
        revisions: {},
      });
    });

    it.each([
      [true, 'true'],
      [false, 'false'],
    ])('uninstalls with the confirmation, keepSyncData %p', async (keepSyncData, field) => {
      const fetch = answering(200, { ok: true, steps: [APPLIED], complete: true });

      expect(
        await createSettingsClient({ baseUrl: BASE, fetch }).uninstallSetup('flex-token', { keepSyncData }),
      ).toEqual({
        ok: true,
        steps: [APPLIED],
        complete: true,
      });
      expect(sent(fetch).url).toBe(`${BASE}/admin/setup-uninstall`);
      expect(sent(fetch).fields).toEqual({ Token: 'flex-token', confirm: 'uninstall', keepSyncData: field });
    });

    it('takes an uninstall as incomplete unless the answer says complete', async () => {
      const fetch = answering(200, { ok: true, steps: [{ ...APPLIED, status: 'skipped' }] });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).uninstallSetup('t', { keepSyncData: false })).toEqual(
        {
          ok: true,
          steps: [{ ...APPLIED, status: 'skipped' }],
          complete: false,
        },
      );
    });

    it('passes on a refused uninstall with its field', async () => {
      const message = 'Uninstall removes the integration from this account: send confirm=uninstall to go ahead';
      const fetch = answering(400, { ok: false, error: { code: 'invalid_input', message, field: 'confirm' } });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).uninstallSetup('t', { keepSyncData: false })).toEqual(
        {
          ok: false,
          error: { code: 'invalid_input', message, field: 'confirm', status: 400 },
        },
      );
    });

    it('passes on a human queue error with its field', async () => {
      const fetch = answering(400, {
        ok: false,
        error: { code: 'not_found', message: 'Queue WQ1 not found in workspace WS1', field: 'humanQueueSid' },
      });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('t', { humanQueueSid: 'WQ1' })).toEqual({
        ok: false,
        error: {
          code: 'not_found',
          message: 'Queue WQ1 not found in workspace WS1',
          field: 'humanQueueSid',
          status: 400,
        },
      });
    });

    it('keeps only the known check fields, and shows an unknown status as a warning', async () => {
      const fetch = answering(200, {
        ok: true,
        checks: [
          { ...OK, fix: '', confirm: 'other', extra: 1 },
          { ...OK, id: 'future', status: 'info' },
        ],
      });
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).checkSetup('t')).toEqual({
        ok: true,
        checks: [OK, { ...OK, id: 'future', status: 'warning' }],
        revisions: {},
      });
    });

    it.each([
      ['no checks', { ok: true }],
      ['a check without a title', { ok: true, checks: [{ ...OK, title: undefined }] }],
      ['checks that are not a list', { ok: true, checks: { config: OK } }],
    ])('reports %s as an unexpected answer', async (_case, body) => {
      const result = await createSettingsClient({ baseUrl: BASE, fetch: answering(200, body) }).checkSetup('t');
      expect(result).toMatchObject({ ok: false, error: { code: 'unexpected_response' } });
    });

    it.each([
      ['an apply without its steps', 'applySetup', { ok: true, applied: [], checks: [OK] }],
      [
        'an apply step without a title',
        'applySetup',
        { ok: true, steps: [APPLIED, { ...FAILED, title: '' }], checks: [OK] },
      ],
      ['an apply whose checks are not a list', 'applySetup', { ok: true, steps: [APPLIED], checks: { config: OK } }],
      [
        'an undo without its steps',
        'undoSetup',
        { ok: true, restored: { backupId: 'a', at: 'b', by: 'c' }, checks: [OK] },
      ],
      [
        'an uninstall step without its detail',
        'uninstallSetup',
        { ok: true, steps: [{ ...APPLIED, detail: undefined }], complete: true },
      ],
    ] as const)('reports %s as an unexpected answer', async (_case, operation, body) => {
      const client = createSettingsClient({ baseUrl: BASE, fetch: answering(200, body) });
      const result =
        operation === 'uninstallSetup'
          ? await client.uninstallSetup('t', { keepSyncData: false })
          : await client[operation]('t');
      expect(result).toMatchObject({ ok: false, error: { code: 'unexpected_response' } });
    });

    it('says of a server error the Functions did not explain that Apply may have been done', async () => {
      const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
        status: 502,
        json: async () => JSON.parse('<html>Bad Gateway</html>'),
      }));
      const result = await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('t');
      expect(result).toEqual({
        ok: false,
        error: {
          code: 'unexpected_response',
          message:
            'No answer came from the OpenCX Functions: what you asked may have been done all the same. ' +
            'Check, then try again.',
          status: 502,
        },
      });
    });

    it('reports a network failure', async () => {
      const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(() =>
        Promise.reject(new TypeError('Failed to fetch')),
      );
      expect(await createSettingsClient({ baseUrl: BASE, fetch }).applySetup('t')).toMatchObject({
        ok: false,
        error: { code: 'network_error', message: expect.stringContaining('or their answer was lost') },
      });
    });
  });
});

describe('leftUnfinished (a write whose outcome the admin must look at)', () => {
  const { leftUnfinished } = jest.requireActual('../functionsRequest') as typeof import('../functionsRequest');

  test.each([
    [{ code: 'timeout' }, true],
    // A dropped connection, or a Function stopped at its limit (an error page without CORS headers).
    [{ code: 'network_error' }, true],
    [{ code: 'unexpected_response', status: 502 }, true],
    // The Functions did it, and said so in an answer this plugin cannot read.
    [{ code: 'unexpected_response', status: 200 }, true],
    // A page that is not the Functions' (a wrong URL): nothing was done.
    [{ code: 'unexpected_response', status: 404 }, false],
    [{ code: 'invalid_input', status: 400 }, false],
  ])('%p: %p', (error, unfinished) => {
    expect(leftUnfinished(error)).toBe(unfinished);
  });
});
