// An InsightsClient of jest mocks, and insights for the edge cases a supervisor meets.
import type { Insights, InsightsClient, InsightsPeriod, InsightsResult } from '../api/insightsClient';
import { summarise } from './insightsSample';

export type FakeInsightsClient = { load: jest.Mock<Promise<InsightsResult>, Parameters<InsightsClient['load']>> };

/** Answers each load with `answer(period)`. */
export function fakeInsightsClient(
  answer: (period: InsightsPeriod) => InsightsResult | Promise<InsightsResult>,
): FakeInsightsClient {
  return {
    load: jest.fn<Promise<InsightsResult>, Parameters<InsightsClient['load']>>((_token, period) =>
      Promise.resolve(answer(period)),
    ),
  };
}

/** A new integration's first week: nothing engaged, an idle pool. */
export const EMPTY_WEEK: Insights = {
  ...summarise(
    '7d',
    new Date('2026-11-15T00:00:00Z'),
    new Date('2026-11-21T10:30:00Z'),
    ['15', '16', '17', '18', '19', '20', '21'].map((day) => ({
      date: `2026-11-${day}`,
      engaged: 0,
      contained: 0,
      handedOff: 0,
    })),
    [],
    0,
  ),
  handbacks: 0,
  live: { aiConversations: 0, capacity: 50, draining: 0, paused: 0 },
};

/** Today, early: a few conversations, one handoff without a verdict or a time with the AI. */
export const EARLY_TODAY: Insights = {
  ...summarise(
    'today',
    new Date('2026-11-21T00:00:00Z'),
    new Date('2026-11-21T08:00:00Z'),
    [{ date: '2026-11-21', engaged: 4, contained: 2, handedOff: 1 }],
    [
      {
        at: '2026-11-21T07:12:00Z',
        taskSid: 'WT' + '1'.repeat(32),
        conversationSid: 'CH' + '1'.repeat(32),
        reason: 'AI unavailable',
        sentiment: 'neutral',
        secondsWithAi: null,
      },
    ],
    2,
  ),
  handbacks: 0,
  live: { aiConversations: 1, capacity: 50, draining: 0, paused: 0 },
};
