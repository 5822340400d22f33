// The client of the supervisor insights Function (`/supervisor/insights`): what the AI contained,
// what it handed off and why, for one period. The answer holds counts and SIDs, never message text.
import {
  createFunctionsPost,
  SUPERVISOR_READ_TEXTS,
  type FunctionsFailure,
  type FunctionsRequestOptions,
  isObject,
  unexpectedAnswer,
} from './functionsRequest';

export const INSIGHTS_PERIODS = ['today', '7d', '30d'] as const;
export type InsightsPeriod = (typeof INSIGHTS_PERIODS)[number];

export type InsightsSentiment = 'negative' | 'neutral' | 'positive';

export interface DailyInsights {
  /** YYYY-MM-DD, UTC. */
  date: string;
  engaged: number;
  contained: number;
  handedOff: number;
}

export interface HandoffRecord {
  /** ISO 8601. */
  at: string;
  taskSid: string;
  conversationSid: string;
  reason: string;
  sentiment: InsightsSentiment;
  secondsWithAi: number | null;
  /** The agent's verdict, when one was given. */
  verdict?: { needed: boolean; summaryRight: boolean };
}

export interface Insights {
  period: InsightsPeriod;
  from: string;
  to: string;
  /** From when the events were counted: `from`, unless the Function's read stopped short of it. */
  coveredFrom: string;
  engaged: number;
  contained: number;
  handedOff: number;
  /** Handoffs, as the list has them (a conversation handed off twice is two); Functions before it: `handedOff`. */
  handoffCount: number;
  /** handedOff / (contained + handedOff); null when both are 0. */
  handoffRate: number | null;
  /** Most frequent first. */
  topReasons: { reason: string; count: number }[];
  sentimentAtHandoff: Record<InsightsSentiment, number>;
  medianSecondsWithAiBeforeHandoff: number | null;
  aiUnavailableHandoffs: number;
  handbacks: number;
  verdicts: { total: number; notNeeded: number; summaryWrong: number };
  /** notNeeded / total; null when no verdict was given. */
  notNeededRate: number | null;
  /**
   * Now: AI conversations in progress, and the AI pool's open slots; apart from them, those still held
   * by AI workers being retired after the peak was lowered, and by pool workers an admin paused (each
   * 0 from a Function that does not say).
   */
  live: { aiConversations: number; capacity: number; draining: number; paused: number };
  /** Every day of the period, oldest first. */
  daily: DailyInsights[];
  /** Newest first, at most 200. */
  handoffs: HandoffRecord[];
}

export type InsightsField = 'period';
export type InsightsResult = { ok: true; insights: Insights } | FunctionsFailure<InsightsField>;

export interface InsightsClient {
  load(flexToken: string, period: InsightsPeriod): Promise<InsightsResult>;
}

export function createInsightsClient(options: FunctionsRequestOptions): InsightsClient {
  const post = createFunctionsPost<InsightsField>(options, ['period'], SUPERVISOR_READ_TEXTS);
  return {
    async load(flexToken, period) {
      const answer = await post('/supervisor/insights', { Token: flexToken, period });
      if (!answer.ok) return answer;
      const insights = readInsights(answer.body);
      return insights ? { ok: true, insights } : unexpectedAnswer();
    },
  };
}

const SENTIMENTS: readonly InsightsSentiment[] = ['negative', 'neutral', 'positive'];

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const countOrNull = (value: unknown): number | null | undefined =>
  value === null ? null : isCount(value) ? value : undefined;

function readCounts<K extends string>(value: unknown, keys: readonly K[]): Record<K, number> | undefined {
  if (!isObject(value) || !keys.every((key) => isCount(value[key]))) return undefined;
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Record<K, number>;
}

function readDay(value: unknown): DailyInsights | undefined {
  if (!isObject(value) || typeof value.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.date)) return undefined;
  const counts = readCounts(value, ['engaged', 'contained', 'handedOff'] as const);
  return counts && { date: value.date, ...counts };
}

function readHandoff(value: unknown): HandoffRecord | undefined {
  if (!isObject(value) || !isText(value.at) || !isText(value.taskSid) || typeof value.conversationSid !== 'string')
    return undefined;
  const secondsWithAi = countOrNull(value.secondsWithAi ?? null);
  const { verdict } = value;
  return {
    at: value.at,
    taskSid: value.taskSid,
    conversationSid: value.conversationSid,
    reason: typeof value.reason === 'string' ? value.reason : '',
    // A sentiment this plugin does not know is shown as neutral, as on the handoff panel.
    sentiment: SENTIMENTS.find((sentiment) => sentiment === value.sentiment) ?? 'neutral',
    secondsWithAi: secondsWithAi ?? null,
    ...(isObject(verdict) && typeof verdict.needed === 'boolean' && typeof verdict.summaryRight === 'boolean'
      ? { verdict: { needed: verdict.needed, summaryRight: verdict.summaryRight } }
      : {}),
  };
}

/** Every list item read, malformed ones left out; undefined when it is no list. */
function readList<T>(value: unknown, read: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map(read).filter((item): item is T => item !== undefined);
}

/**
 * The answer as the contract has it, or undefined when a figure is missing or malformed: a view
 * that showed a missing count as 0 would report a period that never happened.
 */
export function readInsights(body: Record<string, unknown>): Insights | undefined {
  const period = INSIGHTS_PERIODS.find((name) => name === body.period);
  const totals = readCounts(body, ['engaged', 'contained', 'handedOff', 'aiUnavailableHandoffs', 'handbacks'] as const);
  const handoffRate = countOrNull(body.handoffRate);
  const median = countOrNull(body.medianSecondsWithAiBeforeHandoff);
  const notNeededRate = countOrNull(body.notNeededRate);
  const sentimentAtHandoff = readCounts(body.sentimentAtHandoff, SENTIMENTS);
  const verdicts = readCounts(body.verdicts, ['total', 'notNeeded', 'summaryWrong'] as const);
  const pool = readCounts(body.live, ['aiConversations', 'capacity'] as const);
  // Functions older than these counts leave them out: they held none apart.
  const apart = (field: 'draining' | 'paused'): number =>
    isObject(body.live) && isCount(body.live[field]) ? body.live[field] : 0;
  const live = pool && { ...pool, draining: apart('draining'), paused: apart('paused') };
  const topReasons = readList(body.topReasons, (item) =>
    isObject(item) && typeof item.reason === 'string' && isCount(item.count)
      ? { reason: item.reason, count: item.count }
      : undefined,
  );
  const daily = readList(body.daily, readDay);
  const handoffs = readList(body.handoffs, readHandoff);
  if (!period || !totals || handoffRate === undefined || median === undefined || notNeededRate === undefined)
    return undefined;
  if (!sentimentAtHandoff || !verdicts || !live || !topReasons || !daily || !handoffs) return undefined;
  return {
    period,
    from: typeof body.from === 'string' ? body.from : '',
    to: typeof body.to === 'string' ? body.to : '',
    coveredFrom:
      typeof body.coveredFrom === 'string' ? body.coveredFrom : typeof body.from === 'string' ? body.from : '',
    ...totals,
    handoffCount: isCount(body.handoffCount) ? body.handoffCount : totals.handedOff,
    handoffRate,
    topReasons,
    sentimentAtHandoff,
    medianSecondsWithAiBeforeHandoff: median,
    verdicts,
    notNeededRate,
    live,
    daily,
    handoffs,
  };
}
