// The queue an offer to an AI worker came through, and whether the workflow targets that worker
// through it, read beside the record: a new engage needs them (decide's `servesAi`). Kept a minute
// per queue, workflow and worker in a warm container; they rarely change.
import { aiMembership, filterTargets } from '../admin-lib/setup/expressions';
import type { TaskQueueSummary, TaskRouterApi } from '../common/twilio';
import type { BridgeEvent } from './events';

/** The offer's queue; `aiTarget`: a filter of the offer's workflow targets the AI through it (by worker). */
export type OfferRoute = TaskQueueSummary & { aiTarget: boolean };

interface Offer {
  workspaceSid: string;
  queueSid: string;
  workflowSid: string;
  workerSid: string;
}

const KEEP_MS = 60_000;
const known = new Map<string, { route: OfferRoute; until: number }>();

/**
 * The route of an offer to a worker marked `opencx_ai`; undefined for any other event, or when the
 * queue or workflow cannot be read (the offer is then judged without it, as before).
 */
export async function offerRouteOf(
  event: BridgeEvent,
  taskrouter: TaskRouterApi,
  now = Date.now(),
): Promise<OfferRoute | undefined> {
  const offer = offerOf(event);
  if (!offer) return undefined;
  const key = `${offer.queueSid}/${offer.workflowSid}/${offer.workerSid}`;
  const kept = known.get(key);
  if (kept && kept.until > now) return kept.route;
  const [queue, configuration] = await Promise.all([
    taskrouter.fetchTaskQueue(offer.workspaceSid, offer.queueSid),
    taskrouter.fetchWorkflowConfigurationText(offer.workspaceSid, offer.workflowSid),
  ]).catch(() => []);
  if (!queue || configuration === undefined) return undefined;
  const route = { ...queue, aiTarget: targetsWorkerThrough(configuration, offer.queueSid, offer.workerSid) };
  known.set(key, { route, until: now + KEEP_MS });
  return route;
}

function offerOf(event: BridgeEvent): Offer | undefined {
  if (event.surface !== 'taskrouter' || event.type !== 'reservation.created' || !event.workerIsAi) return undefined;
  const { workspaceSid, taskQueueSid, workflowSid, workerSid } = event;
  return taskQueueSid && workflowSid && workerSid
    ? { workspaceSid, queueSid: taskQueueSid, workflowSid, workerSid }
    : undefined;
}

/** The route an offer timer carries (`offerTimerFor`), as the first handling of its offer read it. */
export function carriedRoute(value: unknown): OfferRoute | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { sid, friendlyName, targetWorkers, aiTarget } = value as Record<string, unknown>;
  return typeof sid === 'string' && typeof targetWorkers === 'string' && typeof aiTarget === 'boolean'
    ? { sid, friendlyName: typeof friendlyName === 'string' ? friendlyName : '', targetWorkers, aiTarget }
    : undefined;
}

/** A filter target through `queueSid` that names the worker, or selects workers by `opencx_ai`. */
export function targetsWorkerThrough(configuration: string, queueSid: string, workerSid: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(configuration);
  } catch {
    return false;
  }
  const filters = (parsed as { task_routing?: { filters?: unknown } } | null)?.task_routing?.filters;
  if (!Array.isArray(filters)) return false;
  return filters.some(
    (filter) =>
      !!filter &&
      typeof filter === 'object' &&
      filterTargets(filter as Record<string, unknown>).some(
        (target) =>
          target.queue === queueSid &&
          (target.known_worker_sid === workerSid || aiMembership(String(target.expression ?? '')) === 'includes'),
      ),
  );
}
