// Carries out a decision. Each action lives in a module of its own under actions/.
import { type Decision, lastWordsMayFollow } from './decide';
import type { BridgeDeps, KnownRecord, Outcome } from './deps';
import { checkAnswered, deliverDelivered } from './actions/answer';
import { engage, reengage } from './actions/engage';
import { handbackUntaken, resume } from './actions/handback';
import { armOwedIdleTimer, closeIfIdle, oweIdleTimer } from './actions/idle';
import { finishHandoff, handOff, heldAnswersIn, silenceAi } from './actions/handoff';
import { closeSessionNow, decline, end, recordHuman, restoreAiWorker } from './actions/lifecycle';
import { relay } from './actions/relay';
import { resend } from './actions/resend';

export type { BridgeDeps, Outcome } from './deps';

/**
 * `known` is our record of the conversation (with its Sync revision); the decision needs it wherever it acts on one.
 */
export async function perform(decision: Decision, known: KnownRecord | undefined, deps: BridgeDeps): Promise<Outcome> {
  switch (decision.action) {
    case 'ignore':
      return { outcome: decision.action, reason: decision.reason };
    case 'engage':
      return engage(decision, deps);
    case 'reengage':
      return reengage(decision, deps);
    case 'decline':
      return decline(decision, known, deps);
    case 'restore-ai-worker':
      return restoreAiWorker(decision, deps);
    case 'close-session':
      return closeSessionNow(decision, deps);
  }
  if (!known) return { outcome: 'ignore', reason: `${decision.action}: the conversation record is gone` };
  const outcome = await performOnRecord(decision, known, deps);
  // Only once the record owes it: no call is added to an event otherwise.
  if (known.record.idleTimerOwed && ARMS_OWED_IDLE_TIMER.has(decision.action))
    await armOwedIdleTimer(decision.conversationSid, known, deps);
  return outcome;
}

/** Events of a conversation the AI holds, after which its idle timer is armed if its session's start could not. */
const ARMS_OWED_IDLE_TIMER: ReadonlySet<Decision['action']> = new Set(['relay', 'answer', 'check-answered', 'resend']);

function performOnRecord(
  decision: Exclude<
    Decision,
    { action: 'ignore' | 'engage' | 'reengage' | 'decline' | 'restore-ai-worker' | 'close-session' }
  >,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<Outcome> {
  switch (decision.action) {
    case 'relay':
      return relay(decision, known, deps);
    case 'answer':
      return deliverDelivered(decision, known, deps);
    case 'handoff':
      return handOff(
        decision.conversationSid,
        known,
        decision.request,
        deps,
        {},
        lastWordsMayFollow(decision.request)
          ? () => heldAnswersIn(decision.conversationSid, known.record, deps)
          : undefined,
      );
    case 'resume':
      return resume(decision, known, deps);
    case 'resend':
      return resend(decision, known, deps);
    case 'check-answered':
      return checkAnswered(decision.conversationSid, known, decision.messageSid, deps, decision.send, decision.rearmed);
    case 'finish-handoff':
      return finishHandoff(decision.conversationSid, known, deps);
    case 'handback-untaken':
      return handbackUntaken(decision, known, deps);
    case 'silence-ai':
      return silenceAi(decision, known, deps);
    case 'record-human':
      return recordHuman(decision, known, deps);
    case 'end':
      return end(decision, known, deps);
    case 'close-if-idle':
      return closeIfIdle(decision, known, deps);
    case 'owe-idle-timer':
      return oweIdleTimer(decision.conversationSid, known, deps).then(() => ({
        outcome: 'idle-timer-owed',
        reason: 'closing silent AI conversations is turned off; its timer is armed once it is on again',
      }));
  }
}
