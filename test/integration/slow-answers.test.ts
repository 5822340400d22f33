// Every customer message ends with exactly one AI answer or a human handoff, however long the AI
// takes: the fast path, OpenCX's signed webhook (the slow path) and the watchdog, on the shared
// virtual clock (nothing here waits in real time for a timeout).
import { ATTACHMENT_NOTE } from '../../functions/bridge/decide';
import { DEDUP_SHARDS } from '../../functions/bridge/dedup';
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';
import { AI_RESPONSE_EVENT, HANDOFF_EVENT } from '../simulators/opencx/opencx-simulator';
import { AI_ANSWER_TIMEOUT_SECONDS, CUSTOMER_HANDOFF_NOTE, OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import {
  engageHeldAfterItsRead,
  finishTest,
  holdNextRequest,
  holdWatchdogArming,
  lastSeq,
  messageHandled,
  opencxDeliveriesFor,
  postSignedOpencx,
} from './helpers';

jest.setTimeout(120000);

/** The Functions stop waiting for OpenCX after this long (real ms), so a slow answer takes the slow path quickly. */
const ANSWER_WAIT_MS = '1500';

let world: World;

beforeAll(async () => {
  world = await World.start({
    functionsEnv: { OPENCX_ANSWER_WAIT_MS: ANSWER_WAIT_MS },
    // Every AI conversation of the file stays open, and its pending reservation is offered again at each
    // reservation timeout the clock passes: late in the file one advance starts some 60 Functions at once.
    settleTimeoutMs: 120_000,
  });
});
afterAll(() => world?.stop());
// Simulated minutes pass here: a human reservation left from an earlier test times the agent out.
beforeEach(() => world.humanAgentLogsIn());
afterEach(() => {
  world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  world.opencx.webhookFaults.clear();
  world.opencx.ai.reset();
  Object.assign(world.opencx.switches, {
    processesAfterDisconnect: true,
    webhookTiming: 'after-response',
    duplicateWebhooks: false,
  });
  finishTest(world);
});

const aiMessages = (conversationSid: string) =>
  world
    .transcript(conversationSid)
    .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'ai');
const notes = (conversationSid: string) =>
  world
    .transcript(conversationSid)
    .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
/** The roles of our messages in the conversation, oldest first. */
const ourRoles = (conversationSid: string) =>
  world
    .transcript(conversationSid)
    .map((m) => (m.attributes.opencx as { role?: string } | undefined)?.role)
    .filter((role) => role !== undefined);
const timerTasks = (conversationSid: string) =>
  [...world.taskrouter.workspace(world.timerWorkspaceSid).tasks.values()].filter(
    (t) => t.attributes.conversationSid === conversationSid,
  );
const outcomes = () => world.takeLogs().filter((l) => l.source === 'opencx-bridge' && l.outcome !== 'warning');

/** A conversation the AI holds, answered at once, with the logs read past. */
async function engaged(): Promise<{ conversationSid: string; taskSid: string }> {
  const started = await world.customerStartsConversation('Hello');
  expect(aiMessages(started.conversationSid)).toHaveLength(1);
  world.takeLogs();
  return started;
}

/** The customer writes; OpenCX holds its answer for `latencyMs` of simulated time, which the test then lets pass. */
async function answeredAfter(conversationSid: string, body: string, latencyMs: number): Promise<void> {
  const held = world.opencx.heldRequests;
  world.customerWrites(conversationSid, body);
  await world.opencx.whenHeld(held + 1);
  await world.advance(latencyMs);
}

describe('the fast path: OpenCX answers while the Function waits', () => {
  // OpenCX's time is simulated: any answer it gives while the Function waits (real time) takes this path.
  test('an answer while the Function waits is posted at once, once, with no watchdog', async () => {
    const latencyMs = 3000;
    const { conversationSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: `Answer after ${latencyMs} ms`, latencyMs });

    await answeredAfter(conversationSid, 'Where is my parcel?', latencyMs);

    expect(
      aiMessages(conversationSid)
        .map((m) => m.body)
        .slice(1),
    ).toEqual([`Answer after ${latencyMs} ms`]);
    expect(timerTasks(conversationSid)).toEqual([]);
    // OpenCX's webhook for the same answer arrived too and was recognised (on a busy machine it may
    // claim the answer first, and the relay recognises it instead).
    const logs = outcomes();
    const relayed = logs.find((l) => l.event === 'onMessageAdded')?.outcome;
    const delivered = logs.find((l) => l.event === 'conversation.ai_response')?.outcome;
    expect([relayed, delivered].sort()).toEqual(['already-answered', 'replied']);
  });

  test.each(['before-response', 'after-response'] as const)(
    'OpenCX webhook %s the HTTP answer: one reply',
    async (timing) => {
      world.opencx.switches.webhookTiming = timing;
      const { conversationSid } = await engaged();
      world.opencx.ai.reply({ type: 'reply', content: 'Only once', latencyMs: 200 });

      await answeredAfter(conversationSid, 'Hi again', 200);

      expect(aiMessages(conversationSid).filter((m) => m.body === 'Only once')).toHaveLength(1);
    },
  );

  test('every webhook delivered twice: one reply', async () => {
    world.opencx.switches.duplicateWebhooks = true;
    const { conversationSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Said once', latencyMs: 100 });

    await answeredAfter(conversationSid, 'Are you there?', 100);

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Said once')).toHaveLength(1);
  });
});

describe('the slow path: the answer comes by OpenCX webhook', () => {
  test.each([8000, 30000])(
    'an answer after %i ms reaches the customer once, and the watchdog then stands down',
    async (latencyMs) => {
      const { conversationSid, taskSid } = await engaged();
      world.opencx.ai.reply({ type: 'reply', content: `Late answer (${latencyMs} ms)`, latencyMs });

      await world.customerSays(conversationSid, 'Can you check my invoice?');
      expect(outcomes().find((l) => l.event === 'onMessageAdded')).toMatchObject({ outcome: 'awaiting-answer' });
      expect(timerTasks(conversationSid)).toHaveLength(1);
      expect(timerTasks(conversationSid)[0].timeout).toBe(AI_ANSWER_TIMEOUT_SECONDS);
      expect(aiMessages(conversationSid)).toHaveLength(1);

      await world.advance(latencyMs);
      expect(
        aiMessages(conversationSid)
          .map((m) => m.body)
          .slice(1),
      ).toEqual([`Late answer (${latencyMs} ms)`]);

      // The watchdog fires after its 60 s and finds the answer: the AI keeps the conversation.
      await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);
      expect(
        outcomes().find((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid),
      ).toMatchObject({ outcome: 'answered-in-time' });
      expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    },
  );

  test('a customer who writes again days later, on a task that lives two weeks, still gets a slow answer', async () => {
    const { conversationSid } = world.flex.startInboundConversation({
      conversationsServiceSid: world.conversationsServiceSid,
      workspaceSid: world.workspaceSid,
      workflowSid: world.workflowSid,
      from: '+15550100142',
      body: 'Hello, I ordered a lamp',
      channelType: 'sms',
      timeout: 14 * 24 * 3600,
    });
    await world.settle();
    expect(aiMessages(conversationSid)).toHaveLength(1);
    await world.advance(4 * 24 * 3600 * 1000);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });

    world.opencx.ai.reply({ type: 'reply', content: 'It ships on Monday', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Back again: has it shipped?');
    await world.advance(8000);

    expect(aiMessages(conversationSid).map((m) => m.body)).toEqual([expect.any(String), 'It ships on Monday']);
  });

  test('a slow answer costs one OpenCX request: the watchdog stands down without reading the history', async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Slow and cheap', latencyMs: 8000 });
    const before = world.opencx.requests.length;

    await world.customerSays(conversationSid, 'Is my refund through?');
    await world.advance(8000);
    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);

    expect(
      outcomes().find((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid),
    ).toMatchObject({ outcome: 'answered-in-time' });
    expect(aiMessages(conversationSid).map((m) => m.body)).toEqual([expect.any(String), 'Slow and cheap']);
    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(
      world.opencx.requests
        .slice(before)
        .filter((r) => r.path.includes(sessionId))
        .map((r) => `${r.method} ${r.path.replace(sessionId, ':id')}`),
    ).toEqual(['POST /chat/sessions/:id/send']);
  });

  test('after simulated time ran 10 minutes ahead of the Functions, a retried answer is still accepted', async () => {
    // Each attempt is signed when it is sent, so its age is judged by the time OpenCX sent it.
    await world.advance(10 * 60 * 1000);
    await world.humanAgentLogsIn();
    const { conversationSid } = await engaged();
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'reply', content: 'Answer after the clock moved on', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Still there?');
    await world.advance(8000);
    await world.advance(world.opencx.switches.webhookRetryDelaysMs[0]);

    const delivery = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;
    expect(delivery.attempts.map((a) => a.status)).toEqual([401, 200]);
    expect(aiMessages(conversationSid).map((m) => m.body)).toContain('Answer after the clock moved on');
  });

  test('with Functions stopped the moment Conversations gives up, the slow path still answers once', async () => {
    world.twilio.switches.functionOutlivesCaller = false;
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Answer despite a strict runtime', latencyMs: 8000 });
    // Conversations gives up while the relay arms its watchdog (held), and the runtime stops it there.
    const watchdog = holdWatchdogArming(world);
    try {
      world.customerWrites(conversationSid, 'Strict runtime question');
      await world.until(() => watchdog.request() !== undefined, 'the relay to arm its watchdog');
      const delivery = world.twilio.webhooks.filter((d) => d.params.Body === 'Strict runtime question').at(-1)!;
      world.twilio.expireDelivery(delivery.seq);
      await world.until(() => delivery.functionStopped !== undefined, 'Twilio to stop the relay');
      expect(delivery.functionStopped).toBe(true);
      await world.until(() => watchdog.request()!.clientLeft === true, 'the held request to close');
    } finally {
      watchdog.release();
      world.twilio.switches.functionOutlivesCaller = true;
    }
    await world.settle();
    await world.advance(8000);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Answer despite a strict runtime')).toHaveLength(1);
    // The watchdog the stopped relay armed finds the answer: no handoff.
    world.takeLogs();
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    expect(
      outcomes().find((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid),
    ).toMatchObject({ outcome: 'answered-in-time' });
  });

  test('an AI that never answers: the watchdog hands off after 60 s without the customer writing again', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.neverAnswer();

    await world.customerSays(conversationSid, 'Hello?');
    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000 - 1000);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

    await world.advance(2000);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    expect(notes(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
    expect(aiMessages(conversationSid)).toHaveLength(1);
  });

  test.each([
    { second: Infinity, outcome: 'a handoff' },
    { second: 12_000, outcome: 'no handoff' },
  ])(
    'two slow messages, the first answered after the second was written, the second after $second ms: $outcome',
    async ({ second }) => {
      const { conversationSid, taskSid } = await engaged();
      world.opencx.ai.reply({ type: 'reply', content: 'Order 7 ships today', latencyMs: 8000 });
      world.opencx.ai.reply({ type: 'reply', content: 'The address is changed', latencyMs: second });

      await world.customerSays(conversationSid, 'Where is order 7?');
      await world.customerSays(conversationSid, 'Can I change its address?');
      await world.advance(8000);
      expect(aiMessages(conversationSid).map((m) => m.body)).toEqual([expect.any(String), 'Order 7 ships today']);
      await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);

      // The answer that follows the second message is the first one's: only OpenCX's history tells.
      const watchdogs = outcomes()
        .filter((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid)
        .map((l) => l.outcome);
      if (second === Infinity) {
        expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
        expect(notes(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
        expect(watchdogs).toEqual(['answered-in-time', 'handed-off']);
      } else {
        expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
        expect(
          aiMessages(conversationSid)
            .map((m) => m.body)
            .slice(1),
        ).toEqual(['Order 7 ships today', 'The address is changed']);
        expect(watchdogs).toEqual(['answered-in-time', 'answered-in-time']);
      }
    },
  );

  test("an answer OpenCX's webhook is posting as the watchdog fires: waited for, no handoff", async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Found it: it ships today', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Where is order 7?');
    const timers = timerTasks(conversationSid).length;
    // The webhook's post of the answer is held until the watchdog has acted.
    let release!: () => void;
    world.twilio.addFault({
      product: 'conversations',
      method: 'POST',
      path: /\/Messages$/,
      times: 1,
      until: new Promise<void>((resolve) => (release = resolve)),
    });
    try {
      world.twilio.clock.advance(8000);
      await world.until(() => world.twilio.requestsOnHold === 1, "the webhook's post of the answer, held");
      world.twilio.clock.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);
      await world.until(
        () => timerTasks(conversationSid).length > timers || world.task(taskSid).attributes.handedOff === true,
        'the watchdog to hand off or look again',
      );
    } finally {
      release();
    }
    await world.settle();
    await world.advance(16_000);

    expect(
      outcomes()
        .filter((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid)
        .map((l) => l.outcome),
    ).toEqual(['deferred', 'answered-in-time']);
    expect(aiMessages(conversationSid).map((m) => m.body)).toContain('Found it: it ships today');
    expect(notes(conversationSid)).toEqual([]);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
  });

  test("the watchdog's handoff written as the webhook sets out to post: the note alone, no answer", async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Too late to be posted', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Where is order 8?');
    // The webhook's write over the record it read (before its post) is held until the watchdog handed off.
    let release!: () => void;
    world.twilio.addFault({
      product: 'sync',
      method: 'POST',
      path: new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`),
      times: 1,
      until: new Promise<void>((resolve) => (release = resolve)),
    });
    try {
      world.twilio.clock.advance(8000);
      await world.until(() => world.twilio.requestsOnHold === 1, "the webhook's write of the record, held");
      world.twilio.clock.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);
      await world.until(() => notes(conversationSid).length === 1, "the watchdog's handoff note");
    } finally {
      release();
    }
    await world.settle();

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Too late to be posted');
    expect(outcomes().find((l) => l.event === AI_RESPONSE_EVENT)).toMatchObject({ outcome: 'answer-withheld' });
  });

  test('a watchdog whose check fails is armed again, and the next one hands off', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.neverAnswer();
    await world.customerSays(conversationSid, 'Anyone?');
    world.takeLogs();
    // The watchdog cannot read the conversation when it fires.
    world.twilio.addFault({
      method: 'GET',
      path: '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
      status: 500,
    });
    try {
      await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000 + 1000);
    } finally {
      world.twilio.clearFaults();
    }
    expect(
      world
        .takeLogs()
        .filter((l) => l.event === 'task.canceled')
        .map((l) => l.outcome),
    ).toEqual(['timer-armed']);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

    await world.advance(16_000);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(notes(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  });

  test('OpenCX drops the work when we disconnect: the watchdog hands off', async () => {
    world.opencx.switches.processesAfterDisconnect = false;
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Never seen', latencyMs: 8000 });

    await world.customerSays(conversationSid, 'Status of order 12?');
    await world.advance(8000);
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Never seen');

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  });

  test('a slow handoff by OpenCX webhook routes the task to humans once', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({
      type: 'handoff',
      summary: 'Wants a refund',
      sentiment: 'angry',
      language: 'de',
      content: 'Einen Moment bitte.',
      latencyMs: 9000,
    });

    await world.customerSays(conversationSid, 'Ich will einen Menschen');
    await world.advance(9000);

    expect(world.task(taskSid).attributes).toMatchObject({
      handedOff: true,
      handoffReason: 'AI requested human handoff',
      handoffSummary: 'Wants a refund',
      handoffSentiment: 'negative',
      handoffLanguage: 'de',
    });
    expect(aiMessages(conversationSid).map((m) => m.body)).toContain('Einen Moment bitte.');
    expect(notes(conversationSid)).toHaveLength(1);
    // The summary and sentiment stay with the agent.
    expect(
      world
        .transcript(conversationSid)
        .map((m) => m.body)
        .join('\n'),
    ).not.toMatch(/Wants a refund|negative|angry/);
  });
});

describe('OpenCX webhooks that must change nothing', () => {
  test.each([
    ['forged', { signature: 'forged' as const }],
    ['unsigned', { signature: 'missing' as const }],
    ['stale', { staleBySeconds: 600 }],
  ])('a %s delivery is refused; OpenCX retries it signed and the answer is posted once', async (_label, fault) => {
    const { conversationSid } = await engaged();
    world.opencx.webhookFaults.add({ ...fault, times: 1 });
    world.opencx.ai.reply({ type: 'reply', content: 'Signed answer', latencyMs: 8000 });

    await world.customerSays(conversationSid, 'Still there?');
    await world.advance(8000);
    const answer = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;
    expect(answer.attempts.map((a) => a.status)).toEqual([401]);
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Signed answer');

    // OpenCX's retry (10 s later) is signed.
    await world.advance(10000);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Signed answer')).toHaveLength(1);
  });

  /** OpenCX's answer, due in 8 s, is delivered once under the faults set, and refused (503); the faults then go. */
  async function firstDeliveryFails(conversationSid: string): Promise<void> {
    try {
      await world.advance(8000);
      const answer = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;
      expect(answer.attempts.map((a) => a.status)).toEqual([503]);
    } finally {
      world.twilio.clearFaults();
    }
  }

  test("a long answer cut short, whose handoff then failed: OpenCX's retry posts only the rest", async () => {
    const { conversationSid, taskSid } = await engaged();
    const long = Array.from({ length: 70 }, (_, i) => `Detail ${i + 1} about your order.`).join(' ');
    world.opencx.ai.reply({ type: 'reply', content: long, latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Tell me everything');

    // The first part posts, the second is refused; the handoff that follows can write neither the record nor the task.
    world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, status: 429, skip: 1 });
    world.twilio.addFault({
      method: 'POST',
      product: 'sync',
      path: /\/Maps\/opencx_conversations_\d+\/Items\/CH/,
      status: 500,
    });
    world.twilio.addFault({ method: 'POST', product: 'taskrouter', path: /\/Tasks\/WT[0-9a-f]{32}$/, status: 500 });
    await firstDeliveryFails(conversationSid);
    expect(aiMessages(conversationSid)).toHaveLength(2);

    await world.advance(10000);

    const parts = aiMessages(conversationSid)
      .slice(1)
      .map((m) => m.body);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ')).toBe(long);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  });

  test("a handoff cut short before its task was written is finished by OpenCX's retry of the answer", async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Slow answer that cannot be posted', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Anyone there?');

    // The answer cannot be posted, so the bridge hands off; the task cannot be written.
    world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, status: 429 });
    world.twilio.addFault({ method: 'POST', product: 'taskrouter', path: /\/Tasks\/WT[0-9a-f]{32}$/, status: 500 });
    await firstDeliveryFails(conversationSid);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

    await world.advance(10000);

    expect(world.task(taskSid).attributes).toMatchObject({
      handedOff: true,
      handoffReason: 'AI reply could not be delivered',
    });
    expect(notes(conversationSid)).toHaveLength(1);
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Slow answer that cannot be posted');
  });

  test('a delivery that names no message id: one the fast path posted is not posted again', async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply('Posted by the fast path');
    await world.customerSays(conversationSid, 'Quick one');
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Posted by the fast path')).toHaveLength(1);

    // The same answer in the other shape OpenCX may send: the text in data.response, no id.
    const body = JSON.stringify({
      event: AI_RESPONSE_EVENT,
      organization_id: 'org',
      data: { conversation_id: world.sessionFor(conversationSid)!.id, response: 'Posted by the fast path' },
    });
    const answer = await postSignedOpencx(world, body, OPENCX_WEBHOOK_SECRET);
    await world.settle();

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ outcome: 'already-answered' });
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Posted by the fast path')).toHaveLength(1);
  });

  test("no id, and OpenCX's history cannot be read (rate-limited): posted, keyed by its text", async () => {
    const text = 'Yes, within 30 days.';
    const { conversationSid } = await engaged();
    const sessionId = world.sessionFor(conversationSid)!.id;
    // OpenCX keeps each answer in the session's history, with its id.
    const answeredInHistory = (id: string) =>
      world.sessionFor(conversationSid)!.messages.push({
        id,
        created_at: new Date().toISOString(),
        event: {
          type: 'message',
          sender: { type: 'ai', name: 'AI' },
          content: { type: 'text', text },
          attachments: [],
        },
      });
    const delivery = (timestamp?: string) =>
      JSON.stringify({
        event: AI_RESPONSE_EVENT,
        organization_id: 'org',
        data: { conversation_id: sessionId, response: text, ...(timestamp && { timestamp }) },
      });
    const deliver = async (body: string) => {
      const answer = await postSignedOpencx(world, body, OPENCX_WEBHOOK_SECRET);
      await world.settle();
      return { status: answer.status, body: await answer.json() };
    };
    const posted = () => aiMessages(conversationSid).filter((m) => m.body === text);

    world.customerWrites(conversationSid, 'Can I return shoes?');
    await world.settle();
    answeredInHistory('ai-answer-shoes');
    // OpenCX's retry, half a minute on.
    const retry = delivery(new Date(Date.now() - 30_000).toISOString());
    world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 429 });
    try {
      // Just answered: the fast path may be posting it under its id, so OpenCX is to try again later.
      expect((await deliver(delivery(new Date().toISOString()))).status).toBe(503);
      expect(posted()).toHaveLength(0);
      expect(await deliver(retry)).toMatchObject({ status: 200, body: { outcome: 'replied' } });
      // OpenCX delivering it again: not posted twice.
      expect((await deliver(retry)).body).toMatchObject({ outcome: 'already-answered' });
    } finally {
      world.opencx.faults.clear();
    }
    // Delivered again once the history reads: found there under its id, but posted already under its text.
    expect((await deliver(retry)).body).toMatchObject({ outcome: 'already-answered' });
    expect(posted()).toHaveLength(1);

    // A later turn's answer of the same text, delivered without its id: its own, posted.
    world.customerWrites(conversationSid, 'And sandals?');
    await world.settle();
    answeredInHistory('ai-answer-sandals');
    expect((await deliver(delivery())).body).toMatchObject({ outcome: 'replied' });
    expect(posted()).toHaveLength(2);

    // And one more, while the history cannot be read: keyed by its text and the time OpenCX sent it, so
    // not taken for the first turn's answer of the same words (whose claim lasts an hour).
    world.customerWrites(conversationSid, 'And boots?');
    await world.settle();
    answeredInHistory('ai-answer-boots');
    world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 429 });
    try {
      const boots = delivery(new Date(Date.now() - 20_000).toISOString());
      expect(await deliver(boots)).toMatchObject({ status: 200, body: { outcome: 'replied' } });
      expect((await deliver(boots)).body).toMatchObject({ outcome: 'already-answered' });
    } finally {
      world.opencx.faults.clear();
    }
    expect(posted()).toHaveLength(3);
  });

  test('no id, a session longer than the history read: posted once, and a new answer posted', async () => {
    const pageSize = world.opencx.historyPageSize;
    world.opencx.historyPageSize = 1;
    try {
      const { conversationSid } = await engaged();
      // An older answer of the same text: the first pages of the history name it, not the newest.
      world.opencx.ai.reply('Could you share your order number?');
      await world.customerSays(conversationSid, 'Where is my parcel?');
      for (const body of ['It is 1234', 'Or maybe 1243', 'Let me check', 'Sorry, it is 4321']) {
        world.opencx.ai.reply(`Noted: ${body}`);
        await world.customerSays(conversationSid, body);
      }
      world.opencx.ai.reply('Could you share your order number?');
      await world.customerSays(conversationSid, 'I lost it');
      const asked = () => aiMessages(conversationSid).filter((m) => m.body === 'Could you share your order number?');
      expect(asked()).toHaveLength(2);

      const deliver = (response: string) =>
        postSignedOpencx(
          world,
          JSON.stringify({
            event: AI_RESPONSE_EVENT,
            organization_id: 'org',
            data: { conversation_id: world.sessionFor(conversationSid)!.id, response },
          }),
          OPENCX_WEBHOOK_SECRET,
        );
      // The fast path posted it under its id: the delivery without one is not posted again.
      const again = await deliver('Could you share your order number?');
      await world.settle();
      expect(await again.json()).toMatchObject({ outcome: 'already-answered' });
      expect(asked()).toHaveLength(2);

      // An answer only the webhook brings, of a text the AI said before: posted, not taken for the old one.
      world.customerWrites(conversationSid, 'Hello?');
      await world.settle();
      const fresh = await deliver('Noted: It is 1234');
      await world.settle();
      expect(fresh.status).toBe(200);
      expect(aiMessages(conversationSid).filter((m) => m.body === 'Noted: It is 1234')).toHaveLength(2);
    } finally {
      world.opencx.historyPageSize = pageSize;
    }
  });

  /** Signed OpenCX deliveries about the conversation's session, as OpenCX would send them. */
  const deliveriesOf =
    (conversationSid: string) =>
    (event: string, data: Record<string, unknown>): Promise<Response> =>
      postSignedOpencx(
        world,
        JSON.stringify({
          event,
          organization_id: 'org',
          data: { conversation_id: world.sessionFor(conversationSid)!.id, ...data },
        }),
        OPENCX_WEBHOOK_SECRET,
      );

  test('an answer delivered after its claim expired is looked for in the conversation: not posted twice', async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply('It ships today.');
    await world.customerSays(conversationSid, 'When does it ship?');
    const posted = aiMessages(conversationSid).find((m) => m.body === 'It ships today.')!;
    const key = (posted.attributes.opencx as { key: string }).key;
    const answerId = key.split('_').at(-1)!;
    // An hour on, Sync has let the answer's claim go.
    let expired = false;
    for (let shard = 0; shard < DEDUP_SHARDS; shard++)
      expired = world.sync.map(world.syncServiceSid, `opencx_dedup_${shard}`)?.items.delete(key) || expired;
    expect(expired).toBe(true);
    const deliver = deliveriesOf(conversationSid);
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();

    const redelivered = await deliver(AI_RESPONSE_EVENT, {
      message: { id: answerId, content: 'It ships today.' },
      timestamp: hoursAgo(2),
    });
    // Never posted, and late too (OpenCX's timestamp may not be the answer's): posted once.
    const neverPosted = await deliver(AI_RESPONSE_EVENT, {
      message: { id: 'retried-for-hours', content: 'It arrives tomorrow.' },
      timestamp: hoursAgo(2),
    });
    await world.settle();

    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toMatchObject({ outcome: 'already-answered' });
    expect(await neverPosted.json()).toMatchObject({ outcome: 'replied' });
    expect(aiMessages(conversationSid).filter((m) => m.body === 'It ships today.')).toHaveLength(1);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'It arrives tomorrow.')).toHaveLength(1);
  });

  test("after OpenCX's own handoff event, one answer is posted as its last words, not a second", async () => {
    const { conversationSid, taskSid } = await engaged();
    const deliver = deliveriesOf(conversationSid);
    // The handoff event comes first: the handoff records no last words.
    const handoff = await deliver(HANDOFF_EVENT, {
      reason: 'ai_decided_to_handoff_the_conversation',
      summary: 'Refund',
    });
    expect(handoff.status).toBe(200);
    expect(world.task(taskSid).attributes.handedOff).toBe(true);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { byAi: true } });

    const farewell = await deliver(AI_RESPONSE_EVENT, {
      message: { id: 'farewell-1', content: 'A colleague is coming.' },
    });
    // An earlier message's answer, redelivered late by OpenCX's retries.
    const late = await deliver(AI_RESPONSE_EVENT, {
      message: { id: 'earlier-1', content: 'Your parcel left the depot.' },
    });
    await world.settle();

    expect(await farewell.json()).toMatchObject({ outcome: 'replied' });
    // Withheld, or taken as a cue to finish the handoff (until the task is known to be with humans).
    expect(['answer-withheld', 'handoff-finished']).toContain(((await late.json()) as { outcome: string }).outcome);
    expect(aiMessages(conversationSid).map((m) => m.body)).toContain('A colleague is coming.');
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Your parcel left the depot.');
    // OpenCX's retry of the last words is not posted again.
    const again = await deliver(AI_RESPONSE_EVENT, {
      message: { id: 'farewell-1', content: 'A colleague is coming.' },
    });
    expect(await again.json()).toMatchObject({ outcome: 'already-answered' });
    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague is coming.')).toHaveLength(1);
  });

  /** The customer writes; the AI's answer is slower than the relay waits, so it will come by webhook. */
  async function relayedSlowly(conversationSid: string, body: string): Promise<void> {
    const held = world.opencx.heldRequests;
    const since = world.twilio.webhooks.at(-1)?.seq ?? 0;
    world.customerWrites(conversationSid, body);
    await world.opencx.whenHeld(held + 1);
    await world.until(
      () => world.twilio.webhooks.some((d) => d.seq > since && d.params.EventType === 'onMessageAdded' && d.status),
      'the relay answered',
    );
  }

  /**
   * The AI hands off with `goodbye`. OpenCX delivers before it answers the send, and its delivery of the
   * goodbye is refused once (it retries later): its handoff event comes first.
   */
  function handoffEventFirst(goodbye: string): void {
    world.opencx.switches.webhookTiming = 'before-response';
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'handoff', content: goodbye, summary: 'Refund', sentiment: 'neutral' });
  }

  // OpenCX's handoff event says nothing of last words; the answer to the earlier message comes after it.
  test.each([
    ['the goodbye came first', false],
    ['its first delivery was refused', true],
  ])("an earlier message's slow answer is not posted as the last words after the handoff (%s)", async (_, refused) => {
    const { conversationSid, taskSid } = await engaged();
    const goodbye = 'A colleague will take it from here.';
    world.opencx.ai.reply({ type: 'reply', content: 'Your parcel left the depot.', latencyMs: 12_000 });
    await relayedSlowly(conversationSid, 'Where is my parcel?');
    if (refused) world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'handoff', content: goodbye, summary: 'Wants a person', sentiment: 'neutral' });
    world.opencx.ai.latency(5000);
    await relayedSlowly(conversationSid, 'A person, please');
    await world.advance(5000);
    expect(world.task(taskSid).attributes.handedOff).toBe(true);

    // The earlier message's answer comes (at 12 s), then the goodbye's retry (10 s after the refusal); in
    // steps, so that each delivery is answered before its timeout.
    for (const step of [7000, 3000, 5000, 5000]) await world.advance(step);

    const bodies = world.transcript(conversationSid).map((m) => m.body);
    expect(bodies).not.toContain('Your parcel left the depot.');
    expect(notes(conversationSid)).toHaveLength(1);
    expect(bodies.filter((body) => body === goodbye)).toHaveLength(1);
    // Refused, the goodbye comes with OpenCX's retry, after the note, as a handoff's last words may.
    expect(bodies.slice(-2)).toEqual(refused ? [CUSTOMER_HANDOFF_NOTE, goodbye] : [goodbye, CUSTOMER_HANDOFF_NOTE]);
    // Withheld, the earlier answer's claim is given back (were the relay to bring it carrying the handoff).
    const session = world.sessionFor(conversationSid)!;
    const idOf = (text: string) =>
      session.messages.find((m) => m.event.type === 'message' && m.event.content.text === text)!.id;
    expect(claimed(`ans_${session.id}_${idOf('Your parcel left the depot.')}`)).toBe(false);
    expect(claimed(`ans_${session.id}_${idOf(goodbye)}`)).toBe(true);
  });

  /** Whether an answer's key is claimed in the dedup maps. */
  function claimed(key: string): boolean {
    for (let shard = 0; shard < DEDUP_SHARDS; shard++)
      if (world.sync.map(world.syncServiceSid, `opencx_dedup_${shard}`)?.items.has(key)) return true;
    return false;
  }

  test("the fast path's last words go after OpenCX's handoff event, an earlier message's answer not", async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Your parcel left the depot.', latencyMs: 20_000 });
    await relayedSlowly(conversationSid, 'Where is my parcel?');
    // The handoff event comes before the send's answer, which carries the last words.
    handoffEventFirst('A colleague is coming.');
    await world.customerSays(conversationSid, 'A refund please');
    await world.advance(30_000);

    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague is coming.')).toHaveLength(1);
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Your parcel left the depot.');
    expect(notes(conversationSid)).toHaveLength(1);
  });

  // Made 3 s after the handoff, or 1.5 s (within the grace OpenCX's stamps get): the goodbye, made with it, goes.
  test.each([4000, 2500])(
    'a slow earlier answer after a handoff event, its goodbye lost twice, is not the last words (%i ms)',
    async (latencyMs) => {
      const { conversationSid, taskSid } = await engaged();
      const goodbye = 'A colleague will take it from here.';
      world.opencx.ai.reply({ type: 'reply', content: 'Your parcel left the depot.', latencyMs });
      const held = world.opencx.heldRequests;
      world.customerWrites(conversationSid, 'Where is my parcel?');
      await world.opencx.whenHeld(held + 1);
      // The next message's answer hands off. OpenCX's webhooks come before its HTTP answer, which is lost
      // on the way back, and the goodbye's delivery is refused once: the handoff event comes alone.
      world.opencx.switches.webhookTiming = 'before-response';
      world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
      world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 'drop', times: 1 });
      world.opencx.ai.reply({
        type: 'handoff',
        content: goodbye,
        summary: 'Wants a person',
        sentiment: 'neutral',
        latencyMs: 1000,
      });
      world.customerWrites(conversationSid, 'A person, please');
      await world.opencx.whenHeld(held + 2);
      await world.advance(1000);
      expect(world.task(taskSid).attributes.handedOff).toBe(true);

      // The first message's answer comes (by webhook: the relay's wait runs on real time), then the goodbye's retry.
      for (const step of [latencyMs - 1000, 5000, 5000, 5000]) await world.advance(step);

      const bodies = world.transcript(conversationSid).map((m) => m.body);
      expect(bodies).not.toContain('Your parcel left the depot.');
      expect(notes(conversationSid)).toHaveLength(1);
      expect(bodies.slice(-2)).toEqual([CUSTOMER_HANDOFF_NOTE, goodbye]);
    },
  );

  test('the AI hands off without a word: an earlier message answered later by webhook is not posted', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Your parcel left the depot.', latencyMs: 10_000 });
    const held = world.opencx.heldRequests;
    const since = world.twilio.webhooks.at(-1)?.seq ?? 0;
    world.customerWrites(conversationSid, 'Where is my parcel?');
    await world.opencx.whenHeld(held + 1);
    // Its relay stops waiting: the answer will come by webhook.
    await world.until(
      () => world.twilio.webhooks.some((d) => d.seq > since && d.params.EventType === 'onMessageAdded' && d.status),
      'the relay answered',
    );
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A human, please');
    expect(world.task(taskSid).attributes.handedOff).toBe(true);

    await world.advance(10_000);

    const delivered = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;
    expect(delivered.body.data).toMatchObject({ message: { content: 'Your parcel left the depot.' } });
    expect(JSON.parse(delivered.attempts.at(-1)?.responseBody ?? '{}')).toMatchObject({ outcome: 'ignore' });
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Your parcel left the depot.');
    expect(notes(conversationSid)).toHaveLength(1);
  });

  test("the fast path's last words after OpenCX's own handoff event are recorded: a later answer is not", async () => {
    const { conversationSid } = await engaged();
    // The handoff event moves the conversation, and the fast path posts the last words.
    handoffEventFirst('A colleague is coming.');
    await world.customerSays(conversationSid, 'A refund please');

    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague is coming.')).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      handoff: { byAi: true, farewell: expect.any(String) },
    });
    const late = await deliveriesOf(conversationSid)(AI_RESPONSE_EVENT, {
      message: { id: 'earlier-2', content: 'Your parcel left the depot.' },
    });
    await world.settle();
    expect(['answer-withheld', 'handoff-finished', 'ignored']).toContain(
      ((await late.json()) as { outcome: string }).outcome,
    );
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Your parcel left the depot.');
  });

  test("an answer the fast path gets after OpenCX's own handoff event is posted as the last words, once", async () => {
    const { conversationSid, taskSid } = await engaged();
    // OpenCX's delivery of the answer is refused once (its retry comes 10 s on), so the fast path gets it first.
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'reply', content: 'A colleague will help with the refund.', latencyMs: 2000 });
    const held = world.opencx.heldRequests;
    world.customerWrites(conversationSid, 'I want a refund');
    await world.opencx.whenHeld(held + 1);
    // While the AI answers, OpenCX hands the conversation off on its own.
    const handoff = await deliveriesOf(conversationSid)(HANDOFF_EVENT, {
      reason: 'ai_decided_to_handoff_the_conversation',
      summary: 'Refund',
    });
    expect(handoff.status).toBe(200);
    expect(world.task(taskSid).attributes.handedOff).toBe(true);
    await world.advance(2000);
    await world.settle();
    await world.advance(10_000);
    await world.settle();

    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague will help with the refund.')).toHaveLength(
      1,
    );
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      handoff: { byAi: true, farewell: expect.any(String) },
    });
  });

  /**
   * The AI hands off with last words whose post Twilio refuses; OpenCX's first delivery of them is
   * refused too, and its retry comes 10 s on.
   */
  async function lastWordsRefused(): Promise<string> {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.twilio.addFault({ method: 'POST', path: /\/Messages$/, form: /"role":"ai"/, status: 400, times: 1 });
    world.opencx.ai.reply({
      type: 'handoff',
      content: 'A colleague is coming.',
      summary: 'Refund',
      sentiment: 'neutral',
    });
    await world.customerSays(conversationSid, 'A refund please');
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    await world.advance(10_000);
    await world.settle();
    return conversationSid;
  }

  test("a handoff's last words Twilio refused are not posted after the note by OpenCX's retry", async () => {
    const conversationSid = await lastWordsRefused();
    // The customer read the note last: the AI says nothing after it.
    expect(notes(conversationSid)).toHaveLength(1);
    expect(world.transcript(conversationSid).at(-1)?.attributes.opencx).toMatchObject({ role: 'handoff-note' });
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('A colleague is coming.');
  });

  test("a handoff's last words Twilio refused, with no note set, are posted by OpenCX's retry", async () => {
    await world.saveConfig({ customerHandoffNote: '' });
    try {
      // Nothing follows them, so the customer reads them.
      const conversationSid = await lastWordsRefused();
      expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague is coming.')).toHaveLength(1);
      expect(notes(conversationSid)).toHaveLength(0);
    } finally {
      await world.saveConfig();
    }
  });

  test("last words OpenCX's webhook claimed first and posts slowly come before the handoff note", async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply({
      type: 'handoff',
      content: 'A colleague will take over.',
      summary: 'Refund',
      sentiment: 'neutral',
    });
    const since = lastSeq(world);
    const answerClaims = () =>
      world.twilio.requests.filter(
        (r) => r.seq > since && r.method === 'POST' && /\/Items$/.test(r.path) && /^ans_/.test(String(r.form.Key)),
      );
    const seen = (test: (r: (typeof world.twilio.requests)[number]) => boolean) => () =>
      world.twilio.requests.some((r) => r.seq > since && test(r));
    // The fast path's claim of the last words waits until OpenCX's webhook has claimed them...
    const claimOpen = holdNextRequest(world, { method: 'POST', path: /\/Items$/, form: /^ans_/ });
    // ...and the webhook's post of them waits until the handoff has set out to post its note.
    const postOpen = holdNextRequest(world, { method: 'POST', path: /\/Messages$/, form: /"role":"ai"/ });
    world.customerWrites(conversationSid, 'A refund please');
    await world.until(() => answerClaims().length >= 2, "OpenCX's webhook claiming the last words");
    claimOpen();
    await world.until(
      seen(
        (r) =>
          (r.method === 'GET' && /\/Messages$/.test(r.path)) ||
          (r.method === 'POST' && /\/Messages$/.test(r.path) && /handoff-note/.test(String(r.form.Attributes))),
      ),
      'the handoff note, or its look for the last words',
    );
    postOpen();
    await world.settle();

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    expect(ourRoles(conversationSid).slice(-2)).toEqual(['ai', 'handoff-note']);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague will take over.')).toHaveLength(1);
  });

  type TwilioRequest = (typeof world.twilio.requests)[number];
  const requestedSince = (since: number, test: (r: TwilioRequest) => boolean) => () =>
    world.twilio.requests.some((r) => r.seq > since && test(r));
  const posts = (role: string) => (r: TwilioRequest) =>
    r.method === 'POST' && /\/Messages$/.test(r.path) && String(r.form.Attributes).includes(`"role":"${role}"`);

  /**
   * The AI hands off with last words only the relay brings (OpenCX's own deliveries are refused). The
   * relay's post of them waits, and so does `next` (what the relay does beside it). Once it asked for
   * both, the test sends OpenCX's handoff event, and lets the post through when the event's note is on
   * its way (or looking for the last words). The customer must read the last words, then one note.
   */
  async function handoffEventWhileRelayPosts(next: {
    rule: Parameters<typeof holdNextRequest>[1];
    asked: (r: TwilioRequest) => boolean;
    what: string;
  }): Promise<void> {
    const { conversationSid, taskSid } = await engaged();
    const sessionId = world.sessionFor(conversationSid)!.id;
    world.opencx.webhookFaults.add({ event: HANDOFF_EVENT, signature: 'missing' });
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'missing' });
    world.opencx.ai.reply({
      type: 'handoff',
      content: 'A colleague will take over.',
      summary: 'Refund',
      sentiment: 'neutral',
    });
    const postOpen = holdNextRequest(world, { method: 'POST', path: /\/Messages$/, form: /"role":"ai"/ });
    const nextOpen = holdNextRequest(world, next.rule);
    const since = lastSeq(world);
    world.customerWrites(conversationSid, 'A refund please');
    await world.until(requestedSince(since, posts('ai')), 'the relay posting the last words');
    await world.until(requestedSince(since, next.asked), next.what);
    const handing = lastSeq(world);
    const handoff = postSignedOpencx(
      world,
      JSON.stringify({
        event: HANDOFF_EVENT,
        organization_id: 'org',
        data: { conversation_id: sessionId, reason: 'ai_decided_to_handoff_the_conversation', summary: 'Refund' },
      }),
      OPENCX_WEBHOOK_SECRET,
    );
    await world.until(
      requestedSince(handing, (r) => (r.method === 'GET' && /\/Messages$/.test(r.path)) || posts('handoff-note')(r)),
      "the event's note, or its look for the last words",
    );
    postOpen();
    expect((await handoff).status).toBe(200);
    nextOpen();
    await world.settle();

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffSummary: 'Refund' });
    expect(ourRoles(conversationSid).slice(-2)).toEqual(['ai', 'handoff-note']);
    expect(notes(conversationSid)).toHaveLength(1);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'A colleague will take over.')).toHaveLength(1);
  }

  test("a handoff OpenCX's event finishes first waits for the last words the relay is still posting", () =>
    // The relay recorded the handoff; its claim of the note waits, so the event's finish claims it first.
    handoffEventWhileRelayPosts({
      rule: { method: 'POST', path: /\/Items$/, form: /^note_/ },
      asked: (r) => r.method === 'POST' && /\/Items$/.test(r.path) && /^note_/.test(String(r.form.Key)),
      what: 'the relay claiming the note',
    }));

  test("a handoff OpenCX's event begins before the relay records it waits for the last words", () =>
    // The relay's handoff write waits: OpenCX's event moves the phase first.
    handoffEventWhileRelayPosts({
      rule: { method: 'POST', path: /\/Maps\/opencx_conversations_\d+\/Items\/./, form: /"phase":"handoff"/ },
      asked: (r) =>
        r.method === 'POST' &&
        /\/Maps\/opencx_conversations_\d+\/Items\/./.test(r.path) &&
        /"phase":"handoff"/.test(String(r.form.Data)),
      what: 'the relay recording the handoff',
    }));

  test("a delivery whose claim Sync fails leaves the fast path's claim: OpenCX's retry posts no copy", async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply('Posted by the fast path');
    await world.customerSays(conversationSid, 'Quick one');
    const delivery = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;

    world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/, status: 503, times: 3 });
    try {
      expect(await world.opencx.replayWebhook(delivery)).toBe(503);
    } finally {
      world.twilio.clearFaults();
    }
    expect(await world.opencx.replayWebhook(delivery)).toBe(200);
    await world.settle();

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Posted by the fast path')).toHaveLength(1);
  });

  test("a delivery without a message id about another channel's session reads no OpenCX history", async () => {
    const historyReads = () => world.opencx.requests.filter((r) => r.path.endsWith('/history')).length;
    const before = historyReads();
    // OpenCX's webhook is the organisation's: its web widget's answers come here too.
    const body = JSON.stringify({
      event: AI_RESPONSE_EVENT,
      organization_id: 'org',
      data: { conversation_id: 'a-web-widget-session', response: 'Hello from the widget' },
    });
    const answer = await postSignedOpencx(world, body, OPENCX_WEBHOOK_SECRET);
    await world.settle();

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('not one') });
    expect(historyReads()).toBe(before);
  });

  test("an answer in another channel's session costs no claim: the maps every Flex message is claimed in", async () => {
    const before = world.twilio.requests.length;
    const body = JSON.stringify({
      event: AI_RESPONSE_EVENT,
      organization_id: 'org',
      data: {
        conversation_id: 'a-web-widget-session',
        message: { id: 'widget-answer-1', type: 'text', content: 'Hello from the widget' },
      },
    });
    const answer = await postSignedOpencx(world, body, OPENCX_WEBHOOK_SECRET);
    await world.settle();

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('not one') });
    const claims = world.twilio.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && /\/Maps\/opencx_dedup_\d+\/Items$/.test(r.path));
    expect(claims).toEqual([]);
  });

  test('a delivery whose data is a list acts on every element, once however often it comes', async () => {
    const answered = await engaged();
    const handedOff = await engaged();
    const body = JSON.stringify({
      event: AI_RESPONSE_EVENT,
      organization_id: 'org',
      data: [
        {
          conversation_id: world.sessionFor(answered.conversationSid)!.id,
          message: { id: 'batched-answer-1', type: 'text', content: 'First of a list' },
        },
        { conversation_id: world.sessionFor(handedOff.conversationSid)!.id, message: { id: 'batched-answer-2' } },
      ],
    });
    const handoff = JSON.stringify({
      event: 'conversation.handoff_to_human',
      organization_id: 'org',
      data: [
        { conversation_id: 'a-web-widget-session', reason: 'ai_decided_to_handoff_the_conversation', summary: '-' },
        {
          conversation_id: world.sessionFor(handedOff.conversationSid)!.id,
          reason: 'ai_decided_to_handoff_the_conversation',
          summary: 'Wants a manager',
        },
      ],
    });

    for (let delivery = 0; delivery < 2; delivery++) {
      const answers = await postSignedOpencx(world, body, OPENCX_WEBHOOK_SECRET);
      const handoffs = await postSignedOpencx(world, handoff, OPENCX_WEBHOOK_SECRET);
      await world.settle();
      expect([answers.status, handoffs.status]).toEqual([200, 200]);
      expect(((await answers.json()) as { results: unknown }).results).toEqual([
        expect.objectContaining({ outcome: delivery === 0 ? 'replied' : 'already-answered' }),
        expect.objectContaining({ outcome: 'ignored', reason: expect.stringContaining('no answer text') }),
      ]);
    }

    expect(aiMessages(answered.conversationSid).filter((m) => m.body === 'First of a list')).toHaveLength(1);
    expect(world.task(handedOff.taskSid).attributes).toMatchObject({
      handedOff: true,
      handoffSummary: 'Wants a manager',
    });
    expect(notes(handedOff.conversationSid)).toHaveLength(1);
  });

  test('a replayed delivery is answered without a second effect', async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply({ type: 'reply', content: 'Answer to replay', latencyMs: 8000 });
    await world.customerSays(conversationSid, 'Replay me');
    await world.advance(8000);
    const delivery = opencxDeliveriesFor(world, conversationSid, AI_RESPONSE_EVENT).at(-1)!;
    expect(delivery).toMatchObject({ status: 'delivered' });

    expect(await world.opencx.replayWebhook(delivery)).toBe(200);
    await world.settle();

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Answer to replay')).toHaveLength(1);
  });
});

describe('answers lost on the way back', () => {
  test.each([
    ['did not land: the watchdog hands off', false],
    ['landed: the watchdog finds it', true],
  ])("the answer's post fails and the check whether it landed fails too; it %s", async (_, landed) => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.ai.reply('Your parcel left the depot');
    const messages = '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages';
    world.twilio.addFault({ method: 'POST', path: messages, status: 500, ...(landed && { after: 500 }), times: 1 });
    world.twilio.addFault({ method: 'GET', path: messages, status: 503 });
    try {
      await world.customerSays(conversationSid, 'Where is my parcel?');
    } finally {
      world.twilio.clearFaults();
    }
    expect(aiMessages(conversationSid)).toHaveLength(landed ? 2 : 1);
    expect(timerTasks(conversationSid)).toHaveLength(1);

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000 + 1000);
    if (landed) {
      expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
      expect(notes(conversationSid)).toEqual([]);
    } else {
      expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
      expect(notes(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
    }
  });

  test.each([
    ['did not land: the watchdog hands off', false, false],
    ['landed: the watchdog finds it', true, false],
    // The relay then fails, and the handler arms the watchdog with a budget of its own.
    ['did not land, and its watchdog could not be armed at first: it hands off', false, true],
  ])("the answer's post hangs until the handler's time is up; it %s", async (_, landed, armingFails) => {
    const { conversationSid, taskSid } = await engaged();
    // The fast path's post is the one held: OpenCX's webhook, which could claim the answer first, is off.
    world.opencx.configureWebhook(undefined);
    world.opencx.ai.reply('Your parcel is on its way');
    let answerTwilio!: () => void;
    world.twilio.addFault({
      method: 'POST',
      path: new RegExp(`/Conversations/${conversationSid}/Messages$`),
      until: new Promise<void>((resolve) => (answerTwilio = resolve)),
      ...(landed ? { after: 'drop' as const } : { drop: true }),
      times: 1,
    });
    const timerCreates = new RegExp(`/Workspaces/${world.timerWorkspaceSid}/Tasks$`);
    const from = lastSeq(world);
    if (armingFails) world.twilio.addFault({ method: 'POST', path: timerCreates, status: 500, times: 1 });
    const seen: Record<string, unknown>[] = [];
    try {
      world.customerWrites(conversationSid, 'Where is my order?');
      // Twilio holds the post past the handler's deadline; it settles only after the Function is done.
      await world.until(() => {
        seen.push(...outcomes());
        return seen.some((l) => l.event === 'onMessageAdded');
      }, "the relay's end");
    } finally {
      answerTwilio();
    }
    await world.settle();
    const faulted = world.twilio.requests.filter((r) => r.seq > from && r.fault && timerCreates.test(r.path));
    expect(faulted).toHaveLength(armingFails ? 1 : 0);
    expect(seen.find((l) => l.event === 'onMessageAdded')).toMatchObject({
      outcome: armingFails ? 'failed' : 'reply-uncertain',
    });
    expect(timerTasks(conversationSid)).toHaveLength(1);

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000 + 1000);
    expect(aiMessages(conversationSid)).toHaveLength(landed ? 2 : 1);
    if (landed) expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    else expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  });

  test('OpenCX took the message but its HTTP answer was lost: the webhook brings the answer, once', async () => {
    const { conversationSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 'drop', times: 1 });
    world.opencx.ai.reply('Answer whose HTTP reply was lost');

    await world.customerSays(conversationSid, 'Question');

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Answer whose HTTP reply was lost')).toHaveLength(1);
  });

  test('the answer to a send was lost: the watchdog reads the history before it stands down', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 'drop', times: 1 });
    world.opencx.ai.reply('Answer to a send whose reply was lost');
    await world.customerSays(conversationSid, 'Question with a lost reply');
    const before = world.opencx.requests.length;

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);

    expect(world.opencx.requests.slice(before).filter((r) => r.path.endsWith('/history')).length).toBeGreaterThan(0);
    expect(
      outcomes().find((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid),
    ).toMatchObject({ outcome: 'answered-in-time' });
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  });

  // The history says so at once, with no watchdog needed.
  test('OpenCX answered 502 without taking the message: its history says so, it is resent and answered', async () => {
    const { conversationSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 502, times: 1 });
    world.opencx.ai.reply('Answer after the 502');

    await world.customerSays(conversationSid, 'Question OpenCX refused with 502');

    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(world.contactMessages(sessionId).filter((text) => text === 'Question OpenCX refused with 502')).toHaveLength(
      1,
    );
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Answer after the 502')).toHaveLength(1);
    expect(timerTasks(conversationSid)).toEqual([]);
  });

  test('a "yes" OpenCX answered 502 without taking is resent, though an earlier "yes" is in its history', async () => {
    const { conversationSid } = await engaged();
    world.opencx.ai.reply('Shall I cancel order 77?');
    await world.customerSays(conversationSid, 'yes');
    await world.advance(60_000);
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 502, times: 1 });
    world.opencx.ai.reply('Order 77 is cancelled');

    await world.customerSays(conversationSid, 'yes');

    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(world.contactMessages(sessionId).filter((text) => text === 'yes')).toHaveLength(2);
    expect(aiMessages(conversationSid).filter((m) => m.body === 'Order 77 is cancelled')).toHaveLength(1);
    expect(timerTasks(conversationSid)).toEqual([]);
  });

  test('OpenCX twice answered 502 without taking a message: it goes to humans at once, with the message', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 502, times: 2 });

    await world.customerSays(conversationSid, 'Question refused twice');

    expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).not.toContain('Question refused twice');
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.task(taskSid).taskQueueSid).toBe(world.humanQueueSid);
    expect(timerTasks(conversationSid)).toEqual([]);
  });

  /** The message OpenCX took before its 502 reached it once and was answered once, with no handoff. */
  function expectTakenOnceAnsweredOnce(conversationSid: string, taskSid: string): void {
    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(
      world.contactMessages(sessionId).filter((text) => text === 'Question OpenCX took before its 502'),
    ).toHaveLength(1);
    expect(aiMessages(conversationSid).map((m) => m.body)).toContain('The one answer');
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('An answer to the same question again');
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  }

  test('OpenCX took the message, answered 502 (its history shows it): an unreadable history resends none', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 502, times: 1 });
    world.opencx.ai.reply('The one answer');
    await world.customerSays(conversationSid, 'Question OpenCX took before its 502');
    world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500, times: 20 });
    world.opencx.ai.reply('An answer to the same question again');

    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);

    expectTakenOnceAnsweredOnce(conversationSid, taskSid);
  });

  test("OpenCX took the message, answered 502, its rate limit refused the watchdog's look: looked again", async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 502, times: 1 });
    world.opencx.ai.reply('The one answer');
    // In a rate-limit episode: the relay's look and the watchdog's first are refused.
    const history = '/chat/sessions/:id/history';
    world.opencx.faults.add({ method: 'GET', path: history, status: 429, retryAfterSeconds: 30 });
    await world.customerSays(conversationSid, 'Question OpenCX took before its 502');
    world.opencx.ai.reply('An answer to the same question again');

    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
    world.opencx.faults.clear();
    await world.advance(61_000);

    expectTakenOnceAnsweredOnce(conversationSid, taskSid);
    // The watchdog, and its one more look after the rate limit.
    expect(timerTasks(conversationSid).map((timer) => timer.attributes.historyLimited === true)).toEqual([false, true]);
  });

  // OpenCX answered 502 without taking the message and its history could not be read; it answered the next one.
  test.each([
    ['', false],
    [', with the note of the photo that came with it', true],
  ])(
    'a lost message, history unreadable: the watchdog finds it missing, sends it again%s, answered once',
    async (_, photo) => {
      const { conversationSid, taskSid } = await engaged();
      world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 502, times: 1 });
      world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500, times: 3 });
      world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
        author: world.customerOf(conversationSid),
        body: 'Question OpenCX never took',
        ...(photo && { media: [{ filename: 'label.jpg', contentType: 'image/jpeg', size: 20480 }] }),
      });
      await world.settle();
      expect(timerTasks(conversationSid)).toHaveLength(1);
      world.opencx.ai.reply('Answer to the next question');
      await world.customerSays(conversationSid, 'Next question');
      world.opencx.ai.reply('Answer to the question it never took');

      await world.advance(61_000);

      const sessionId = world.sessionFor(conversationSid)!.id;
      const sent = photo ? `Question OpenCX never took\n${ATTACHMENT_NOTE}` : 'Question OpenCX never took';
      expect(world.contactMessages(sessionId).filter((text) => text === sent)).toHaveLength(1);
      expect(aiMessages(conversationSid).map((m) => m.body)).toEqual(
        expect.arrayContaining(['Answer to the next question', 'Answer to the question it never took']),
      );
      expect(aiMessages(conversationSid).filter((m) => m.body === 'Answer to the question it never took')).toHaveLength(
        1,
      );
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
      expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    },
  );

  // The engage's first text joins two messages; a watchdog can send only one of them again.
  test("an engage's first text of two messages OpenCX never took: humans get it, not half of it again", async () => {
    const { conversationSid, taskSid, release } = await engageHeldAfterItsRead(world, 'Hi, I am Ann, order 77');
    try {
      world.customerWrites(conversationSid, 'My order is late');
      await world.until(
        () => messageHandled(world, conversationSid, 'My order is late'),
        'the message left for the engage',
      );
      world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', status: 502, times: 1 });
      world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500, times: 3 });
    } finally {
      release();
    }
    await world.settle();
    world.opencx.ai.reply('Answer to the next question');
    await world.customerSays(conversationSid, 'Next question');

    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);

    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(world.contactMessages(sessionId)).toEqual(['Next question']);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  });

  // The send's answer was lost (OpenCX may have the text), so the watchdog asks the history, which fails.
  test('an uncertain send answered by webhook, then the history cannot be read: no resend, no handoff', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.opencx.faults.add({ method: 'POST', path: '/chat/sessions/:id/send', after: 'drop', times: 1 });
    world.opencx.ai.reply('Late but sure');
    await world.customerSays(conversationSid, 'Uncertain question');
    expect(timerTasks(conversationSid)).toHaveLength(1);
    world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500, times: 20 });
    const before = world.opencx.requests.length;

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);

    const historyReads = world.opencx.requests.slice(before).filter((r) => r.path.endsWith('/history'));
    expect(historyReads.length).toBeGreaterThan(0);
    expect(historyReads.every((r) => r.status === 500)).toBe(true);
    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(world.contactMessages(sessionId).filter((text) => text === 'Uncertain question')).toHaveLength(1);
    expect(aiMessages(conversationSid).map((m) => m.body)).toEqual([expect.any(String), 'Late but sure']);
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    expect(
      outcomes().find((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid),
    ).toMatchObject({ outcome: 'answered-in-time' });
  });

  test('the reply post reached Conversations but its answer was lost: no second copy', async () => {
    const { conversationSid } = await engaged();
    // The fast path's post is the one that fails: OpenCX's webhook, which could claim the answer first, is off.
    world.opencx.configureWebhook(undefined);
    world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, after: 500, times: 1 });
    world.opencx.ai.reply('Posted despite the 500');

    await world.customerSays(conversationSid, 'Question');

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Posted despite the 500')).toHaveLength(1);
    expect(outcomes().find((l) => l.event === 'onMessageAdded')).toMatchObject({ outcome: 'replied' });
  });

  test("OpenCX's webhook claims the answer, its post may not have landed: the relay's watchdog hands off", async () => {
    const { conversationSid, taskSid } = await engaged();
    // OpenCX delivers the answer before it answers the send, so its webhook claims the answer; that
    // Function's post fails, and so does its look for it. OpenCX is answered 200 and retries nothing.
    world.opencx.switches.webhookTiming = 'before-response';
    const messages = new RegExp(`/Conversations/${conversationSid}/Messages$`);
    world.twilio.addFault({ method: 'POST', path: messages, status: 500, times: 1 });
    world.twilio.addFault({ method: 'GET', path: messages, status: 500, times: 3 });
    world.opencx.ai.reply('Lost on the way');

    await world.customerSays(conversationSid, 'Where is my order?');
    const relayed = outcomes();
    expect(relayed.find((l) => l.origin === 'opencx')).toMatchObject({ outcome: 'reply-uncertain' });
    expect(relayed.find((l) => l.event === 'onMessageAdded')).toMatchObject({ outcome: 'already-answered' });
    expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Lost on the way');
    expect(timerTasks(conversationSid)).toHaveLength(1);

    await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000);
    // It waits once for the answer the webhook set out to post, then finds it missing.
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    await world.advance(16_000);

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(notes(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  });

  test("the message claim's Sync answer was lost: the message is still answered once", async () => {
    const { conversationSid } = await engaged();
    world.twilio.addFault({
      method: 'POST',
      product: 'sync',
      path: /\/Maps\/opencx_dedup_\d\/Items$/,
      after: 'drop',
      times: 1,
    });
    world.opencx.ai.reply('Answered after a lost claim');

    await world.customerSays(conversationSid, 'Question');

    expect(aiMessages(conversationSid).filter((m) => m.body === 'Answered after a lost claim')).toHaveLength(1);
  });

  test('the handoff attribute write landed, its answer lost: the task still reaches humans, intact', async () => {
    const { conversationSid, taskSid } = await engaged();
    world.twilio.addFault({
      method: 'POST',
      product: 'taskrouter',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}',
      after: 500,
      times: 1,
    });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Needs a person', sentiment: 'neutral' });

    await world.customerSays(conversationSid, 'A person please');

    expect(world.task(taskSid).attributes).toMatchObject({
      handedOff: true,
      handoffSummary: 'Needs a person',
      conversationSid,
    });
    expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    expect(notes(conversationSid)).toHaveLength(1);
  });
});
