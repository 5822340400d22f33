// Handing a conversation back from a human to the AI: what should happen, as plain functions.
// The actions are in actions/handback.ts.
import type { CustomData } from '../common/opencx-client';
import { DECLINED_ATTRIBUTE, type FlexTaskAttributes, VERDICT_ATTRIBUTE } from '../common/task-attributes';
import type { ConversationMessage, InvitedTask } from '../common/twilio';
import { ourMarker } from './actions/post';
import { answerKeyPrefix } from './dedup';
import type { ConversationRecord, Handback, PendingHandoff } from './conversation-record';
import { AI_UNAVAILABLE, clipped, HANDOFF_TEXT_MAX } from './handoff';
import { HISTORY_ATTRIBUTE, historyAtHandback } from './history';

/** The instruction rides on the task attributes and the OpenCX session: kept short. */
export const MAX_INSTRUCTION_LENGTH = 1000;
/**
 * A handback whose invited task the AI has not taken after this long never reached TaskRouter: it may be tried again.
 */
export const STALE_HANDBACK_MS = 15000;
/** Marks the task a handback's invite made, so the AI resumes on that task and no other. */
export const HANDBACK_MARKER = 'opencxHandbackAt';
/**
 * A handed-back conversation no AI worker took after this long goes back to humans: the AI workers
 * are offline or at capacity, and the customer would otherwise wait for the invited task's timeout.
 */
export const HANDBACK_TAKE_SECONDS = 120;

export type HandbackStep =
  | { step: 'hand-back'; from: 'human' | 'handoff' }
  | { step: 'invite-again'; handback: Handback }
  | { step: 'already'; reason: string }
  /** Another click's invite may be in flight, or may have failed: this one can tell only once it is stale. */
  | { step: 'in-progress'; reason: string }
  | { step: 'refuse'; reason: string };

/**
 * What an agent's "hand back to the AI" does, given our record of the conversation and the task
 * the caller holds (the endpoint checked that). A second click, or two at once, hands back once:
 * only the Sync write that moves the phase goes ahead. A task the conversation has left (handed
 * back before, or superseded by a transfer another agent accepted) cannot hand it back.
 */
export function decideHandback(record: ConversationRecord | undefined, now: number, taskSid: string): HandbackStep {
  if (!record)
    return { step: 'refuse', reason: 'The OpenCX AI did not hand this conversation off, so it cannot take it back' };
  switch (record.phase) {
    case 'human':
    case 'handoff':
      if (record.handback?.fromTaskSid === taskSid)
        return {
          step: 'refuse',
          reason:
            'This task handed the conversation back before, and it has moved on since: wrap up and complete this task',
        };
      if (record.phase === 'human' && record.taskSid !== taskSid)
        return {
          step: 'refuse',
          reason:
            'Another task holds this conversation now (a transfer or a later handoff): its agent can hand it ' +
            'back. Wrap up and complete this task',
        };
      // The task attributes naming the conversation are the agent's to edit: only the task our record
      // names may take it, so no agent can hand back another customer's conversation.
      if (record.taskSid !== taskSid)
        return {
          step: 'refuse',
          reason:
            'This conversation is still being handed to an agent under another task, so this task cannot hand ' +
            'it back. If you have just accepted it, try again in a moment; if that fails too, ask a supervisor',
        };
      return { step: 'hand-back', from: record.phase };
    case 'ai':
      return { step: 'already', reason: 'The AI already holds this conversation' };
    case 'handback': {
      const handback = record.handback;
      if (!handback || handback.invitedTaskSid)
        return { step: 'already', reason: 'This conversation is already being handed back to the AI' };
      // Only the task that began it tries again: another would put its agent's instruction on it.
      if (handback.fromTaskSid !== taskSid)
        return {
          step: 'refuse',
          reason: 'Another task is handing this conversation back to the AI: wrap up and complete this task',
        };
      // From the latest click that invited: a click just after it would invite a second time.
      if (now - Date.parse(handback.invitedAt ?? handback.at) < STALE_HANDBACK_MS)
        return {
          step: 'in-progress',
          reason: 'This conversation is being handed back to the AI. If the AI has not taken it in a minute, try again',
        };
      return { step: 'invite-again', handback };
    }
  }
}

/** The agent's instruction, trimmed; undefined when empty. Throws nothing: the caller checks the length. */
export function instructionOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * The invited task's attributes: the human's task's (Flex does not carry them over to an invite),
 * with `handedOff: false` so the workflow's AI filter takes it, the marker, and the history. An
 * agent's verdict stays with the handoff it judged: the next handoff's agent gives their own.
 */
export function handbackTaskAttributes(
  attributes: Record<string, unknown>,
  handback: Handback,
): Record<string, unknown> {
  const { [VERDICT_ATTRIBUTE]: _judged, [DECLINED_ATTRIBUTE]: _declined, ...kept } = attributes;
  return {
    ...kept,
    handedOff: false,
    [HANDBACK_MARKER]: handback.at,
    [HISTORY_ATTRIBUTE]: historyAtHandback(attributes, handback),
  };
}

/**
 * Where the resumed AI starts reading: after the newest message an agent wrote (a participant other
 * than the customer) or our note that humans were taking over, so what the customer wrote since,
 * which nobody answered, reaches the AI. The AI's last words may follow that note (OpenCX's own
 * handoff came first): the note still counts, and the resume reads on after those words. Otherwise
 * after the newest message: without the customer's name an agent's message would pass for theirs,
 * and past an answer of ours with no note before it lies the message the AI handed off on, or an
 * earlier part of the conversation.
 */
export function handbackCutoff(
  newestFirst: readonly ConversationMessage[],
  customer: string | undefined,
  isOurs: (message: ConversationMessage) => boolean,
): number {
  const newest = newestFirst[0]?.index ?? -1;
  if (customer === undefined) return newest;
  // The key of the newest answer of ours walked past: a note of that answer's session counts, no older one.
  let passed: string | undefined;
  for (const message of newestFirst) {
    if (isOurs(message)) {
      const marker = ourMarker(message);
      const role = marker?.role ?? 'ai';
      if (role === 'handoff-note') {
        const session = marker?.sessionId;
        if (passed === undefined) return message.index;
        return typeof session === 'string' && passed.startsWith(answerKeyPrefix(session)) ? message.index : newest;
      }
      if (role !== 'ai') return newest;
      passed ??= typeof marker?.key === 'string' ? marker.key : '';
    } else if (message.participantSid && message.author !== customer)
      return passed === undefined ? message.index : newest;
  }
  return newest;
}

/** The agent handed the conversation back from this task, and the AI holds it or is taking it. */
export function handedBackFrom(record: ConversationRecord, taskSid: string | undefined): boolean {
  return (record.phase === 'ai' || record.phase === 'handback') && record.handback?.fromTaskSid === taskSid;
}

/** The task TaskRouter offers the AI is the one this handback invited. */
export function isHandbackTask(attributes: Record<string, unknown>, record: ConversationRecord | undefined): boolean {
  return record?.phase === 'handback' && !!record.handback && attributes[HANDBACK_MARKER] === record.handback.at;
}

/**
 * What a task's end does to a conversation being handed back: the human's task ending (its
 * wrap-up completed) does not end it, and the invited task's does. Before the invite is known,
 * another task's cancellation (the interaction was closed, or an agent's transfer was canceled) and
 * the human's task completing end it unless an invite routes the conversation (it failed, or its
 * answer was lost).
 */
export type HandbackEnd = 'ends' | 'goes-on' | 'ends-unless-routed';

export function handbackEnd(handback: Handback | undefined, taskSid: string, type: string): HandbackEnd {
  if (!handback) return 'ends';
  if (handback.invitedTaskSid) return taskSid === handback.invitedTaskSid ? 'ends' : 'goes-on';
  if (taskSid === handback.fromTaskSid) return type === 'task.completed' ? 'ends-unless-routed' : 'goes-on';
  // The invited task, or another (an agent's transfer canceled): the invite's task, if it is there, goes on.
  return type === 'task.completed' ? 'goes-on' : 'ends-unless-routed';
}

/** Task statuses in which an invited task can still reach the AI. */
export const ROUTED_STATUSES: readonly (string | null)[] = ['pending', 'reserved', 'assigned'];

/**
 * The tasks earlier invites of this handback made that the list shows routed (an answer may have
 * been lost, or the AI pool is busy): inviting again would make a second AI task. Only candidates:
 * the list's status may be older than the task's, and an invite made again carries the same marker.
 */
export function routedHandbackTasks(handback: Handback, invited: InvitedTask[]): string[] {
  return invited
    .filter(
      (task) => task.attributes[HANDBACK_MARKER] === handback.at && ROUTED_STATUSES.includes(task.assignmentStatus),
    )
    .map((task) => task.sid);
}

/**
 * The tasks of the interaction that may be a transfer waiting for an agent: handed back meanwhile,
 * the colleague's accept would hold the conversation while the AI's invite is routed to humans
 * again. While humans hold the conversation no hand-back invite is routed, so every other task
 * still routed is one (its attributes, copied from the agent's task, may carry an old hand-back's
 * marker). Only candidates: the list's status may be older than the task's.
 */
export function transferCandidates(invited: InvitedTask[], taskSid: string): string[] {
  return invited
    .filter(
      (task) => task.sid !== taskSid && (task.assignmentStatus === 'pending' || task.assignmentStatus === 'reserved'),
    )
    .map((task) => task.sid);
}

/** A task still waiting for an agent, by TaskRouter's own read of it. */
export const waitsForAgent = (assignmentStatus: string): boolean =>
  assignmentStatus === 'pending' || assignmentStatus === 'reserved';

/** The timer that gives a handed-back conversation to humans if the AI has not taken it by then. */
export function untakenHandbackTimer(
  conversationSid: string,
  handback: Handback,
  interaction: { flexInteractionSid: string; flexInteractionChannelSid: string },
): FlexTaskAttributes {
  return {
    opencxTimer: 'handback',
    conversationSid,
    handbackAt: handback.at,
    ...(handback.invitedAt ? { handbackInvitedAt: handback.invitedAt } : {}),
    ...interaction,
  };
}

/** The untaken timer is the one the latest click armed: an earlier click's is ignored once another invited again. */
export const armedByLatestInvite = (handback: Handback, timer: Record<string, unknown>): boolean =>
  (timer.handbackInvitedAt ?? undefined) === handback.invitedAt;

/** The handoff of a handback no AI worker took: what the next agent reads, and why. */
export function untakenHandoff(handback: Handback, at: string): PendingHandoff {
  const minutes = Math.round(HANDBACK_TAKE_SECONDS / 60);
  const summary =
    `${handback.agentName} handed this conversation back to the AI assistant, but no AI worker took it within ` +
    `${minutes} minutes (the AI workers are offline or at capacity). The customer's messages are in the conversation.` +
    (handback.instruction ? ` ${handback.agentName}'s instruction to the AI: ${handback.instruction}` : '');
  return {
    reason: AI_UNAVAILABLE,
    summary: clipped(summary, HANDOFF_TEXT_MAX.summary),
    at,
    untakenHandbackAt: handback.at,
  };
}

/** The AI resumes with this handback's context when it engages the invited task. */
export function resumingHandback(record: ConversationRecord, taskSid: string): Handback | undefined {
  return record.handback?.invitedTaskSid === taskSid ? record.handback : undefined;
}

/** The first message of the AI's new session: a human took part, and what they ask of the AI. */
export function handbackNote(handback: Handback): string {
  const note =
    `A human agent (${handback.agentName}) handled part of this conversation in Twilio Flex and handed it back ` +
    'to you. Do not repeat what the agent already did.';
  return handback.instruction ? `${note}\nThe agent's instruction: ${handback.instruction}` : note;
}

/** What the new session's custom_data says of the handback (flat, as OpenCX wants it). */
export function handbackCustomData(handback: Handback): CustomData {
  return {
    flex_handled_by_human: true,
    flex_handback_at: handback.at,
    flex_handback_agent_sid: handback.agentSid,
    flex_handback_agent_name: handback.agentName,
    ...(handback.instruction ? { flex_handback_instruction: handback.instruction } : {}),
    ...(handback.previousSessionId ? { flex_previous_session_id: handback.previousSessionId } : {}),
  };
}
