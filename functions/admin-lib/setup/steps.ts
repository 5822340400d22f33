// Apply as a list of steps, each owning one resource: read it, decide (pure), back it up, write
// it, and report. A step never hides another: each ends applied, unchanged, skipped or failed with
// its reason, whatever the others did. Twilio's TaskRouter and Conversations resources have no
// ETags, so a step refuses to write when the resource no longer has the revision the admin's check
// saw (a Console edit in between), and reads it again right before deciding.
import { createHash } from 'node:crypto';
import { twilioErrorCode, twilioStatus } from '../../common/twilio/base';
import type { CheckId } from './check';

export type StepStatus = 'applied' | 'unchanged' | 'skipped' | 'failed';

/** Why a step failed, when a client acts on it: its resource changed since the check (run the check again). */
export type StepFailureReason = 'changed_since_check';

/** What one step did, as the plugin and the CLI show it. */
export interface StepReport {
  id: CheckId;
  title: string;
  status: StepStatus;
  /** What was written, why nothing was, or why it failed. */
  detail: string;
  /** Only on a failed step whose cause a client acts on; the detail says it in words. */
  reason?: StepFailureReason;
}

/** What Undo and Uninstall need to put one resource back as it was before a write. */
export type ResourceBackup =
  | { kind: 'workspace_callback'; workspaceSid: string; eventCallbackUrl: string | null; eventsFilter: string | null }
  | {
      kind: 'conversations_webhook';
      serviceSid: string;
      postWebhookUrl: string | null;
      method: string | null;
      filters: string[];
      /** The pre-event webhook then, which shares `method` and `filters` (null: none; absent: not recorded). */
      preWebhookUrl?: string | null;
    }
  /** `configuration`: the workflow's Configuration exactly as TaskRouter returned it. */
  | { kind: 'workflow'; workspaceSid: string; workflowSid: string; configuration: string }
  /**
   * No AI queue before: putting it back deletes the queue Apply created (named
   * "OpenCX AI" with exactly its Target Workers), once no workflow targets it.
   */
  | { kind: 'ai_queue'; workspaceSid: string }
  /** The AI workers Apply repaired, each as it was: activity, attributes and task channels. */
  | { kind: 'ai_workers'; workspaceSid: string; workers: AiWorkerBackup[] };

export interface AiWorkerBackup {
  workerSid: string;
  activitySid: string;
  attributes: Record<string, unknown>;
  channels: { sid: string; taskChannel: string; capacity: number; available: boolean }[];
}

/** How the AI workers' step begins its detail when no worker of the pool is there to take an offer. */
export const NO_AI_WORKER_FOUND = 'No AI worker of the saved pool is in the workspace';

/** A step's write was made, and what it does after failed: its backup stands, for Undo and Uninstall. */
export class MadeThenFailedError extends Error {
  constructor(made: string, failure: unknown) {
    super(`${made}: ${failure instanceof Error ? failure.message : String(failure)}`);
    this.name = 'MadeThenFailedError';
  }
}

/** A step's decision on the resource as it is now. */
export type StepPlan =
  | {
      kind: 'write';
      detail: string;
      backup: ResourceBackup;
      write: () => Promise<void>;
      /** What the write did, when known only once done (the name of a queue it made); else `detail`. */
      doneDetail?: () => string;
    }
  /** Nothing to do: the resource is already right. */
  | { kind: 'unchanged'; detail: string }
  /** Nothing can be done now (a missing resource, a form field the admin must fill in first). */
  | { kind: 'skipped'; detail: string };

export interface SetupStep<R = unknown> {
  id: CheckId;
  title: string;
  /** The resource as it is now, in a form whose JSON is its revision; undefined when it does not exist. */
  read(): Promise<R | undefined>;
  /** `earlier`: what the steps of the stages before did. */
  plan(current: R | undefined, earlier: readonly StepReport[]): StepPlan;
  /**
   * Once every stage has ended: takes back what its write did that the later steps' outcome makes
   * harmful, and says so in its report (`own`). Its backup's note of how the write left the resource
   * waits for it, so Undo compares with what Apply finally left.
   */
  settle?(own: StepReport, all: readonly StepReport[]): Promise<SettledStep>;
}

/** A settled step's report; `undone` when nothing its write did is left (Undo has nothing of it to undo). */
export interface SettledStep {
  report: StepReport;
  undone: boolean;
}

/** A resource's revision: a short hash of what the step read, stable across key order. */
export function revisionOf(resource: unknown): string {
  return createHash('sha256').update(stableJson(resource)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The revisions the check saw, by step id, as the plugin posts them back (form field `revisions`, JSON). */
export type Revisions = Partial<Record<CheckId, string>>;

/** Why a Twilio call failed, in one sentence without secrets. */
export function failureReason(error: unknown): string {
  const status = twilioStatus(error);
  const code = twilioErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return status ? `Twilio answered ${status}${code ? ` (error ${code})` : ''}: ${message}` : message;
}
