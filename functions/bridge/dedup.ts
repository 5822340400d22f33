import { createHash } from 'crypto';

export const DEDUP_SHARDS = 8;
/** One-shot claims (a customer message, an AI answer, a handoff note) are remembered this long. */
export const DEDUP_TTL_SECONDS = 3600;

/** A customer message is claimed by its SID: Twilio's retries carry the same SID, two "ok"s do not. */
export const messageClaimKey = (messageSid: string): string => `msg_${messageSid}`;

/** Spreads keys over several Sync maps: Sync allows ~20 writes/s per map. */
export function dedupShard(key: string): number {
  return parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % DEDUP_SHARDS;
}
