// Realistic insights for tests and the gallery: a contact centre whose AI engages about 200
// conversations a day and hands off about a quarter. Deterministic for a given period and time.
import type { HandoffRecord, Insights, InsightsPeriod, InsightsSentiment } from '../api/insightsClient';

const DAY_MS = 24 * 3600 * 1000;
const REASONS: ReadonlyArray<[reason: string, weight: number]> = [
  ['Customer asked for a human', 30],
  ['Refund above the AI limit', 18],
  ['Order not found', 14],
  ['Billing dispute', 11],
  ['AI unavailable', 5],
  ['Repeated misunderstanding', 9],
  ['Account locked', 7],
  ['Cancellation request', 6],
];
const SENTIMENTS: ReadonlyArray<[InsightsSentiment, number]> = [
  ['negative', 45],
  ['neutral', 40],
  ['positive', 15],
];

/** mulberry32: a small seeded generator, so every run draws the same week. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, weighted: ReadonlyArray<[T, number]>): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = next() * total;
  for (const [value, weight] of weighted) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

const DAYS: Readonly<Record<InsightsPeriod, number>> = { today: 1, '7d': 7, '30d': 30 };
const hex = (next: () => number): string =>
  Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');

export function sampleInsights(period: InsightsPeriod, now: Date): Insights {
  const next = random(DAYS[period] * 7919 + Math.floor(now.getTime() / DAY_MS));
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const days = DAYS[period];
  const daily: Insights['daily'] = [];
  const handoffs: HandoffRecord[] = [];
  let contained = 0;
  for (let day = days - 1; day >= 0; day -= 1) {
    const start = today - day * DAY_MS;
    const weekend = [0, 6].includes(new Date(start).getUTCDay());
    // Today has only run until now.
    const share = day === 0 ? (now.getTime() - start) / DAY_MS : 1;
    const engaged = Math.round((weekend ? 110 : 210) * (0.85 + next() * 0.3) * share);
    const handedOff = Math.round(engaged * (0.18 + next() * 0.14));
    const dayContained = engaged - handedOff - (day === 0 ? Math.min(12, engaged - handedOff) : 0);
    contained += dayContained;
    daily.push({ date: new Date(start).toISOString().slice(0, 10), engaged, contained: dayContained, handedOff });
    for (let i = 0; i < handedOff; i += 1) {
      const reason = pick(next, REASONS);
      const verdictDrawn = next();
      handoffs.push({
        at: new Date(start + Math.floor(next() * share * DAY_MS)).toISOString(),
        taskSid: `WT${hex(next)}`,
        conversationSid: `CH${hex(next)}`,
        reason,
        sentiment: pick(next, SENTIMENTS),
        secondsWithAi: reason === 'AI unavailable' ? null : Math.round(40 + next() * next() * 600),
        ...(verdictDrawn < 0.6 ? { verdict: { needed: verdictDrawn > 0.08, summaryRight: verdictDrawn > 0.05 } } : {}),
      });
    }
  }
  handoffs.sort((a, b) => b.at.localeCompare(a.at));
  return summarise(period, new Date(today - (days - 1) * DAY_MS), now, daily, handoffs, contained);
}

/** The answer's totals from its days and handoffs, as the Function computes them. */
export function summarise(
  period: InsightsPeriod,
  from: Date,
  to: Date,
  daily: Insights['daily'],
  handoffs: HandoffRecord[],
  contained: number,
): Insights {
  const engaged = daily.reduce((sum, day) => sum + day.engaged, 0);
  const handedOff = new Set(handoffs.map((handoff) => handoff.conversationSid)).size;
  const reasons = new Map<string, number>();
  const sentimentAtHandoff = { negative: 0, neutral: 0, positive: 0 };
  for (const handoff of handoffs) {
    reasons.set(handoff.reason, (reasons.get(handoff.reason) ?? 0) + 1);
    sentimentAtHandoff[handoff.sentiment] += 1;
  }
  const seconds = handoffs
    .flatMap((handoff) => (handoff.secondsWithAi === null ? [] : [handoff.secondsWithAi]))
    .sort((a, b) => a - b);
  const judged = handoffs.flatMap((handoff) => (handoff.verdict ? [handoff.verdict] : []));
  const notNeeded = judged.filter((verdict) => !verdict.needed).length;
  return {
    period,
    from: from.toISOString(),
    to: to.toISOString(),
    coveredFrom: from.toISOString(),
    engaged,
    contained,
    handedOff,
    handoffCount: handoffs.length,
    handoffRate: contained + handedOff > 0 ? handedOff / (contained + handedOff) : null,
    topReasons: [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 10),
    sentimentAtHandoff,
    medianSecondsWithAiBeforeHandoff: seconds.length ? seconds[Math.floor(seconds.length / 2)] : null,
    aiUnavailableHandoffs: reasons.get('AI unavailable') ?? 0,
    handbacks: Math.round(handedOff * 0.06),
    verdicts: {
      total: judged.length,
      notNeeded,
      summaryWrong: judged.filter((verdict) => !verdict.summaryRight).length,
    },
    notNeededRate: judged.length ? notNeeded / judged.length : null,
    live: { aiConversations: 37, capacity: 100, draining: 0, paused: 0 },
    daily,
    handoffs: handoffs.slice(0, 200),
  };
}
