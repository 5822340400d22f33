// The agent's verdict on a handoff (`/agent/handoff-verdict`): was it needed, was the summary
// right, and an optional comment. Pure: the form, what the task's attributes get, and the note
// on the OpenCX session.
import { createHash } from 'node:crypto';
import type { CustomData } from '../common/opencx-client';
import { invalidInput } from './admin-error';
import { formText } from './settings';

export { VERDICT_ATTRIBUTE } from '../common/task-attributes';
export const MAX_VERDICT_COMMENT = 1000;

export interface VerdictForm {
  taskSid: string;
  needed: boolean;
  summaryRight: boolean;
  comment?: string;
}

/** What the task's `opencxVerdict` attribute holds, for Flex Insights. */
export interface Verdict {
  needed: boolean;
  summaryRight: boolean;
  comment?: string;
  /** The agent's TaskRouter worker SID. */
  by: string;
  /** ISO 8601. */
  at: string;
}

function yesNo(form: Record<string, unknown>, field: string): boolean {
  const value = formText(form, field);
  if (value !== 'true' && value !== 'false') throw invalidInput(field, `${field} must be true or false`);
  return value === 'true';
}

export function parseVerdictForm(form: Record<string, unknown>): VerdictForm {
  const taskSid = formText(form, 'taskSid');
  if (!taskSid || !/^WT[0-9a-f]{32}$/i.test(taskSid))
    throw invalidInput('taskSid', 'taskSid must be a TaskRouter task SID (WT…)');
  const needed = yesNo(form, 'needed');
  const summaryRight = yesNo(form, 'summaryRight');
  const comment = formText(form, 'comment');
  if (comment && comment.length > MAX_VERDICT_COMMENT)
    throw invalidInput('comment', `The comment can be at most ${MAX_VERDICT_COMMENT} characters`);
  return { taskSid, needed, summaryRight, ...(comment ? { comment } : {}) };
}

export function verdictOf(form: VerdictForm, workerSid: string, at: Date): Verdict {
  return {
    needed: form.needed,
    summaryRight: form.summaryRight,
    ...(form.comment ? { comment: form.comment } : {}),
    by: workerSid,
    at: at.toISOString(),
  };
}

/** The verdict a task's attribute holds, when it is one. */
export function verdictOnTask(value: unknown): Verdict | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { needed, summaryRight, comment, by, at } = value as Record<string, unknown>;
  if (typeof needed !== 'boolean' || typeof summaryRight !== 'boolean' || typeof by !== 'string') return undefined;
  return {
    needed,
    summaryRight,
    ...(typeof comment === 'string' ? { comment } : {}),
    by,
    at: typeof at === 'string' ? at : '',
  };
}

/**
 * The claim on noting this verdict of this task on OpenCX: the agent's retry of a verdict whose
 * answer was lost (the note made) adds no second note; a changed verdict is noted again.
 */
export function verdictNoteKey(taskSid: string, verdict: Verdict): string {
  const { needed, summaryRight, comment, by } = verdict;
  const digest = createHash('sha256').update(JSON.stringify({ needed, summaryRight, comment, by })).digest('hex');
  return `verdict_${taskSid}_${digest.slice(0, 24)}`;
}

/**
 * The note for OpenCX, to tune the AI: an agent message that does not take the session over,
 * whose custom data carries the verdict as fields (`flex_verdict_*`) next to the Flex SIDs.
 */
export function verdictNote(verdict: Verdict): { text: string; customData: CustomData } {
  const yes = (value: boolean): string => (value ? 'yes' : 'no');
  const text =
    `Flex agent's verdict on the handoff: needed: ${yes(verdict.needed)}; summary right: ` +
    `${yes(verdict.summaryRight)}.${verdict.comment ? ` Comment: ${verdict.comment}` : ''}`;
  return {
    text,
    customData: {
      flex_verdict_needed: verdict.needed,
      flex_verdict_summary_right: verdict.summaryRight,
      flex_verdict_by: verdict.by,
      flex_verdict_at: verdict.at,
    },
  };
}
