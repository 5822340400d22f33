import type { HandoffAttributes } from '../common/task-attributes';
import { CONVERSATION } from './fixtures.testing';
import {
  handoffInsight,
  INSIGHT_MAPS,
  INSIGHT_TTL_SECONDS,
  insightKey,
  insightKeyFrom,
  type InsightEvent,
  recordInsight,
} from './insights';
import type { BridgeState } from './state';

const TASK = 'WT00000000000000000000000000000001';
const attributes = (reason: string, at = '2026-03-02T10:05:00.000Z'): HandoffAttributes => ({
  handedOff: true,
  handoffReason: reason,
  handoffSummary: 'The customer wants a refund for order 1234.',
  handoffSentiment: 'negative',
  handoffLanguage: 'en',
  handoffTimestamp: at,
});

describe('insightKey', () => {
  it('starts with the time, so keys sort as the events happened, and a period starts at insightKeyFrom', () => {
    const early = insightKey({
      type: 'end',
      at: '2026-03-02T09:00:00.000Z',
      conversationSid: 'CHzzz',
      taskSid: TASK,
      withAi: true,
    });
    const late = insightKey({
      type: 'engage',
      at: '2026-03-02T10:00:00.000Z',
      conversationSid: 'CHaaa',
      taskSid: TASK,
    });
    expect([late, early].sort()).toEqual([early, late]);
    expect(early >= insightKeyFrom(new Date('2026-03-02T09:00:00.000Z'))).toBe(true);
    expect(early < insightKeyFrom(new Date('2026-03-02T09:00:00.001Z'))).toBe(true);
  });

  it('is the same for the same event (Sync refuses a retry), and differs per event, conversation and verdict', () => {
    const handoff = handoffInsight(
      CONVERSATION,
      { taskSid: TASK, claimedAt: Date.parse('2026-03-02T10:00:00.000Z') },
      attributes('AI unavailable'),
    );
    expect(insightKey(handoff)).toBe(insightKey({ ...handoff }));
    expect(insightKey(handoff)).toBe(`2026-03-02T10:05:00.000Z_handoff_${CONVERSATION}`);
    const verdict = (taskSid: string): InsightEvent => ({
      type: 'verdict',
      at: handoff.at,
      conversationSid: CONVERSATION,
      taskSid,
      needed: true,
      summaryRight: true,
    });
    expect(
      new Set([
        insightKey(handoff),
        insightKey({ ...handoff, type: 'handback' }),
        insightKey(verdict(TASK)),
        insightKey(verdict('WT2')),
      ]).size,
    ).toBe(4);
  });
});

describe('handoffInsight', () => {
  it('records the reason, the sentiment and the whole seconds with the AI, never the summary', () => {
    const event = handoffInsight(
      CONVERSATION,
      { taskSid: TASK, claimedAt: Date.parse('2026-03-02T10:00:00.400Z') },
      attributes('AI requested human handoff'),
    );
    expect(event).toEqual({
      type: 'handoff',
      at: '2026-03-02T10:05:00.000Z',
      conversationSid: CONVERSATION,
      taskSid: TASK,
      reason: 'AI requested human handoff',
      sentiment: 'negative',
      aiUnavailable: false,
      secondsWithAi: 300,
    });
    expect(JSON.stringify(event)).not.toContain('refund');
  });

  it.each([
    ['AI unavailable', true],
    ['AI busy (OpenCX rate limit)', true],
    ['Customer sent an attachment', false],
  ])('a handoff for %j is AI unavailable: %s', (reason, unavailable) => {
    expect(handoffInsight(CONVERSATION, { taskSid: TASK, claimedAt: 0 }, attributes(reason)).aiUnavailable).toBe(
      unavailable,
    );
  });

  it('has no time with the AI when the engage time is unknown or after the handoff', () => {
    expect(handoffInsight(CONVERSATION, { taskSid: TASK, claimedAt: NaN }, attributes('x')).secondsWithAi).toBeNull();
    expect(
      handoffInsight(CONVERSATION, { taskSid: TASK, claimedAt: Date.parse('2026-03-02T11:00:00Z') }, attributes('x'))
        .secondsWithAi,
    ).toBeNull();
  });
});

describe('recordInsight', () => {
  const event: InsightEvent = {
    type: 'engage',
    at: '2026-03-02T10:00:00.000Z',
    conversationSid: CONVERSATION,
    taskSid: TASK,
  };

  it('writes one item under the event key', async () => {
    const recordInsightItem = jest.fn().mockResolvedValue(undefined);
    const warn = jest.fn();
    await recordInsight({ state: { recordInsight: recordInsightItem } as unknown as BridgeState, warn }, event);
    expect(recordInsightItem).toHaveBeenCalledWith(insightKey(event), event);
    expect(warn).not.toHaveBeenCalled();
  });

  it('is best effort: a failed write is logged and never thrown', async () => {
    const warn = jest.fn();
    const state = { recordInsight: jest.fn().mockRejectedValue(new Error('Sync 503')) } as unknown as BridgeState;
    await expect(recordInsight({ state, warn }, event)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      'could not record the insight event',
      expect.objectContaining({ insight: 'engage', error: 'Error: Sync 503' }),
    );
  });

  it('keeps items 90 days in 32 maps', () => {
    expect(INSIGHT_TTL_SECONDS).toBe(90 * 86400);
    expect(INSIGHT_MAPS).toMatchObject({ base: 'opencx_insights', count: 32 });
  });
});
