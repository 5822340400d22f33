// Reading the setup doctor's checks (functions/admin-lib/setup/) for the settings view.
import type { SetupCheck } from '../api/settingsClient';

export const QUEUE_SID = /^WQ[0-9a-fA-F]{32}$/;

/** Not ok, and "Apply setup" can fix it. */
export const isAutoFixable = (check: SetupCheck): boolean => check.status !== 'ok' && check.autoFixable;

/** Apply fixes it only once the admin confirms replacing a webhook URL that points elsewhere. */
export const needsReplaceConfirmation = (check: SetupCheck): boolean => isAutoFixable(check) && check.confirm === 'replaceCallbackUrl';

/** The workflow has no `handedOff == true` filter: apply adds one, which needs the human agents' queue. */
export const needsHumanQueue = (check: SetupCheck): boolean => check.needs === 'humanQueueSid' && isAutoFixable(check);
