// The AI worker pool, planned without I/O: which workers a settings save keeps, creates, drains
// and deletes so that the workspace holds `size` AI workers, each open at 50 chat and sms tasks.
// Shrinking never deletes a worker that holds a task: a surplus worker has its channels closed at
// once (TaskRouter offers it nothing new) and is deleted by a later save once it holds none.
import type { ReservationStatus } from '../common/twilio';
import { AI_WORKER_CHANNELS, AI_WORKER_NAME, AI_WORKER_SKILL } from './settings';

/** An AI worker (`opencx_ai: true`) as the save finds it. */
export interface PoolWorker {
  sid: string;
  friendlyName: string;
  attributes: Record<string, unknown>;
  /** Its activity is an available one. */
  available: boolean;
  /** An unavailable activity an admin set on purpose (not the one a reservation timeout sets). */
  paused?: boolean;
  /** Its activity. */
  activitySid?: string;
  /** Every task channel the worker has (the workspace's), with what it holds. */
  channels: { taskChannel: string; capacity: number; available: boolean; assignedTasks: number }[];
}

export interface StoredPool {
  pool: readonly string[];
  draining: readonly string[];
}

/** A worker kept in the pool, with what must change for it to serve. */
export interface KeptWorker {
  sid: string;
  /** Its channels are not exactly chat and sms open at 50, everything else closed. */
  reopen: boolean;
  /** Its activity is not an available one. */
  makeAvailable: boolean;
  /** Its attributes lack the AI's routing skill: the attributes to write. */
  attributes?: Record<string, unknown>;
}

export interface PoolPlan {
  keep: KeptWorker[];
  /** Names of the workers to create. */
  create: string[];
  /** Surplus workers holding tasks whose channels are still open: close them. */
  drain: string[];
  /** Surplus workers that stay draining (channels already closed, still holding tasks). */
  draining: string[];
  /** Surplus workers whose channels hold no task: delete them unless their reservations hold one. */
  remove: string[];
  /** New workers end Available; else they stay in an unavailable activity until Apply. */
  createAvailable: boolean;
  /**
   * Every worker kept of the stored pool is paused (the admin turned the AI off): new workers
   * start in this activity, paused like them, not serving.
   */
  createPausedIn?: string;
}

/** `OpenCX AI`, `OpenCX AI 2`, `OpenCX AI 3`… */
export const poolWorkerName = (index: number): string =>
  index === 0 ? AI_WORKER_NAME : `${AI_WORKER_NAME} ${index + 1}`;

/** Tasks the worker holds on all its channels (TaskRouter's `assigned_tasks`). */
export const heldTasks = (worker: { channels: readonly { assignedTasks: number }[] }): number =>
  worker.channels.reduce((sum, channel) => sum + channel.assignedTasks, 0);

/** A reservation in these holds the worker's task; deleting the worker rescinds a pending one (an AI conversation). */
export const HOLDING_RESERVATION_STATUSES: readonly ReservationStatus[] = ['pending', 'accepted', 'wrapping'];

/**
 * Tasks the worker holds by its channels and by its reservations in a holding status. Twilio does
 * not say whether `assigned_tasks` counts pending reservations, so the larger count is the one.
 */
export const tasksHeld = (
  worker: { channels: readonly { assignedTasks: number }[] },
  reservations: readonly { status: ReservationStatus }[],
): number =>
  Math.max(
    heldTasks(worker),
    reservations.filter((reservation) => HOLDING_RESERVATION_STATUSES.includes(reservation.status)).length,
  );

/** Chat and sms open at their capacity, every other channel closed. */
export function servesAsAi(
  worker:
    | Pick<PoolWorker, 'channels'>
    | { channels: readonly { taskChannel: string; capacity: number; available: boolean }[] },
): boolean {
  return worker.channels.every((channel) => {
    const capacity = AI_WORKER_CHANNELS[channel.taskChannel];
    return capacity === undefined ? !channel.available : channel.available && channel.capacity === capacity;
  });
}

const allClosed = (worker: PoolWorker): boolean => worker.channels.every((channel) => !channel.available);

function withAiMarks(attributes: Record<string, unknown>): Record<string, unknown> | undefined {
  const routing =
    attributes.routing && typeof attributes.routing === 'object' && !Array.isArray(attributes.routing)
      ? (attributes.routing as Record<string, unknown>)
      : {};
  const skills = Array.isArray(routing.skills) ? routing.skills : [];
  const skilled = skills.includes(AI_WORKER_SKILL);
  if (skilled && attributes[AI_WORKER_SKILL] === true) return undefined;
  return {
    ...attributes,
    [AI_WORKER_SKILL]: true,
    routing: skilled ? routing : { ...routing, skills: [...skills, AI_WORKER_SKILL] },
  };
}

/**
 * The workers kept are, in this order of preference: those of the stored pool (serving ones before
 * those an admin paused, so a shrink keeps the AI on), then draining ones (reopening a worker beats
 * creating one), then AI workers the settings do not know (a save cut short left them behind);
 * within each, the busiest first, so a shrink drains the quietest.
 * New workers take the first pool names no AI worker has.
 *
 * Workers are made Available only when `eventsHere` (the workspace's events come to this deployment):
 * before, TaskRouter would offer one chats (a queue of everyone matches it) that nothing answers.
 */
export function planAiPool(
  size: number,
  stored: StoredPool,
  workers: readonly PoolWorker[],
  eventsHere = true,
): PoolPlan {
  const rank = (worker: PoolWorker): number =>
    stored.pool.includes(worker.sid) ? 0 : stored.draining.includes(worker.sid) ? 1 : 2;
  // Where the worker stands in the stored settings, so a save keeps the pool's order.
  const known = [...stored.pool, ...stored.draining, ...workers.map((worker) => worker.sid)];
  const byStoredOrder = (a: PoolWorker, b: PoolWorker): number => known.indexOf(a.sid) - known.indexOf(b.sid);
  const pausedInPool = (worker: PoolWorker): boolean => !!worker.paused && stored.pool.includes(worker.sid);
  // The admin has the AI off (every worker of the pool paused): only those are kept, and new ones are
  // created paused like them; a draining or left-behind worker adopted would start serving.
  const ofPool = workers.filter((worker) => stored.pool.includes(worker.sid));
  const pausedLike = ofPool.length > 0 && ofPool.every(pausedInPool) ? ofPool.find((w) => w.activitySid) : undefined;
  const candidates = (pausedLike ? ofPool : [...workers]).sort(
    (a, b) =>
      rank(a) - rank(b) ||
      Number(pausedInPool(a)) - Number(pausedInPool(b)) ||
      heldTasks(b) - heldTasks(a) ||
      byStoredOrder(a, b),
  );
  const kept = candidates.slice(0, size).sort(byStoredOrder);
  const surplus = workers.filter((worker) => !kept.includes(worker)).sort(byStoredOrder);

  // TaskRouter's worker names are unique regardless of case.
  const used = new Set(workers.map((worker) => worker.friendlyName.toLowerCase()));
  const create: string[] = [];
  for (let index = 0; create.length < size - kept.length; index++) {
    const name = poolWorkerName(index);
    if (!used.has(name.toLowerCase())) create.push(name);
  }
  const busy = surplus.filter((worker) => heldTasks(worker) > 0);
  // A worker of the pool an admin paused stays paused: a save of other settings must not put the AI back on.
  const stayOff = (repair: KeptWorker, worker: PoolWorker): KeptWorker =>
    !eventsHere || pausedInPool(worker) ? { ...repair, makeAvailable: false } : repair;
  return {
    keep: kept.map((worker) => stayOff(repairOf(worker), worker)),
    create,
    drain: busy.filter((worker) => !allClosed(worker)).map((worker) => worker.sid),
    draining: busy.filter(allClosed).map((worker) => worker.sid),
    remove: surplus.filter((worker) => heldTasks(worker) === 0).map((worker) => worker.sid),
    createAvailable: eventsHere && !pausedLike,
    ...(pausedLike && create.length > 0 ? { createPausedIn: pausedLike.activitySid } : {}),
  };
}

/** What must change for a worker of the pool to serve: its channels, its activity, the AI's attribute and skill. */
export function repairOf(
  worker: Pick<PoolWorker, 'sid' | 'attributes' | 'available'> & {
    channels: readonly { taskChannel: string; capacity: number; available: boolean }[];
  },
): KeptWorker {
  const attributes = withAiMarks(worker.attributes);
  return {
    sid: worker.sid,
    reopen: !servesAsAi(worker),
    makeAvailable: !worker.available,
    ...(attributes ? { attributes } : {}),
  };
}

/** The worker needs no repair. */
export const serves = (repair: KeptWorker): boolean => !repair.reopen && !repair.makeAvailable && !repair.attributes;
