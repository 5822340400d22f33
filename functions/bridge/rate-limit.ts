// What the bridge does with a customer's message that OpenCX refused for its rate limit (429) when
// waiting out `Retry-After` did not fit the handler (the client waits when it does): pure.
// The message is never dropped: it is sent again by a timer task in our timer workspace while the
// answer timeout allows, and goes to humans with a clear reason after that.
import { DEFAULT_RETRY_AFTER_MS } from '../common/opencx-client';
import type { ConversationRecord } from './conversation-record';
import type { HandoffRequest } from './decide';

export const RATE_LIMITED_REASON = 'AI busy (OpenCX rate limit)';
export { DEFAULT_RETRY_AFTER_MS };
/** Messages refused together are resent over a few seconds, not all in the same one. */
export const RESEND_SPREAD_SECONDS = 5;

export type RateLimitFallback = { next: 'resend'; afterSeconds: number } | { next: 'handoff'; request: HandoffRequest };

export interface RateLimitFacts {
  /** What OpenCX asked for; undefined when it said nothing. */
  retryAfterMs?: number;
  /** Since the message was first sent to OpenCX. */
  waitedMs: number;
  /** The settings' watchdog: how long a customer waits for the AI before humans (twice, for a message sent late). */
  answerTimeoutSeconds: number;
  /** The timer workspace is saved in the settings. */
  timers: boolean;
  /** A number in [0, 1) that spreads the resends. */
  spread: number;
}

export function afterRateLimit(facts: RateLimitFacts): RateLimitFallback {
  const wait = Math.max(1, Math.ceil((facts.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) / 1000));
  const left = Math.floor((facts.answerTimeoutSeconds * 1000 - facts.waitedMs) / 1000);
  if (!facts.timers || wait > left) return { next: 'handoff', request: rateLimitedHandoff(facts.answerTimeoutSeconds) };
  return { next: 'resend', afterSeconds: Math.min(left, wait + Math.floor(facts.spread * RESEND_SPREAD_SECONDS)) };
}

export function rateLimitedHandoff(answerTimeoutSeconds?: number): HandoffRequest {
  const within = answerTimeoutSeconds ? ` within ${answerTimeoutSeconds} seconds` : '';
  return {
    reason: RATE_LIMITED_REASON,
    summary:
      `OpenCX's rate limit kept the AI assistant from taking the customer's message${within}. ` +
      "The customer's messages are in the conversation.",
  };
}

/**
 * How long past its due time a resend still holds later messages back: a resend whose handling
 * failed (up to a Function's 10 s) fires again 15 s later (answer.ts `REARM_SECONDS`), and may
 * need that twice.
 */
export const RESEND_QUEUE_GRACE_MS = 60_000;

/**
 * A rate-limited text of the AI's current session waits for its resend, not yet overdue: a new
 * message queues behind it rather than reach the AI first.
 */
export function waitsForResend(record: ConversationRecord, now: number): boolean {
  const queue = record.resendQueue;
  if (!queue || record.phase !== 'ai' || !record.sessionId) return false;
  return queue.sessionId === record.sessionId && now < queue.until;
}

/** The message waits in the queue of the AI's current session (overdue or not). */
export function queuedForResend(record: ConversationRecord, messageSid: string): boolean {
  const queue = record.resendQueue;
  return !!queue && queue.sessionId === record.sessionId && queue.messageSids.includes(messageSid);
}
