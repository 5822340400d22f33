// Closing AI conversations nobody writes in (`aiIdleCloseMinutes`): a customer who left would
// otherwise hold a slot of the AI worker pool until TaskRouter's task timeout. One timer task per
// AI session, armed when the session starts; when it fires, the conversation's newest message says
// whether it went quiet (close it) or when to look again. Nothing is added per relayed message.
import type { FlexTaskAttributes } from '../common/task-attributes';
import type { ConversationMessage } from '../common/twilio';

/** What an idle timer task carries (its attributes, with `opencxTimer: 'idle'`). */
export interface IdleTimer {
  conversationSid: string;
  sessionId: string;
  /** The Flex interaction and its channel: closing the channel ends the AI's task as Flex does. */
  interactionSid?: string;
  channelSid?: string;
  /** When the silence being timed began at the latest (epoch ms): the session's start, or the newest message seen. */
  since: number;
}

export function idleTimerAttributes(timer: IdleTimer): FlexTaskAttributes {
  return { opencxTimer: 'idle', ...timer };
}

export function readIdleTimer(attributes: FlexTaskAttributes | undefined): IdleTimer | undefined {
  const { conversationSid, sessionId, interactionSid, channelSid, since } = attributes ?? {};
  if (typeof conversationSid !== 'string' || typeof sessionId !== 'string' || typeof since !== 'number')
    return undefined;
  return {
    conversationSid,
    sessionId,
    ...(typeof interactionSid === 'string' ? { interactionSid } : {}),
    ...(typeof channelSid === 'string' ? { channelSid } : {}),
    since,
  };
}

/** TaskRouter's shortest useful timer: a look sooner than this waits for it. */
const SHORTEST_WAIT_SECONDS = 60;

/**
 * Close when nobody wrote for `minutes` since `lastActivity` (the newest message, or the timer's
 * `since` when the conversation shows none newer); otherwise look again when that time is up.
 */
export function idleVerdict(
  lastActivity: number,
  now: number,
  minutes: number,
): { close: true } | { close: false; afterSeconds: number } {
  const leftMs = lastActivity + minutes * 60_000 - now;
  if (leftMs <= 0) return { close: true };
  return { close: false, afterSeconds: Math.max(SHORTEST_WAIT_SECONDS, Math.ceil(leftMs / 1000)) };
}

/** The answer watchdog waits at most this many answer timeouts (a second one after sending the message again). */
export const ANSWER_WAITS = 2;

/**
 * When the silence being timed began: the newest activity, unless that is a customer message the
 * AI has not answered. That customer waits on us, not the other way round: the time starts once the
 * answer's watchdog has had its waits (by then it answered or handed off).
 */
export function silenceBegan(lastActivity: number, awaitingAnswer: boolean, answerTimeoutSeconds: number): number {
  return awaitingAnswer ? lastActivity + ANSWER_WAITS * answerTimeoutSeconds * 1000 : lastActivity;
}

/** How many of the newest messages a check reads: our note that the chat is closed may be among them. */
export const IDLE_CHECK_MESSAGES = 3;

/** Ours: a participant's message never is, whatever its attributes (decide.ts `isOurMessage`). */
const isCloseNote = (message: ConversationMessage): boolean =>
  !message.participantSid && (message.attributes.opencx as { role?: unknown } | undefined)?.role === 'idle-close-note';

/**
 * The newest message that shows someone in the conversation (newest first): any but our note that
 * the chat is closed, which a check tried again after a failed close finds there.
 */
export const newestActivity = (newestFirst: ConversationMessage[]): ConversationMessage | undefined =>
  newestFirst.find((message) => !isCloseNote(message));

/**
 * Activity after the message the check decided on: it came while the chat was being closed. Not only
 * the customer's message: the AI's answer to it, in parts, may be all a short read finds of it.
 */
export function activitySince(
  newestFirst: ConversationMessage[],
  decidedOn: ConversationMessage | undefined,
): ConversationMessage | undefined {
  const newest = newestActivity(newestFirst);
  return newest && newest.index > (decidedOn?.index ?? -1) ? newest : undefined;
}
