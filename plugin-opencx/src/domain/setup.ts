// Reading the setup doctor's checks and the reports of Apply, Undo and Uninstall
// (functions/admin-lib/setup/) for the settings view.
import type { SetupCheck, SetupRevisions, StepReport } from '../api/settingsClient';

export const QUEUE_SID = /^WQ[0-9a-fA-F]{32}$/;
/** Undo's `backupId` when no answer named an Apply to undo (docs/admin-api.md). */
export const NO_APPLY_SEEN = 'none';

/** Not ok, and "Apply fixes" can fix it. */
export const isAutoFixable = (check: SetupCheck): boolean => check.status !== 'ok' && check.autoFixable;

/** Apply fixes it only once the admin confirms replacing a webhook URL that points elsewhere. */
export const needsReplaceConfirmation = (check: SetupCheck): boolean =>
  isAutoFixable(check) && check.confirm === 'replaceCallbackUrl';

/** The workflow has no `handedOff == true` filter: apply adds one, which needs the human agents' queue. */
export const needsHumanQueue = (check: SetupCheck): boolean => check.needs === 'humanQueueSid' && isAutoFixable(check);

/**
 * Apply refused the step because its resource changed since the check (an edit made in the
 * Console in between): the admin should check again before applying.
 */
export const changedSinceCheck = (step: StepReport): boolean =>
  step.status === 'failed' && step.reason === 'changed_since_check';

/**
 * The revisions the next Apply sends after Apply or Undo wrote: those the write answered (what it
 * left), except that a resource refused over a change since the check keeps the check's, so it is
 * refused again until the admin checks again. Functions that answer none (empty) get none back: the
 * next Apply is then never refused over the write's own change, and protects nothing until a new check.
 */
export function revisionsAfter(
  revisions: SetupRevisions,
  steps: readonly StepReport[],
  written: SetupRevisions,
): SetupRevisions {
  const refused = steps
    .filter((step) => changedSinceCheck(step) && step.id in revisions)
    .map((step) => [step.id, revisions[step.id]]);
  return { ...written, ...Object.fromEntries(refused) };
}
