// The workflow that routes Flex's messaging tasks: which one it is, whether its filters send
// handed-off tasks to humans before the AI, and what Apply changes.
import type { TaskQueueSummary, WorkflowRouting, WorkflowSummary } from '../../common/twilio';
import { AdminError, invalidInput } from '../admin-error';
import { AI_WORKER_EXPRESSION, AI_WORKER_SKILL } from '../settings';
import {
  AI_FILTER_EXPRESSION,
  AI_FILTER_NAME,
  AI_QUEUE_TARGET_WORKERS,
  aiFilterFor,
  aiQueueFor,
  freeAiQueueName,
  queueName,
} from './ai-queue';
import { type Check, check, type CheckStatus, fine, fixable, manual, type Verdict } from './check';
import {
  aiMembership,
  aiQueueSids,
  type Filter,
  isHandedOffFilter,
  isPlainHandoffFilter,
  leavesOutHumans,
  matchesEveryTask,
  routesToAi,
  type Target,
} from './expressions';
import { chooseWorkflow, type WorkflowPick, workflowLookedAt } from './workflow-discovery';

export const HANDOFF_FILTER_NAME = 'OpenCX: handed off to humans';
export const HANDOFF_EXPRESSION = 'handedOff == true';
/** The filters Apply adds, by name: Uninstall removes exactly these and no filter of the admin's. */
export const INTEGRATION_FILTER_NAMES: readonly string[] = [HANDOFF_FILTER_NAME, AI_FILTER_NAME];
export const isIntegrationFilter = (filter: Filter): boolean =>
  INTEGRATION_FILTER_NAMES.includes(String(filter.filter_friendly_name ?? ''));

/** With which workflow to look at (WorkflowPick): the form's, the saved one, the discovered one. */
export interface RoutingFacts extends WorkflowPick {
  workflows: WorkflowRouting[];
  queues: TaskQueueSummary[];
  aiQueueSid?: string;
  /** The AI worker pool, draining workers included. */
  aiWorkerSids: readonly string[];
}

function taskRouting(configuration: Record<string, unknown>): Record<string, unknown> {
  const routing = configuration.task_routing;
  return routing && typeof routing === 'object' && !Array.isArray(routing) ? (routing as Record<string, unknown>) : {};
}

export function workflowFilters(configuration: Record<string, unknown>): Filter[] {
  const filters = taskRouting(configuration).filters;
  return Array.isArray(filters)
    ? filters.filter((f): f is Filter => !!f && typeof f === 'object' && !Array.isArray(f))
    : [];
}

export interface FilterPositions {
  filters: Filter[];
  /** The first plain `handedOff == true` filter, -1 when none. */
  handedOff: number;
  /** The first filter that routes to the AI (not a handedOff filter), -1 when none. */
  ai: number;
  /** The first other filter every task matches (`1==1`), -1 when none: nothing below it is reached. */
  everyTask: number;
  /** The handedOff filters with a condition of their own (`handedOff == true AND …`), by index. */
  conditional: number[];
}

export function filterPositions(workflow: WorkflowSummary, routing: RoutingFacts): FilterPositions {
  return positionsIn(
    workflowFilters(workflow.configuration),
    aiQueueSids(routing.queues, routing.aiQueueSid),
    routing.aiWorkerSids,
  );
}

function positionsIn(
  filters: Filter[],
  aiQueues: ReadonlySet<string>,
  aiWorkerSids: readonly string[],
): FilterPositions {
  const toAi = (filter: Filter): boolean => !isHandedOffFilter(filter) && routesToAi(filter, aiQueues, aiWorkerSids);
  return {
    filters,
    handedOff: filters.findIndex(isPlainHandoffFilter),
    ai: filters.findIndex(toAi),
    everyTask: filters.findIndex((filter) => matchesEveryTask(filter) && !toAi(filter)),
    conditional: filters.flatMap((filter, index) =>
      isHandedOffFilter(filter) && !isPlainHandoffFilter(filter) ? [index] : [],
    ),
  };
}

/** Where the handedOff filter must be at the latest: above the AI's filter and any filter every task matches. */
function handoffLimit({ filters, ai, everyTask }: FilterPositions): number {
  return Math.min(...[ai, everyTask, filters.length].filter((index) => index >= 0));
}

/**
 * Where Apply adds the handedOff filter: at the top, or below the admin's handedOff filters with
 * conditions of their own above that limit, which keep the tasks they take.
 */
function handoffPlace(positions: FilterPositions): number {
  const limit = handoffLimit(positions);
  const above = positions.conditional.filter((index) => index < limit);
  return above.length > 0 ? above[above.length - 1] + 1 : 0;
}

export const filterName = (filter: Filter): string => `"${String(filter.filter_friendly_name ?? filter.expression)}"`;

/**
 * The AI filter Apply added, when it targets another queue than the AI queue saved in the settings
 * (the admin picked another one since): its index and the queue it targets now.
 */
function aiFilterElsewhere(
  filters: Filter[],
  savedAiQueueSid: string | undefined,
): { index: number; queue: string } | undefined {
  if (!savedAiQueueSid) return undefined;
  const index = filters.findIndex((filter) => filter.filter_friendly_name === AI_FILTER_NAME);
  const targets = index >= 0 && Array.isArray(filters[index].targets) ? (filters[index].targets as Target[]) : [];
  const queues = targets.map((target) => target.queue).filter((queue): queue is string => typeof queue === 'string');
  if (queues.length === 0 || queues.includes(savedAiQueueSid)) return undefined;
  return { index, queue: queues[0] };
}

export function workflowFiltersCheck(routing: RoutingFacts): Check {
  const choice = chooseWorkflow(routing.workflows, routing);
  if (!('workflow' in choice))
    return check('workflow_filters', 'Workflow filters', 'problem', manual(choice.reason, choice.fix));
  // Every verdict opens with which workflow was looked at, and why that one.
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('workflow_filters', 'Workflow filters', status, { ...v, detail: `${workflowLookedAt(choice)} ${v.detail}` });
  const workflow = `Workflow "${choice.workflow.friendlyName}" (${choice.workflow.sid})`;
  const positions = filterPositions(choice.workflow, routing);
  const { filters, handedOff, ai, everyTask, conditional } = positions;
  const aiQueue = aiQueueFor(routing.queues, routing.aiQueueSid);
  // The AI filter Apply would add, when no filter routes to the AI and it has a queue to target.
  const aiTarget = aiQueue
    ? `the AI queue ${queueName(aiQueue)}`
    : `a new queue "${freeAiQueueName(routing.queues)}" whose Target Workers are the AI workers ` +
      `(${AI_QUEUE_TARGET_WORKERS})`;
  const aiFilterAdded =
    ai < 0 && (!routing.aiQueueSid || aiQueue)
      ? `the filter "${AI_FILTER_NAME}" (${AI_FILTER_EXPRESSION} → ${aiTarget})`
      : undefined;
  if (handedOff < 0) {
    const above = handoffPlace(positions);
    const conditions = conditional.map((i) => filterName(filters[i])).join(', ');
    const found =
      conditional.length > 0
        ? `${workflow} has no plain ${HANDOFF_EXPRESSION} filter: ${conditions} take only the handed-off ` +
          "tasks that meet their own conditions, and the others go on to the filters below, the AI's among them."
        : `${workflow} has no ${HANDOFF_EXPRESSION} filter, so a task the AI hands off has nowhere to go.`;
    const where = above > 0 ? `just below ${filterName(filters[above - 1])}` : 'at the top of the workflow';
    return verdict('problem', {
      ...fixable(
        found,
        `Choose your human agents' queue and apply setup: it adds the filter "${HANDOFF_FILTER_NAME}" ` +
          `(${HANDOFF_EXPRESSION} → that queue) ${where}` +
          `${aiFilterAdded ? `, and just below it ${aiFilterAdded}` : ''}.`,
      ),
      needs: 'humanQueueSid',
    });
  }
  if (routesToAi(filters[handedOff], aiQueueSids(routing.queues, routing.aiQueueSid), routing.aiWorkerSids)) {
    return verdict(
      'problem',
      manual(
        `${workflow} sends handed-off tasks back to the AI: ` +
          `the filter ${filterName(filters[handedOff])} targets the AI's queue.`,
        "Point that filter at your human agents' queue.",
      ),
    );
  }
  if (ai >= 0 && handedOff > ai) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, the AI's filter ${filterName(filters[ai])} comes before ` +
          `${filterName(filters[handedOff])}. Filters run top to bottom and the first match wins, ` +
          'so a handed-off task goes back to the AI.',
        `Apply fixes: it moves ${filterName(filters[handedOff])} above ${filterName(filters[ai])}.`,
      ),
    );
  }
  if (everyTask >= 0 && handedOff > everyTask) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, ${filterName(filters[everyTask])} matches every task and comes before ` +
          `${filterName(filters[handedOff])}. Filters run top to bottom and the first match wins, ` +
          'so a handed-off task never reaches it.',
        `Apply fixes: it moves ${filterName(filters[handedOff])} above ${filterName(filters[everyTask])}.`,
      ),
    );
  }
  if (ai < 0) {
    const found =
      `No filter of ${workflow} routes to the AI (a queue whose Target Workers select ${AI_WORKER_SKILL}, ` +
      'or the AI queue in the settings), so the AI is never offered a task.';
    return verdict(
      'problem',
      aiFilterAdded
        ? fixable(found, `Apply fixes: it adds ${aiFilterAdded} just below ${filterName(filters[handedOff])}.`)
        : manual(
            found,
            'The AI queue saved in the settings is not in the workspace: ' +
              'in the OpenCX settings, pick an existing queue or clear the AI ' +
              'queue and click Test & Save, then apply setup.',
          ),
    );
  }
  if (everyTask >= 0 && ai > everyTask) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, ${filterName(filters[everyTask])} matches every task and comes before the AI's filter ` +
          `${filterName(filters[ai])}, so the AI is never offered a task.`,
        `Apply fixes: it moves ${filterName(filters[ai])} just below ${filterName(filters[handedOff])}.`,
      ),
    );
  }
  const elsewhere = aiQueue ? aiFilterElsewhere(filters, routing.aiQueueSid) : undefined;
  if (elsewhere) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, ${filterName(filters[elsewhere.index])} sends chats to queue ${elsewhere.queue}, ` +
          `not to the AI queue in the settings, ${queueName(aiQueue!)}.`,
        `Apply fixes: it points ${filterName(filters[elsewhere.index])} at ${queueName(aiQueue!)}.`,
      ),
    );
  }
  return verdict(
    'ok',
    fine(`In ${workflow}, ${filterName(filters[handedOff])} comes before the AI's filter ${filterName(filters[ai])}.`),
  );
}

/** The workflow configuration Apply writes, with what changed in it, in the admin's words. */
export interface WorkflowUpdate {
  configuration: Record<string, unknown>;
  changes: string[];
  /** The AI's filter is among the changes. */
  aiAdded: boolean;
}

/**
 * Both filter changes Apply makes, in one configuration, or undefined when nothing needs (or can)
 * change. A missing handedOff filter is added at the top (it needs the human queue), a misordered
 * one is moved just above the first AI filter. When no filter routes to the AI, the AI filter is
 * added just below the handedOff filter, targeting `aiQueueSid`; never without a handedOff filter
 * above it, where a handed-off task would match the AI's filter again. Every other filter and
 * setting is kept as it is.
 */
export function workflowConfigurationUpdate(
  configuration: Record<string, unknown>,
  routing: RoutingFacts,
  humanQueueSid: string | undefined,
  aiQueueSid: string | undefined,
): WorkflowUpdate | undefined {
  const aiQueues = new Set([...aiQueueSids(routing.queues, routing.aiQueueSid), ...(aiQueueSid ? [aiQueueSid] : [])]);
  const positions = positionsIn(workflowFilters(configuration), aiQueues, routing.aiWorkerSids);
  const { filters, handedOff, ai } = positions;
  const next = [...filters];
  const changes: string[] = [];
  const limit = handoffLimit(positions);
  if (handedOff < 0 && humanQueueSid) {
    const at = handoffPlace(positions);
    next.splice(at, 0, {
      filter_friendly_name: HANDOFF_FILTER_NAME,
      expression: HANDOFF_EXPRESSION,
      targets: [{ queue: humanQueueSid }],
    });
    changes.push(
      `added "${HANDOFF_FILTER_NAME}" (${HANDOFF_EXPRESSION} → ${humanQueueSid}) ` +
        (at > 0 ? `below ${filterName(filters[at - 1])}` : 'at the top'),
    );
  } else if (handedOff > limit) {
    const [moved] = next.splice(handedOff, 1);
    next.splice(limit, 0, moved);
    changes.push(`moved ${filterName(moved)} above ${filterName(filters[limit])}`);
  }
  // The admin picked another AI queue since Apply added the filter: it follows the settings. Even
  // while the AI's routing waits for the bridge: the filter routes to the AI already.
  const savedQueue = routing.queues.some((queue) => queue.sid === routing.aiQueueSid) ? routing.aiQueueSid : undefined;
  const elsewhere = aiFilterElsewhere(next, savedQueue);
  if (elsewhere && savedQueue) {
    const filter = next[elsewhere.index];
    next[elsewhere.index] = {
      ...filter,
      targets: (filter.targets as Target[]).map((target) =>
        target.queue === elsewhere.queue ? { ...target, queue: savedQueue } : target,
      ),
    };
    changes.push(`pointed ${filterName(filter)} at the AI queue ${savedQueue} (it targeted ${elsewhere.queue})`);
  }
  const now = positionsIn(next, aiQueues, routing.aiWorkerSids);
  const aiAdded = ai < 0 && !!aiQueueSid && now.handedOff >= 0;
  if (aiAdded) {
    next.splice(now.handedOff + 1, 0, aiFilterFor(aiQueueSid!));
    changes.push(
      `added "${AI_FILTER_NAME}" (${AI_FILTER_EXPRESSION} → ${aiQueueSid}) below ${filterName(next[now.handedOff])}`,
    );
  } else if (aiQueueSid && now.handedOff >= 0 && now.everyTask >= 0 && now.ai > now.everyTask) {
    // Below a filter every task matches, the AI's filter is never reached.
    const [moved] = next.splice(now.ai, 1);
    next.splice(now.handedOff + 1, 0, moved);
    changes.push(
      `moved ${filterName(moved)} just below ${filterName(next[now.handedOff])}, ` +
        `above ${filterName(next[now.everyTask + 1])}, which every task matches`,
    );
  }
  if (changes.length === 0) return undefined;
  return {
    configuration: { ...configuration, task_routing: { ...taskRouting(configuration), filters: next } },
    changes,
    aiAdded,
  };
}

/** A workflow's configuration as Uninstall leaves it. */
export interface WorkflowUninstall {
  /** Without the integration's filters, but the handedOff one while `stillToAi` names any. */
  configuration: Record<string, unknown>;
  /** A filter of the integration's was removed. */
  changed: boolean;
  /**
   * The admin's filters (and the default filter) that still route to the AI, by name. While there
   * are any, the integration's handedOff filter stays: without it a handed-off task would match
   * one of them again and go back to the AI.
   */
  stillToAi: string[];
  /** The integration's handedOff filter was kept for them. */
  keptHandoff?: string;
}

/** The workflow sends tasks to the AI: one of its filters, or its default filter, targets the AI. */
export function workflowRoutesToAi(
  configuration: Record<string, unknown>,
  aiQueues: ReadonlySet<string>,
  aiWorkerSids: readonly string[],
): boolean {
  const fallback = taskRouting(configuration).default_filter;
  return (
    workflowFilters(configuration).some((filter) => routesToAi(filter, aiQueues, aiWorkerSids)) ||
    (!!fallback && typeof fallback === 'object' && routesToAi({ targets: [fallback] }, aiQueues, aiWorkerSids))
  );
}

/**
 * Why Apply leaves the AI workers unavailable for want of routing (undefined when chats will reach
 * the AI): no workflow routes to the AI now, and the workflow step adds no AI filter, as it adds one
 * only below a handedOff filter, which needs the human queue, and only with an AI queue to target
 * (`queueCreated`: Apply's queue step made one). Available, the workers would only be offered chats
 * of a queue of everyone, which the bridge declines.
 */
export function aiUnroutedAfterApply(
  routing: RoutingFacts,
  humanQueueSid: string | undefined,
  queueCreated = false,
): string | undefined {
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  if (routing.workflows.some((w) => workflowRoutesToAi(w.configuration, aiQueues, routing.aiWorkerSids)))
    return undefined;
  if (!queueCreated && !aiQueueFor(routing.queues, routing.aiQueueSid))
    return 'no workflow routes chats to the AI, and there is no AI queue for its filter to target';
  const choice = chooseWorkflow(routing.workflows, routing);
  if ('workflow' in choice && (humanQueueSid || filterPositions(choice.workflow, routing).handedOff >= 0))
    return undefined;
  return 'no workflow routes chats to the AI (choose the human queue, so Apply adds the AI filter)';
}

/**
 * What Uninstall writes to a workflow: the filters Apply added (by name) removed, every other
 * filter and setting kept. A filter routes to the AI as the check reads it (routesToAi); the
 * default filter does too when its queue is an AI queue.
 */
export function workflowWithoutIntegration(
  configuration: Record<string, unknown>,
  aiQueues: ReadonlySet<string>,
  aiWorkerSids: readonly string[],
): WorkflowUninstall {
  const filters = workflowFilters(configuration);
  const admins = filters.filter((filter) => !isIntegrationFilter(filter));
  const fallback = taskRouting(configuration).default_filter;
  const stillToAi = [
    ...admins.filter((filter) => routesToAi(filter, aiQueues, aiWorkerSids)).map(filterName),
    ...(fallback && typeof fallback === 'object' && routesToAi({ targets: [fallback] }, aiQueues, aiWorkerSids)
      ? ['the default filter']
      : []),
  ];
  const keep = (filter: Filter): boolean =>
    !isIntegrationFilter(filter) || (stillToAi.length > 0 && filter.filter_friendly_name === HANDOFF_FILTER_NAME);
  const kept = filters.filter(keep);
  const keptHandoff = kept.find(isIntegrationFilter);
  return {
    configuration: { ...configuration, task_routing: { ...taskRouting(configuration), filters: kept } },
    changed: kept.length !== filters.length,
    stillToAi,
    ...(keptHandoff ? { keptHandoff: filterName(keptHandoff) } : {}),
  };
}

/**
 * The human queue the admin picked must be in the workspace, must not be the AI's, and must leave
 * the AI workers out: TaskRouter would offer them the handed-off chats, which the bridge declines
 * and, offered again, leaves to time out (as long as the AI's reservation timeout, up to an hour).
 */
export function humanQueueProblem(
  humanQueueSid: string,
  routing: RoutingFacts,
  workspaceSid: string,
): AdminError | undefined {
  const queue = routing.queues.find((q) => q.sid === humanQueueSid);
  if (!queue) {
    return new AdminError(
      400,
      'not_found',
      `Queue ${humanQueueSid} not found in workspace ${workspaceSid}`,
      'humanQueueSid',
    );
  }
  if (aiQueueSids(routing.queues, routing.aiQueueSid).has(humanQueueSid)) {
    return invalidInput('humanQueueSid', `Queue ${humanQueueSid} is the AI's queue; pick your human agents' queue`);
  }
  if (leavesOutHumans(queue.targetWorkers)) {
    return invalidInput(
      'humanQueueSid',
      `Queue "${queue.friendlyName}" (${humanQueueSid}) has Target Workers "${queue.targetWorkers}", which ` +
        'TaskRouter evaluates as false for every worker without an opencx_ai attribute: your human agents would ' +
        'be left out too, and handed-off chats would wait for nobody. Pick a queue only your human agents match, ' +
        'or set its ' +
        "Target Workers to such an expression (e.g. routing.skills HAS 'support' once every agent has that skill)",
    );
  }
  if (['everyone', 'includes'].includes(aiMembership(queue.targetWorkers))) {
    const expression = queue.targetWorkers.trim() ? `"${queue.targetWorkers}"` : '(empty)';
    return invalidInput(
      'humanQueueSid',
      `Queue "${queue.friendlyName}" (${humanQueueSid}) has Target Workers ${expression}, ` +
        'which the AI workers match: TaskRouter would offer them the handed-off chats. ' +
        'Pick a queue only your human agents match, or set its ' +
        "Target Workers to such an expression (e.g. routing.skills HAS 'support' once every agent has that skill)",
    );
  }
  return undefined;
}

/**
 * Test & Save's answer to an AI queue whose Target Workers leave the AI workers out
 * (`opencx_ai != true`, a human queue): the chats Apply's AI filter sent there would wait for nobody.
 */
export function aiQueueRefusal(queue: TaskQueueSummary): AdminError | undefined {
  if (aiMembership(queue.targetWorkers) !== 'excludes') return undefined;
  return invalidInput(
    'aiQueueSid',
    `Queue "${queue.friendlyName}" (${queue.sid}) has Target Workers "${queue.targetWorkers ?? ''}", which exclude ` +
      `the AI workers. Pick a queue whose Target Workers are "${AI_WORKER_EXPRESSION}", or leave the AI queue ` +
      'empty and Apply creates one.',
  );
}

export function aiQueueCheck(aiQueueSid: string, queues: readonly TaskQueueSummary[]): Check {
  const queue = queues.find((q) => q.sid === aiQueueSid);
  if (queue) {
    // The AI workers match only their own attribute and skill: a queue whose Target Workers leave
    // them out never offers them a task, and the chats the AI filter sends there wait for nobody.
    const membership = aiMembership(queue.targetWorkers);
    if (membership === 'excludes' || membership === 'others')
      return check(
        'ai_queue',
        'AI queue',
        membership === 'excludes' ? 'problem' : 'warning',
        manual(
          `The AI queue "${queue.friendlyName}" (${queue.sid}) has Target Workers "${queue.targetWorkers ?? ''}", ` +
            `which ${membership === 'excludes' ? 'exclude' : 'do not name'} the AI workers: ` +
            'TaskRouter may never offer them its conversations.',
          `In TaskRouter → TaskQueues, set its Target Workers to "${AI_WORKER_EXPRESSION}", or clear the AI queue ` +
            'in the OpenCX settings and click Test & Save, then Apply creates one.',
        ),
      );
    return check(
      'ai_queue',
      'AI queue',
      'ok',
      fine(`The AI queue "${queue.friendlyName}" (${queue.sid}) is in the workspace, and its workers include the AI.`),
    );
  }
  return check(
    'ai_queue',
    'AI queue',
    'problem',
    manual(
      `The AI queue ${aiQueueSid} saved in the settings is not in the workspace.`,
      'In the OpenCX settings, pick an existing queue or clear the AI queue, and click Test & Save.',
    ),
  );
}
