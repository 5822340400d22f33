// Which workflow the setup uses and why, from settings-load's `routing`, for the settings view.
import type { WorkflowRouting } from '../api/settingsClient';

export interface WorkflowStatus {
  /** The workflow the setup check and Apply use; `why` as the Functions say it. */
  inUse?: { sid: string; friendlyName: string; why: string; discovered: boolean };
  /** Why none is in use, and what to do. */
  unclear?: { reason: string; fix: string };
  /** The account's configuration sends Flex's messaging to several workflows: how. */
  conflict?: string;
}

/**
 * `discovered`: in use because the account's configuration names it, not because the admin chose
 * it. A conflict already told in `unclear` (its reason ends with discovery's) is not told twice.
 */
export function workflowStatus(routing: WorkflowRouting, savedWorkflowSid: string | null): WorkflowStatus {
  const { inUse, unclear, discovered } = routing;
  const conflict = discovered.kind === 'conflict' && !unclear?.reason.includes(discovered.reason) ? discovered.reason : undefined;
  return {
    ...(inUse ? { inUse: { ...inUse, discovered: !savedWorkflowSid && discovered.kind === 'found' && discovered.workflowSid === inUse.sid } } : {}),
    ...(unclear && !inUse ? { unclear } : {}),
    ...(conflict ? { conflict } : {}),
  };
}
