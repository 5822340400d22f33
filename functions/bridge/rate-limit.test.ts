import {
  afterRateLimit,
  DEFAULT_RETRY_AFTER_MS,
  RATE_LIMITED_REASON,
  RESEND_SPREAD_SECONDS,
  queuedForResend,
  waitsForResend,
} from './rate-limit';

const facts = { retryAfterMs: 20_000, waitedMs: 0, answerTimeoutSeconds: 60, timers: true, spread: 0 };

describe('afterRateLimit: a message OpenCX refused for longer than the handler can wait', () => {
  it('is sent again after Retry-After, by timer, while the answer timeout allows', () => {
    expect(afterRateLimit(facts)).toEqual({ next: 'resend', afterSeconds: 20 });
    expect(afterRateLimit({ ...facts, retryAfterMs: 1500 })).toEqual({ next: 'resend', afterSeconds: 2 });
    expect(afterRateLimit({ ...facts, retryAfterMs: 0 })).toEqual({ next: 'resend', afterSeconds: 1 });
  });

  it('spreads resends over a few seconds, never past the answer timeout', () => {
    expect(afterRateLimit({ ...facts, spread: 0.99 })).toEqual({
      next: 'resend',
      afterSeconds: 20 + RESEND_SPREAD_SECONDS - 1,
    });
    expect(afterRateLimit({ ...facts, retryAfterMs: 58_000, spread: 0.99 })).toEqual({
      next: 'resend',
      afterSeconds: 60,
    });
  });

  it('assumes a wait when OpenCX names none', () => {
    expect(afterRateLimit({ ...facts, retryAfterMs: undefined })).toEqual({
      next: 'resend',
      afterSeconds: DEFAULT_RETRY_AFTER_MS / 1000,
    });
  });

  it('goes to humans, saying why, when the wait would pass the answer timeout', () => {
    const handoff = afterRateLimit({ ...facts, waitedMs: 45_000 });
    expect(handoff).toMatchObject({ next: 'handoff', request: { reason: RATE_LIMITED_REASON } });
    expect(handoff.next === 'handoff' && handoff.request.summary).toMatch(/rate limit.*within 60 seconds/);
    expect(afterRateLimit({ ...facts, retryAfterMs: 61_000 }).next).toBe('handoff');
    expect(afterRateLimit({ ...facts, waitedMs: 40_000 })).toEqual({ next: 'resend', afterSeconds: 20 });
  });

  it('goes to humans when there is no timer workspace to resend from', () => {
    expect(afterRateLimit({ ...facts, timers: false }).next).toBe('handoff');
  });
});

describe('waitsForResend: a new message queues behind a rate-limited text', () => {
  const held = { workspaceSid: 'WS1', taskSid: 'WT1', phase: 'ai' as const, claimedAt: 1, sessionId: 'S2' };
  const queue = (sessionId: string) => ({
    resendQueue: { sessionId, owner: 'IM1', messageSids: ['IM2'], until: 1000 },
  });

  it("only behind a resend of the AI's current session, while the AI holds the conversation", () => {
    expect(waitsForResend({ ...held, ...queue('S2') }, 999)).toBe(true);
    expect(waitsForResend(held, 999)).toBe(false);
    // Left from before a handback: the AI answers in a new session now.
    expect(waitsForResend({ ...held, ...queue('S1') }, 999)).toBe(false);
    expect(waitsForResend({ ...held, ...queue('S2'), phase: 'handoff' }, 999)).toBe(false);
  });

  it("not once the resend is overdue: its timer failed for good, and the queue is its watchdogs' to send", () => {
    expect(waitsForResend({ ...held, ...queue('S2') }, 1000)).toBe(false);
    expect(queuedForResend({ ...held, ...queue('S2') }, 'IM2')).toBe(true);
    expect(queuedForResend({ ...held, ...queue('S2') }, 'IM3')).toBe(false);
    expect(queuedForResend({ ...held, ...queue('S1') }, 'IM2')).toBe(false);
  });
});
