// An agent hands the conversation back to the AI, and the AI resumes. `handBack` is the one place a
// handback happens: (1) one Sync write moves the conversation from humans to 'handback' (so of two
// clicks exactly one goes ahead), (2) a Flex Interactions invite routes it through the workflow
// again with `handedOff: false` (the AI's filter takes it), (3) the agent moves to wrap-up, whose
// completion stays theirs. A click after an invite whose answer was lost first looks for the task
// that invite made, so there is never a second AI task. When TaskRouter offers the AI the invited
// task, `resume` starts a new OpenCX session that knows of the human's part (engage.ts).
import { randomUUID } from 'node:crypto';
import { mayHaveBeenProcessed, type TaskSnapshot, undefinedIfNotFound } from '../../common/twilio';
import type { Handback } from '../conversation-record';
import { type Decision, isOurMessage } from '../decide';
import type { BridgeDeps, KnownRecord, Outcome } from '../deps';
import {
  decideHandback,
  HANDBACK_TAKE_SECONDS,
  handbackCutoff,
  handbackTaskAttributes,
  ROUTED_STATUSES,
  routedHandbackTasks,
  transferCandidates,
  untakenHandbackTimer,
  untakenHandoff,
  waitsForAgent,
} from '../handback';
import { handoffAttributes } from '../handoff';
import { handoffInsight, recordInsight } from '../insights';
import { rearmTimer } from './answer';
import { finishHandoff } from './handoff';
import { end } from './lifecycle';
import { type HistoryEntry, readHistory } from '../history';
import { customerAuthor, ENGAGE_HISTORY, startSession } from './engage';

type Resume = Extract<Decision, { action: 'resume' }>;

/** Why a hand-back of a task in a workspace the settings no longer name is refused. */
export const WORKSPACE_LEFT =
  'The AI no longer serves the TaskRouter workspace of this task: the OpenCX settings name another since the ' +
  'conversation began. The conversation stays with you';
/** A second click on a hand-back begun before a save moved the settings. */
export const WORKSPACE_LEFT_AGAIN =
  'The AI no longer serves the TaskRouter workspace of this task: the OpenCX settings name another since the ' +
  'conversation began. Nothing is invited again; if no AI worker takes the earlier invite, the conversation goes ' +
  "back to your team's queue when that invite's wait ends";
type Untaken = Extract<Decision, { action: 'handback-untaken' }>;

export interface HandbackRequest {
  conversationSid: string;
  /** The human's task, as the caller holds it. */
  task: TaskSnapshot;
  /** The task's workspace; absent: the settings'. */
  workspaceSid?: string;
  agent: { sid: string; name: string };
  instruction?: string;
  /**
   * Flex's End chat on a task handed back (or maybe): only move the caller to wrap-up when the AI
   * has the conversation, and hand nothing back.
   */
  wrapupOnly?: boolean;
}

export type HandbackOutcome =
  | { outcome: 'handed-back'; invitedTaskSid?: string; wrapup: 'wrapup' | 'left-to-agent'; history: HistoryEntry[] }
  /** `wrapup`: whether the caller's task is now moved to wrap-up (none when another click began it just now). */
  /** `elsewhere`: another task of a human's holds the conversation, not the AI. */
  | { outcome: 'already'; reason: string; wrapup?: 'wrapup' | 'left-to-agent'; elsewhere?: true }
  | { outcome: 'in-progress'; reason: string }
  | { outcome: 'refused'; reason: string }
  /** A transfer of the conversation waits for an agent: the colleague who accepts it holds it. */
  | { outcome: 'transfer-pending'; reason: string }
  | { outcome: 'failed'; reason: string; mayHaveHappened: boolean };

export type HandbackDeps = Pick<BridgeDeps, 'config' | 'twilio' | 'state' | 'now' | 'warn'> &
  /** Our state on a budget of its own: a hand-back undone after a request that used up the deadline. */
  Partial<Pick<BridgeDeps, 'lastStepState'>>;

export async function handBack(request: HandbackRequest, deps: HandbackDeps): Promise<HandbackOutcome> {
  const { conversationSid, task } = request;
  // Read before the phase changes: the AI reads every customer message after the cut-off.
  const [known, newestFirst] = await Promise.all([
    deps.state.conversation(conversationSid),
    deps.twilio.conversations.listMessages(deps.config.conversationsServiceSid, conversationSid, {
      order: 'desc',
      limit: ENGAGE_HISTORY.scanned,
    }),
  ]);
  // The interaction the AI was offered the conversation in; a record from before it was kept: the task's.
  const { sid: flexInteractionSid, channelSid: flexInteractionChannelSid } = known?.record.interaction ?? {
    sid: task.attributes.flexInteractionSid,
    channelSid: task.attributes.flexInteractionChannelSid,
  };
  if (typeof flexInteractionSid !== 'string' || typeof flexInteractionChannelSid !== 'string') {
    return { outcome: 'refused', reason: 'This task has no Flex interaction to route back to the AI' };
  }
  const afterIndex = handbackCutoff(
    newestFirst,
    known?.record.customerAuthor ?? customerAuthor(task.attributes, newestFirst),
    (m) => isOurMessage(m, deps.config),
  );
  const now = deps.now();
  const step = decideHandback(known?.record, now.getTime(), task.sid);
  if (request.wrapupOnly && step.step !== 'already') {
    if (step.step === 'in-progress' || step.step === 'invite-again')
      return { outcome: 'in-progress', reason: 'This conversation is being handed back to the AI' };
    // Another task holds it now (the AI handed it off again since this task's hand-back): End chat
    // would close that agent's chat too. Not while it is being handed off by an invite: the caller's
    // task may be the new one, which the record names only once its accept is recorded.
    const { record } = known ?? {};
    if (
      record &&
      record.taskSid !== task.sid &&
      (record.phase !== 'handoff' || record.handback?.fromTaskSid === task.sid)
    ) {
      const wrapup = await wrapUp(flexInteractionSid, flexInteractionChannelSid, task.sid, deps);
      // Humans hold it, or are being handed it; otherwise the AI has it (or is taking it) in a task of its own.
      const elsewhere = record.phase === 'human' || record.phase === 'handoff';
      return {
        outcome: 'already',
        reason: 'Another task holds this conversation now',
        wrapup,
        ...(elsewhere && { elsewhere: true as const }),
      };
    }
    return { outcome: 'refused', reason: 'This conversation is not handed back to the AI' };
  }
  // Where the task lives: a conversation begun before a save moved the settings stays in its workspace.
  const workspaceSid = request.workspaceSid ?? deps.config.workspaceSid;
  let handback: Handback;
  let invitedTaskSid: string | undefined;
  switch (step.step) {
    case 'refuse':
      return { outcome: 'refused', reason: step.reason };
    case 'already': {
      // The caller may still be in the conversation the AI now answers (their click's answer from Flex
      // was lost, or another task handed it back): Flex's own End chat would close it, customer and AI
      // included, so the Function moves only the caller to wrap-up.
      const wrapup = await wrapUp(flexInteractionSid, flexInteractionChannelSid, task.sid, deps);
      return { outcome: 'already', reason: step.reason, wrapup };
    }
    case 'in-progress':
      return { outcome: 'in-progress', reason: step.reason };
    case 'invite-again': {
      // As a first click: no AI worker takes an invite in a workspace the settings left (the earlier
      // click's timer hands the customer back to humans).
      if (workspaceSid !== deps.config.workspaceSid) return { outcome: 'refused', reason: WORKSPACE_LEFT_AGAIN };
      // The task an earlier invite made, if TaskRouter still routes it, is the hand-back's: nothing is
      // invited again, and that invite's timer stays in charge.
      try {
        const invited = await deps.twilio.flex.listInvitedTasks(flexInteractionSid, flexInteractionChannelSid);
        invitedTaskSid = await firstStillRouted(workspaceSid, routedHandbackTasks(step.handback, invited), deps);
      } catch (error) {
        deps.warn('could not look for the task an earlier invite made before inviting again', {
          error: String(error),
        });
        return { outcome: 'failed', reason: String(error), mayHaveHappened: false };
      }
      // This click is the agent's newest word: its instruction, and the messages they handled since.
      const fresh: Handback = {
        ...step.handback,
        agentSid: request.agent.sid,
        agentName: request.agent.name,
        instruction: request.instruction,
        afterIndex: newestFirst.length ? afterIndex : step.handback.afterIndex,
        ...(invitedTaskSid ? {} : { invitedAt: now.toISOString() }),
      };
      if (!request.instruction) delete fresh.instruction;
      // A new invite's timer, armed before the record names it: a record naming a timer never armed
      // would leave an untaken invite to nobody (the earlier click's timer defers to this one).
      if (!invitedTaskSid) {
        const armed = await armUntakenTimer(
          conversationSid,
          fresh,
          { flexInteractionSid, flexInteractionChannelSid },
          deps,
        );
        if (armed !== true) return { outcome: 'failed', reason: untakenTimerFailure(armed), mayHaveHappened: true };
      }
      const refreshed = await deps.state.update(
        conversationSid,
        (r) =>
          // Unless another click invited since: two clicks at once would both invite.
          r.phase === 'handback' &&
          r.handback?.at === fresh.at &&
          !r.handback.invitedTaskSid &&
          r.handback.invitedAt === step.handback.invitedAt
            ? { ...r, handback: fresh }
            : undefined,
        known,
      );
      if (!refreshed) return { outcome: 'in-progress', reason: CHECK_AGAIN };
      handback = fresh;
      break;
    }
    case 'hand-back': {
      // The AI serves the settings' workspace only: its workers in one the settings left are retired, and
      // an invite there would wait for none, the customer handed to humans again when its timer fires.
      if (workspaceSid !== deps.config.workspaceSid) return { outcome: 'refused', reason: WORKSPACE_LEFT };
      const transfer = await transferWaiting(
        workspaceSid,
        flexInteractionSid,
        flexInteractionChannelSid,
        task.sid,
        deps,
      );
      if (transfer)
        return {
          outcome: 'transfer-pending',
          reason:
            'A transfer of this conversation is waiting for an agent to accept it: cancel the transfer first, ' +
            'or leave the conversation to the agent who accepts it',
        };
      handback = {
        at: now.toISOString(),
        id: randomUUID(),
        agentSid: request.agent.sid,
        agentName: request.agent.name,
        ...(request.instruction ? { instruction: request.instruction } : {}),
        fromTaskSid: task.sid,
        afterIndex,
        ...(known?.record.sessionId ? { previousSessionId: known.record.sessionId } : {}),
      };
      if (!(await deps.state.beginHandback(conversationSid, handback, known)))
        return lostToAnotherWrite(conversationSid, task.sid, now, deps);
    }
  }

  const attributes = handbackTaskAttributes(task.attributes, handback);
  // Before the invite: without the timer, a task no AI worker takes would wait for its own timeout,
  // the customer unanswered. It carries the interaction, so it finds a task an invite made unseen.
  // A click after a lost invite armed its own above (when it invites), and left the hand-back as it
  // was if it could not: that invite may have made a task.
  if (step.step === 'hand-back') {
    const armed = await armUntakenTimer(
      conversationSid,
      handback,
      { flexInteractionSid, flexInteractionChannelSid },
      deps,
    );
    if (armed !== true) {
      await undoHandback(conversationSid, handback.at, step.from, deps);
      return { outcome: 'failed', reason: untakenTimerFailure(armed), mayHaveHappened: false };
    }
  }
  try {
    invitedTaskSid ??= await deps.twilio.flex.inviteToWorkflow(flexInteractionSid, flexInteractionChannelSid, {
      workspaceSid,
      workflowSid: task.workflowSid,
      taskChannel: task.taskChannelUniqueName,
      attributes,
    });
  } catch (error) {
    const mayHaveHappened = mayHaveBeenProcessed(error);
    deps.warn('the handback invite failed', { error: String(error), mayHaveHappened });
    // An invite Flex certainly did not make leaves the conversation with the agent, as it was; a
    // retry's, the hand-back as it was, so the agent may try again at once.
    if (!mayHaveHappened && step.step === 'hand-back')
      await undoHandback(conversationSid, handback.at, step.from, deps);
    if (!mayHaveHappened && step.step === 'invite-again' && handback.invitedAt !== step.handback.invitedAt)
      await forgetInvite(conversationSid, handback, step.handback.invitedAt, deps);
    return { outcome: 'failed', reason: String(error), mayHaveHappened };
  }
  const [, , wrapup] = await Promise.all([
    invitedTaskSid
      ? deps.state.noteInvitedTask(conversationSid, handback.at, invitedTaskSid).catch(() => undefined)
      : undefined,
    recordInsight(deps, { type: 'handback', at: handback.at, conversationSid, taskSid: task.sid }),
    wrapUp(flexInteractionSid, flexInteractionChannelSid, task.sid, deps),
  ]);
  return { outcome: 'handed-back', invitedTaskSid, wrapup, history: readHistory(attributes) };
}

const CHECK_AGAIN = 'This conversation is being handed back to the AI: check it again';

/**
 * This click's hand-back could not begin: another click began one, a colleague's accept of a transfer
 * holds the conversation, or it ended. Answered as a click arriving now would be, and "already" only
 * once the AI has it or its invite is known: the other click's invite may still fail.
 */
async function lostToAnotherWrite(
  conversationSid: string,
  taskSid: string,
  now: Date,
  deps: HandbackDeps,
): Promise<HandbackOutcome> {
  let current: KnownRecord | undefined;
  try {
    current = await deps.state.conversation(conversationSid);
  } catch (error) {
    const reason = `another write changed the conversation, which could not be read: ${String(error)}`;
    return { outcome: 'failed', reason, mayHaveHappened: true };
  }
  const again = decideHandback(current?.record, now.getTime(), taskSid);
  switch (again.step) {
    case 'refuse':
      return { outcome: 'refused', reason: again.reason };
    case 'already':
      return { outcome: 'already', reason: again.reason };
    case 'in-progress':
    case 'invite-again':
      return { outcome: 'in-progress', reason: 'This conversation is being handed back to the AI: check it again' };
    case 'hand-back':
      return { outcome: 'failed', reason: 'the conversation changed meanwhile', mayHaveHappened: false };
  }
}

/**
 * The first of these tasks TaskRouter still routes: the invites list's status may be older than the
 * task's, and a task that ended since would be recorded as the hand-back's, the AI never offered it.
 */
async function firstStillRouted(
  workspaceSid: string,
  taskSids: string[],
  deps: HandbackDeps,
): Promise<string | undefined> {
  const reads = await Promise.allSettled(
    taskSids.map((sid) => undefinedIfNotFound(deps.twilio.taskrouter.fetchTask(workspaceSid, sid))),
  );
  const routed = reads.find(
    (read) => read.status === 'fulfilled' && read.value && ROUTED_STATUSES.includes(read.value.assignmentStatus),
  );
  if (routed?.status === 'fulfilled') return routed.value?.sid;
  // None routed as far as could be read: one that could not be read may be.
  const failed = reads.find((read) => read.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
  return undefined;
}

/** Takes back a retry's note of its invite, which Flex did not make; a failure is warned of (it lapses in 15 s). */
async function forgetInvite(
  conversationSid: string,
  retry: Handback,
  earlier: string | undefined,
  deps: HandbackDeps,
): Promise<void> {
  await (deps.lastStepState?.() ?? deps.state)
    .update(conversationSid, (r) => {
      if (r.phase !== 'handback' || r.handback?.at !== retry.at || r.handback.invitedAt !== retry.invitedAt)
        return undefined;
      const { invitedAt: _retried, ...handback } = r.handback;
      return { ...r, handback: earlier ? { ...handback, invitedAt: earlier } : handback };
    })
    .catch((error: unknown) => deps.warn('could not take back the note of a failed invite', { error: String(error) }));
}

/** Leaves the conversation with the agent, as it was; a failure is warned of (the agent can click again after 15 s). */
async function undoHandback(conversationSid: string, at: string, phase: 'human' | 'handoff', deps: HandbackDeps) {
  await (deps.lastStepState?.() ?? deps.state)
    .undoHandback(conversationSid, at, phase)
    .catch((error: unknown) => deps.warn('could not undo the handback', { error: String(error) }));
}

/** The task of a transfer not yet accepted, if the interaction has one; undefined too when it cannot be read. */
export async function transferWaiting(
  workspaceSid: string,
  interactionSid: string,
  channelSid: string,
  taskSid: string,
  deps: HandbackDeps,
): Promise<string | undefined> {
  try {
    const candidates = transferCandidates(await deps.twilio.flex.listInvitedTasks(interactionSid, channelSid), taskSid);
    // A task deleted since (5 minutes after it ended) waits for nobody.
    const tasks = await Promise.all(
      candidates.map((sid) => undefinedIfNotFound(deps.twilio.taskrouter.fetchTask(workspaceSid, sid))),
    );
    return tasks.find((task) => task && waitsForAgent(task.assignmentStatus))?.sid;
  } catch (error) {
    // The hand-back goes ahead as before this check: the agent asked for it, and a transfer is rare.
    deps.warn('could not look for a pending transfer of the conversation', { error: String(error) });
    return undefined;
  }
}

const untakenTimerFailure = (error: string) => `the timer for an untaken handback could not be armed: ${error}`;

/**
 * Arms the timer that hands the conversation to humans if no AI worker takes it back (the pool is
 * offline or full): true once armed (or without a timer workspace, which the setup check reports),
 * else the error, warned of. It carries the interaction: an invite whose answer is lost made a task
 * the timer finds.
 */
async function armUntakenTimer(
  conversationSid: string,
  handback: Handback,
  interaction: { flexInteractionSid: string; flexInteractionChannelSid: string },
  deps: HandbackDeps,
): Promise<true | string> {
  if (!deps.config.timerWorkspaceSid || !deps.config.timerWorkflowSid) return true;
  return rearmTimer(
    deps.twilio.taskrouter,
    deps.config,
    untakenHandbackTimer(conversationSid, handback, interaction),
    HANDBACK_TAKE_SECONDS,
  ).then(
    () => true as const,
    (error: unknown) => {
      deps.warn('could not arm the timer that hands an untaken handback to humans', { error: String(error) });
      return String(error);
    },
  );
}

/**
 * No AI worker took the handed-back conversation in time: it goes to humans on the task the invite
 * made, as a handoff the AI could not take (the next agent reads who handed back and their instruction).
 */
export async function handbackUntaken(d: Untaken, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const handback = known.record.handback!;
  let invitedTaskSid = handback.invitedTaskSid;
  if (!invitedTaskSid && d.interaction)
    invitedTaskSid = await firstStillRouted(
      known.record.workspaceSid,
      routedHandbackTasks(
        handback,
        await deps.twilio.flex.listInvitedTasks(d.interaction.sid, d.interaction.channelSid),
      ),
      deps,
    );
  if (!invitedTaskSid)
    return {
      outcome: 'ignore',
      reason: 'the handback invite made no task TaskRouter still routes: the agent holds the conversation',
    };
  const pending = untakenHandoff(handback, deps.now().toISOString());
  const moved = await deps.state.untakenHandback(
    d.conversationSid,
    { at: d.at, invitedAt: d.invitedAt },
    invitedTaskSid,
    pending,
    known,
  );
  if (!moved) return { outcome: 'ignore', reason: 'the AI took the conversation back meanwhile' };
  const insight = handoffInsight(
    d.conversationSid,
    { taskSid: invitedTaskSid, claimedAt: Date.parse(pending.at) },
    handoffAttributes({ ...pending, at: new Date(pending.at) }),
  );
  const [finished] = await Promise.all([
    finishHandoff(d.conversationSid, moved, deps),
    recordInsight(deps, { ...insight, secondsWithAi: null }),
    // Counted here too (the same key, so once): the agent's call may have lost Flex's answer to the invite.
    recordInsight(deps, {
      type: 'handback',
      at: handback.at,
      conversationSid: d.conversationSid,
      taskSid: handback.fromTaskSid,
    }),
  ]);
  const outcome = { ...finished, outcome: 'handback-untaken', taskSid: invitedTaskSid };
  // The invited task ended as the timer fired: an end decided on the record before this move found
  // it moved, and left it. Ended here, so the record and the session do not outlive the conversation.
  if (finished.released !== 'left canceled' && finished.released !== 'left completed') return outcome;
  const current = await deps.state.conversation(d.conversationSid);
  if (!current) return outcome;
  const ended = await end(
    {
      action: 'end',
      conversationSid: d.conversationSid,
      taskSid: invitedTaskSid,
      reason: `invited task ${finished.released}`,
    },
    current,
    deps,
  );
  return { ...outcome, ended: ended.outcome };
}

/** The agent moves to wrap-up, whose completion stays theirs; left to them when Flex cannot. */
function wrapUp(
  interactionSid: string,
  channelSid: string,
  taskSid: string,
  deps: HandbackDeps,
): Promise<'wrapup' | 'left-to-agent'> {
  return deps.twilio.flex.wrapUpAgent(interactionSid, channelSid, taskSid).then(
    (status) => (status === 'wrapup' ? 'wrapup' : 'left-to-agent'),
    (error: unknown) => {
      deps.warn('could not move the agent to wrap-up after the handback', { error: String(error) });
      return 'left-to-agent' as const;
    },
  );
}

/** TaskRouter offered the AI the task a handback invited: the AI takes the conversation back in a new session. */
export async function resume(d: Resume, known: KnownRecord, deps: BridgeDeps): Promise<Outcome> {
  const at = known.record.handback!.at;
  const resumed = await deps.state.resumeAi(
    d.conversationSid,
    { taskSid: d.taskSid, reservationSid: d.reservationSid, at, offeredAt: d.offeredAt },
    deps.now().getTime(),
    known,
  );
  if (!resumed) return { outcome: 'resume-skipped', reason: 'another event resumed the AI on this conversation' };
  // Counted here too (the same key, so once): the agent's call may have lost Flex's answer to the invite.
  const { fromTaskSid } = known.record.handback!;
  const [started] = await Promise.all([
    startSession(d, resumed, deps),
    recordInsight(deps, { type: 'handback', at, conversationSid: d.conversationSid, taskSid: fromTaskSid }),
  ]);
  return started;
}
