// TaskRouter (taskrouter.twilio.com/v1) with real state machines: workflow routing through the
// expression evaluator, reservations with timeouts, worker activities and channel capacity, task
// TTLs, and workspace event callbacks delivered in order. Facts: docs/twilio-notes.md.
//
// Decisions where Twilio's docs are silent (documented here, switches where TWILIO_NOTES says [open]):
// - If-Match mismatch answers HTTP 412 with code 20412 (PRECONDITION_FAILED_CODE). ETag = task revision.
// - Target timeouts count from entering the filter (cumulative); when the last target times out the
//   task falls to the default_filter, or, without one, `workflow.timeout` fires and the task is
//   canceled with reason "Workflow Timeout". No matching filter and no default_filter: the same.
// - A reject/timeout re-evaluates the task in its current filter; the filters run again only when the
//   attributes changed. A worker that rejected a task is not offered it again until it changes target.
// - One reservation per task at a time, offered to the least recently reserved eligible worker;
//   waiting tasks are served by priority, then time in queue (queue TaskOrder LIFO and order_by are
//   not simulated). skip_if sees `workers.available` = eligible workers for that target.
// - The task's channel must be available with free capacity; without MultiTaskEnabled the worker
//   must also hold no other task.
// - A new workflow Configuration re-routes its pending tasks only with ReEvaluateTasks=true (the
//   default is false: "Tasks in the Workflow will not be processed through the assignment loop
//   again"); without it a pending task stays in its target until something else moves it. A
//   reserved task keeps its reservation either way, and is routed by the new Configuration once
//   that reservation ends ([open]: whether ReEvaluateTasks also cancels pending reservations).
// - Creating a task with RoutingTarget/TaskQueueSid (no workflow) is refused with 400: not simulated.
// - Deleting a worker rescinds its pending reservations (reservation.rescinded); a worker with an
//   accepted/wrapping reservation cannot be deleted (400).
// - Completed/canceled tasks are removed 5 minutes later without an event.
// - A worker channel holds at most 50 tasks (TaskRouter's limits page): a capacity above 50, set
//   by REST or when a test seeds a worker, is refused with 400 / 20001 (Invalid parameter; Twilio
//   documents no code of its own for it), and no reservation takes a channel past 50.
import { invalidParameter, notFound, TwilioApiError } from './errors';
import { newSid } from './sids';
import type { SimulatorModule, TwilioSimulator, WebhookDelivery } from './simulator';
import { buildEventParams, eventPassesFilter, type EventSubject } from './taskrouter-events';
import { taskEtag } from './taskrouter-render';
import { registerTaskRouterRoutes } from './taskrouter-routes';
import {
  ACTIVE_RESERVATION_STATUSES,
  type ActivityState,
  type Attributes,
  type RecordedEvent,
  type ReservationState,
  type ReservationStatus,
  type TaskChannelState,
  type TaskQueueState,
  type TaskState,
  type TaskStatus,
  type WorkerChannelState,
  type WorkerState,
  type WorkflowState,
  type WorkflowTarget,
  type WorkspaceState,
} from './taskrouter-state';
import {
  checkExpression,
  compileExpression,
  DEFAULT_FILTER_INDEX,
  defaultFilter,
  dueTargetIndex,
  type FilterMatch,
  filterAt,
  matchFilter,
  parseWorkflowConfiguration,
  targetDeadline,
  targetQueue,
} from './taskrouter-workflow';

export * from './taskrouter-state';

export const DEFAULT_TASK_TIMEOUT_SECONDS = 86_400;
export const MAX_TASK_TIMEOUT_SECONDS = 1_209_600;
export const DEFAULT_RESERVATION_TIMEOUT_SECONDS = 120;
export const MAX_RESERVATION_TIMEOUT_SECONDS = 86_400;
export const TASK_TTL_EXCEEDED = 'Task TTL Exceeded';
export const WORKFLOW_TIMEOUT_REASON = 'Workflow Timeout';
export const RESERVATION_COMPLETED_REASON = 'Reservation completed';
/** Twilio documents no code for a TaskRouter If-Match mismatch; 20412 mirrors the HTTP status. */
export const PRECONDITION_FAILED_CODE = 20412;
/** TaskRouter's cap on the tasks one worker holds on one task channel. */
export const MAX_WORKER_CHANNEL_CAPACITY = 50;
const EVENT_CALLBACK_TIMEOUT_MS = 15_000;
const FINISHED_TASK_RETENTION_MS = 5 * 60 * 1000;

const DEFAULT_ACTIVITIES: ReadonlyArray<[string, boolean]> = [
  ['Offline', false],
  ['Available', true],
  ['Unavailable', false],
  ['Break', false],
];
const DEFAULT_TASK_CHANNELS: ReadonlyArray<[string, string]> = [
  ['default', 'Default'],
  ['voice', 'Voice'],
  ['chat', 'Chat'],
  ['sms', 'SMS'],
  ['video', 'Video'],
];

export interface CreateWorkspaceOptions {
  friendlyName: string;
  eventCallbackUrl?: string;
  eventsFilter?: string;
  multiTaskEnabled?: boolean;
  prioritizeQueueOrder?: 'FIFO' | 'LIFO';
}

export interface WorkspaceUpdate {
  friendlyName?: string;
  /** '' clears it. */
  eventCallbackUrl?: string;
  /** '' clears it. */
  eventsFilter?: string;
  multiTaskEnabled?: boolean;
  timeoutActivitySid?: string;
  defaultActivitySid?: string;
  prioritizeQueueOrder?: 'FIFO' | 'LIFO';
}

export interface QueueStatistics {
  queueSid: string;
  tasksByStatus: { pending: number; reserved: number; assigned: number; wrapping: number };
  eligibleWorkers: number;
  availableWorkers: number;
}

export interface TaskQueueOptions {
  friendlyName: string;
  targetWorkers?: string;
  maxReservedWorkers?: number;
  taskOrder?: 'FIFO' | 'LIFO';
  reservationActivitySid?: string;
  assignmentActivitySid?: string;
}

export interface WorkflowOptions {
  friendlyName: string;
  /** A configuration object or its JSON string. */
  configuration: object | string;
  taskReservationTimeout?: number;
  assignmentCallbackUrl?: string;
  fallbackAssignmentCallbackUrl?: string;
  /** ReEvaluateTasks: a new Configuration routes the workflow's pending tasks again. */
  reEvaluateTasks?: boolean;
}

export interface WorkerOptions {
  friendlyName: string;
  attributes?: object;
  /** Friendly name of the starting activity (default: the workspace's DefaultActivity). */
  activityName?: string;
  activitySid?: string;
  /** Capacity per task channel unique name; channels not listed get capacity 1. */
  channelCapacity?: Record<string, number>;
}

export interface WorkerUpdate {
  friendlyName?: string;
  attributes?: object;
  activitySid?: string;
  rejectPendingReservations?: boolean;
}

export interface TaskOptions {
  workflowSid: string;
  attributes: object;
  /** Unique name or TC sid; default `default`. */
  taskChannel?: string;
  priority?: number;
  timeout?: number;
}

export interface TaskUpdate {
  attributes?: object;
  priority?: number;
  assignmentStatus?: TaskStatus;
  reason?: string;
  /** ETag the caller last saw; a mismatch answers 412. */
  ifMatch?: string;
}

interface WorkspaceRuntime {
  /** Tail of this workspace's event deliveries: events go out one after another, in order. */
  delivery: Promise<unknown>;
  dispatching: boolean;
  dispatchAgain: boolean;
  timers: Map<string, number>;
}

type TimerKind = 'ttl' | 'target' | 'reservation' | 'cleanup';

export class TaskRouterSim implements SimulatorModule {
  readonly workspaces = new Map<string, WorkspaceState>();
  readonly events: RecordedEvent[] = [];
  private sim?: TwilioSimulator;
  private readonly runtimes = new Map<string, WorkspaceRuntime>();

  register(sim: TwilioSimulator): void {
    this.sim = sim;
    registerTaskRouterRoutes(sim, this);
  }

  snapshot(): unknown {
    const plain = JSON.stringify({ workspaces: this.workspaces, events: this.events }, (_key, value: unknown) =>
      value instanceof Map ? Object.fromEntries(value) : value,
    );
    return JSON.parse(plain) as unknown;
  }

  reset(): void {
    for (const runtime of this.runtimes.values()) {
      for (const id of runtime.timers.values()) this.sim?.clock.cancel(id);
    }
    this.runtimes.clear();
    this.workspaces.clear();
    this.events.length = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups

  workspace(workspaceSid: string): WorkspaceState {
    return found(this.workspaces.get(workspaceSid), `/Workspaces/${workspaceSid}`);
  }

  getTask(workspaceSid: string, taskSid: string): TaskState {
    return found(this.workspace(workspaceSid).tasks.get(taskSid), `/Workspaces/${workspaceSid}/Tasks/${taskSid}`);
  }

  getWorker(workspaceSid: string, workerSid: string): WorkerState {
    return found(
      this.workspace(workspaceSid).workers.get(workerSid),
      `/Workspaces/${workspaceSid}/Workers/${workerSid}`,
    );
  }

  getReservation(workspaceSid: string, reservationSid: string): ReservationState {
    return found(
      this.workspace(workspaceSid).reservations.get(reservationSid),
      `/Workspaces/${workspaceSid}/Reservations/${reservationSid}`,
    );
  }

  /** Every reservation the task has had, oldest first. */
  reservationsFor(workspaceSid: string, taskSid: string): ReservationState[] {
    return [...this.workspace(workspaceSid).reservations.values()].filter((r) => r.taskSid === taskSid);
  }

  /** Activity by SID or friendly name. */
  findActivity(ws: WorkspaceState, ref: string): ActivityState | undefined {
    return ws.activities.get(ref) ?? [...ws.activities.values()].find((a) => a.friendlyName === ref);
  }

  /** Task channel by SID or unique name. */
  findTaskChannel(ws: WorkspaceState, ref: string): TaskChannelState | undefined {
    return ws.taskChannels.get(ref) ?? [...ws.taskChannels.values()].find((c) => c.uniqueName === ref);
  }

  /**
   * A queue's real-time statistics: its tasks by status (on one task channel when `taskChannel`,
   * a SID or unique name, is given) and the workers its TargetWorkers admit.
   */
  queueStatistics(workspaceSid: string, queueSid: string, taskChannel?: string): QueueStatistics {
    const ws = this.workspace(workspaceSid);
    const queue = ws.taskQueues.get(queueSid);
    if (!queue) throw notFound(`TaskQueue ${queueSid} not found`);
    const channel = taskChannel === undefined ? undefined : this.findTaskChannel(ws, taskChannel);
    if (taskChannel !== undefined && !channel) throw invalidParameter(`TaskChannel ${taskChannel} not found`);
    const tasksByStatus = { pending: 0, reserved: 0, assigned: 0, wrapping: 0 };
    for (const task of ws.tasks.values()) {
      if (task.taskQueueSid !== queue.sid || (channel && task.taskChannelSid !== channel.sid)) continue;
      if (task.assignmentStatus in tasksByStatus) tasksByStatus[task.assignmentStatus as keyof typeof tasksByStatus]++;
    }
    const member = compileExpression(queue.targetWorkers, 'worker');
    const eligible = [...ws.workers.values()].filter((worker) => member.evaluate({}, worker.attributes));
    return {
      queueSid: queue.sid,
      tasksByStatus,
      eligibleWorkers: eligible.length,
      availableWorkers: eligible.filter((worker) => ws.activities.get(worker.activitySid)?.available).length,
    };
  }

  /** Worker channel by WC sid, TC sid or task channel unique name (Twilio accepts all three). */
  findWorkerChannel(worker: WorkerState, ref: string): WorkerChannelState | undefined {
    return worker.channels.find((c) => c.sid === ref || c.taskChannelSid === ref || c.taskChannelUniqueName === ref);
  }

  // ---------------------------------------------------------------------------------------------
  // Workspace, activities, channels, queues, workflows

  createWorkspace(opts: CreateWorkspaceOptions): WorkspaceState {
    const now = this.now();
    const ws: WorkspaceState = {
      sid: newSid('WS'),
      friendlyName: opts.friendlyName,
      eventCallbackUrl: opts.eventCallbackUrl || undefined,
      eventsFilter: opts.eventsFilter || undefined,
      // The API creates multi-tasking workspaces unless asked otherwise.
      multiTaskEnabled: opts.multiTaskEnabled ?? true,
      prioritizeQueueOrder: opts.prioritizeQueueOrder ?? 'FIFO',
      defaultActivitySid: '',
      timeoutActivitySid: '',
      dateCreated: now,
      dateUpdated: now,
      activities: new Map(),
      taskChannels: new Map(),
      taskQueues: new Map(),
      workflows: new Map(),
      workers: new Map(),
      tasks: new Map(),
      reservations: new Map(),
    };
    this.workspaces.set(ws.sid, ws);
    for (const [name, available] of DEFAULT_ACTIVITIES) this.createActivity(ws.sid, name, available);
    for (const [uniqueName, friendlyName] of DEFAULT_TASK_CHANNELS)
      this.createTaskChannel(ws.sid, { uniqueName, friendlyName });
    const offline = this.findActivity(ws, 'Offline')!.sid;
    ws.defaultActivitySid = offline;
    ws.timeoutActivitySid = offline;
    return ws;
  }

  updateWorkspace(workspaceSid: string, update: WorkspaceUpdate): WorkspaceState {
    const ws = this.workspace(workspaceSid);
    for (const sid of [update.timeoutActivitySid, update.defaultActivitySid]) {
      if (sid !== undefined && !ws.activities.has(sid))
        throw invalidParameter(`Activity ${sid} does not exist in workspace ${ws.sid}`);
    }
    if (update.friendlyName !== undefined) ws.friendlyName = update.friendlyName;
    if (update.eventCallbackUrl !== undefined) ws.eventCallbackUrl = update.eventCallbackUrl || undefined;
    if (update.eventsFilter !== undefined) ws.eventsFilter = update.eventsFilter || undefined;
    if (update.timeoutActivitySid !== undefined) ws.timeoutActivitySid = update.timeoutActivitySid;
    if (update.defaultActivitySid !== undefined) ws.defaultActivitySid = update.defaultActivitySid;
    if (update.prioritizeQueueOrder !== undefined) ws.prioritizeQueueOrder = update.prioritizeQueueOrder;
    if (update.multiTaskEnabled !== undefined) ws.multiTaskEnabled = update.multiTaskEnabled;
    ws.dateUpdated = this.now();
    this.dispatch(ws);
    return ws;
  }

  deleteWorkspace(workspaceSid: string): void {
    const ws = this.workspace(workspaceSid);
    const runtime = this.runtime(ws);
    for (const id of runtime.timers.values()) this.simulator.clock.cancel(id);
    runtime.timers.clear();
    this.workspaces.delete(ws.sid);
  }

  createActivity(workspaceSid: string, friendlyName: string, available: boolean): ActivityState {
    const ws = this.workspace(workspaceSid);
    if (this.findActivity(ws, friendlyName)) throw invalidParameter(`An Activity named ${friendlyName} already exists`);
    const now = this.now();
    const activity: ActivityState = { sid: newSid('WA'), friendlyName, available, dateCreated: now, dateUpdated: now };
    ws.activities.set(activity.sid, activity);
    return activity;
  }

  createTaskChannel(
    workspaceSid: string,
    opts: { uniqueName: string; friendlyName: string; channelOptimizedRouting?: boolean },
  ): TaskChannelState {
    const ws = this.workspace(workspaceSid);
    if (this.findTaskChannel(ws, opts.uniqueName))
      throw invalidParameter(`A TaskChannel with unique name ${opts.uniqueName} already exists`);
    const now = this.now();
    const channel: TaskChannelState = {
      sid: newSid('TC'),
      uniqueName: opts.uniqueName,
      friendlyName: opts.friendlyName,
      channelOptimizedRouting: opts.channelOptimizedRouting ?? false,
      dateCreated: now,
      dateUpdated: now,
    };
    ws.taskChannels.set(channel.sid, channel);
    for (const worker of ws.workers.values()) worker.channels.push(this.newWorkerChannel(channel, 1));
    return channel;
  }

  createTaskQueue(workspaceSid: string, opts: TaskQueueOptions): TaskQueueState {
    const ws = this.workspace(workspaceSid);
    this.refuseTakenQueueName(ws, opts.friendlyName);
    const now = this.now();
    const queue: TaskQueueState = {
      sid: newSid('WQ'),
      friendlyName: opts.friendlyName,
      targetWorkers: '1==1',
      maxReservedWorkers: 1,
      taskOrder: 'FIFO',
      dateCreated: now,
      dateUpdated: now,
    };
    this.applyQueueOptions(ws, queue, opts);
    ws.taskQueues.set(queue.sid, queue);
    return queue;
  }

  updateTaskQueue(workspaceSid: string, queueSid: string, opts: Partial<TaskQueueOptions>): TaskQueueState {
    const ws = this.workspace(workspaceSid);
    const queue = found(ws.taskQueues.get(queueSid), `/Workspaces/${ws.sid}/TaskQueues/${queueSid}`);
    if (opts.friendlyName !== undefined && opts.friendlyName !== queue.friendlyName)
      this.refuseTakenQueueName(ws, opts.friendlyName);
    this.applyQueueOptions(ws, queue, opts);
    queue.dateUpdated = this.now();
    this.dispatch(ws);
    return queue;
  }

  /** TaskRouter's own words for a queue name in use: 400 / 20001. */
  private refuseTakenQueueName(ws: WorkspaceState, friendlyName: string): void {
    if ([...ws.taskQueues.values()].some((q) => q.friendlyName === friendlyName))
      throw invalidParameter(
        `Queue named ${friendlyName} already exists for workspace ${ws.sid} for account ${this.simulator.accountSid}`,
      );
  }

  deleteTaskQueue(workspaceSid: string, queueSid: string): void {
    const ws = this.workspace(workspaceSid);
    found(ws.taskQueues.get(queueSid), `/Workspaces/${ws.sid}/TaskQueues/${queueSid}`);
    const user = [...ws.workflows.values()].find((w) => JSON.stringify(w.configuration).includes(queueSid));
    if (user) throw invalidParameter(`TaskQueue ${queueSid} is used by Workflow ${user.sid} and cannot be deleted`);
    ws.taskQueues.delete(queueSid);
  }

  private applyQueueOptions(ws: WorkspaceState, queue: TaskQueueState, opts: Partial<TaskQueueOptions>): void {
    for (const sid of [opts.reservationActivitySid, opts.assignmentActivitySid]) {
      if (sid !== undefined && !ws.activities.has(sid))
        throw invalidParameter(`Activity ${sid} does not exist in workspace ${ws.sid}`);
    }
    if (opts.targetWorkers !== undefined)
      queue.targetWorkers = checkExpression(opts.targetWorkers, 'worker', 'TargetWorkers').source;
    if (opts.maxReservedWorkers !== undefined) {
      if (opts.maxReservedWorkers < 1 || opts.maxReservedWorkers > 50)
        throw invalidParameter('MaxReservedWorkers must be between 1 and 50');
      queue.maxReservedWorkers = opts.maxReservedWorkers;
    }
    if (opts.friendlyName !== undefined) queue.friendlyName = opts.friendlyName;
    if (opts.taskOrder !== undefined) queue.taskOrder = opts.taskOrder;
    if (opts.reservationActivitySid !== undefined) queue.reservationActivitySid = opts.reservationActivitySid;
    if (opts.assignmentActivitySid !== undefined) queue.assignmentActivitySid = opts.assignmentActivitySid;
  }

  createWorkflow(workspaceSid: string, opts: WorkflowOptions): WorkflowState {
    const ws = this.workspace(workspaceSid);
    const now = this.now();
    const workflow: WorkflowState = {
      sid: newSid('WW'),
      friendlyName: opts.friendlyName,
      configuration: parseWorkflowConfiguration(opts.configuration, (sid) => ws.taskQueues.has(sid)),
      configurationText: configurationText(opts.configuration),
      taskReservationTimeout: reservationTimeout(opts.taskReservationTimeout ?? DEFAULT_RESERVATION_TIMEOUT_SECONDS),
      assignmentCallbackUrl: opts.assignmentCallbackUrl,
      fallbackAssignmentCallbackUrl: opts.fallbackAssignmentCallbackUrl,
      dateCreated: now,
      dateUpdated: now,
    };
    ws.workflows.set(workflow.sid, workflow);
    return workflow;
  }

  /** A new Configuration re-routes the workflow's pending tasks (reserved ones when released). */
  updateWorkflow(workspaceSid: string, workflowSid: string, opts: Partial<WorkflowOptions>): WorkflowState {
    const ws = this.workspace(workspaceSid);
    const workflow = found(ws.workflows.get(workflowSid), `/Workspaces/${ws.sid}/Workflows/${workflowSid}`);
    const configuration =
      opts.configuration === undefined
        ? undefined
        : parseWorkflowConfiguration(opts.configuration, (sid) => ws.taskQueues.has(sid));
    const timeout =
      opts.taskReservationTimeout === undefined ? undefined : reservationTimeout(opts.taskReservationTimeout);
    if (opts.friendlyName !== undefined) workflow.friendlyName = opts.friendlyName;
    if (timeout !== undefined) workflow.taskReservationTimeout = timeout;
    if (opts.assignmentCallbackUrl !== undefined)
      workflow.assignmentCallbackUrl = opts.assignmentCallbackUrl || undefined;
    if (opts.fallbackAssignmentCallbackUrl !== undefined)
      workflow.fallbackAssignmentCallbackUrl = opts.fallbackAssignmentCallbackUrl || undefined;
    workflow.dateUpdated = this.now();
    if (configuration) {
      workflow.configuration = configuration;
      workflow.configurationText = configurationText(opts.configuration!);
      this.reevaluateWorkflowTasks(ws, workflow, opts.reEvaluateTasks === true);
    }
    return workflow;
  }

  deleteWorkflow(workspaceSid: string, workflowSid: string): void {
    const ws = this.workspace(workspaceSid);
    found(ws.workflows.get(workflowSid), `/Workspaces/${ws.sid}/Workflows/${workflowSid}`);
    const active = [...ws.tasks.values()].some((t) => t.workflowSid === workflowSid && !isFinished(t));
    if (active) throw invalidParameter(`Workflow ${workflowSid} still has active tasks and cannot be deleted`);
    ws.workflows.delete(workflowSid);
  }

  private reevaluateWorkflowTasks(ws: WorkspaceState, workflow: WorkflowState, pendingToo: boolean): void {
    for (const task of [...ws.tasks.values()]) {
      if (task.workflowSid !== workflow.sid) continue;
      if (task.assignmentStatus === 'pending' && pendingToo) this.route(ws, task, 'restart');
      if (task.assignmentStatus === 'reserved' && task.routing) task.routing.stale = true;
    }
    this.dispatch(ws);
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  createWorker(workspaceSid: string, opts: WorkerOptions): WorkerState {
    const ws = this.workspace(workspaceSid);
    const activitySid =
      opts.activitySid ?? (opts.activityName ? this.findActivity(ws, opts.activityName)?.sid : ws.defaultActivitySid);
    if (!activitySid || !ws.activities.has(activitySid)) {
      throw invalidParameter(`Activity ${opts.activitySid ?? opts.activityName} does not exist in workspace ${ws.sid}`);
    }
    // "Friendly names are case insensitive, and unique within the TaskRouter Workspace."
    if ([...ws.workers.values()].some((w) => w.friendlyName.toLowerCase() === opts.friendlyName.toLowerCase())) {
      throw invalidParameter(`A Worker named ${opts.friendlyName} already exists`);
    }
    Object.values(opts.channelCapacity ?? {}).forEach(checkChannelCapacity);
    const now = this.now();
    const worker: WorkerState = {
      sid: newSid('WK'),
      friendlyName: opts.friendlyName,
      attributes: { ...(opts.attributes ?? {}) },
      activitySid,
      channels: [...ws.taskChannels.values()].map((channel) =>
        this.newWorkerChannel(channel, opts.channelCapacity?.[channel.uniqueName] ?? 1),
      ),
      dateCreated: now,
      dateUpdated: now,
      dateStatusChanged: now,
    };
    ws.workers.set(worker.sid, worker);
    this.emit(ws, 'worker.created', `Worker ${worker.friendlyName} created`, this.workerSubject(worker));
    this.dispatch(ws);
    return worker;
  }

  updateWorker(workspaceSid: string, workerSid: string, update: WorkerUpdate): WorkerState {
    const ws = this.workspace(workspaceSid);
    const worker = this.getWorker(ws.sid, workerSid);
    const activity = update.activitySid === undefined ? undefined : ws.activities.get(update.activitySid);
    if (update.activitySid !== undefined && !activity)
      throw invalidParameter(`Activity ${update.activitySid} does not exist in workspace ${ws.sid}`);
    if (update.friendlyName !== undefined) worker.friendlyName = update.friendlyName;
    if (update.attributes !== undefined) {
      worker.attributes = { ...update.attributes };
      worker.dateUpdated = this.now();
      this.emit(
        ws,
        'worker.attributes.update',
        `Worker ${worker.friendlyName} attributes updated`,
        this.workerSubject(worker),
      );
    }
    if (activity) {
      this.setWorkerActivity(ws, worker, activity.sid);
      if (update.rejectPendingReservations && !activity.available) {
        for (const reservation of this.reservationsOfWorker(ws, worker.sid, ['pending']))
          this.rejectReservation(ws, reservation);
      }
    }
    this.dispatch(ws);
    return worker;
  }

  deleteWorker(workspaceSid: string, workerSid: string): void {
    const ws = this.workspace(workspaceSid);
    const worker = this.getWorker(ws.sid, workerSid);
    if (this.reservationsOfWorker(ws, worker.sid, ['accepted', 'wrapping']).length > 0) {
      throw invalidParameter(`Worker ${worker.sid} has assigned tasks and cannot be deleted`);
    }
    ws.workers.delete(worker.sid);
    for (const reservation of this.reservationsOfWorker(ws, worker.sid, ['pending'])) {
      this.setReservationStatus(ws, reservation, 'rescinded');
      const description = `Reservation ${reservation.sid} rescinded: Worker ${worker.friendlyName} was deleted`;
      this.emitReservation(ws, 'reservation.rescinded', reservation, description, worker);
      const task = ws.tasks.get(reservation.taskSid);
      if (task) this.releaseTask(ws, task);
    }
    this.emit(ws, 'worker.deleted', `Worker ${worker.friendlyName} deleted`, this.workerSubject(worker));
    this.dispatch(ws);
  }

  updateWorkerChannel(
    workspaceSid: string,
    workerSid: string,
    channelRef: string,
    update: { capacity?: number; available?: boolean },
  ): WorkerChannelState {
    const ws = this.workspace(workspaceSid);
    const worker = this.getWorker(ws.sid, workerSid);
    const channel = found(
      this.findWorkerChannel(worker, channelRef),
      `/Workspaces/${ws.sid}/Workers/${worker.sid}/Channels/${channelRef}`,
    );
    if (update.capacity !== undefined) checkChannelCapacity(update.capacity);
    const extra = {
      TaskChannelSid: channel.taskChannelSid,
      TaskChannelUniqueName: channel.taskChannelUniqueName,
      WorkerChannelSid: channel.sid,
    };
    channel.dateUpdated = this.now();
    if (update.capacity !== undefined && update.capacity !== channel.capacity) {
      channel.capacity = update.capacity;
      this.emit(
        ws,
        'worker.capacity.update',
        `Worker ${worker.friendlyName} ${channel.taskChannelUniqueName} capacity set to ${channel.capacity}`,
        {
          ...this.workerSubject(worker),
          extra: { ...extra, WorkerChannelCapacity: channel.capacity },
        },
      );
    }
    if (update.available !== undefined && update.available !== channel.available) {
      channel.available = update.available;
      const description =
        `Worker ${worker.friendlyName} ${channel.taskChannelUniqueName} ` + `availability set to ${channel.available}`;
      this.emit(ws, 'worker.channel.availability.update', description, {
        ...this.workerSubject(worker),
        extra: { ...extra, WorkerChannelAvailable: channel.available },
      });
    }
    this.dispatch(ws);
    return channel;
  }

  private newWorkerChannel(channel: TaskChannelState, capacity: number): WorkerChannelState {
    const now = this.now();
    return {
      sid: newSid('WC'),
      taskChannelSid: channel.sid,
      taskChannelUniqueName: channel.uniqueName,
      capacity,
      available: true,
      dateCreated: now,
      dateUpdated: now,
    };
  }

  private setWorkerActivity(ws: WorkspaceState, worker: WorkerState, activitySid: string): void {
    if (worker.activitySid === activitySid) return;
    const now = this.now();
    const previous = ws.activities.get(worker.activitySid);
    const timeInPrevious = now - worker.dateStatusChanged;
    worker.activitySid = activitySid;
    worker.dateStatusChanged = now;
    worker.dateUpdated = now;
    const activity = ws.activities.get(activitySid);
    this.emit(
      ws,
      'worker.activity.update',
      `Worker ${worker.friendlyName} updated to ${activity?.friendlyName} Activity`,
      {
        ...this.workerSubject(worker),
        extra: {
          WorkerPreviousActivitySid: previous?.sid,
          WorkerPreviousActivityName: previous?.friendlyName,
          WorkerTimeInPreviousActivity: Math.floor(timeInPrevious / 1000),
          WorkerTimeInPreviousActivityMs: timeInPrevious,
        },
      },
    );
    if (activity?.available) this.dispatch(ws);
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  /** Creates the task and routes it through its workflow (reservations follow synchronously). */
  createTask(workspaceSid: string, opts: TaskOptions): TaskState {
    const ws = this.workspace(workspaceSid);
    const workflow = ws.workflows.get(opts.workflowSid);
    if (!workflow) throw invalidParameter(`Workflow ${opts.workflowSid} does not exist in workspace ${ws.sid}`);
    const channel = this.findTaskChannel(ws, opts.taskChannel ?? 'default');
    if (!channel) throw invalidParameter(`TaskChannel ${opts.taskChannel} does not exist in workspace ${ws.sid}`);
    const timeout = opts.timeout ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TASK_TIMEOUT_SECONDS) {
      throw invalidParameter(`Timeout must be between 1 and ${MAX_TASK_TIMEOUT_SECONDS} seconds`);
    }
    const now = this.now();
    const task: TaskState = {
      sid: newSid('WT'),
      workspaceSid: ws.sid,
      workflowSid: workflow.sid,
      attributes: { ...opts.attributes },
      assignmentStatus: 'pending',
      priority: checkPriority(opts.priority ?? 0),
      timeout,
      taskChannelSid: channel.sid,
      taskChannelUniqueName: channel.uniqueName,
      dateCreated: now,
      dateUpdated: now,
      revision: 1,
      rejectedWorkerSids: [],
    };
    ws.tasks.set(task.sid, task);
    this.schedule(ws, 'ttl', task.sid, timeout * 1000, () => this.expireTask(ws, task));
    this.emit(ws, 'task.created', `Task ${task.sid} created`, this.taskSubject(task));
    this.emit(ws, 'workflow.entered', `Task ${task.sid} entered Workflow ${workflow.friendlyName}`, {
      ...this.taskSubject(task),
      extra: { WorkflowSid: workflow.sid, WorkflowName: workflow.friendlyName },
    });
    this.route(ws, task, 'enter');
    this.dispatch(ws);
    return task;
  }

  /** The REST task update: If-Match, then Attributes/Priority (task.updated), then AssignmentStatus. */
  updateTask(workspaceSid: string, taskSid: string, update: TaskUpdate): TaskState {
    const ws = this.workspace(workspaceSid);
    const task = this.getTask(ws.sid, taskSid);
    checkIfMatch(task, update.ifMatch);
    if (update.assignmentStatus !== undefined) checkTransition(task, update.assignmentStatus);
    if (update.priority !== undefined) checkPriority(update.priority);
    // With a status change in the same request the new attributes are not routed (the task is leaving).
    const reroute = update.assignmentStatus === undefined;
    if (update.attributes !== undefined || update.priority !== undefined) this.changeTask(ws, task, update, reroute);
    if (update.assignmentStatus !== undefined) this.transition(ws, task, update.assignmentStatus, update.reason);
    return task;
  }

  /** Cancel (from pending/reserved), wrap up (from assigned) or complete (from assigned/wrapping). */
  updateTaskStatus(
    workspaceSid: string,
    taskSid: string,
    status: 'canceled' | 'wrapping' | 'completed',
    reason?: string,
  ): TaskState {
    const ws = this.workspace(workspaceSid);
    const task = this.getTask(ws.sid, taskSid);
    checkTransition(task, status);
    this.transition(ws, task, status, reason);
    return task;
  }

  /**
   * Sends a delivered event again, now and with the same Sid and payload, as TaskRouter's
   * at-least-once delivery may: late, after events that followed it.
   */
  redeliver(deliverySeq: number): Promise<WebhookDelivery> {
    const sim = this.simulator;
    const original = sim.webhooks.find((delivery) => delivery.seq === deliverySeq && delivery.kind === 'taskrouter');
    if (!original) throw new Error(`no TaskRouter event delivery #${deliverySeq}`);
    return sim.deliverWebhook('taskrouter', original.url, original.params, EVENT_CALLBACK_TIMEOUT_MS, { of: original });
  }

  deleteTask(workspaceSid: string, taskSid: string, ifMatch?: string): void {
    const ws = this.workspace(workspaceSid);
    const task = this.getTask(ws.sid, taskSid);
    checkIfMatch(task, ifMatch);
    this.cancelPendingReservation(ws, task, 'Task deleted');
    this.stopTaskTimers(ws, task);
    this.removeTask(ws, task);
    this.emit(ws, 'task.deleted', `Task ${task.sid} deleted`, this.taskSubject(task));
    this.dispatch(ws);
  }

  private changeTask(ws: WorkspaceState, task: TaskState, update: TaskUpdate, reroute: boolean): void {
    if (update.attributes !== undefined) task.attributes = { ...update.attributes };
    if (update.priority !== undefined) task.priority = update.priority;
    this.touch(task);
    this.emit(ws, 'task.updated', `Task ${task.sid} updated`, this.taskSubject(task));
    if (update.attributes !== undefined && reroute) this.rerouteForNewAttributes(ws, task);
    this.dispatch(ws);
  }

  /** Pending tasks run the filters again; a reserved one too when the switch says Twilio does. */
  private rerouteForNewAttributes(ws: WorkspaceState, task: TaskState): void {
    if (task.assignmentStatus === 'pending') {
      this.route(ws, task, 'restart');
    } else if (task.assignmentStatus === 'reserved') {
      if (this.simulator.switches.attributeUpdateCancelsReservation) {
        this.cancelPendingReservation(ws, task, 'Task attributes updated');
        this.setTaskStatus(task, 'pending');
        this.route(ws, task, 'restart');
      } else if (task.routing) {
        task.routing.stale = true;
      }
    }
  }

  private transition(ws: WorkspaceState, task: TaskState, status: TaskStatus, reason: string | undefined): void {
    if (status === 'canceled') this.cancelTask(ws, task, reason);
    else if (status === 'wrapping') this.wrapTask(ws, task, reason);
    else if (status === 'completed') this.completeTask(ws, task, reason);
  }

  private cancelTask(ws: WorkspaceState, task: TaskState, reason: string | undefined): void {
    checkTransition(task, 'canceled');
    this.cancelPendingReservation(ws, task, 'Task canceled');
    task.reason = reason;
    this.setTaskStatus(task, 'canceled');
    this.stopTaskTimers(ws, task);
    this.emit(ws, 'task.canceled', `Task ${task.sid} canceled${reason ? `: ${reason}` : ''}`, this.taskSubject(task));
    this.scheduleRemoval(ws, task);
    this.dispatch(ws);
  }

  private wrapTask(ws: WorkspaceState, task: TaskState, reason: string | undefined): void {
    checkTransition(task, 'wrapping');
    const reservation = this.reservationsOfTask(ws, task.sid, ['accepted'])[0];
    if (reason !== undefined) task.reason = reason;
    this.setTaskStatus(task, 'wrapping');
    this.emit(ws, 'task.wrapup', `Task ${task.sid} moved to wrapping`, this.taskSubject(task));
    if (reservation) {
      this.setReservationStatus(ws, reservation, 'wrapping');
      this.emitReservation(ws, 'reservation.wrapup', reservation, `Reservation ${reservation.sid} moved to wrapping`);
    }
  }

  private completeTask(ws: WorkspaceState, task: TaskState, reason: string | undefined): void {
    checkTransition(task, 'completed');
    const reservation = this.reservationsOfTask(ws, task.sid, ['accepted', 'wrapping'])[0];
    if (reason !== undefined) task.reason = reason;
    this.setTaskStatus(task, 'completed');
    this.stopTaskTimers(ws, task);
    if (reservation) {
      this.setReservationStatus(ws, reservation, 'completed');
      this.emitReservation(ws, 'reservation.completed', reservation, `Reservation ${reservation.sid} completed`);
    }
    this.emit(ws, 'task.completed', `Task ${task.sid} completed`, this.taskSubject(task));
    this.scheduleRemoval(ws, task);
    this.dispatch(ws);
  }

  private expireTask(ws: WorkspaceState, task: TaskState): void {
    if (task.assignmentStatus === 'pending' || task.assignmentStatus === 'reserved')
      this.cancelTask(ws, task, TASK_TTL_EXCEEDED);
  }

  /** Back to pending after a reservation ended without assignment, then re-evaluated. */
  private releaseTask(ws: WorkspaceState, task: TaskState): void {
    if (task.assignmentStatus !== 'reserved') return;
    this.setTaskStatus(task, 'pending');
    this.route(ws, task, task.routing?.stale ? 'restart' : 'continue');
    this.dispatch(ws);
  }

  private scheduleRemoval(ws: WorkspaceState, task: TaskState): void {
    this.schedule(ws, 'cleanup', task.sid, FINISHED_TASK_RETENTION_MS, () => this.removeTask(ws, task));
  }

  private removeTask(ws: WorkspaceState, task: TaskState): void {
    this.cancelTimer(ws, 'cleanup', task.sid);
    for (const reservation of this.reservationsFor(ws.sid, task.sid)) {
      this.cancelTimer(ws, 'reservation', reservation.sid);
      ws.reservations.delete(reservation.sid);
    }
    ws.tasks.delete(task.sid);
  }

  private stopTaskTimers(ws: WorkspaceState, task: TaskState): void {
    this.cancelTimer(ws, 'ttl', task.sid);
    this.cancelTimer(ws, 'target', task.sid);
  }

  private touch(task: TaskState): void {
    task.revision += 1;
    task.dateUpdated = this.now();
  }

  private setTaskStatus(task: TaskState, status: TaskStatus): void {
    task.assignmentStatus = status;
    this.touch(task);
  }

  // ---------------------------------------------------------------------------------------------
  // Workflow routing

  /**
   * enter/restart: run the filters from the top. continue: stay in the current filter and move on
   * to whichever target is due by now (a reject or timeout re-evaluation).
   */
  private route(ws: WorkspaceState, task: TaskState, mode: 'enter' | 'restart' | 'continue'): void {
    const workflow = ws.workflows.get(task.workflowSid);
    if (!workflow) return;
    const now = this.now();
    const current =
      mode === 'continue' && task.routing ? filterAt(workflow.configuration, task.routing.filterIndex) : undefined;
    const match = current ?? matchFilter(workflow.configuration, task.attributes);
    if (!match) return this.exitWorkflow(ws, task, workflow);
    if (!current)
      task.routing = {
        filterIndex: match.index,
        filterName: match.name,
        enteredAt: now,
        targetIndex: -1,
        stale: false,
      };
    const routing = task.routing!;
    const index = dueTargetIndex(match.targets, now - routing.enteredAt, routing.targetIndex, (i) =>
      this.skipTarget(ws, task, match.targets, i),
    );
    if (index >= match.targets.length) return this.fallThrough(ws, task, workflow, match);
    if (!current || index !== routing.targetIndex) this.enterTarget(ws, task, workflow, match, index);
  }

  /** Every target timed out: on to the default_filter, or out of the workflow. */
  private fallThrough(ws: WorkspaceState, task: TaskState, workflow: WorkflowState, from: FilterMatch): void {
    const fallback = from.index === DEFAULT_FILTER_INDEX ? undefined : defaultFilter(workflow.configuration);
    if (!fallback) return this.exitWorkflow(ws, task, workflow);
    task.routing = {
      filterIndex: fallback.index,
      filterName: fallback.name,
      enteredAt: this.now(),
      targetIndex: -1,
      stale: false,
    };
    this.enterTarget(ws, task, workflow, fallback, 0);
  }

  private exitWorkflow(ws: WorkspaceState, task: TaskState, workflow: WorkflowState): void {
    this.cancelTimer(ws, 'target', task.sid);
    this.emit(ws, 'workflow.timeout', `Task ${task.sid} timed out of Workflow ${workflow.friendlyName}`, {
      ...this.taskSubject(task),
      extra: { WorkflowSid: workflow.sid, WorkflowName: workflow.friendlyName },
    });
    this.cancelTask(ws, task, WORKFLOW_TIMEOUT_REASON);
  }

  private enterTarget(
    ws: WorkspaceState,
    task: TaskState,
    workflow: WorkflowState,
    match: FilterMatch,
    index: number,
  ): void {
    const routing = task.routing!;
    const target = match.targets[index];
    const queue = ws.taskQueues.get(targetQueue(match.targets, index));
    routing.targetIndex = index;
    task.rejectedWorkerSids = [];
    if (target.priority !== undefined) task.priority = target.priority;
    const queueChanged = task.taskQueueSid !== queue?.sid;
    task.taskQueueSid = queue?.sid;
    if (queueChanged) task.taskQueueEnteredAt = this.now();
    this.touch(task);
    const targetDetails = this.simulator.switches.targetMatchedIncludesTarget
      ? {
          TaskQueueSid: queue?.sid,
          TaskQueueName: queue?.friendlyName,
          TaskQueueTargetExpression: queue?.targetWorkers,
          WorkflowTargetPriority: task.priority,
          WorkflowTargetExpression: target.expression,
          WorkflowTargetTimeout: target.timeout,
        }
      : {};
    this.emit(
      ws,
      'workflow.target-matched',
      `Task ${task.sid} matched filter ${match.name} of Workflow ${workflow.friendlyName}`,
      {
        ...this.taskSubject(task),
        extra: {
          WorkflowSid: workflow.sid,
          WorkflowName: workflow.friendlyName,
          WorkflowFilterName: match.name,
          WorkflowFilterExpression: filterExpression(workflow, match),
          ...targetDetails,
        },
      },
    );
    if (queueChanged && queue) {
      this.emit(ws, 'task-queue.entered', `Task ${task.sid} entered TaskQueue ${queue.friendlyName}`, {
        ...this.taskSubject(task),
        extra: {
          TaskQueueSid: queue.sid,
          TaskQueueName: queue.friendlyName,
          TaskQueueTargetExpression: queue.targetWorkers,
          WorkflowSid: workflow.sid,
          WorkflowName: workflow.friendlyName,
        },
      });
    }
    this.scheduleTargetTimeout(ws, task, match.targets, index);
  }

  private scheduleTargetTimeout(ws: WorkspaceState, task: TaskState, targets: WorkflowTarget[], index: number): void {
    const deadline = targetDeadline(targets, index);
    if (deadline === undefined) return this.cancelTimer(ws, 'target', task.sid);
    const delay = task.routing!.enteredAt + deadline * 1000 - this.now();
    this.schedule(ws, 'target', task.sid, delay, () => {
      // A reserved task keeps its reservation; the timeout is applied when it is released.
      if (task.assignmentStatus !== 'pending') return;
      this.route(ws, task, 'continue');
      this.dispatch(ws);
    });
  }

  /** skip_if reads `workers.available`: how many workers could take the task in that target now. */
  private skipTarget(ws: WorkspaceState, task: TaskState, targets: WorkflowTarget[], index: number): boolean {
    const skipIf = targets[index].skip_if;
    if (!skipIf) return false;
    const available = this.eligibleWorkers(ws, task, targetQueue(targets, index), targets[index], false).length;
    return compileExpression(skipIf, 'task').evaluate({ workers: { available } });
  }

  private currentTarget(ws: WorkspaceState, task: TaskState): WorkflowTarget | undefined {
    const workflow = ws.workflows.get(task.workflowSid);
    if (!workflow || !task.routing) return undefined;
    return filterAt(workflow.configuration, task.routing.filterIndex)?.targets[task.routing.targetIndex];
  }

  // ---------------------------------------------------------------------------------------------
  // Assignment

  /** Offers every waiting task to an eligible worker; re-entrant calls just ask for another pass. */
  private dispatch(ws: WorkspaceState): void {
    const runtime = this.runtime(ws);
    if (runtime.dispatching) {
      runtime.dispatchAgain = true;
      return;
    }
    runtime.dispatching = true;
    try {
      do {
        runtime.dispatchAgain = false;
        for (const task of this.waitingTasks(ws)) this.offer(ws, task);
      } while (runtime.dispatchAgain);
    } finally {
      runtime.dispatching = false;
    }
  }

  /** Pending tasks in a queue: highest priority first, then longest in queue. */
  private waitingTasks(ws: WorkspaceState): TaskState[] {
    return [...ws.tasks.values()]
      .filter((task) => task.assignmentStatus === 'pending' && task.taskQueueSid !== undefined)
      .sort(
        (a, b) =>
          b.priority - a.priority || (a.taskQueueEnteredAt ?? a.dateCreated) - (b.taskQueueEnteredAt ?? b.dateCreated),
      );
  }

  private offer(ws: WorkspaceState, task: TaskState): void {
    if (task.assignmentStatus !== 'pending' || !task.taskQueueSid) return;
    const worker = this.eligibleWorkers(ws, task, task.taskQueueSid, this.currentTarget(ws, task), true)[0];
    if (worker) this.reserve(ws, task, worker);
  }

  /** Available workers in the queue and target with a free slot on the task's channel, longest idle first. */
  private eligibleWorkers(
    ws: WorkspaceState,
    task: TaskState,
    queueSid: string,
    target: WorkflowTarget | undefined,
    excludeRejecters: boolean,
  ): WorkerState[] {
    const queue = ws.taskQueues.get(queueSid);
    if (!queue) return [];
    const queueExpression = compileExpression(queue.targetWorkers, 'worker');
    return [...ws.workers.values()]
      .filter(
        (worker) =>
          ws.activities.get(worker.activitySid)?.available === true &&
          !(
            excludeRejecters &&
            this.simulator.switches.rejectedWorkerNeverReoffered &&
            task.rejectedWorkerSids.includes(worker.sid)
          ) &&
          this.hasCapacity(ws, worker, task.taskChannelSid) &&
          queueExpression.evaluate(task.attributes, worker.attributes) &&
          matchesTarget(target, task, worker),
      )
      .sort((a, b) => (a.lastReservedAt ?? 0) - (b.lastReservedAt ?? 0));
  }

  private hasCapacity(ws: WorkspaceState, worker: WorkerState, taskChannelSid: string): boolean {
    const channel = worker.channels.find((c) => c.taskChannelSid === taskChannelSid);
    if (!channel?.available || channel.capacity < 1) return false;
    const active = this.reservationsOfWorker(ws, worker.sid, ACTIVE_RESERVATION_STATUSES);
    if (!ws.multiTaskEnabled) return active.length === 0;
    const onChannel = active.filter((r) => ws.tasks.get(r.taskSid)?.taskChannelSid === taskChannelSid).length;
    return onChannel < Math.min(channel.capacity, MAX_WORKER_CHANNEL_CAPACITY);
  }

  private reserve(ws: WorkspaceState, task: TaskState, worker: WorkerState): void {
    const now = this.now();
    const reservation: ReservationState = {
      sid: newSid('WR'),
      taskSid: task.sid,
      workerSid: worker.sid,
      workerName: worker.friendlyName,
      status: 'pending',
      taskQueueSid: task.taskQueueSid!,
      workflowSid: task.workflowSid,
      dateCreated: now,
      dateUpdated: now,
    };
    ws.reservations.set(reservation.sid, reservation);
    worker.lastReservedAt = now;
    this.setTaskStatus(task, 'reserved');
    this.emitReservation(
      ws,
      'reservation.created',
      reservation,
      `Reservation ${reservation.sid} created for Worker ${worker.friendlyName}`,
    );
    const timeoutSeconds =
      ws.workflows.get(task.workflowSid)?.taskReservationTimeout ?? DEFAULT_RESERVATION_TIMEOUT_SECONDS;
    this.schedule(ws, 'reservation', reservation.sid, timeoutSeconds * 1000, () =>
      this.timeoutReservation(ws, reservation),
    );
    const reservationActivity = ws.taskQueues.get(reservation.taskQueueSid)?.reservationActivitySid;
    if (reservationActivity) this.setWorkerActivity(ws, worker, reservationActivity);
  }

  // ---------------------------------------------------------------------------------------------
  // Reservations

  /** The REST reservation update (task or worker sub-resource). */
  updateReservation(
    workspaceSid: string,
    reservationSid: string,
    status: ReservationStatus,
    workerActivitySid?: string,
  ): ReservationState {
    const ws = this.workspace(workspaceSid);
    const reservation = this.getReservation(ws.sid, reservationSid);
    const task = this.getTask(ws.sid, reservation.taskSid);
    switch (status) {
      case 'accepted':
        this.acceptReservation(ws, reservation);
        break;
      case 'rejected':
        this.rejectReservation(ws, reservation, workerActivitySid);
        break;
      case 'wrapping':
        requireReservationStatus(reservation, ['accepted'], 'an Accepted');
        this.wrapTask(ws, task, undefined);
        break;
      case 'completed':
        requireReservationStatus(reservation, ['accepted', 'wrapping'], 'an Accepted or Wrapping');
        this.completeTask(ws, task, RESERVATION_COMPLETED_REASON);
        break;
      default:
        throw invalidParameter(`ReservationStatus ${status} cannot be set through the API`);
    }
    return reservation;
  }

  private acceptReservation(ws: WorkspaceState, reservation: ReservationState): void {
    this.requirePending(reservation);
    const task = this.getTask(ws.sid, reservation.taskSid);
    this.setReservationStatus(ws, reservation, 'accepted');
    this.setTaskStatus(task, 'assigned');
    this.stopTaskTimers(ws, task);
    this.emitReservation(
      ws,
      'reservation.accepted',
      reservation,
      `Reservation ${reservation.sid} accepted by Worker ${reservation.workerName}`,
    );
    const worker = ws.workers.get(reservation.workerSid);
    const assignmentActivity = ws.taskQueues.get(reservation.taskQueueSid)?.assignmentActivitySid;
    if (worker && assignmentActivity) this.setWorkerActivity(ws, worker, assignmentActivity);
  }

  private rejectReservation(ws: WorkspaceState, reservation: ReservationState, workerActivitySid?: string): void {
    this.requirePending(reservation);
    if (workerActivitySid !== undefined && !ws.activities.has(workerActivitySid)) {
      throw invalidParameter(`Activity ${workerActivitySid} does not exist in workspace ${ws.sid}`);
    }
    const task = this.getTask(ws.sid, reservation.taskSid);
    this.setReservationStatus(ws, reservation, 'rejected');
    this.emitReservation(
      ws,
      'reservation.rejected',
      reservation,
      `Reservation ${reservation.sid} rejected by Worker ${reservation.workerName}`,
    );
    const worker = ws.workers.get(reservation.workerSid);
    if (worker && workerActivitySid) this.setWorkerActivity(ws, worker, workerActivitySid);
    task.rejectedWorkerSids.push(reservation.workerSid);
    this.releaseTask(ws, task);
  }

  private timeoutReservation(ws: WorkspaceState, reservation: ReservationState): void {
    if (reservation.status !== 'pending') return;
    const task = ws.tasks.get(reservation.taskSid);
    this.setReservationStatus(ws, reservation, 'timeout');
    this.emitReservation(
      ws,
      'reservation.timeout',
      reservation,
      `Reservation ${reservation.sid} timed out for Worker ${reservation.workerName}`,
    );
    const worker = ws.workers.get(reservation.workerSid);
    const moveWorker = !ws.multiTaskEnabled || this.simulator.switches.timeoutActivityWhenMultitasking;
    if (worker && moveWorker) this.setWorkerActivity(ws, worker, ws.timeoutActivitySid);
    if (task) this.releaseTask(ws, task);
  }

  private cancelPendingReservation(ws: WorkspaceState, task: TaskState, why: string): void {
    for (const reservation of this.reservationsOfTask(ws, task.sid, ['pending'])) {
      this.setReservationStatus(ws, reservation, 'canceled');
      this.emitReservation(ws, 'reservation.canceled', reservation, `Reservation ${reservation.sid} canceled: ${why}`);
    }
  }

  private setReservationStatus(ws: WorkspaceState, reservation: ReservationState, status: ReservationStatus): void {
    reservation.status = status;
    reservation.dateUpdated = this.now();
    if (status !== 'pending') this.cancelTimer(ws, 'reservation', reservation.sid);
  }

  private requirePending(reservation: ReservationState): void {
    if (reservation.status === 'pending') return;
    throw new TwilioApiError(
      400,
      this.simulator.switches.reservationNotPendingCode,
      `Reservation ${reservation.sid} is not currently in a Pending state (it is ${reservation.status})`,
    );
  }

  private reservationsOfTask(
    ws: WorkspaceState,
    taskSid: string,
    statuses: readonly ReservationStatus[],
  ): ReservationState[] {
    return [...ws.reservations.values()].filter((r) => r.taskSid === taskSid && statuses.includes(r.status));
  }

  private reservationsOfWorker(
    ws: WorkspaceState,
    workerSid: string,
    statuses: readonly ReservationStatus[],
  ): ReservationState[] {
    return [...ws.reservations.values()].filter((r) => r.workerSid === workerSid && statuses.includes(r.status));
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private emit(ws: WorkspaceState, eventType: string, description: string, subject: EventSubject): void {
    const now = this.now();
    const params = buildEventParams(this.simulator.accountSid, now, ws, eventType, description, subject);
    const url = ws.eventCallbackUrl;
    const delivered = url !== undefined && eventPassesFilter(ws.eventsFilter, eventType);
    this.events.push({
      sid: params.Sid,
      eventType,
      workspaceSid: ws.sid,
      resourceSid: subject.resourceSid,
      timestamp: now,
      params,
      delivered,
    });
    if (url !== undefined && delivered) this.deliver(ws, url, params);
  }

  /** Chained per workspace so callbacks arrive in order (unless concurrentEvents); the REST answer never waits. */
  private deliver(ws: WorkspaceState, url: string, params: Record<string, string>): void {
    const sim = this.simulator;
    const runtime = this.runtime(ws);
    const copies = sim.switches.duplicateEvents ? 2 : 1;
    const retry = sim.switches.taskRouterRetriesFailedEvents;
    if (sim.switches.concurrentEvents) {
      const send = () => sim.deliverEvent('taskrouter', url, params, EVENT_CALLBACK_TIMEOUT_MS, retry);
      sim.track(Promise.all(Array.from({ length: copies }, send)));
      return;
    }
    runtime.delivery = runtime.delivery.then(async () => {
      for (let i = 0; i < copies; i++)
        await sim.deliverEvent('taskrouter', url, params, EVENT_CALLBACK_TIMEOUT_MS, retry);
    });
    sim.track(runtime.delivery);
  }

  private emitReservation(
    ws: WorkspaceState,
    eventType: string,
    reservation: ReservationState,
    description: string,
    worker?: WorkerState,
  ): void {
    this.emit(ws, eventType, description, this.reservationSubject(ws, reservation, worker));
  }

  private taskSubject(task: TaskState): EventSubject {
    return { resourceType: 'task', resourceSid: task.sid, task };
  }

  private workerSubject(worker: WorkerState): EventSubject {
    return { resourceType: 'worker', resourceSid: worker.sid, worker };
  }

  private reservationSubject(ws: WorkspaceState, reservation: ReservationState, worker?: WorkerState): EventSubject {
    return {
      resourceType: 'reservation',
      resourceSid: reservation.sid,
      reservation,
      task: ws.tasks.get(reservation.taskSid),
      worker: worker ?? ws.workers.get(reservation.workerSid),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private get simulator(): TwilioSimulator {
    if (!this.sim)
      throw new Error('TaskRouterSim is not registered: call sim.use("taskrouter", new TaskRouterSim()) first');
    return this.sim;
  }

  private now(): number {
    return this.simulator.clock.now();
  }

  private runtime(ws: WorkspaceState): WorkspaceRuntime {
    let runtime = this.runtimes.get(ws.sid);
    if (!runtime) {
      runtime = { delivery: Promise.resolve(), dispatching: false, dispatchAgain: false, timers: new Map() };
      this.runtimes.set(ws.sid, runtime);
    }
    return runtime;
  }

  /** One timer per (kind, sid); a timer failure is recorded as a violation rather than crashing the clock. */
  private schedule(ws: WorkspaceState, kind: TimerKind, sid: string, delayMs: number, run: () => void): void {
    const key = `${kind}:${sid}`;
    const runtime = this.runtime(ws);
    this.simulator.clock.cancel(runtime.timers.get(key));
    const id = this.simulator.clock.schedule(Math.max(0, delayMs), () => {
      runtime.timers.delete(key);
      try {
        run();
      } catch (error) {
        const problem = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.simulator.violations.push({ method: 'TIMER', path: `/taskrouter ${key}`, problems: [problem] });
      }
    });
    runtime.timers.set(key, id);
  }

  private cancelTimer(ws: WorkspaceState, kind: TimerKind, sid: string): void {
    const key = `${kind}:${sid}`;
    const runtime = this.runtime(ws);
    this.simulator.clock.cancel(runtime.timers.get(key));
    runtime.timers.delete(key);
  }
}

// -----------------------------------------------------------------------------------------------
// Rules

function found<T>(value: T | undefined, resource: string): T {
  if (value === undefined) throw notFound(resource);
  return value;
}

function isFinished(task: TaskState): boolean {
  return task.assignmentStatus === 'completed' || task.assignmentStatus === 'canceled';
}

/** Task status rules from TWILIO_NOTES: canceled only from pending/reserved; assigned only ends wrapping/completed. */
function checkTransition(task: TaskState, status: TaskStatus): void {
  const allowedFrom: Partial<Record<TaskStatus, TaskStatus[]>> = {
    canceled: ['pending', 'reserved'],
    wrapping: ['assigned'],
    completed: ['assigned', 'wrapping'],
  };
  const from = allowedFrom[status];
  if (!from) throw invalidParameter(`AssignmentStatus ${status} cannot be set through the API`);
  if (!from.includes(task.assignmentStatus)) {
    throw invalidParameter(`Task ${task.sid} cannot move from ${task.assignmentStatus} to ${status}`);
  }
}

function checkIfMatch(task: TaskState, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const expected = ifMatch.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (expected !== taskEtag(task)) {
    throw new TwilioApiError(
      412,
      PRECONDITION_FAILED_CODE,
      `The If-Match header ${ifMatch} does not match the Task's current ETag ${taskEtag(task)}`,
    );
  }
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > 2_147_483_647)
    throw invalidParameter('Priority must be an integer from 0 to 2147483647');
  return priority;
}

function reservationTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_RESERVATION_TIMEOUT_SECONDS) {
    throw invalidParameter(`TaskReservationTimeout must be between 1 and ${MAX_RESERVATION_TIMEOUT_SECONDS} seconds`);
  }
  return seconds;
}

function requireReservationStatus(
  reservation: ReservationState,
  statuses: ReservationStatus[],
  description: string,
): void {
  if (!statuses.includes(reservation.status)) {
    throw invalidParameter(
      `Reservation ${reservation.sid} is not currently in ${description} state (it is ${reservation.status})`,
    );
  }
}

/** A target's worker expression plus known_worker_sid / known_worker_friendly_name ("task.x" reads the task). */
function matchesTarget(target: WorkflowTarget | undefined, task: TaskState, worker: WorkerState): boolean {
  if (!target) return true;
  if (target.expression && !compileExpression(target.expression, 'worker').evaluate(task.attributes, worker.attributes))
    return false;
  if (target.known_worker_sid !== undefined && resolveKnown(target.known_worker_sid, task.attributes) !== worker.sid)
    return false;
  if (
    target.known_worker_friendly_name !== undefined &&
    resolveKnown(target.known_worker_friendly_name, task.attributes) !== worker.friendlyName
  )
    return false;
  return true;
}

function resolveKnown(reference: string, attributes: Attributes): unknown {
  if (!reference.startsWith('task.')) return reference;
  let value: unknown = attributes;
  for (const key of reference.slice('task.'.length).split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Attributes)[key] : undefined;
  }
  return value;
}

function filterExpression(workflow: WorkflowState, match: FilterMatch): string | undefined {
  return match.index === DEFAULT_FILTER_INDEX
    ? undefined
    : workflow.configuration.task_routing.filters[match.index]?.expression;
}

function checkChannelCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_WORKER_CHANNEL_CAPACITY) {
    throw invalidParameter(`Capacity must be an integer between 0 and ${MAX_WORKER_CHANNEL_CAPACITY}`);
  }
}

/** TaskRouter answers a workflow's Configuration exactly as it was posted. */
function configurationText(configuration: object | string): string {
  return typeof configuration === 'string' ? configuration : JSON.stringify(configuration);
}
