// TaskRouter simulator state: plain data, readable by tests and other simulator modules.
// Times are epoch milliseconds on the simulator clock; attributes are parsed JSON objects.

export type Attributes = Record<string, unknown>;

export type TaskStatus = 'pending' | 'reserved' | 'assigned' | 'wrapping' | 'completed' | 'canceled';

export type ReservationStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'timeout'
  | 'canceled'
  | 'rescinded'
  | 'wrapping'
  | 'completed';

/** Statuses that hold a slot of the worker's channel capacity. */
export const ACTIVE_RESERVATION_STATUSES: readonly ReservationStatus[] = ['pending', 'accepted', 'wrapping'];

export interface ActivityState {
  sid: string;
  friendlyName: string;
  available: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export interface TaskChannelState {
  sid: string;
  uniqueName: string;
  friendlyName: string;
  channelOptimizedRouting: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export interface TaskQueueState {
  sid: string;
  friendlyName: string;
  /** Worker expression; `1==1` selects every worker. */
  targetWorkers: string;
  maxReservedWorkers: number;
  taskOrder: 'FIFO' | 'LIFO';
  reservationActivitySid?: string;
  assignmentActivitySid?: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface WorkflowTarget {
  queue?: string;
  expression?: string;
  priority?: number;
  /** Seconds before the task moves on to the next target (cumulative from entering the filter). */
  timeout?: number;
  order_by?: string;
  skip_if?: string;
  known_worker_sid?: string;
  known_worker_friendly_name?: string;
}

export interface WorkflowFilter {
  filter_friendly_name?: string;
  expression: string;
  targets: WorkflowTarget[];
}

export interface WorkflowConfiguration {
  task_routing: {
    filters: WorkflowFilter[];
    default_filter?: { queue: string };
  };
}

export interface WorkflowState {
  sid: string;
  friendlyName: string;
  configuration: WorkflowConfiguration;
  /** The Configuration as posted, which TaskRouter answers unchanged. */
  configurationText: string;
  /** Seconds a pending reservation lives before it times out. */
  taskReservationTimeout: number;
  assignmentCallbackUrl?: string;
  fallbackAssignmentCallbackUrl?: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface WorkerChannelState {
  sid: string;
  taskChannelSid: string;
  taskChannelUniqueName: string;
  capacity: number;
  available: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export interface WorkerState {
  sid: string;
  friendlyName: string;
  attributes: Attributes;
  activitySid: string;
  channels: WorkerChannelState[];
  dateCreated: number;
  dateUpdated: number;
  dateStatusChanged: number;
  /** When the worker was last offered a task; the longest-idle worker is offered first. */
  lastReservedAt?: number;
}

/** Where a task stands in its workflow. */
export interface TaskRouting {
  /** Index into the workflow's filters; -1 for the default filter. */
  filterIndex: number;
  filterName: string;
  /** When the task entered this filter: target timeouts count from here. */
  enteredAt: number;
  targetIndex: number;
  /** Attributes changed while a reservation was kept: the filters run again when it is released. */
  stale: boolean;
}

export interface TaskState {
  sid: string;
  workspaceSid: string;
  workflowSid: string;
  attributes: Attributes;
  assignmentStatus: TaskStatus;
  priority: number;
  /** Seconds the task may wait for assignment before it is canceled ("Task TTL Exceeded"). */
  timeout: number;
  reason?: string;
  taskChannelSid: string;
  taskChannelUniqueName: string;
  taskQueueSid?: string;
  taskQueueEnteredAt?: number;
  dateCreated: number;
  dateUpdated: number;
  /** Bumped on every change; rendered as the ETag. */
  revision: number;
  routing?: TaskRouting;
  /** Workers that rejected the task in its current target; not offered it again until it moves on. */
  rejectedWorkerSids: string[];
}

export interface ReservationState {
  sid: string;
  taskSid: string;
  workerSid: string;
  workerName: string;
  status: ReservationStatus;
  taskQueueSid: string;
  workflowSid: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface WorkspaceState {
  sid: string;
  friendlyName: string;
  eventCallbackUrl?: string;
  /** Comma-separated event types; absent = every event. */
  eventsFilter?: string;
  multiTaskEnabled: boolean;
  prioritizeQueueOrder: 'FIFO' | 'LIFO';
  defaultActivitySid: string;
  timeoutActivitySid: string;
  dateCreated: number;
  dateUpdated: number;
  activities: Map<string, ActivityState>;
  taskChannels: Map<string, TaskChannelState>;
  taskQueues: Map<string, TaskQueueState>;
  workflows: Map<string, WorkflowState>;
  workers: Map<string, WorkerState>;
  tasks: Map<string, TaskState>;
  reservations: Map<string, ReservationState>;
}

/** Every workspace event the simulator raised, whether or not it was delivered. */
export interface RecordedEvent {
  sid: string;
  eventType: string;
  workspaceSid: string;
  resourceSid: string;
  timestamp: number;
  params: Record<string, string>;
  /** False when the workspace has no EventCallbackUrl or its EventsFilter excludes the type. */
  delivered: boolean;
}
