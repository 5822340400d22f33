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
  /** workflow.target-matched carries the target details (TaskQueueSid, TaskQueueName, WorkflowTargetPriority ...). */
  targetMatchedIncludesTarget: boolean;
  /** Sync item expiry lags the TTL by this many ms (Twilio: "can lag by minutes"). */
  syncTtlLagMs: number;
}

export const DEFAULT_SWITCHES: TwilioSwitches = {
  attributeUpdateCancelsReservation: true,
  reservationNotPendingCode: 20001,
  timeoutActivityWhenMultitasking: true,
  duplicateEvents: false,
  targetMatchedIncludesTarget: true,
  syncTtlLagMs: 0,
};
