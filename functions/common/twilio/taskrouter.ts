// TaskRouter: tasks, reservations, workers and the workspace's routing.
import { parseJsonObject, TwilioProductApi, twilioStatus, undefinedIfNotFound } from './base';

/**
 * What a new workflow Configuration routes: new tasks only (TaskRouter's default), or the tasks
 * waiting in its queues too (`ReEvaluateTasks`), which a change that takes a target away needs.
 */
export type RoutingChange = 'new-tasks' | 'waiting-tasks-too';

export interface TaskSnapshot {
  sid: string;
  assignmentStatus: string;
  attributes: Record<string, unknown>;
  etag: string;
  workflowSid: string;
  taskChannelUniqueName: string;
  /** ISO 8601, when TaskRouter gives it. */
  dateCreated?: string;
}

export type ReservationStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'timeout'
  | 'canceled'
  | 'rescinded'
  | 'wrapping'
  | 'completed';

export interface ReservationSummary {
  sid: string;
  workerSid: string;
}

export interface WorkerSummary extends ListedWorker {
  attributes: Record<string, unknown>;
}

/** A worker as a list shows it: TaskRouter lists a worker's attributes as null, only a fetch has them. */
export interface ListedWorker {
  sid: string;
  friendlyName: string;
  activitySid: string;
  activityName: string;
  /** The worker's activity is an available one. */
  available: boolean;
}

export interface ActivitySummary {
  sid: string;
  friendlyName: string;
  available: boolean;
}

export interface WorkspaceSummary {
  sid: string;
  friendlyName: string;
  eventCallbackUrl: string | null;
  /** Null: every event. */
  eventsFilter: string | null;
  timeoutActivitySid: string | null;
  defaultActivitySid: string | null;
}

/** Where the workspace sends its events. `eventsFilter` null: every event. */
export interface WorkspaceCallback {
  eventCallbackUrl: string | null;
  eventsFilter: string | null;
}

export interface WorkflowSummary {
  sid: string;
  friendlyName: string;
  /** The parsed Configuration JSON (`{}` if it does not parse). */
  configuration: Record<string, unknown>;
}

/** A workflow with its TaskReservationTimeout, for the setup doctor. */
export interface WorkflowRouting extends WorkflowSummary {
  /** Seconds a reservation may stay pending before TaskRouter times it out (120 unless set). */
  taskReservationTimeout: number;
}

export interface TaskQueueSummary {
  sid: string;
  friendlyName: string;
  targetWorkers: string;
}

export interface WorkerChannel {
  sid: string;
  taskChannel: string;
  capacity: number;
  available: boolean;
  /** Tasks the worker holds on this channel (TaskRouter's `assigned_tasks`). */
  assignedTasks: number;
}

/** What decides whether TaskRouter can offer the worker a task. */
export interface WorkerRouting {
  sid: string;
  friendlyName: string;
  activityName: string;
  /** The worker's activity is an available one. */
  available: boolean;
  channels: { taskChannel: string; capacity: number; available: boolean; assignedTasks: number }[];
  attributes?: Record<string, unknown>;
}

interface WorkerResource {
  sid: string;
  friendlyName: string;
  attributes: string;
  activitySid: string;
  activityName: string;
  available: boolean;
}

interface WorkspaceResource {
  sid: string;
  friendlyName: string;
  eventCallbackUrl: string;
  eventsFilter: string;
  timeoutActivitySid: string;
  defaultActivitySid: string;
}

const workspaceSummary = (workspace: WorkspaceResource): WorkspaceSummary => ({
  sid: workspace.sid,
  friendlyName: workspace.friendlyName,
  eventCallbackUrl: workspace.eventCallbackUrl || null,
  eventsFilter: workspace.eventsFilter || null,
  timeoutActivitySid: workspace.timeoutActivitySid || null,
  defaultActivitySid: workspace.defaultActivitySid || null,
});

const listedWorker = (worker: WorkerResource): ListedWorker => ({
  sid: worker.sid,
  friendlyName: worker.friendlyName,
  activitySid: worker.activitySid,
  activityName: worker.activityName,
  available: worker.available,
});

const workerSummary = (worker: WorkerResource): WorkerSummary => ({
  ...listedWorker(worker),
  attributes: parseJsonObject(worker.attributes),
});

export class TaskRouterApi extends TwilioProductApi {
  private workspace(workspaceSid: string) {
    return this.client.taskrouter.v1.workspaces(workspaceSid);
  }

  // --- Tasks and reservations ---

  /** Fetches a task with its ETag, for an If-Match update. */
  async fetchTask(workspaceSid: string, taskSid: string): Promise<TaskSnapshot> {
    const response = await this.rawRequest(`fetch task ${taskSid}`, {
      method: 'get',
      uri: `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/Tasks/${taskSid}`,
    });
    const body = response.body as Record<string, string>;
    const headers = response.headers;
    return {
      sid: body.sid,
      assignmentStatus: body.assignment_status,
      attributes: parseJsonObject(body.attributes),
      etag: headers.etag ?? headers.ETag ?? '',
      workflowSid: body.workflow_sid,
      taskChannelUniqueName: body.task_channel_unique_name,
      ...isoDate(body.date_created),
    };
  }

  /** Replaces the task's attributes if it is still at `etag`; 'conflict' when someone wrote first (412). */
  async updateTaskAttributes(
    workspaceSid: string,
    taskSid: string,
    attributes: object,
    etag: string,
  ): Promise<'updated' | 'conflict'> {
    try {
      await this.retry(() =>
        this.workspace(workspaceSid)
          .tasks(taskSid)
          .update({ attributes: JSON.stringify(attributes), ifMatch: etag }),
      );
      return 'updated';
    } catch (error) {
      if (twilioStatus(error) === 412) return 'conflict';
      throw error;
    }
  }

  /**
   * Merges `changes` into the task's attributes with If-Match, re-reading on a conflict, so a
   * concurrent writer's attributes survive. Returns the task as it was just before the write.
   */
  async mergeTaskAttributes(
    workspaceSid: string,
    taskSid: string,
    changes: Record<string, unknown>,
    attempts = 5,
  ): Promise<TaskSnapshot> {
    for (let attempt = 1; ; attempt++) {
      const task = await this.fetchTask(workspaceSid, taskSid);
      if (Object.keys(changes).length === 0) return task;
      const written = await this.updateTaskAttributes(
        workspaceSid,
        taskSid,
        { ...task.attributes, ...changes },
        task.etag,
      );
      if (written === 'updated') return task;
      if (attempt >= attempts) throw new Error(`task ${taskSid}: too many concurrent attribute writers`);
    }
  }

  async reservations(workspaceSid: string, taskSid: string, status: ReservationStatus): Promise<ReservationSummary[]> {
    const reservations = await this.retry(() =>
      this.workspace(workspaceSid).tasks(taskSid).reservations.list({ reservationStatus: status, limit: 50 }),
    );
    return reservations.map((r) => ({ sid: r.sid, workerSid: r.workerSid }));
  }

  /** The worker's reservations of the task, whatever their status. */
  async reservationsOfWorker(
    workspaceSid: string,
    taskSid: string,
    workerSid: string,
  ): Promise<(ReservationSummary & { status: ReservationStatus })[]> {
    const reservations = await this.retry(() =>
      this.workspace(workspaceSid).tasks(taskSid).reservations.list({ workerSid, limit: 50 }),
    );
    return reservations.map((r) => ({
      sid: r.sid,
      workerSid: r.workerSid,
      status: r.reservationStatus as ReservationStatus,
    }));
  }

  /**
   * The worker's reservations in the given statuses, across all its tasks (TaskRouter filters a
   * worker's reservations by one status a request).
   */
  async workerReservations(
    workspaceSid: string,
    workerSid: string,
    statuses: readonly ReservationStatus[],
  ): Promise<(ReservationSummary & { status: ReservationStatus })[]> {
    const lists = await Promise.all(
      statuses.map((reservationStatus) =>
        this.retry(() =>
          this.workspace(workspaceSid).workers(workerSid).reservations.list({ reservationStatus, limit: 1000 }),
        ),
      ),
    );
    return lists.flat().map((r) => ({
      sid: r.sid,
      workerSid: r.workerSid,
      status: r.reservationStatus as ReservationStatus,
    }));
  }

  /** Rejects a reservation; 'not-pending' when TaskRouter says it is no longer pending. */
  async rejectReservation(
    workspaceSid: string,
    taskSid: string,
    reservationSid: string,
  ): Promise<'rejected' | 'not-pending'> {
    try {
      await this.retry(() =>
        this.workspace(workspaceSid)
          .tasks(taskSid)
          .reservations(reservationSid)
          .update({ reservationStatus: 'rejected' }),
      );
      return 'rejected';
    } catch (error) {
      const status = twilioStatus(error);
      if (status === 400 || status === 404 || status === 410) return 'not-pending';
      throw error;
    }
  }

  async completeReservation(workspaceSid: string, taskSid: string, reservationSid: string): Promise<void> {
    await this.retry(() =>
      this.workspace(workspaceSid)
        .tasks(taskSid)
        .reservations(reservationSid)
        .update({ reservationStatus: 'completed' }),
    );
  }

  /**
   * Creates a task routed by the workflow; returns its SID. A lost answer is not retried (it would make a second task).
   */
  async createTask(
    workspaceSid: string,
    task: { workflowSid: string; attributes: object; timeoutSeconds: number; taskChannel?: string },
  ): Promise<string> {
    const created = await this.retry(
      () =>
        this.workspace(workspaceSid).tasks.create({
          workflowSid: task.workflowSid,
          attributes: JSON.stringify(task.attributes),
          timeout: task.timeoutSeconds,
          ...(task.taskChannel ? { taskChannel: task.taskChannel } : {}),
        }),
      'not-processed-only',
    );
    return created.sid;
  }

  /** Deletes the task; one already gone is fine. */
  async deleteTask(workspaceSid: string, taskSid: string): Promise<void> {
    try {
      await this.retry(() => this.workspace(workspaceSid).tasks(taskSid).remove());
    } catch (error) {
      if (twilioStatus(error) !== 404) throw error;
    }
  }

  // --- Workers and activities ---

  /** Undefined when the worker does not exist. */
  async fetchWorker(workspaceSid: string, workerSid: string): Promise<WorkerSummary | undefined> {
    const worker = await this.unlessNotFound(() => this.workspace(workspaceSid).workers(workerSid).fetch());
    return worker && workerSummary(worker);
  }

  async findWorkerByName(workspaceSid: string, friendlyName: string): Promise<ListedWorker | undefined> {
    const workers = await this.retry(() => this.workspace(workspaceSid).workers.list({ friendlyName, limit: 1 }));
    return workers[0] && listedWorker(workers[0]);
  }

  /** The SIDs of a conversation's tasks still waiting for, offered to or held by a worker. */
  async openTasksOfConversation(workspaceSid: string, conversationSid: string): Promise<string[]> {
    const tasks = await this.retry(() =>
      this.workspace(workspaceSid).tasks.list({
        assignmentStatus: ['pending', 'reserved', 'assigned'],
        evaluateTaskAttributes: `conversationSid == ${JSON.stringify(conversationSid)}`,
        limit: 20,
      }),
    );
    return tasks.map((task) => task.sid);
  }

  /** The SIDs of the tasks still waiting (`pending`) that a TaskRouter task expression selects, at most `limit`. */
  async pendingTasksMatching(workspaceSid: string, expression: string, limit = 1): Promise<string[]> {
    const tasks = await this.retry(() =>
      this.workspace(workspaceSid).tasks.list({
        assignmentStatus: ['pending'],
        evaluateTaskAttributes: expression,
        limit,
      }),
    );
    return tasks.map((task) => task.sid);
  }

  /** The workers a TaskRouter worker expression selects, e.g. `opencx_ai == true`. */
  async listWorkersMatching(workspaceSid: string, targetWorkersExpression: string): Promise<ListedWorker[]> {
    const workers = await this.retry(() =>
      this.workspace(workspaceSid).workers.list({ targetWorkersExpression, limit: 1000 }),
    );
    return workers.map(listedWorker);
  }

  async updateWorkerAttributes(workspaceSid: string, workerSid: string, attributes: object): Promise<void> {
    await this.retry(() =>
      this.workspace(workspaceSid)
        .workers(workerSid)
        .update({ attributes: JSON.stringify(attributes) }),
    );
  }

  /**
   * Deletes the worker; 'busy' when TaskRouter refuses because
   * it holds a task (400), 'gone' when it was already deleted.
   */
  async deleteWorker(workspaceSid: string, workerSid: string): Promise<'deleted' | 'busy' | 'gone'> {
    return removal(() => this.retry(() => this.workspace(workspaceSid).workers(workerSid).remove()));
  }

  /** A lost answer is not retried: it would make a second worker. */
  async createWorker(
    workspaceSid: string,
    worker: { friendlyName: string; attributes: object; activitySid: string },
  ): Promise<WorkerSummary> {
    const created = await this.retry(
      () =>
        this.workspace(workspaceSid).workers.create({
          friendlyName: worker.friendlyName,
          attributes: JSON.stringify(worker.attributes),
          activitySid: worker.activitySid,
        }),
      'not-processed-only',
    );
    return workerSummary(created);
  }

  async updateWorkerActivity(workspaceSid: string, workerSid: string, activitySid: string): Promise<void> {
    await this.retry(() => this.workspace(workspaceSid).workers(workerSid).update({ activitySid }));
  }

  async listWorkerChannels(workspaceSid: string, workerSid: string): Promise<WorkerChannel[]> {
    const channels = await this.retry(() =>
      this.workspace(workspaceSid).workers(workerSid).workerChannels.list({ limit: 50 }),
    );
    return channels.map((c) => ({
      sid: c.sid,
      taskChannel: c.taskChannelUniqueName,
      capacity: c.configuredCapacity,
      available: c.available,
      assignedTasks: c.assignedTasks ?? 0,
    }));
  }

  async updateWorkerChannel(
    workspaceSid: string,
    workerSid: string,
    channelSid: string,
    update: { capacity?: number; available: boolean },
  ): Promise<void> {
    await this.retry(() => this.workspace(workspaceSid).workers(workerSid).workerChannels(channelSid).update(update));
  }

  /** The worker's activity and task channels; undefined when it does not exist. */
  async fetchWorkerRouting(workspaceSid: string, workerSid: string): Promise<WorkerRouting | undefined> {
    const [worker, channels] = await Promise.all([
      this.fetchWorker(workspaceSid, workerSid),
      undefinedIfNotFound(this.listWorkerChannels(workspaceSid, workerSid)),
    ]);
    if (!worker) return undefined;
    return {
      sid: worker.sid,
      friendlyName: worker.friendlyName,
      activityName: worker.activityName,
      available: worker.available,
      attributes: worker.attributes,
      channels: (channels ?? []).map(({ taskChannel, capacity, available, assignedTasks }) => ({
        taskChannel,
        capacity,
        available,
        assignedTasks,
      })),
    };
  }

  async listActivities(workspaceSid: string): Promise<ActivitySummary[]> {
    const activities = await this.retry(() => this.workspace(workspaceSid).activities.list({ limit: 50 }));
    return activities.map((a) => ({ sid: a.sid, friendlyName: a.friendlyName, available: a.available }));
  }

  // --- Workspaces, queues and workflows ---

  /** Undefined when the workspace does not exist. */
  async fetchWorkspace(workspaceSid: string): Promise<WorkspaceSummary | undefined> {
    const workspace = await this.unlessNotFound(() => this.workspace(workspaceSid).fetch());
    return workspace && workspaceSummary(workspace);
  }

  async workspaceExists(workspaceSid: string): Promise<boolean> {
    return (await this.fetchWorkspace(workspaceSid)) !== undefined;
  }

  /** The account's workspaces, by SID. */
  async listWorkspaceSids(): Promise<string[]> {
    const workspaces = await this.retry(() => this.client.taskrouter.v1.workspaces.list({ limit: 50 }));
    return workspaces.map((workspace) => workspace.sid);
  }

  async findWorkspaceByName(friendlyName: string): Promise<WorkspaceSummary | undefined> {
    const [found] = await this.retry(() => this.client.taskrouter.v1.workspaces.list({ friendlyName, limit: 1 }));
    return found && workspaceSummary(found);
  }

  /** A lost answer is not retried: it would make a second workspace. */
  async createWorkspace(workspace: {
    friendlyName: string;
    eventCallbackUrl?: string;
    eventsFilter?: string;
  }): Promise<string> {
    const created = await this.retry(
      () => this.client.taskrouter.v1.workspaces.create(workspace),
      'not-processed-only',
    );
    return created.sid;
  }

  /** Undefined when the workspace does not exist. */
  async fetchWorkspaceCallback(workspaceSid: string): Promise<WorkspaceCallback | undefined> {
    const workspace = await this.fetchWorkspace(workspaceSid);
    return workspace && { eventCallbackUrl: workspace.eventCallbackUrl, eventsFilter: workspace.eventsFilter };
  }

  async setWorkspaceCallback(
    workspaceSid: string,
    callback: { eventCallbackUrl: string; eventsFilter: string },
  ): Promise<void> {
    await this.retry(() => this.workspace(workspaceSid).update(callback));
  }

  /** Undefined when the queue is not in the workspace. */
  async fetchTaskQueue(workspaceSid: string, queueSid: string): Promise<TaskQueueSummary | undefined> {
    const queue = await this.unlessNotFound(() => this.workspace(workspaceSid).taskQueues(queueSid).fetch());
    return queue && { sid: queue.sid, friendlyName: queue.friendlyName, targetWorkers: queue.targetWorkers ?? '' };
  }

  /** Empty when the workspace does not exist. */
  async listTaskQueues(workspaceSid: string): Promise<TaskQueueSummary[]> {
    const queues = await this.unlessNotFound(() => this.workspace(workspaceSid).taskQueues.list({ limit: 1000 }));
    return (queues ?? []).map((q) => ({
      sid: q.sid,
      friendlyName: q.friendlyName,
      targetWorkers: q.targetWorkers ?? '',
    }));
  }

  /**
   * The queue's tasks on one task channel that a worker holds (reserved, assigned or wrapping),
   * from its real-time statistics; undefined when the queue is gone.
   */
  async queueTasksHeld(workspaceSid: string, queueSid: string, taskChannel: string): Promise<number | undefined> {
    const stats = await this.unlessNotFound(() =>
      this.workspace(workspaceSid).taskQueues(queueSid).realTimeStatistics().fetch({ taskChannel }),
    );
    if (!stats) return undefined;
    // Twilio's spec shows the counts as strings ("3"); numbers are read too.
    const byStatus = (stats.tasksByStatus ?? {}) as Record<string, unknown>;
    return ['reserved', 'assigned', 'wrapping'].reduce((sum, status) => {
      const count = Number(byStatus[status]);
      return sum + (Number.isFinite(count) ? count : 0);
    }, 0);
  }

  /** A lost answer is not retried: it would make a second queue. */
  async createTaskQueue(
    workspaceSid: string,
    queue: { friendlyName: string; targetWorkers: string },
  ): Promise<TaskQueueSummary> {
    const created = await this.retry(() => this.workspace(workspaceSid).taskQueues.create(queue), 'not-processed-only');
    return { sid: created.sid, friendlyName: created.friendlyName, targetWorkers: created.targetWorkers ?? '' };
  }

  /**
   * The workspace's workflows with their routing and TaskReservationTimeout; empty when the workspace does not exist.
   */
  async listWorkflowRouting(workspaceSid: string): Promise<WorkflowRouting[]> {
    const workflows = await this.unlessNotFound(() => this.workspace(workspaceSid).workflows.list({ limit: 100 }));
    return (workflows ?? []).map((w) => ({
      sid: w.sid,
      friendlyName: w.friendlyName,
      configuration: parseJsonObject(w.configuration),
      taskReservationTimeout: w.taskReservationTimeout,
    }));
  }

  async setWorkflowConfiguration(
    workspaceSid: string,
    workflowSid: string,
    configuration: object,
    routing: RoutingChange = 'new-tasks',
  ): Promise<void> {
    await this.setWorkflowConfigurationText(workspaceSid, workflowSid, JSON.stringify(configuration), routing);
  }

  /**
   * The workflow's Configuration exactly as TaskRouter returns it
   * (what a backup keeps); undefined when the workflow does not exist.
   */
  async fetchWorkflowConfigurationText(workspaceSid: string, workflowSid: string): Promise<string | undefined> {
    const workflow = await this.unlessNotFound(() => this.workspace(workspaceSid).workflows(workflowSid).fetch());
    return workflow?.configuration;
  }

  /** Writes a Configuration string as it is (a backup restored byte for byte). */
  async setWorkflowConfigurationText(
    workspaceSid: string,
    workflowSid: string,
    configuration: string,
    routing: RoutingChange = 'new-tasks',
  ): Promise<void> {
    const reEvaluate = routing === 'waiting-tasks-too' ? { reEvaluateTasks: 'true' } : {};
    await this.retry(() =>
      this.workspace(workspaceSid)
        .workflows(workflowSid)
        .update({ configuration, ...reEvaluate }),
    );
  }

  /** 'busy' when TaskRouter refuses because tasks still use the queue (400), 'gone' when it was already deleted. */
  async deleteTaskQueue(workspaceSid: string, queueSid: string): Promise<'deleted' | 'busy' | 'gone'> {
    return removal(() => this.retry(() => this.workspace(workspaceSid).taskQueues(queueSid).remove()));
  }

  /** Deletes a whole workspace: its tasks, queues, workflows and workers with it. */
  async deleteWorkspace(workspaceSid: string): Promise<'deleted' | 'gone'> {
    const outcome = await removal(() => this.retry(() => this.workspace(workspaceSid).remove()));
    if (outcome === 'busy') throw new Error(`TaskRouter refused to delete workspace ${workspaceSid}`);
    return outcome;
  }

  /** A lost answer is not retried: it would make a second workflow. */
  async createWorkflow(
    workspaceSid: string,
    workflow: { friendlyName: string; configuration: object; taskReservationTimeout?: number },
  ): Promise<WorkflowRouting> {
    const created = await this.retry(
      () =>
        this.workspace(workspaceSid).workflows.create({
          friendlyName: workflow.friendlyName,
          configuration: JSON.stringify(workflow.configuration),
          ...(workflow.taskReservationTimeout ? { taskReservationTimeout: workflow.taskReservationTimeout } : {}),
        }),
      'not-processed-only',
    );
    return {
      sid: created.sid,
      friendlyName: created.friendlyName,
      configuration: parseJsonObject(created.configuration),
      taskReservationTimeout: created.taskReservationTimeout,
    };
  }
}

/** A TaskRouter delete: 404 means already gone, 400 that the resource is still in use. */
function isoDate(value: string | undefined): { dateCreated?: string } {
  const date = value ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? { dateCreated: date.toISOString() } : {};
}

async function removal(remove: () => Promise<unknown>): Promise<'deleted' | 'busy' | 'gone'> {
  try {
    await remove();
    return 'deleted';
  } catch (error) {
    const status = twilioStatus(error);
    if (status === 404) return 'gone';
    if (status === 400) return 'busy';
    throw error;
  }
}
