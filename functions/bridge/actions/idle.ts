// An AI conversation nobody writes in is closed after `aiIdleCloseMinutes` (see ../idle.ts): its
// timer is armed when the session starts, and looks again for as long as someone keeps writing.
import type { FlexTaskAttributes } from '../../common/task-attributes';
import type { ConversationMessage } from '../../common/twilio';
import { type Decision, isCustomerText } from '../decide';
import type { BridgeDeps, Outcome } from '../deps';
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

type CloseIfIdle = Extract<Decision, { action: 'close-if-idle' }>;

/**
 * Arms the idle timer of a session the AI has just started, when the setting is on; a timer that
 * cannot be armed is logged (TaskRouter's task timeout still ends the conversation).
 */
export async function armIdleTimer(
  conversationSid: string,
  sessionId: string,
  task: FlexTaskAttributes,
  deps: BridgeDeps,
  offeredAt?: number,
): Promise<void> {
  const minutes = deps.config.aiIdleCloseMinutes;
  if (!minutes) return;
  const timer: IdleTimer = {
    conversationSid,
    sessionId,
    ...(task.flexInteractionSid ? { interactionSid: task.flexInteractionSid } : {}),
    ...(task.flexInteractionChannelSid ? { channelSid: task.flexInteractionChannelSid } : {}),
    since: offeredAt ?? deps.now().getTime(),
  };
  await createIdleTimer(timer, minutes * 60, deps).catch((error: unknown) =>
    deps.warn('could not arm the idle timer; only the task timeout ends a silent conversation', {
      error: String(error),
      sessionId,
    }),
  );
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
 */
export async function closeIfIdle(d: CloseIfIdle, deps: BridgeDeps): Promise<Outcome> {
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
  const leftAi = async () => {
    const current = await deps.state.conversation(d.conversationSid);
    return current?.record.phase !== 'ai' || current.record.sessionId !== timer.sessionId;
  };
  const stays = {
    outcome: 'ignore',
    sessionId: timer.sessionId,
    reason: 'the conversation left the AI; it stays open',
  };
  if (await leftAi()) return stays;
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
    { at: `${timer.sessionId}_${lastActivity}`, language: 'und', sessionId: timer.sessionId },
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
  await deps.twilio.flex.closeChannel(timer.interactionSid, timer.channelSid);
  return { outcome: 'idle-closed', sessionId: timer.sessionId, idleMinutes: d.minutes, note };
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
