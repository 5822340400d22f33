import { createHmac, timingSafeEqual } from 'node:crypto';
import { SimulatorClock } from '../twilio/clock';
import { ManualClock, OpenCxSimulator, type OpenCxSimulatorOptions, signOpencxWebhook } from './opencx-simulator';
import { API_KEY, apiClient, asRecord, type ReceivedDelivery, sendData, WebhookReceiver } from './test-support';

const SECRET = 'whsec_test_signing_secret';
const START = Date.parse('2025-03-01T10:00:00.000Z');

/** Verifies a delivery the way a receiver would, independently of the simulator's signing code. */
function signatureVerifies(delivery: ReceivedDelivery, secret = SECRET): boolean {
  const timestamp = String(delivery.headers['x-opencx-timestamp']);
  const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery.rawBody}`).digest();
  const given = Buffer.from(String(delivery.headers['x-opencx-signature'] ?? '').replace(/^sha256=/, ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function historyTexts(sim: OpenCxSimulator, sessionId: string): string[] {
  return (sim.sessions.get(sessionId)?.messages ?? []).map((item) =>
    item.event.type === 'message' ? item.event.content.text : item.event.type,
  );
}

describe('OpenCxSimulator: asynchronous answers', () => {
  let clock: ManualClock;
  let sim: OpenCxSimulator;
  let receiver: WebhookReceiver;
  const { api, createSession, sendContact } = apiClient(() => sim);

  async function startSimulator(options: OpenCxSimulatorOptions = {}): Promise<void> {
    await sim?.stop();
    sim = new OpenCxSimulator({
      apiKeys: [API_KEY],
      clock,
      webhooks: { url: receiver.url, secret: SECRET },
      ...options,
    });
    await sim.start();
  }

  beforeEach(async () => {
    clock = new ManualClock(START);
    receiver = await new WebhookReceiver().start();
    await startSimulator();
  });

  afterEach(async () => {
    await sim.stop();
    await receiver.stop();
  });

  describe('AI latency', () => {
    it('holds a slow answer until simulated time reaches arrival + latency', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'reply', content: 'Found it: order 4417.', latencyMs: 8_000 });
      const pending = sendContact(id, 'Where is my order?');
      await sim.whenHeld(1);
      await sim.idle(); // idle does not wait for work that waits on the clock
      expect(historyTexts(sim, id)).toEqual(['Where is my order?']);

      clock.advance(7_999);
      expect(sim.heldRequests).toBe(1);
      clock.advance(1);
      const result = await pending;

      expect(result.status).toBe(201);
      expect(sendData(result).autopilotResponse).toMatchObject({ value: { content: 'Found it: order 4417.' } });
      expect(historyTexts(sim, id)).toEqual(['Where is my order?', 'Found it: order 4417.']);
      expect(sim.sessions.get(id)?.messages[1].created_at).toBe('2025-03-01T10:00:08.000Z');
      expect(sim.heldRequests).toBe(0);
    });

    it('applies ai.latency to following answers unless a decision names its own', async () => {
      const id = await createSession();
      sim.ai
        .latency(3_000)
        .reply('slow default')
        .reply({ type: 'reply', content: 'fast', latencyMs: 0 })
        .reply('slow again');
      const first = sendContact(id, 'one');
      await sim.whenHeld(1);
      expect((await sendContact(id, 'two')).status).toBe(201);
      const third = sendContact(id, 'three');
      await sim.whenHeld(2);

      clock.advance(3_000);
      const answers = await Promise.all([first, third]);
      expect(answers.map((answer) => asRecord(asRecord(sendData(answer).autopilotResponse).value).content)).toEqual([
        'slow default',
        'slow again',
      ]);
      expect(historyTexts(sim, id)).toEqual(['one', 'two', 'fast', 'three', 'slow default', 'slow again']);
    });

    it('never answers when told so, whatever time passes', async () => {
      const id = await createSession();
      sim.ai.neverAnswer();
      const controller = new AbortController();
      const pending = sendContact(id, 'hello?', {}, { signal: controller.signal });
      await sim.whenHeld(1);
      clock.advance(3_600_000);
      expect(sim.heldRequests).toBe(1);

      controller.abort();
      await expect(pending).rejects.toThrow();
      await sim.waitFor(() => sim.heldRequests === 0);
      await sim.idle();
      expect(historyTexts(sim, id)).toEqual(['hello?']);
      expect(sim.requests.at(-1)).toMatchObject({ status: null, clientDisconnected: true });
      expect(sim.webhookDeliveries).toHaveLength(0);
    });

    it("shares the Twilio simulator's clock", async () => {
      const shared = new SimulatorClock();
      await startSimulator({ clock: shared });
      const id = await createSession();
      sim.ai.reply({ type: 'reply', content: 'On the shared clock', latencyMs: 60_000 });
      const pending = sendContact(id, 'hi');
      await sim.whenHeld(1);
      shared.advance(60_000);
      expect(sendData(await pending).autopilotResponse).toMatchObject({ value: { content: 'On the shared clock' } });
    });
  });

  describe('client disconnects before the answer is ready', () => {
    async function abandonSlowSend(): Promise<string> {
      const id = await createSession();
      sim.ai.reply({ type: 'reply', content: 'Late answer', latencyMs: 30_000 });
      const controller = new AbortController();
      const pending = sendContact(id, 'question', {}, { signal: controller.signal });
      await sim.whenHeld(1);
      controller.abort();
      await expect(pending).rejects.toThrow();
      await sim.waitFor(() => sim.heldRequests === 0);
      clock.advance(30_000);
      await sim.idle();
      return id;
    }

    it('still answers at its due time and fires the webhook when OpenCX keeps processing (default)', async () => {
      const id = await abandonSlowSend();
      expect(historyTexts(sim, id)).toEqual(['question', 'Late answer']);
      expect(sim.webhookDeliveries.map((delivery) => [delivery.event, delivery.status])).toEqual([
        ['conversation.ai_response', 'delivered'],
      ]);
      expect(receiver.received[0].body).toMatchObject({
        data: { conversation_id: id, message: { content: 'Late answer' } },
      });
      expect(sim.requests.at(-1)).toMatchObject({ status: null, clientDisconnected: true });
    });

    it('abandons the work when OpenCX stops processing on disconnect', async () => {
      await startSimulator({ switches: { processesAfterDisconnect: false } });
      const id = await abandonSlowSend();
      expect(historyTexts(sim, id)).toEqual(['question']);
      expect(sim.webhookDeliveries).toHaveLength(0);
      expect(receiver.received).toHaveLength(0);
    });

    it.each([
      [true, 1],
      [false, 0],
    ])(
      'with processesAfterDisconnect %s, a request slowed by a fault creates %i sessions after its client left',
      async (processes, sessions) => {
        sim.switches.processesAfterDisconnect = processes;
        sim.faults.add({ method: 'POST', path: '/chat/sessions', latencyMs: 5_000 });
        const controller = new AbortController();
        const refused = expect(api('POST', '/chat/sessions', {}, { signal: controller.signal })).rejects.toThrow();
        await sim.whenHeld(1);
        controller.abort();
        await refused;
        await sim.waitFor(() => sim.heldRequests === 0);
        clock.advance(5_000);
        await sim.idle();
        expect(sim.sessions.size).toBe(sessions);
      },
    );
  });

  describe('webhooks', () => {
    it('delivers conversation.ai_response signed, with the message id of the /send answer', async () => {
      const id = await createSession();
      sim.ai.reply('Your order ships tomorrow.');
      const result = await sendContact(id, 'Where is my order?');
      await sim.idle();

      expect(receiver.received).toHaveLength(1);
      const [delivery] = receiver.received;
      expect(delivery.body).toEqual({
        event: 'conversation.ai_response',
        organization_id: expect.any(String),
        data: {
          conversation_id: id,
          message: {
            id: asRecord(sendData(result).autopilotResponse).id,
            content: 'Your order ships tomorrow.',
            type: 'text',
          },
          timestamp: '2025-03-01T10:00:00.000Z',
        },
      });
      expect(delivery.headers['x-opencx-timestamp']).toBe(String(START / 1000));
      expect(delivery.headers['x-opencx-delivery']).toBe(sim.webhookDeliveries[0].id);
      expect(delivery.headers['x-opencx-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(signatureVerifies(delivery)).toBe(true);
      expect(signatureVerifies(delivery, 'another secret')).toBe(false);
      expect(sim.webhookDeliveries[0]).toMatchObject({
        event: 'conversation.ai_response',
        status: 'delivered',
        attempts: [{ status: 200 }],
      });
    });

    it('stamps signatures with `signingTime` when given, not the clock that times the answer', async () => {
      const receiverNow = START - 600_000;
      await startSimulator({ signingTime: () => receiverNow });
      const id = await createSession();
      sim.ai.reply('Your order ships tomorrow.');
      await sendContact(id, 'Where is my order?');
      await sim.idle();

      expect(receiver.received[0].headers['x-opencx-timestamp']).toBe(String(receiverNow / 1000));
      expect(signatureVerifies(receiver.received[0])).toBe(true);
    });

    it('signs `<timestamp>.<raw body>` with HMAC-SHA256 in one exported function', () => {
      const expected = createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex');
      expect(signOpencxWebhook('k', '{"a":1}', 1_700_000_000)).toBe(`sha256=${expected}`);
    });

    it('delivers the farewell as ai_response, then conversation.handoff_to_human', async () => {
      const id = await createSession();
      sim.ai.reply({
        type: 'handoff',
        summary: 'Wants a refund',
        sentiment: 'angry',
        language: 'es',
        content: 'Te paso con una persona.',
      });
      const result = await sendContact(id, '¡Quiero un reembolso!');
      await sim.idle();

      expect(receiver.received.map((delivery) => delivery.body.event)).toEqual([
        'conversation.ai_response',
        'conversation.handoff_to_human',
      ]);
      expect(asRecord(receiver.received[0].body.data).message).toMatchObject({
        id: asRecord(sendData(result).autopilotResponse).id,
      });
      expect(receiver.received[1].body.data).toEqual({
        conversation_id: id,
        timestamp: '2025-03-01T10:00:00.000Z',
        customer_id: null,
        reason: 'ai_decided_to_handoff_the_conversation',
        summary: 'Wants a refund',
        user_sentiment: 'angry',
        language: 'es',
        message_count: 2,
      });
      expect(receiver.received.every((delivery) => signatureVerifies(delivery))).toBe(true);
    });

    it('can send `data` as a one-element array', async () => {
      sim.switches.webhookDataAsArray = true;
      const id = await createSession({ contact: { email: 'ana@example.com' } });
      await sendContact(id, 'I want a human');
      await sim.idle();
      const handoff = receiver.received.find((delivery) => delivery.body.event === 'conversation.handoff_to_human');
      expect(handoff?.body.data).toEqual([
        expect.objectContaining({ conversation_id: id, customer_id: sim.sessions.get(id)?.contact?.id }),
      ]);
      expect(
        receiver.received.every((delivery) => Array.isArray(delivery.body.data) && signatureVerifies(delivery)),
      ).toBe(true);
    });

    it('sends only the subscribed events, to the webhook configured at the time', async () => {
      sim.configureWebhook(undefined);
      const id = await createSession();
      await sendContact(id, 'hello');
      await sim.idle();
      expect(sim.webhookDeliveries).toHaveLength(0);

      sim.configureWebhook({ url: receiver.url, secret: SECRET, events: ['conversation.handoff_to_human'] });
      await sendContact(id, 'hello again');
      await sendContact(id, 'I want a human');
      await sim.idle();
      expect(receiver.received.map((delivery) => delivery.body.event)).toEqual(['conversation.handoff_to_human']);
    });

    it('delivers a slow answer when it is produced, not when the message arrives', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'reply', content: 'Slow', latencyMs: 5_000 });
      const pending = sendContact(id, 'hi');
      await sim.whenHeld(1);
      expect(sim.webhookDeliveries).toHaveLength(0);
      clock.advance(5_000);
      await pending;
      await sim.idle();
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0].headers['x-opencx-timestamp']).toBe(String(START / 1000 + 5));
    });

    it('sends no webhook when the AI fails', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'error', code: 'llm_timeout' });
      await sendContact(id, 'hi');
      await sim.idle();
      expect(sim.webhookDeliveries).toHaveLength(0);
    });

    describe('timing relative to the HTTP answer', () => {
      /** The status the /send had already been answered with when its webhook arrived. */
      async function sendStatusSeenByWebhook(): Promise<number | null> {
        let seen: number | null | undefined;
        receiver.onDelivery = () => {
          seen = sim.requests.at(-1)?.status;
        };
        receiver.hold();
        const id = await createSession();
        const pending = sendContact(id, 'hi');
        await receiver.whenReceived(1);
        receiver.release();
        expect((await pending).status).toBe(201);
        await sim.idle();
        return seen ?? null;
      }

      it('fires after the HTTP answer by default, without waiting for the receiver', async () => {
        const id = await createSession();
        receiver.hold();
        expect((await sendContact(id, 'hi')).status).toBe(201); // answered while the webhook is unanswered
        await receiver.whenReceived(1);
        receiver.release();
        await sim.idle();
        expect(sim.webhookDeliveries[0].status).toBe('delivered');
        expect(await sendStatusSeenByWebhook()).toBe(201);
      });

      it('fires first and holds the HTTP answer until the webhook is answered with before-response', async () => {
        sim.switches.webhookTiming = 'before-response';
        expect(await sendStatusSeenByWebhook()).toBeNull();
      });
    });

    it('sends each event twice, as two deliveries of the same body, with duplicateWebhooks', async () => {
      await startSimulator({ switches: { duplicateWebhooks: true } });
      const id = await createSession();
      await sendContact(id, 'hi');
      await sim.idle();
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[0].rawBody).toBe(receiver.received[1].rawBody);
      expect(receiver.received[0].headers['x-opencx-delivery']).not.toBe(
        receiver.received[1].headers['x-opencx-delivery'],
      );
      expect(receiver.received.every((delivery) => signatureVerifies(delivery))).toBe(true);
    });

    it('retries a delivery answered 500 with backoff in simulated time, under the same delivery id', async () => {
      receiver.statuses.push(500, 503);
      const id = await createSession();
      await sendContact(id, 'hi');
      await sim.idle();
      const [delivery] = sim.webhookDeliveries;
      expect(delivery).toMatchObject({ status: 'pending', nextAttemptAt: START + 10_000 });
      expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500]);

      clock.advance(9_999);
      await sim.idle();
      expect(receiver.received).toHaveLength(1);
      clock.advance(1);
      await sim.idle();
      expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 503]);
      expect(delivery.nextAttemptAt).toBe(START + 40_000);

      clock.advance(30_000);
      await sim.idle();
      expect(delivery).toMatchObject({ status: 'delivered', nextAttemptAt: undefined });
      expect(receiver.received.map((received) => received.headers['x-opencx-delivery'])).toEqual([
        delivery.id,
        delivery.id,
        delivery.id,
      ]);
      expect(receiver.received.map((received) => received.headers['x-opencx-timestamp'])).toEqual(
        [0, 10, 40].map((seconds) => String(START / 1000 + seconds)),
      );
      expect(receiver.received.every((received) => signatureVerifies(received))).toBe(true);
    });

    it('gives up after the last retry', async () => {
      receiver.statuses.push(500, 500, 500, 500);
      const id = await createSession();
      await sendContact(id, 'hi');
      for (const waitMs of [0, 10_000, 30_000, 90_000]) {
        clock.advance(waitMs);
        await sim.idle();
      }
      expect(sim.webhookDeliveries[0]).toMatchObject({ status: 'failed' });
      expect(sim.webhookDeliveries[0].attempts).toHaveLength(4);
    });

    it('counts an attempt unanswered within the timeout as failed and retries it', async () => {
      receiver.hold();
      const id = await createSession();
      await sendContact(id, 'hi');
      await receiver.whenReceived(1);
      clock.advance(10_000);
      await sim.idle();
      expect(sim.webhookDeliveries[0].attempts[0]).toMatchObject({
        status: null,
        error: expect.stringContaining('timed out'),
      });
      expect(sim.webhookDeliveries[0].nextAttemptAt).toBe(START + 20_000);
      receiver.release();
    });

    it.each([
      [
        'forged',
        { signature: 'forged' as const },
        (delivery: ReceivedDelivery) => expect(signatureVerifies(delivery)).toBe(false),
      ],
      [
        'unsigned',
        { signature: 'missing' as const },
        (delivery: ReceivedDelivery) => expect(delivery.headers['x-opencx-signature']).toBeUndefined(),
      ],
      [
        'stale',
        { staleBySeconds: 600 },
        (delivery: ReceivedDelivery) => {
          expect(delivery.headers['x-opencx-timestamp']).toBe(String(START / 1000 - 600));
          expect(signatureVerifies(delivery)).toBe(true);
        },
      ],
    ])('can send a %s delivery, then sign correctly once the fault is used up', async (_label, fault, expectBroken) => {
      sim.webhookFaults.add({ ...fault, times: 1 });
      receiver.statuses.push(401);
      const id = await createSession();
      await sendContact(id, 'hi');
      await sim.idle();
      expectBroken(receiver.received[0]);

      clock.advance(10_000);
      await sim.idle();
      expect(receiver.received[1].headers['x-opencx-timestamp']).toBe(String(START / 1000 + 10));
      expect(signatureVerifies(receiver.received[1])).toBe(true);
      expect(sim.webhookDeliveries[0].status).toBe('delivered');
    });

    it('replays a delivery byte for byte', async () => {
      const id = await createSession();
      await sendContact(id, 'hi');
      await sim.idle();
      clock.advance(60_000);
      expect(await sim.replayWebhook(sim.webhookDeliveries[0])).toBe(200);
      expect(receiver.received).toHaveLength(2);
      expect(sim.webhookDeliveries[0].attempts).toHaveLength(1);
      expect(receiver.received[1].rawBody).toBe(receiver.received[0].rawBody);
      expect(receiver.received[1].headers).toMatchObject({
        'x-opencx-signature': receiver.received[0].headers['x-opencx-signature'],
        'x-opencx-timestamp': receiver.received[0].headers['x-opencx-timestamp'],
        'x-opencx-delivery': receiver.received[0].headers['x-opencx-delivery'],
      });
    });

    it('reset forgets deliveries and restores the configured webhook and switches', async () => {
      sim.configureWebhook(undefined);
      sim.switches.duplicateWebhooks = true;
      sim.switches.webhookRetryDelaysMs.length = 0;
      sim.reset();
      const id = await createSession();
      await sendContact(id, 'hi');
      await sim.idle();
      expect(sim.webhookDeliveries).toHaveLength(1);
      expect(sim.switches).toMatchObject({ duplicateWebhooks: false, webhookRetryDelaysMs: [10_000, 30_000, 90_000] });
    });
  });

  describe('faults after processing', () => {
    it('drops the answer of a processed /send: the AI answered, the webhook fired, the client saw none', async () => {
      const id = await createSession();
      sim.ai.reply('You will not see this over HTTP.');
      sim.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 'drop', times: 1 });
      await expect(sendContact(id, 'hi')).rejects.toThrow();
      await sim.idle();

      expect(historyTexts(sim, id)).toEqual(['hi', 'You will not see this over HTTP.']);
      expect(receiver.received.map((delivery) => asRecord(asRecord(delivery.body.data).message).content)).toEqual([
        'You will not see this over HTTP.',
      ]);
      expect(sim.requests.at(-1)?.status).toBeNull();
    });

    it('replaces the answer of a processed request with the scripted status', async () => {
      sim.faults.add({ method: 'POST', path: '/chat/sessions', after: 503, retryAfterSeconds: 4, times: 1 });
      const result = await api('POST', '/chat/sessions', { custom_data: { flex_conversation_sid: 'CH1' } });
      expect(result.status).toBe(503);
      expect(result.headers.get('retry-after')).toBe('4');
      expect([...sim.sessions.values()].map((session) => session.custom_data)).toEqual([
        { flex_conversation_sid: 'CH1' },
      ]);
    });

    it('loses a slow answer when it is finally sent', async () => {
      const id = await createSession();
      sim.ai.reply({ type: 'reply', content: 'Slow and lost', latencyMs: 8_000 });
      sim.faults.add({ path: '/chat/sessions/:id/send', after: 502 });
      const pending = sendContact(id, 'hi');
      await sim.whenHeld(1);
      clock.advance(8_000);
      expect((await pending).status).toBe(502);
      await sim.idle();
      expect(historyTexts(sim, id)).toEqual(['hi', 'Slow and lost']);
      expect(sim.webhookDeliveries).toHaveLength(1);
    });

    it('refuses a rule that fails both before and after processing', () => {
      expect(() => sim.faults.add({ path: '/org', status: 500, after: 'drop' })).toThrow();
    });
  });

  describe('rate limit on the shared clock', () => {
    it('keeps a window per API key and tells each key when its next slot frees', async () => {
      const other = 'ocx_live_second_key';
      await startSimulator({ rateLimitPerMinute: 2, apiKeys: [API_KEY, other] });
      await api('GET', '/org');
      clock.advance(20_000);
      await api('GET', '/org');
      await api('GET', '/org', undefined, { key: other });
      clock.advance(5_000);

      const limited = await api('GET', '/org');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('35');
      expect((await api('GET', '/org', undefined, { key: other })).status).toBe(200);
      const otherLimited = await api('GET', '/org', undefined, { key: other });
      expect(otherLimited.headers.get('retry-after')).toBe('55');

      clock.advance(35_000);
      expect((await api('GET', '/org')).status).toBe(200);
    });
  });

  it('stop releases held requests and stops retries', async () => {
    receiver.statuses.push(500);
    const id = await createSession();
    await sendContact(id, 'first');
    await sim.idle();
    sim.ai.neverAnswer();
    const refused = expect(sendContact(id, 'second')).rejects.toThrow();
    await sim.whenHeld(1);
    await sim.stop();
    await refused;
    clock.advance(10_000);
    await sim.idle();
    expect(receiver.received).toHaveLength(1);
  });
});
