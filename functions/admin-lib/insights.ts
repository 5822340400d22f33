// The supervisors' AI insights (docs/admin-api.md, `/supervisor/insights`): a plain function of
// the recorded events (bridge/insights.ts) and the period. Counting rules:
// - engaged: conversations with an engage in the period;
// - handedOff: conversations with a handoff in the period; each handoff is listed;
// - contained: conversations that ended while the AI held them, with no handoff in the period;
// - a verdict counts once per task, the newest, and is shown on the handoff it judged (older verdicts,
//   which do not say: on the conversation's latest handoff before them).
import type { InsightEvent } from '../bridge/insights';
import type { HandoffSentiment } from '../common/task-attributes';
import type { WorkerRouting } from '../common/twilio';
import { invalidInput } from './admin-error';
import { AI_WORKER_CHANNELS } from './settings';
import { type AiPoolFacts, heldOutside, type PoolWorkerFacts, poolUtilisation } from './setup/ai-worker-check';

export const PERIODS = ['today', '7d', '30d'] as const;
export type PeriodName = (typeof PERIODS)[number];
const PERIOD_DAYS: Record<PeriodName, number> = { today: 1, '7d': 7, '30d': 30 };
export const TOP_REASONS = 10;
export const LISTED_HANDOFFS = 200;
const DAY_MS = 24 * 3600 * 1000;

export interface Period {
  name: PeriodName;
  from: Date;
  to: Date;
}

/** Whole UTC days ending with today: `today` from midnight UTC, `7d` and `30d` that many days including today. */
export function insightsPeriod(name: string | undefined, now: Date): Period {
  const period = (name ?? '7d') as PeriodName;
  if (!PERIODS.includes(period)) throw invalidInput('period', 'period must be today, 7d or 30d');
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { name: period, from: new Date(midnight - (PERIOD_DAYS[period] - 1) * DAY_MS), to: now };
}

export interface ListedHandoff {
  at: string;
  taskSid: string;
  conversationSid: string;
  reason: string;
  sentiment: HandoffSentiment;
  secondsWithAi: number | null;
  verdict?: { needed: boolean; summaryRight: boolean };
}

export interface DailyCounts {
  date: string;
  engaged: number;
  contained: number;
  handedOff: number;
}

/** The answer without the live pool use, which TaskRouter tells. */
export interface InsightsSummary {
  period: PeriodName;
  from: string;
  to: string;
  /** Where the events read begin: `from`, unless the read stopped short of it (then the older part is not counted). */
  coveredFrom: string;
  engaged: number;
  contained: number;
  handedOff: number;
  /** Handoffs in the period: a conversation handed off again after a hand-back counts twice (as listed). */
  handoffCount: number;
  handoffRate: number | null;
  topReasons: { reason: string; count: number }[];
  sentimentAtHandoff: Record<HandoffSentiment, number>;
  medianSecondsWithAiBeforeHandoff: number | null;
  aiUnavailableHandoffs: number;
  handbacks: number;
  verdicts: { total: number; notNeeded: number; summaryWrong: number };
  notNeededRate: number | null;
  daily: DailyCounts[];
  handoffs: ListedHandoff[];
}

type Of<T extends InsightEvent['type']> = Extract<InsightEvent, { type: T }>;

const dayOf = (at: string): string => at.slice(0, 10);
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Every UTC day from `from` to `to`, oldest first. */
function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t <= to.getTime(); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Events in [from, to], by type; anything malformed is left out. */
function byType(events: readonly unknown[], from: Date, to: Date) {
  const lists = {
    engage: [] as Of<'engage'>[],
    handoff: [] as Of<'handoff'>[],
    end: [] as Of<'end'>[],
    handback: [] as Of<'handback'>[],
    verdict: [] as Of<'verdict'>[],
  };
  // The bridge writes every time as toISOString(), which sorts as it compares.
  const [first, last] = [from.toISOString(), to.toISOString()];
  for (const event of events) {
    if (!isInsightEvent(event) || event.at < first || event.at > last) continue;
    (lists[event.type] as InsightEvent[]).push(event);
  }
  return lists;
}

function isInsightEvent(value: unknown): value is InsightEvent {
  const e = value as Partial<InsightEvent> | null;
  return (
    !!e &&
    typeof e === 'object' &&
    typeof e.at === 'string' &&
    typeof e.conversationSid === 'string' &&
    typeof e.taskSid === 'string' &&
    typeof e.type === 'string' &&
    e.type in TYPES
  );
}
const TYPES: Record<InsightEvent['type'], true> = {
  engage: true,
  handoff: true,
  end: true,
  handback: true,
  verdict: true,
};

/** The newest verdict per task. */
function latestVerdicts(verdicts: Of<'verdict'>[]): Of<'verdict'>[] {
  const newest = new Map<string, Of<'verdict'>>();
  for (const v of verdicts) {
    const seen = newest.get(v.taskSid);
    if (!seen || seen.at < v.at) newest.set(v.taskSid, v);
  }
  return [...newest.values()];
}

/**
 * Each verdict goes onto the handoff it judged (by its time; none when that handoff is outside the
 * period); a verdict recorded without it, onto the conversation's latest handoff at or before it.
 */
function verdictsByHandoff(handoffs: Of<'handoff'>[], verdicts: Of<'verdict'>[]): Map<Of<'handoff'>, Of<'verdict'>> {
  const perConversation = new Map<string, Of<'handoff'>[]>();
  for (const h of handoffs)
    perConversation.set(h.conversationSid, [...(perConversation.get(h.conversationSid) ?? []), h]);
  const joined = new Map<Of<'handoff'>, Of<'verdict'>>();
  for (const v of verdicts) {
    const ofConversation = perConversation.get(v.conversationSid) ?? [];
    const handoff =
      v.handoffAt !== undefined
        ? ofConversation.find((h) => h.at === v.handoffAt)
        : ofConversation
            .filter((h) => h.at <= v.at)
            .reduce<Of<'handoff'> | undefined>((latest, h) => (!latest || latest.at < h.at ? h : latest), undefined);
    const already = handoff && joined.get(handoff);
    if (handoff && (!already || already.at < v.at)) joined.set(handoff, v);
  }
  return joined;
}

export function summariseInsights(
  events: readonly unknown[],
  period: Period,
  coveredFrom: Date = period.from,
): InsightsSummary {
  const { engage, handoff, end, handback, verdict } = byType(
    events,
    coveredFrom > period.from ? coveredFrom : period.from,
    period.to,
  );
  const handedOffConversations = new Set(handoff.map((h) => h.conversationSid));
  const containedEnds = end.filter((e) => e.withAi && !handedOffConversations.has(e.conversationSid));
  const contained = new Set(containedEnds.map((e) => e.conversationSid)).size;
  const handedOff = handedOffConversations.size;

  const reasons = new Map<string, number>();
  const sentimentAtHandoff: Record<HandoffSentiment, number> = { negative: 0, neutral: 0, positive: 0 };
  for (const h of handoff) {
    reasons.set(h.reason, (reasons.get(h.reason) ?? 0) + 1);
    sentimentAtHandoff[h.sentiment in sentimentAtHandoff ? h.sentiment : 'neutral'] += 1;
  }
  const topReasons = [...reasons.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_REASONS)
    .map(([reason, count]) => ({ reason, count }));

  const verdicts = latestVerdicts(verdict);
  const notNeeded = verdicts.filter((v) => !v.needed).length;
  const joined = verdictsByHandoff(handoff, verdicts);
  const handoffs = [...handoff]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, LISTED_HANDOFFS)
    .map((h): ListedHandoff => {
      const v = joined.get(h);
      return {
        at: h.at,
        taskSid: h.taskSid,
        conversationSid: h.conversationSid,
        reason: h.reason,
        sentiment: h.sentiment,
        secondsWithAi: typeof h.secondsWithAi === 'number' ? h.secondsWithAi : null,
        ...(v ? { verdict: { needed: v.needed, summaryRight: v.summaryRight } } : {}),
      };
    });

  const daily = new Map(
    daysOf(period.from, period.to).map((date) => [
      date,
      { engaged: new Set<string>(), contained: new Set<string>(), handedOff: new Set<string>() },
    ]),
  );
  for (const e of engage) daily.get(dayOf(e.at))?.engaged.add(e.conversationSid);
  for (const e of containedEnds) daily.get(dayOf(e.at))?.contained.add(e.conversationSid);
  for (const h of handoff) daily.get(dayOf(h.at))?.handedOff.add(h.conversationSid);

  return {
    period: period.name,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    coveredFrom: (coveredFrom > period.from ? coveredFrom : period.from).toISOString(),
    engaged: new Set(engage.map((e) => e.conversationSid)).size,
    contained,
    handedOff,
    handoffCount: handoff.length,
    handoffRate: ratio(handedOff, contained + handedOff),
    topReasons,
    sentimentAtHandoff,
    medianSecondsWithAiBeforeHandoff: median(
      handoff.flatMap((h) => (typeof h.secondsWithAi === 'number' ? [h.secondsWithAi] : [])),
    ),
    aiUnavailableHandoffs: handoff.filter((h) => h.aiUnavailable).length,
    handbacks: handback.length,
    verdicts: { total: verdicts.length, notNeeded, summaryWrong: verdicts.filter((v) => !v.summaryRight).length },
    notNeededRate: ratio(notNeeded, verdicts.length),
    daily: [...daily.entries()].map(([date, sets]) => ({
      date,
      engaged: sets.engaged.size,
      contained: sets.contained.size,
      handedOff: sets.handedOff.size,
    })),
    handoffs,
  };
}

/**
 * Now, on the channels the AI answers (chat and sms, as the settings save opens them): the
 * conversations the pool's serving workers hold against what the pool holds at their mix of
 * channels (`mixCapacity`), and apart from
 * them those held by workers that take no new one: the draining workers (so a shrink never reads as
 * a pool over 100 % full), and pool workers an admin paused (an unavailable activity). Held is at
 * least what the AI queue's statistics say (`queueHeld`, as assigned_tasks may leave pending
 * reservations out) less what those other workers hold.
 */
export function livePool(facts: Pick<AiPoolFacts, 'pool' | 'draining' | 'queueHeld'>): {
  aiConversations: number;
  capacity: number;
  draining: number;
  paused: number;
} {
  const answered = (channel: { taskChannel: string }): boolean => channel.taskChannel in AI_WORKER_CHANNELS;
  const heldOn = (workers: readonly WorkerRouting[], taskChannel: string): number =>
    workers
      .flatMap((worker) => worker.channels.filter((c) => c.taskChannel === taskChannel))
      .reduce((sum, c) => sum + c.assignedTasks, 0);
  const resting = facts.pool.filter((worker) => worker.routing && !worker.routing.available);
  const pool = facts.pool.flatMap((worker) => (worker.routing?.available ? [worker.routing] : []));
  const outside = heldOutside([...resting, ...facts.draining]);
  const channels = Object.keys(AI_WORKER_CHANNELS);
  const onPoolChannels = channels.reduce((sum, taskChannel) => sum + heldOn(pool, taskChannel), 0);
  // Per channel the larger count; the other workers' reservations of no known channel taken off once.
  const inQueue = (taskChannel: string) =>
    Math.max(0, (facts.queueHeld?.[taskChannel] ?? 0) - (outside.byChannel[taskChannel] ?? 0));
  const perChannel = channels.reduce((sum, c) => sum + Math.max(heldOn(pool, c), inQueue(c)), 0);
  const aiConversations = Math.max(onPoolChannels, perChannel - outside.unplaced);
  // How full each channel is, at least: those of no known channel may all be on it.
  const leastPer = channels.map((c) => ({
    taskChannel: c,
    held: Math.max(heldOn(pool, c), inQueue(c) - outside.unplaced),
  }));
  return {
    aiConversations,
    capacity: mixCapacity(aiConversations, leastPer, poolUtilisation(pool).filter(answered)),
    draining: heldBy(facts.draining, answered),
    paused: heldBy(resting, answered),
  };
}

/**
 * What the pool holds at the present mix of channels: a conversation takes a slot of one channel, so
 * the fullest channel says how far the pool is from queueing new ones (chat full while sms is empty
 * is a full pool for chats). With no conversation, one channel's slots.
 */
function mixCapacity(
  aiConversations: number,
  held: readonly { taskChannel: string; held: number }[],
  slots: readonly { taskChannel: string; capacity: number }[],
): number {
  if (slots.length === 0) return 0;
  const slotsOf = (taskChannel: string) => slots.find((c) => c.taskChannel === taskChannel)?.capacity ?? 0;
  const fullest = Math.max(0, ...held.map((c) => (c.held === 0 ? 0 : c.held / slotsOf(c.taskChannel))));
  if (fullest === 0) return Math.max(...slots.map((c) => c.capacity));
  return fullest >= 1 ? aiConversations : Math.floor(aiConversations / fullest);
}

/** What `workers` hold on the AI's channels; a worker's reservations count when its channels show fewer. */
function heldBy(workers: readonly PoolWorkerFacts[], answered: (channel: { taskChannel: string }) => boolean): number {
  return workers.reduce((sum, { routing, held }) => {
    const onChannels = routing ? routing.channels.filter(answered).reduce((n, c) => n + c.assignedTasks, 0) : 0;
    return sum + (routing ? Math.max(held ?? 0, onChannels) : 0);
  }, 0);
}

/**
 * Where a period's events are all counted: each map was read newest first; one the read left
 * unfinished covers only down to its oldest item read, so the answer counts from the latest
 * such point in every map alike.
 */
export function coverageStart(reads: readonly { complete: boolean; oldestAt?: string }[], from: Date): Date {
  const cut = reads.filter((r) => !r.complete && r.oldestAt).map((r) => Date.parse(r.oldestAt!));
  return cut.length === 0 ? from : new Date(Math.max(from.getTime(), ...cut));
}
