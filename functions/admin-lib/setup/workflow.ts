// The workflow that routes Flex's messaging tasks: which one it is, whether its filters send
// handed-off tasks to humans before the AI, and what Apply changes.
import type { TaskQueueSummary, WorkflowRouting, WorkflowSummary } from '../../common/twilio';
import { AdminError, invalidInput } from '../admin-error';
import { AI_WORKER_SKILL } from '../settings';
import { Check, check, CheckStatus, fine, fixable, manual, Verdict } from './check';
import { aiQueueSids, Filter, filterTargets, isHandedOffFilter, routesToAi } from './expressions';

/** Flex's default workflow, the one apply fixes when the workspace has several. */
export const DEFAULT_WORKFLOW_NAME = 'Assign to Anyone';
export const HANDOFF_FILTER_NAME = 'OpenCX: handed off to humans';
export const HANDOFF_EXPRESSION = 'handedOff == true';
/** The filters Apply adds, by name: Uninstall removes exactly these and no filter of the admin's. */
export const INTEGRATION_FILTER_NAMES: readonly string[] = [HANDOFF_FILTER_NAME];
export const isIntegrationFilter = (filter: Filter): boolean => INTEGRATION_FILTER_NAMES.includes(String(filter.filter_friendly_name ?? ''));

export interface RoutingFacts {
  workflows: WorkflowRouting[];
  queues: TaskQueueSummary[];
  aiQueueSid?: string;
  /** The AI worker pool, draining workers included. */
  aiWorkerSids: readonly string[];
  /** The workflow the admin named (form field `workflowSid`). */
  workflowSid?: string;
}

function taskRouting(configuration: Record<string, unknown>): Record<string, unknown> {
  const routing = configuration.task_routing;
  return routing && typeof routing === 'object' && !Array.isArray(routing) ? (routing as Record<string, unknown>) : {};
}

export function workflowFilters(configuration: Record<string, unknown>): Filter[] {
  const filters = taskRouting(configuration).filters;
  return Array.isArray(filters) ? filters.filter((f): f is Filter => !!f && typeof f === 'object' && !Array.isArray(f)) : [];
}

export interface FilterPositions {
  filters: Filter[];
  /** The first handedOff filter, -1 when none. */
  handedOff: number;
  /** The first other filter routing to the AI, -1 when none. */
  ai: number;
}

export function filterPositions(workflow: WorkflowSummary, routing: RoutingFacts): FilterPositions {
  const filters = workflowFilters(workflow.configuration);
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  return {
    filters,
    handedOff: filters.findIndex(isHandedOffFilter),
    ai: filters.findIndex((filter) => !isHandedOffFilter(filter) && routesToAi(filter, aiQueues, routing.aiWorkerSids)),
  };
}

export type WorkflowChoice<W extends WorkflowSummary = WorkflowSummary> = { workflow: W } | { reason: string; fix: string };

/** The workflow named in the form, else the workspace's only one, else the one named "Assign to Anyone". */
export function chooseWorkflow<W extends WorkflowSummary>(workflows: readonly W[], workflowSid: string | undefined): WorkflowChoice<W> {
  if (workflowSid) {
    const named = workflows.find((w) => w.sid === workflowSid);
    return named ? { workflow: named } : { reason: `Workflow ${workflowSid} is not in the workspace.`, fix: 'Pick one of the workspace\'s workflows.' };
  }
  if (workflows.length === 1) return { workflow: workflows[0] };
  const standard = workflows.find((w) => w.friendlyName === DEFAULT_WORKFLOW_NAME);
  if (standard) return { workflow: standard };
  return workflows.length === 0
    ? { reason: 'The workspace has no workflow, so no task is routed to anyone.', fix: 'Create the workflow that routes your inbound tasks (Flex creates "Assign to Anyone").' }
    : {
        reason: `The workspace has ${workflows.length} workflows and none is named "${DEFAULT_WORKFLOW_NAME}", so it is unclear which one routes your inbound tasks.`,
        fix: 'Pick the workflow that routes your inbound tasks (workflowSid) and run the check again.',
      };
}

export const filterName = (filter: Filter): string => `"${String(filter.filter_friendly_name ?? filter.expression)}"`;

export function workflowFiltersCheck(routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('workflow_filters', 'Workflow filters', status, v);
  const choice = chooseWorkflow(routing.workflows, routing.workflowSid);
  if (!('workflow' in choice)) return verdict('problem', manual(choice.reason, choice.fix));
  const workflow = `Workflow "${choice.workflow.friendlyName}" (${choice.workflow.sid})`;
  const { filters, handedOff, ai } = filterPositions(choice.workflow, routing);
  if (handedOff < 0) {
    return verdict(
      'problem',
      {
        ...fixable(
          `${workflow} has no ${HANDOFF_EXPRESSION} filter, so a task the AI hands off has nowhere to go.`,
          `Choose your human agents' queue and apply setup: it adds the filter "${HANDOFF_FILTER_NAME}" (${HANDOFF_EXPRESSION} → that queue) at the top of the workflow.`,
        ),
        needs: 'humanQueueSid',
      },
    );
  }
  if (routesToAi(filters[handedOff], aiQueueSids(routing.queues, routing.aiQueueSid), routing.aiWorkerSids)) {
    return verdict(
      'problem',
      manual(`${workflow} sends handed-off tasks back to the AI: the filter ${filterName(filters[handedOff])} targets the AI's queue.`, "Point that filter at your human agents' queue."),
    );
  }
  if (ai >= 0 && handedOff > ai) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, the AI's filter ${filterName(filters[ai])} comes before ${filterName(filters[handedOff])}. Filters run top to bottom and the first match wins, so a handed-off task goes back to the AI.`,
        `Apply setup: it moves ${filterName(filters[handedOff])} above ${filterName(filters[ai])}.`,
      ),
    );
  }
  if (ai < 0) {
    return verdict(
      'warning',
      manual(
        `No filter of ${workflow} targets the AI (a queue whose workers expression mentions ${AI_WORKER_SKILL}, or the AI queue in the settings), so the AI may never be offered a task.`,
        `Below ${filterName(filters[handedOff])}, add a filter for the channels the AI answers that targets the queue of the OpenCX AI worker.`,
      ),
    );
  }
  return verdict('ok', fine(`In ${workflow}, ${filterName(filters[handedOff])} comes before the AI's filter ${filterName(filters[ai])}.`));
}

/**
 * The workflow configuration apply writes, or undefined when nothing needs (or can) change: a
 * missing handedOff filter is added at the top (it needs the human queue), a misordered one is
 * moved just above the first AI filter. Every other filter and setting is kept as it is.
 */
export function workflowConfigurationUpdate(workflow: WorkflowSummary, routing: RoutingFacts, humanQueueSid: string | undefined): Record<string, unknown> | undefined {
  const { filters, handedOff, ai } = filterPositions(workflow, routing);
  let next: Filter[];
  if (handedOff < 0) {
    if (!humanQueueSid) return undefined;
    next = [{ filter_friendly_name: HANDOFF_FILTER_NAME, expression: HANDOFF_EXPRESSION, targets: [{ queue: humanQueueSid }] }, ...filters];
  } else if (ai >= 0 && handedOff > ai) {
    next = [...filters];
    const [moved] = next.splice(handedOff, 1);
    next.splice(ai, 0, moved);
  } else {
    return undefined;
  }
  return { ...workflow.configuration, task_routing: { ...taskRouting(workflow.configuration), filters: next } };
}

/** The human queue the admin picked must be in the workspace and must not be the AI's. */
export function humanQueueProblem(humanQueueSid: string, routing: RoutingFacts, workspaceSid: string): AdminError | undefined {
  if (!routing.queues.some((queue) => queue.sid === humanQueueSid)) {
    return new AdminError(400, 'not_found', `Queue ${humanQueueSid} not found in workspace ${workspaceSid}`, 'humanQueueSid');
  }
  if (aiQueueSids(routing.queues, routing.aiQueueSid).has(humanQueueSid)) {
    return invalidInput('humanQueueSid', `Queue ${humanQueueSid} is the AI's queue; pick your human agents' queue`);
  }
  return undefined;
}

export function aiQueueCheck(aiQueueSid: string, queues: readonly TaskQueueSummary[]): Check {
  const queue = queues.find((q) => q.sid === aiQueueSid);
  return queue
    ? check('ai_queue', 'AI queue', 'ok', fine(`The AI queue "${queue.friendlyName}" (${queue.sid}) is in the workspace.`))
    : check(
        'ai_queue',
        'AI queue',
        'problem',
        manual(`The AI queue ${aiQueueSid} saved in the settings is not in the workspace.`, 'In the OpenCX settings, pick an existing queue or clear the AI queue, and click Test & Save.'),
      );
}

