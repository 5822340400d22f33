// What a handoff writes: the task attributes and the note the human inherits.
import { DECLINED_ATTRIBUTE, type HandoffAttributes, type HandoffSentiment } from '../common/task-attributes';
import type { ConversationRecord } from './conversation-record';
import { HISTORY_ATTRIBUTE, historyAtHandoff } from './history';

export const AI_UNAVAILABLE = 'AI unavailable';
/** The reason on a task the AI declined without handling it (`DECLINED_ATTRIBUTE`). */
export const AI_DECLINED = 'AI cannot handle this task';

/**
 * The AI reservations a handoff rejects: the pending ones TaskRouter lists for the AI's workers, and
 * the one our record names. The record alone may be stale (a late duplicate of an older offer's
 * reservation.created overwrites it); the list may miss an offer made after it was read.
 */
export function aiReservationsToReject(
  pending: readonly { sid: string; workerSid: string }[],
  recorded: string | undefined,
  /** The AI's workers in the task's workspace (ai-worker.ts `aiWorkerTest`). */
  isAi: (workerSid: string) => boolean,
): string[] {
  const listed = pending.filter((r) => isAi(r.workerSid)).map((r) => r.sid);
  return recorded && !listed.includes(recorded) ? [...listed, recorded] : listed;
}

/**
 * What became of the customer's note in one attempt to post it (`already`: another Function had
 * claimed it; `unsure`: its post may have landed, and the claim stays taken).
 */
export type NoteOutcome = 'posted' | 'none' | 'already' | 'failed' | 'unsure';

/**
 * The record once a finish got the task to humans: routed, unless the note is still owed. A note
 * another Function had claimed counts as in only while no failure to post it has been recorded:
 * that Function may have failed after this one found the claim taken.
 */
export function finishedHandoff(record: ConversationRecord, noted: NoteOutcome): ConversationRecord | undefined {
  if (!record.handoff || record.handoff.routed) return undefined;
  if (noted === 'failed' || noted === 'unsure' || (noted === 'already' && record.handoff.noteOwed)) return undefined;
  const { noteOwed: _owed, noteAttempt: _attempt, ...handoff } = record.handoff;
  return { ...record, handoff: { ...handoff, routed: true, ...(noted !== 'already' && { noteIn: true }) } };
}

/** The record once the note is in while the routing is not finished: the next finish posts nothing. */
export function noteLanded(record: ConversationRecord): ConversationRecord | undefined {
  if (record.phase !== 'handoff' || !record.handoff || record.handoff.routed || record.handoff.noteIn) return undefined;
  const { noteOwed: _owed, noteAttempt: _attempt, ...handoff } = record.handoff;
  return { ...record, handoff: { ...handoff, noteIn: true } };
}

/**
 * The record once a Function failed to post the note: the next event finishes the handoff, with
 * attempt `attempt` (a claim of its own, so a claim the failure left taken stops nothing). A
 * failure that comes after another Function got the note in changes nothing.
 */
export function noteStillOwed(record: ConversationRecord, attempt: number): ConversationRecord | undefined {
  if (record.phase !== 'handoff' || !record.handoff || record.handoff.noteIn) return undefined;
  const noteAttempt = Math.max(record.handoff.noteAttempt ?? 0, attempt);
  return { ...record, handoff: { ...record.handoff, routed: false, noteOwed: true, noteAttempt } };
}

/** OpenCX says angry/happy/neutral; Flex tasks say negative/positive/neutral. */
export function toHandoffSentiment(sentiment: string | undefined | null): HandoffSentiment {
  switch (sentiment?.toLowerCase()) {
    case 'angry':
    case 'negative':
      return 'negative';
    case 'happy':
    case 'positive':
      return 'positive';
    default:
      return 'neutral';
  }
}

/** A BCP-47 tag, or `und` (undetermined) when OpenCX gave nothing usable. */
export function toLanguageTag(language: string | undefined | null): string {
  const candidate = (language ?? '').trim().replace(/_/g, '-');
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(candidate) ? candidate : 'und';
}

/**
 * How much of OpenCX's handoff texts the task and the conversation's record keep: both live in
 * objects of 16 KiB at most (the record beside a copy of the settings), and an agent reads a page.
 * Characters, and UTF-8 bytes for scripts of several bytes a character.
 */
export const HANDOFF_TEXT_MAX = {
  reason: { characters: 200, bytes: 600 },
  summary: { characters: 2000, bytes: 3000 },
} as const;

/** The text within the limits, cut with an ellipsis (never inside a character). */
export function clipped(text: string, max: { characters: number; bytes: number }): string;
export function clipped(text: string | undefined, max: { characters: number; bytes: number }): string | undefined;
export function clipped(text: string | undefined, max: { characters: number; bytes: number }): string | undefined {
  if (text === undefined) return undefined;
  const whole = text.trim();
  const characters = Array.from(whole);
  if (characters.length <= max.characters && Buffer.byteLength(whole) <= max.bytes) return whole;
  const ellipsis = '…';
  let kept = '';
  let bytes = Buffer.byteLength(ellipsis);
  for (const [index, character] of characters.entries()) {
    bytes += Buffer.byteLength(character);
    if (index >= max.characters - 1 || bytes > max.bytes) break;
    kept += character;
  }
  return `${kept}${ellipsis}`;
}

/**
 * The time of the handoff the task carries, when it was made since the AI claimed the conversation: this
 * engagement's, whose Sync write may have failed (the record then still says the AI holds it).
 */
export function carriedHandoff(taskAttributes: Record<string, unknown>, claimedAt: number): string | undefined {
  const carried = taskAttributes.handoffTimestamp;
  if (taskAttributes.handedOff !== true || typeof carried !== 'string') return undefined;
  return Date.parse(carried) >= claimedAt ? carried : undefined;
}

/**
 * When this engagement's handoff happened: the time on the task when it carries one (`carriedHandoff`),
 * else `at`. One engagement hands off once: the same time writes nothing new on the task and posts no
 * second note.
 */
export function handoffTime(taskAttributes: Record<string, unknown>, claimedAt: number, at: string): string {
  return carriedHandoff(taskAttributes, claimedAt) ?? at;
}

/**
 * The AI engagement a handoff ends, whose customer note is one however many handoffs race (each with
 * its own time): the AI's claim of the task. A handback no AI worker took is handed off on the task
 * it invited, under the claim before it; a handback the AI took is a claim of its own.
 */
export const handoffEngagement = (record: Pick<ConversationRecord, 'taskSid' | 'claimedAt'>): string =>
  `${record.taskSid}_${record.claimedAt}`;

/**
 * Since when the engagement a recorded handoff ends began, whose invite is made once for it: the AI's
 * claim, or for a handback no AI worker took (handed off under the claim before it), the handback, so an
 * invite of the handoff before it is not taken for its own. None for a handoff recorded before invites
 * were made so (`PendingHandoff.oncePer`): its were once per handoff time.
 */
export const recordedEngagementClaim = (
  record: Pick<ConversationRecord, 'claimedAt' | 'handoff'>,
): number | undefined => {
  if (record.handoff?.oncePer !== 'engagement') return undefined;
  const handedBack = Date.parse(record.handoff.untakenHandbackAt ?? '');
  return Number.isNaN(handedBack) ? record.claimedAt : Math.max(record.claimedAt, handedBack);
};

/**
 * What a recorded handoff's note is claimed by: its engagement, or, for a handoff recorded before
 * notes were claimed so, its time `at`, as its first attempt claimed it.
 */
export const recordedHandoffOccasion = (
  record: Pick<ConversationRecord, 'taskSid' | 'claimedAt' | 'handoff'>,
  at: string,
): string => (recordedEngagementClaim(record) === undefined ? at : handoffEngagement(record));

export interface HandoffFacts {
  reason: string;
  summary?: string;
  sentiment?: string | null;
  language?: string | null;
  sessionId?: string;
  at: Date;
}

export function handoffAttributes(facts: HandoffFacts): HandoffAttributes {
  return {
    handedOff: true,
    handoffReason: facts.reason,
    handoffSummary: facts.summary?.trim() || '',
    handoffSentiment: toHandoffSentiment(facts.sentiment),
    handoffLanguage: toLanguageTag(facts.language),
    handoffTimestamp: facts.at.toISOString(),
    ...(facts.sessionId ? { opencxSessionId: facts.sessionId } : {}),
  };
}

/** The task's attributes with a handoff's merged in, everyone else's kept, and the handoff added to the history. */
export function withHandoff(
  task: { attributes: Record<string, unknown>; dateCreated?: string },
  attributes: Partial<HandoffAttributes>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...task.attributes, ...attributes };
  if (attributes.handedOff !== true || !attributes.handoffTimestamp) return merged;
  // A handoff of the AI's on a task it once declined (handed back since): this one can be judged.
  if (attributes[DECLINED_ATTRIBUTE] !== true) delete merged[DECLINED_ATTRIBUTE];
  merged[HISTORY_ATTRIBUTE] = historyAtHandoff(
    task.attributes,
    { at: attributes.handoffTimestamp, reason: attributes.handoffReason ?? '' },
    task.dateCreated,
  );
  return merged;
}
