// REST representations (snake_case, as in Twilio's OpenAPI examples) of the TaskRouter state.
import { isoDate } from './clock';
import {
  ACTIVE_RESERVATION_STATUSES,
  type ActivityState,
  type ReservationState,
  type TaskChannelState,
  type TaskQueueState,
  type TaskState,
  type WorkerChannelState,
  type WorkerState,
  type WorkflowState,
  type WorkspaceState,
} from './taskrouter-state';

export const BASE_URL = 'https://taskrouter.twilio.com/v1';

type Json = Record<string, unknown>;

export function workspaceUrl(workspaceSid: string): string {
  return `${BASE_URL}/Workspaces/${workspaceSid}`;
}

export function renderWorkspace(accountSid: string, ws: WorkspaceState): Json {
  const url = workspaceUrl(ws.sid);
  return {
    account_sid: accountSid,
    date_created: isoDate(ws.dateCreated),
    date_updated: isoDate(ws.dateUpdated),
    default_activity_name: ws.activities.get(ws.defaultActivitySid)?.friendlyName ?? null,
    default_activity_sid: ws.defaultActivitySid,
    event_callback_url: ws.eventCallbackUrl ?? null,
    events_filter: ws.eventsFilter ?? null,
    friendly_name: ws.friendlyName,
    multi_task_enabled: ws.multiTaskEnabled,
    prioritize_queue_order: ws.prioritizeQueueOrder,
    sid: ws.sid,
    timeout_activity_name: ws.activities.get(ws.timeoutActivitySid)?.friendlyName ?? null,
    timeout_activity_sid: ws.timeoutActivitySid,
    url,
    links: {
      activities: `${url}/Activities`,
      statistics: `${url}/Statistics`,
      real_time_statistics: `${url}/RealTimeStatistics`,
      cumulative_statistics: `${url}/CumulativeStatistics`,
      task_queues: `${url}/TaskQueues`,
      tasks: `${url}/Tasks`,
      workers: `${url}/Workers`,
      workflows: `${url}/Workflows`,
      task_channels: `${url}/TaskChannels`,
      events: `${url}/Events`,
    },
  };
}

export function renderActivity(accountSid: string, ws: WorkspaceState, activity: ActivityState): Json {
  return {
    account_sid: accountSid,
    available: activity.available,
    date_created: isoDate(activity.dateCreated),
    date_updated: isoDate(activity.dateUpdated),
    friendly_name: activity.friendlyName,
    sid: activity.sid,
    workspace_sid: ws.sid,
    url: `${workspaceUrl(ws.sid)}/Activities/${activity.sid}`,
    links: { workspace: workspaceUrl(ws.sid) },
  };
}

export function renderTaskChannel(accountSid: string, ws: WorkspaceState, channel: TaskChannelState): Json {
  return {
    account_sid: accountSid,
    date_created: isoDate(channel.dateCreated),
    date_updated: isoDate(channel.dateUpdated),
    friendly_name: channel.friendlyName,
    sid: channel.sid,
    unique_name: channel.uniqueName,
    workspace_sid: ws.sid,
    channel_optimized_routing: channel.channelOptimizedRouting,
    url: `${workspaceUrl(ws.sid)}/TaskChannels/${channel.sid}`,
    links: { workspace: workspaceUrl(ws.sid) },
  };
}

export function renderTaskQueue(accountSid: string, ws: WorkspaceState, queue: TaskQueueState): Json {
  const url = `${workspaceUrl(ws.sid)}/TaskQueues/${queue.sid}`;
  const activityName = (sid: string | undefined): string | null =>
    sid ? (ws.activities.get(sid)?.friendlyName ?? null) : null;
  return {
    account_sid: accountSid,
    assignment_activity_sid: queue.assignmentActivitySid ?? null,
    assignment_activity_name: activityName(queue.assignmentActivitySid),
    date_created: isoDate(queue.dateCreated),
    date_updated: isoDate(queue.dateUpdated),
    friendly_name: queue.friendlyName,
    max_reserved_workers: queue.maxReservedWorkers,
    reservation_activity_sid: queue.reservationActivitySid ?? null,
    reservation_activity_name: activityName(queue.reservationActivitySid),
    sid: queue.sid,
    target_workers: queue.targetWorkers,
    task_order: queue.taskOrder,
    url,
    workspace_sid: ws.sid,
    links: {
      workspace: workspaceUrl(ws.sid),
      statistics: `${url}/Statistics`,
      real_time_statistics: `${url}/RealTimeStatistics`,
      cumulative_statistics: `${url}/CumulativeStatistics`,
    },
  };
}

export function renderWorkflow(accountSid: string, ws: WorkspaceState, workflow: WorkflowState): Json {
  const url = `${workspaceUrl(ws.sid)}/Workflows/${workflow.sid}`;
  return {
    account_sid: accountSid,
    assignment_callback_url: workflow.assignmentCallbackUrl ?? null,
    configuration: workflow.configurationText,
    date_created: isoDate(workflow.dateCreated),
    date_updated: isoDate(workflow.dateUpdated),
    document_content_type: 'application/json',
    fallback_assignment_callback_url: workflow.fallbackAssignmentCallbackUrl ?? null,
    friendly_name: workflow.friendlyName,
    sid: workflow.sid,
    task_reservation_timeout: workflow.taskReservationTimeout,
    workspace_sid: ws.sid,
    url,
    links: {
      statistics: `${url}/Statistics`,
      real_time_statistics: `${url}/RealTimeStatistics`,
      cumulative_statistics: `${url}/CumulativeStatistics`,
    },
  };
}

export function renderTask(accountSid: string, ws: WorkspaceState, task: TaskState, now: number): Json {
  const url = `${workspaceUrl(ws.sid)}/Tasks/${task.sid}`;
  const queue = task.taskQueueSid ? ws.taskQueues.get(task.taskQueueSid) : undefined;
  return {
    account_sid: accountSid,
    age: Math.max(0, Math.floor((now - task.dateCreated) / 1000)),
    assignment_status: task.assignmentStatus,
    attributes: JSON.stringify(task.attributes),
    addons: '{}',
    date_created: isoDate(task.dateCreated),
    date_updated: isoDate(task.dateUpdated),
    task_queue_entered_date: isoDate(task.taskQueueEnteredAt),
    priority: task.priority,
    reason: task.reason ?? null,
    sid: task.sid,
    task_queue_sid: task.taskQueueSid ?? null,
    task_queue_friendly_name: queue?.friendlyName ?? null,
    task_channel_sid: task.taskChannelSid,
    task_channel_unique_name: task.taskChannelUniqueName,
    timeout: task.timeout,
    workflow_sid: task.workflowSid,
    workflow_friendly_name: ws.workflows.get(task.workflowSid)?.friendlyName ?? null,
    workspace_sid: ws.sid,
    url,
    links: {
      task_queue: task.taskQueueSid ? `${workspaceUrl(ws.sid)}/TaskQueues/${task.taskQueueSid}` : null,
      workflow: `${workspaceUrl(ws.sid)}/Workflows/${task.workflowSid}`,
      workspace: workspaceUrl(ws.sid),
      reservations: `${url}/Reservations`,
    },
    virtual_start_time: isoDate(task.dateCreated),
    ignore_capacity: false,
    routing_target: null,
  };
}

export function taskEtag(task: TaskState): string {
  return String(task.revision);
}

export function renderWorker(accountSid: string, ws: WorkspaceState, worker: WorkerState): Json {
  const url = `${workspaceUrl(ws.sid)}/Workers/${worker.sid}`;
  const activity = ws.activities.get(worker.activitySid);
  return {
    account_sid: accountSid,
    activity_name: activity?.friendlyName ?? null,
    activity_sid: worker.activitySid,
    attributes: JSON.stringify(worker.attributes),
    available: activity?.available ?? false,
    date_created: isoDate(worker.dateCreated),
    date_status_changed: isoDate(worker.dateStatusChanged),
    date_updated: isoDate(worker.dateUpdated),
    friendly_name: worker.friendlyName,
    sid: worker.sid,
    workspace_sid: ws.sid,
    url,
    links: {
      channels: `${url}/Channels`,
      activity: `${workspaceUrl(ws.sid)}/Activities/${worker.activitySid}`,
      workspace: workspaceUrl(ws.sid),
      worker_channels: `${url}/Channels`,
      reservations: `${url}/Reservations`,
    },
  };
}

/**
 * `countsPending` (switch assignedTasksCountsPending): whether the pending reservations show in
 * `assigned_tasks`; they take a slot of the channel either way.
 */
export function renderWorkerChannel(
  accountSid: string,
  ws: WorkspaceState,
  worker: WorkerState,
  channel: WorkerChannelState,
  countsPending: boolean,
): Json {
  const assigned = [...ws.reservations.values()].filter(
    (r) =>
      r.workerSid === worker.sid &&
      ACTIVE_RESERVATION_STATUSES.includes(r.status) &&
      (countsPending || r.status !== 'pending') &&
      ws.tasks.get(r.taskSid)?.taskChannelSid === channel.taskChannelSid,
  ).length;
  const free = Math.max(0, channel.capacity - assigned);
  return {
    account_sid: accountSid,
    assigned_tasks: assigned,
    available: channel.available,
    available_capacity_percentage: channel.capacity > 0 ? Math.floor((free * 100) / channel.capacity) : 0,
    configured_capacity: channel.capacity,
    date_created: isoDate(channel.dateCreated),
    date_updated: isoDate(channel.dateUpdated),
    sid: channel.sid,
    task_channel_sid: channel.taskChannelSid,
    task_channel_unique_name: channel.taskChannelUniqueName,
    worker_sid: worker.sid,
    workspace_sid: ws.sid,
    url: `${workspaceUrl(ws.sid)}/Workers/${worker.sid}/Channels/${channel.sid}`,
  };
}

/** The same reservation seen from the task (`.../Tasks/{WT}/Reservations`) or the worker. */
export function renderReservation(
  accountSid: string,
  ws: WorkspaceState,
  reservation: ReservationState,
  via: 'task' | 'worker',
): Json {
  const base = workspaceUrl(ws.sid);
  const url =
    via === 'task'
      ? `${base}/Tasks/${reservation.taskSid}/Reservations/${reservation.sid}`
      : `${base}/Workers/${reservation.workerSid}/Reservations/${reservation.sid}`;
  return {
    account_sid: accountSid,
    date_created: isoDate(reservation.dateCreated),
    date_updated: isoDate(reservation.dateUpdated),
    reservation_status: reservation.status,
    sid: reservation.sid,
    task_sid: reservation.taskSid,
    worker_name: reservation.workerName,
    worker_sid: reservation.workerSid,
    workspace_sid: ws.sid,
    url,
    links: {
      task: `${base}/Tasks/${reservation.taskSid}`,
      worker: `${base}/Workers/${reservation.workerSid}`,
      workspace: base,
    },
  };
}
