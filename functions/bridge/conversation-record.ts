// Our state for one conversation the AI has engaged (a Sync map item keyed by conversation SID).

/** ai: the AI answers; handoff: handed to humans, AI silent; human: an agent accepted. */
export type ConversationPhase = 'ai' | 'handoff' | 'human';

export interface ConversationRecord {
  workspaceSid: string;
  taskSid: string;
  reservationSid?: string;
  /** Absent while the engaging Function is still creating the OpenCX session. */
  sessionId?: string;
  phase: ConversationPhase;
  claimedAt: number;
  humanWorkerSid?: string;
}

/** A claim older than this without a session belongs to a Function that died mid-engage. */
export const STALE_CLAIM_MS = 15000;

export function isStaleClaim(record: ConversationRecord, now: number): boolean {
  return !record.sessionId && now - record.claimedAt > STALE_CLAIM_MS;
}
