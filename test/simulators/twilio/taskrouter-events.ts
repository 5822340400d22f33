// Workspace event callback payloads, with the fields TWILIO_NOTES lists ("Workspace event callbacks").
import { newSid } from './sids';
import type { ReservationState, TaskState, WorkerState, WorkspaceState } from './taskrouter-state';

export type EventResourceType = 'task' | 'reservation' | 'worker' | 'workflow' | 'taskqueue';

export interface EventSubject {
  resourceType: EventResourceType;
  resourceSid: string;
  task?: TaskState;
  worker?: WorkerState;
  reservation?: ReservationState;
  /** Event-specific fields (WorkflowFilterName, WorkerPreviousActivitySid ...); undefined values are left out. */
  extra?: Record<string, string | number | boolean | undefined>;
}

export function buildEventParams(
  accountSid: string,
  now: number,
  workspace: WorkspaceState,
  eventType: string,
  description: string,
  subject: EventSubject,
): Record<string, string> {
  const params: Record<string, string> = {
    EventType: eventType,
    AccountSid: accountSid,
    WorkspaceSid: workspace.sid,
    WorkspaceName: workspace.friendlyName,
    EventDescription: description,
    ResourceType: subject.resourceType,
    ResourceSid: subject.resourceSid,
    Sid: newSid('EV'),
    Timestamp: String(Math.floor(now / 1000)),
    TimestampMs: String(now),
  };
  if (subject.task) Object.assign(params, taskFields(subject.task, now));
  if (subject.worker) Object.assign(params, workerFields(workspace, subject.worker));
  if (subject.reservation) Object.assign(params, reservationFields(workspace, subject.reservation));
  for (const [key, value] of Object.entries(subject.extra ?? {})) {
    if (value !== undefined) params[key] = String(value);
  }
  return params;
}

function taskFields(task: TaskState, now: number): Record<string, string> {
  const fields: Record<string, string> = {
    TaskSid: task.sid,
    TaskAttributes: JSON.stringify(task.attributes),
    TaskAge: String(Math.max(0, Math.floor((now - task.dateCreated) / 1000))),
    TaskPriority: String(task.priority),
    TaskAssignmentStatus: task.assignmentStatus,
    TaskChannelSid: task.taskChannelSid,
    TaskChannelUniqueName: task.taskChannelUniqueName,
    TaskDateCreated: String(Math.floor(task.dateCreated / 1000)),
    TaskVersion: String(task.revision),
  };
  if (task.assignmentStatus === 'canceled' && task.reason !== undefined) fields.TaskCanceledReason = task.reason;
  if (task.assignmentStatus === 'completed' && task.reason !== undefined) fields.TaskCompletedReason = task.reason;
  return fields;
}

function workerFields(workspace: WorkspaceState, worker: WorkerState): Record<string, string> {
  const activity = workspace.activities.get(worker.activitySid);
  return {
    WorkerSid: worker.sid,
    WorkerName: worker.friendlyName,
    WorkerAttributes: JSON.stringify(worker.attributes),
    WorkerActivitySid: worker.activitySid,
    WorkerActivityName: activity?.friendlyName ?? '',
  };
}

function reservationFields(workspace: WorkspaceState, reservation: ReservationState): Record<string, string> {
  return {
    ReservationSid: reservation.sid,
    TaskQueueSid: reservation.taskQueueSid,
    TaskQueueName: workspace.taskQueues.get(reservation.taskQueueSid)?.friendlyName ?? '',
    WorkflowSid: reservation.workflowSid,
    WorkflowName: workspace.workflows.get(reservation.workflowSid)?.friendlyName ?? '',
  };
}

/** EventsFilter is a comma-separated list of event types; no filter means every event. */
export function eventPassesFilter(eventsFilter: string | undefined, eventType: string): boolean {
  if (!eventsFilter || eventsFilter.trim() === '') return true;
  return eventsFilter
    .split(',')
    .map((type) => type.trim())
    .includes(eventType);
}
