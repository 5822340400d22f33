// Every [open] simulator switch, flipped from its default (every value of an enum-like one), with
// what makes it matter in the core conversation. `switches.test.ts` runs the conversation under
// each case; `switch-matrix.test.ts` fails when a switch has no case.
import type { OpenCxSwitches } from '../simulators/opencx/switches';
import type { TwilioSwitches } from '../simulators/twilio/switches';

/**
 * What the case adds to the core conversation so that the switch changes the path:
 * - `relay fails once`: the first relay of a customer message answers 503 (our record cannot be read);
 * - `engage fails once`: the AI's first reservation.created answers 503 (the conversation cannot be claimed);
 * - `AI reservation times out`: the AI's reservation times out once after the engage;
 * - `slow answer`: OpenCX answers the relayed message after the Function stopped waiting, and its
 *   first webhook delivery is refused (forged), so its retry brings the answer;
 * - `caller gives up`: Conversations gives up on the relay while OpenCX is still answering;
 * - `late events`: after each step the clock moves on, so the events held back arrive late and out of order;
 * - `elsewhere`: nothing in the core conversation reads the switch with only it flipped; `exercisedIn`
 *   names the integration test that drives it (checked by `switch-matrix.test.ts`).
 */
export type SwitchTrigger =
  | 'none'
  | 'late events'
  | 'relay fails once'
  | 'engage fails once'
  | 'AI reservation times out'
  | 'slow answer'
  | 'caller gives up'
  | 'elsewhere';

export interface SwitchCase {
  twilio?: Partial<TwilioSwitches>;
  opencx?: Partial<OpenCxSwitches>;
  trigger: SwitchTrigger;
  /** The case needs a Function stopped mid-way, which only a runtime forking a process per invocation can do. */
  runtime: 'warm' | 'fork';
  /** With the `elsewhere` trigger: the file in test/integration that exercises the switch. */
  exercisedIn?: string;
}

export const SWITCH_CASES: SwitchCase[] = [
  { twilio: { attributeUpdateCancelsReservation: false }, trigger: 'none', runtime: 'warm' },
  { twilio: { reservationNotPendingCode: 40140 }, trigger: 'none', runtime: 'warm' },
  { twilio: { timeoutActivityWhenMultitasking: false }, trigger: 'AI reservation times out', runtime: 'warm' },
  { twilio: { duplicateEvents: true }, trigger: 'none', runtime: 'warm' },
  { twilio: { concurrentEvents: true }, trigger: 'none', runtime: 'warm' },
  { twilio: { targetMatchedIncludesTarget: false }, trigger: 'none', runtime: 'warm' },
  { twilio: { syncTtlLagMs: 300_000 }, trigger: 'AI reservation times out', runtime: 'warm' },
  { twilio: { conversationsRetriesTimedOutWebhooks: true }, trigger: 'relay fails once', runtime: 'warm' },
  { twilio: { taskRouterRetriesFailedEvents: true }, trigger: 'engage fails once', runtime: 'warm' },
  { twilio: { functionOutlivesCaller: false }, trigger: 'caller gives up', runtime: 'fork' },
  // Only a reject the bridge makes itself reads it, which needs attributeUpdateCancelsReservation off as well.
  {
    twilio: { rejectedWorkerNeverReoffered: false },
    trigger: 'elsewhere',
    runtime: 'warm',
    exercisedIn: 'decline-loop.test.ts',
  },
  { twilio: { lateDeliveryMs: 2_000 }, trigger: 'late events', runtime: 'warm' },
  // Read only by the admin Functions' view of the AI workers' channels (the pool's use, Uninstall).
  {
    twilio: { assignedTasksCountsPending: false },
    trigger: 'elsewhere',
    runtime: 'warm',
    exercisedIn: 'ai-pool.test.ts',
  },
  // Read only when a Function's request to OpenCX is cut off mid-answer.
  {
    opencx: { processesAfterDisconnect: false },
    trigger: 'elsewhere',
    runtime: 'warm',
    exercisedIn: 'slow-answers.test.ts',
  },
  { opencx: { webhookTiming: 'before-response' }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { duplicateWebhooks: true }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { webhookDataAsArray: true }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { webhookRetryDelaysMs: [2_000, 4_000] }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { webhookTimeoutMs: 3_000 }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { aiResponseShape: 'response' }, trigger: 'slow answer', runtime: 'warm' },
  { opencx: { aiResponseShape: 'response-without-id' }, trigger: 'slow answer', runtime: 'warm' },
  // The core conversation's handoff: its summary and sentiment then come from the session alone.
  { opencx: { handoffResolveArgs: false }, trigger: 'none', runtime: 'warm' },
];

export function caseName(c: SwitchCase): string {
  return Object.entries({ ...c.twilio, ...c.opencx })
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(', ');
}
