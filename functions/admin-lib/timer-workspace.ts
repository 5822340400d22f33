// The watchdog's TaskRouter workspace of our own, "OpenCX timers": a timer task waits in a queue
// no worker matches until its Timeout cancels it, and the workspace sends `task.canceled` to the
// webhook. Kept out of the Flex workspace so supervisors never see timers in Flex's queues.
// Test & Save provisions it once (adopting one found by name) and never a second one. Another
// deployment of the integration on the account (staging beside production) gets one of its own.
import { createHash } from 'node:crypto';
import { anotherDeployment } from '../common/config';
import type { TaskRouterApi, WorkspaceCallback } from '../common/twilio';

export const TIMER_WORKSPACE_NAME = 'OpenCX timers';
export const TIMER_QUEUE_NAME = 'OpenCX timers';
export const TIMER_WORKFLOW_NAME = 'OpenCX timers';
/**
 * A deployment's own timer workspace's name, while "OpenCX timers" is another deployment's: its host,
 * or, where that is too long for TaskRouter's 64 characters, its start and a digest of the whole.
 */
export function deploymentTimerWorkspaceName(webhookUrl: string): string {
  const { host } = new URL(webhookUrl);
  const named = `${TIMER_WORKSPACE_NAME} (${host})`;
  if (named.length <= 64) return named;
  const digest = createHash('sha256').update(host).digest('hex').slice(0, 10);
  return `${TIMER_WORKSPACE_NAME} (${host.slice(0, 34)}... ${digest})`;
}
/** No worker has this attribute, so a timer task is never offered to anyone. */
export const TIMER_TARGET_WORKERS = 'opencx_timer == true';
/** The only event the bridge needs from the timer workspace: a timer ran out. */
export const TIMER_EVENTS: readonly string[] = ['task.canceled'];

/** Every task to the timer queue. */
export const timerWorkflowConfiguration = (queueSid: string): Record<string, unknown> => ({
  task_routing: { filters: [], default_filter: { queue: queueSid } },
});

/** The TaskRouter calls provisioning makes. */
export type TimerWorkspaceApi = Pick<
  TaskRouterApi,
  | 'fetchWorkspaceCallback'
  | 'findWorkspaceByName'
  | 'createWorkspace'
  | 'listTaskQueues'
  | 'createTaskQueue'
  | 'listWorkflowRouting'
  | 'createWorkflow'
>;

export interface TimerWorkspace {
  workspaceSid: string;
  workflowSid: string;
  /** Its event callback as found (or as created). */
  callback: WorkspaceCallback;
  /** What this save created: none on a save after the first. */
  created: ('workspace' | 'queue' | 'workflow')[];
}

/**
 * The saved timer workspace and workflow, else the ones named "OpenCX timers", else new ones.
 * A new workspace is created with its event callback already at `callbackUrl`.
 */
export async function ensureTimerWorkspace(
  taskrouter: TimerWorkspaceApi,
  saved: { timerWorkspaceSid?: string; timerWorkflowSid?: string },
  callbackUrl: string,
): Promise<TimerWorkspace> {
  const made: TimerWorkspace['created'] = [];
  const { workspace, sharedNameTaken } = await findWorkspace(taskrouter, saved.timerWorkspaceSid, callbackUrl);
  let workspaceSid: string;
  let callback: WorkspaceCallback;
  if (workspace) {
    ({ sid: workspaceSid, ...callback } = workspace);
  } else {
    const created = { eventCallbackUrl: callbackUrl, eventsFilter: TIMER_EVENTS.join(',') };
    const friendlyName = sharedNameTaken ? deploymentTimerWorkspaceName(callbackUrl) : TIMER_WORKSPACE_NAME;
    workspaceSid = await taskrouter.createWorkspace({ friendlyName, ...created });
    callback = created;
    made.push('workspace');
  }

  const workflows = workspace ? await taskrouter.listWorkflowRouting(workspaceSid) : [];
  let workflow =
    workflows.find((w) => w.sid === saved.timerWorkflowSid) ??
    workflows.find((w) => w.friendlyName === TIMER_WORKFLOW_NAME);
  if (!workflow) {
    const queues = workspace ? await taskrouter.listTaskQueues(workspaceSid) : [];
    let queue = queues.find((q) => q.friendlyName === TIMER_QUEUE_NAME);
    if (!queue) {
      queue = await taskrouter.createTaskQueue(workspaceSid, {
        friendlyName: TIMER_QUEUE_NAME,
        targetWorkers: TIMER_TARGET_WORKERS,
      });
      made.push('queue');
    }
    workflow = await taskrouter.createWorkflow(workspaceSid, {
      friendlyName: TIMER_WORKFLOW_NAME,
      configuration: timerWorkflowConfiguration(queue.sid),
    });
    made.push('workflow');
  }
  return { workspaceSid, workflowSid: workflow.sid, callback, created: made };
}

/**
 * The timer workspace and workflow a save provisions, found by their names: for arming a timer where
 * the settings that name them cannot be read (a container that has read none, with Sync down).
 */
export async function timersByName(
  taskrouter: Pick<TaskRouterApi, 'findWorkspaceByName' | 'listWorkflowRouting'>,
  webhookUrl: string,
): Promise<{ timerWorkspaceSid: string; timerWorkflowSid: string } | undefined> {
  const { workspace } = await namedTimerWorkspace(taskrouter, webhookUrl);
  if (!workspace) return undefined;
  const workflows = await taskrouter.listWorkflowRouting(workspace.sid);
  const workflow = workflows.find((w) => w.friendlyName === TIMER_WORKFLOW_NAME);
  return workflow && { timerWorkspaceSid: workspace.sid, timerWorkflowSid: workflow.sid };
}

interface FoundWorkspace {
  workspace?: { sid: string } & WorkspaceCallback;
  /** "OpenCX timers" is another deployment's: a workspace made now takes this deployment's own name. */
  sharedNameTaken?: boolean;
}

/**
 * The workspace named "OpenCX timers" unless its timers go to another deployment of the integration,
 * else this deployment's own (`deploymentTimerWorkspaceName`).
 */
async function namedTimerWorkspace(
  taskrouter: Pick<TaskRouterApi, 'findWorkspaceByName'>,
  webhookUrl: string,
): Promise<FoundWorkspace> {
  const shared = await taskrouter.findWorkspaceByName(TIMER_WORKSPACE_NAME);
  const sharedNameTaken = !!shared && anotherDeployment(shared.eventCallbackUrl, webhookUrl);
  // Its own is looked for also where the shared one is gone (the other deployment uninstalled since).
  const named =
    shared && !sharedNameTaken
      ? shared
      : await taskrouter.findWorkspaceByName(deploymentTimerWorkspaceName(webhookUrl));
  return {
    ...(named && {
      workspace: { sid: named.sid, eventCallbackUrl: named.eventCallbackUrl, eventsFilter: named.eventsFilter },
    }),
    sharedNameTaken,
  };
}

/** The saved one, unless an earlier save adopted another deployment's; else as found by name. */
async function findWorkspace(
  taskrouter: TimerWorkspaceApi,
  savedSid: string | undefined,
  webhookUrl: string,
): Promise<FoundWorkspace> {
  const saved = savedSid ? await taskrouter.fetchWorkspaceCallback(savedSid) : undefined;
  if (saved && savedSid && !anotherDeployment(saved.eventCallbackUrl, webhookUrl))
    return { workspace: { sid: savedSid, ...saved } };
  return namedTimerWorkspace(taskrouter, webhookUrl);
}
