// OpenCX's rate limit, measured: the bridge driven past one key's budget degrades predictably
// (every customer message answered once, late, or handed to humans with the reason; none lost),
// and two keys of the organisation carry the same load with no 429 reaching a customer. The
// simulator's limit is lowered to 6 requests a minute per key so a few conversations reach it;
// the Functions run warm, and simulated time moves only through world.advance.
import { USAGE_MAP } from '../../functions/bridge/opencx-usage';
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';
import { RATE_LIMITED_REASON } from '../../functions/bridge/rate-limit';
import { keyId } from '../../functions/common/opencx-rate-limit';
import { AI_RESPONSE_EVENT, DEFAULT_API_KEY } from '../simulators/opencx/opencx-simulator';
import { World } from '../harness/world';

jest.setTimeout(180000);

const LIMIT_PER_MINUTE = 6;
const SECOND_KEY = 'ocx_live_second_key_of_the_org';
/** Three conversations start (a session and the first message each: 6 requests), then each customer writes again. */
const CONVERSATIONS = 3;

const role = (m: { attributes: Record<string, unknown> }) =>
  (m.attributes.opencx as { role?: string } | undefined)?.role;
const outcomeOf = (world: World, body: string) => {
  const delivery = world.twilio.webhooks
    .filter((d) => d.params.EventType === 'onMessageAdded' && d.params.Body === body)
    .at(-1);
  return delivery?.responseBody
    ? (JSON.parse(delivery.responseBody) as { outcome: string; reason?: string })
    : undefined;
};

/**
 * The bridge's promise for one customer message: sent to the AI
 * at most once, then answered once or handed off with a reason.
 */
function expectAnsweredOnceOrHandedOff(
  world: World,
  started: { conversationSid: string; taskSid: string },
  body: string,
): 'answered' | 'handed-off' {
  const session = world.sessionFor(started.conversationSid)!;
  const sent = world.contactMessages(session.id).filter((text) => text === body).length;
  const answers = world
    .transcript(started.conversationSid)
    .filter((m) => role(m) === 'ai' && m.body.includes(`You said: "${body}"`)).length;
  const attributes = world.tasksOf(started.conversationSid).at(-1)!.attributes;
  expect(sent).toBeLessThanOrEqual(1);
  if (attributes.handedOff === true) {
    expect(answers).toBe(0);
    expect(typeof attributes.handoffReason === 'string' && attributes.handoffReason).toBeTruthy();
    return 'handed-off';
  }
  expect({ body, sent, answers }).toEqual({ body, sent: 1, answers: 1 });
  return 'answered';
}

async function startConversations(world: World) {
  const started = [];
  for (let i = 1; i <= CONVERSATIONS; i++)
    started.push(await world.customerStartsConversation(`Hello from customer ${i}`));
  return started;
}

describe('one OpenCX key, driven past its budget', () => {
  let world: World;
  beforeAll(async () => {
    world = await World.start({ runtimeMode: 'warm', opencx: { rateLimitPerMinute: LIMIT_PER_MINUTE } });
    // Long enough for a message to wait out a whole minute of OpenCX's limit.
    await world.saveConfig({ aiAnswerTimeoutSeconds: 120 });
  });
  afterAll(() => world?.stop());
  afterEach(() => expect(world.twilio.violations).toEqual([]));

  test('a message OpenCX refuses is sent again once the limit allows, and answered once; none is lost', async () => {
    const started = await startConversations(world);
    for (const [i, s] of started.entries())
      expect(expectAnsweredOnceOrHandedOff(world, s, `Hello from customer ${i + 1}`)).toBe('answered');

    const questions = started.map((_, i) => `Question ${i + 1}: where is my parcel?`);
    for (const [i, s] of started.entries()) world.customerWrites(s.conversationSid, questions[i]);
    await world.settle();

    expect(world.opencx.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(CONVERSATIONS);
    expect(questions.map((q) => outcomeOf(world, q)?.outcome)).toEqual(questions.map(() => 'resend-scheduled'));
    // Nothing answered yet, nothing handed off: each message waits in a timer task.
    for (const [i, s] of started.entries())
      expect(world.contactMessages(world.sessionFor(s.conversationSid)!.id)).not.toContain(questions[i]);

    await world.advance(70_000);

    for (const [i, s] of started.entries())
      expect(expectAnsweredOnceOrHandedOff(world, s, questions[i])).toBe('answered');
    // The setup check's count: this container wrote its 429s to Sync.
    const counted = world.sync
      .mapItems(world.syncServiceSid, USAGE_MAP)
      .map((item) => item.data as { keys: Record<string, { limited: number }> });
    expect(counted.some((item) => item.keys[keyId(DEFAULT_API_KEY)]?.limited > 0)).toBe(true);
  });

  test('a message whose wait would pass the answer timeout goes to humans, saying why', async () => {
    await world.advance(60_000);
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello again');
    world.opencx.faults.add({ method: 'POST', path: /\/send$/, status: 429, retryAfterSeconds: 300, times: 1 });

    await world.customerSays(conversationSid, 'Can I change my address?');

    expect(outcomeOf(world, 'Can I change my address?')).toMatchObject({
      outcome: 'handed-off',
      reason: RATE_LIMITED_REASON,
    });
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: RATE_LIMITED_REASON });
    expect(expectAnsweredOnceOrHandedOff(world, { conversationSid, taskSid }, 'Can I change my address?')).toBe(
      'handed-off',
    );
  });
  /** A new conversation whose `question` OpenCX refuses once for its rate limit (a 20 s wait): resent later. */
  async function resendScheduled(greeting: string, question: string, retryAfterSeconds = 20) {
    await world.advance(60_000);
    // Earlier tests' conversations (their session closes, resends) may have used this minute's budget.
    world.opencx.resetRateLimits();
    const { conversationSid, taskSid } = await world.customerStartsConversation(greeting);
    world.opencx.faults.add({ method: 'POST', path: /\/send$/, status: 429, retryAfterSeconds, times: 1 });
    await world.customerSays(conversationSid, question);
    const scheduled = outcomeOf(world, question) as { outcome: string; afterSeconds?: number };
    expect(scheduled).toMatchObject({ outcome: 'resend-scheduled', afterSeconds: expect.any(Number) });
    world.takeLogs();
    const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
    return { conversationSid, taskSid, afterSeconds: scheduled.afterSeconds!, recordItem };
  }

  test('messages written while a text waits for its resend follow it to the AI, in order, answered once', async () => {
    const question = 'Please deliver it to my office';
    const later = ['Actually, to my home', 'Before 5 pm if you can'];
    const { conversationSid, taskSid, afterSeconds } = await resendScheduled('Hello, fourth time', question);
    const session = world.sessionFor(conversationSid)!;
    // OpenCX has room again, but the AI must not read these before the text it refused.
    for (const text of later) {
      await world.customerSays(conversationSid, text);
      expect(outcomeOf(world, text)).toMatchObject({ outcome: 'deferred', timerSid: expect.any(String) });
    }
    expect(world.contactMessages(session.id).filter((t) => [question, ...later].some((m) => t.includes(m)))).toEqual(
      [],
    );

    await world.advance(afterSeconds * 1000 + 500);
    const together = [question, ...later].join('\n');
    expect(world.contactMessages(session.id).filter((t) => [question, ...later].some((m) => t.includes(m)))).toEqual([
      together,
    ]);
    // The watchdogs of the queued messages find them claimed by the resend: each looks once more, in
    // OpenCX's history, and finds them there. Nothing is sent twice, nobody hands off.
    world.takeLogs();
    const timerEvents = () => world.takeLogs().filter((l) => l.event === 'task.canceled' && l.outcome !== 'warning');
    await world.advance(121_000);
    expect(timerEvents().map((l) => l.outcome)).toEqual(['awaiting-answer', 'awaiting-answer']);
    await world.advance(121_000);
    expect(timerEvents().map((l) => l.outcome)).toEqual(['answered-in-time', 'answered-in-time']);
    expect(world.contactMessages(session.id).filter((t) => t.includes(later[1]))).toHaveLength(1);
    const answers = world.transcript(conversationSid).filter((m) => role(m) === 'ai' && m.body.includes(later[1]));
    expect(answers).toHaveLength(1);
    expect(world.task(taskSid).attributes.handedOff).not.toBe(true);
  });

  test("a Sync outage's watchdog sends its message after a waiting resend, not the queue ahead of it", async () => {
    await world.advance(60_000);
    world.opencx.resetRateLimits();
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello, seventh time');
    const session = world.sessionFor(conversationSid)!;
    const unread = 'Is my parcel late?';
    world.twilio.addFault({ product: 'sync', status: 503 });
    await world.customerSays(conversationSid, unread);
    expect(outcomeOf(world, unread)?.outcome).toBe('failed');
    world.twilio.clearFaults();
    // Sync is back before the watchdog fires: the next text is refused for the rate limit, one more queues.
    const question = 'It was due on Monday';
    const later = 'Order 1234';
    world.opencx.faults.add({ method: 'POST', path: /\/send$/, status: 429, retryAfterSeconds: 20, times: 1 });
    await world.customerSays(conversationSid, question);
    expect(outcomeOf(world, question)).toMatchObject({ outcome: 'resend-scheduled' });
    await world.customerSays(conversationSid, later);
    expect(outcomeOf(world, later)).toMatchObject({ outcome: 'deferred' });

    const texts = [unread, question, later];
    const sent = () => world.contactMessages(session.id).filter((t) => texts.some((m) => t.includes(m)));

    // The outage's watchdog fires first: nothing reaches the AI ahead of the refused text.
    await world.advance(16_000);
    expect(sent()).toEqual([]);
    // The resend takes its queue; the watchdog looks again once the resend is overdue.
    await world.advance(30_000);
    expect(sent()).toEqual([`${question}\n${later}`]);
    await world.advance(70_000);
    expect(sent()).toEqual([`${question}\n${later}`, unread]);
    // The queued message's watchdog finds it sent by the resend: nothing is sent twice, nobody hands off.
    await world.advance(121_000);
    await world.advance(121_000);
    expect(sent()).toHaveLength(2);
    expect(world.task(taskSid).attributes.handedOff).not.toBe(true);
  });

  test("a queued message the resend answered is not handed off while OpenCX's limit refuses its history", async () => {
    const question = 'Can I pick it up myself?';
    const later = 'From the depot on Main Street';
    const { conversationSid, taskSid, afterSeconds } = await resendScheduled('Hello, sixth time', question);
    await world.customerSays(conversationSid, later);
    expect(outcomeOf(world, later)).toMatchObject({ outcome: 'deferred' });
    await world.advance(afterSeconds * 1000 + 500);
    const session = world.sessionFor(conversationSid)!;
    expect(world.contactMessages(session.id).filter((t) => t.includes(later))).toEqual([`${question}\n${later}`]);
    const answered = () => world.transcript(conversationSid).filter((m) => role(m) === 'ai' && m.body.includes(later));
    expect(answered()).toHaveLength(1);

    // The rate-limit episode goes on: OpenCX refuses every read of its history.
    world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 429, retryAfterSeconds: 30 });
    world.takeLogs();
    const timerEvents = () => world.takeLogs().filter((l) => l.event === 'task.canceled' && l.outcome !== 'warning');
    const outcomes: unknown[] = [];
    try {
      for (let look = 0; look < 3; look++) {
        await world.advance(121_000);
        outcomes.push(...timerEvents().map((l) => l.outcome));
      }
    } finally {
      world.opencx.faults.clear();
    }
    // The queued message's watchdog finds it claimed by the resend and looks once more, later: that look
    // finds the AI's answer after it, and a history it cannot read does not make the message missing.
    expect(outcomes).toEqual(['awaiting-answer', 'answered-in-time']);
    expect(world.opencx.requests.some((r) => r.path.endsWith('/history') && r.status === 429)).toBe(true);
    expect(answered()).toHaveLength(1);
    expect(world.contactMessages(session.id).filter((t) => t.includes(later))).toHaveLength(1);
    expect(world.task(taskSid).attributes.handedOff).not.toBe(true);
    expect(world.transcript(conversationSid).filter((m) => role(m) === 'handoff-note')).toEqual([]);
  });

  test("a queued message's watchdog waits for a resend armed again after a failure, not overtaking it", async () => {
    // OpenCX asks for 110 s: the resend is due shortly before the answer timeout (120 s) of what follows it.
    const question = 'Can you hold my parcel?';
    const later = 'Until Friday';
    const scheduled = await resendScheduled('Hello, fifth time', question, 110);
    const { conversationSid, taskSid, recordItem, afterSeconds } = scheduled;
    await world.customerSays(conversationSid, later);
    expect(outcomeOf(world, later)).toMatchObject({ outcome: 'deferred' });
    world.takeLogs();
    world.twilio.addFault({ method: 'GET', path: recordItem, status: 500 });
    try {
      await world.advance(afterSeconds * 1000 + 500);
    } finally {
      world.twilio.clearFaults();
    }
    const timerEvents = () => world.takeLogs().filter((l) => l.event === 'task.canceled' && l.outcome !== 'warning');
    expect(timerEvents().map((l) => l.outcome)).toEqual(['timer-armed']);
    // The watchdog of the queued message fires first: it waits for the resend rather than send alone.
    await world.advance((120 - afterSeconds) * 1000);
    expect(timerEvents().map((l) => l.outcome)).toEqual(['deferred']);
    const session = world.sessionFor(conversationSid)!;
    expect(world.contactMessages(session.id).filter((t) => t.includes(later))).toEqual([]);

    await world.advance(16_000);
    expect(world.contactMessages(session.id).filter((t) => t.includes(later))).toEqual([`${question}\n${later}`]);
    // OpenCX's webhook carries the same answer: on a busy machine it may post it first.
    expect([['replied'], ['already-answered']]).toContainEqual(timerEvents().map((l) => l.outcome));
    // The watchdog's second look (once the resend would be overdue) finds the message claimed, and its
    // third finds it in OpenCX's history.
    await world.advance(200_000);
    expect(timerEvents().map((l) => l.outcome)).toEqual(['awaiting-answer']);
    await world.advance(121_000);
    expect(timerEvents().map((l) => l.outcome)).toEqual(['answered-in-time']);
    expect(world.contactMessages(session.id).filter((t) => t.includes(later))).toHaveLength(1);
    expect(world.transcript(conversationSid).filter((m) => role(m) === 'ai' && m.body.includes(later))).toHaveLength(1);
    expect(world.task(taskSid).attributes.handedOff).not.toBe(true);
  });

  test('a resend whose timer cannot be handled when it fires is armed again, and answered once', async () => {
    const question = 'Do you ship to Norway?';
    const scheduled = await resendScheduled('Hello once more', question);
    const { conversationSid, taskSid, recordItem } = scheduled;
    // The conversation's record cannot be read when the timer fires.
    world.twilio.addFault({ method: 'GET', path: recordItem, status: 500 });
    try {
      await world.advance(scheduled.afterSeconds * 1000 + 500);
    } finally {
      world.twilio.clearFaults();
    }
    const timerEvents = () => world.takeLogs().filter((l) => l.event === 'task.canceled');
    expect(timerEvents().map((l) => l.outcome)).toEqual(['timer-armed']);
    expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).not.toContain(question);

    await world.advance(16_000);
    expect(expectAnsweredOnceOrHandedOff(world, { conversationSid, taskSid }, question)).toBe('answered');
    // OpenCX's webhook carries the same answer: on a busy machine it may post it first.
    expect([['replied'], ['already-answered']]).toContainEqual(timerEvents().map((l) => l.outcome));
  });

  test('a resend that failed after OpenCX took the text is watched at once, not left silent', async () => {
    const question = 'Is the Oslo shop open on Sunday?';
    const scheduled = await resendScheduled('Hello, third time', question);
    const { conversationSid, taskSid, recordItem } = scheduled;
    // When the timer fires OpenCX answers, but neither the answer nor a handoff can be written, and
    // OpenCX's webhook never gets through.
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged' });
    world.twilio.addFault({ method: 'POST', path: recordItem, status: 500 });
    world.twilio.addFault({
      method: 'POST',
      path: new RegExp(`/Conversations/${conversationSid}/Messages$`),
      status: 500,
    });
    world.twilio.addFault({ method: 'GET', path: new RegExp(`/Tasks/${taskSid}$`), status: 500 });
    const timerEvents = () => world.takeLogs().filter((l) => l.event === 'task.canceled' && l.outcome !== 'warning');
    try {
      await world.advance(scheduled.afterSeconds * 1000 + 500);
      // The record stays unwritable: a handoff write the failed Function left retrying must not land later.
      world.twilio.clearFaults();
      world.twilio.addFault({ method: 'POST', path: recordItem, status: 500 });
      // A watchdog follows the text OpenCX took, which is not sent twice.
      expect(timerEvents().map((l) => l.outcome)).toEqual(['awaiting-answer']);
      expect(world.contactMessages(world.sessionFor(conversationSid)!.id).filter((t) => t === question)).toHaveLength(
        1,
      );
      await world.advance(121_000);
    } finally {
      world.twilio.clearFaults();
      world.opencx.webhookFaults.clear();
    }
    expect(timerEvents().map((l) => l.outcome)).toEqual(['handed-off']);
    expect(expectAnsweredOnceOrHandedOff(world, { conversationSid, taskSid }, question)).toBe('handed-off');
    // The AI was offered the task again at its reservation timeout, while Sync still failed: that
    // offer's timer decides it once more, and leaves the conversation with humans.
    await world.advance(16_000);
    expect(expectAnsweredOnceOrHandedOff(world, { conversationSid, taskSid }, question)).toBe('handed-off');
    const timers = [...world.taskrouter.workspace(world.timerWorkspaceSid).tasks.values()];
    expect(timers.filter((t) => t.assignmentStatus === 'pending')).toEqual([]);
  });
});

describe('two OpenCX keys of the organisation', () => {
  let world: World;
  beforeAll(async () => {
    world = await World.start({
      runtimeMode: 'warm',
      opencx: { rateLimitPerMinute: LIMIT_PER_MINUTE, apiKeys: [DEFAULT_API_KEY, SECOND_KEY] },
    });
    await world.saveConfig({ aiAnswerTimeoutSeconds: 120, opencxExtraTokens: [SECOND_KEY] });
  });
  afterAll(() => world?.stop());

  test('carry the load one key cannot, with every message answered at once and no 429 handoff', async () => {
    const started = await startConversations(world);
    const questions = started.map((_, i) => `Question ${i + 1}: where is my parcel?`);
    for (const [i, s] of started.entries()) world.customerWrites(s.conversationSid, questions[i]);
    await world.settle();

    // OpenCX's webhook carries the same answer: on a busy machine it may post it first.
    for (const q of questions) expect(['replied', 'already-answered']).toContain(outcomeOf(world, q)?.outcome);
    started.forEach((s, i) => {
      expect(expectAnsweredOnceOrHandedOff(world, s, `Hello from customer ${i + 1}`)).toBe('answered');
      expect(expectAnsweredOnceOrHandedOff(world, s, questions[i])).toBe('answered');
    });
    // More than one key's minute of requests succeeded.
    expect(world.opencx.requests.filter((r) => r.status !== null && r.status < 300).length).toBeGreaterThan(
      LIMIT_PER_MINUTE,
    );
    expect([...world.taskrouter.workspace(world.timerWorkspaceSid).tasks.values()]).toEqual([]);
    expect(world.twilio.violations).toEqual([]);
  });
});
