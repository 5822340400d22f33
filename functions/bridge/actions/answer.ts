// Asking the AI and getting its answer to the customer exactly once, whichever path brings it:
// the fast path (OpenCX answers within the handler's budget) or OpenCX's webhook (the slow path).
import {
  type AiAnswer,
  carriesContactMessage,
  type CustomData,
  type HistoryItem,
  OpenCxError,
} from '../../common/opencx-client';
import type { ConversationMessage } from '../../common/twilio';
import { Deadline } from '../../common/retry';
import type { FlexTaskAttributes } from '../../common/task-attributes';
import {
  type AfterAnswer,
  afterAnswer,
  aiUnavailable,
  answeredInHistory,
  handoffAfterLastWords,
  attachmentHandoff,
  coveringWatchdog,
  type Decision,
  engageWatchdog,
  type HandoffRequest,
  isFarewell,
  isFromCustomer,
  lastWordsVerdict,
  textForAi,
  unrecordedFarewell,
  type WatchedSend,
  type WrittenMessage,
} from '../decide';
import { answerInFlight, type ConversationRecord, NO_LAST_WORDS, startAnswer } from '../conversation-record';
import { answerKey } from '../dedup';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import { allFinished, handOff } from './handoff';
import { isWholeAnswer, lastWordsIn, ourMarker, postAiReply } from './post';
import { answerCustomer } from './relay';
import { sendOverdueQueue } from './resend';
import { queuedForResend, waitsForResend } from '../rate-limit';

/** What became of a message sent to the AI. */
export type AiTurn =
  | { kind: 'answered'; next: AfterAnswer }
  /**
   * OpenCX may be working on it: its answer will come by webhook, or the watchdog hands off.
   * `answered`: OpenCX itself answered with a server error, so its history can tell at once.
   * `stillWorking`: OpenCX had the whole message and had not answered when the wait ended.
   */
  | { kind: 'pending'; error: string; answered: boolean; stillWorking: boolean }
  /**
   * Every key is over OpenCX's rate limit for longer than the handler can wait, or the work before
   * it (a resume's notes) left no time to send: not taken, a timer sends it again shortly.
   */
  | { kind: 'rate-limited'; retryAfterMs?: number; error: string }
  /** OpenCX certainly did not take it (4xx, refused): humans must. */
  | { kind: 'refused'; request: HandoffRequest; error: string };

/** A timer armed again after a failure fires this much later. */
export const REARM_SECONDS = 15;
/** What arming it may take at most. */
const REARM_BUDGET_MS = 800;
/** Of a Function's 10 s, what its handler may use (the runtime's start-up takes the rest). */
const HANDLER_LIMIT_MS = 9700;
/** A request may outlast its deadline by its shortest timeout (the Twilio client's floor). */
const REQUEST_OVERRUN_MS = 300;

/**
 * The time left to arm a timer after a handler failed `elapsedMs` into the Function: within the
 * Function's 10 s even when a request outlasted the handler's deadline; 0 when too little is left.
 */
export function rearmBudgetMs(elapsedMs: number): number {
  const left = Math.min(REARM_BUDGET_MS, HANDLER_LIMIT_MS - REQUEST_OVERRUN_MS - elapsedMs);
  return left >= REQUEST_OVERRUN_MS ? left : 0;
}

function answerDeadline(deps: BridgeDeps): Deadline {
  return new Deadline(
    Math.max(0, Math.min(deps.maxAnswerWaitMs, deps.deadline.remaining() - deps.afterAnswerReserveMs)),
  );
}

/**
 * Sends the customer's text to the AI, with `customData` for the session. A refused key is re-read
 * once: the admin may have rotated it.
 */
export async function askAi(
  sessionId: string,
  text: string,
  deps: BridgeDeps,
  customData?: CustomData,
): Promise<AiTurn> {
  const deadline = answerDeadline(deps);
  // Not OpenCX's failure, so not a handoff: the message has not left.
  if (deadline.expired()) return { kind: 'rate-limited', retryAfterMs: 1000, error: 'no time was left to send it' };
  let answer: AiAnswer;
  try {
    answer = await deps.opencx.sendContactMessage(sessionId, text, customData, deadline);
  } catch (error) {
    if (error instanceof OpenCxError && error.unauthorized) {
      const fresh = await deps.reloadConfig().catch(() => undefined);
      if (
        fresh &&
        String([fresh.opencxToken, fresh.opencxExtraTokens]) !==
          String([deps.config.opencxToken, deps.config.opencxExtraTokens])
      ) {
        deps.config = fresh;
        deps.opencx = deps.opencx.withToken(fresh.opencxToken, fresh.opencxExtraTokens);
        return askAi(sessionId, text, deps, customData);
      }
    }
    if (error instanceof OpenCxError && error.status === 429)
      return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs, error: String(error) };
    if (error instanceof OpenCxError && error.maybeProcessed)
      return {
        kind: 'pending',
        error: String(error),
        answered: error.status !== undefined,
        stillWorking: error.stillWorking,
      };
    return { kind: 'refused', request: aiUnavailable(), error: String(error) };
  }
  return { kind: 'answered', next: afterAnswer(answer) };
}

/**
 * Posts an AI answer unless the other path already did (a Sync claim on the answer's key), then
 * hands off if the AI asked to. A post that fails gives the claim back for OpenCX's retry.
 */
export async function deliverAnswer(
  conversationSid: string,
  known: KnownRecord,
  next: AfterAnswer,
  deps: BridgeDeps,
  /** `after`: what the customer must read before the answer. */
  options: { claimed?: boolean; after?: Promise<unknown> } = {},
): Promise<Outcome> {
  const sessionId = known.record.sessionId!;
  const { reply, answerId } = next.next === 'reply' ? next : next.request;
  const at = next.next === 'reply' ? next.at : undefined;
  // An answer that did not just read the record (OpenCX took seconds to answer) looks again: the
  // conversation may have left the AI meanwhile. A handoff's last words go with that handoff, unless
  // humans hold the conversation already.
  const recheck = options.claimed ? undefined : next.next === 'reply' ? 'ai' : 'ai-or-handoff';
  const posting = reply
    ? postClaimedAnswer(conversationSid, sessionId, { answerId, text: reply, ...(at !== undefined && { at }) }, deps, {
        ...options,
        recheck,
        lastWords: next.next === 'handoff',
      })
    : Promise.resolve('none' as const);
  if (next.next === 'handoff') {
    // Last words another path claimed (OpenCX's webhook of the same answer) may not be in yet: the note waits.
    const lastWordsPosted = posting.then((held): Promise<unknown> | typeof held =>
      held === 'duplicate' && reply
        ? lastWordsIn(conversationSid, answerKey(sessionId, { answerId, text: reply }), deps)
        : held,
    );
    // Awaited only by the note: a handoff that posts none must not leave its failure unhandled.
    lastWordsPosted.catch(() => undefined);
    // Both run to their end before a failure is thrown: the handler's answer ends the Function.
    const [held, handed] = await allFinished([
      posting,
      handOff(conversationSid, known, next.request, deps, {}, lastWordsPosted),
    ]);
    // Last words not posted keep their claim while the note follows them; with no note in (none is
    // set, or it failed and is owed), OpenCX's retry may still post them, before any later note.
    if (held === 'held' && handed.outcome === 'handed-off' && (handed.noted === 'none' || handed.noted === 'failed'))
      await deps
        .lastStepState()
        .release(answerKey(sessionId, { answerId, text: reply! }))
        .catch((error: unknown) => deps.warn('could not release the answer claim', { error: String(error) }));
    const posted = held === 'held' ? 'failed' : held;
    // OpenCX's own handoff event moved the phase after the re-read: the words just posted are its
    // last, or, when the AI said nothing, no later answer is.
    const lastWords =
      posted === 'posted' && reply
        ? answerKey(sessionId, { answerId, text: reply })
        : !reply && next.request.inAnswer
          ? NO_LAST_WORDS
          : undefined;
    if (lastWords !== undefined && handed.outcome === 'handoff-skipped')
      await deps.state.claimFarewell(conversationSid, lastWords).catch(() => false);
    return { ...handed, reply: posted };
  }
  const posted = await posting;
  if (posted === 'uncertain')
    return {
      outcome: 'reply-uncertain',
      sessionId,
      reason: 'Twilio may have taken the answer, and there was no time left to look; it is not posted again',
    };
  if (posted === 'late')
    return {
      outcome: 'answer-withheld',
      sessionId,
      reason: 'the conversation left the AI while it answered; the answer is not posted',
    };
  if (posted === 'rest-withheld')
    return {
      outcome: 'answer-withheld',
      sessionId,
      reason: 'the conversation left the AI while its answer was posted in parts; the rest is not posted',
    };
  if (posted === 'failed') {
    return handOff(
      conversationSid,
      known,
      {
        reason: 'AI reply could not be delivered',
        summary: 'The AI answered, but its reply could not be posted into the conversation.',
      },
      deps,
      { reply: posted },
    );
  }
  return { outcome: posted === 'duplicate' ? 'already-answered' : 'replied', sessionId, reply: posted };
}

/** An answer OpenCX's webhook brought: its Function claimed it before reading our records. */
export async function deliverDelivered(
  decision: Extract<Decision, { action: 'answer' }>,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome> {
  const { conversationSid, sessionId, answer } = decision;
  const key = answerKey(sessionId, answer);
  // Its claim is given back: the relay may yet bring it carrying the handoff, which makes it the last words.
  const lastWordsTaken = {
    outcome: 'answer-withheld',
    sessionId,
    reason: "another answer is the AI's last words before its handoff; this one is not posted",
    giveBackClaim: true,
  };
  if (decision.asFarewell && !(await claimLastWords(conversationSid, known.record, answer, key, deps, known)))
    return lastWordsTaken;
  let current = known;
  if (known.record.phase === 'ai') {
    // Over the record just read: a watchdog's handoff written since (it saw no answer) keeps this one
    // out, and a watchdog after it waits for this post. A Sync failure posts, as an unread record does.
    let fresh: ConversationRecord | undefined;
    const change = (r: ConversationRecord) => {
      fresh = r;
      return startAnswer(r, sessionId, key);
    };
    const marked = await deps.state.update(conversationSid, change, known).catch(() => known);
    if (marked) current = marked;
    // Moved meanwhile: posted only as the last words of a handoff OpenCX's AI decided, as `decide` would.
    else if (!fresh || !isFarewell(fresh, { sessionId, ...answer }))
      return {
        outcome: 'answer-withheld',
        sessionId,
        reason: 'the conversation left the AI while its answer came; the answer is not posted',
      };
    else if (unrecordedFarewell(fresh) && !(await claimLastWords(conversationSid, fresh, answer, key, deps)))
      return lastWordsTaken;
  }
  return deliverAnswer(
    conversationSid,
    current,
    { next: 'reply', reply: answer.text, answerId: answer.answerId, ...(answer.at !== undefined && { at: answer.at }) },
    deps,
    {
      claimed: true,
    },
  );
}

/**
 * `recheck`: the record is read again beside the claim, and the answer is not posted once the
 * conversation is no longer the AI's in this session ('late'), unless it is OpenCX's own handoff and these
 * may be its last words; `ai-or-handoff` (a handoff's last words) also posts while it is being handed off.
 * A record that cannot be read posts. `after`:
 * the answer is posted once it has settled (the customer's note that the AI is back comes first).
 */
export async function postClaimedAnswer(
  conversationSid: string,
  sessionId: string,
  answer: { answerId?: string; text: string; at?: number },
  deps: BridgeDeps,
  options: {
    claimed?: boolean;
    recheck?: 'ai' | 'ai-or-handoff';
    after?: Promise<unknown>;
    /**
     * A handoff's last words: not posted, they keep their claim (`held`), as OpenCX's retry would post
     * them after the note; the handoff gives it back when no note followed.
     */
    lastWords?: boolean;
  } = {},
): Promise<'posted' | 'duplicate' | 'late' | 'failed' | 'uncertain' | 'held' | 'rest-withheld'> {
  const key = answerKey(sessionId, answer);
  const { recheck } = options;
  const [claimed, current] = await Promise.all([
    options.claimed || deps.state.claimOnce(key),
    recheck
      ? deps.state.conversation(conversationSid).then(
          (known) => ({ still: stillAiIn(known, sessionId, recheck === 'ai-or-handoff'), known }),
          () => ({ still: true, known: undefined }),
        )
      : { still: true, known: undefined },
    options.after,
  ]);
  if (!claimed) return 'duplicate';
  if (!current.still) return 'late';
  // Another answer's handoff recorded its own last words (or that there were none): not these.
  const recorded = current.known?.record.phase === 'handoff' ? current.known.record.handoff?.farewell : undefined;
  if (recorded !== undefined && recorded !== key) return 'late';
  // Last words after OpenCX's own handoff event moved the phase: recorded, as its webhook's are
  // (a Sync failure posts them, as before they were recorded).
  // An answer the relay waited for that did not carry the handoff itself is not posted as them
  // unless OpenCX's history clears it: a slow answer to an earlier message comes this way.
  if (current.known && unrecordedFarewell(current.known.record)) {
    const late = options.lastWords ? false : await madeAfterHandoff(current.known.record, answer, deps);
    // Undecided (no time left to look, or the history does not say): its claim given back, OpenCX's
    // webhook of the same answer, if it comes after, decides on a budget of its own.
    if (late === undefined)
      await deps
        .lastStepState()
        .release(key)
        .catch((error: unknown) => deps.warn('could not release the answer claim', { error: String(error), key }));
    if (late !== false) return 'late';
    if (!(await deps.state.claimFarewell(conversationSid, key, current.known).catch(() => true))) return 'late';
  }
  // A long answer goes out in parts: the conversation may leave the AI between them (another message's
  // handoff, a watchdog's), and no part may follow that handoff's note. Its claim is kept: not posted twice.
  const outcome = await postAiReply(conversationSid, answer.text, key, sessionId, deps, {
    lastWords: options.lastWords,
    restMayFollow: () =>
      deps
        .lastStepState()
        .conversation(conversationSid)
        .then(
          (known) => restMayFollow(known, sessionId, answer),
          () => true,
        ),
  });
  if (outcome === 'posted' || outcome === 'rest-withheld') return outcome;
  // Twilio may have taken it: given back, the claim would let OpenCX's webhook post it a second time.
  if (outcome === 'unknown') return 'uncertain';
  // Its first parts are in: given back, OpenCX's retry would post them again. Humans take it from there.
  if (outcome === 'partial') return 'failed';
  if (options.lastWords) return 'held';
  await deps
    .lastStepState()
    .release(key)
    .catch((error: unknown) => deps.warn('could not release the answer claim', { error: String(error), key }));
  return 'failed';
}

/**
 * How far apart OpenCX may stamp its handoff and the answer that carries it (docs/opencx-api.md, a
 * decision: the contract does not say).
 */
const LAST_WORDS_GRACE_MS = 2000;
/** What a look at OpenCX's history for the last words may take at most. */
const LAST_WORDS_LOOKUP_MS = 3000;

/**
 * Whether OpenCX's history proves `answer` is not the last words of the handoff its own event
 * announced (`lastWordsVerdict`): a slow answer to an earlier message, made after it. Undefined when
 * the history cannot be read in time or does not say; false without a look when there is nothing to
 * compare (a handoff event without a time, an answer without an id).
 */
async function madeAfterHandoff(
  record: ConversationRecord,
  answer: { answerId?: string },
  deps: BridgeDeps,
): Promise<boolean | undefined> {
  const handedOffAt = Date.parse(record.handoff?.aiAt ?? '');
  if (!record.sessionId || answer.answerId === undefined || !Number.isFinite(handedOffAt)) return false;
  const budget = Math.min(LAST_WORDS_LOOKUP_MS, deps.deadline.remaining() - deps.afterAnswerReserveMs);
  if (budget <= 0) return undefined;
  const history = await deps.opencx.historyOf(record.sessionId, new Deadline(budget)).catch(() => undefined);
  const verdict = history && lastWordsVerdict(history, answer.answerId, handedOffAt, LAST_WORDS_GRACE_MS);
  return verdict === undefined ? undefined : verdict === 'late';
}

/**
 * Records `key` as the last words of the handoff OpenCX's own event announced, unless OpenCX's
 * history proves OpenCX made it after the handoff. When the history does not say, as before: the
 * first answer to come is them.
 */
async function claimLastWords(
  conversationSid: string,
  record: ConversationRecord,
  answer: { answerId?: string },
  key: string,
  deps: BridgeDeps,
  known?: KnownRecord,
): Promise<boolean> {
  if (await madeAfterHandoff(record, answer, deps)) return false;
  return deps.state.claimFarewell(conversationSid, key, known);
}

/**
 * The AI still holds the conversation in the session that answered, or is handing it off: with
 * words that carry a handoff (`handingOff`) when that handoff recorded last words (which are checked
 * to be these), or on OpenCX's own handoff event, whose last words any answer of it may be (as the
 * webhook's `isFarewell` takes them). A handoff that recorded none is another's (an attachment, a
 * watchdog), whose note does not wait for these words. Withheld, the answer's claim would keep
 * OpenCX's delivery of it out too.
 */
function stillAiIn(current: KnownRecord | undefined, sessionId: string, handingOff = false): boolean {
  if (!current || current.record.sessionId !== sessionId) return false;
  const { record } = current;
  if (record.phase === 'ai') return true;
  const recordsLastWords = handingOff && record.handoff?.farewell !== undefined;
  return record.phase === 'handoff' && (recordsLastWords || unrecordedFarewell(record));
}

/**
 * Whether an answer posted in parts may go on: the AI still holds the conversation in the session that
 * answered, or these are the last words of its handoff (recorded as them, or after OpenCX's own
 * handoff event, as `stillAiIn` takes them). Another answer's last words, or a handoff without them, keep it out.
 */
function restMayFollow(
  current: KnownRecord | undefined,
  sessionId: string,
  answer: { answerId?: string; text: string; at?: number },
): boolean {
  const record = current?.record;
  if (record?.phase === 'handoff' && record.handoff?.farewell !== undefined)
    return record.sessionId === sessionId && isFarewell(record, { sessionId, ...answer });
  // The handoff these words carry records them as its last words: one that did not is another's.
  return stillAiIn(current, sessionId);
}

/**
 * Slow path: a timer that TaskRouter fires after `aiAnswerTimeoutSeconds`; it names the newest
 * customer message the AI owes an answer to.
 */
export async function awaitAnswer(
  conversationSid: string,
  known: KnownRecord,
  messageSid: string,
  deps: BridgeDeps,
  detail: Record<string, unknown>,
  send: WatchedSend = {},
  /** After a failure that may have used up the handler's time: `deps.lastStep()`. */
  twilio = deps.twilio,
): Promise<Outcome> {
  const { timerWorkspaceSid, timerWorkflowSid } = deps.config;
  const sessionId = known.record.sessionId!;
  if (!timerWorkspaceSid || !timerWorkflowSid) {
    deps.warn('no timer workspace: save the settings again to enable slow AI answers; handing off now');
    return handOff(conversationSid, known, aiUnavailable(), deps, detail);
  }
  try {
    const timerSid = await armWatchdog(conversationSid, sessionId, messageSid, send, deps, twilio);
    return { outcome: 'awaiting-answer', sessionId, timerSid, ...detail };
  } catch (error) {
    deps.warn('could not arm the answer watchdog; handing off now', { error: String(error) });
    return handOff(conversationSid, known, aiUnavailable(), deps, detail);
  }
}

/**
 * An answer failed and so did arming its watchdog: the handler arms `watchdog` with a budget of its
 * own. The offer's timer it would arm otherwise finds the session recorded and does nothing.
 */
export class UnwatchedAnswer extends Error {
  constructor(
    readonly failure: unknown,
    readonly conversationSid: string,
    readonly watchdog: FlexTaskAttributes,
  ) {
    super(String(failure));
  }
}

/**
 * The first answer of an engage (or a resume) failed. A customer's message whose handling fails
 * gets its watchdog from the handler, but an AI offer decided again finds this session and does
 * nothing more: the watchdog is armed here, so the customer gets the answer or a human. Throws the
 * failure when it cannot be armed.
 */
export async function watchFailedFirstAnswer(
  conversationSid: string,
  sessionId: string,
  messageSid: string,
  failure: unknown,
  deps: BridgeDeps,
  send: WatchedSend = {},
): Promise<Outcome> {
  const { timerWorkspaceSid, timerWorkflowSid } = deps.config;
  if (!timerWorkspaceSid || !timerWorkflowSid) throw failure;
  const timerSid = await armWatchdog(conversationSid, sessionId, messageSid, send, deps, deps.lastStep()).catch(() => {
    throw new UnwatchedAnswer(failure, conversationSid, {
      opencxTimer: 'answer',
      conversationSid,
      sessionId,
      messageSid,
      ...send,
      rearmed: 1,
    });
  });
  return {
    outcome: 'awaiting-answer',
    sessionId,
    timerSid,
    reason: 'the first answer failed; the answer watchdog looks again and hands off if it is not in',
    error: String(failure),
  };
}

/**
 * A message left for the engage making the session: watched in case that engage never records it.
 * Throws when the timer cannot be armed (the handler then arms it with a budget of its own).
 */
export async function watchParkedMessage(
  conversationSid: string,
  claimedAt: number,
  messageSid: string,
  deps: BridgeDeps,
): Promise<string | undefined> {
  const { timerWorkspaceSid, timerWorkflowSid, aiAnswerTimeoutSeconds } = deps.config;
  if (!timerWorkspaceSid || !timerWorkflowSid) return undefined;
  return deps.twilio.taskrouter.createTask(timerWorkspaceSid, {
    workflowSid: timerWorkflowSid,
    attributes: engageWatchdog(conversationSid, claimedAt, messageSid, 'parked'),
    timeoutSeconds: aiAnswerTimeoutSeconds,
  });
}

/** A message queued behind a rate-limited text's resend: the watchdog sends it if the resend never claimed it. */
export function watchQueuedMessage(
  conversationSid: string,
  sessionId: string,
  messageSid: string,
  deps: BridgeDeps,
): Promise<string> {
  return armWatchdog(conversationSid, sessionId, messageSid, { parked: true, queued: true }, deps);
}

function armWatchdog(
  conversationSid: string,
  sessionId: string,
  messageSid: string,
  send: WatchedSend,
  deps: BridgeDeps,
  twilio = deps.twilio,
  afterSeconds = deps.config.aiAnswerTimeoutSeconds,
  /** The watchdog this one follows was armed again after a failure: so is this one, for what it decides. */
  rearmed = false,
): Promise<string> {
  const { timerWorkspaceSid, timerWorkflowSid } = deps.config;
  return twilio.taskrouter.createTask(timerWorkspaceSid!, {
    workflowSid: timerWorkflowSid!,
    attributes: {
      opencxTimer: 'answer',
      conversationSid,
      sessionId,
      messageSid,
      // A message index of 0 is kept; flags that are off are left out.
      ...Object.fromEntries(Object.entries(send).filter(([, value]) => value !== false && value !== undefined)),
      ...(rearmed && { rearmed: 1 }),
    },
    timeoutSeconds: afterSeconds,
  });
}

/**
 * The answer's post may not have reached the conversation, and there was no way to look: a watchdog
 * looks later, finds the answer after the customer's message or hands off. Without it the customer
 * may be left with neither an answer nor a human, so it is armed even when the post used up the
 * handler's deadline (with a short budget of its own). The same when OpenCX's webhook claimed the
 * answer first: its post may fail as uncertainly, and OpenCX retries nothing it was answered 200 for.
 */
export async function watchUncertainReply(
  conversationSid: string,
  delivered: Outcome,
  messageSid: string,
  deps: BridgeDeps,
): Promise<Outcome> {
  const sessionId = delivered.sessionId;
  if ((delivered.outcome !== 'reply-uncertain' && delivered.outcome !== 'already-answered') || !sessionId)
    return delivered;
  if (!deps.config.timerWorkspaceSid || !deps.config.timerWorkflowSid) return delivered;
  // OpenCX answered this very message: the answer after it is its own, whatever came before.
  const watched = { stillWorking: true, aiAnswered: true };
  // Not armed: the failure goes to the handler, which arms one with a budget of its own (or, for
  // an engage's first answer, the engage does): a 200 here would leave nobody to look.
  const timerSid = await armWatchdog(conversationSid, sessionId, messageSid, watched, deps, deps.lastStep());
  return { ...delivered, timerSid };
}

/**
 * Customer messages that came while our record could not be read: the watchdog's own, and with
 * `fromIndex` every later one of the conversation (newest first in `newestFirst`). Those nobody
 * claimed (a retry of their webhook) are sent to the AI now, together; whoever claimed the others
 * sees them through. A claim this watchdog made itself before its handling failed (`rearmed`) is
 * awaited as any sent message is. Not a message the AI would have been sent: another author's, one
 * with neither text nor a file, or one written to the humans before they handed the conversation back.
 * Not one queued behind a rate-limited text (its resend or its own watchdog sends it), and none ahead
 * of that resend while it is not overdue: the watchdog looks again once it is.
 */
async function decideUnread(
  conversationSid: string,
  known: KnownRecord,
  newestFirst: ConversationMessage[],
  messageSid: string,
  send: WatchedSend,
  deps: BridgeDeps,
  rearmed: boolean,
): Promise<Outcome> {
  const { record } = known;
  const { sessionId } = record;
  const { fromIndex } = send;
  const toAi = writesToAi(record, deps.config);
  const forAi = (message: ConversationMessage) =>
    toAi(message) && (message.body.trim() !== '' || message.hasMedia) && !queuedForResend(record, message.sid);
  const unread = newestFirst
    .filter((m) => (fromIndex === undefined ? m.sid === messageSid : m.index >= fromIndex) && forAi(m))
    .reverse();
  if (unread.length === 0)
    return { outcome: 'ignored', sessionId, reason: 'no customer message the AI answers that nobody else sends' };
  // A photo or a file alone goes to humans, as its webhook would have sent it.
  if (unread.some((m) => !m.body.trim()))
    return handOff(conversationSid, known, attachmentHandoff(), deps, { watchdog: true });
  if (waitsForResend(record, deps.now().getTime()))
    return deferBehindResend(conversationSid, known, messageSid, send, deps, rearmed);
  const claims = await Promise.all(unread.map((m) => deps.state.claimMessage(m.sid)));
  const unsent = unread.filter((_, i) => claims[i]);
  if (unsent.length > 0)
    return answerCustomer(
      conversationSid,
      known,
      unsent.map(textForAi).join('\n'),
      deps,
      unsent.map((m) => m.sid),
      { writtenAt: writtenAt(unsent[0]) },
    );
  if (!rearmed) return { outcome: 'duplicate', sessionId, reason: 'a retry of its webhook sent the message' };
  return awaitAnswer(conversationSid, known, unread.at(-1)!.sid, deps, { unreadFailed: true }, { resent: true });
}

/**
 * A watchdog whose messages would reach the AI ahead of a rate-limited text waiting for its resend
 * (`waitsForResend` in `known`): armed again, as it is, to look once that resend is overdue.
 */
async function deferBehindResend(
  conversationSid: string,
  known: KnownRecord,
  messageSid: string,
  send: WatchedSend,
  deps: BridgeDeps,
  rearmed = false,
): Promise<Outcome> {
  const sessionId = known.record.sessionId!;
  const after = Math.ceil((known.record.resendQueue!.until - deps.now().getTime()) / 1000) + 1;
  const timerSid = await armWatchdog(conversationSid, sessionId, messageSid, send, deps, deps.twilio, after, rearmed);
  return { outcome: 'deferred', sessionId, reason: 'the resend it waits behind is not overdue yet', timerSid };
}

/** When a watchdog looks at OpenCX's history again after its rate limit refused the look (seconds, at least). */
const HISTORY_LOOK_AGAIN_SECONDS = 60;

/** Arms a timer to try again, `attributes` as `timerToRearm` gave them; by default it fires after a short wait. */
export async function rearmTimer(
  taskrouter: BridgeDeps['twilio']['taskrouter'],
  config: Pick<BridgeDeps['config'], 'timerWorkspaceSid' | 'timerWorkflowSid'>,
  attributes: object,
  afterSeconds = REARM_SECONDS,
): Promise<string> {
  return taskrouter.createTask(config.timerWorkspaceSid!, {
    workflowSid: config.timerWorkflowSid!,
    attributes,
    timeoutSeconds: afterSeconds,
  });
}

/**
 * The unread watchdog still waiting that will decide the message an unread watchdog's `attributes`
 * are armed for (`coveringWatchdog`), asked of TaskRouter: Sync is down, and the container may be
 * cold. Undefined when there is none, or the attributes name no index.
 */
export async function pendingCoveringWatchdog(
  taskrouter: Pick<BridgeDeps['twilio']['taskrouter'], 'pendingTasksMatching'>,
  config: Pick<BridgeDeps['config'], 'timerWorkspaceSid'>,
  attributes: FlexTaskAttributes,
): Promise<string | undefined> {
  const { unread, conversationSid, fromIndex } = attributes;
  if (unread !== true || typeof conversationSid !== 'string' || typeof fromIndex !== 'number') return undefined;
  const [timerSid] = await taskrouter.pendingTasksMatching(
    config.timerWorkspaceSid!,
    coveringWatchdog(conversationSid, fromIndex),
  );
  return timerSid;
}

/**
 * The watchdog fired: hand off unless an AI answer follows the customer's message in the
 * conversation. A send that failed ambiguously (a 5xx, a lost answer) may never have reached
 * OpenCX while the AI answered later messages: OpenCX's history tells, and such a message is sent
 * again once; a second miss hands off. A history that cannot be read counts as missing the
 * message only when OpenCX answered its send with a server error: after a mere wait, the answer
 * that follows is most likely the message's own, and sending it again would answer it twice.
 * A send OpenCX was still working on when the handler stopped waiting (the usual slow answer)
 * reached OpenCX: its history is not read, which keeps a slow answer to one OpenCX request.
 */
export async function checkAnswered(
  conversationSid: string,
  known: KnownRecord,
  messageSid: string,
  deps: BridgeDeps,
  send: WatchedSend = {},
  /** This watchdog was armed again after its handling failed. */
  rearmed = false,
): Promise<Outcome> {
  const {
    resent = false,
    sendFailed = false,
    stillWorking = false,
    unparked = false,
    parked = false,
    queued = false,
    unread = false,
  } = send;
  const newestFirst = await deps.twilio.conversations.listMessages(
    deps.config.conversationsServiceSid,
    conversationSid,
    { order: 'desc', limit: 50 },
  );
  const sessionId = known.record.sessionId!;
  // Not left for the engage: whoever sent the message claimed it; unclaimed, nobody did.
  const unsent = newestFirst.find((m) => m.sid === messageSid);
  if (unread) return decideUnread(conversationSid, known, newestFirst, messageSid, send, deps, rearmed);
  if (queued && queuedForResend(known.record, messageSid)) {
    const now = deps.now().getTime();
    const flags = { parked, queued };
    // Behind a resend not yet overdue (armed again after a failure): sent after it, not before.
    if (waitsForResend(known.record, now)) return deferBehindResend(conversationSid, known, messageSid, flags, deps);
    const sent = await sendOverdueQueue(conversationSid, known, deps);
    if (sent) return sent;
    // Nothing taken: another took the queue, or its resend, refused again, made it live once more.
    const fresh = await deps.state.conversation(conversationSid);
    if (fresh && waitsForResend(fresh.record, now) && queuedForResend(fresh.record, messageSid))
      return deferBehindResend(conversationSid, fresh, messageSid, flags, deps);
  }
  if (unparked || parked) {
    if (unsent && (await deps.state.claimMessage(messageSid)))
      return answerCustomer(conversationSid, known, textForAi(unsent), deps, [messageSid], {
        writtenAt: writtenAt(unsent),
      });
    // Whoever claimed it (the engage's first text, a retry of its webhook) has its send watched, slow
    // answer or resend included. Claimed by this watchdog before its own handling failed: awaited.
    // A queued message's claimer (a resend, another watchdog) may fail after its claim, and an AI
    // answer after it may be an earlier message's: awaited too, and OpenCX's history then tells.
    if (!rearmed && !queued)
      return { outcome: 'duplicate', sessionId, reason: 'whoever claimed the message watches its answer' };
    // Not a send that failed: its claimer sent it and watches it, and the AI answer that follows is most
    // likely its own. A history unreadable in the rate-limit episode does not count it missing.
    return awaitAnswer(conversationSid, known, messageSid, deps, { resendFailed: true }, { resent: true });
  }
  // A photo or a file alone (its handoff failed): for humans, whatever the AI answered since.
  if (unsent?.hasMedia && !unsent.body.trim())
    return handOff(conversationSid, known, attachmentHandoff(), deps, { watchdog: true });
  const mayBeUnsent = !!unsent?.body.trim() && isFromCustomer(unsent, deps.config) && !resent;
  // Armed after a failure that may have come before the message's claim: a later message's answer
  // does not answer it, and OpenCX's history may not say. Its free claim does: nobody sent it.
  const claimFirst = mayBeUnsent && rearmed && !stillWorking && !sendFailed;
  if (unsent && claimFirst) {
    const sent = await sendUnsent(conversationSid, known, unsent, deps, rearmed);
    if (sent) return sent;
  }
  // The history read leaves time for what a miss needs: the resend, or the handoff.
  const historyDeadline = () => new Deadline(Math.max(0, deps.deadline.remaining() - 2 * deps.afterAnswerReserveMs));
  const followed = answeredAfter(newestFirst, messageSid);
  // The AI's goodbye answered it, but its handoff never took hold (the conversation is still the
  // AI's): the customer was told a human is coming.
  if (followed && known.record.phase === 'ai' && lastWordsAfter(newestFirst, messageSid, sessionId))
    return handOff(conversationSid, known, handoffAfterLastWords(), deps, { watchdog: true });
  const message = newestFirst.find((m) => m.sid === messageSid);
  // Written while an earlier message waited: the answer that follows may be that one's, made late.
  const earlier =
    followed && message?.body.trim() && !send.aiAnswered
      ? unansweredBefore(newestFirst, messageSid, writesToAi(known.record, deps.config))
      : [];
  const history = earlier.length > 0 ? await readHistory(sessionId, deps, historyDeadline()) : undefined;
  const own =
    history?.items &&
    answeredInHistory(
      history.items,
      earlier.map(written),
      written(message!),
      wholeAnswersAfter(newestFirst, earlier[0]),
    );
  if (own === true) return { outcome: 'answered-in-time', sessionId };
  if (followed && own !== false) {
    const body = message?.body;
    let limited = history?.limited;
    const holdsIt = (items: HistoryItem[]) =>
      items.some((item) => carriesContactMessage(item, body!, writtenAt(message!)));
    // One read: the history read above tells (or, too long to read whole, the look for the message alone).
    const reached =
      body && !stillWorking
        ? history?.items
          ? holdsIt(history.items)
          : history && (history.limited || history.failed)
            ? undefined
            : await deps.opencx
                .historyHasContactText(sessionId, body, historyDeadline(), undefined, message && writtenAt(message))
                .catch((error: unknown) => {
                  if (error instanceof OpenCxError && error.status === 429) limited = error;
                  return undefined;
                })
        : true;
    // Unreadable (failed, or too long to read): missing only when the send may have failed.
    if (reached === true || (reached === undefined && !sendFailed)) return { outcome: 'answered-in-time', sessionId };
    // Refused for OpenCX's rate limit, as most requests are in an episode: that says nothing of the send.
    // Looked at once more after it (an answer timeout at most), rather than send the message twice or
    // hand off an AI that answered.
    const longest = Math.max(HISTORY_LOOK_AGAIN_SECONDS, deps.config.aiAnswerTimeoutSeconds);
    const wanted = Math.ceil((limited?.retryAfterMs ?? 0) / 1000);
    const after = Math.min(longest, Math.max(HISTORY_LOOK_AGAIN_SECONDS, wanted));
    if (limited && !send.historyLimited) {
      const again = { ...send, historyLimited: true };
      const timerSid = await armWatchdog(
        conversationSid,
        sessionId,
        messageSid,
        again,
        deps,
        deps.twilio,
        after,
        rearmed,
      );
      return {
        outcome: 'deferred',
        sessionId,
        reason: "OpenCX's rate limit refused the look at its history; it looks again after it",
        timerSid,
      };
    }
    if (!resent) {
      // Claimed: two deliveries of the timer's event must not both send it (OpenCX would answer twice).
      const resend = `watchdog_resend_${messageSid}`;
      if (!(await deps.state.claimOnce(resend))) {
        if (!rearmed) return { outcome: 'duplicate', sessionId };
        // Its resend failed after OpenCX may have taken the text: the answer is awaited, not asked for again.
        return awaitAnswer(conversationSid, known, messageSid, deps, { resendFailed: true }, { resent: true });
      }
      deps.warn('OpenCX never took the message the watchdog guards; sending it again', { sessionId, messageSid });
      const progress: { reachedAi?: boolean } = {};
      return answerCustomer(conversationSid, known, textForAi(message!), deps, [messageSid], {
        resent: true,
        progress,
        writtenAt: writtenAt(message!),
      }).catch(async (error: unknown) => {
        // Not sent: the timer armed again after this failure may send it.
        if (!progress.reachedAi) await deps.state.release(resend).catch(() => undefined);
        throw error;
      });
    }
  }
  // Nobody sent it (its handling failed before the claim): sent now, not handed off.
  if (unsent && mayBeUnsent && !claimFirst && own !== false) {
    const sent = await sendUnsent(conversationSid, known, unsent, deps, rearmed);
    if (sent) return sent;
  }
  const seconds = deps.config.aiAnswerTimeoutSeconds;
  const handOffUnanswered = (standDown?: (record: ConversationRecord) => boolean) =>
    handOff(
      conversationSid,
      known,
      aiUnavailable(
        `The AI assistant did not answer within ${seconds} seconds. The customer's messages are in the conversation.`,
      ),
      deps,
      { watchdog: true },
      undefined,
      standDown,
    );
  // An answer OpenCX's webhook is posting right now (after this listing) is waited for, once.
  const posted = new Set(
    newestFirst
      .map(ourMarker)
      .filter(isWholeAnswer)
      .map((m) => wholeKey(m!.key)),
  );
  let inFlight: string | undefined;
  const handed = await handOffUnanswered((record) => {
    inFlight = answerInFlight(record, posted, send.awaitedAnswer);
    return inFlight !== undefined;
  });
  if (!handed.stoodDown || !inFlight) return handed;
  const awaited = { ...send, awaitedAnswer: inFlight };
  const timerSid = await armWatchdog(conversationSid, sessionId, messageSid, awaited, deps, deps.twilio, REARM_SECONDS)
    // Armed again after a failure, without the answer it waited for, it would wait once more: handed off now.
    .catch(() => undefined);
  if (!timerSid) return handOffUnanswered();
  return { outcome: 'deferred', sessionId, reason: "OpenCX's webhook is posting an answer: looked at again", timerSid };
}

/** The answer key of a whole answer's message (of its last part, when posted in parts). */
const wholeKey = (key: string | undefined): string => (key ?? '').replace(/#\d+$/, '');

/**
 * The watchdog's message, if nobody sent it (its claim is free), sent now; undefined when someone did
 * (the watchdog hands off). One watchdog sends it, with the claim a resend takes: another firing for
 * the same message (a retry's, a timer event delivered twice) leaves it to that one, and one armed
 * again after its own send failed awaits the answer. The claim goes back when the message was sent
 * by someone else, so a watchdog armed again after a failed handoff hands off too.
 */
async function sendUnsent(
  conversationSid: string,
  known: KnownRecord,
  message: ConversationMessage,
  deps: BridgeDeps,
  rearmed: boolean,
): Promise<Outcome | undefined> {
  const sessionId = known.record.sessionId;
  const resend = `watchdog_resend_${message.sid}`;
  const ours = await deps.state.claimOnce(resend).catch(() => undefined);
  if (ours === undefined) return undefined;
  if (!ours)
    return rearmed
      ? awaitAnswer(conversationSid, known, message.sid, deps, { resendFailed: true }, { resent: true })
      : { outcome: 'duplicate', sessionId };
  if (!(await deps.state.claimMessage(message.sid).catch(() => false))) {
    await deps.state.release(resend).catch(() => undefined);
    return undefined;
  }
  deps.warn('the message the watchdog guards was never sent to the AI; sending it now', {
    sessionId,
    messageSid: message.sid,
  });
  const progress: { reachedAi?: boolean } = {};
  return answerCustomer(conversationSid, known, textForAi(message), deps, [message.sid], {
    resent: true,
    progress,
    writtenAt: writtenAt(message),
  }).catch(async (error: unknown) => {
    // Not sent: the timer armed again after this failure may send it.
    if (!progress.reachedAi) await deps.state.release(resend).catch(() => undefined);
    throw error;
  });
}

/** OpenCX's history as one read found it: whole, refused for the rate limit, or failed (or too long to read). */
interface HistoryRead {
  items?: HistoryItem[];
  limited?: OpenCxError;
  failed?: true;
}

async function readHistory(sessionId: string, deps: BridgeDeps, deadline: Deadline): Promise<HistoryRead> {
  try {
    return { items: await deps.opencx.historyOf(sessionId, deadline) };
  } catch (error) {
    return error instanceof OpenCxError && error.status === 429 ? { limited: error } : { failed: true };
  }
}

/** A customer message as OpenCX's history is matched against it. */
const written = (message: ConversationMessage): WrittenMessage => ({
  text: message.body,
  writtenAt: writtenAt(message),
});

/** How many whole AI answers the conversation shows after `message` (messages newest first). */
export function wholeAnswersAfter(newestFirst: readonly ConversationMessage[], message: ConversationMessage): number {
  const at = newestFirst.indexOf(message);
  return newestFirst.slice(0, Math.max(0, at)).filter((m) => isWholeAnswer(ourMarker(m))).length;
}

/**
 * The customer's text messages written before `messageSid` since the AI's last whole answer before it
 * (messages newest first), oldest first: none when the page does not hold the message.
 */
export function unansweredBefore(
  newestFirst: readonly ConversationMessage[],
  messageSid: string,
  isCustomer: (message: ConversationMessage) => boolean,
): ConversationMessage[] {
  const at = newestFirst.findIndex((m) => m.sid === messageSid);
  if (at < 0) return [];
  const earlier: ConversationMessage[] = [];
  for (const message of newestFirst.slice(at + 1)) {
    if (isWholeAnswer(ourMarker(message))) break;
    if (isCustomer(message) && message.body.trim()) earlier.unshift(message);
  }
  return earlier;
}

/**
 * A message the AI is sent: the customer's (the author the conversation was engaged with), and not one
 * written to the humans before they handed the conversation back (the resume read what the AI owes).
 */
function writesToAi(
  record: ConversationRecord,
  config: BridgeDeps['config'],
): (message: ConversationMessage) => boolean {
  const { customerAuthor, handback } = record;
  return (message) =>
    isFromCustomer(message, config) &&
    (customerAuthor === undefined || message.author === customerAuthor) &&
    message.index > (handback?.afterIndex ?? -1);
}

/** When the customer wrote a message (Twilio's clock), if Twilio said. */
const writtenAt = (message: ConversationMessage): number | undefined => message.sentAt || undefined;

/** Whether the AI's last words before a handoff, in this session, follow `messageSid` (messages newest first). */
export function lastWordsAfter(newestFirst: ConversationMessage[], messageSid: string, sessionId: string): boolean {
  for (const message of newestFirst) {
    if (message.sid === messageSid) return false;
    const marker = ourMarker(message);
    if (isWholeAnswer(marker) && marker?.lastWords === true && marker.sessionId === sessionId) return true;
  }
  return false;
}

/**
 * Whether an AI message follows `messageSid` (messages newest first). Order, not clocks: our
 * Functions' clock and Twilio's timestamps need not agree. A message scrolled out of the page
 * was followed by many others; any AI answer among them counts.
 */
export function answeredAfter(newestFirst: ConversationMessage[], messageSid: string): boolean {
  for (const message of newestFirst) {
    if (message.sid === messageSid) return false;
    // Not the first parts of a reply whose last part never came: the customer has half an answer.
    if (isWholeAnswer(ourMarker(message))) return true;
  }
  return false;
}
