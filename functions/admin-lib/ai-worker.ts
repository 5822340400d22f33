// Provisions the AI's TaskRouter worker on the first settings save and keeps it afterwards:
// never a second one.
import { availableActivity } from '../bridge/ai-worker';
import type { TaskRouterApi } from '../common/twilio';
import { AI_WORKER_CHANNELS, AI_WORKER_NAME, aiWorkerAttributes, aiWorkerNameTaken, isAiWorker } from './settings';

export interface AiWorker {
  sid: string;
  created: boolean;
  /** The channels opened on a new worker. */
  channels?: string[];
}

export async function ensureAiWorker(taskrouter: TaskRouterApi, workspaceSid: string, storedWorkerSid: string | undefined, authorName: string): Promise<AiWorker> {
  const stored = storedWorkerSid ? await taskrouter.fetchWorker(workspaceSid, storedWorkerSid) : undefined;
  if (stored) return { sid: stored.sid, created: false };
  // A save that failed after creating the worker left it behind unreferenced: adopt it.
  const named = await taskrouter.findWorkerByName(workspaceSid, AI_WORKER_NAME);
  if (named) {
    if (!isAiWorker(named.attributes)) throw aiWorkerNameTaken(named.sid);
    return { sid: named.sid, created: false };
  }
  const available = await availableActivity(taskrouter, workspaceSid);
  const worker = await taskrouter.createWorker(workspaceSid, { friendlyName: AI_WORKER_NAME, attributes: aiWorkerAttributes(authorName), activitySid: available.sid });
  const channels = await setWorkerChannels(taskrouter, workspaceSid, worker.sid, AI_WORKER_CHANNELS);
  return { sid: worker.sid, created: true, channels };
}

/** Opens exactly the given task channels (those the workspace has) at their capacities and closes the rest; returns the ones opened. */
export async function setWorkerChannels(taskrouter: TaskRouterApi, workspaceSid: string, workerSid: string, capacities: Readonly<Record<string, number>>): Promise<string[]> {
  const channels = await taskrouter.listWorkerChannels(workspaceSid, workerSid);
  await Promise.all(
    channels.map((channel) => {
      const capacity = capacities[channel.taskChannel];
      return taskrouter.updateWorkerChannel(workspaceSid, workerSid, channel.sid, capacity === undefined ? { available: false } : { capacity, available: true });
    }),
  );
  return channels.map((channel) => channel.taskChannel).filter((name) => capacities[name] !== undefined);
}
