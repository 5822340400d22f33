// Reading the setup doctor's checks and the reports of Apply, Undo and Uninstall
// (functions/admin-lib/setup/) for the settings view.
import type { SetupCheck, SetupRevisions, StepReport } from '../api/settingsClient';

export const QUEUE_SID = /^WQ[0-9a-fA-F]{32}$/;

/** Not ok, and "Apply setup" can fix it. */
export const isAutoFixable = (check: SetupCheck): boolean => check.status !== 'ok' && check.autoFixable;

/** Apply fixes it only once the admin confirms replacing a webhook URL that points elsewhere. */
export const needsReplaceConfirmation = (check: SetupCheck): boolean => isAutoFixable(check) && check.confirm === 'replaceCallbackUrl';

/** The workflow has no `handedOff == true` filter: apply adds one, which needs the human agents' queue. */
export const needsHumanQueue = (check: SetupCheck): boolean => check.needs === 'humanQueueSid' && isAutoFixable(check);

/**
 * Apply refused the step because its resource changed since the check (an edit made in the
 * Console in between): the admin should check again before applying.
 */
export const changedSinceCheck = (step: StepReport): boolean => step.status === 'failed' && /changed since the (setup )?check/i.test(step.detail);

/**
 * The check's revisions still valid after Apply, Undo or Uninstall wrote the resources of its
 * applied steps: those are left out (their revision is unknown until the next check), the
 * others stay, so the next Apply still refuses to overwrite a Console edit made to them.
 */
export function revisionsAfter(revisions: SetupRevisions, steps: readonly StepReport[]): SetupRevisions {
  const written = new Set(steps.filter((step) => step.status === 'applied').map((step) => step.id));
  return Object.fromEntries(Object.entries(revisions).filter(([id]) => !written.has(id)));
}
