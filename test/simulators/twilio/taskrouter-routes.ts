// TaskRouter REST routes: parse Twilio's form parameters, call the state machines, render snake_case.
import { invalidParameter, notFound } from './errors';
import type { Params } from './openapi';
import { page, type SimRequest, type SimResponse, type TwilioSimulator } from './simulator';
import type { TaskQueueOptions, TaskRouterSim, WorkflowOptions } from './taskrouter';
import {
  renderActivity,
  renderReservation,
  renderTask,
  renderTaskChannel,
  renderTaskQueue,
  renderWorker,
  renderWorkerChannel,
  renderWorkflow,
  renderWorkspace,
  taskEtag,
} from './taskrouter-render';
import type {
  Attributes,
  ReservationState,
  ReservationStatus,
  TaskState,
  TaskStatus,
  WorkerChannelState,
  WorkerState,
  WorkspaceState,
} from './taskrouter-state';
import { checkExpression, parseJsonObject } from './taskrouter-workflow';

const WS = '/v1/Workspaces/{WorkspaceSid}';
const PAGING_PARAMS = new Set(['PageSize', 'Page', 'PageToken']);

export function registerTaskRouterRoutes(sim: TwilioSimulator, tr: TaskRouterSim): void {
  const route = (method: string, template: string, handler: (req: SimRequest) => SimResponse): void =>
    sim.route('taskrouter', method, template, handler);
  const ok = (body: unknown, headers?: Record<string, string>): SimResponse => ({ status: 200, body, headers });
  const created = (body: unknown, headers?: Record<string, string>): SimResponse => ({ status: 201, body, headers });
  const noContent: SimResponse = { status: 204 };
  const account = sim.accountSid;
  const workspaceOf = (req: SimRequest): WorkspaceState => tr.workspace(req.pathParams.WorkspaceSid);

  // Workspaces
  route('GET', '/v1/Workspaces', (req) => {
    const items = byFriendlyName(req.query, tr.workspaces.values());
    return list(
      req,
      items.map((ws) => renderWorkspace(account, ws)),
      'workspaces',
    );
  });
  route('POST', '/v1/Workspaces', (req) => {
    const ws = tr.createWorkspace({
      friendlyName: required(req.form, 'FriendlyName'),
      eventCallbackUrl: one(req.form, 'EventCallbackUrl'),
      eventsFilter: one(req.form, 'EventsFilter'),
      multiTaskEnabled: boolean(req.form, 'MultiTaskEnabled'),
      prioritizeQueueOrder: queueOrder(req.form, 'PrioritizeQueueOrder'),
    });
    return created(renderWorkspace(account, ws));
  });
  route('GET', '/v1/Workspaces/{Sid}', (req) => ok(renderWorkspace(account, tr.workspace(req.pathParams.Sid))));
  route('POST', '/v1/Workspaces/{Sid}', (req) => {
    const ws = tr.updateWorkspace(req.pathParams.Sid, {
      friendlyName: one(req.form, 'FriendlyName'),
      eventCallbackUrl: one(req.form, 'EventCallbackUrl'),
      eventsFilter: one(req.form, 'EventsFilter'),
      multiTaskEnabled: boolean(req.form, 'MultiTaskEnabled'),
      timeoutActivitySid: one(req.form, 'TimeoutActivitySid'),
      defaultActivitySid: one(req.form, 'DefaultActivitySid'),
      prioritizeQueueOrder: queueOrder(req.form, 'PrioritizeQueueOrder'),
    });
    return ok(renderWorkspace(account, ws));
  });
  route('DELETE', '/v1/Workspaces/{Sid}', (req) => {
    tr.deleteWorkspace(req.pathParams.Sid);
    return noContent;
  });

  // Activities
  route('GET', `${WS}/Activities`, (req) => {
    const ws = workspaceOf(req);
    const available = boolean(req.query, 'Available');
    const items = byFriendlyName(req.query, ws.activities.values()).filter(
      (a) => available === undefined || a.available === available,
    );
    return list(
      req,
      items.map((a) => renderActivity(account, ws, a)),
      'activities',
    );
  });
  route('POST', `${WS}/Activities`, (req) => {
    const ws = workspaceOf(req);
    const activity = tr.createActivity(
      ws.sid,
      required(req.form, 'FriendlyName'),
      boolean(req.form, 'Available') ?? true,
    );
    return created(renderActivity(account, ws, activity));
  });
  route('GET', `${WS}/Activities/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderActivity(account, ws, found(ws.activities.get(req.pathParams.Sid), req)));
  });
  route('POST', `${WS}/Activities/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const activity = found(ws.activities.get(req.pathParams.Sid), req);
    const name = one(req.form, 'FriendlyName');
    if (name !== undefined) activity.friendlyName = name;
    return ok(renderActivity(account, ws, activity));
  });

  // Task channels
  route('GET', `${WS}/TaskChannels`, (req) => {
    const ws = workspaceOf(req);
    return list(
      req,
      [...ws.taskChannels.values()].map((c) => renderTaskChannel(account, ws, c)),
      'channels',
    );
  });
  route('POST', `${WS}/TaskChannels`, (req) => {
    const ws = workspaceOf(req);
    const channel = tr.createTaskChannel(ws.sid, {
      friendlyName: required(req.form, 'FriendlyName'),
      uniqueName: required(req.form, 'UniqueName'),
      channelOptimizedRouting: boolean(req.form, 'ChannelOptimizedRouting'),
    });
    return created(renderTaskChannel(account, ws, channel));
  });
  route('GET', `${WS}/TaskChannels/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderTaskChannel(account, ws, found(tr.findTaskChannel(ws, req.pathParams.Sid), req)));
  });

  // Task queues
  route('GET', `${WS}/TaskQueues`, (req) => {
    const ws = workspaceOf(req);
    const items = byFriendlyName(req.query, ws.taskQueues.values());
    return list(
      req,
      items.map((q) => renderTaskQueue(account, ws, q)),
      'task_queues',
    );
  });
  route('POST', `${WS}/TaskQueues`, (req) => {
    const ws = workspaceOf(req);
    const queue = tr.createTaskQueue(ws.sid, {
      ...queueOptions(req.form),
      friendlyName: required(req.form, 'FriendlyName'),
    });
    return created(renderTaskQueue(account, ws, queue));
  });
  route('GET', `${WS}/TaskQueues/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderTaskQueue(account, ws, found(ws.taskQueues.get(req.pathParams.Sid), req)));
  });
  route('GET', `${WS}/TaskQueues/{TaskQueueSid}/RealTimeStatistics`, (req) => {
    const ws = workspaceOf(req);
    const stats = tr.queueStatistics(ws.sid, req.pathParams.TaskQueueSid, one(req.query, 'TaskChannel'));
    const { tasksByStatus } = stats;
    return ok({
      account_sid: account,
      activity_statistics: [],
      longest_task_waiting_age: 0,
      longest_task_waiting_sid: null,
      longest_relative_task_age_in_queue: 0,
      longest_relative_task_sid_in_queue: null,
      task_queue_sid: stats.queueSid,
      tasks_by_priority: {},
      // As the spec's description shows it: counts as strings.
      tasks_by_status: Object.fromEntries(Object.entries(tasksByStatus).map(([status, n]) => [status, String(n)])),
      total_available_workers: stats.availableWorkers,
      total_eligible_workers: stats.eligibleWorkers,
      total_tasks: Object.values(tasksByStatus).reduce((sum, n) => sum + n, 0),
      workspace_sid: ws.sid,
      url: `https://taskrouter.twilio.com/v1/Workspaces/${ws.sid}/TaskQueues/${stats.queueSid}/RealTimeStatistics`,
    });
  });
  route('POST', `${WS}/TaskQueues/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderTaskQueue(account, ws, tr.updateTaskQueue(ws.sid, req.pathParams.Sid, queueOptions(req.form))));
  });
  route('DELETE', `${WS}/TaskQueues/{Sid}`, (req) => {
    tr.deleteTaskQueue(req.pathParams.WorkspaceSid, req.pathParams.Sid);
    return noContent;
  });

  // Workflows
  route('GET', `${WS}/Workflows`, (req) => {
    const ws = workspaceOf(req);
    const items = byFriendlyName(req.query, ws.workflows.values());
    return list(
      req,
      items.map((w) => renderWorkflow(account, ws, w)),
      'workflows',
    );
  });
  route('POST', `${WS}/Workflows`, (req) => {
    const ws = workspaceOf(req);
    const workflow = tr.createWorkflow(ws.sid, {
      ...workflowOptions(req.form),
      friendlyName: required(req.form, 'FriendlyName'),
      configuration: required(req.form, 'Configuration'),
    });
    return created(renderWorkflow(account, ws, workflow));
  });
  route('GET', `${WS}/Workflows/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderWorkflow(account, ws, found(ws.workflows.get(req.pathParams.Sid), req)));
  });
  route('POST', `${WS}/Workflows/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const workflow = tr.updateWorkflow(ws.sid, req.pathParams.Sid, workflowOptions(req.form));
    return ok(renderWorkflow(account, ws, workflow));
  });
  route('DELETE', `${WS}/Workflows/{Sid}`, (req) => {
    tr.deleteWorkflow(req.pathParams.WorkspaceSid, req.pathParams.Sid);
    return noContent;
  });

  // Tasks
  const taskResponse = (ws: WorkspaceState, task: TaskState, status = 200): SimResponse => ({
    status,
    body: renderTask(account, ws, task, sim.clock.now()),
    headers: { ETag: taskEtag(task) },
  });
  route('GET', `${WS}/Tasks`, (req) => {
    const ws = workspaceOf(req);
    const items = filterTasks(ws, req.query);
    return list(
      req,
      // A list shows no attributes: "only displayed in FETCH actions" (the spec's task and worker).
      items.map((t) => ({ ...renderTask(account, ws, t, sim.clock.now()), attributes: null })),
      'tasks',
    );
  });
  route('POST', `${WS}/Tasks`, (req) => {
    const ws = workspaceOf(req);
    if (one(req.form, 'RoutingTarget') !== undefined || one(req.form, 'TaskQueueSid') !== undefined) {
      throw invalidParameter(
        'The simulator routes tasks through a Workflow only (RoutingTarget/TaskQueueSid are not simulated)',
      );
    }
    const task = tr.createTask(ws.sid, {
      workflowSid: one(req.form, 'WorkflowSid') ?? onlyWorkflow(ws),
      attributes: jsonObject(req.form, 'Attributes') ?? {},
      taskChannel: one(req.form, 'TaskChannel'),
      priority: integer(req.form, 'Priority'),
      timeout: integer(req.form, 'Timeout'),
    });
    return taskResponse(ws, task, 201);
  });
  route('GET', `${WS}/Tasks/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return taskResponse(ws, tr.getTask(ws.sid, req.pathParams.Sid));
  });
  route('POST', `${WS}/Tasks/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const task = tr.updateTask(ws.sid, req.pathParams.Sid, {
      attributes: jsonObject(req.form, 'Attributes'),
      priority: integer(req.form, 'Priority'),
      assignmentStatus: one(req.form, 'AssignmentStatus') as TaskStatus | undefined,
      reason: one(req.form, 'Reason'),
      ifMatch: header(req, 'if-match'),
    });
    return taskResponse(ws, task);
  });
  route('DELETE', `${WS}/Tasks/{Sid}`, (req) => {
    tr.deleteTask(req.pathParams.WorkspaceSid, req.pathParams.Sid, header(req, 'if-match'));
    return noContent;
  });

  // Reservations, seen from the task and from the worker
  const reservationList = (
    req: SimRequest,
    ws: WorkspaceState,
    items: ReservationState[],
    via: 'task' | 'worker',
  ): SimResponse => {
    const status = one(req.query, 'ReservationStatus');
    const workerSid = one(req.query, 'WorkerSid');
    const kept = items.filter(
      (r) => (status === undefined || r.status === status) && (workerSid === undefined || r.workerSid === workerSid),
    );
    return list(
      req,
      kept.map((r) => renderReservation(account, ws, r, via)),
      'reservations',
    );
  };
  const reservationOf = (req: SimRequest, ws: WorkspaceState): ReservationState => {
    const reservation = ws.reservations.get(req.pathParams.Sid);
    const owner = req.pathParams.TaskSid ?? req.pathParams.WorkerSid;
    const belongs = reservation && (reservation.taskSid === owner || reservation.workerSid === owner);
    return found(belongs ? reservation : undefined, req);
  };
  const updateReservation = (req: SimRequest, via: 'task' | 'worker'): SimResponse => {
    const ws = workspaceOf(req);
    const reservation = reservationOf(req, ws);
    // Instructions (dequeue, call, conference, redirect) accept the reservation implicitly.
    const status = (one(req.form, 'ReservationStatus') ?? (one(req.form, 'Instruction') ? 'accepted' : undefined)) as
      | ReservationStatus
      | undefined;
    if (status === undefined) throw invalidParameter('ReservationStatus is required');
    tr.updateReservation(ws.sid, reservation.sid, status, one(req.form, 'WorkerActivitySid'));
    return ok(renderReservation(account, ws, reservation, via));
  };
  route('GET', `${WS}/Tasks/{TaskSid}/Reservations`, (req) => {
    const ws = workspaceOf(req);
    const task = tr.getTask(ws.sid, req.pathParams.TaskSid);
    return reservationList(req, ws, tr.reservationsFor(ws.sid, task.sid), 'task');
  });
  route('GET', `${WS}/Tasks/{TaskSid}/Reservations/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderReservation(account, ws, reservationOf(req, ws), 'task'));
  });
  route('POST', `${WS}/Tasks/{TaskSid}/Reservations/{Sid}`, (req) => updateReservation(req, 'task'));
  route('GET', `${WS}/Workers/{WorkerSid}/Reservations`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.getWorker(ws.sid, req.pathParams.WorkerSid);
    return reservationList(
      req,
      ws,
      [...ws.reservations.values()].filter((r) => r.workerSid === worker.sid),
      'worker',
    );
  });
  route('GET', `${WS}/Workers/{WorkerSid}/Reservations/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderReservation(account, ws, reservationOf(req, ws), 'worker'));
  });
  route('POST', `${WS}/Workers/{WorkerSid}/Reservations/{Sid}`, (req) => updateReservation(req, 'worker'));

  // Workers
  route('GET', `${WS}/Workers`, (req) => {
    const ws = workspaceOf(req);
    return list(
      req,
      filterWorkers(tr, ws, req.query).map((w) => ({ ...renderWorker(account, ws, w), attributes: null })),
      'workers',
    );
  });
  route('POST', `${WS}/Workers`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.createWorker(ws.sid, {
      friendlyName: required(req.form, 'FriendlyName'),
      activitySid: one(req.form, 'ActivitySid'),
      attributes: jsonObject(req.form, 'Attributes'),
    });
    return created(renderWorker(account, ws, worker));
  });
  route('GET', `${WS}/Workers/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    return ok(renderWorker(account, ws, tr.getWorker(ws.sid, req.pathParams.Sid)));
  });
  route('POST', `${WS}/Workers/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.updateWorker(ws.sid, req.pathParams.Sid, {
      friendlyName: one(req.form, 'FriendlyName'),
      attributes: jsonObject(req.form, 'Attributes'),
      activitySid: one(req.form, 'ActivitySid'),
      rejectPendingReservations: boolean(req.form, 'RejectPendingReservations'),
    });
    return ok(renderWorker(account, ws, worker));
  });
  route('DELETE', `${WS}/Workers/{Sid}`, (req) => {
    tr.deleteWorker(req.pathParams.WorkspaceSid, req.pathParams.Sid);
    return noContent;
  });

  // Worker channels
  const renderChannel = (ws: WorkspaceState, worker: WorkerState, channel: WorkerChannelState) =>
    renderWorkerChannel(account, ws, worker, channel, sim.switches.assignedTasksCountsPending);
  route('GET', `${WS}/Workers/{WorkerSid}/Channels`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.getWorker(ws.sid, req.pathParams.WorkerSid);
    return list(
      req,
      worker.channels.map((c) => renderChannel(ws, worker, c)),
      'channels',
    );
  });
  route('GET', `${WS}/Workers/{WorkerSid}/Channels/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.getWorker(ws.sid, req.pathParams.WorkerSid);
    return ok(renderChannel(ws, worker, found(tr.findWorkerChannel(worker, req.pathParams.Sid), req)));
  });
  route('POST', `${WS}/Workers/{WorkerSid}/Channels/{Sid}`, (req) => {
    const ws = workspaceOf(req);
    const worker = tr.getWorker(ws.sid, req.pathParams.WorkerSid);
    const channel = tr.updateWorkerChannel(ws.sid, worker.sid, req.pathParams.Sid, {
      capacity: integer(req.form, 'Capacity'),
      available: boolean(req.form, 'Available'),
    });
    return ok(renderChannel(ws, worker, channel));
  });
}

// -----------------------------------------------------------------------------------------------
// List filters

/** The FriendlyName filter: the items so named, or all of them without it. */
function byFriendlyName<T extends { friendlyName: string }>(query: Params, items: Iterable<T>): T[] {
  const name = one(query, 'FriendlyName');
  return [...items].filter((item) => name === undefined || item.friendlyName === name);
}

function filterTasks(ws: WorkspaceState, query: Params): TaskState[] {
  const statuses = many(query, 'AssignmentStatus');
  const workflowSid = one(query, 'WorkflowSid');
  const workflowName = one(query, 'WorkflowName');
  const queueSid = one(query, 'TaskQueueSid');
  const queueName = one(query, 'TaskQueueName');
  const priority = integer(query, 'Priority');
  const evaluate = one(query, 'EvaluateTaskAttributes');
  const expression = evaluate === undefined ? undefined : checkExpression(evaluate, 'task', 'EvaluateTaskAttributes');
  const tasks = [...ws.tasks.values()].filter(
    (t) =>
      (!statuses || statuses.includes(t.assignmentStatus)) &&
      (workflowSid === undefined || t.workflowSid === workflowSid) &&
      (workflowName === undefined || ws.workflows.get(t.workflowSid)?.friendlyName === workflowName) &&
      (queueSid === undefined || t.taskQueueSid === queueSid) &&
      (queueName === undefined ||
        (t.taskQueueSid !== undefined && ws.taskQueues.get(t.taskQueueSid)?.friendlyName === queueName)) &&
      (priority === undefined || t.priority === priority) &&
      (!expression || expression.evaluate(t.attributes)),
  );
  return orderTasks(tasks, one(query, 'Ordering'));
}

/** `Ordering=DateCreated:desc,Priority:asc` (DateCreated and Priority are simulated). */
function orderTasks(tasks: TaskState[], ordering: string | undefined): TaskState[] {
  if (!ordering) return tasks;
  const keys = ordering.split(',').map((part) => {
    const [field, direction = 'asc'] = part.split(':');
    const sign = direction.toLowerCase() === 'desc' ? -1 : 1;
    if (field === 'DateCreated') return (a: TaskState, b: TaskState) => sign * (a.dateCreated - b.dateCreated);
    if (field === 'Priority') return (a: TaskState, b: TaskState) => sign * (a.priority - b.priority);
    throw invalidParameter(`Ordering by ${field} is not supported`);
  });
  return [...tasks].sort((a, b) => keys.reduce((result, compare) => result || compare(a, b), 0));
}

function filterWorkers(tr: TaskRouterSim, ws: WorkspaceState, query: Params): WorkerState[] {
  const name = one(query, 'FriendlyName');
  const activitySid = one(query, 'ActivitySid');
  const activityName = one(query, 'ActivityName');
  const available = boolean(query, 'Available');
  const expressionSource = one(query, 'TargetWorkersExpression');
  const expression =
    expressionSource === undefined ? undefined : checkExpression(expressionSource, 'worker', 'TargetWorkersExpression');
  const queueRef = one(query, 'TaskQueueSid') ?? one(query, 'TaskQueueName');
  const queue =
    queueRef === undefined
      ? undefined
      : [...ws.taskQueues.values()].find((q) => q.sid === queueRef || q.friendlyName === queueRef);
  const queueExpression = queue ? checkExpression(queue.targetWorkers, 'worker', 'TargetWorkers') : undefined;
  return [...ws.workers.values()].filter((w) => {
    const activity = tr.findActivity(ws, w.activitySid);
    return (
      (name === undefined || w.friendlyName.toLowerCase() === name.toLowerCase()) &&
      (activitySid === undefined || w.activitySid === activitySid) &&
      (activityName === undefined || activity?.friendlyName === activityName) &&
      (available === undefined || (activity?.available ?? false) === available) &&
      (!expression || expression.evaluate({}, w.attributes)) &&
      (queueRef === undefined || queueExpression?.evaluate({}, w.attributes))
    );
  });
}

// -----------------------------------------------------------------------------------------------
// Parameters

/** Twilio's list envelope, its paging URLs keeping every filter given. */
function list(req: SimRequest, items: unknown[], key: string): SimResponse {
  const filters = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) {
    if (PAGING_PARAMS.has(name)) continue;
    for (const item of [value].flat()) filters.append(name, item);
  }
  return page(req, key, items, filters.toString());
}

function found<T>(value: T | undefined, req: SimRequest): T {
  if (value === undefined)
    throw notFound(req.template.replace(/\{([^}]+)\}/g, (_, name: string) => req.pathParams[name]));
  return value;
}

function one(params: Params, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** Repeated keys or a comma-separated value. */
function many(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  return [value]
    .flat()
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function required(params: Params, name: string): string {
  const value = one(params, name);
  if (value === undefined) throw invalidParameter(`Required parameter "${name}" missing`);
  return value;
}

function integer(params: Params, name: string): number | undefined {
  const value = one(params, name);
  return value === undefined ? undefined : Number(value);
}

function boolean(params: Params, name: string): boolean | undefined {
  const value = one(params, name);
  return value === undefined ? undefined : /^(true|1|yes)$/i.test(value);
}

function jsonObject(params: Params, name: string): Attributes | undefined {
  const value = one(params, name);
  return value === undefined ? undefined : parseJsonObject(value, name);
}

function queueOrder(params: Params, name: string): 'FIFO' | 'LIFO' | undefined {
  return one(params, name) as 'FIFO' | 'LIFO' | undefined;
}

function queueOptions(form: Params): Partial<TaskQueueOptions> {
  return {
    friendlyName: one(form, 'FriendlyName'),
    targetWorkers: one(form, 'TargetWorkers'),
    maxReservedWorkers: integer(form, 'MaxReservedWorkers'),
    taskOrder: queueOrder(form, 'TaskOrder'),
    reservationActivitySid: one(form, 'ReservationActivitySid'),
    assignmentActivitySid: one(form, 'AssignmentActivitySid'),
  };
}

function workflowOptions(form: Params): Partial<WorkflowOptions> {
  return {
    friendlyName: one(form, 'FriendlyName'),
    configuration: one(form, 'Configuration'),
    taskReservationTimeout: integer(form, 'TaskReservationTimeout'),
    assignmentCallbackUrl: one(form, 'AssignmentCallbackUrl'),
    fallbackAssignmentCallbackUrl: one(form, 'FallbackAssignmentCallbackUrl'),
    reEvaluateTasks: one(form, 'ReEvaluateTasks') === 'true',
  };
}

function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** WorkflowSid may be left out when the workspace has exactly one workflow. */
function onlyWorkflow(ws: WorkspaceState): string {
  const workflows = [...ws.workflows.keys()];
  if (workflows.length !== 1)
    throw invalidParameter('WorkflowSid is required when the workspace has more than one Workflow');
  return workflows[0];
}
