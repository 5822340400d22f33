import { DEFAULT_API_KEY, ManualClock, OpenCxSimulator, type OpenCxSimulatorOptions } from './opencx-simulator';
import { API_KEY, apiClient, asRecord, type JsonRecord } from './test-support';

describe('OpenCxSimulator', () => {
  let clock: ManualClock;
  let sim: OpenCxSimulator;

  async function startSimulator(options: OpenCxSimulatorOptions = {}): Promise<void> {
    await sim?.stop();
    sim = new OpenCxSimulator({ apiKeys: [API_KEY], clock, ...options });
    await sim.start();
  }

  const { api, createSession, sendContact } = apiClient(() => sim);

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2025-03-01T10:00:00.000Z'));
    await startSimulator();
  });

  afterEach(async () => {
    await sim.stop();
  });

  describe('authentication', () => {
    it.each([
      ['missing', null],
      ['invalid', 'ocx_live_wrong'],
    ])('answers 401 with the error shape when the key is %s', async (_label, key) => {
      const result = await api('GET', '/org', undefined, { key });
      expect(result.status).toBe(401);
      expect(result.json).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
    });

    it('uses the documented default key when none is configured', async () => {
      await sim.stop();
      sim = new OpenCxSimulator();
      await sim.start();
      expect((await api('GET', '/org', undefined, { key: DEFAULT_API_KEY })).status).toBe(200);
    });
  });

  it('GET /org returns the organisation', async () => {
    await startSimulator({ orgId: 'org-1', orgName: 'Acme' });
    const result = await api('GET', '/org');
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ id: 'org-1', name: 'Acme' });
  });

  it('answers 404 with the error shape for unknown routes and sessions', async () => {
    expect((await api('GET', '/nope')).json).toEqual({
      statusCode: 404,
      message: 'Cannot GET /nope',
      error: 'Not Found',
    });
    const missing = await api('GET', '/chat/sessions/4b0c8e51-3a1d-4f7a-9c55-1f0e2e7d9b10');
    expect(missing.status).toBe(404);
    expect(asRecord(missing.json).error).toBe('Not Found');
  });

  describe('sessions', () => {
    it('creates a session with defaults and serves it', async () => {
      const id = await createSession();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const result = await api('GET', `/chat/sessions/${id}`);
      expect(result.status).toBe(200);
      expect(result.json).toEqual({
        id,
        status: 'open',
        ai_closure_type: null,
        sentiment: null,
        channel: { type: 'api' },
        contact: null,
        verified: null,
        language: null,
        custom_data: {},
        handoff: null,
        assignee_id: null,
        created_at: '2025-03-01T10:00:00.000Z',
        updated_at: '2025-03-01T10:00:00.000Z',
      });
    });

    it('accepts an empty body', async () => {
      const result = await api('POST', '/chat/sessions');
      expect(result.status).toBe(201);
    });

    it('stores channel, contact and custom_data, and reuses the contact by email', async () => {
      const contact = { email: 'ana@example.com', name: 'Ana', custom_data: { plan: 'pro' } };
      const id = await createSession({
        channel: { type: 'whatsapp' },
        verified: true,
        contact,
        custom_data: { flex_task_sid: 'WT1', n: 2, vip: true },
      });
      const session = asRecord((await api('GET', `/chat/sessions/${id}`)).json);
      expect(session).toMatchObject({
        channel: { type: 'whatsapp' },
        verified: true,
        custom_data: { flex_task_sid: 'WT1', n: 2, vip: true },
      });
      const stored = asRecord(session.contact);
      expect(stored).toMatchObject({
        email: 'ana@example.com',
        name: 'Ana',
        phone_number: null,
        custom_data: { plan: 'pro' },
      });

      const second = await createSession({ contact: { email: 'ana@example.com', name: 'Ana B.' } });
      expect(sim.sessions.get(second)?.contact?.id).toBe(stored.id);
      expect(sim.contacts.get(stored.id as string)?.name).toBe('Ana B.');

      const byId = await createSession({ contact_id: stored.id });
      expect(sim.sessions.get(byId)?.contact?.email).toBe('ana@example.com');
    });

    it.each([
      ['an unknown channel type', { channel: { type: 'fax' } }],
      ['a non-uuid contact_id', { contact_id: '123' }],
      ['a non-string contact custom_data value', { contact: { custom_data: { age: 3 } } }],
      ['a non-object body', [1, 2]],
    ])('rejects %s with 400', async (_label, body) => {
      const result = await api('POST', '/chat/sessions', body);
      expect(result.status).toBe(400);
      expect(result.json).toEqual({ statusCode: 400, message: expect.any(String), error: 'Bad Request' });
    });

    it('answers 404 for an unknown contact_id', async () => {
      const result = await api('POST', '/chat/sessions', { contact_id: '4b0c8e51-3a1d-4f7a-9c55-1f0e2e7d9b10' });
      expect(result.status).toBe(404);
    });

    it('PATCH closes the session with an empty 200 and rejects a bad status', async () => {
      const id = await createSession();
      clock.advance(5_000);
      const closed = await api('PATCH', `/chat/sessions/${id}`, {
        status: 'closed_resolved',
        reflect_status_change_for_integration: false,
      });
      expect(closed.status).toBe(200);
      expect(closed.text).toBe('');
      expect(sim.sessions.get(id)).toMatchObject({ status: 'closed_resolved', updated_at: '2025-03-01T10:00:05.000Z' });

      const bad = await api('PATCH', `/chat/sessions/${id}`, { status: 'done' });
      expect(bad.status).toBe(400);
      expect(asRecord(bad.json).message).toContain('status');
      expect(sim.sessions.get(id)?.status).toBe('closed_resolved');
    });

    it('rejects sends on a closed session', async () => {
      const id = await createSession();
      await api('PATCH', `/chat/sessions/${id}`, { status: 'closed_unresolved' });
      const result = await sendContact(id, 'hello?');
      expect(result.status).toBe(400);
      expect(sim.sessions.get(id)?.messages).toHaveLength(0);
    });

    it('paginates the history with a next cursor', async () => {
      const id = await createSession();
      for (let i = 0; i < 11; i += 1) await sendContact(id, `question ${i}`);
      expect(sim.sessions.get(id)?.messages).toHaveLength(22);

      const first = asRecord((await api('GET', `/chat/sessions/${id}/history`)).json);
      const items = first.items as JsonRecord[];
      expect(items).toHaveLength(20);
      expect(items[0]).toEqual({
        id: expect.any(String),
        created_at: '2025-03-01T10:00:00.000Z',
        event: {
          type: 'message',
          sender: { type: 'contact', name: null },
          content: { type: 'text', text: 'question 0' },
          attachments: [],
        },
      });
      expect(asRecord(items[1].event).sender).toEqual({ type: 'ai', name: 'AI Support Agent' });
      expect(typeof first.next).toBe('string');

      const second = asRecord((await api('GET', `/chat/sessions/${id}/history?cursor=${first.next as string}`)).json);
      expect(second.items).toHaveLength(2);
      expect(second.next).toBeNull();

      expect((await api('GET', `/chat/sessions/${id}/history?cursor=garbage`)).status).toBe(400);
    });
  });

  describe('custom_data', () => {
    it('rejects nested values with 400 on create and on send', async () => {
      expect((await api('POST', '/chat/sessions', { custom_data: { customer: { tier: 'gold' } } })).status).toBe(400);
      expect((await api('POST', '/chat/sessions', { custom_data: { tags: ['a'] } })).status).toBe(400);
      expect((await api('POST', '/chat/sessions', { custom_data: { gone: null } })).status).toBe(400);

      const id = await createSession({ custom_data: { a: '1' } });
      const result = await sendContact(id, 'hi', { custom_data: { nested: { x: 1 } } });
      expect(result.status).toBe(400);
      expect(asRecord(result.json).message).toContain('custom_data.nested');
      // A rejected send changes nothing.
      expect(sim.sessions.get(id)?.custom_data).toEqual({ a: '1' });
      expect(sim.sessions.get(id)?.messages).toHaveLength(0);
    });

    it('merges sent keys into what is stored', async () => {
      const id = await createSession({ custom_data: { flex_task_sid: 'WT1', keep: true } });
      await api('POST', `/chat/sessions/${id}/send`, {
        sender: 'agent',
        message: { type: 'text', text: 'note' },
        custom_data: { flex_task_sid: 'WT2', flex_reservation_sid: 'WR1', count: 3 },
      });
      const session = asRecord((await api('GET', `/chat/sessions/${id}`)).json);
      expect(session.custom_data).toEqual({ flex_task_sid: 'WT2', keep: true, flex_reservation_sid: 'WR1', count: 3 });
    });
  });

  describe('send', () => {
    it('answers a contact message with the AI reply and records both in the history', async () => {
      const id = await createSession();
      sim.ai.reply('Your order ships tomorrow.');
      const result = await sendContact(id, 'Where is my order?');
      expect(result.status).toBe(201);
      expect(result.json).toEqual({
        success: true,
        data: {
          success: true,
          autopilotResponse: {
            type: 'text',
            value: { error: false, content: 'Your order ships tomorrow.' },
            id: expect.any(String),
            mightSolveUserIssue: true,
          },
          sessionIsHandedOff: false,
        },
      });
      const texts = sim.sessions
        .get(id)
        ?.messages.map((item) => (item.event.type === 'message' ? item.event.content.text : item.event.type));
      expect(texts).toEqual(['Where is my order?', 'Your order ships tomorrow.']);
      expect(sim.sessions.get(id)).toMatchObject({ language: 'en', handed_off: false, ai_closure_type: null });
    });

    it('uses the default responder when nothing is scripted, and setDefault replaces it', async () => {
      const id = await createSession();
      const first = asRecord(asRecord((await sendContact(id, 'hello')).json).data);
      expect(asRecord(asRecord(first.autopilotResponse).value).content).toContain('hello');

      sim.ai.setDefault((ctx) => ({ type: 'reply', content: `echo:${ctx.text}`, mightSolveUserIssue: false }));
      const second = asRecord(asRecord((await sendContact(id, 'again')).json).data);
      expect(second.autopilotResponse).toMatchObject({ value: { content: 'echo:again' }, mightSolveUserIssue: false });
    });

    it('hands off on "I want a human" with resolveArgs and updates the session', async () => {
      const id = await createSession();
      const result = await sendContact(id, 'This is ridiculous, I want a human');
      expect(result.status).toBe(201);
      const data = asRecord(asRecord(result.json).data);
      expect(data).toMatchObject({
        success: true,
        sessionIsHandedOff: true,
        resolveArgs: { summary: expect.stringContaining('I want a human'), sentiment: 'angry' },
      });
      expect(sim.sessions.get(id)).toMatchObject({
        ai_closure_type: 'handed_off',
        handed_off: true,
        sentiment: 'angry',
        language: 'en',
        handoff: data.resolveArgs,
      });
      const wire = asRecord((await api('GET', `/chat/sessions/${id}`)).json);
      expect(wire).toMatchObject({ ai_closure_type: 'handed_off', handoff: data.resolveArgs, language: 'en' });
      expect(sim.sessions.get(id)?.messages.map((item) => item.event.type)).toEqual(['message', 'message', 'handoff']);

      // Once handed off, the AI stays silent.
      const after = await sendContact(id, 'hello?');
      expect(after.json).toEqual({ success: true, data: { success: true, sessionIsHandedOff: true } });
      expect(sim.sessions.get(id)?.messages).toHaveLength(4);
    });

    it('follows a scripted handoff rule and language', async () => {
      sim.ai.handoffWhen((ctx) => ctx.text.includes('refund'), {
        summary: 'Refund request',
        sentiment: 'neutral',
        language: 'pt-BR',
      });
      const id = await createSession();
      const human = asRecord(asRecord((await sendContact(id, 'a human please')).json).data);
      expect(human.sessionIsHandedOff).toBe(false);

      const refund = asRecord(asRecord((await sendContact(id, 'I need a refund')).json).data);
      expect(refund.resolveArgs).toEqual({ summary: 'Refund request', sentiment: 'neutral' });
      expect(sim.sessions.get(id)?.handoff).toEqual({ summary: 'Refund request', sentiment: 'neutral' });
      expect(sim.sessions.get(id)?.language).toBe('pt-BR'); // the handoff's detected language wins
    });

    it('queues scripted decisions, including a handoff without a farewell message', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'handoff', summary: 'Billing dispute', sentiment: 'happy', language: 'fr' });
      const data = asRecord(asRecord((await sendContact(id, 'bonjour')).json).data);
      expect(data).toEqual({
        success: true,
        sessionIsHandedOff: true,
        resolveArgs: { summary: 'Billing dispute', sentiment: 'happy' },
      });
      expect(sim.sessions.get(id)).toMatchObject({
        language: 'fr',
        handoff: { summary: 'Billing dispute', sentiment: 'happy' },
      });
    });

    it('reports an AI failure with success false and a code', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'error', code: 'llm_timeout' });
      const data = asRecord(asRecord((await sendContact(id, 'hi')).json).data);
      expect(data).toMatchObject({
        success: false,
        code: 'llm_timeout',
        autopilotResponse: { value: { error: true } },
        sessionIsHandedOff: false,
      });
    });

    it('acknowledges an agent message with its id, and a take-over silences the AI', async () => {
      const id = await createSession();
      const result = await api('POST', `/chat/sessions/${id}/send`, {
        sender: 'agent',
        message: { type: 'text', text: 'Hi, I am Bo.' },
        agent: { id: 7, name: 'Bo', avatar_url: 'https://example.com/bo.png' },
        should_take_over_session_from_ai: true,
      });
      expect(result.status).toBe(201);
      const messageId = asRecord(asRecord(asRecord(result.json).data).message).id;
      const history = sim.sessions.get(id)?.messages ?? [];
      expect(history.map((item) => item.event.type)).toEqual(['human_agent_takeover', 'message']);
      expect(history[1]).toMatchObject({ id: messageId, event: { sender: { type: 'human_agent', name: 'Bo' } } });

      const contact = asRecord(asRecord((await sendContact(id, 'thanks')).json).data);
      expect(contact).toEqual({ success: true, sessionIsHandedOff: true });
    });

    it.each([
      ['a bad sender', { sender: 'bot', message: { type: 'text', text: 'x' } }],
      ['a missing message', { sender: 'contact' }],
      ['a non-text message', { sender: 'contact', message: { type: 'image', text: 'x' } }],
      [
        'an attachment without url or base64',
        {
          sender: 'contact',
          message: { type: 'text', text: 'x', attachments: [{ name: 'a', mime_type: 'text/plain' }] },
        },
      ],
      ['a non-numeric agent id', { sender: 'agent', message: { type: 'text', text: 'x' }, agent: { id: 'a' } }],
    ])('rejects %s with 400', async (_label, body) => {
      const id = await createSession();
      const result = await api('POST', `/chat/sessions/${id}/send`, body);
      expect(result.status).toBe(400);
      expect(asRecord(result.json).error).toBe('Bad Request');
    });

    it('answers without the data wrapper when legacyUnwrappedResponses is on', async () => {
      sim.legacyUnwrappedResponses = true;
      const id = await createSession();
      sim.ai.reply('legacy reply');
      const contact = asRecord((await sendContact(id, 'hi')).json);
      expect(contact.data).toBeUndefined();
      expect(contact).toMatchObject({
        success: true,
        sessionIsHandedOff: false,
        autopilotResponse: { value: { content: 'legacy reply' } },
      });

      const handoff = asRecord((await sendContact(id, 'get me an agent')).json);
      expect(handoff).toMatchObject({ success: true, sessionIsHandedOff: true, resolveArgs: { sentiment: 'neutral' } });

      const agent = asRecord(
        (await api('POST', `/chat/sessions/${id}/send`, { sender: 'agent', message: { type: 'text', text: 'hi' } }))
          .json,
      );
      expect(agent).toEqual({ success: true, message: { id: expect.any(String) } });
    });

    it('also takes the legacy switch as a constructor option', async () => {
      await startSimulator({ legacyUnwrappedResponses: true });
      const id = await createSession();
      expect(asRecord((await sendContact(id, 'hi')).json).data).toBeUndefined();
    });
  });

  it('rejects a malformed JSON body with 400', async () => {
    const result = await api('POST', '/chat/sessions', undefined, { rawBody: '{"channel": ' });
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ statusCode: 400, message: expect.stringContaining('JSON'), error: 'Bad Request' });
    expect(sim.requests[0].body).toBe('{"channel": ');
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After beyond the per-key limit and recovers as the window slides', async () => {
      await startSimulator({ rateLimitPerMinute: 3 });
      await api('GET', '/org');
      clock.advance(10_000);
      await api('GET', '/org');
      await api('GET', '/org');
      clock.advance(15_000);

      const limited = await api('GET', '/org');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('35'); // the first hit leaves the window 35 s from now
      expect(limited.json).toEqual({ statusCode: 429, message: expect.any(String), error: 'Too Many Requests' });

      clock.advance(35_000);
      expect((await api('GET', '/org')).status).toBe(200);
      expect((await api('GET', '/org')).status).toBe(429);
    });

    it('counts each key separately and does not count rejected keys', async () => {
      await startSimulator({ rateLimitPerMinute: 1, apiKeys: [API_KEY, 'ocx_live_other'] });
      await api('GET', '/org', undefined, { key: 'ocx_live_nope' });
      expect((await api('GET', '/org')).status).toBe(200);
      expect((await api('GET', '/org')).status).toBe(429);
      expect((await api('GET', '/org', undefined, { key: 'ocx_live_other' })).status).toBe(200);
    });
  });

  describe('fault injection', () => {
    it('answers the scripted status with the error body for the matching route only, `times` times', async () => {
      const id = await createSession();
      sim.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 503, times: 1 });

      const faulted = await sendContact(id, 'hi');
      expect(faulted.status).toBe(503);
      expect(faulted.json).toEqual({ statusCode: 503, message: expect.any(String), error: 'Service Unavailable' });
      expect(sim.sessions.get(id)?.messages).toHaveLength(0);

      expect((await api('GET', '/org')).status).toBe(200);
      expect((await sendContact(id, 'hi')).status).toBe(201);
    });

    it('can send Retry-After with a scripted 429', async () => {
      sim.faults.add({ path: /^\/org$/, status: 429, retryAfterSeconds: 2 });
      const result = await api('GET', '/org');
      expect(result.status).toBe(429);
      expect(result.headers.get('retry-after')).toBe('2');
    });

    it('adds simulated latency before handling the request', async () => {
      sim.faults.add({ path: '/org', latencyMs: 250, status: 503 });
      const pending = api('GET', '/org');
      await sim.whenHeld(1);
      clock.advance(249);
      expect(sim.heldRequests).toBe(1);
      clock.advance(1);
      expect((await pending).status).toBe(503);
      expect(sim.heldRequests).toBe(0);
    });

    it('drops the connection without a response and still records the request', async () => {
      sim.faults.add({ path: '/org', drop: true, times: 1 });
      await expect(api('GET', '/org')).rejects.toThrow();
      expect(sim.requests[0]).toMatchObject({ method: 'GET', path: '/org', status: null });
      expect((await api('GET', '/org')).status).toBe(200);
    });

    it('clear removes every rule', async () => {
      sim.faults.add({ path: '/org', status: 500 });
      sim.faults.clear();
      expect((await api('GET', '/org')).status).toBe(200);
    });
  });

  describe('recorded requests', () => {
    it('records method, path, query, headers, body, status and time with the token redacted', async () => {
      const id = await createSession({ custom_data: { flex_task_sid: 'WT1' } });
      await api('GET', `/chat/sessions/${id}/history?cursor=`);
      await api('GET', '/org', undefined, { key: 'ocx_live_wrong_key' });

      expect(sim.requests).toHaveLength(3);
      expect(sim.requests[0]).toMatchObject({
        method: 'POST',
        path: '/chat/sessions',
        query: {},
        body: { custom_data: { flex_task_sid: 'WT1' } },
        status: 201,
        time: clock.now(),
      });
      expect(sim.requests[0].headers.authorization).toBe('Bearer ***');
      expect(sim.requests[1]).toMatchObject({
        path: `/chat/sessions/${id}/history`,
        query: { cursor: '' },
        status: 200,
      });
      expect(sim.requests[2].status).toBe(401);

      const recorded = JSON.stringify(sim.requests);
      expect(recorded).not.toContain(API_KEY);
      expect(recorded).not.toContain('ocx_live_wrong_key');
    });
  });

  it('reset clears state, records, faults and the AI script', async () => {
    const id = await createSession();
    sim.faults.add({ path: '/org', status: 500 });
    sim.ai.reply('scripted');
    sim.legacyUnwrappedResponses = true;
    sim.reset();

    expect(sim.sessions.size).toBe(0);
    expect(sim.requests).toHaveLength(0);
    expect(sim.ai.pendingReplies).toBe(0);
    expect(sim.legacyUnwrappedResponses).toBe(false);
    expect((await api('GET', '/org')).status).toBe(200);
    expect((await api('GET', `/chat/sessions/${id}`)).status).toBe(404);
  });
});
