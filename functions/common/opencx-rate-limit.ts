// OpenCX allows 100 requests a minute per API key (docs/opencx-api.md, "Rate limit"). Pure rules:
// how long a 429 asks us to wait, whether that wait fits the handler's budget, which of the
// organisation's keys a conversation uses, and how a key is named without revealing it.
import { createHash } from 'node:crypto';

/** A wait is worth it only if an attempt still fits after it. */
export const MIN_ATTEMPT_AFTER_WAIT_MS = 1000;

/**
 * `Retry-After` in milliseconds: delta-seconds (`"12"`) or an HTTP date. Undefined when absent or
 * unreadable; 0 for a date already past.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date names its day and month; Date.parse alone would read "-3" as a year.
  const at = /[a-z]{3}/i.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Whether waiting `retryAfterMs` leaves an attempt enough of the remaining budget. */
export function waitFits(retryAfterMs: number | undefined, remainingMs: number): boolean {
  return retryAfterMs !== undefined && retryAfterMs + MIN_ATTEMPT_AFTER_WAIT_MS <= remainingMs;
}

/**
 * The organisation's keys in the order one conversation tries them: its own key first (stable,
 * so N keys share the conversations about evenly), then the others, for a 429 on its own.
 */
export function keysInOrder(keys: readonly string[], conversationSid: string | undefined): string[] {
  if (keys.length <= 1 || !conversationSid) return [...keys];
  const first = createHash('sha256').update(conversationSid).digest().readUInt32BE(0) % keys.length;
  return [...keys.slice(first), ...keys.slice(0, first)];
}

/** A key's stable name for counters and the settings view: a short digest, which does not reveal the key. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
