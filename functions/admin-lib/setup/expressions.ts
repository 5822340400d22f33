// Reading TaskRouter workflow filters and worker expressions, as far as the AI worker goes.
import type { TaskQueueSummary } from '../../common/twilio';
import { AI_WORKER_SKILL } from '../settings';

export type Filter = Record<string, unknown>;
/** A target of a workflow filter: `queue`, `expression`, `known_worker_sid`, `timeout`, … */
export type Target = Record<string, unknown>;

/**
 * Whom a TaskRouter worker expression (a queue's TargetWorkers, a target's `expression`) selects,
 * as far as the AI worker goes. Read from the text, not evaluated, on purpose:
 * - `everyone`: empty, or `1==1` (spaces optional): every worker, the AI worker included.
 * - `excludes`: it mentions `opencx_ai` only in negated comparisons: `!= true`, `== false`, `NOT`
 *   (as in `'opencx_ai' NOT IN routing.skills`).
 * - `includes`: it mentions `opencx_ai` otherwise: the AI's own queue.
 * - `others`: anything else (`role == 'agent'`, `routing.skills HAS 'support'`): taken to select
 *   other workers. The AI worker has only `opencx_ai`, `full_name` and `routing.skills: ['opencx_ai']`.
 * Each part between AND, OR and parentheses that mentions `opencx_ai` is read on its own.
 */
export type AiMembership = 'everyone' | 'excludes' | 'includes' | 'others';

export function aiMembership(expression: string | undefined): AiMembership {
  const text = expression ?? '';
  if (/^\s*(1\s*==\s*1)?\s*$/.test(text)) return 'everyone';
  const mentions = text.split(/[()]|\bAND\b|\bOR\b/i).filter((part) => part.includes(AI_WORKER_SKILL));
  if (mentions.length === 0) return 'others';
  const negated = (part: string): boolean => /!=\s*true\b|==\s*false\b|\bNOT\b/i.test(part);
  return mentions.every(negated) ? 'excludes' : 'includes';
}

/**
 * Whether an expression leaves out every worker without an `opencx_ai` attribute (every human
 * agent): TaskRouter evaluates a comparison with an attribute the worker lacks as false, `!=`
 * included, so `opencx_ai != true` (or `== false`) that no OR can bypass selects nobody but workers
 * that have the attribute set false.
 */
export function leavesOutHumans(expression: string | undefined): boolean {
  const text = expression ?? '';
  return !/\bOR\b/i.test(text) && new RegExp(`\\b${AI_WORKER_SKILL}\\s*(!=\\s*true|==\\s*false)\\b`, 'i').test(text);
}

/**
 * The queues that serve the AI: the one in the settings, and every queue whose TargetWorkers
 * mentions `opencx_ai` (the AI worker's attribute and skill), unless only to exclude it.
 */
export function aiQueueSids(queues: readonly TaskQueueSummary[], aiQueueSid: string | undefined): Set<string> {
  return new Set([
    ...(aiQueueSid ? [aiQueueSid] : []),
    ...queues.filter((queue) => aiMembership(queue.targetWorkers) === 'includes').map((queue) => queue.sid),
  ]);
}

export const isHandedOffFilter = (filter: Filter): boolean =>
  /\bhandedOff\s*==\s*true\b/.test(String(filter.expression ?? ''));

/** `handedOff == true` and nothing else: every task the AI hands off matches it. */
export const isPlainHandoffFilter = (filter: Filter): boolean =>
  /^\s*\(?\s*handedOff\s*==\s*true\s*\)?\s*$/.test(String(filter.expression ?? ''));

/** A filter every task matches (`1==1`, `true`): no filter below it is ever reached. */
export const matchesEveryTask = (filter: Filter): boolean =>
  /^\s*\(?\s*(1\s*==\s*1|true)?\s*\)?\s*$/i.test(String(filter.expression ?? ''));

export const filterTargets = (filter: Filter): Target[] =>
  Array.isArray(filter.targets)
    ? filter.targets.filter((t): t is Target => !!t && typeof t === 'object' && !Array.isArray(t))
    : [];

/**
 * A target is the AI's when its queue is an AI queue, it names
 * the AI worker, or its worker expression includes `opencx_ai`.
 */
export function isAiTarget(target: Target, aiQueues: ReadonlySet<string>, aiWorkerSids: readonly string[]): boolean {
  return (
    aiQueues.has(String(target.queue)) ||
    namesAiWorker(target, aiWorkerSids) ||
    aiMembership(String(target.expression ?? '')) === 'includes'
  );
}

export const namesAiWorker = (target: Target, aiWorkerSids: readonly string[]): boolean =>
  typeof target.known_worker_sid === 'string' && aiWorkerSids.includes(target.known_worker_sid);

/** A filter routes to the AI when one of its targets is the AI's. */
export function routesToAi(filter: Filter, aiQueues: ReadonlySet<string>, aiWorkerSids: readonly string[]): boolean {
  return filterTargets(filter).some((target) => isAiTarget(target, aiQueues, aiWorkerSids));
}
