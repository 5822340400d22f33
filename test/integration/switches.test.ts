// The core conversation (engage, relay, handoff, a human takes it) under every [open] simulator
// switch flipped from its default, with what makes each switch matter (switch-matrix.ts). The
// product's guarantees hold under each: one AI reply per customer message, one handoff, the task
// in the human queue with the human, and no request Twilio would refuse.
import { AI_RESPONSE_EVENT, DEFAULT_SWITCHES as OPENCX_DEFAULTS } from '../simulators/opencx/opencx-simulator';
import { DEFAULT_SWITCHES as TWILIO_DEFAULTS } from '../simulators/twilio/switches';
import { World } from '../harness/world';
import { caseName, SWITCH_CASES, type SwitchCase } from './switch-matrix';
import { deliveriesOf, holdWatchdogArming } from './helpers';

jest.setTimeout(120000);

/** The Functions stop waiting for OpenCX after this long (real ms), so a slow answer takes the slow path quickly. */
const ANSWER_WAIT_MS = '1500';
const AI_RESERVATION_TIMEOUT_SECONDS = 120;
const GREETING = 'Welcome! How can I help?';
const ANSWER = 'Your order ships tomorrow.';
const RELAYED = 'Order 1234';

const worlds: Partial<Record<SwitchCase['runtime'], World>> = {};
/** The cases the core conversation reaches; the others name the test that exercises their switch. */
const inCoreConversation = SWITCH_CASES.filter((c) => c.trigger !== 'elsewhere');

beforeAll(async () => {
  const runtimes = [...new Set(inCoreConversation.map((c) => c.runtime))];
  await Promise.all(
    runtimes.map(async (runtimeMode) => {
      worlds[runtimeMode] = await World.start({
        runtimeMode,
        aiReservationTimeout: AI_RESERVATION_TIMEOUT_SECONDS,
        functionsEnv: { OPENCX_ANSWER_WAIT_MS: ANSWER_WAIT_MS },
      });
    }),
  );
});
afterAll(() => Promise.all(Object.values(worlds).map((world) => world.stop())));

const role = (m: { attributes: Record<string, unknown> }) =>
  (m.attributes.opencx as { role?: string } | undefined)?.role;

/** The relayed message, under the case's trigger; resolves once its answer is in the conversation (or should be). */
async function relay(world: World, conversationSid: string, c: SwitchCase): Promise<void> {
  if (c.trigger === 'slow answer') {
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'reply', content: ANSWER, latencyMs: 5000 });
    await world.customerSays(conversationSid, RELAYED);
    await world.advance(5000);
    await world.advance(world.opencx.switches.webhookRetryDelaysMs[0]);
    return;
  }
  world.opencx.ai.reply(ANSWER);
  if (c.trigger === 'caller gives up') {
    // The relay's wait for OpenCX runs out; Conversations gives up on it while it arms its watchdog, held.
    world.opencx.faults.add({ path: /\/send$/, latencyMs: 1000, times: 1 });
    watchdog = holdWatchdogArming(world);
    try {
      world.customerWrites(conversationSid, RELAYED);
      await world.until(() => watchdog!.request() !== undefined, 'the relay to arm its watchdog');
      const delivery = relayDeliveries(world, conversationSid).at(-1)!;
      world.twilio.expireDelivery(delivery.seq);
      await world.until(() => delivery.functionStopped !== undefined, 'Twilio to stop the relay');
      if (delivery.functionStopped)
        await world.until(() => watchdog!.request()!.clientLeft === true, 'the held request to close');
    } finally {
      watchdog.release();
    }
    await world.settle();
    await world.advance(1000);
    return;
  }
  if (c.trigger === 'relay fails once')
    world.twilio.addFault({
      method: 'GET',
      product: 'sync',
      path: /\/Maps\/opencx_conversations_\d+\/Items\//,
      status: 500,
      times: 3,
    });
  await world.customerSays(conversationSid, RELAYED);
}

/** The watchdog arming the `caller gives up` relay held. */
let watchdog: ReturnType<typeof holdWatchdogArming> | undefined;

const relayDeliveries = (world: World, conversationSid: string) =>
  deliveriesOf(world, 'onMessageAdded').filter((d) => d.params.ConversationSid === conversationSid);

/** What the case saw before it started, so its proof counts only its own events. */
interface CaseStart {
  opencxDeliveries: number;
  eventsHeldBack: number;
}

/** Proof that the trigger happened, so a case cannot pass by skipping what makes its switch matter. */
function expectTriggered(
  world: World,
  c: SwitchCase,
  { conversationSid, taskSid }: { conversationSid: string; taskSid: string },
  before: CaseStart,
): void {
  const retried = (deliveries: ReturnType<typeof deliveriesOf>) =>
    deliveries.some(
      (d) => d.retryOf !== undefined && world.twilio.webhooks.find((o) => o.seq === d.retryOf)?.status === 503,
    );
  switch (c.trigger) {
    case 'relay fails once':
      return expect(retried(relayDeliveries(world, conversationSid))).toBe(true);
    case 'engage fails once':
      return expect(
        retried(deliveriesOf(world, 'reservation.created').filter((d) => d.params.TaskSid === taskSid)),
      ).toBe(true);
    case 'AI reservation times out':
      return expect(deliveriesOf(world, 'reservation.timeout').some((d) => d.params.TaskSid === taskSid)).toBe(true);
    case 'slow answer':
      return expect(
        world.opencx.webhookDeliveries
          .slice(before.opencxDeliveries)
          .filter((d) => d.event === AI_RESPONSE_EVENT)
          .map((d) => d.attempts.map((a) => a.status)),
      ).toContainEqual([401, 200]);
    case 'caller gives up':
      // Stopped in the middle of its watchdog's request, which never had its answer.
      expect(watchdog?.request()?.clientLeft).toBe(true);
      return expect(relayDeliveries(world, conversationSid).find((d) => d.params.Body === RELAYED)).toMatchObject({
        error: expect.stringContaining('timed out'),
        functionStopped: true,
      });
    case 'late events':
      return expect(world.twilio.eventsHeldBack).toBeGreaterThan(before.eventsHeldBack);
    case 'none':
    case 'elsewhere':
      return;
  }
}

describe.each(inCoreConversation.map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
  let world: World;

  beforeAll(async () => {
    world = worlds[c.runtime]!;
    Object.assign(world.twilio.switches, TWILIO_DEFAULTS, c.twilio);
    Object.assign(
      world.opencx.switches,
      { ...OPENCX_DEFAULTS, webhookRetryDelaysMs: [...OPENCX_DEFAULTS.webhookRetryDelaysMs] },
      c.opencx,
    );
    await world.humanAgentLogsIn();
  });
  afterAll(() => {
    world.twilio.clearFaults();
    world.opencx.faults.clear();
    world.opencx.webhookFaults.clear();
    world.opencx.ai.reset();
    Object.assign(world.twilio.switches, TWILIO_DEFAULTS);
    Object.assign(world.opencx.switches, OPENCX_DEFAULTS, {
      webhookRetryDelaysMs: [...OPENCX_DEFAULTS.webhookRetryDelaysMs],
    });
  });

  test(`engage, relay (${c.trigger === 'none' ? 'as usual' : c.trigger}), handoff and a human taking it`, async () => {
    const twilioSeenBefore = world.twilio.violations.length;
    const before: CaseStart = {
      opencxDeliveries: world.opencx.webhookDeliveries.length,
      eventsHeldBack: world.twilio.eventsHeldBack,
    };
    world.opencx.ai.reply(GREETING);
    if (c.trigger === 'engage fails once')
      world.twilio.addFault({
        method: 'POST',
        product: 'sync',
        path: /\/Maps\/opencx_conversations_\d+\/Items$/,
        status: 500,
        times: 3,
      });
    // Held-back events arrive once the clock has moved past their delay.
    const catchUp = async () => (c.trigger === 'late events' ? world.advance(c.twilio!.lateDeliveryMs!) : undefined);
    const { conversationSid, taskSid } = await world.customerStartsConversation('Where is my order?');
    await catchUp();
    world.twilio.clearFaults();
    if (c.trigger === 'AI reservation times out') await world.advance((AI_RESERVATION_TIMEOUT_SECONDS + 1) * 1000);

    await relay(world, conversationSid, c);
    await catchUp();
    world.twilio.clearFaults();

    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a refund', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'I want a refund');
    await catchUp();
    await world.humanAgentAccepts(taskSid);
    await catchUp();

    expectTriggered(world, c, { conversationSid, taskSid }, before);
    const transcript = world.transcript(conversationSid);
    expect(transcript.filter((m) => role(m) === 'ai').map((m) => m.body)).toEqual([GREETING, ANSWER]);
    expect(transcript.filter((m) => role(m) === 'handoff-note')).toHaveLength(1);
    expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).toEqual([
      'Where is my order?',
      RELAYED,
      'I want a refund',
    ]);
    const task = world.task(taskSid);
    expect(task.attributes).toMatchObject({
      handedOff: true,
      handoffReason: 'AI requested human handoff',
      handoffSummary: 'Wants a refund',
    });
    expect(task.taskQueueSid).toBe(world.humanQueueSid);
    expect(task.assignmentStatus).toBe('assigned');
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      phase: 'human',
      humanWorkerSid: world.humanWorkerSid,
    });
    expect(world.twilio.violations.slice(twilioSeenBefore)).toEqual([]);
  });
});
