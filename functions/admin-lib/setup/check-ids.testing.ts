// The setup doctor's checks in the order it lists them, for the tests that read its answer.
import type { CheckId } from './check';

/** What can be checked while the workspace is missing. */
export const CHECKS_WITHOUT_WORKSPACE: readonly CheckId[] = [
  'api_urls',
  'sync_service',
  'config',
  'opencx_token',
  'opencx_webhook',
  'opencx_rate_limit',
  'workspace_events',
  'conversations_webhook',
  'conversations_service',
  'timer_workspace',
];

/** What can be checked while the workflow cannot be chosen. */
export const CHECKS_WITHOUT_WORKFLOW: readonly CheckId[] = [
  ...CHECKS_WITHOUT_WORKSPACE,
  'ai_worker',
  'workflow_filters',
];

/** The checks of the chosen workflow, after the AI queue check when a queue is saved. */
const WORKFLOW_CHECKS: readonly CheckId[] = ['ai_reservation_timeout', 'ai_worker_queues'];

/** Every check of a contact center whose settings name no AI queue. */
export const ALL_CHECKS: readonly CheckId[] = [...CHECKS_WITHOUT_WORKFLOW, ...WORKFLOW_CHECKS];

/** Every check of a contact center whose settings name an AI queue. */
export const ALL_CHECKS_WITH_AI_QUEUE: readonly CheckId[] = [
  ...CHECKS_WITHOUT_WORKFLOW,
  'ai_queue',
  ...WORKFLOW_CHECKS,
];
