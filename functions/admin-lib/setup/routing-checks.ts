// TaskRouter settings that are the admin's call, reported but never applied.
import type { WorkflowRouting, WorkflowSummary } from '../../common/twilio';
import { type Check, check, type CheckStatus, fine, manual, type Verdict } from './check';
import {
  aiMembership,
  aiQueueSids,
  filterTargets,
  isAiTarget,
  isHandedOffFilter,
  leavesOutHumans,
  namesAiWorker,
  type Target,
} from './expressions';
import { filterName, filterPositions, HANDOFF_EXPRESSION, type RoutingFacts, workflowFilters } from './workflow';

/** TaskRouter's TaskReservationTimeout when a workflow sets none. */
export const DEFAULT_RESERVATION_TIMEOUT_S = 120;
/** Below this, TaskRouter times the AI's reservation out in the middle of ordinary conversations. */
export const MIN_AI_RESERVATION_TIMEOUT_S = 600;
/** What the fix suggests: an hour, longer than nearly every AI conversation. */
export const SUGGESTED_AI_RESERVATION_TIMEOUT_S = 3600;

// --- The AI's reservation timeout ---

/** A positive number of seconds, else undefined. */
const seconds = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;

/**
 * How long the AI can keep a conversation. The bridge never accepts the AI's reservation, so it
 * stays pending for the whole AI conversation, and the workflow's TaskReservationTimeout ends it:
 * TaskRouter times it out and routes the task again (the bridge puts the AI worker back and
 * re-engages, but each timeout re-routes the task). A `timeout` on the AI's target bounds it too:
 * past it, the task routed again moves on from the AI's target. A warning when either is under
 * MIN_AI_RESERVATION_TIMEOUT_S; these are TaskRouter settings, the admin's call, never applied.
 */
export function aiReservationTimeoutCheck(workflow: WorkflowRouting, routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('ai_reservation_timeout', 'AI reservation timeout', status, v);
  const name = `Workflow "${workflow.friendlyName}" (${workflow.sid})`;
  const reservation = seconds(workflow.taskReservationTimeout) ?? DEFAULT_RESERVATION_TIMEOUT_S;
  const { filters, ai } = filterPositions(workflow, routing);
  const aiFilter = ai >= 0 ? filters[ai] : undefined;
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  const aiTarget =
    aiFilter && filterTargets(aiFilter).find((target) => isAiTarget(target, aiQueues, routing.aiWorkerSids));
  const targetTimeout = seconds(aiTarget?.timeout);
  const reservationShort = reservation < MIN_AI_RESERVATION_TIMEOUT_S;
  const targetShort = targetTimeout !== undefined && targetTimeout < MIN_AI_RESERVATION_TIMEOUT_S;
  if (!reservationShort && !targetShort) {
    const target =
      targetTimeout === undefined
        ? ''
        : `, and the AI's target in ${filterName(aiFilter!)} a timeout of ${targetTimeout} s`;
    return verdict(
      'ok',
      fine(
        `${name} has a Task Reservation Timeout of ${reservation} s${target}: ` +
          `the AI keeps a conversation at least ${Math.min(reservation, targetTimeout ?? reservation)} s before ` +
          'TaskRouter routes the task again.',
      ),
    );
  }
  const found = [
    ...(reservationShort
      ? [
          `${name} times a reservation out after ${reservation} s (Task Reservation Timeout), and the AI's ` +
            'reservation stays pending for the whole conversation (the bridge never accepts it): ' +
            `every ${reservation} s, TaskRouter takes the conversation back and routes the task again (the ` +
            'bridge then puts the AI worker back and carries on).',
        ]
      : []),
    ...(targetShort
      ? [
          `The AI's target in ${filterName(aiFilter!)} has a timeout of ${targetTimeout} s: ` +
            'once the task has been that long in the filter, routing it again (after a reservation timeout) ' +
            'moves it on from the AI, to the next target, the default filter or out of the workflow.',
        ]
      : []),
  ];
  const fixes = [
    ...(reservationShort
      ? [`set Task Reservation Timeout to ${SUGGESTED_AI_RESERVATION_TIMEOUT_S} s (longer than your AI conversations)`]
      : []),
    ...(targetShort
      ? [
          `raise the timeout of the AI's target in ${filterName(aiFilter!)} to ` +
            `${SUGGESTED_AI_RESERVATION_TIMEOUT_S} s, or remove it`,
        ]
      : []),
  ];
  return verdict(
    'warning',
    manual(found.join(' '), `In TaskRouter → Workflows → "${workflow.friendlyName}", ${fixes.join(' and ')}.`),
  );
}

// --- The AI worker and the human queues ---

/** Why a target of a handedOff filter would offer the task to the AI worker, or undefined when it would not. */
function offersToAi(
  target: Target,
  routing: RoutingFacts,
  aiQueues: ReadonlySet<string>,
): { kind: 'ai' | 'everyone'; why: string; queue?: string } | undefined {
  if (target.known_worker_sid !== undefined)
    return namesAiWorker(target, routing.aiWorkerSids) ? { kind: 'ai', why: 'names the AI worker' } : undefined;
  // A target's own worker expression narrows its queue's workers: unless it matches everyone or
  // includes the AI, the AI worker is not offered the task, whatever the queue.
  if (target.expression !== undefined && !['everyone', 'includes'].includes(aiMembership(String(target.expression))))
    return undefined;
  const sid = String(target.queue);
  const queue = routing.queues.find((q) => q.sid === sid);
  const label = queue ? `"${queue.friendlyName}" (${sid})` : sid;
  if (aiQueues.has(sid)) return { kind: 'ai', why: `targets the AI's queue ${label}` };
  if (queue && aiMembership(queue.targetWorkers) === 'everyone') {
    const expression = queue.targetWorkers.trim() ? `"${queue.targetWorkers}"` : '(empty)';
    return {
      kind: 'everyone',
      why: `targets queue ${label}, whose Target Workers ${expression} matches every worker, the AI worker included`,
      queue: `"${queue.friendlyName}"`,
    };
  }
  return undefined;
}

/**
 * The queues the handedOff filters target must leave the AI worker out, or TaskRouter offers a
 * handed-off task back to the AI (see aiMembership for how an expression is read). Not fixable
 * by apply: who is in a queue is the admin's call.
 */
export function aiWorkerQueuesCheck(workflow: WorkflowSummary, routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('ai_worker_queues', 'AI worker out of the human queues', status, v);
  const name = `Workflow "${workflow.friendlyName}" (${workflow.sid})`;
  const handedOff = workflowFilters(workflow.configuration).filter(isHandedOffFilter);
  if (handedOff.length === 0) {
    return verdict(
      'ok',
      fine(
        `${name} has no ${HANDOFF_EXPRESSION} filter yet, so there is no human queue to check (see Workflow filters).`,
      ),
    );
  }
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  const found = handedOff.flatMap((filter) =>
    filterTargets(filter).flatMap((target) => {
      const offer = offersToAi(target, routing, aiQueues);
      return offer ? [{ ...offer, filter }] : [];
    }),
  );
  const emptied = handedOff.flatMap((filter) =>
    filterTargets(filter).flatMap((target) => {
      const queue = routing.queues.find((q) => q.sid === String(target.queue));
      return queue && leavesOutHumans(queue.targetWorkers) ? [{ filter, queue }] : [];
    }),
  );
  if (found.length === 0 && emptied.length > 0) {
    const names = [...new Set(emptied.map(({ queue }) => `"${queue.friendlyName}"`))].join(', ');
    const queues = emptied.map(
      ({ filter, queue }) =>
        `${filterName(filter)} targets queue "${queue.friendlyName}" ` +
        `(${queue.sid}), whose Target Workers "${queue.targetWorkers}"`,
    );
    return verdict(
      'problem',
      manual(
        `Handed-off tasks would wait for nobody: in ${name}, ${queues.join('; ')} leave out every worker without an ` +
          'opencx_ai attribute, your human agents too (TaskRouter evaluates a comparison with an attribute a worker ' +
          'lacks as false, != included).',
        `In TaskRouter → TaskQueues → ${names}, ` +
          "set Target Workers to an expression only your human agents match, e.g. routing.skills HAS 'support' once " +
          'every agent has the skill "support".',
      ),
    );
  }
  if (found.length === 0) {
    return verdict(
      'ok',
      fine(
        `In ${name}, the queues of ${handedOff.map(filterName).join(', ')} leave the AI worker out, ` +
          'so handed-off tasks go to humans only.',
      ),
    );
  }
  const detail =
    'Handed-off tasks would be offered back to the AI worker: ' +
    `in ${name}, ${found.map((f) => `${filterName(f.filter)} ${f.why}`).join('; ')}.`;
  const pointed = found.find((f) => f.kind === 'ai');
  // Not `opencx_ai != true`: TaskRouter evaluates a comparison with an attribute the worker does
  // not have as false, `!=` included, and human workers have no opencx_ai, so that queue would
  // leave out every human agent too. Selecting by something every human agent has and the AI
  // worker lacks (its attributes are opencx_ai, full_name and routing.skills ['opencx_ai']) is
  // correct; a skill is what Flex admins already assign, and Flex's own skills UI writes routing.skills.
  const queues = [...new Set(found.map((f) => f.queue))].join(', ');
  const fix = pointed
    ? `Point ${filterName(pointed.filter)} at your human agents' queue.`
    : `In TaskRouter → TaskQueues → ${queues}, set Target Workers to an expression only your human agents match, ` +
      `e.g. routing.skills HAS 'support' once every agent has the skill "support" (not opencx_ai != true: ` +
      'TaskRouter evaluates it as false for workers without opencx_ai, so it would leave out your agents too).';
  return verdict('problem', manual(detail, fix));
}
