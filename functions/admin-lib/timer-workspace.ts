// The watchdog's TaskRouter workspace of our own, "OpenCX timers": a timer task waits in a queue
// no worker matches until its Timeout cancels it, and the workspace sends `task.canceled` to the
// webhook. Kept out of the Flex workspace so supervisors never see timers in Flex's queues.
// Test & Save provisions it once (adopting one found by name) and never a second one.
import type { TaskRouterApi, WorkspaceCallback } from '../common/twilio';

export const TIMER_WORKSPACE_NAME = 'OpenCX timers';
export const TIMER_QUEUE_NAME = 'OpenCX timers';
export const TIMER_WORKFLOW_NAME = 'OpenCX timers';
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
  const workspace = await findWorkspace(taskrouter, saved.timerWorkspaceSid);
  let workspaceSid: string;
  let callback: WorkspaceCallback;
  if (workspace) {
    ({ sid: workspaceSid, ...callback } = workspace);
  } else {
    const created = { eventCallbackUrl: callbackUrl, eventsFilter: TIMER_EVENTS.join(',') };
    workspaceSid = await taskrouter.createWorkspace({ friendlyName: TIMER_WORKSPACE_NAME, ...created });
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
): Promise<{ timerWorkspaceSid: string; timerWorkflowSid: string } | undefined> {
  const workspace = await taskrouter.findWorkspaceByName(TIMER_WORKSPACE_NAME);
  if (!workspace) return undefined;
  const workflows = await taskrouter.listWorkflowRouting(workspace.sid);
  const workflow = workflows.find((w) => w.friendlyName === TIMER_WORKFLOW_NAME);
  return workflow && { timerWorkspaceSid: workspace.sid, timerWorkflowSid: workflow.sid };
}

async function findWorkspace(
  taskrouter: TimerWorkspaceApi,
  savedSid: string | undefined,
): Promise<({ sid: string } & WorkspaceCallback) | undefined> {
  const saved = savedSid ? await taskrouter.fetchWorkspaceCallback(savedSid) : undefined;
  if (saved && savedSid) return { sid: savedSid, ...saved };
  const named = await taskrouter.findWorkspaceByName(TIMER_WORKSPACE_NAME);
  return named && { sid: named.sid, eventCallbackUrl: named.eventCallbackUrl, eventsFilter: named.eventsFilter };
}
