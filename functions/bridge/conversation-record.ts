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
  /**
   * Written in the same Sync write that moves the conversation to 'handoff', so a handoff cut
   * short (a Function that failed or ran out of time) is finished by the next event.
   */
  handoff?: PendingHandoff;
}

export interface PendingHandoff {
  reason: string;
  summary?: string;
  sentiment?: string;
  language?: string;
  /** ISO 8601: when the handoff was decided. */
  at: string;
  /** The task is known to have reached humans. */
  routed?: boolean;
}

/** A claim older than this without a session belongs to a Function that died mid-engage. */
export const STALE_CLAIM_MS = 15000;

export function isStaleClaim(record: ConversationRecord, now: number): boolean {
  return !record.sessionId && now - record.claimedAt > STALE_CLAIM_MS;
}
