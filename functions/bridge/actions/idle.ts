// An AI conversation nobody writes in is closed after `aiIdleCloseMinutes` (see ../idle.ts): its
// timer is armed when the session starts (or, when that failed, at the next event), and looks again
// for as long as someone keeps writing.
import { type ConversationMessage, undefinedIfNotFound } from '../../common/twilio';
import { type Decision, isCustomerText } from '../decide';
import type { ConversationRecord } from '../conversation-record';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import { carriedHandoff } from '../handoff';
import {
  activitySince,
  IDLE_CHECK_MESSAGES,
  type IdleTimer,
  idleTimerAttributes,
  idleVerdict,
  newestActivity,
  silenceBegan,
} from '../idle';
import { postCustomerNote } from './customer-note';
import { recordRoutedToHumans } from './handoff';

type CloseIfIdle = Extract<Decision, { action: 'close-if-idle' }>;

/**
 * Arms the idle timer of a session the AI has just started, when the setting is on; false when it
 * could not be armed (the record then owes it: `oweIdleTimer`).
 */
export async function armIdleTimer(
  conversationSid: string,
  sessionId: string,
  interaction: ConversationRecord['interaction'],
  deps: BridgeDeps,
  offeredAt?: number,
): Promise<boolean> {
  const minutes = deps.config.aiIdleCloseMinutes;
  if (!minutes) return true;
  const timer = idleTimerOf(conversationSid, sessionId, interaction, offeredAt ?? deps.now().getTime());
  return createIdleTimer(timer, minutes * 60, deps).then(
    () => true,
    (error: unknown) => {
      deps.warn('could not arm the idle timer; the next event in the conversation tries again', {
        error: String(error),
        sessionId,
      });
      return false;
    },
  );
}

/** Notes on the record that the session's idle timer is still to be armed; the record as it is then. */
export async function oweIdleTimer(
  conversationSid: string,
  known: KnownRecord,
  deps: BridgeDeps,
): Promise<KnownRecord> {
  const { sessionId } = known.record;
  const owed = await deps.state
    .update(conversationSid, (r) => (r.sessionId === sessionId ? { ...r, idleTimerOwed: sessionId } : undefined), known)
    .catch((error: unknown) => {
      deps.warn('could not note the idle timer still to arm; only the task timeout ends a silent conversation', {
        error: String(error),
        sessionId,
      });
      return undefined;
    });
  return owed ?? known;
}

/** The budget an owed arm needs (a claim, a timer, maybe a give-back); with less, the next event arms it. */
const OWED_ARM_MS = 2_000;

/**
 * Arms the idle timer the session's start could not, once the record read for an event the AI handles
 * owes it for its session. Claimed first (If-Match): of two events that read it owed (a relay and
 * OpenCX's webhook for its answer), one arms it. A failure gives it back, for the next event. Nothing is
 * armed for a conversation that left the AI. While the setting is off it stays owed, at no call: a
 * session begun then, or whose timer fired then, gets its timer once the setting is turned on.
 */
export async function armOwedIdleTimer(conversationSid: string, known: KnownRecord, deps: BridgeDeps): Promise<void> {
  const { sessionId, phase, interaction, offeredAt, idleTimerOwed } = known.record;
  const minutes = deps.config.aiIdleCloseMinutes;
  if (!minutes || !sessionId || phase !== 'ai' || idleTimerOwed !== sessionId) return;
  if (deps.deadline.remaining() < OWED_ARM_MS) return;
  const owedHere = (r: ConversationRecord) => r.phase === 'ai' && r.sessionId === sessionId;
  try {
    const claimed = await deps.state.update(conversationSid, (r) => {
      if (!owedHere(r) || r.idleTimerOwed !== sessionId) return undefined;
      const { idleTimerOwed: _owed, ...rest } = r;
      return rest;
    });
    if (!claimed) return;
    // Since the offer, as at the start: the check times the silence from the newest message after it.
    await createIdleTimer(
      idleTimerOf(conversationSid, sessionId, interaction, offeredAt ?? 0),
      minutes * 60,
      deps,
    ).catch(async (error: unknown) => {
      await deps.state
        .update(conversationSid, (r) => (owedHere(r) ? { ...r, idleTimerOwed: sessionId } : undefined))
        .catch(() => undefined);
      throw error;
    });
  } catch (error) {
    deps.warn('could not arm the idle timer owed since the session started; the next event tries again', {
      error: String(error),
      sessionId,
    });
  }
}

function idleTimerOf(
  conversationSid: string,
  sessionId: string,
  interaction: ConversationRecord['interaction'],
  since: number,
): IdleTimer {
  return {
    conversationSid,
    sessionId,
    ...(interaction ? { interactionSid: interaction.sid, channelSid: interaction.channelSid } : {}),
    since,
  };
}

async function createIdleTimer(timer: IdleTimer, afterSeconds: number, deps: BridgeDeps): Promise<string | undefined> {
  const { timerWorkspaceSid, timerWorkflowSid } = deps.config;
  if (!timerWorkspaceSid || !timerWorkflowSid) return undefined;
  return deps.twilio.taskrouter.createTask(timerWorkspaceSid, {
    workflowSid: timerWorkflowSid,
    attributes: idleTimerAttributes(timer),
    timeoutSeconds: afterSeconds,
  });
}

/**
 * The idle timer fired while the AI holds the conversation: closed through Flex when nobody wrote
 * for the whole time (the AI's task then ends, and with it our record and the OpenCX session),
 * after the customer's note that it is closed; otherwise timed again from the newest message.
 * `known` is the record the timer was decided on.
 */
export async function closeIfIdle(d: CloseIfIdle, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const { timer } = d;
  const newest = newestActivity(await newestMessages(d.conversationSid, deps));
  const lastActivity = Math.max(timer.since, newest?.sentAt ?? 0);
  const awaitingAnswer = newest !== undefined && isCustomerText(newest, deps.config, d.customerAuthor);
  const verdict = idleVerdict(
    silenceBegan(lastActivity, awaitingAnswer, deps.config.aiAnswerTimeoutSeconds),
    d.firedAt ?? deps.now().getTime(),
    d.minutes,
  );
  if (!verdict.close) return lookAgain(timer, lastActivity, verdict.afterSeconds, deps);
  // Decided on the record as the timer found it: humans may have been handed the conversation since.
  const heldByAi = (current: KnownRecord | undefined): current is KnownRecord =>
    current?.record.phase === 'ai' && current.record.sessionId === timer.sessionId;
  const leftAi = async () => !heldByAi(await deps.state.conversation(d.conversationSid));
  const stays = {
    outcome: 'ignore',
    sessionId: timer.sessionId,
    reason: 'the conversation left the AI; it stays open',
  };
  const [current, handedOff] = await Promise.all([
    deps.state.conversation(d.conversationSid),
    carriesHandoff(known.record, deps),
  ]);
  if (!heldByAi(current)) return stays;
  if (handedOff) return keptForHumans(d.conversationSid, current, deps);
  if (!timer.interactionSid || !timer.channelSid)
    return {
      outcome: 'ignore',
      sessionId: timer.sessionId,
      reason: 'silent, but the task names no Flex interaction to close; its task timeout ends it',
    };
  // Once per silence (the session's and its last activity): a close that fails after the note is
  // tried again by the rearmed timer, which finds it claimed; a chat kept open by the customer's
  // message gets a note again when it next goes quiet.
  const note = await postCustomerNote(
    d.conversationSid,
    'idle-close',
    { id: `${timer.sessionId}_${lastActivity}`, language: 'und', sessionId: timer.sessionId },
    deps,
  );
  if (note === 'failed' || note === 'unsure')
    deps.warn('could not post the note that the chat is closed; closing it anyway');
  // The record's read, and the note (its claim, its post, a failed one's tries) when there is one, took
  // round trips: a customer who wrote meanwhile is answered, not closed on.
  const [messages, left] = await Promise.all([
    newestMessages(d.conversationSid, deps),
    note === 'none' ? false : leftAi(),
  ]);
  if (left) return stays;
  const wrote = activitySince(messages, newest);
  if (wrote)
    return {
      ...(await lookAgain(timer, wrote.sentAt, d.minutes * 60, deps)),
      reason: 'the customer wrote (or the AI answered) while the chat was being closed; it stays open',
    };
  // A message the customer writes from here on is still relayed (the record is the AI's until the task's end
  // removes it), and its answer cannot be posted in the closed chat. A mark on the record would only narrow
  // that window: a relay that read the record before it sends all the same.
  await deps.twilio.flex.closeChannel(timer.interactionSid, timer.channelSid);
  return { outcome: 'idle-closed', sessionId: timer.sessionId, idleMinutes: d.minutes, note };
}

/** The conversation's task carries this engagement's handoff: one read, in the workspace the record names. */
async function carriesHandoff(record: ConversationRecord, deps: BridgeDeps): Promise<boolean> {
  const task = await undefinedIfNotFound(deps.twilio.taskrouter.fetchTask(record.workspaceSid, record.taskSid));
  return task !== undefined && carriedHandoff(task.attributes, record.claimedAt) !== undefined;
}

/**
 * Humans have the conversation its record says the AI holds: the handoff's Sync write failed, and no
 * agent has been offered the task yet (that offer silences the AI). Closing would cancel the task
 * waiting in their queue: it stays open, the record says so now, and the timer looks no more. A
 * failed write throws: the timer is armed again to set the record right (until then the AI still answers).
 */
async function keptForHumans(conversationSid: string, current: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const silenced = await recordRoutedToHumans(conversationSid, current, deps);
  return {
    outcome: silenced ? 'ai-silenced' : 'ignore',
    sessionId: current.record.sessionId,
    reason: 'the task was handed to humans, though the record said the AI held it; it stays open',
  };
}

function newestMessages(conversationSid: string, deps: BridgeDeps): Promise<ConversationMessage[]> {
  return deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, conversationSid, {
    order: 'desc',
    limit: IDLE_CHECK_MESSAGES,
  });
}

async function lookAgain(timer: IdleTimer, since: number, afterSeconds: number, deps: BridgeDeps): Promise<Outcome> {
  const timerSid = await createIdleTimer({ ...timer, since }, afterSeconds, deps);
  return { outcome: 'idle-timer-armed', sessionId: timer.sessionId, timerSid, afterSeconds };
}
