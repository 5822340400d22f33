// Apply's routing steps: the AI queue (created when the workspace has none), then the chosen
// workflow's two filters, written once. The queue step runs in an earlier stage: the workflow
// step reads the queues again, so it finds the queue just created and targets it.
import type { BridgeConfig } from '../../common/config';
import { mayHaveBeenProcessed, type TaskQueueSummary, type TaskRouterApi, type TwilioApis } from '../../common/twilio';
import {
  AI_QUEUE_NAME,
  AI_QUEUE_TARGET_WORKERS,
  aiQueueFor,
  freeAiQueueName,
  isAiQueueName,
  queueName,
} from './ai-queue';
import type { CheckId } from './check';
import { MadeThenFailedError, NO_AI_WORKER_FOUND, type SetupStep, type StepPlan, type StepReport } from './steps';
import { type RoutingFacts, workflowConfigurationUpdate, workflowFiltersCheck } from './workflow';
import { chooseWorkflow } from './workflow-discovery';

export interface AiRoutingDeps {
  taskrouter: TaskRouterApi;
  config: BridgeConfig;
  /** Read before the steps: the workflows and the form's choice of one. */
  routing: RoutingFacts;
  /**
   * The human agents' queue from the form: without it a missing handedOff filter (and so the AI filter) is not added.
   */
  humanQueueSid?: string;
  /** Notes the queue Apply created in the settings, for Uninstall. */
  recordCreatedQueue(queueSid: string): Promise<void>;
}

/** What the AI queue step does with the AI queue as it is now (pure). */
export function aiQueuePlan(
  current: TaskQueueSummary | undefined,
  savedSid: string | undefined,
  create: () => Promise<string>,
  workspaceSid: string,
): StepPlan {
  if (current) return { kind: 'unchanged', detail: `The AI queue is ${queueName(current)}.` };
  if (savedSid) {
    return {
      kind: 'skipped',
      detail:
        `The AI queue ${savedSid} saved in the settings is not in the workspace: ` +
        'pick an existing queue or clear it in the OpenCX settings.',
    };
  }
  let made: string | undefined;
  return {
    kind: 'write',
    detail: createdDetail(AI_QUEUE_NAME),
    backup: { kind: 'ai_queue', workspaceSid },
    write: async () => {
      made = await create();
    },
    doneDetail: () => createdDetail(made ?? AI_QUEUE_NAME),
  };
}

const createdDetail = (name: string): string =>
  `Created the queue "${name}" with the AI workers as its Target Workers (${AI_QUEUE_TARGET_WORKERS}).`;

export function aiQueueStep(deps: AiRoutingDeps): SetupStep<TaskQueueSummary> {
  const { taskrouter, config } = deps;
  return {
    id: 'ai_queue',
    title: 'AI queue',
    read: async () => aiQueueFor(await taskrouter.listTaskQueues(config.workspaceSid), config.aiQueueSid),
    plan: (current) =>
      aiQueuePlan(
        current,
        config.aiQueueSid,
        async () => {
          const created = await createAiQueue(taskrouter, config.workspaceSid);
          // Not recorded in the settings, the queue is still Apply's: Undo deletes it by its name and targets.
          await deps.recordCreatedQueue(created.sid).catch((error: unknown) => {
            throw new MadeThenFailedError(
              `Created the queue ${created.sid} but could not note it in the settings`,
              error,
            );
          });
          return created.friendlyName;
        },
        config.workspaceSid,
      ),
  };
}

/**
 * Creates the AI queue. A create whose answer was lost may have made it: the step's read found no
 * queue serving the AI, so one named and targeted as ours that is there now is this create's, and
 * is recorded (else Uninstall would never delete it, and the next Apply would adopt it as the admin's).
 */
async function createAiQueue(taskrouter: TaskRouterApi, workspaceSid: string): Promise<TaskQueueSummary> {
  // A queue the admin made may have the name, without serving the AI (Target Workers `1==1`).
  const friendlyName = freeAiQueueName(await taskrouter.listTaskQueues(workspaceSid));
  const queue = { friendlyName, targetWorkers: AI_QUEUE_TARGET_WORKERS };
  try {
    return await taskrouter.createTaskQueue(workspaceSid, queue);
  } catch (error) {
    if (!mayHaveBeenProcessed(error)) throw error;
    const made = (await taskrouter.listTaskQueues(workspaceSid)).find(
      (q) => q.friendlyName === queue.friendlyName && q.targetWorkers === queue.targetWorkers,
    );
    if (!made) throw error;
    return made;
  }
}

/**
 * The chosen workflow's Configuration, read as TaskRouter returned it (its revision, and the
 * backup Undo writes back byte-equal). Both filter changes go in one write.
 */
export function workflowFiltersStep(deps: AiRoutingDeps): SetupStep<{ workflowSid: string; configuration: string }> {
  const { taskrouter, config } = deps;
  const choice = chooseWorkflow(deps.routing.workflows, deps.routing);
  // The queues as the step read them, after the AI queue step ran; not part of the revision.
  let queues = deps.routing.queues;
  return {
    id: 'workflow_filters',
    title: 'Workflow filters',
    async read() {
      if (!('workflow' in choice)) return undefined;
      const [configuration, fresh] = await Promise.all([
        taskrouter.fetchWorkflowConfigurationText(config.workspaceSid, choice.workflow.sid),
        taskrouter.listTaskQueues(config.workspaceSid),
      ]);
      queues = fresh;
      return configuration === undefined ? undefined : { workflowSid: choice.workflow.sid, configuration };
    },
    plan(current, earlier) {
      if (!('workflow' in choice)) return { kind: 'skipped', detail: choice.reason };
      const { workflow } = choice;
      const notReady = bridgeNotReady(earlier);
      const name = `Workflow "${workflow.friendlyName}" (${workflow.sid})`;
      if (current === undefined) return { kind: 'skipped', detail: `${name} is not in the workspace any more.` };
      const parsed = parseConfiguration(current.configuration);
      if (!parsed)
        return { kind: 'skipped', detail: `${name} has a Configuration that is not a JSON object; it is left alone.` };
      const routing = { ...deps.routing, queues };
      const aiQueueSid = aiQueueFor(queues, config.aiQueueSid)?.sid;
      const update = workflowConfigurationUpdate(
        parsed,
        routing,
        deps.humanQueueSid,
        notReady ? undefined : aiQueueSid,
      );
      // The AI's filter sends chats to a worker whose offers only this deployment's webhooks take up.
      const held =
        notReady && aiQueueSid && workflowConfigurationUpdate(parsed, routing, deps.humanQueueSid, aiQueueSid)?.aiAdded
          ? ` The AI's filter is not added while ${notReady}: apply again once it is.`
          : '';
      if (!update && held) return { kind: 'skipped', detail: held.trim() };
      if (!update) {
        // Nothing Apply can write: either all is right, or the check says what the admin must do.
        const seen = workflowFiltersCheck({ ...routing, workflows: [{ ...workflow, configuration: parsed }] });
        return seen.status === 'ok'
          ? { kind: 'unchanged', detail: seen.detail }
          : { kind: 'skipped', detail: [seen.detail, seen.fix].filter(Boolean).join(' ') };
      }
      return {
        kind: 'write',
        detail: `In ${name}: ${update.changes.join('; ')}.${held}`,
        backup: {
          kind: 'workflow',
          workspaceSid: config.workspaceSid,
          workflowSid: workflow.sid,
          configuration: current.configuration,
        },
        write: () =>
          taskrouter.setWorkflowConfigurationText(
            config.workspaceSid,
            workflow.sid,
            JSON.stringify(update.configuration),
          ),
      };
    },
  };
}

/** What the AI's routing needs from the earlier steps, and what is wrong without it. */
const BRIDGE_STEPS: Partial<Record<CheckId, string>> = {
  workspace_events: "TaskRouter's event callback is not set to this deployment",
  conversations_webhook: 'the Conversations webhook is not set to this deployment',
  ai_worker: 'the AI worker is not ready',
};

/**
 * The step did its part: applied, or right already. The AI workers' step is skipped when some are
 * missing (Test & Save makes them) and those found serve; with none found, nobody would take the offers.
 */
const done = (report: StepReport): boolean =>
  report.status === 'applied' ||
  report.status === 'unchanged' ||
  (report.id === 'ai_worker' && report.status === 'skipped' && !report.detail.startsWith(NO_AI_WORKER_FOUND));

/**
 * Why the AI must not be routed chats yet, given what the earlier steps did (undefined when it
 * may): without these, no Function takes up the AI worker's offers, and each chat waits for the
 * reservation to time out.
 */
export function bridgeNotReady(earlier: readonly StepReport[]): string | undefined {
  const missing = earlier.flatMap((report) => {
    const why = BRIDGE_STEPS[report.id];
    return why && !done(report) ? [why] : [];
  });
  return missing.length > 0 ? missing.join(', and ') : undefined;
}

/** The queue Apply created, found by its name and exactly its Target Workers (what Undo deletes). */
export async function createdAiQueue(twilio: TwilioApis, workspaceSid: string): Promise<TaskQueueSummary | undefined> {
  return (await twilio.taskrouter.listTaskQueues(workspaceSid)).find(
    (queue) => isAiQueueName(queue.friendlyName) && queue.targetWorkers === AI_QUEUE_TARGET_WORKERS,
  );
}

function parseConfiguration(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
