// How often OpenCX's rate limit bites, per key, for the setup check. Each container counts its own
// OpenCX requests and 429s in memory and writes the tally to Sync at most once a minute, as a new
// item of one map (one write per container a minute, never a read): counting costs no call in the
// common case. A 429 is written at once when the container has not written in the last minute, so
// a container that lives for one request (twilio-run's default) still reports it.
import { randomUUID } from 'node:crypto';

export const USAGE_MAP = 'opencx_usage';
export const USAGE_FLUSH_EVERY_MS = 60_000;
/** The setup check sums this much recent history; items expire soon after. */
export const USAGE_WINDOW_MS = 15 * 60_000;
export const USAGE_TTL_SECONDS = 3600;

export interface KeyUsage {
  requests: number;
  /** Answered 429. */
  limited: number;
}

/** What one container counted since `since` (epoch ms), by key id. */
export interface UsageTally {
  since: number;
  keys: Record<string, KeyUsage>;
}

/** A stored tally: `at` is when it was written (ISO 8601). */
export interface UsageItem {
  at: string;
  keys: Record<string, KeyUsage>;
}

export const emptyTally = (now: number): UsageTally => ({ since: now, keys: {} });

export function countResponse(tally: UsageTally, keyId: string, status: number | undefined): void {
  tally.keys[keyId] ??= { requests: 0, limited: 0 };
  const usage = tally.keys[keyId];
  usage.requests += 1;
  if (status === 429) usage.limited += 1;
}

const totals = (keys: Record<string, KeyUsage>): KeyUsage =>
  Object.values(keys).reduce((sum, k) => ({ requests: sum.requests + k.requests, limited: sum.limited + k.limited }), {
    requests: 0,
    limited: 0,
  });

/** Write when something was counted, the last write is a minute old, and there is a 429 or a minute's worth. */
export function flushDue(tally: UsageTally, lastFlushAt: number | undefined, now: number): boolean {
  const { requests, limited } = totals(tally.keys);
  if (requests === 0) return false;
  if (lastFlushAt !== undefined && now - lastFlushAt < USAGE_FLUSH_EVERY_MS) return false;
  return limited > 0 || now - tally.since >= USAGE_FLUSH_EVERY_MS;
}

/** Item keys sort by time, so the newest come first in a descending listing. */
export const usageItemKey = (now: number, container: string): string =>
  `${now.toString(36).padStart(10, '0')}_${container}`;

/** The requests and 429s per key id written within `windowMs` before `now`. */
export function recentUsage(
  items: readonly unknown[],
  now: number,
  windowMs = USAGE_WINDOW_MS,
): Record<string, KeyUsage> {
  const sum: Record<string, KeyUsage> = {};
  for (const item of items) {
    const { at, keys } = (item ?? {}) as Partial<UsageItem>;
    const written = typeof at === 'string' ? Date.parse(at) : NaN;
    if (now - written <= windowMs && keys && typeof keys === 'object') addUsage(sum, keys);
  }
  return sum;
}

function addUsage(into: Record<string, KeyUsage>, keys: Record<string, unknown>): void {
  for (const [id, usage] of Object.entries(keys)) {
    const counted = (usage ?? {}) as Partial<KeyUsage>;
    into[id] ??= { requests: 0, limited: 0 };
    const sum = into[id];
    sum.requests += Number(counted.requests) || 0;
    sum.limited += Number(counted.limited) || 0;
  }
}

// --- This container's tally ---

const container = randomUUID().slice(0, 8);
let tally = emptyTally(Date.now());
let lastFlushAt: number | undefined;

/** The OpenCX client's `onResponse`: counts in memory only. */
export function noteOpencxResponse(keyId: string, status: number | undefined): void {
  countResponse(tally, keyId, status);
}

/** Writes this container's tally when it is due; never fails the caller. */
export async function flushOpencxUsage(
  write: (key: string, item: UsageItem) => Promise<void>,
  now = Date.now(),
): Promise<void> {
  if (!flushDue(tally, lastFlushAt, now)) return;
  const taken = tally;
  tally = emptyTally(now);
  lastFlushAt = now;
  // A failed write is counted again next time rather than lost.
  await write(usageItemKey(now, container), { at: new Date(now).toISOString(), keys: taken.keys }).catch(() =>
    addUsage(tally.keys, taken.keys),
  );
}
