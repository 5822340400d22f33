import { createHash } from 'crypto';

export const DEDUP_SHARDS = 8;
export const DEDUP_TTL_SECONDS = 3600;

/** Key of an inbound message for the 1-hour dedup: hash of conversation + body + send time (s). */
export function dedupKey(conversationSid: string, body: string, sentAtMs: number): string {
  return createHash('sha256').update(`${conversationSid}\n${body}\n${Math.floor(sentAtMs / 1000)}`).digest('hex');
}

/** Spreads keys over several Sync maps: Sync allows ~20 writes/s per map. */
export function dedupShard(key: string): number {
  return parseInt(key.slice(0, 8), 16) % DEDUP_SHARDS;
}
