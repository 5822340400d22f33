// Plugin-wide constants and build-time configuration.

/** Where an OpenCX session opens; the session id is appended, URL-encoded. */
export const OPENCX_INBOX_URL = 'https://app.open.cx/inbox/';

/** The bridge's default author for AI messages (functions/common/config.ts). */
export const DEFAULT_AI_AUTHOR_NAME = 'AI Support Agent';

/** The bridge's defaults for the customer's handoff note and the AI answer watchdog (functions/common/config.ts). */
export const DEFAULT_CUSTOMER_HANDOFF_NOTE = 'Connecting you with a member of our team.';
export const DEFAULT_AI_ANSWER_TIMEOUT_SECONDS = 60;

/** TaskRouter holds at most this many tasks per worker channel: the AI pool keeps one worker per 50 conversations. */
export const AI_WORKER_CHANNEL_CAPACITY = 50;
/** The bridge's default expected peak of concurrent AI conversations (functions/common/config.ts). */
export const DEFAULT_AI_PEAK_CONVERSATIONS = 50;

export const SETTINGS_VIEW_NAME = 'opencx-settings';
export const INSIGHTS_VIEW_NAME = 'opencx-insights';

export const ADMIN_ROLE = 'admin';
export const SUPERVISOR_ROLE = 'supervisor';

export function opencxSessionUrl(sessionId: string): string {
  return OPENCX_INBOX_URL + encodeURIComponent(sessionId);
}

/**
 * The Functions domain the settings view calls, from `FLEX_APP_OPENCX_FUNCTIONS_URL` at build
 * time (flex-plugin's webpack inlines `FLEX_APP_*` variables). Undefined when unset or blank.
 */
export function functionsBaseUrl(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const url = env.FLEX_APP_OPENCX_FUNCTIONS_URL?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}
