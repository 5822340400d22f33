// The benchmarks, from one run: REST calls per step and the handoff's depth (a process per
// request), the webhook's latency as a ratio to a no-op Function under the same load (both ways
// twilio-run runs), throughput with zero loss (warm), cold require time and deployed size.
// `npm run bench [-- --conversations 200] [-- --quick]`; the method is in BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import {
  type FunctionsRuntime,
  PROJECT_ROOT,
  type RuntimeMode,
  startFunctionsRuntime,
} from '../test/harness/functions-runtime';
import { CONVERSATION_FILTERS, OPENCX_WEBHOOK_SECRET, World } from '../test/harness/world';
import { sequentialDepth } from '../test/integration/helpers';
import { deliveryFailed, type WebhookDelivery } from '../test/simulators/twilio/simulator';

const QUICK = process.argv.includes('--quick');
const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
/** TaskRouter's cap per worker and channel: the world seeds the pool a save would keep. */
const AI_WORKER_CAPACITY = 50;
const CONVERSATIONS = option('--conversations', QUICK ? 50 : 200);
/** Conversations driven through every step one after another, for the call counts. */
const CALL_SAMPLE_CONVERSATIONS = QUICK ? 2 : 5;
/** Each customer writes once every this many seconds (the pace issue 8 reckons with). */
const CUSTOMER_PACE_S = 30;
/**
 * The latency load: customer messages arriving at a steady rate, spread over the open
 * conversations, in alternating blocks for the webhook and the no-op Function.
 */
const LATENCY_LOAD: Record<RuntimeMode, { ratePerSecond: number; messagesPerBlock: number; blocks: number }> = {
  warm: { ratePerSecond: CONVERSATIONS / CUSTOMER_PACE_S, messagesPerBlock: QUICK ? 40 : 100, blocks: QUICK ? 1 : 3 },
  // A process per request costs about a second of CPU here: a slower pace, or both would only queue.
  fork: { ratePerSecond: 0.5, messagesPerBlock: QUICK ? 4 : 10, blocks: QUICK ? 1 : 2 },
};
/** Offered rates (messages per second) for the throughput ladder, each held for THROUGHPUT_STEP_S. */
const THROUGHPUT_RATES = QUICK ? [2, 4] : [2, 4, 6, 8, 12, 16, 24, 32];
const THROUGHPUT_STEP_S = QUICK ? 5 : 15;
const COLD_REQUIRE_RUNS = QUICK ? 3 : 7;
/** The Function the webhook is compared with; only in the benchmark's copy of dist/functions. */
const NOOP_FUNCTION = "exports.handler = (context, event, callback) => callback(null, { outcome: 'ignored' });\n";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const median = (values: number[]): number => percentile(values, 50);

// ---------------------------------------------------------------------------------------------
// 1. REST calls per step and the handoff's depth, with a process per request.

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
  const handled = world.twilio.webhooks
    .slice(webhooksBefore)
    .filter((d) => !eventType || d.params.EventType === eventType);
  // Calls the Functions made: everything after the step's own setup calls.
  const twilioCalls = world.twilio.requests
    .slice(twilioBefore)
    .filter((r) => r.headers['user-agent']?.startsWith('twilio-node')).length;
  return {
    twilio: twilioCalls,
    opencx: world.opencx.requests.length - opencxBefore,
    ms: handled.reduce((sum, d) => sum + (d.durationMs ?? 0), 0),
  };
}

const average = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

function reportCalls(label: string, samples: Sample[]): void {
  console.log(
    `  ${label.padEnd(58)} n=${String(samples.length).padStart(2)}  Twilio ${average(samples.map((s) => s.twilio))
      .toFixed(1)
      .padStart(5)}  OpenCX ${average(samples.map((s) => s.opencx))
      .toFixed(1)
      .padStart(4)}`,
  );
}

async function callCounts(): Promise<void> {
  // OpenCX's own limit (100 requests/min per key) would turn later conversations into "AI
  // unavailable" handoffs: lift it to measure the bridge itself.
  const world = await World.start({ opencx: { rateLimitPerMinute: 100000 } });
  const engage: Sample[] = [];
  const relayAlone: Sample[] = [];
  const relay: Sample[] = [];
  const handoff: Sample[] = [];
  try {
    for (let i = 0; i < CALL_SAMPLE_CONVERSATIONS; i++) {
      let conversationSid = '';
      engage.push(
        await measure(
          world,
          async () => {
            conversationSid = (await world.customerStartsConversation(`Hello ${i}`)).conversationSid;
          },
          'reservation.created',
        ),
      );
      // The relay Function on its own: OpenCX's webhook for the same answer held back.
      world.opencx.configureWebhook(undefined);
      relayAlone.push(
        await measure(world, () => world.customerSays(conversationSid, `Question ${i}.1`), 'onMessageAdded'),
      );
      world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
      relay.push(await measure(world, () => world.customerSays(conversationSid, `Question ${i}.2`), 'onMessageAdded'));
      world.opencx.ai.reply({ type: 'handoff', summary: 'Needs a human', sentiment: 'neutral' });
      handoff.push(await measure(world, () => world.customerSays(conversationSid, 'human please'), 'onMessageAdded'));
      await world.humanAgentLogsIn();
    }
    const depth = await handoffDepth(world);
    console.log(
      "\n1. REST calls, a process per request (twilio-run's default, no warm container); " +
        `${CALL_SAMPLE_CONVERSATIONS} conversations`,
    );
    reportCalls('conversation start (every event; engage on reservation.created)', engage);
    reportCalls('relayed message: the webhook Function alone', relayAlone);
    reportCalls("relayed message: the webhook, then OpenCX's webhook for it", relay);
    reportCalls('the message that hands off (every Function it set off)', handoff);
    console.log(`  handoff after OpenCX answered: ${depth} sequential Twilio round trips (target <= 3)`);
    if (world.twilio.violations.length) throw new Error(`spec violations: ${JSON.stringify(world.twilio.violations)}`);
  } finally {
    await world.stop();
  }
}

/**
 * Every Twilio answer slowed by this much, so calls made in parallel overlap even when a busy
 * machine starts them a few hundred ms apart; the handoff still fits its deadline.
 */
const DEPTH_PROBE_LATENCY_MS = 500;

/** The longest chain of one-after-another Twilio calls a handoff makes once OpenCX has answered. */
async function handoffDepth(world: World): Promise<number> {
  const { conversationSid } = await world.customerStartsConversation('Depth probe');
  // Only the handing-off Function at work: no OpenCX webhook, no agent to offer the task to.
  world.opencx.configureWebhook(undefined);
  await world.humanAgentLogsOut();
  const start = world.twilio.requests.at(-1)?.seq ?? 0;
  world.twilio.addFault({ latencyMs: DEPTH_PROBE_LATENCY_MS });
  world.opencx.ai.reply({ type: 'handoff', summary: 'Depth probe', sentiment: 'neutral', content: 'Connecting you.' });
  try {
    await world.customerSays(conversationSid, 'human please');
  } finally {
    world.twilio.clearFaults();
  }
  const end = world.twilio.requests.at(-1)?.seq ?? start;
  await world.humanAgentLogsIn();
  world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  const calls = world.twilio.requests.filter((r) => r.seq > start && r.seq <= end);
  const claim = calls.find((r) => r.method === 'POST' && r.template?.endsWith('/Items'));
  return sequentialDepth(calls.filter((r) => r.seq > (claim?.seq ?? start)));
}

// ---------------------------------------------------------------------------------------------
// 2-3. Latency against a no-op Function, and throughput, at CONVERSATIONS open conversations.

/** A world whose Functions runtimes this script starts itself, from a copy of dist/functions with the no-op added. */
class LoadRun {
  readonly conversationSids: string[] = [];
  private functions?: FunctionsRuntime;
  private nextWriter = 0;

  private constructor(
    readonly world: World,
    private readonly functionsDir: string,
  ) {}

  static async start(): Promise<LoadRun> {
    const functionsDir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'dist', 'bench-functions-'));
    fs.cpSync(path.join(PROJECT_ROOT, 'dist', 'functions'), functionsDir, { recursive: true });
    fs.writeFileSync(path.join(functionsDir, 'noop.js'), NOOP_FUNCTION);
    buildSync({
      entryPoints: [path.join(PROJECT_ROOT, 'scripts', 'bench-floor.ts')],
      outfile: path.join(functionsDir, 'floor.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['twilio'],
      logLevel: 'warning',
    });
    const world = await World.start({
      functions: false,
      aiWorkers: Math.ceil(CONVERSATIONS / AI_WORKER_CAPACITY),
      opencx: { rateLimitPerMinute: 1_000_000 },
    });
    return new LoadRun(world, functionsDir);
  }

  /** Serves every webhook from a new twilio-run in `mode` (the previous one stops). */
  async runFunctions(mode: RuntimeMode): Promise<void> {
    await this.functions?.stop();
    const functions = await startFunctionsRuntime(this.world.functionsEnv(), mode, this.functionsDir);
    this.functions = functions;
    this.world.twilio.stopFunction = mode === 'fork' ? (delivery) => functions.stopInvocation(delivery.seq) : undefined;
    this.world.webhookUrl = `${functions.url}/webhook`;
    this.world.opencxWebhookUrl = `${functions.url}/opencx-webhook`;
    await this.world.registerWebhooks(this.world.webhookUrl);
    this.world.opencx.configureWebhook({ url: this.world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  }

  /** Where Conversations posts message events: the bridge's webhook, the no-op or the floor. */
  async conversationEventsTo(functionName: LatencyTarget): Promise<void> {
    await this.world.client.conversations.v1
      .services(this.world.conversationsServiceSid)
      .configuration.webhooks()
      .update({
        postWebhookUrl: `${this.functions!.url}/${functionName}`,
        method: 'POST',
        filters: CONVERSATION_FILTERS,
      });
  }

  /** CONVERSATIONS conversations, each engaged by the AI. */
  async openConversations(count: number): Promise<void> {
    const world = this.world;
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        world.customerStartsConversation(`Hello ${i + j}`),
      );
      this.conversationSids.push(...(await Promise.all(batch)).map((started) => started.conversationSid));
    }
    const engaged = this.conversationSids.filter((sid) => this.aiReplies(sid) > 0).length;
    if (engaged !== count) throw new Error(`only ${engaged} of ${count} conversations were engaged by the AI`);
  }

  aiReplies(conversationSid: string): number {
    return this.world.postedAsAi(conversationSid).length;
  }

  totalAiReplies(): number {
    return this.conversationSids.reduce((sum, sid) => sum + this.aiReplies(sid), 0);
  }

  /**
   * `count` customer messages at `ratePerSecond`, round-robin over the conversations; resolves
   * once everything they set off has finished, with the deliveries of those messages.
   */
  async customersWrite(
    count: number,
    ratePerSecond: number,
  ): Promise<{ deliveries: WebhookDelivery[]; seconds: number }> {
    const world = this.world;
    const sids = new Set<string>();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const conversationSid = this.conversationSids[this.nextWriter++ % this.conversationSids.length];
      const message = world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
        author: world.customerOf(conversationSid),
        body: `Question ${i}`,
      });
      sids.add(message.sid);
    }
    await world.settle();
    const seconds = (performance.now() - started) / 1000;
    return {
      deliveries: world.twilio.webhooks.filter(
        (d) => d.params.EventType === 'onMessageAdded' && sids.has(d.params.MessageSid),
      ),
      seconds,
    };
  }

  async stop(): Promise<void> {
    await this.functions?.stop();
    await this.world.stop();
    fs.rmSync(this.functionsDir, { recursive: true, force: true });
  }
}

/** The bridge's webhook; a no-op; the relay's round trips with none of the bridge's work (warm only). */
type LatencyTarget = 'webhook' | 'noop' | 'floor';

interface LatencyResult {
  mode: RuntimeMode;
  webhook: number[];
  noop: number[];
  floor: number[];
  failed: number;
  lost: number;
}

async function latency(run: LoadRun, mode: RuntimeMode): Promise<LatencyResult> {
  const load = LATENCY_LOAD[mode];
  const result: LatencyResult = { mode, webhook: [], noop: [], floor: [], failed: 0, lost: 0 };
  const targets: LatencyTarget[] = mode === 'warm' ? ['webhook', 'noop', 'floor'] : ['webhook', 'noop'];
  // Alternating blocks, so a busy spell of the machine falls on every Function alike.
  for (let block = 0; block < load.blocks; block++) {
    for (const target of targets) {
      await run.conversationEventsTo(target);
      const repliesBefore = run.totalAiReplies();
      const { deliveries } = await run.customersWrite(load.messagesPerBlock, load.ratePerSecond);
      result[target].push(...deliveries.map((d) => d.durationMs ?? 0));
      const failed = deliveries.filter(deliveryFailed).length;
      const lost = target === 'noop' ? 0 : load.messagesPerBlock - (run.totalAiReplies() - repliesBefore);
      // A floor that fails early would look cheap: its figure counts only if it did the relay's work.
      if (target === 'floor' && (failed > 0 || lost !== 0))
        throw new Error(`the floor Function did not do the relay's work: ${failed} failed, ${lost} unanswered`);
      result.failed += failed;
      result.lost += lost;
    }
  }
  await run.conversationEventsTo('webhook');
  return result;
}

function reportLatency(r: LatencyResult): void {
  const load = LATENCY_LOAD[r.mode];
  const at = (values: number[], p: number) => percentile(values, p).toFixed(1).padStart(6);
  // Two decimals: a ratio at the 1.5x target must not round onto it.
  const ratio = (values: number[], p: number) =>
    (percentile(values, p) / Math.max(1, percentile(r.noop, p))).toFixed(2).padStart(5);
  const times = (name: string, values: number[], note = '') =>
    console.log(`    ${name.padEnd(16)} p50 ${at(values, 50)} ms  p99 ${at(values, 99)} ms${note}`);
  const ratios = (name: string, values: number[], note: string) =>
    console.log(`    ${name.padEnd(16)} p50 ${ratio(values, 50)} x    p99 ${ratio(values, 99)} x    ${note}`);
  const label =
    r.mode === 'warm' ? 'one warm process (--no-fork-process --no-live)' : 'a process per request (default)';
  const counts = [r.webhook, r.noop, r.floor].filter((v) => v.length).map((v) => v.length);
  console.log(`  ${label}: ${load.ratePerSecond.toFixed(1)} messages/s, ${counts.join(' + ')} messages`);
  times('webhook (relay)', r.webhook);
  times('no-op Function', r.noop);
  ratios('ratio', r.webhook, '(target <= 1.5x)');
  if (r.floor.length) {
    times('floor', r.floor, "  (the relay's five round trips, bare node:http, none of the bridge's work)");
    const own = percentile(r.webhook, 50) - percentile(r.floor, 50);
    ratios('floor / no-op', r.floor, `the bridge's own work at p50: ${own.toFixed(1)} ms`);
  }
  console.log(`    failed deliveries ${r.failed}, customer messages without exactly one AI reply ${r.lost}`);
}

/** The highest offered rate the warm runtime carries with every message answered once and no delivery failed. */
async function throughput(run: LoadRun): Promise<void> {
  console.log(
    `\n3. Throughput, one warm process, ${run.conversationSids.length} ` +
      `conversations, ${THROUGHPUT_STEP_S} s at each rate`,
  );
  let best: { offered: number; achieved: number } | undefined;
  for (const rate of THROUGHPUT_RATES) {
    const count = rate * THROUGHPUT_STEP_S;
    const repliesBefore = run.totalAiReplies();
    const { deliveries, seconds } = await run.customersWrite(count, rate);
    const failed = deliveries.filter(deliveryFailed).length;
    const lost = count - (run.totalAiReplies() - repliesBefore);
    const achieved = count / seconds;
    const p99 = percentile(
      deliveries.map((d) => d.durationMs ?? 0),
      99,
    );
    console.log(
      `  offered ${String(rate).padStart(4)}/s  answered ${achieved.toFixed(1).padStart(6)}/s  ` +
        `failed ${failed}  lost ${lost}  webhook p99 ${p99.toFixed(0)} ms`,
    );
    // Keeping up: everything answered, none failed, and the backlog drained within 10 % of the step.
    if (failed > 0 || lost !== 0 || achieved < rate * 0.9) break;
    best = { offered: rate, achieved };
  }
  console.log(
    best
      ? `  sustained with zero loss: ${best.achieved.toFixed(1)} messages/s (offered ${best.offered}/s)`
      : '  no rate of the ladder was sustained with zero loss',
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Cold require time and deployed size.

/** Files under `dir` whose names end with `ending` (every file when it is empty). */
function filesUnder(dir: string, ending = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, ending) : entry.name.endsWith(ending) ? [full] : [];
  });
}

const totalSize = (files: string[]): number => files.reduce((sum, file) => sum + fs.statSync(file).size, 0);

/** Milliseconds to require `target` in a fresh node process (the module's own load, not node's start-up). */
function requireMs(target: string): number {
  const script =
    `const t = process.hrtime.bigint(); require(${JSON.stringify(target)}); ` +
    'console.log(Number(process.hrtime.bigint() - t) / 1e6);';
  return Number(execFileSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim());
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

function coldRequireAndSize(): void {
  const functionsDir = path.join(PROJECT_ROOT, 'dist', 'functions');
  const assetsDir = path.join(PROJECT_ROOT, 'dist', 'assets');
  console.log(`\n4. Cold require (median of ${COLD_REQUIRE_RUNS} fresh node processes) and deployed size`);
  const twilioMs = median(Array.from({ length: COLD_REQUIRE_RUNS }, () => requireMs('twilio')));
  console.log(
    '  the twilio library alone (a runtime dependency, loaded by every ' +
      `Function that calls Twilio): ${twilioMs.toFixed(0)} ms`,
  );
  // serverless:deploy uploads the functions folder's .js files only; the linked .map files stay here.
  const functionJs = filesUnder(functionsDir, '.js');
  for (const file of functionJs) {
    const ms = median(Array.from({ length: COLD_REQUIRE_RUNS }, () => requireMs(file)));
    console.log(
      `  ${path.relative(functionsDir, file).padEnd(28)} require ${ms.toFixed(0).padStart(4)} ms  ` +
        `${kib(fs.statSync(file).size).padStart(8)}`,
    );
  }
  const assets = fs.existsSync(assetsDir) ? totalSize(filesUnder(assetsDir)) : 0;
  const dependencies = Object.entries(
    (
      JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies,
  );
  console.log(
    `  uploaded by twilio serverless:deploy: dist/functions ${kib(totalSize(functionJs))} of .js files ` +
      `(their ${kib(totalSize(filesUnder(functionsDir, '.map')))} of source maps are not uploaded), ` +
      `dist/assets ${kib(assets)}`,
  );
  console.log(
    '  installed by Twilio from package.json, not uploaded: ' +
      `${dependencies.map(([name, version]) => `${name}@${version}`).join(', ')}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `${new Date().toISOString()}  ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, node ${process.version}`,
  );
  await callCounts();

  const run = await LoadRun.start();
  try {
    await run.runFunctions('warm');
    await run.openConversations(CONVERSATIONS);
    console.log(
      `\n2. Webhook latency against a no-op Function in the same twilio-run, ${CONVERSATIONS} open ` +
        'conversations, simulators at zero latency',
    );
    const warm = await latency(run, 'warm');
    reportLatency(warm);
    await run.runFunctions('fork');
    reportLatency(await latency(run, 'fork'));
    await run.runFunctions('warm');
    await throughput(run);
    if (run.world.twilio.violations.length)
      throw new Error(`spec violations: ${JSON.stringify(run.world.twilio.violations)}`);
  } finally {
    await run.stop();
  }

  coldRequireAndSize();
  console.log(
    `\nload average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main()
  // A simulator's idle wait leaves a timer behind: exit rather than wait for it.
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
