// The rest of a conversation's life: a task the AI must not take, a human accepting, the AI
// worker's reservation timing out, and the end of the task.
import { aiWorkersOf } from '../../common/config';
import { DECLINED_ATTRIBUTE } from '../../common/task-attributes';
import { OpenCxError } from '../../common/opencx-client';
import { Deadline } from '../../common/retry';
import { undefinedIfNotFound } from '../../common/twilio';
import { restoreAfterTimeout } from '../ai-worker';
import { flexSidsCustomData } from '../custom-data';
import { type ClosedStatus, declineStep, type Decision, endStatus } from '../decide';
import { aiTaskMayBeOpen, type ConversationRecord } from '../conversation-record';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import { handedBackFrom } from '../handback';
import { AI_DECLINED, handoffAttributes } from '../handoff';
import { recordInsight } from '../insights';
import { rearmTimer } from './answer';
import { completeAiTask, routeToHumans, taskHome, withSessionFacts } from './handoff';

type Of<A extends Decision['action']> = Extract<Decision, { action: A }>;

/** Sends a task the AI cannot take to humans, with the reason the conversation's handoff gave if there was one. */
export async function decline(d: Of<'decline'>, known: KnownRecord | undefined, deps: BridgeDeps): Promise<Outcome> {
  const { taskrouter } = deps.twilio;
  // Where the offer was made: the settings' workspace, or the one a conversation begun before a save lives in.
  const workspaceSid = d.workspaceSid ?? deps.config.workspaceSid;
  deps.warn(`declining the AI reservation: ${d.reason}`, { taskSid: d.taskSid, reservationSid: d.reservationSid });
  // The conversation's handoff, when one is recorded: this write may land before the handoff's own, which
  // then finds its time on the task and writes nothing, so it carries what OpenCX adds (the language).
  const recorded = known?.record.handoff;
  const [task, home, pending] = await Promise.all([
    undefinedIfNotFound(taskrouter.fetchTask(workspaceSid, d.taskSid)),
    taskHome(workspaceSid, deps),
    recorded && withSessionFacts(recorded, known.record, deps),
  ]);
  if (!task) return { outcome: 'declined', reason: d.reason, released: 'left: the task does not exist' };
  const carriesHandoff = task.attributes.handedOff === true;
  const rejectedByAiBefore =
    carriesHandoff &&
    (await taskrouter.reservations(workspaceSid, task.sid, 'rejected')).some((r) => home.isAi(r.workerSid));
  const step = declineStep({ carriesHandoff, rejectedByAiBefore });
  if (step === 'leave-to-time-out') {
    deps.warn(
      'the workflow offers handed-off tasks to the AI again: ' +
        "its handedOff == true filter must come before the AI's (Check setup)",
      {
        taskSid: d.taskSid,
        reservationSid: d.reservationSid,
      },
    );
    return { outcome: 'declined', reason: d.reason, released: 'left to time out' };
  }
  // The conversation's own handoff, when this task is the one it hands off (one the AI's handling left
  // to finish); another task (a new one for a conversation humans hold) is declined with its context.
  const aiHandledIt = !!pending && known?.record.taskSid === d.taskSid;
  // Stamped with the offer's time: a repeated delivery of the offer writes the same, and so nothing.
  const declinedAt = d.offeredAt !== undefined ? new Date(d.offeredAt) : deps.now();
  const handoff = pending
    ? handoffAttributes({ ...pending, sessionId: known?.record.sessionId, at: new Date(pending.at) })
    : handoffAttributes({ reason: AI_DECLINED, summary: d.summary, at: declinedAt });
  const attributes =
    step === 'reject' ? {} : aiHandledIt ? handoff : { ...handoff, [DECLINED_ATTRIBUTE]: true as const };
  const released = await routeToHumans(home, task, [d.reservationSid], attributes, deps);
  return { outcome: 'declined', reason: d.reason, released };
}

export async function recordHuman(d: Of<'record-human'>, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const { taskSid, reservationSid } = d;
  // A human took the task a transfer made: the AI's own task may still hold a chat slot of the AI worker.
  const { record } = known;
  const transferredFrom = aiTaskMayBeOpen(record) && record.taskSid !== taskSid ? record.taskSid : undefined;
  let handedBack = false;
  let superseded = false;
  await Promise.all([
    // The agent may have handed the conversation back since the accept was decided, or a later
    // accept (a colleague's of a transfer) been recorded.
    deps.state.update(d.conversationSid, (r) => {
      handedBack = handedBackFrom(r, taskSid) || r.handback?.fromTaskSid === taskSid;
      superseded =
        r.phase === 'human' &&
        r.taskSid !== taskSid &&
        r.acceptedAt !== undefined &&
        d.acceptedAt !== undefined &&
        d.acceptedAt < r.acceptedAt;
      if (handedBack || superseded) return undefined;
      const { acceptedAt: _earlier, ...rest } = r;
      return {
        ...rest,
        phase: 'human',
        taskSid,
        reservationSid,
        humanWorkerSid: d.workerSid,
        ...(d.acceptedAt === undefined ? {} : { acceptedAt: d.acceptedAt }),
      };
    }),
    // The AI's task the transfer left lives in the workspace the record names, whatever the settings name now.
    transferredFrom &&
      taskHome(record.workspaceSid, deps)
        .then((home) => completeAiTask(home, transferredFrom, deps))
        .catch((error: unknown) =>
          deps.warn('could not complete the AI task after the transfer', { error: String(error), transferredFrom }),
        ),
  ]);
  if (handedBack)
    return { outcome: 'ignore', reason: 'the agent handed this task back to the AI meanwhile; the AI keeps it' };
  if (superseded) return { outcome: 'ignore', reason: 'a later accept of another task holds the conversation now' };
  const sessionId = known.record.sessionId;
  if (sessionId) {
    const customData = {
      ...flexSidsCustomData({ taskSid, reservationSid, conversationSid: d.conversationSid }),
      flex_agent_sid: d.workerSid,
      flex_agent_name: d.workerName,
    };
    await deps.opencx
      .sendAgentNote(
        sessionId,
        `Flex agent ${d.workerName} accepted the conversation.`,
        customData,
        new Deadline(deps.deadline.remaining()),
      )
      .catch((error: unknown) =>
        deps.warn('could not record the agent on the OpenCX session', { error: String(error) }),
      );
  }
  return { outcome: 'human-accepted', sessionId };
}

export async function restoreAiWorker(d: Of<'restore-ai-worker'>, deps: BridgeDeps): Promise<Outcome> {
  // A workspace the settings left: its AI workers are being retired (closed, deleted once they hold no
  // task), and one put back would take nothing. The conversation goes on with the AI until it hands off or ends.
  if (d.workspaceSid)
    return {
      outcome: 'ai-worker-left',
      reason: `the settings no longer name workspace ${d.workspaceSid}: its AI workers are retired, not put back`,
    };
  const { taskrouter } = deps.twilio;
  const { workspaceSid, aiQueueSid } = deps.config;
  const route = { aiQueueSid, aiWorkerSids: aiWorkersOf(deps.config) };
  const change = await restoreAfterTimeout(taskrouter, workspaceSid, d.workerSid, deps.webhookUrl, route);
  if (change.changed) return { outcome: 'ai-worker-restored', from: change.from, to: change.to };
  if (change.from) return { outcome: 'ai-worker-left', reason: `the AI worker is ${change.from}, left as it is` };
  return { outcome: 'ai-worker-available' };
}

/**
 * Clears our record, then closes the OpenCX session. A record that meanwhile names another task
 * or session (the AI engaged again) stays, and so does its session.
 */
export async function end(d: Of<'end'>, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const { record } = known;
  if (d.unlessTransferred) {
    const open = await deps.twilio.taskrouter.openTasksOfConversation(record.workspaceSid, d.conversationSid);
    const goingOn = open.filter((sid) => sid !== d.taskSid);
    if (goingOn.length > 0)
      return {
        outcome: 'ignore',
        sessionId: record.sessionId,
        reason: `${d.reason}: the conversation goes on in ${goingOn.join(', ')}`,
      };
  }
  // The ended task may have been recorded since as the one holding the same session (a human's
  // accept of the task an invite made, handled beside this end): it ended all the same.
  const forgotten = await deps.state.forgetIf(
    d.conversationSid,
    (current) =>
      sameEngage(current, record) || (current.taskSid === d.taskSid && current.sessionId === record.sessionId),
    known,
  );
  if (!forgotten.gone)
    return {
      outcome: 'ignore',
      sessionId: record.sessionId,
      reason: `${d.reason}: the conversation was engaged again meanwhile; it stays with the AI`,
    };
  // The engage may have recorded its session since this end read the claim. A resume that never
  // recorded its own leaves the session of the human part named only by the hand-back.
  const ended = forgotten.deleted ?? record;
  const sessionId = ended.sessionId ?? ended.handback?.previousSessionId;
  // Counted once per task: its end events (workflow.timeout, then task.canceled) may both get here.
  // A claim that cannot be made counts (at worst twice) rather than lose the end.
  const recorded = deps.state
    .claimOnce(`end_${d.taskSid}`)
    .catch(() => true)
    .then((first) =>
      first
        ? recordInsight(deps, {
            type: 'end',
            at: d.at ?? deps.now().toISOString(),
            conversationSid: d.conversationSid,
            taskSid: d.taskSid,
            // An engage that never made its session (its offer came after the task ended) held nothing.
            withAi: ended.phase === 'ai' && ended.sessionId !== undefined,
          })
        : undefined,
    );
  if (sessionId) await closeSession(sessionId, endStatus(ended), deps);
  await recorded;
  return { outcome: 'ended', sessionId, reason: d.reason };
}

/** The same AI engagement: its task and session, or its claim (same task and time) before the session was recorded. */
function sameEngage(current: ConversationRecord, ended: ConversationRecord): boolean {
  if (current.taskSid !== ended.taskSid) return false;
  return current.sessionId === ended.sessionId || (!ended.sessionId && current.claimedAt === ended.claimedAt);
}

/**
 * Our state is cleared whatever OpenCX answers: a close that fails is tried again by a timer (the
 * conversation's record is gone by then, so the timer carries the session).
 */
export async function closeSession(
  sessionId: string,
  status: ClosedStatus,
  deps: BridgeDeps,
  deadline = new Deadline(deps.deadline.remaining()),
): Promise<void> {
  try {
    await deps.opencx.updateSessionStatus(sessionId, status, deadline);
  } catch (error) {
    const { timerWorkspaceSid, timerWorkflowSid } = deps.config;
    const timerSid =
      timerWorkspaceSid && timerWorkflowSid && isTransient(error)
        ? await rearmTimer(deps.lastStep().taskrouter, deps.config, {
            opencxTimer: 'close-session',
            sessionId,
            status,
            rearmed: 1,
          }).catch(() => undefined)
        : undefined;
    deps.warn(
      timerSid ? 'could not close the OpenCX session; a timer tries again' : 'could not close the OpenCX session',
      { error: String(error), sessionId, timerSid },
    );
  }
}

/** A session-close timer fired: a transient failure fails the event, and the timer is armed again. */
export async function closeSessionNow(d: Of<'close-session'>, deps: BridgeDeps): Promise<Outcome> {
  try {
    await deps.opencx.updateSessionStatus(d.sessionId, d.status, new Deadline(deps.deadline.remaining()));
  } catch (error) {
    if (isTransient(error)) throw error;
    return { outcome: 'ignore', sessionId: d.sessionId, reason: `OpenCX refused to close the session: ${error}` };
  }
  return { outcome: 'session-closed', sessionId: d.sessionId, status: d.status };
}

/** Worth trying again later: not a refusal (OpenCX's 4xx other than 429). */
const isTransient = (error: unknown): boolean => !(error instanceof OpenCxError) || error.transient;
