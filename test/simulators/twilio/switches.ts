/**
 * Behaviours Twilio's docs leave open (marked [open] in TWILIO_NOTES.md). Each is a switch so
 * the product is tested under every plausible reading.
 */
export interface TwilioSwitches {
  /** Updating a pending/reserved task's attributes cancels its pending reservation and re-routes it. */
  attributeUpdateCancelsReservation: boolean;
  /** Error code answered when accepting/rejecting a reservation that is no longer pending (HTTP 400). */
  reservationNotPendingCode: number;
  /** A reservation timeout moves the worker to the workspace TimeoutActivity even when multitasking is on. */
  timeoutActivityWhenMultitasking: boolean;
  /** Every workspace event is delivered twice (at-least-once delivery). */
  duplicateEvents: boolean;
  /**
   * A workspace's events go out without waiting for the answer to the one before (a duplicate at
   * the same time as the original), so the Functions handle them concurrently. Off: one at a time, in order.
   */
  concurrentEvents: boolean;
  /** workflow.target-matched carries the target details (TaskQueueSid, TaskQueueName, WorkflowTargetPriority ...). */
  targetMatchedIncludesTarget: boolean;
  /** Sync item expiry lags the TTL by this many ms (Twilio: "can lag by minutes"). */
  syncTtlLagMs: number;
  /**
   * A Conversations post-event webhook that timed out or answered 5xx is re-sent once, with
   * RetryCount=1 and the same I-Twilio-Idempotency-Token. Off by default: the service's
   * PostWebhookRetryCount defaults to 0 and the Conversations webhook configuration has no retry setting.
   */
  conversationsRetriesTimedOutWebhooks: boolean;
  /** A TaskRouter event callback that timed out or answered 5xx is delivered once more (same event Sid). */
  taskRouterRetriesFailedEvents: boolean;
  /**
   * A Function keeps running after its caller gave up (Conversations at 5 s, TaskRouter at 15 s), as
   * the local twilio-run does. Off: the Function is stopped when the caller gives up.
   */
  functionOutlivesCaller: boolean;
  /** A worker that rejected a task is not offered it again while the task stays in its target. Off: it can be. */
  rejectedWorkerNeverReoffered: boolean;
  /**
   * Every second event (TaskRouter events and Conversations webhooks alike) is held back this many
   * simulated ms, so it arrives late and after events that followed it. 0: none is late.
   */
  lateDeliveryMs: number;
  /**
   * A worker channel's `assigned_tasks` (and `available_capacity_percentage`) counts the worker's pending
   * reservations on it. Off: only accepted and wrapping ones. Either way a pending reservation takes a slot.
   */
  assignedTasksCountsPending: boolean;
}

export const DEFAULT_SWITCHES: TwilioSwitches = {
  attributeUpdateCancelsReservation: true,
  reservationNotPendingCode: 20001,
  timeoutActivityWhenMultitasking: true,
  duplicateEvents: false,
  concurrentEvents: false,
  targetMatchedIncludesTarget: true,
  syncTtlLagMs: 0,
  conversationsRetriesTimedOutWebhooks: false,
  taskRouterRetriesFailedEvents: false,
  functionOutlivesCaller: true,
  rejectedWorkerNeverReoffered: true,
  lateDeliveryMs: 0,
  assignedTasksCountsPending: true,
};
