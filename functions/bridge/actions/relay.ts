// A customer message to the AI: claimed once by its message SID, sent to OpenCX, and answered on
// the fast path, or left to OpenCX's webhook (the slow path) with a watchdog armed.
import { Deadline } from '../../common/retry';
import { isAbandonedClaim } from '../conversation-record';
import { flexSidsCustomData } from '../custom-data';
import { resumingHandback } from '../handback';
import { aiUnavailable, type Decision, ENGAGE_NEVER_FINISHED, textForAi } from '../decide';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import {
  type AiTurn,
  askAi,
  awaitAnswer,
  deliverAnswer,
  watchParkedMessage,
  watchQueuedMessage,
  watchUncertainReply,
} from './answer';
import { allFinished, handOff } from './handoff';
import { closeSession } from './lifecycle';
import { resendLater } from './resend';
import { waitsForResend } from '../rate-limit';

type Relay = Extract<Decision, { action: 'relay' }>;

export async function relay(d: Relay, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  let current: KnownRecord | undefined = known;
  // The Function that claimed the conversation died before making the session, and no offer timer
  // took over: nobody would send this message, and TaskRouter offers the task again only when the
  // AI's reservation times out, 10 minutes or more. Humans take it now.
  if (current.record.phase === 'ai' && isAbandonedClaim(current.record, deps.now().getTime())) {
    // A resume that died: the session before the hand-back is closed as the resume would have.
    const previous = resumingHandback(current.record, current.record.taskSid)?.previousSessionId;
    const [outcome] = await allFinished([
      handOff(d.conversationSid, current, aiUnavailable(ENGAGE_NEVER_FINISHED), deps),
      previous ? closeSession(previous, 'closed_unresolved', deps) : undefined,
    ]);
    return outcome;
  }
  if (current.record.phase === 'ai' && !current.record.sessionId) {
    // The engaging Function read the conversation before this message came: it sends it on recording the session.
    const parked = await deps.state.parkMessage(d.conversationSid, d.message.sid, current);
    if (parked === 'parked') {
      // The engage may yet die (its time limit, a crash): then nobody would send the message or hand off.
      const timerSid = await watchParkedMessage(d.conversationSid, current.record.claimedAt, d.message.sid, deps);
      return {
        outcome: 'deferred',
        reason: 'the OpenCX session is not ready yet; the engaging Function sends this message when it is',
        ...(timerSid ? { timerSid } : {}),
      };
    }
    current = parked;
  }
  const now = deps.now().getTime();
  if (current && waitsForResend(current.record, now)) {
    const queued = await deps.state.queueBehindResend(d.conversationSid, d.message.sid, now, current);
    if (queued === 'queued') {
      // The resend takes it; if the resend is overdue, the watchdog sends the queue.
      const timerSid = await watchQueuedMessage(d.conversationSid, current.record.sessionId!, d.message.sid, deps);
      return {
        outcome: 'deferred',
        reason: "an earlier message waits to be sent again after OpenCX's rate limit; this one follows it",
        timerSid,
      };
    }
    current = queued;
  }
  if (!current?.record.sessionId || current.record.phase !== 'ai') {
    // Not lost: the message stays in the conversation for the humans who now hold it.
    return { outcome: 'ignore', reason: 'the conversation left the AI before this message could be sent' };
  }
  if (!(await deps.state.claimMessage(d.message.sid)))
    return { outcome: 'duplicate', sessionId: current.record.sessionId };
  return answerCustomer(d.conversationSid, current, textForAi(d.message), deps, [d.message.sid], {
    writtenAt: d.message.sentAt,
  });
}

/** How `answerCustomer` goes about it, beyond the text. */
export interface AnswerOptions {
  /** When the text was first sent (a resend after OpenCX's rate limit); default now. */
  since?: number;
  /** The text is being sent again: a second failure hands off. */
  resent?: boolean;
  /** When the customer wrote the text (Twilio's clock, epoch ms): its history check skips older items. */
  writtenAt?: number;
  /** Set once OpenCX may have the text: its answer may then still come by webhook. */
  progress?: { reachedAi?: boolean };
  /** What the customer must read before the answer (the note that the AI is back); never rejects. */
  after?: Promise<unknown>;
}

/**
 * Sends claimed customer text to the AI and sees it through to an answer, a watchdog, or a
 * handoff (or a resend after OpenCX's rate limit, `since` the first attempt). A failure before
 * OpenCX took the message gives the claims back, so Twilio's retry of the same message resumes it.
 * Not once OpenCX answered (refused, rate-limited): a resend timer may exist (its creation's answer
 * lost), and an engage's first text holds several messages a watchdog would send only one of.
 */
export async function answerCustomer(
  conversationSid: string,
  known: KnownRecord,
  text: string,
  deps: BridgeDeps,
  claimed: string[],
  options: AnswerOptions = {},
): Promise<Outcome> {
  const { since, resent = false, progress = {}, after } = options;
  const sentAt = since ?? deps.now().getTime();
  let turn: AiTurn;
  try {
    // The Flex task and reservation the AI holds now: a re-offer since the session began moved them.
    const { taskSid, reservationSid } = known.record;
    turn = await askAi(known.record.sessionId!, text, deps, flexSidsCustomData({ taskSid, reservationSid }));
  } catch (error) {
    await Promise.all(claimed.map((sid) => deps.state.releaseMessage(sid).catch(() => undefined)));
    throw error;
  }
  // From here on OpenCX may have the text, and its answer comes by webhook if not here.
  progress.reachedAi = turn.kind === 'answered' || turn.kind === 'pending';
  switch (turn.kind) {
    case 'answered':
      return watchUncertainReply(
        conversationSid,
        await deliverAnswer(conversationSid, known, turn.next, deps, { after }),
        claimed[claimed.length - 1],
        deps,
      );
    case 'pending': {
      const inHistory = turn.answered
        ? await historyHolds(known.record.sessionId!, text, deps, options.writtenAt)
        : undefined;
      if (inHistory === false) {
        if (resent) return handOff(conversationSid, known, aiUnavailable(), deps, { error: turn.error });
        deps.warn('OpenCX answered a server error without taking the message; sending it again', {
          sessionId: known.record.sessionId,
          error: turn.error,
        });
        return answerCustomer(conversationSid, known, text, deps, claimed, { ...options, resent: true, progress });
      }
      return awaitAnswer(
        conversationSid,
        known,
        claimed[claimed.length - 1],
        deps,
        { slow: turn.error },
        // A watchdog sends one message again: a miss of a text of several (an engage's first) hands off.
        // Once the history showed the text, a history unreadable later must not count as missing it.
        {
          resent: resent || claimed.length > 1,
          sendFailed: turn.answered && inHistory === undefined,
          stillWorking: turn.stillWorking || inHistory === true,
        },
      );
    }
    case 'rate-limited':
      return resendLater(conversationSid, known, { text, messageSids: claimed, since: sentAt }, turn, deps);
    case 'refused':
      deps.warn('OpenCX refused the message; handing off', { error: turn.error, sessionId: known.record.sessionId });
      return handOff(conversationSid, known, turn.request, deps, { error: turn.error });
  }
}

/**
 * Whether OpenCX's history holds the text; `undefined` when it cannot be read in time. The read
 * leaves the time what follows needs: the watchdog's timer, or the handoff.
 */
async function historyHolds(
  sessionId: string,
  text: string,
  deps: BridgeDeps,
  writtenAt?: number,
): Promise<boolean | undefined> {
  if (deps.deadline.remaining() < deps.afterAnswerReserveMs * 2) return undefined;
  const deadline = new Deadline(deps.deadline.remaining() - deps.afterAnswerReserveMs);
  return deps.opencx.historyHasContactText(sessionId, text, deadline, 3, writtenAt).catch(() => undefined);
}
