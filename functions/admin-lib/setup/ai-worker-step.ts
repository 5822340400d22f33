// Apply's AI worker step: each worker of the saved pool made able to take conversations, as a
// settings save leaves it (see repairOf): Available, chat and sms open at their capacity, the
// AI's skill. Creating a missing worker stays with Test & Save, which sizes the pool.
import { aiIsRouted, pickAvailableActivity } from '../../bridge/ai-worker';
import { aiPoolOf, aiWorkersOf, type BridgeConfig } from '../../common/config';
import { type TaskRouterApi, twilioStatus, undefinedIfNotFound, type WorkerSummary } from '../../common/twilio';
import { type KeptWorker, repairOf, serves } from '../ai-pool';
import { repairWorker } from '../ai-worker';
import { bridgeNotReady } from './ai-routing-steps';
import {
  type AiWorkerBackup,
  failureReason,
  NO_AI_WORKER_FOUND,
  type SettledStep,
  type SetupStep,
  type StepPlan,
  type StepReport,
} from './steps';

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

/** A worker Apply set to Available, with the activity it had before. */
interface OpenedWorker {
  sid: string;
  friendlyName: string;
  activitySid: string;
}

/**
 * `unrouted`: why no chat would reach the AI once Apply is done, given what the earlier steps did (its
 * workers are then not made Available). The workers it opens are put back once the last stage has
 * ended, should no workflow route chats to the AI then (see `holdWorkers`), through `settling` when given (a
 * budget of its own, which a stage whose request hung cannot have used up).
 */
export function aiWorkerStep(
  taskrouter: TaskRouterApi,
  config: BridgeConfig,
  unrouted: (earlier: readonly StepReport[]) => string | undefined = () => undefined,
  settling: () => TaskRouterApi = () => taskrouter,
): SetupStep<PoolWorkerState[]> {
  const workspaceSid = config.workspaceSid;
  // What the write set out to open (whether or not each write went through), the activity it opened them
  // to (none when it got no further than looking it up), and whether that was all it did.
  let opened: OpenedWorker[] = [];
  let openedTo: string | undefined;
  let onlyActivity = false;
  return {
    id: 'ai_worker',
    title: 'AI worker',
    read: () => Promise.all(aiPoolOf(config).map((sid) => readAiWorker(taskrouter, workspaceSid, sid))),
    plan: (current, earlier) =>
      aiWorkerPlan(
        current ?? [],
        workspaceSid,
        async (repairs) => {
          const found = (current ?? []).filter(present);
          opened = repairs.flatMap((repair) => {
            const worker = repair.makeAvailable ? found.find((w) => w.sid === repair.sid) : undefined;
            return worker
              ? [{ sid: worker.sid, friendlyName: worker.friendlyName, activitySid: worker.activitySid }]
              : [];
          });
          onlyActivity = repairs.every((repair) => !repair.reopen && !repair.attributes);
          const available = repairs.some((repair) => repair.makeAvailable)
            ? pickAvailableActivity(await taskrouter.listActivities(workspaceSid), workspaceSid)
            : undefined;
          openedTo = available?.sid;
          await Promise.all(repairs.map((repair) => repairWorker(taskrouter, workspaceSid, repair, available?.sid)));
        },
        bridgeNotReady(earlier) ?? unrouted(earlier),
      ),
    settle: async (own, all) =>
      opened.length === 0
        ? { report: own, undone: false }
        : holdWorkers(settling, config, { opened, openedTo, onlyActivity }, own, all),
  };
}

/**
 * Whether the AI workers Apply opened may stay Available (pure): only while a workflow routes chats to
 * the AI, as read once the workflow step ended (`routedNow`; its write may have landed though its
 * answer was lost). When that read failed, as the workflow step's report tells: applied or unchanged,
 * it left the AI's filter in place (Apply opens the workers only when it will).
 */
export function openedMayStay(routedNow: boolean | undefined, workflowStep: StepReport | undefined): boolean {
  if (routedNow !== undefined) return routedNow;
  return workflowStep?.status === 'applied' || workflowStep?.status === 'unchanged';
}

/** Why the workers Apply opened are put back, in the admin's words (pure). */
export function whyHeldAfterApply(routedNow: boolean | undefined, workflowStep: StepReport | undefined): string {
  const step =
    workflowStep?.status === 'failed'
      ? 'the workflow step failed'
      : workflowStep?.status === 'skipped'
        ? 'the workflow step added no AI filter'
        : undefined;
  if (routedNow === undefined) return `the workflows could not be read back, and ${step ?? 'the workflow step failed'}`;
  return step ? `no workflow routes chats to the AI (${step})` : 'no workflow routes chats to the AI';
}

/**
 * What the settle does with a worker Apply set out to open, as read back (pure; `unread` when the read
 * failed): put back only while it is in the activity Apply set. One in its activity before Apply was
 * not opened (its write failed) or is back already; one in another was set so since, by an admin or
 * TaskRouter, and is left. Unread, it is put back: left Available, it would be offered chats the AI
 * only declines. `gone`: deleted since.
 */
export function settleOf(
  worker: Pick<OpenedWorker, 'activitySid'>,
  openedTo: string | undefined,
  now: Pick<WorkerSummary, 'activitySid'> | undefined | 'unread',
): 'put_back' | 'already_back' | 'changed' | 'gone' {
  if (openedTo === undefined) return 'already_back';
  if (now === 'unread') return 'put_back';
  if (now === undefined) return 'gone';
  if (now.activitySid === openedTo) return 'put_back';
  return now.activitySid === worker.activitySid ? 'already_back' : 'changed';
}

/** What became of the workers Apply opened, once no workflow routes chats to the AI. */
export interface HeldWorkers {
  /** Each put back to its activity before Apply: `"name" (WK…) to "Offline"`. */
  putBack: string[];
  /** Each found in its activity before Apply (not opened, or back already): `"name" (WK…) in "Offline"`. */
  alreadyBack?: string[];
  /** Each found in another activity, set since Apply and left: `"name" (WK…) in "Break"`. */
  changed?: string[];
  /** Each still Available, with why it could not be put back. */
  stillOpen: string[];
  /** Opening them was all the step wrote: with none still open, nothing of it is left. */
  onlyActivity: boolean;
}

/**
 * The AI worker step's report once the workers it opened were put back (pure): `skipped` when that
 * was all it wrote (the workers are held, as when the earlier steps keep them off), `failed` when
 * one is still Available, its own status otherwise; the detail says which and why.
 */
export function heldWorkersReport(own: StepReport, held: HeldWorkers, why: string): StepReport {
  const [alreadyBack, changed] = [held.alreadyBack ?? [], held.changed ?? []];
  if ([held.putBack, alreadyBack, changed, held.stillOpen].every((workers) => workers.length === 0)) return own;
  const back =
    held.putBack.length > 0
      ? ` Put back to their activity before Apply, as ${why}: ${held.putBack.join(', ')}. ` +
        'They are made Available by the next Apply whose workflow step routes chats to the AI.'
      : '';
  const notOpen =
    alreadyBack.length > 0 ? ` Not Available, already in their activity before Apply: ${alreadyBack.join(', ')}.` : '';
  const left =
    changed.length > 0 ? ` Left as they are, their activity changed since Apply: ${changed.join(', ')}.` : '';
  const open =
    held.stillOpen.length > 0
      ? ` Still Available though ${why}: ${held.stillOpen.join('; ')}. TaskRouter may offer them chats the AI ` +
        'only declines: set them Offline in TaskRouter, or apply again.'
      : '';
  const status =
    held.stillOpen.length > 0 || own.status === 'failed'
      ? 'failed'
      : held.onlyActivity && own.status === 'applied'
        ? 'skipped'
        : own.status;
  return { ...own, status, detail: `${own.detail}${back}${notOpen}${left}${open}` };
}

/** Nothing of the step's write is left once it settled (pure): it only opened workers, and none is still open. */
export const heldUndoesAll = (held: HeldWorkers): boolean => held.onlyActivity && held.stillOpen.length === 0;

/** What the AI worker step's write set out to do, for its settle. */
interface Opening {
  opened: readonly OpenedWorker[];
  openedTo: string | undefined;
  onlyActivity: boolean;
}

/**
 * Puts the workers Apply opened back to their activity before it, unless a workflow routes chats to
 * the AI now: a workflow step that failed (a Twilio error, the workflow edited since the check) or
 * added no AI filter would leave them Available, offered only chats of a queue of everyone, which
 * the bridge declines or leaves to time out, until the next Apply.
 */
async function holdWorkers(
  settling: () => TaskRouterApi,
  config: BridgeConfig,
  { opened, openedTo, onlyActivity }: Opening,
  own: StepReport,
  all: readonly StepReport[],
): Promise<SettledStep> {
  const workflowStep = all.find((report) => report.id === 'workflow_filters');
  // Applied or unchanged, the workflow step left the AI's filter in place: nothing to read.
  if (openedMayStay(undefined, workflowStep)) return { report: own, undone: false };
  const taskrouter = settling();
  const { workspaceSid } = config;
  const route = { aiQueueSid: config.aiQueueSid, aiWorkerSids: aiWorkersOf(config) };
  // Two round trips, within the settle's budget: the workers are read with the workflows, so an activity
  // set between that read and the put-back (one round trip) is still overwritten; closing that window
  // would take a third round trip per worker, which the budget does not leave.
  const [routedNow, activities, workers] = await Promise.all([
    aiIsRouted(taskrouter, workspaceSid, route).catch(() => undefined),
    taskrouter.listActivities(workspaceSid).catch(() => []),
    Promise.all(
      opened.map((worker) => taskrouter.fetchWorker(workspaceSid, worker.sid).catch(() => 'unread' as const)),
    ),
  ]);
  if (openedMayStay(routedNow, workflowStep)) return { report: own, undone: false };
  const activityName = (sid: string) => activities.find((a) => a.sid === sid)?.friendlyName ?? sid;
  const outcomes = await Promise.all(
    opened.map(async (worker, i) => {
      const name = `"${worker.friendlyName}" (${worker.sid})`;
      const now = workers[i];
      const settle = settleOf(worker, openedTo, now);
      if (settle === 'gone') return {};
      if (settle === 'already_back') return { alreadyBack: `${name} in "${activityName(worker.activitySid)}"` };
      if (settle === 'changed' && typeof now === 'object')
        return { changed: `${name} in "${activityName(now.activitySid)}"` };
      try {
        await taskrouter.updateWorkerActivity(workspaceSid, worker.sid, worker.activitySid);
        return { putBack: `${name} to "${activityName(worker.activitySid)}"` };
      } catch (error) {
        // Deleted since: nothing left to put back.
        if (twilioStatus(error) === 404) return {};
        return { stillOpen: `${name}: it could not be put back (${failureReason(error)})` };
      }
    }),
  );
  const held: HeldWorkers = {
    putBack: outcomes.flatMap((outcome) => (outcome.putBack ? [outcome.putBack] : [])),
    alreadyBack: outcomes.flatMap((outcome) => (outcome.alreadyBack ? [outcome.alreadyBack] : [])),
    changed: outcomes.flatMap((outcome) => (outcome.changed ? [outcome.changed] : [])),
    stillOpen: outcomes.flatMap((outcome) => (outcome.stillOpen ? [outcome.stillOpen] : [])),
    onlyActivity,
  };
  return {
    report: heldWorkersReport(own, held, whyHeldAfterApply(routedNow, workflowStep)),
    undone: heldUndoesAll(held),
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
