// Posting into the conversation exactly once. A post whose answer was lost (a 5xx, a reset) may
// have landed: look for it before posting again, so the customer never reads a message twice.
import {
  type ConversationMessage,
  type ConversationsApi,
  DeadlineExceededError,
  mayHaveBeenProcessed,
} from '../../common/twilio';
import { isFromCustomer } from '../decide';
import { answerKeyPrefix } from '../dedup';
import type { BridgeDeps } from '../deps';
import { replyParts } from '../reply-parts';

/** What we post: the AI's replies, and the customer's notes when the conversation changes hands. */
export type MessageRole = 'ai' | 'handoff-note' | 'handback-note' | 'idle-close-note';

export interface OurMessage {
  role: MessageRole;
  /** Identifies this message among ours: found in a re-read when the post's answer was lost. */
  key: string;
  sessionId?: string;
  /** A reply in parts: how many (each part's key ends with `#` and its number). */
  parts?: number;
  /** The AI's last words at a handoff: a watchdog finding them while the AI still holds the conversation hands off. */
  lastWords?: true;
}

const RECENT_MESSAGES = 20;
const ATTEMPTS = 3;

/** The `opencx` marker on a message we posted; a participant's message has none (decide.ts `isOurMessage`). */
export function ourMarker(message: {
  attributes: Record<string, unknown>;
  participantSid?: string;
}): { role?: string; key?: string; parts?: unknown; sessionId?: unknown; lastWords?: unknown } | undefined {
  const marker = message.attributes.opencx;
  if (message.participantSid || !marker || typeof marker !== 'object') return undefined;
  return marker as { role?: string; key?: string; parts?: unknown; sessionId?: unknown; lastWords?: unknown };
}

/**
 * A whole answer of the AI's: a reply in one message, or the last part of one in parts (posted in
 * order, a post stopping at the first part that fails: its last part means all are in). Messages
 * posted before parts were counted are whole.
 */
export function isWholeAnswer(marker: { role?: string; key?: string; parts?: unknown } | undefined): boolean {
  if (marker?.role !== 'ai') return false;
  if (typeof marker.parts !== 'number') return true;
  return marker.key?.endsWith(`#${marker.parts}`) === true;
}

/** The key a part of an answer posted in `count` parts is marked with (the answer's own when it is whole). */
export const partKey = (answerKey: string, index: number, count: number): string =>
  count === 1 ? answerKey : `${answerKey}#${index + 1}`;

/** The keys of our messages among the conversation's newest. */
async function recentKeys(conversationSid: string, deps: BridgeDeps): Promise<Set<string | undefined>> {
  const recent = await deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, conversationSid, {
    order: 'desc',
    limit: RECENT_MESSAGES,
  });
  return new Set(recent.map((m) => ourMarker(m)?.key));
}

/**
 * How far back a look for a message posted earlier goes (an answer delivered after its claim
 * expired, a note whose post may have landed): one page, the most Conversations lists.
 */
const LOOKBACK = 100;

/** Our message `key` (any of its parts) is among the conversation's newest messages. */
export async function inConversation(
  conversations: ConversationsApi,
  serviceSid: string,
  conversationSid: string,
  key: string | readonly string[],
): Promise<boolean> {
  const recent = await conversations.listMessages(serviceSid, conversationSid, {
    order: 'desc',
    limit: LOOKBACK,
  });
  const keys = typeof key === 'string' ? [key] : key;
  return recent.some((m) => {
    const posted = ourMarker(m)?.key;
    return keys.some((k) => posted === k || posted?.startsWith(`${k}#`) === true);
  });
}

/** How long a handoff's note waits for last words another Function is posting, and how often it looks. */
const LAST_WORDS_WAIT_MS = 2000;
const LAST_WORDS_LOOK_EVERY_MS = 250;

/**
 * Last words another Function claimed (OpenCX's webhook brought them first, or the handoff a finish
 * completes recorded them), which it may still be posting: the note looks for them in the conversation
 * until they are wholly in, for a while, and then goes all the same (the customer must learn of the handoff).
 */
export async function lastWordsIn(conversationSid: string, key: string, deps: BridgeDeps): Promise<void> {
  const budget = Math.min(LAST_WORDS_WAIT_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs);
  const until = deps.now().getTime() + budget;
  for (;;) {
    if (await wholeAnswerIn(conversationSid, key, deps).catch(() => false)) return;
    if (until - deps.now().getTime() < LAST_WORDS_LOOK_EVERY_MS) {
      deps.warn('the last words another Function claimed are not in yet; the handoff note goes all the same', { key });
      return;
    }
    await deps.deadline.sleep(LAST_WORDS_LOOK_EVERY_MS);
  }
}

/** The answer `key` is wholly among the conversation's newest messages: posted in parts, its last part is. */
async function wholeAnswerIn(conversationSid: string, key: string, deps: BridgeDeps): Promise<boolean> {
  const recent = await deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, conversationSid, {
    order: 'desc',
    limit: LOOKBACK,
  });
  return recent.some((m) => {
    const marker = ourMarker(m);
    return (marker?.key === key || marker?.key?.startsWith(`${key}#`) === true) && isWholeAnswer(marker);
  });
}

/**
 * A whole AI answer follows the customer's newest message (of these, newest first), or no customer
 * message is among them: nothing is left to answer.
 */
export function answersCustomer(
  newestFirst: readonly ConversationMessage[],
  isCustomer: (message: ConversationMessage) => boolean,
): boolean {
  for (const message of newestFirst) {
    if (isCustomer(message)) return false;
    if (isWholeAnswer(ourMarker(message))) return true;
  }
  return true;
}

/** Whether the AI has answered the customer's newest message in the conversation (`answersCustomer`). */
export async function customerAnswered(conversationSid: string, deps: BridgeDeps): Promise<boolean> {
  const newestFirst = await deps.twilio.conversations.listMessages(
    deps.config.conversationsServiceSid,
    conversationSid,
    {
      order: 'desc',
      limit: RECENT_MESSAGES,
    },
  );
  return answersCustomer(newestFirst, (message) => isFromCustomer(message, deps.config));
}

/**
 * This session's answer with this text follows the customer's newest message: how an answer OpenCX
 * delivered without its id shows that the fast path, which keyed it by the id, posted it already.
 * `key`: only a post under that key (an earlier delivery of it, keyed by its text) counts.
 */
export async function answeredSinceCustomer(
  conversations: ConversationsApi,
  serviceSid: string,
  conversationSid: string,
  answer: { sessionId: string; text: string },
  isCustomer: (message: ConversationMessage) => boolean,
  /** Only posts under one of these keys; without, any answer of the session. */
  keys?: readonly string[],
): Promise<boolean> {
  const newestFirst = await conversations.listMessages(serviceSid, conversationSid, {
    order: 'desc',
    limit: RECENT_MESSAGES,
  });
  // As postAiReply posts it: trimmed, and a long one in parts, of which the last is posted last.
  const last = replyParts(answer.text).at(-1);
  const ours = (posted: string | undefined): boolean =>
    keys === undefined
      ? posted?.startsWith(answerKeyPrefix(answer.sessionId)) === true
      : keys.some((key) => posted === key || posted?.startsWith(`${key}#`) === true);
  for (const message of newestFirst) {
    if (isCustomer(message)) return false;
    const marker = ourMarker(message);
    if (marker?.role === 'ai' && ours(marker.key) && message.body === last) return true;
  }
  return false;
}

async function landed(conversationSid: string, key: string, deps: BridgeDeps): Promise<boolean> {
  return (await recentKeys(conversationSid, deps)).has(key);
}

/**
 * What became of a post: in the conversation, certainly not, or unknown (Twilio may have taken it
 * and there was no time left, or no way, to look).
 */
export type PostOutcome = 'posted' | 'not-posted' | 'unknown';

/** Posts one message; true once it is in the conversation, false when it could not be posted in time. */
export async function postOnce(
  conversationSid: string,
  body: string,
  marker: OurMessage,
  deps: BridgeDeps,
): Promise<boolean> {
  return (await postOnceOutcome(conversationSid, body, marker, deps)) === 'posted';
}

export async function postOnceOutcome(
  conversationSid: string,
  body: string,
  marker: OurMessage,
  deps: BridgeDeps,
): Promise<PostOutcome> {
  let outcome: PostOutcome = 'not-posted';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      await deps.twilio.conversations.postMessage(deps.config.conversationsServiceSid, conversationSid, {
        author: deps.config.aiAuthorName,
        body,
        attributes: { opencx: marker },
      });
      return 'posted';
    } catch (error) {
      deps.warn('posting into the conversation failed', {
        error: String(error),
        conversationSid,
        key: marker.key,
        attempt,
      });
      if (error instanceof DeadlineExceededError || !mayHaveBeenProcessed(error)) return outcome;
      outcome = 'unknown';
      if (deps.deadline.expired()) return outcome;
      try {
        if (await landed(conversationSid, marker.key, deps)) return 'posted';
        outcome = 'not-posted';
      } catch (readError) {
        deps.warn('could not check whether the post landed', { error: String(readError), conversationSid });
        return outcome;
      }
    }
  }
  return outcome;
}

/**
 * Posts an AI reply, split into parts under Twilio's length limit, in order; stops at a part not
 * certainly posted. `partial`: the customer has the first parts, and the rest was not, or may not have
 * been, posted (a watchdog would take the first parts for the whole answer). `rest-withheld`: the
 * first parts are in, and `restMayFollow`, asked before each later part, said the rest may not follow.
 */
export async function postAiReply(
  conversationSid: string,
  reply: string,
  answerKey: string,
  sessionId: string | undefined,
  deps: BridgeDeps,
  options: { lastWords?: boolean; restMayFollow?: () => Promise<boolean> } = {},
): Promise<PostOutcome | 'partial' | 'rest-withheld'> {
  const { lastWords = false, restMayFollow } = options;
  const parts = replyParts(reply);
  // A delivery that posted the first parts and then failed gave its claim back for OpenCX's retry:
  // the parts in the conversation are not posted again (one read, for the rare reply in parts).
  const inConversation =
    parts.length > 1
      ? await recentKeys(conversationSid, deps).catch((error: unknown) => {
          deps.warn('could not read which parts of the reply are posted', { error: String(error), conversationSid });
          return new Set<string | undefined>();
        })
      : new Set<string | undefined>();
  for (const [index, part] of parts.entries()) {
    const key = partKey(answerKey, index, parts.length);
    if (inConversation.has(key)) continue;
    if (index > 0 && restMayFollow && !(await restMayFollow())) return 'rest-withheld';
    const marker: OurMessage = {
      role: 'ai',
      key,
      sessionId,
      ...(parts.length > 1 && { parts: parts.length }),
      ...(lastWords && { lastWords: true }),
    };
    // A later part of a reply goes on the Function's last-step budget: an answer OpenCX gave late in
    // the handler's time is not cut in two (the customer then waited for a watchdog) for want of a
    // round trip. Not last words: the handoff's note, which follows them, needs that budget to be left owed.
    const posting = index === 0 || lastWords ? deps : { ...deps, twilio: deps.lastStep() };
    const outcome = await postOnceOutcome(conversationSid, part, marker, posting);
    if (outcome !== 'posted') return index > 0 ? 'partial' : outcome;
  }
  return parts.length > 0 ? 'posted' : 'not-posted';
}
