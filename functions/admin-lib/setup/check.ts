// One check of the setup doctor: what it looks at, what it found, and how it is fixed.

export type CheckId =
  | 'api_urls'
  | 'sync_service'
  | 'config'
  | 'opencx_token'
  | 'opencx_webhook'
  | 'opencx_rate_limit'
  | 'ai_worker'
  | 'workspace_events'
  | 'conversations_webhook'
  | 'conversations_service'
  | 'timer_workspace'
  | 'workflow_filters'
  | 'ai_queue'
  | 'ai_reservation_timeout'
  | 'ai_worker_queues';
export type CheckStatus = 'ok' | 'problem' | 'warning';

export interface Check {
  id: CheckId;
  status: CheckStatus;
  /** What is checked; the same whatever the outcome. */
  title: string;
  /** What was found. */
  detail: string;
  /** What to do about it; absent when ok. */
  fix?: string;
  /** Apply fixes can fix it. */
  autoFixable: boolean;
  /** Apply fixes it only with this form field set to `true`: it replaces a URL someone else may use. */
  confirm?: 'replaceCallbackUrl';
  /** Apply fixes it only with this form field filled in (the human agents' queue). */
  needs?: 'humanQueueSid';
}

export type Verdict = Pick<Check, 'detail' | 'fix' | 'autoFixable' | 'confirm' | 'needs'>;
export const check = (id: CheckId, title: string, status: CheckStatus, verdict: Verdict): Check => ({
  id,
  title,
  status,
  ...verdict,
});
export const fine = (detail: string): Verdict => ({ detail, autoFixable: false });
export const manual = (detail: string, fix: string): Verdict => ({ detail, fix, autoFixable: false });
export const listed = (items: readonly string[]): string => items.join(', ');
export const fixable = (detail: string, fix: string): Verdict => ({ detail, fix, autoFixable: true });
