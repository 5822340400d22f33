// Apply's AI worker step: each worker of the saved pool made able to take conversations, as a
// settings save leaves it (see repairOf): Available, chat and sms open at their capacity, the
// AI's skill. Creating a missing worker stays with Test & Save, which sizes the pool.
import { pickAvailableActivity } from '../../bridge/ai-worker';
import { aiPoolOf, type BridgeConfig } from '../../common/config';
import { type TaskRouterApi, undefinedIfNotFound } from '../../common/twilio';
import { type KeptWorker, repairOf, serves } from '../ai-pool';
import { repairWorker } from '../ai-worker';
import { bridgeNotReady } from './ai-routing-steps';
import { type AiWorkerBackup, NO_AI_WORKER_FOUND, type SetupStep, type StepPlan, type StepReport } from './steps';

/**
 * A saved pool worker as the step reads it; `missing` when it is not in the
 * workspace. No task counts: they would change the revision all the time.
 */
export type PoolWorkerState =
  | { sid: string; missing: true }
  | (Omit<AiWorkerBackup, 'workerSid'> & { sid: string; missing?: false; friendlyName: string; available: boolean });

const present = (worker: PoolWorkerState): worker is Exclude<PoolWorkerState, { missing: true }> => !worker.missing;

/** What the repair changes on one worker, in the admin's words. */
function repairWords(repair: KeptWorker): string {
  return [
    ...(repair.makeAvailable ? ['made Available'] : []),
    ...(repair.reopen ? ['chat and sms opened at their capacity, other channels closed'] : []),
    ...(repair.attributes ? ['given the opencx_ai skill'] : []),
  ].join(', ');
}

/**
 * The repairs the pool needs (pure); `write` performs them. `notReady`: why no Function would take
 * up the workers' offers yet (the earlier steps'); none is made Available until then, or a queue
 * matching every worker (Flex's "Everyone") would leave up to 50 chats each waiting on them.
 */
export function aiWorkerPlan(
  workers: readonly PoolWorkerState[],
  workspaceSid: string,
  write: (repairs: KeptWorker[]) => Promise<void>,
  notReady?: string,
): StepPlan {
  const missing = workers.filter((worker) => worker.missing).map((worker) => worker.sid);
  const found = workers.filter(present);
  const held = notReady ? found.filter((worker) => !worker.available) : [];
  const repairs = found
    .map((worker) => {
      const repair = repairOf(worker);
      return { worker, repair: notReady ? { ...repair, makeAvailable: false } : repair };
    })
    .filter(({ repair }) => !serves(repair));
  const gone =
    missing.length > 0
      ? ` Not in the workspace: ${missing.join(', ')}; Test & Save creates the missing AI workers.`
      : '';
  const heldNames = held.map((worker) => `"${worker.friendlyName}" (${worker.sid})`).join(', ');
  const holding = held.length > 0 ? ` Not made Available while ${notReady}: ${heldNames}; apply again once it is.` : '';
  if (found.length === 0 && missing.length > 0)
    return { kind: 'skipped', detail: `${NO_AI_WORKER_FOUND}: ${missing.join(', ')}; Test & Save creates them.` };
  if (repairs.length === 0) {
    if (held.length > 0) return { kind: 'skipped', detail: `${holding.trim()}${gone}` };
    return missing.length > 0
      ? { kind: 'skipped', detail: `Every AI worker found serves.${gone}` }
      : { kind: 'unchanged', detail: `Every AI worker (${found.length}) is Available with chat open.` };
  }
  const repaired = repairs.map(
    ({ worker, repair }) => `"${worker.friendlyName}" (${worker.sid}): ${repairWords(repair)}`,
  );
  return {
    kind: 'write',
    detail: `${repaired.join('; ')}.${holding}${gone}`,
    backup: {
      kind: 'ai_workers',
      workspaceSid,
      workers: repairs.map(({ worker }) => ({
        workerSid: worker.sid,
        activitySid: worker.activitySid,
        attributes: worker.attributes,
        channels: worker.channels,
      })),
    },
    write: () => write(repairs.map(({ repair }) => repair)),
  };
}

/**
 * `unrouted`: why no chat would reach the AI once Apply is done, given what the earlier steps did (its
 * workers are then not made Available).
 */
export function aiWorkerStep(
  taskrouter: TaskRouterApi,
  config: BridgeConfig,
  unrouted: (earlier: readonly StepReport[]) => string | undefined = () => undefined,
): SetupStep<PoolWorkerState[]> {
  const workspaceSid = config.workspaceSid;
  return {
    id: 'ai_worker',
    title: 'AI worker',
    read: () => Promise.all(aiPoolOf(config).map((sid) => readAiWorker(taskrouter, workspaceSid, sid))),
    plan: (current, earlier) =>
      aiWorkerPlan(
        current ?? [],
        workspaceSid,
        async (repairs) => {
          const available = repairs.some((repair) => repair.makeAvailable)
            ? pickAvailableActivity(await taskrouter.listActivities(workspaceSid), workspaceSid)
            : undefined;
          await Promise.all(repairs.map((repair) => repairWorker(taskrouter, workspaceSid, repair, available?.sid)));
        },
        bridgeNotReady(earlier) ?? unrouted(earlier),
      ),
  };
}

/** A pool worker as the step reads it (and Undo, to compare). */
export async function readAiWorker(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  sid: string,
): Promise<PoolWorkerState> {
  const [worker, channels] = await Promise.all([
    taskrouter.fetchWorker(workspaceSid, sid),
    undefinedIfNotFound(taskrouter.listWorkerChannels(workspaceSid, sid)),
  ]);
  if (!worker) return { sid, missing: true };
  return {
    sid,
    friendlyName: worker.friendlyName,
    activitySid: worker.activitySid,
    available: worker.available,
    attributes: worker.attributes,
    channels: (channels ?? []).map(({ sid: channelSid, taskChannel, capacity, available }) => ({
      sid: channelSid,
      taskChannel,
      capacity,
      available,
    })),
  };
}

/** Undo: the worker's attributes, channels and activity as the backup has them. */
export async function restoreAiWorker(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  backup: AiWorkerBackup,
): Promise<void> {
  await taskrouter.updateWorkerAttributes(workspaceSid, backup.workerSid, backup.attributes);
  await Promise.all(
    backup.channels.map((channel) =>
      taskrouter.updateWorkerChannel(workspaceSid, backup.workerSid, channel.sid, {
        capacity: channel.capacity,
        available: channel.available,
      }),
    ),
  );
  await taskrouter.updateWorkerActivity(workspaceSid, backup.workerSid, backup.activitySid);
}
