// What the bridge records for the supervisors' AI insights: one Sync map item per engage,
// handoff, end, handback and agent verdict, written once (create-only) where it happens. No
// customer text and no PII: SIDs, times, the handoff's fixed reason text, sentiment and counts.
// Items expire after 90 days. The keys start with the event's time, so a reader lists a period
// newest first and stops at its start.
import type { HandoffAttributes, HandoffSentiment } from '../common/task-attributes';
import type { ShardedObjects } from '../common/shards';
import type { ConversationRecord } from './conversation-record';
import type { BridgeDeps } from './deps';
import { AI_UNAVAILABLE } from './handoff';
import { RATE_LIMITED_REASON } from './rate-limit';

/**
 * Spread over 32 maps: writes stay far under Sync's 20 a second per object (a burst of 100
 * engages a second is about 3 writes a second per map), and the supervisor Function reads the
 * maps in parallel.
 */
export const INSIGHT_MAPS: ShardedObjects = { base: 'opencx_insights', count: 32, retired: [] };
export const INSIGHT_TTL_SECONDS = 90 * 24 * 3600;

interface Base {
  /** ISO 8601, when it happened. */
  at: string;
  conversationSid: string;
  taskSid: string;
}

export type InsightEvent =
  | (Base & { type: 'engage' })
  | (Base & {
      type: 'handoff';
      reason: string;
      sentiment: HandoffSentiment;
      aiUnavailable: boolean;
      secondsWithAi: number | null;
    })
  /** `withAi`: the conversation ended while the AI held it (contained). */
  | (Base & { type: 'end'; withAi: boolean })
  | (Base & { type: 'handback' })
  /** `handoffAt`: the judged handoff's time, as the task carries it (absent on verdicts recorded before it). */
  | (Base & { type: 'verdict'; needed: boolean; summaryRight: boolean; handoffAt?: string });

export type InsightType = InsightEvent['type'];
export type HandoffInsight = Extract<InsightEvent, { type: 'handoff' }>;

/**
 * Time first, so keys sort by time; then what makes the event unique, so recording it again (a
 * retried handoff with the same time) is refused by Sync rather than counted twice. A verdict
 * is the agent's on a task: the newest per task counts.
 */
export function insightKey(event: InsightEvent): string {
  const subject = event.type === 'verdict' ? event.taskSid : event.conversationSid;
  return `${new Date(event.at).toISOString()}_${event.type}_${subject}`;
}

/** The lowest key of an event at or after `time`: where a reader of a period stops. */
export const insightKeyFrom = (time: Date): string => time.toISOString();

/** The AI could not answer: OpenCX failing or timing out, or its rate limit refusing us. */
export const isAiUnavailable = (reason: string): boolean => reason === AI_UNAVAILABLE || reason === RATE_LIMITED_REASON;

/** A handoff as recorded: the attributes the task got, and how long the AI held the conversation. */
export function handoffInsight(
  conversationSid: string,
  record: Pick<ConversationRecord, 'taskSid' | 'claimedAt'>,
  handoff: HandoffAttributes,
): HandoffInsight {
  const seconds = (Date.parse(handoff.handoffTimestamp) - record.claimedAt) / 1000;
  return {
    type: 'handoff',
    at: handoff.handoffTimestamp,
    conversationSid,
    taskSid: record.taskSid,
    reason: handoff.handoffReason,
    sentiment: handoff.handoffSentiment,
    aiUnavailable: isAiUnavailable(handoff.handoffReason),
    secondsWithAi: Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : null,
  };
}

/** Records one event; best effort: a failure is logged and never breaks the flow that records it. */
export const recordInsight = (deps: Pick<BridgeDeps, 'state' | 'warn'>, event: InsightEvent): Promise<void> =>
  bestEffort(deps, 'record', event, () => deps.state.recordInsight(insightKey(event), event));

/** Takes back an event recorded beside the read that showed it did not happen; best effort too. */
export const withdrawInsight = (deps: Pick<BridgeDeps, 'state' | 'warn'>, event: InsightEvent): Promise<void> =>
  bestEffort(deps, 'withdraw', event, () => deps.state.withdrawInsight(insightKey(event)));

async function bestEffort(
  deps: Pick<BridgeDeps, 'warn'>,
  verb: 'record' | 'withdraw',
  event: InsightEvent,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    deps.warn(`could not ${verb} the insight event`, {
      insight: event.type,
      conversationSid: event.conversationSid,
      error: String(error),
    });
  }
}
