import type { HandoffInsight, InsightEvent } from '../bridge/insights';
import type { WorkerRouting } from '../common/twilio';
import { adminErrorOf } from './admin-error.testing';
import { coverageStart, insightsPeriod, livePool, median, summariseInsights } from './insights';
import { MAX_PAGES_PER_MAP } from './insights-read';
import type { PoolWorkerFacts } from './setup/ai-worker-check';

const NOW = new Date('2026-03-10T15:00:00.000Z');
const week = insightsPeriod('7d', NOW);
const task = (n: number) => `WT${String(n).padStart(32, '0')}`;
const conv = (n: number) => `CH${String(n).padStart(32, '0')}`;

const engage = (n: number, at: string): InsightEvent => ({
  type: 'engage',
  at,
  conversationSid: conv(n),
  taskSid: task(n),
});
const end = (n: number, at: string, withAi: boolean): InsightEvent => ({
  type: 'end',
  at,
  conversationSid: conv(n),
  taskSid: task(n),
  withAi,
});
const handoff = (n: number, at: string, extra: Partial<HandoffInsight> = {}): InsightEvent => ({
  type: 'handoff',
  at,
  conversationSid: conv(n),
  taskSid: task(n),
  reason: 'AI requested human handoff',
  sentiment: 'neutral',
  aiUnavailable: false,
  secondsWithAi: 60,
  ...extra,
});
const verdict = (n: number, at: string, needed: boolean, summaryRight = true, taskN = n): InsightEvent => ({
  type: 'verdict',
  at,
  conversationSid: conv(n),
  taskSid: task(taskN),
  needed,
  summaryRight,
});

describe('insightsPeriod', () => {
  it('is whole UTC days ending now: today from midnight, 7d and 30d including today; 7d by default', () => {
    expect(insightsPeriod('today', NOW)).toEqual({
      name: 'today',
      from: new Date('2026-03-10T00:00:00.000Z'),
      to: NOW,
    });
    expect(insightsPeriod(undefined, NOW)).toEqual({ name: '7d', from: new Date('2026-03-04T00:00:00.000Z'), to: NOW });
    expect(insightsPeriod('30d', NOW).from).toEqual(new Date('2026-02-09T00:00:00.000Z'));
  });

  it.each(['week', '1d', 'TODAY'])('refuses %j with 400 invalid_input on period', (name) => {
    expect(adminErrorOf(() => insightsPeriod(name, NOW)).toBody()).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'period must be today, 7d or 30d', field: 'period' },
    });
  });
});

describe('summariseInsights', () => {
  it('answers zeros, nulls and every day of the period for no data', () => {
    const summary = summariseInsights([], week);
    expect(summary).toMatchObject({
      period: '7d',
      from: '2026-03-04T00:00:00.000Z',
      to: '2026-03-10T15:00:00.000Z',
      coveredFrom: '2026-03-04T00:00:00.000Z',
      engaged: 0,
      contained: 0,
      handedOff: 0,
      handoffRate: null,
      topReasons: [],
      sentimentAtHandoff: { negative: 0, neutral: 0, positive: 0 },
      medianSecondsWithAiBeforeHandoff: null,
      aiUnavailableHandoffs: 0,
      handbacks: 0,
      verdicts: { total: 0, notNeeded: 0, summaryWrong: 0 },
      notNeededRate: null,
      handoffs: [],
    });
    expect(summary.daily.map((d) => d.date)).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ]);
    expect(summary.daily.every((d) => d.engaged === 0 && d.contained === 0 && d.handedOff === 0)).toBe(true);
  });

  it('counts a contained and a handed-off conversation, with the rate, reason, sentiment and time with the AI', () => {
    const events = [
      engage(1, '2026-03-09T10:00:00.000Z'),
      end(1, '2026-03-09T10:04:00.000Z', true),
      engage(2, '2026-03-10T09:00:00.000Z'),
      handoff(2, '2026-03-10T09:02:00.000Z', { sentiment: 'negative', secondsWithAi: 120 }),
      end(2, '2026-03-10T09:30:00.000Z', false),
    ];
    const summary = summariseInsights(events, week);
    expect(summary).toMatchObject({
      engaged: 2,
      contained: 1,
      handedOff: 1,
      handoffRate: 0.5,
      topReasons: [{ reason: 'AI requested human handoff', count: 1 }],
      sentimentAtHandoff: { negative: 1, neutral: 0, positive: 0 },
      medianSecondsWithAiBeforeHandoff: 120,
      aiUnavailableHandoffs: 0,
    });
    expect(summary.daily.slice(-2)).toEqual([
      { date: '2026-03-09', engaged: 1, contained: 1, handedOff: 0 },
      { date: '2026-03-10', engaged: 1, contained: 0, handedOff: 1 },
    ]);
    expect(summary.handoffs).toEqual([
      {
        at: '2026-03-10T09:02:00.000Z',
        taskSid: task(2),
        conversationSid: conv(2),
        reason: 'AI requested human handoff',
        sentiment: 'negative',
        secondsWithAi: 120,
      },
    ]);
  });

  it('counts per period: only events from the period start to now', () => {
    const events = [
      engage(1, '2026-03-03T23:59:59.999Z'),
      engage(2, '2026-03-04T00:00:00.000Z'),
      engage(3, '2026-03-10T14:00:00.000Z'),
      engage(4, '2026-03-10T15:00:00.001Z'),
    ];
    expect(summariseInsights(events, week).engaged).toBe(2);
    expect(summariseInsights(events, insightsPeriod('today', NOW)).engaged).toBe(1);
    expect(summariseInsights(events, insightsPeriod('30d', NOW)).engaged).toBe(3);
  });

  it('handed off, handed back, then ended with the AI: counts as handed off and as a handback, not contained', () => {
    const events = [
      engage(1, '2026-03-10T09:00:00.000Z'),
      handoff(1, '2026-03-10T09:01:00.000Z'),
      { type: 'handback', at: '2026-03-10T09:10:00.000Z', conversationSid: conv(1), taskSid: task(1) } as InsightEvent,
      end(1, '2026-03-10T09:20:00.000Z', true),
    ];
    expect(summariseInsights(events, week)).toMatchObject({ engaged: 1, contained: 0, handedOff: 1, handbacks: 1 });
    // Handed off again after the hand-back: one conversation, two handoffs (both listed).
    const again = [...events, handoff(1, '2026-03-10T09:15:00.000Z')];
    expect(summariseInsights(again, week)).toMatchObject({ handedOff: 1, handoffCount: 2 });
    expect(summariseInsights(again, week).handoffs).toHaveLength(2);
  });

  it('tells AI-unavailable handoffs apart and ranks at most ten reasons, most frequent first', () => {
    const events = [
      ...Array.from({ length: 3 }, (_, i) =>
        handoff(i, `2026-03-10T0${i}:00:00.000Z`, { reason: 'AI unavailable', aiUnavailable: true }),
      ),
      ...Array.from({ length: 12 }, (_, i) =>
        handoff(100 + i, '2026-03-09T00:00:00.000Z', { reason: `reason ${String(i).padStart(2, '0')}` }),
      ),
      handoff(200, '2026-03-09T01:00:00.000Z', { reason: 'reason 05' }),
    ];
    const summary = summariseInsights(events, week);
    expect(summary.aiUnavailableHandoffs).toBe(3);
    expect(summary.topReasons).toHaveLength(10);
    expect(summary.topReasons.slice(0, 3)).toEqual([
      { reason: 'AI unavailable', count: 3 },
      { reason: 'reason 05', count: 2 },
      { reason: 'reason 00', count: 1 },
    ]);
  });

  it("counts each task's newest verdict and shows it on the conversation's latest handoff before it", () => {
    const events = [
      handoff(1, '2026-03-09T09:00:00.000Z'),
      handoff(1, '2026-03-09T11:00:00.000Z', { taskSid: task(11) }),
      verdict(1, '2026-03-09T09:30:00.000Z', false, true, 1),
      verdict(1, '2026-03-09T11:30:00.000Z', true, false, 11),
      verdict(1, '2026-03-09T11:40:00.000Z', false, false, 11),
      handoff(2, '2026-03-09T12:00:00.000Z'),
    ];
    const summary = summariseInsights(events, week);
    expect(summary.verdicts).toEqual({ total: 2, notNeeded: 2, summaryWrong: 1 });
    expect(summary.notNeededRate).toBe(1);
    expect(summary.handoffs.map((h) => [h.at, h.verdict])).toEqual([
      ['2026-03-09T12:00:00.000Z', undefined],
      ['2026-03-09T11:00:00.000Z', { needed: false, summaryRight: false }],
      ['2026-03-09T09:00:00.000Z', { needed: false, summaryRight: true }],
    ]);
  });

  it('shows a verdict on the handoff it judged, though the conversation was handed off again before it came', () => {
    // Alice judges the 09:00 handoff while wrapping up, after her hand-back was handed off again at 11:00.
    const events = [
      handoff(1, '2026-03-09T09:00:00.000Z'),
      handoff(1, '2026-03-09T11:00:00.000Z', { taskSid: task(11) }),
      { ...verdict(1, '2026-03-09T11:30:00.000Z', false, true, 1), handoffAt: '2026-03-09T09:00:00.000Z' },
    ];
    expect(summariseInsights(events, week).handoffs.map((h) => [h.at, h.verdict])).toEqual([
      ['2026-03-09T11:00:00.000Z', undefined],
      ['2026-03-09T09:00:00.000Z', { needed: false, summaryRight: true }],
    ]);
    // The judged handoff outside the period read: shown on none.
    expect(summariseInsights(events.slice(1), week).handoffs.map((h) => [h.at, h.verdict])).toEqual([
      ['2026-03-09T11:00:00.000Z', undefined],
    ]);
  });

  it('lists at most 200 handoffs, newest first, and leaves out malformed items', () => {
    const events: unknown[] = [
      ...Array.from({ length: 250 }, (_, i) =>
        handoff(i, new Date(Date.parse('2026-03-05T00:00:00Z') + i * 60_000).toISOString()),
      ),
      null,
      { type: 'engage' },
      'x',
    ];
    const summary = summariseInsights(events, week);
    expect(summary.handedOff).toBe(250);
    expect(summary.handoffs).toHaveLength(200);
    expect(summary.handoffs[0].conversationSid).toBe(conv(249));
  });

  it('counts only from coveredFrom when the read stopped short of the period start', () => {
    const events = [engage(1, '2026-03-05T00:00:00.000Z'), engage(2, '2026-03-09T00:00:00.000Z')];
    const summary = summariseInsights(events, week, new Date('2026-03-08T00:00:00.000Z'));
    expect(summary).toMatchObject({
      engaged: 1,
      coveredFrom: '2026-03-08T00:00:00.000Z',
      from: '2026-03-04T00:00:00.000Z',
    });
  });

  it(`counts 30 busy days, the read's most (${32 * MAX_PAGES_PER_MAP * 100} events)`, () => {
    const month = insightsPeriod('30d', NOW);
    const span = NOW.getTime() - month.from.getTime();
    const events: InsightEvent[] = [];
    for (let n = 0; events.length < 32 * MAX_PAGES_PER_MAP * 100; n++) {
      const at = month.from.getTime() + ((n * 7919) % span);
      events.push(engage(n, new Date(at).toISOString()));
      if (n % 4 === 0)
        events.push(
          handoff(n, new Date(at + 90_000).toISOString(), { reason: `reason ${n % 13}`, secondsWithAi: n % 600 }),
          verdict(n, new Date(at + 600_000).toISOString(), n % 3 === 0),
        );
      events.push(end(n, new Date(at + 900_000).toISOString(), n % 4 !== 0));
    }
    const summary = summariseInsights(events, month);
    expect(summary.engaged).toBeGreaterThan(40_000);
    expect(summary.handoffRate).toBeCloseTo(0.25, 2);
    expect(summary.daily).toHaveLength(30);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('coverageStart', () => {
  const from = new Date('2026-03-04T00:00:00.000Z');
  it('is the period start when every map was read to it, else the latest point a map stopped at', () => {
    expect(coverageStart([{ complete: true }, { complete: true, oldestAt: '2026-03-05T00:00:00.000Z' }], from)).toEqual(
      from,
    );
    expect(
      coverageStart(
        [
          { complete: false, oldestAt: '2026-03-06T00:00:00.000Z' },
          { complete: false, oldestAt: '2026-03-07T00:00:00.000Z' },
          { complete: true },
        ],
        from,
      ),
    ).toEqual(new Date('2026-03-07T00:00:00.000Z'));
  });
});

describe('livePool', () => {
  const worker = (sid: string, channels: WorkerRouting['channels']): WorkerRouting => ({
    sid,
    friendlyName: sid,
    activityName: 'Available',
    available: true,
    channels,
  });
  const facts = (pool: WorkerRouting[], draining: PoolWorkerFacts[] = [], queueHeld?: Record<string, number>) => ({
    pool: pool.map((routing) => ({ sid: routing.sid, routing })),
    draining,
    ...(queueHeld && { queueHeld }),
  });
  const open = (chat: number, sms = 0) =>
    worker('WK1', [
      { taskChannel: 'chat', capacity: 50, available: true, assignedTasks: chat },
      { taskChannel: 'sms', capacity: 50, available: true, assignedTasks: sms },
    ]);
  const closed = (sid: string, chat: number) =>
    worker(sid, [{ taskChannel: 'chat', capacity: 50, available: false, assignedTasks: chat }]);

  it("is the pool's conversations against its open chat and sms slots; the draining workers' apart", () => {
    const voice = { taskChannel: 'voice', capacity: 1, available: true, assignedTasks: 1 };
    const pool = [worker('WK1', [...open(40, 2).channels, voice])];
    // Chat is 80 % full: at this mix (40 chats to 2 texts) the pool holds 52.
    expect(livePool(facts(pool, [{ sid: 'WK2', routing: closed('WK2', 3) }]))).toEqual({
      aiConversations: 42,
      capacity: 52,
      draining: 3,
      paused: 0,
    });
    expect(livePool(facts([]))).toEqual({ aiConversations: 0, capacity: 0, draining: 0, paused: 0 });
  });

  it("counts a paused worker's conversations apart, and opens no slots on it", () => {
    const offline = { ...open(80), sid: 'WK2', activityName: 'Offline', available: false };
    expect(livePool(facts([open(10), offline]))).toEqual({
      aiConversations: 10,
      capacity: 50,
      draining: 0,
      paused: 80,
    });
    // The AI queue's statistics count the paused worker's conversations too: they are taken off.
    expect(livePool(facts([open(10), offline], [], { chat: 95 }))).toMatchObject({ aiConversations: 15, paused: 80 });
  });

  it("counts the AI queue's held tasks when the channels leave pending reservations out", () => {
    expect(livePool(facts([open(0)], [], { chat: 30, sms: 2, voice: 5 }))).toEqual({
      aiConversations: 32,
      capacity: 53,
      draining: 0,
      paused: 0,
    });
  });

  it("after a shrink, counts the draining workers' conversations in the queue's apart from the pool's", () => {
    // Three workers at 50 each shrunk to one: the queue holds the two draining workers' 100 and the pool's 10.
    const draining = [
      { sid: 'WK2', routing: closed('WK2', 50) },
      { sid: 'WK3', routing: closed('WK3', 0), held: 50 },
    ];
    expect(livePool(facts([open(0)], draining, { chat: 110 }))).toEqual({
      aiConversations: 10,
      capacity: 50,
      draining: 100,
      paused: 0,
    });
  });

  it('is full once one channel is: a pool whose chat slots are all taken queues the next chat', () => {
    const two = [open(50), { ...open(50), sid: 'WK2' }];
    expect(livePool(facts(two))).toMatchObject({ aiConversations: 100, capacity: 100 });
    // Half on each channel: room for as many again.
    expect(livePool(facts([open(25, 25), { ...open(25, 25), sid: 'WK2' }]))).toMatchObject({
      aiConversations: 100,
      capacity: 200,
    });
    // None yet: one channel's slots, as the peak in the settings sized the pool.
    expect(
      livePool(facts(two.map((w) => ({ ...w, channels: w.channels.map((c) => ({ ...c, assignedTasks: 0 })) })))),
    ).toMatchObject({ aiConversations: 0, capacity: 100 });
  });

  it("takes the draining workers' conversations of no known channel off the queue's total once", () => {
    const draining = [{ sid: 'WK2', routing: closed('WK2', 0), held: 40 }];
    expect(livePool(facts([open(0)], draining, { chat: 45, sms: 40 }))).toMatchObject({ aiConversations: 45 });
    // Each channel counts what says more: the pool's channels on chat, the queue on sms.
    expect(livePool(facts([open(10)], [], { chat: 4, sms: 6 }))).toMatchObject({ aiConversations: 16 });
  });
});
