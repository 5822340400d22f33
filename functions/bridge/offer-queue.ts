// The queue an offer to an AI worker came through, read beside the record: a new engage needs it
// (decide's `servesAi`). Kept a minute per queue in a warm container; Target Workers rarely change.
import type { TaskQueueSummary, TaskRouterApi } from '../common/twilio';
import type { BridgeEvent } from './events';

const KEEP_MS = 60_000;
const known = new Map<string, { queue: TaskQueueSummary; until: number }>();

/**
 * The queue of an offer to a worker marked `opencx_ai`; undefined for any other event, or when it
 * cannot be read (the offer is then judged without it, as before).
 */
export async function offerQueueOf(
  event: BridgeEvent,
  taskrouter: TaskRouterApi,
  now = Date.now(),
): Promise<TaskQueueSummary | undefined> {
  if (event.surface !== 'taskrouter' || event.type !== 'reservation.created' || !event.workerIsAi) return undefined;
  const queueSid = event.taskQueueSid;
  if (!queueSid) return undefined;
  const kept = known.get(queueSid);
  if (kept && kept.until > now) return kept.queue;
  const queue = await taskrouter.fetchTaskQueue(event.workspaceSid, queueSid).catch(() => undefined);
  if (queue) known.set(queueSid, { queue, until: now + KEEP_MS });
  return queue;
}
