// The AI worker pool: its size against the settings, each worker able to take conversations, and how full it is.
import { AI_WORKER_CHANNEL_CAPACITY, aiPoolSize } from '../../common/config';
import type { WorkerRouting } from '../../common/twilio';
import { heldTasks, repairOf } from '../ai-pool';
import { AI_WORKER_SKILL } from '../settings';
import { type Check, check, type CheckStatus, fine, fixable, manual, type Verdict } from './check';

const TASK_CHANNEL = 'chat';
/** The AI pool's share of slots in use (on its busiest channel) from which the check warns. */
export const AI_POOL_BUSY_SHARE = 0.8;

/** A saved AI worker as TaskRouter shows it; `routing` undefined when it is not in the workspace. */
export interface PoolWorkerFacts {
  sid: string;
  routing?: WorkerRouting;
  /** Tasks it holds by its channels and its reservations, when read (a draining worker). */
  held?: number;
}

export interface AiPoolFacts {
  /** The expected peak of concurrent AI conversations in the settings. */
  peak: number;
  pool: PoolWorkerFacts[];
  /** Surplus workers the last save closed; deleted by a save once they hold no task. */
  draining: PoolWorkerFacts[];
  /** The AI workers (marked `opencx_ai`) in workspaces the settings named before; `workers` undefined when unread. */
  former?: { workspaceSid: string; workers?: PoolWorkerFacts[] }[];
  /**
   * Per task channel, the AI queue's tasks a worker holds, from the queue's real-time statistics:
   * they count the AI's pending reservations whether or not `assigned_tasks` does. Absent when unread.
   */
  queueHeld?: Readonly<Record<string, number>>;
}

interface WorkerGap {
  detail: string;
  fix: string;
  /** Apply fixes repairs it (Test & Save too); false: only Test & Save can (it creates workers). */
  byApply: boolean;
}

const CREATE_FIX = 'Open the OpenCX settings and click Test & Save: it creates the missing AI workers.';
const RETIRE_FIX =
  'Open the OpenCX settings and click Test & Save: it closes the AI workers of the workspaces the settings ' +
  'no longer name, and deletes those that hold no task.';

/**
 * The AI workers left in workspaces the settings named before: those still open to new tasks (which
 * the bridge, serving only the saved workspace, would never answer) as gaps, the rest as the detail.
 */
function formerWorkers(former: NonNullable<AiPoolFacts['former']>): { gaps: string[]; detail: string[] } {
  const gaps: string[] = [];
  const detail: string[] = [];
  for (const { workspaceSid, workers } of former) {
    const where = `In workspace ${workspaceSid}, which the settings no longer name,`;
    if (!workers) {
      detail.push(`${where} the AI workers could not be read.`);
      continue;
    }
    const found = workers.flatMap(({ routing, held }) => (routing ? [{ routing, held }] : []));
    const open = found.filter(({ routing }) => routing.channels.some((channel) => channel.available));
    if (open.length > 0) {
      const names = open.map(({ routing }) => `"${routing.friendlyName}" (${routing.sid})`).join(', ');
      gaps.push(`${where} AI workers still take new tasks, which nothing answers: ${names}.`);
    }
    const closed = found
      .filter((worker) => !open.includes(worker))
      .map(({ routing, held }) => `"${routing.friendlyName}" (${routing.sid}) holds ${held ?? heldTasks(routing)}`);
    if (closed.length > 0)
      detail.push(
        `${where} AI workers are left, taking no new task, deleted by a save once they hold none: ` +
          `${closed.join('; ')}.`,
      );
  }
  return { gaps, detail };
}

/** Why a saved pool worker takes no conversation, with the fix; undefined when it serves. */
function poolWorkerGap({ sid, routing: worker }: PoolWorkerFacts, unrouted?: string): WorkerGap | undefined {
  if (!worker) {
    return {
      detail: `The AI worker ${sid} saved in the settings is not in the workspace any more.`,
      fix: CREATE_FIX,
      byApply: false,
    };
  }
  const name = `"${worker.friendlyName}" (${worker.sid})`;
  if (!worker.available) {
    return {
      detail:
        `${name} is in the "${worker.activityName}" activity, which is not ` +
        'available: TaskRouter offers it no task.',
      fix: unrouted
        ? `Apply fixes sets ${name} to Available once chats reach the AI: today ${unrouted}.`
        : `Apply fixes: it sets ${name} to Available.`,
      byApply: true,
    };
  }
  const chat = worker.channels.find((channel) => channel.taskChannel === TASK_CHANNEL);
  if (!chat) {
    // Only a workspace without the chat task channel gives a worker none: nothing Apply can open.
    return {
      detail: `${name} has no chat channel, so it cannot take any conversation.`,
      fix:
        'In TaskRouter → Task Channels, create the "chat" channel; ' +
        `then apply setup opens it on ${name} with a capacity of ${AI_WORKER_CHANNEL_CAPACITY}.`,
      byApply: false,
    };
  }
  const reopen =
    `Apply fixes: it opens ${name}'s chat and sms channels ` + `with a capacity of ${AI_WORKER_CHANNEL_CAPACITY}.`;
  if (!chat.available || chat.capacity <= 0) {
    const state = !chat.available ? 'has its chat channel closed' : 'has a chat capacity of 0';
    return { detail: `${name} ${state}, so it cannot take any conversation.`, fix: reopen, byApply: true };
  }
  const repair = repairOf({ ...worker, attributes: worker.attributes ?? {} });
  if (worker.attributes && repair.attributes) {
    const marked = worker.attributes[AI_WORKER_SKILL] === true;
    const skilled = repair.attributes.routing === worker.attributes.routing;
    const lacks = [
      ...(marked ? [] : [`the attribute "${AI_WORKER_SKILL}": true`]),
      ...(skilled ? [] : [`the "${AI_WORKER_SKILL}" routing skill`]),
    ];
    const added = [...(marked ? [] : ['the attribute']), ...(skilled ? [] : ['the skill'])];
    return {
      detail:
        `${name} lacks ${lacks.join(' and ')}, ` +
        `so an AI queue that selects by ${lacks.length > 1 ? 'them' : 'it'} never offers it a task.`,
      fix: `Apply fixes: it adds ${added.join(' and ')} to ${name}.`,
      byApply: true,
    };
  }
  if (repair.reopen) {
    return {
      detail:
        `${name}'s channels are not chat and sms open at ${AI_WORKER_CHANNEL_CAPACITY} with the others closed: ` +
        'it takes fewer conversations than the pool counts on, or tasks it cannot answer (a call).',
      fix: `${reopen} It closes the others.`,
      byApply: true,
    };
  }
  return undefined;
}

/**
 * What the AI workers that take no new conversation (draining, or pool workers that do not serve) hold:
 * per task channel by their channels' `assigned_tasks`, and `unplaced` the tasks their reservations
 * show beyond that (`held`), whose channel is not known.
 */
export interface HeldOutside {
  byChannel: Readonly<Record<string, number>>;
  unplaced: number;
}

export function heldOutside(workers: readonly PoolWorkerFacts[]): HeldOutside {
  const byChannel: Record<string, number> = {};
  let unplaced = 0;
  for (const { routing, held } of workers) {
    if (!routing) continue;
    for (const channel of routing.channels)
      byChannel[channel.taskChannel] = (byChannel[channel.taskChannel] ?? 0) + channel.assignedTasks;
    unplaced += Math.max(0, (held ?? 0) - heldTasks(routing));
  }
  return { byChannel, unplaced };
}

const NOTHING_OUTSIDE: HeldOutside = { byChannel: {}, unplaced: 0 };

/**
 * The AI queue's tasks on a channel that the serving workers hold: the queue's statistics count every
 * worker's, so what the others hold is taken off. Their unplaced tasks may each be on this channel
 * (`least`), or on this one only as many as the other channels cannot hold (`most`).
 */
export function servingQueueHeldRange(
  taskChannel: string,
  queueHeld: Readonly<Record<string, number>>,
  outside: HeldOutside,
): { least: number; most: number } {
  const left = (channel: string) => Math.max(0, (queueHeld[channel] ?? 0) - (outside.byChannel[channel] ?? 0));
  const elsewhere = Object.keys(queueHeld)
    .filter((channel) => channel !== taskChannel)
    .reduce((sum, channel) => sum + left(channel), 0);
  return {
    least: Math.max(0, left(taskChannel) - outside.unplaced),
    most: Math.max(0, left(taskChannel) - Math.max(0, outside.unplaced - elsewhere)),
  };
}

/**
 * Slots in use over slots open, per task channel, across the serving workers (TaskRouter's
 * assigned_tasks and configured_capacity); in use is at least what the AI queue's statistics say
 * its workers hold (`queueHeld`), as assigned_tasks may leave pending reservations out, less what
 * the workers that take no new conversation hold (`outside`): after a shrink, the draining workers'
 * conversations fill no serving slot. `atMost`: in use may be up to this many, when which channel
 * those conversations are on is not known.
 */
export function poolUtilisation(
  workers: readonly WorkerRouting[],
  queueHeld: Readonly<Record<string, number>> = {},
  outside: HeldOutside = NOTHING_OUTSIDE,
): { taskChannel: string; assigned: number; capacity: number; atMost?: number }[] {
  const channels = new Map<string, { taskChannel: string; assigned: number; capacity: number }>();
  for (const channel of workers.flatMap((worker) => worker.channels).filter((c) => c.available && c.capacity > 0)) {
    const sum = channels.get(channel.taskChannel) ?? { taskChannel: channel.taskChannel, assigned: 0, capacity: 0 };
    channels.set(channel.taskChannel, {
      ...sum,
      assigned: sum.assigned + channel.assignedTasks,
      capacity: sum.capacity + channel.capacity,
    });
  }
  return [...channels.values()].map((use) => {
    const { least, most } = servingQueueHeldRange(use.taskChannel, queueHeld, outside);
    const assigned = Math.max(use.assigned, least);
    const atMost = Math.max(use.assigned, most);
    return { ...use, assigned, ...(atMost > assigned && { atMost }) };
  });
}

/**
 * The AI worker pool: as many workers as the peak in the settings needs, each Available with
 * chat open; how full it is from TaskRouter's worker channel statistics (a warning from 80 %,
 * when new conversations will soon wait for an AI slot); and the surplus workers still draining.
 */
/** `unrouted`: why no chat would reach the AI after an Apply as the check sees it (Apply then opens no worker). */
export function aiWorkerCheck(facts: AiPoolFacts, unrouted?: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('ai_worker', 'AI worker', status, v);
  const wanted = aiPoolSize(facts.peak);
  const gaps = facts.pool
    .map((worker) => poolWorkerGap(worker, unrouted))
    .filter((gap): gap is WorkerGap => gap !== undefined);
  const serves = (worker: PoolWorkerFacts): worker is PoolWorkerFacts & { routing: WorkerRouting } =>
    !!worker.routing && !poolWorkerGap(worker);
  const serving = facts.pool.filter(serves).map((worker) => worker.routing);
  const size =
    `${serving.length} of ${wanted} AI worker${wanted === 1 ? '' : 's'} serving (a peak of ${facts.peak} ` +
    `concurrent conversations, ${AI_WORKER_CHANNEL_CAPACITY} a worker)`;
  // The AI queue's statistics count the draining workers' conversations, and those of pool workers that do not serve.
  const outside = heldOutside([...facts.pool.filter((worker) => !serves(worker)), ...facts.draining]);
  const usage = poolUtilisation(serving, facts.queueHeld, outside);
  // Judged by what may be in use: a pool nearly full must not pass for one half empty.
  const inUse = (u: (typeof usage)[number]) => u.atMost ?? u.assigned;
  const busiest = usage.reduce<(typeof usage)[number] | undefined>(
    (top, u) => (!top || inUse(u) / u.capacity > inUse(top) / top.capacity ? u : top),
    undefined,
  );
  const share = busiest ? inUse(busiest) / busiest.capacity : 0;
  const workers = serving.map((worker) => {
    const slots = worker.channels
      .filter((c) => c.available && c.capacity > 0)
      .map((c) => `${c.taskChannel} ${c.assignedTasks}/${c.capacity}`);
    return `"${worker.friendlyName}" (${worker.sid}) ${worker.activityName}, ${slots.join(', ')}`;
  });
  const former = formerWorkers(facts.former ?? []);
  const draining = facts.draining.flatMap(({ routing, held }) =>
    routing ? [`"${routing.friendlyName}" (${routing.sid}) holds ${held ?? heldTasks(routing)}`] : [],
  );
  const detail = [
    `${size}: ${workers.join('; ') || 'none'}.`,
    ...usage.map((u) => {
      const percent = (n: number) => Math.round((n * 100) / u.capacity);
      return u.atMost === undefined
        ? `${u.taskChannel}: ${u.assigned} of ${u.capacity} slots in use (${percent(u.assigned)} %).`
        : `${u.taskChannel}: ${u.assigned} to ${u.atMost} of ${u.capacity} slots in use ` +
            `(${percent(u.assigned)} to ${percent(u.atMost)} %).`;
    }),
    ...(usage.some((u) => u.atMost !== undefined)
      ? ["TaskRouter does not say which channel each of the other AI workers' conversations is on."]
      : []),
    ...(draining.length > 0
      ? [`Draining, taking no new conversation, deleted by a save once they hold none: ${draining.join('; ')}.`]
      : []),
    ...former.detail,
  ].join(' ');
  const missing = wanted - facts.pool.length;
  if (gaps.length > 0 || missing > 0 || former.gaps.length > 0) {
    const found = [
      ...gaps.map((gap) => gap.detail),
      ...(missing > 0
        ? [`The settings keep ${facts.pool.length} AI workers, ${missing} fewer than the peak needs.`]
        : []),
      ...former.gaps,
    ];
    const fixes = [
      ...new Set([
        ...gaps.map((gap) => gap.fix),
        ...(missing > 0 ? [CREATE_FIX] : []),
        ...(former.gaps.length > 0 ? [RETIRE_FIX] : []),
      ]),
    ];
    const byApply = missing <= 0 && former.gaps.length === 0 && gaps.every((gap) => gap.byApply);
    return verdict('problem', (byApply ? fixable : manual)(`${found.join(' ')} ${detail}`, fixes.join(' ')));
  }
  if (busiest && share >= AI_POOL_BUSY_SHARE) {
    return verdict(
      'warning',
      manual(
        `The AI pool is ${busiest.atMost === undefined ? '' : 'up to '}${Math.round(share * 100)} % full on ` +
          `${busiest.taskChannel}: ` +
          `new conversations will soon wait in the queue for an AI slot. ${detail}`,
        'In the OpenCX settings, raise the peak of concurrent AI conversations (each ' +
          `${AI_WORKER_CHANNEL_CAPACITY} more adds an AI worker) and click Test & Save.`,
      ),
    );
  }
  return verdict('ok', fine(detail));
}
