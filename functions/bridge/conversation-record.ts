// Our state for one conversation the AI has engaged (a Sync map item keyed by conversation SID).
import type { BridgeConfig } from '../common/config';
import { answerKeyPrefix } from './dedup';

/**
 * ai: the AI answers; handoff: handed to humans, AI silent; human: an agent accepted; handback: the
 * agent handed the conversation back, and the AI resumes when TaskRouter offers it the invited task.
 */
export type ConversationPhase = 'ai' | 'handoff' | 'human' | 'handback';

export interface ConversationRecord {
  workspaceSid: string;
  taskSid: string;
  reservationSid?: string;
  /** When TaskRouter offered `reservationSid` (epoch ms), when its event said. */
  offeredAt?: number;
  /** Absent while the engaging Function is still creating the OpenCX session. */
  sessionId?: string;
  /**
   * Customer messages that arrived while there was no session and whose relay could wait no
   * longer: the engaging Function sends them when it records the session (and clears this).
   */
  pendingMessages?: string[];
  /**
   * A customer's text OpenCX refused for its rate limit waits for its resend timer in this session:
   * later messages queue here rather than overtake it, and the timer sends them after it, in order.
   */
  resendQueue?: ResendQueue;
  phase: ConversationPhase;
  claimedAt: number;
  /**
   * The customer's author name, when the engage could tell it (SMS and WhatsApp authors are the
   * task's customer address): another author's message (a bot, an integration) is not relayed.
   */
  customerAuthor?: string;
  humanWorkerSid?: string;
  /** When the human who holds the conversation accepted, by TaskRouter's clock: an older accept is a late one. */
  acceptedAt?: number;
  /**
   * The Flex interaction and channel of the task the AI was offered, as Flex made it: a handback
   * invites there, not wherever the task's attributes (the agent's to edit) say.
   */
  interaction?: { sid: string; channelSid: string };
  /**
   * Written in the same Sync write that moves the conversation to 'handoff', so a handoff cut
   * short (a Function that failed or ran out of time) is finished by the next event.
   */
  handoff?: PendingHandoff;
  /** The latest handback: written when an agent hands back, read when the AI resumes. */
  handback?: Handback;
  /** The settings this conversation runs on, so an event naming the same config version reads no config document. */
  config?: RecordedConfig;
  /**
   * The key of the latest answer OpenCX's webhook set out to post (written before its post, over the
   * record it read): a watchdog that finds it not yet in the conversation waits for it once, rather
   * than hand off an AI that did answer.
   */
  answering?: string;
  /**
   * The session (by its id) whose idle timer could not be armed when it started: the next event the AI
   * handles in the conversation arms it (`aiIdleCloseMinutes`), so a failed arm does not keep it open
   * for good. Another session's (a hand-back's) is stale.
   */
  idleTimerOwed?: string;
}

export interface ResendQueue {
  sessionId: string;
  /** The first message of the resend's text: only that resend takes the queue. */
  owner: string;
  messageSids: string[];
  /** Epoch ms: past it the resend is overdue (its timer failed), and nothing waits for it any more. */
  until: number;
}

/** The settings without the OpenCX webhook secret, which only OpenCX's webhook Function needs. */
export type RecordedConfig = Omit<BridgeConfig, 'opencxWebhookSecret'>;

export interface PendingHandoff {
  reason: string;
  summary?: string;
  sentiment?: string;
  language?: string;
  /** ISO 8601: when the handoff was decided. */
  at: string;
  /** The task is known to have reached humans, and the customer's note is in (or there is none). */
  routed?: boolean;
  /**
   * The customer's note could not be posted: the next finish posts it. A finish that found the note
   * claimed by another Function (which then failed) must not mark the handoff routed.
   */
  noteOwed?: boolean;
  /**
   * An attempt to post the note failed after its claim (the post may even have landed): the next
   * finish claims this attempt of its own, and looks for the note before posting it.
   */
  noteAttempt?: number;
  /** The customer's note is in (or there is none), while the routing may not be finished. */
  noteIn?: boolean;
  /**
   * The answer key of the AI's last words. OpenCX's webhook may claim them before the handoff
   * posts them; it then posts them itself although the AI no longer holds the conversation.
   * `NO_LAST_WORDS`: the AI handed off saying nothing, so no later answer is posted as them.
   */
  farewell?: string;
  /**
   * OpenCX's AI decided the handoff: its last words may still come by webhook after another path
   * moved the phase, so an answer of this session is posted while no farewell is recorded.
   */
  byAi?: boolean;
  /**
   * ISO 8601: when OpenCX's own handoff event says it handed off, while no last words are recorded.
   * An answer OpenCX made after it (to an earlier message, slow) is not its last words.
   */
  aiAt?: string;
  /** The time of the handback no AI worker took, whose move to humans this is: that handback's timer finishes it. */
  untakenHandbackAt?: string;
  /**
   * Its customer's note, and the invite of a task assigned to the AI, are claimed once per AI engagement
   * (`handoffEngagement`). Absent on handoffs recorded before they were: theirs were claimed by the
   * handoff's time, and a finish claims them so.
   */
  oncePer?: 'engagement';
}

/** `PendingHandoff.farewell` of a handoff OpenCX decided in an answer without text: no answer key is ''. */
export const NO_LAST_WORDS = '';

/** The reason of a handoff recorded because humans were found to have the conversation (none of ours routed it). */
export const ROUTED_TO_HUMANS = 'Routed to humans';

/**
 * Whether the AI's task the record names may still hold an AI chat slot when a human accepts
 * another task: no handoff of ours completed it (none recorded, one not finished, or humans were
 * found holding the conversation after a handoff whose Sync write failed).
 */
export function aiTaskMayBeOpen(record: ConversationRecord): boolean {
  if (record.phase === 'ai') return true;
  return record.phase === 'handoff' && (!record.handoff?.routed || record.handoff.reason === ROUTED_TO_HUMANS);
}

/** An agent returned the conversation to the AI. */
export interface Handback {
  /** ISO 8601: when the agent handed back. Also marks the invited task (`opencxHandbackAt`). */
  at: string;
  /** Tells this handback from another begun in the same millisecond (absent on records written before it). */
  id?: string;
  agentSid: string;
  agentName: string;
  /** What the agent asked the AI to do next; absent when none. */
  instruction?: string;
  /** The human's task the conversation left; its end is not the conversation's. */
  fromTaskSid: string;
  /**
   * The index of the newest message an agent (or our handoff note) wrote when handed back, or of the newest message
   * (handback.ts `handbackCutoff`); -1: none. The AI reads the customer's messages after it.
   */
  afterIndex: number;
  /** The OpenCX session of the conversation so far, handed off; closed once the AI resumes in a new one. */
  previousSessionId?: string;
  /** The task the invite made, once known. */
  invitedTaskSid?: string;
  /**
   * ISO 8601: when a later click invited again. The untaken timer that click armed carries it, and
   * only that one hands the conversation to humans: an earlier click's would cut the new invite short.
   */
  invitedAt?: string;
}

/**
 * The record with `key` as the answer being posted, while the AI holds the conversation in `sessionId`;
 * undefined once it does not (the answer is then not posted).
 */
export function startAnswer(
  record: ConversationRecord,
  sessionId: string,
  key: string,
): ConversationRecord | undefined {
  if (record.phase !== 'ai' || record.sessionId !== sessionId) return undefined;
  return record.answering === key ? record : { ...record, answering: key };
}

/**
 * The answer a watchdog should wait for before it hands off: the one being posted when `posted` (the
 * keys of the whole answers the conversation shows) lacks it, unless it waited for that one already.
 */
export function answerInFlight(
  record: ConversationRecord,
  posted: ReadonlySet<string>,
  awaited?: string,
): string | undefined {
  const key = record.answering;
  // Another session's (before a handback's resume) was settled with that session.
  const ofThisSession = !!record.sessionId && !!key?.startsWith(answerKeyPrefix(record.sessionId));
  return key && ofThisSession && key !== awaited && !posted.has(key) ? key : undefined;
}

/** A claim older than this without a session belongs to a Function that died mid-engage. */
export const STALE_CLAIM_MS = 15000;

/** Only the AI's: a record being handed off, or held by humans, after an engage that made no session is not a claim. */
export function isStaleClaim(record: ConversationRecord, now: number): boolean {
  return record.phase === 'ai' && !record.sessionId && now - record.claimedAt > STALE_CLAIM_MS;
}

/**
 * A stale claim this old was not taken over by the offer's timer either (it decides the offer again
 * at 15, 30 and 45 s, each time claiming afresh, then minutes apart): a customer who writes now goes
 * to humans rather than wait for its next try.
 */
export const ABANDONED_CLAIM_MS = 60_000;

export function isAbandonedClaim(record: ConversationRecord, now: number): boolean {
  return !record.sessionId && now - record.claimedAt > ABANDONED_CLAIM_MS;
}

/**
 * Sync keeps at most 16 KiB per item: a copy of the settings
 * larger than this (many note translations) is not kept.
 */
export const MAX_RECORDED_CONFIG_BYTES = 8 * 1024;

/** The copy of the settings a record carries; none for settings without a version, or too large to keep. */
export function configToRecord(config: BridgeConfig): RecordedConfig | undefined {
  if (!config.configVersion) return undefined;
  const { opencxWebhookSecret: _secret, ...recorded } = config;
  return Buffer.byteLength(JSON.stringify(recorded)) <= MAX_RECORDED_CONFIG_BYTES ? recorded : undefined;
}

/**
 * The record's settings serve an event whose webhook URL names their version (`cv`): a saved change
 * registers a new version, so an event naming it reads the config document instead.
 */
export function recordedConfigFor(
  record: ConversationRecord | undefined,
  eventVersion: string | undefined,
): BridgeConfig | undefined {
  const recorded = record?.config;
  return eventVersion && recorded?.configVersion === eventVersion ? recorded : undefined;
}

/** The record should carry these settings: the event names their version and the record has another copy (or none). */
export function shouldRecordConfig(
  record: ConversationRecord | undefined,
  config: BridgeConfig,
  eventVersion: string | undefined,
): boolean {
  return (
    !!record &&
    !!eventVersion &&
    config.configVersion === eventVersion &&
    record.config?.configVersion !== eventVersion &&
    configToRecord(config) !== undefined
  );
}

/** An AI offer, as its reservation.created event tells it. */
export interface Offer {
  reservationSid: string;
  offeredAt?: number;
}

/**
 * The offer is the one the record holds, or older than it: a duplicate or a late delivery,
 * which must not take the record back to a reservation that has ended.
 */
export function supersededOffer(record: ConversationRecord, offer: Offer): boolean {
  if (record.reservationSid === offer.reservationSid) return true;
  return record.offeredAt !== undefined && offer.offeredAt !== undefined && offer.offeredAt < record.offeredAt;
}
