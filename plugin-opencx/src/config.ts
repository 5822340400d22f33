// Plugin-wide constants, and where the plugin finds its Functions.

/** Where an OpenCX session opens; the session id is appended, URL-encoded. */
export const OPENCX_INBOX_URL = 'https://app.open.cx/inbox/';

/** The bridge's default author for AI messages (functions/common/config.ts). */
export const DEFAULT_AI_AUTHOR_NAME = 'AI Support Agent';

/** The bridge's defaults for the customer's handoff note and the AI answer watchdog (functions/common/config.ts). */
export const DEFAULT_CUSTOMER_HANDOFF_NOTE = 'Connecting you with a member of our team.';
/** What the customer reads when the AI resumes after a handback, by default (functions/common/config.ts). */
export const DEFAULT_CUSTOMER_HANDBACK_NOTE = "You're chatting with our AI assistant again.";
export const DEFAULT_AI_ANSWER_TIMEOUT_SECONDS = 60;
/** The bridge never closes a silent AI conversation unless set (functions/common/config.ts). */
export const DEFAULT_AI_IDLE_CLOSE_MINUTES = 0;
/** What the customer reads just before a silent AI conversation is closed, by default (functions/common/config.ts). */
export const DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE =
  'We closed this chat because it went quiet. Write to us any time to start a new one.';

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

/** Where the admin sets the Functions domain once per Flex account: `ui_attributes.custom_data.<key>`. */
const RUNTIME_FUNCTIONS_DOMAIN_KEY = 'opencx_functions_domain';
const BUILD_FUNCTIONS_URL_VARIABLE = 'FLEX_APP_OPENCX_FUNCTIONS_URL';

export type FunctionsUrlSource = 'flexConfiguration' | 'build';

/** How the admin finds each source, for the messages. */
export const FUNCTIONS_URL_SETTINGS = {
  setting: 'ui_attributes.custom_data.opencx_functions_domain',
  variable: BUILD_FUNCTIONS_URL_VARIABLE,
};

/** Where the settings view finds the Functions, or that it finds none. */
export type FunctionsEndpoint = { kind: 'configured'; url: string; source: FunctionsUrlSource } | { kind: 'missing' };

/**
 * `opencx-1234-dev.twil.io` or `https://opencx-1234-dev.twil.io/` → `https://opencx-1234-dev.twil.io`;
 * blank → undefined. `http://` stays only for this machine (a local sandbox): anywhere else it becomes
 * `https://`, since the settings view sends the OpenCX key and the Flex token there.
 */
function functionsUrlFrom(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
  if (!text) return undefined;
  if (/^https:\/\//i.test(text)) return text;
  const plain = /^http:\/\/(.*)$/i.exec(text);
  if (plain && /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/i.test(plain[1])) return text;
  return `https://${plain ? plain[1] : text}`;
}

/**
 * The Functions the settings view calls. First the Flex configuration, so one plugin build serves
 * every Flex account: Flex merges the account's `ui_attributes` into `manager.configuration`, as
 * Twilio's Flex project template reads its `custom_data.serverless_functions_domain`. Then, as a
 * fallback, `FLEX_APP_OPENCX_FUNCTIONS_URL`, which flex-plugin's webpack inlines at build time.
 */
export function resolveFunctionsEndpoint(
  configuration: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): FunctionsEndpoint {
  const runtime = functionsUrlFrom(
    (configuration as { custom_data?: Record<string, unknown> } | undefined)?.custom_data?.[
      RUNTIME_FUNCTIONS_DOMAIN_KEY
    ],
  );
  if (runtime) return { kind: 'configured', url: runtime, source: 'flexConfiguration' };
  const built = functionsUrlFrom(env[BUILD_FUNCTIONS_URL_VARIABLE]);
  return built ? { kind: 'configured', url: built, source: 'build' } : { kind: 'missing' };
}

export interface FunctionsClientOptions<Client> {
  /** The build-time variables (flex-plugin inlines `FLEX_APP_*`): the fallback to Flex's configuration. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The client for the resolved Functions URL; by default `create`'s HTTP one. */
  createClient?: (baseUrl: string) => Client;
}

/** The Functions endpoint for this Flex account, and a client for it when there is one. */
export function functionsClient<Client>(
  configuration: unknown,
  { env, createClient }: FunctionsClientOptions<Client>,
  create: (options: { baseUrl: string }) => Client,
): { endpoint: FunctionsEndpoint; client?: Client } {
  const endpoint = resolveFunctionsEndpoint(configuration, env);
  if (endpoint.kind === 'missing') return { endpoint };
  return { endpoint, client: createClient ? createClient(endpoint.url) : create({ baseUrl: endpoint.url }) };
}
