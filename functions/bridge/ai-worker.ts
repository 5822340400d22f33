// The AI worker's activity: TaskRouter moves it to the timeout activity when a reservation times
// out, and the bridge puts it back so the AI keeps taking conversations.
import { aiQueueSids } from '../admin-lib/setup/expressions';
import { bringsEventsHere } from '../admin-lib/setup/webhooks';
import { workflowRoutesToAi } from '../admin-lib/setup/workflow';
import { AI_WORKER_EXPRESSION } from '../admin-lib/settings';
import { type BridgeConfig, isAiPoolWorker } from '../common/config';
import { type ActivitySummary, type TaskRouterApi, twilioStatus } from '../common/twilio';

/** The workspace's "Available" activity, or else its first available one. */
export async function availableActivity(taskrouter: TaskRouterApi, workspaceSid: string): Promise<ActivitySummary> {
  return pickAvailableActivity(await taskrouter.listActivities(workspaceSid), workspaceSid);
}

/** Of the workspace's activities, "Available", or else the first available one. */
export function pickAvailableActivity(activities: readonly ActivitySummary[], workspaceSid: string): ActivitySummary {
  const available = activities.filter((a) => a.available);
  const target = available.find((a) => a.friendlyName === 'Available') ?? available[0];
  if (!target) throw new Error(`workspace ${workspaceSid} has no available activity`);
  return target;
}

/** What routes chats to the AI: its queue (and any queue whose workers are the AI's) and its workers. */
export interface AiRoute {
  aiQueueSid?: string;
  aiWorkerSids: readonly string[];
}

/**
 * Whether a workflow of the workspace sends chats to the AI. Without one (an Undo restored the
 * workflow), an Available AI worker is only offered chats of a queue of everyone, which it declines.
 */
export async function aiIsRouted(taskrouter: TaskRouterApi, workspaceSid: string, route: AiRoute): Promise<boolean> {
  const [workflows, queues] = await Promise.all([
    taskrouter.listWorkflowRouting(workspaceSid),
    taskrouter.listTaskQueues(workspaceSid),
  ]);
  const aiQueues = aiQueueSids(queues, route.aiQueueSid);
  return workflows.some((workflow) => workflowRoutesToAi(workflow.configuration, aiQueues, route.aiWorkerSids));
}

/**
 * Puts the worker back in an available activity when a reservation timeout moved it to the
 * workspace's timeout activity. Any other activity was set on purpose (an admin pausing the
 * AI) and is left alone; so is a worker whose workspace no longer sends its offers
 * (`reservation.created`) to `webhookUrl` (an Undo parked it there: nothing would answer its chats),
 * or whose workspace no workflow routes chats to the AI through (`route`: an Undo restored it).
 * Returns what changed.
 */
export async function restoreAfterTimeout(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  workerSid: string,
  webhookUrl?: string,
  route?: AiRoute,
): Promise<{ changed: boolean; from?: string; to?: string }> {
  const read = () =>
    taskrouter.fetchWorker(workspaceSid, workerSid).then((found) => {
      if (!found) throw new Error(`AI worker ${workerSid} not found in workspace ${workspaceSid}`);
      return found;
    });
  const worker = await read();
  if (worker.available) return { changed: false };
  const workspace = await taskrouter.fetchWorkspace(workspaceSid);
  const timedOut = (activitySid: string | undefined) => activitySid === workspace?.timeoutActivitySid;
  if (!workspace || !timedOut(worker.activitySid)) return { changed: false, from: worker.activityName };
  const offersHere = (url: string) =>
    bringsEventsHere({ kind: 'workspace_callback', ...workspace }, url, ['reservation.created']);
  if (webhookUrl !== undefined && !offersHere(webhookUrl))
    return { changed: false, from: `${worker.activityName} (the workspace's offers go elsewhere)` };
  if (route && !(await aiIsRouted(taskrouter, workspaceSid, route)))
    return { changed: false, from: `${worker.activityName} (no workflow routes chats to the AI)` };
  const target = await availableActivity(taskrouter, workspaceSid);
  // Read again just before the write: an admin who paused the worker meanwhile keeps it paused (unless
  // in the timeout activity itself, which cannot be told from the timeout's).
  const now = await read();
  if (now.available) return { changed: false };
  if (!timedOut(now.activitySid)) return { changed: false, from: now.activityName };
  await taskrouter.updateWorkerActivity(workspaceSid, workerSid, target.sid);
  return { changed: true, from: worker.activityName, to: target.friendlyName };
}

/** Tells whether a worker is the AI's in the workspace where a conversation's task lives. */
export type AiWorkerTest = (workerSid: string | undefined) => boolean;

/**
 * The AI's workers in a conversation's workspace: in the settings' one, their pool (draining workers
 * included); in a workspace a save has moved the settings away from since the conversation began, the
 * workers marked `opencx_ai` there (`marked`), which the settings no longer list.
 */
export function aiWorkerTest(
  config: Pick<BridgeConfig, 'workspaceSid' | 'aiWorkerSid' | 'aiWorkerSids' | 'aiDrainingWorkerSids'>,
  workspaceSid: string,
  marked: readonly string[] = [],
): AiWorkerTest {
  if (workspaceSid === config.workspaceSid) return (workerSid) => isAiPoolWorker(config, workerSid);
  return (workerSid) => workerSid !== undefined && marked.includes(workerSid);
}

/**
 * `aiWorkerTest` for a workspace: one TaskRouter read only in a workspace the settings do not name.
 * A read that fails fails the caller: taken for "no AI worker there", a handoff of a task the AI holds
 * there would take it for a human's and leave it with the AI. The event's retry, or the next, tries again.
 */
export async function aiWorkersIn(
  taskrouter: Pick<TaskRouterApi, 'listWorkersMatching'>,
  config: Pick<BridgeConfig, 'workspaceSid' | 'aiWorkerSid' | 'aiWorkerSids' | 'aiDrainingWorkerSids'>,
  workspaceSid: string,
  warn: (message: string, fields?: Record<string, unknown>) => void,
): Promise<AiWorkerTest> {
  if (workspaceSid === config.workspaceSid) return aiWorkerTest(config, workspaceSid);
  const workers = await taskrouter.listWorkersMatching(workspaceSid, AI_WORKER_EXPRESSION).catch((error: unknown) => {
    // A workspace deleted since has no workers, and its tasks are gone with it.
    if (twilioStatus(error) === 404) return [];
    warn('could not list the AI workers of a workspace the settings no longer name', {
      error: String(error),
      workspaceSid,
    });
    throw error;
  });
  return aiWorkerTest(
    config,
    workspaceSid,
    workers.map((worker) => worker.sid),
  );
}
