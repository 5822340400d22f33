// An AI conversation nobody writes in is closed after `aiIdleCloseMinutes` (see ../idle.ts): its
// timer is armed when the session starts, and looks again for as long as someone keeps writing.
import type { FlexTaskAttributes } from '../../common/task-attributes';
import type { Decision } from '../decide';
import type { BridgeDeps, Outcome } from '../deps';
import { type IdleTimer, idleTimerAttributes, idleVerdict } from '../idle';
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
  const [newest] = await deps.twilio.conversations.listMessages(
    deps.config.conversationsServiceSid,
    d.conversationSid,
    {
      order: 'desc',
      limit: 1,
    },
  );
  const lastActivity = Math.max(timer.since, newest?.sentAt ?? 0);
  const verdict = idleVerdict(lastActivity, d.firedAt ?? deps.now().getTime(), d.minutes);
  if (!verdict.close) {
    const timerSid = await createIdleTimer({ ...timer, since: lastActivity }, verdict.afterSeconds, deps);
    return { outcome: 'idle-timer-armed', sessionId: timer.sessionId, timerSid, afterSeconds: verdict.afterSeconds };
  }
  if (!timer.interactionSid || !timer.channelSid)
    return {
      outcome: 'ignore',
      sessionId: timer.sessionId,
      reason: 'silent, but the task names no Flex interaction to close; its task timeout ends it',
    };
  // Once per session: a close that fails after the note is tried again by the rearmed timer, which finds it claimed.
  const note = await postCustomerNote(
    d.conversationSid,
    'idle-close',
    { at: timer.sessionId, language: 'und', sessionId: timer.sessionId },
    deps,
  );
  if (note === 'failed') deps.warn('could not post the note that the chat is closed; closing it anyway');
  await deps.twilio.flex.closeChannel(timer.interactionSid, timer.channelSid);
  return { outcome: 'idle-closed', sessionId: timer.sessionId, idleMinutes: d.minutes, note };
}
