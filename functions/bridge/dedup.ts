import { createHash } from 'node:crypto';

/** The claim maps (`opencx_dedup_0..7`); see CLAIM_MAPS. */
export const DEDUP_SHARDS = 8;
/** One-shot claims (a customer message, an AI answer) are remembered this long. */
export const DEDUP_TTL_SECONDS = 3600;
/**
 * A handoff's note and its transfer are claimed for as long as its task can live (TaskRouter's
 * longest task timeout, 14 days): a customer can wait in the queue for more than an hour.
 */
export const HANDOFF_CLAIM_TTL_SECONDS = 14 * 24 * 3600;
/** A note's claim this old outlived the Function that made it (a Function runs 10 s at most). */
export const LEFT_NOTE_CLAIM_MS = 15_000;

/** A customer message is claimed by its SID: Twilio's retries carry the same SID, two "ok"s do not. */
export const messageClaimKey = (messageSid: string): string => `msg_${messageSid}`;

const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * The key an AI answer is posted under, the same whichever path brings it (the fast path or OpenCX's
 * webhook). An id that is not a plain token (a `:`, a `.`, hundreds of characters) is hashed, never refused.
 * Without an id, its text, and the time OpenCX gave the delivery (`at`, the same on its retries) when
 * it gave one: the same words answering a later turn are another answer.
 */
export function answerKey(sessionId: string, answer: { answerId?: string; text: string; at?: number }): string {
  const { answerId, at } = answer;
  const byText = at === undefined ? answer.text : `${at}\n${answer.text}`;
  const id = answerId === undefined ? digest(byText) : PLAIN_ID.test(answerId) ? answerId : `h${digest(answerId)}`;
  return `${answerKeyPrefix(sessionId)}${id}`;
}

/** What every answer key of a session begins with. */
export const answerKeyPrefix = (sessionId: string): string => `ans_${sessionId}_`;
