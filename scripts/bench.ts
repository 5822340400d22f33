// Benchmark: REST calls per event and webhook handler latency, through the Functions in
// twilio-run against the simulators. `npm run bench [-- --conversations N]`.
import { World } from '../test/harness/world';
import { sequentialDepth } from '../test/integration/helpers';

const flag = process.argv.indexOf('--conversations');
const CONVERSATIONS = flag > 0 ? Number(process.argv[flag + 1]) : 20;
const MESSAGES_PER_CONVERSATION = 3;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

interface Sample {
  twilio: number;
  opencx: number;
  ms: number;
}

async function measure(world: World, step: () => Promise<void>, eventType: string): Promise<Sample> {
  const twilioBefore = world.twilio.requests.length;
  const opencxBefore = world.opencx.requests.length;
  const webhooksBefore = world.twilio.webhooks.length;
  await step();
  const handled = world.twilio.webhooks.slice(webhooksBefore).filter((d) => !eventType || d.params.EventType === eventType);
  // Calls the Functions made: everything after the step's own setup calls.
  const twilioCalls = world.twilio.requests.slice(twilioBefore).filter((r) => r.headers['user-agent']?.startsWith('twilio-node')).length;
  return { twilio: twilioCalls, opencx: world.opencx.requests.length - opencxBefore, ms: handled.reduce((sum, d) => sum + (d.durationMs ?? 0), 0) };
}

function report(label: string, samples: Sample[]): void {
  const ms = samples.map((s) => s.ms);
  const avg = (values: number[]): string => (values.reduce((a, b) => a + b, 0) / values.length).toFixed(1);
  console.log(
    `${label.padEnd(34)} n=${String(samples.length).padStart(3)}  Twilio calls ${avg(samples.map((s) => s.twilio)).padStart(5)}  OpenCX calls ${avg(samples.map((s) => s.opencx)).padStart(4)}  ` +
      `latency p50 ${String(percentile(ms, 50)).padStart(4)} ms  p95 ${String(percentile(ms, 95)).padStart(4)} ms  max ${String(Math.max(...ms)).padStart(4)} ms`,
  );
}

async function main(): Promise<void> {
  // OpenCX's own limit (100 requests/min per key) would turn the later conversations into
  // "AI unavailable" handoffs: lift it to measure the bridge itself.
  const world = await World.start({ opencx: { rateLimitPerMinute: 100000 } });
  const engage: Sample[] = [];
  const relay: Sample[] = [];
  const handoff: Sample[] = [];
  try {
    for (let i = 0; i < CONVERSATIONS; i++) {
      let conversationSid = '';
      engage.push(
        await measure(world, async () => {
          conversationSid = (await world.customerStartsConversation(`Hello ${i}`)).conversationSid;
        }, 'reservation.created'),
      );
      for (let m = 1; m < MESSAGES_PER_CONVERSATION; m++) {
        relay.push(await measure(world, () => world.customerSays(conversationSid, `Question ${i}.${m}`), 'onMessageAdded'));
      }
      world.opencx.ai.reply({ type: 'handoff', summary: 'Needs a human', sentiment: 'neutral' });
      handoff.push(await measure(world, () => world.customerSays(conversationSid, 'human please'), 'onMessageAdded'));
      await world.humanAgentLogsIn();
    }
    const depth = await handoffDepth(world);
    console.log(`\n${CONVERSATIONS} conversations, Functions in twilio-run (a process per request), simulators on loopback.`);
    console.log('Calls: every REST call the Functions made during the step (all its events); latency: the named event\'s handler, as Twilio sees it.\n');
    report('conversation start: engage', engage);
    report('relay (onMessageAdded)', relay);
    report('handoff (onMessageAdded)', handoff);
    console.log(`\nhandoff after OpenCX answered: ${depth} sequential Twilio round trips (each Twilio answer slowed to 200 ms, so parallel calls overlap)`);
    if (world.twilio.violations.length) throw new Error(`spec violations: ${JSON.stringify(world.twilio.violations)}`);
  } finally {
    await world.stop();
  }
}

/** The longest chain of one-after-another Twilio calls a handoff makes once OpenCX has answered. */
async function handoffDepth(world: World): Promise<number> {
  const { conversationSid } = await world.customerStartsConversation('Depth probe');
  // Only the handing-off Function at work: no OpenCX webhook, no agent to offer the task to.
  world.opencx.configureWebhook(undefined);
  await world.humanAgentLogsOut();
  const start = world.twilio.requests.at(-1)?.seq ?? 0;
  world.twilio.addFault({ latencyMs: 200 });
  world.opencx.ai.reply({ type: 'handoff', summary: 'Depth probe', sentiment: 'neutral', content: 'Connecting you.' });
  try {
    await world.customerSays(conversationSid, 'human please');
  } finally {
    world.twilio.clearFaults();
  }
  const end = world.twilio.requests.at(-1)?.seq ?? start;
  await world.humanAgentLogsIn();
  const calls = world.twilio.requests.filter((r) => r.seq > start && r.seq <= end);
  const claim = calls.find((r) => r.method === 'POST' && r.template?.endsWith('/Items'));
  return sequentialDepth(calls.filter((r) => r.seq > (claim?.seq ?? start)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
