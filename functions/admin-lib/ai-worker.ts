// Keeps the AI worker pool at the size the settings ask for, as planned by `planAiPool`: adopts
// the AI workers the workspace has, creates the missing ones, opens their channels and makes them
// Available once the workspace's events come here (Apply does it otherwise), closes the channels
// of surplus workers and deletes those that hold no task once closed.
import { pickAvailableActivity } from '../bridge/ai-worker';
import { anotherDeployment } from '../common/config';
import { type TaskRouterApi, undefinedIfNotFound, type WorkerChannel } from '../common/twilio';
import {
  HOLDING_RESERVATION_STATUSES,
  heldTasks,
  type KeptWorker,
  planAiPool,
  type StoredPool,
  tasksHeld,
} from './ai-pool';
import { AI_WORKER_CHANNELS, AI_WORKER_EXPRESSION, aiWorkerAttributes, aiWorkerNameTaken } from './settings';

export interface AiPool {
  /** The pool, in the order the config stores it. */
  pool: string[];
  /** Surplus workers still holding tasks, their channels closed. */
  draining: string[];
  created: string[];
  removed: string[];
  /** Workers of the pool left unavailable because the workspace's events do not come here yet. */
  awaitingApply: string[];
  /**
   * Workers the stored settings do not name yet, to open once they do (`openNewAiWorkers`): a save
   * that fails before would leave them taking chats no stored settings know of, and chats offered
   * before the settings and the workspace's callback name this workspace are refused by the bridge.
   */
  toOpen?: WorkerToOpen[];
}

export interface WorkerToOpen {
  sid: string;
  /** The AI's attribute and skill it lacks: written first, as they may route chats to it. */
  attributes?: Record<string, unknown>;
  /** Its channels to open (chat and sms at their capacity, the others closed). */
  reopen: boolean;
  /** The available activity to put it in, when it is in an unavailable one. */
  activitySid?: string;
}

export async function ensureAiPool(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  stored: StoredPool,
  size: number,
  authorName: string,
  eventsHere: boolean,
): Promise<AiPool> {
  const marked = await taskrouter.listWorkersMatching(workspaceSid, AI_WORKER_EXPRESSION);
  // Only an unavailable worker of the pool may be paused: then the workspace's timeout activity tells.
  const timeoutActivitySid = marked.some((worker) => !worker.available && stored.pool.includes(worker.sid))
    ? (await taskrouter.fetchWorkspace(workspaceSid))?.timeoutActivitySid
    : undefined;
  // A list shows no worker's attributes: each is fetched, for the AI's skill it may lack.
  const read = await Promise.all(
    marked.map(async (worker) => {
      const [fetched, channels] = await Promise.all([
        taskrouter.fetchWorker(workspaceSid, worker.sid),
        undefinedIfNotFound(taskrouter.listWorkerChannels(workspaceSid, worker.sid)),
      ]);
      // Deleted since the list (another admin's save): not a worker of the pool any more.
      return (
        fetched &&
        channels && {
          ...fetched,
          paused: !fetched.available && timeoutActivitySid !== undefined && fetched.activitySid !== timeoutActivitySid,
          channels,
        }
      );
    }),
  );
  const workers = read.filter((worker) => worker !== undefined);
  const plan = planAiPool(size, stored, workers, eventsHere);
  const holder = (await Promise.all(plan.create.map((name) => taskrouter.findWorkerByName(workspaceSid, name)))).find(
    (worker) => worker !== undefined,
  );
  if (holder) throw aiWorkerNameTaken(holder.sid, holder.friendlyName);

  const channelsOf = new Map(workers.map((worker) => [worker.sid, worker.channels]));
  const availability = new Map(workers.map((worker) => [worker.sid, worker.available]));
  const activities =
    plan.create.length > 0 || plan.keep.some((worker) => worker.makeAvailable)
      ? await taskrouter.listActivities(workspaceSid)
      : [];
  const available = activities.length > 0 ? pickAvailableActivity(activities, workspaceSid) : undefined;
  // A new worker starts unavailable, so TaskRouter offers it nothing (a call on a queue of
  // everyone) before only chat and sms are open, and before the settings name it. In the timeout
  // activity, so one a failed save left unopened reads as timed out (not paused) and a save opens it;
  // while the admin has the pool paused, in the paused workers' activity, paused like them.
  const timeoutSid =
    plan.create.length > 0
      ? (timeoutActivitySid ?? (await taskrouter.fetchWorkspace(workspaceSid))?.timeoutActivitySid)
      : undefined;
  const startAs =
    activities.find((activity) => activity.sid === plan.createPausedIn && !activity.available) ??
    activities.find((activity) => activity.sid === timeoutSid && !activity.available) ??
    activities.find((activity) => !activity.available) ??
    available;
  // Workers the stored settings do not name (a failed save made them, or a workspace left earlier
  // and now named again kept them): opened once they do, too.
  const unnamed = (sid: string) => !stored.pool.includes(sid) && !stored.draining.includes(sid);
  const openLater: WorkerToOpen[] = plan.keep
    .filter((worker) => unnamed(worker.sid))
    .map((worker) => ({
      sid: worker.sid,
      ...(worker.attributes ? { attributes: worker.attributes } : {}),
      // Until the workspace's events come here an Available worker stays closed: nothing would answer its chats.
      reopen: worker.reopen && (eventsHere || !availability.get(worker.sid)),
      ...(worker.makeAvailable && available ? { activitySid: available.sid } : {}),
    }));
  const [created] = await Promise.all([
    Promise.all(
      plan.create.map(async (friendlyName) => {
        const worker = await taskrouter.createWorker(workspaceSid, {
          friendlyName,
          attributes: aiWorkerAttributes(authorName),
          activitySid: startAs!.sid,
        });
        await setWorkerChannels(taskrouter, workspaceSid, worker.sid, AI_WORKER_CHANNELS);
        return worker.sid;
      }),
    ),
    Promise.all(
      plan.keep.map((worker) =>
        repairWorker(
          taskrouter,
          workspaceSid,
          unnamed(worker.sid) ? { sid: worker.sid, reopen: false, makeAvailable: false } : worker,
          available?.sid,
          channelsOf.get(worker.sid),
        ),
      ),
    ),
    // Idle surplus workers are closed too before they go: TaskRouter may offer one a task meanwhile.
    Promise.all(
      [...plan.drain, ...plan.remove].map((sid) =>
        setWorkerChannels(taskrouter, workspaceSid, sid, {}, channelsOf.get(sid)),
      ),
    ),
  ]);
  // Deleting a worker rescinds its pending reservations, the AI's conversations: one offered a
  // task since it was read stays, draining.
  const idle = await Promise.all(
    plan.remove.map(async (sid) => (await tasksHeldBy(taskrouter, workspaceSid, sid)) === 0),
  );
  const deleted = await Promise.all(
    plan.remove
      .filter((_, index) => idle[index])
      .map(async (sid) => ({ sid, outcome: await taskrouter.deleteWorker(workspaceSid, sid) })),
  );
  const busy = [
    ...plan.remove.filter((_, index) => !idle[index]),
    ...deleted.filter((d) => d.outcome === 'busy').map((d) => d.sid),
  ];
  return {
    pool: [...plan.keep.map((worker) => worker.sid), ...created],
    draining: [...plan.drain, ...plan.draining, ...busy],
    created,
    removed: deleted.filter((d) => d.outcome !== 'busy').map((d) => d.sid),
    awaitingApply: eventsHere
      ? []
      : [
          // Unavailable, or Available with its channels left closed (above).
          ...plan.keep
            .filter((kept) => !availability.get(kept.sid) || (kept.reopen && unnamed(kept.sid)))
            .map((kept) => kept.sid),
          ...(startAs === available ? [] : created),
        ],
    ...toOpen([
      ...openLater,
      ...(plan.createAvailable && startAs !== available && available
        ? created.map((sid) => ({ sid, reopen: false, activitySid: available.sid }))
        : []),
    ]),
  };
}

const toOpen = (workers: WorkerToOpen[]): Pick<AiPool, 'toOpen'> => {
  const owed = workers.filter((worker) => worker.attributes || worker.reopen || worker.activitySid);
  return owed.length > 0 ? { toOpen: owed } : {};
};

/**
 * Opens the pool's workers the settings did not name before this save (the AI's skill, their
 * channels, then an available activity), once the settings and the workspace's callback name them;
 * the workers it could not open.
 */
export async function openNewAiWorkers(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  toOpen: AiPool['toOpen'],
): Promise<string[]> {
  if (!toOpen) return [];
  const opened = await Promise.allSettled(
    toOpen.map(async (worker) => {
      if (worker.attributes) await taskrouter.updateWorkerAttributes(workspaceSid, worker.sid, worker.attributes);
      if (worker.reopen) await setWorkerChannels(taskrouter, workspaceSid, worker.sid, AI_WORKER_CHANNELS);
      if (worker.activitySid) await taskrouter.updateWorkerActivity(workspaceSid, worker.sid, worker.activitySid);
    }),
  );
  return toOpen.filter((_, index) => opened[index].status === 'rejected').map((worker) => worker.sid);
}

/**
 * Tasks the worker holds, read just before deleting it (or reporting it empty): its channels'
 * `assigned_tasks` (`channels` when already read), and only when they show none its reservations
 * too, as `assigned_tasks` may leave the pending ones out.
 */
export async function tasksHeldBy(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  workerSid: string,
  channels?: readonly { assignedTasks: number }[],
): Promise<number> {
  const worker = { channels: channels ?? (await taskrouter.listWorkerChannels(workspaceSid, workerSid)) };
  if (heldTasks(worker) > 0) return heldTasks(worker);
  return tasksHeld(worker, await taskrouter.workerReservations(workspaceSid, workerSid, HOLDING_RESERVATION_STATUSES));
}

/**
 * Deletes an AI worker that holds no task, as a shrink does: its channels closed first, so TaskRouter
 * offers it nothing between the check and the delete (the bridge would engage such an offer, and the
 * delete rescind it), then what it holds read again. 'busy' when it holds a task, or TaskRouter refused
 * the delete: it stays, closed.
 */
export async function retireAiWorker(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  workerSid: string,
): Promise<'deleted' | 'gone' | 'busy'> {
  await setWorkerChannels(taskrouter, workspaceSid, workerSid, {});
  if ((await tasksHeldBy(taskrouter, workspaceSid, workerSid)) > 0) return 'busy';
  return taskrouter.deleteWorker(workspaceSid, workerSid);
}

/** What became of one AI worker `retireAiWorkers` went through; `failed` with the error that stopped it. */
export type RetiredAiWorker =
  | { sid: string; outcome: 'deleted' | 'gone' | 'busy' }
  | { sid: string; outcome: 'failed'; error: unknown };

export interface AiWorkersRetired {
  workers: RetiredAiWorker[];
  /** The workers marked `opencx_ai` could not be listed: one the settings do not name may still be there. */
  listingError?: unknown;
}

/**
 * Retires every AI worker of a workspace as `retireAiWorker` does: those `named` (the settings'),
 * and any other worker marked `opencx_ai` there (a save cut short after creating it left it out of
 * the settings). A worker not there any more is `gone`; a workspace not there any more has none.
 */
export async function retireAiWorkers(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  named: readonly string[],
): Promise<AiWorkersRetired> {
  const listed = await undefinedIfNotFound(taskrouter.listWorkersMatching(workspaceSid, AI_WORKER_EXPRESSION)).then(
    (workers) => ({ sids: (workers ?? []).map((worker) => worker.sid), error: undefined }),
    (error: unknown) => ({ sids: [], error }),
  );
  const sids = [...new Set([...named, ...listed.sids])];
  const workers = await Promise.all(
    sids.map(async (sid): Promise<RetiredAiWorker> => {
      try {
        if (!(await taskrouter.fetchWorkerRouting(workspaceSid, sid))) return { sid, outcome: 'gone' };
        return { sid, outcome: await retireAiWorker(taskrouter, workspaceSid, sid) };
      } catch (error) {
        return { sid, outcome: 'failed', error };
      }
    }),
  );
  return listed.error === undefined ? { workers } : { workers, listingError: listed.error };
}

/**
 * The workspace's events go to another deployment of this integration (staging beside production):
 * the AI workers marked there are that deployment's. Its callback URL then; false when they are not.
 */
export async function takenByAnotherDeployment(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  webhookUrl: string,
): Promise<string | false> {
  const url = (await taskrouter.fetchWorkspaceCallback(workspaceSid))?.eventCallbackUrl ?? null;
  return anotherDeployment(url, webhookUrl) ? url : false;
}

/** AI workers left in a workspace the settings no longer name. */
export interface FormerAiWorkers {
  workspaceSid: string;
  workerSids: string[];
}

/**
 * The AI workers of a workspace the settings no longer name, retired (`retireAiWorkers`): what is
 * left of them, those still holding tasks or that could not be retired; undefined when none is.
 * It throws nothing: what it could not do is left for the next save.
 */
export async function retireFormerAiWorkers(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  /** This deployment's webhook: a workspace whose events go to another deployment now is that one's. */
  webhookUrl: string,
  named: readonly string[] = [],
): Promise<FormerAiWorkers | undefined> {
  const taken = await takenByAnotherDeployment(taskrouter, workspaceSid, webhookUrl).catch(() => undefined);
  if (taken === undefined) return { workspaceSid, workerSids: [...named] };
  if (taken) return undefined;
  const retired = await retireAiWorkers(taskrouter, workspaceSid, named);
  const left = retired.workers
    .filter((worker) => worker.outcome === 'busy' || worker.outcome === 'failed')
    .map((worker) => worker.sid);
  // A listing that failed may have hidden a worker: the workspace stays, to be listed again.
  return left.length > 0 || retired.listingError !== undefined ? { workspaceSid, workerSids: left } : undefined;
}

/**
 * Puts a worker of the pool right as `repairOf` planned it: the AI's skill, chat and sms open at
 * their capacity (every other channel closed), then an available activity (`availableSid`).
 */
export async function repairWorker(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  worker: KeptWorker,
  availableSid: string | undefined,
  channels?: readonly WorkerChannel[],
): Promise<void> {
  if (worker.attributes) await taskrouter.updateWorkerAttributes(workspaceSid, worker.sid, worker.attributes);
  if (worker.reopen) await setWorkerChannels(taskrouter, workspaceSid, worker.sid, AI_WORKER_CHANNELS, channels);
  if (worker.makeAvailable) await taskrouter.updateWorkerActivity(workspaceSid, worker.sid, availableSid!);
}

/**
 * Opens exactly the given task channels (those the workspace has) at their capacities and closes
 * the rest, writing only the channels that differ; returns the ones open.
 */
export async function setWorkerChannels(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  workerSid: string,
  capacities: Readonly<Record<string, number>>,
  listed?: readonly WorkerChannel[],
): Promise<string[]> {
  const channels = listed ?? (await taskrouter.listWorkerChannels(workspaceSid, workerSid));
  await Promise.all(
    channels.map((channel) => {
      const capacity = capacities[channel.taskChannel];
      if (capacity === undefined)
        return channel.available
          ? taskrouter.updateWorkerChannel(workspaceSid, workerSid, channel.sid, { available: false })
          : undefined;
      if (channel.available && channel.capacity === capacity) return undefined;
      return taskrouter.updateWorkerChannel(workspaceSid, workerSid, channel.sid, { capacity, available: true });
    }),
  );
  return channels.map((channel) => channel.taskChannel).filter((name) => capacities[name] !== undefined);
}
