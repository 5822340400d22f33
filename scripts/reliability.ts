// The reliability run (issue 8, section 4): load, duplicate and late delivery, seeded random
// faults and concurrent attribute writers, through the Functions in twilio-run against the
// simulators. Prints the figures and exits 1 when a guarantee fails.
//   npm run reliability [-- --short] [-- --seed N] [-- --only load,faults]
import type { Figures } from '../test/reliability/checks';
import {
  duplicates,
  faults,
  load,
  type ScenarioResult,
  SCENARIOS,
  type Traffic,
  writers,
} from '../test/reliability/scenarios';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const short = args.includes('--short');
/** CI's short run keeps one seed, so a red run is reproducible; a full run explores a new one unless told. */
const seed = Number(option('--seed') ?? (short ? 1 : Math.floor(Math.random() * 2 ** 31)));
const only = option('--only')?.split(',') ?? [...SCENARIOS];

/**
 * The full load is issue 8's 200 conversations, CI's short one 60, so both need the AI worker pool;
 * the other scenarios stay within one AI worker's 50 slots, so what they show is their own guarantee.
 */
const SIZES: Record<(typeof SCENARIOS)[number], { full: Traffic; short: Traffic }> = {
  load: {
    full: { conversations: 200, messages: 10, handoffShare: 0.1, burst: 50 },
    short: { conversations: 60, messages: 3, handoffShare: 0.1, burst: 60 },
  },
  duplicates: {
    full: { conversations: 50, messages: 6, handoffShare: 0.1, burst: 50 },
    short: { conversations: 16, messages: 4, handoffShare: 0.1, burst: 16 },
  },
  faults: {
    full: { conversations: 50, messages: 8, handoffShare: 0.1, burst: 50 },
    short: { conversations: 16, messages: 4, handoffShare: 0.1, burst: 16 },
  },
  writers: {
    full: { conversations: 50, messages: 4, handoffShare: 0.5, burst: 50 },
    short: { conversations: 12, messages: 3, handoffShare: 0.5, burst: 12 },
  },
};

const ROWS: [keyof Figures, string][] = [
  ['conversations', 'conversations'],
  ['customerMessages', 'customer messages'],
  ['handoffs', 'handoffs'],
  ['lostCustomerMessages', 'lost customer messages *'],
  ['duplicateAiReplies', 'duplicate AI replies *'],
  ['duplicateSessions', 'conversations with 2+ OpenCX sessions *'],
  ['doubleHandoffs', 'double handoffs *'],
  ['aiRepliesAfterHandoff', 'AI replies after the handoff note *'],
  ['handoffsNotInHumanQueue', 'handoffs not in the human queue *'],
  ['waitedForAiSlot', 'conversations that waited for an AI slot *'],
];

function table(results: ScenarioResult[]): string {
  const extras = [...new Set(results.flatMap((r) => Object.keys(r.extra)))];
  const rows: string[][] = [
    ['', ...results.map((r) => r.name)],
    ...ROWS.map(([key, label]) => [label, ...results.map((r) => String(r.figures[key]))]),
    ...extras.map((key) => [`${key} *`, ...results.map((r) => (key in r.extra ? String(r.extra[key]) : '-'))]),
    ['seconds', ...results.map((r) => String(r.seconds))],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join('  '),
    )
    .join('\n');
}

async function main(): Promise<void> {
  console.log(`reliability run (${short ? 'short' : 'full'}), seed ${seed}`);
  const results: ScenarioResult[] = [];
  for (const name of only) {
    const traffic = SIZES[name as keyof typeof SIZES]?.[short ? 'short' : 'full'];
    if (!traffic) throw new Error(`unknown scenario ${name}; one of ${SCENARIOS.join(', ')}`);
    const result = await {
      load: () => load(traffic),
      duplicates: () => duplicates(traffic, seed),
      faults: () => faults(traffic, seed, short ? 2 : 4),
      writers: () => writers(traffic),
    }[name as keyof typeof SIZES]();
    results.push(result);
    console.log(`${result.name}: ${result.notes.join('; ')} (${result.seconds} s)`);
  }
  console.log(`\n${table(results)}\n* must be 0`);
  const broken = results.flatMap((r) => r.broken.map((b) => `${r.name}: ${b}`));
  const failed = results.filter((r) => r.broken.length > 0).length;
  if (broken.length) console.log(`\nFAILED (seed ${seed}):\n  ${broken.join('\n  ')}`);
  else console.log(`\nevery guarantee held (seed ${seed})`);
  console.log(`\nreliability: ${results.length - failed} passed, ${failed} failed`);
  // Exit at once: idle keep-alive sockets would hold the process open for a while.
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
