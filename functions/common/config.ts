// The integration's configuration, as the admin settings Function stores it in Sync.
import type { ShardedObjects } from './shards';

export const CONFIG_DOCUMENT = 'opencx_config';
export const DEFAULT_AI_AUTHOR_NAME = 'AI Support Agent';
/** What the customer reads at a handoff unless the admin wrote something else. */
export const DEFAULT_CUSTOMER_HANDOFF_NOTE = 'Connecting you with a member of our team.';
/** What the customer reads when the AI takes the conversation back from an agent, unless the admin wrote otherwise. */
export const DEFAULT_CUSTOMER_HANDBACK_NOTE = "You're chatting with our AI assistant again.";
/** What the customer reads just before a silent AI conversation is closed, unless the admin wrote otherwise. */
export const DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE =
  'We closed this chat because it went quiet. Write to us any time to start a new one.';
/** The longest customer note (either kind, and each translation), in code points. */
export const MAX_CUSTOMER_HANDOFF_NOTE_LENGTH = 320;
/** The longest note for a closed silent chat, in code points: one SMS segment, and room in the settings document. */
export const MAX_CUSTOMER_IDLE_CLOSE_NOTE_LENGTH = 160;
/** The watchdog: a slow AI answer hands off after this many seconds. */
export const AI_ANSWER_TIMEOUT_SECONDS = { min: 15, max: 600, default: 60 } as const;
/**
 * An AI conversation nobody wrote in for this many minutes is closed, freeing its pool slot; 0
 * (the default): never, TaskRouter's own task timeout ends it.
 */
export const AI_IDLE_CLOSE_MINUTES = { min: 10, max: 10080, default: 0 } as const;
/** TaskRouter's cap: a worker holds at most this many tasks per task channel. */
export const AI_WORKER_CHANNEL_CAPACITY = 50;
/** The expected peak of concurrent AI conversations, which sizes the AI worker pool (50 a worker). */
export const AI_PEAK_CONVERSATIONS = { min: 1, max: 1000, default: 50 } as const;

/** How many AI workers carry `peak` concurrent conversations. */
export const aiPoolSize = (peak: number): number => Math.max(1, Math.ceil(peak / AI_WORKER_CHANNEL_CAPACITY));

/**
 * The query parameter carrying the config version on the webhook URLs registered with Twilio:
 * an event tells a warm Function whether the settings changed since it cached them.
 */
export const CONFIG_VERSION_PARAM = 'cv';

export interface BridgeConfig {
  /** The OpenCX org API key. Never logged, never returned to the browser. */
  opencxToken: string;
  /** More API keys of the same organisation, each with its own rate limit; as secret as `opencxToken`. */
  opencxExtraTokens?: string[];
  workspaceSid: string;
  /** The first worker of the AI pool: all that settings saved before the pool held. */
  aiWorkerSid: string;
  /** The AI worker pool, `aiWorkerSid` first; absent: `aiWorkerSid` alone. */
  aiWorkerSids?: string[];
  /** Surplus AI workers: they take no new task and are deleted by a save once they hold none. */
  aiDrainingWorkerSids?: string[];
  /** The expected peak of concurrent AI conversations; absent: the default. */
  aiPeakConversations?: number;
  conversationsServiceSid: string;
  aiAuthorName: string;
  aiQueueSid?: string;
  /** The workflow the admin chose for the setup to look at and change; absent: the one discovered. */
  workflowSid?: string;
  /** Signs OpenCX's webhooks. Never logged, never returned to the browser. */
  opencxWebhookSecret?: string;
  /** The note the customer reads at a handoff; empty: no note. */
  customerHandoffNote: string;
  /** BCP-47 tag (canonical case) → note, for handoffs in that language. */
  customerHandoffNoteTranslations: Record<string, string>;
  /** The note the customer reads when the AI resumes after a handback; empty: no note. */
  customerHandbackNote: string;
  /** BCP-47 tag (canonical case) → note, for handbacks in that language. */
  customerHandbackNoteTranslations: Record<string, string>;
  /** The note the customer reads just before a silent AI conversation is closed; empty: no note. */
  customerIdleCloseNote: string;
  aiAnswerTimeoutSeconds: number;
  /** Minutes of silence after which an AI conversation is closed; 0: never (`AI_IDLE_CLOSE_MINUTES`). */
  aiIdleCloseMinutes: number;
  /** The TaskRouter workspace of our own holding the watchdog's timer tasks. */
  timerWorkspaceSid?: string;
  timerWorkflowSid?: string;
  /** Changes on every save; empty for settings saved before versions existed. */
  configVersion: string;
}

/** The stored document: what the bridge reads, plus what the settings view shows. */
export interface ConfigDocument extends BridgeConfig {
  /**
   * Workspaces the settings named before whose AI workers (marked `opencx_ai`) still held tasks:
   * closed to new ones, deleted by a save once they hold none. The bridge serves none of their events.
   */
  aiFormerWorkspaceSids?: string[];
  /** The OpenCX organisation's name, as `GET /org` gave it when the token was saved. */
  orgName: string;
  /** Its id: a saved key OpenCX is rate-limiting is taken to be of it (absent in settings saved before it was kept). */
  orgId?: string;
  /** The AI queue Apply created: Uninstall deletes it, and no queue of the admin's. */
  aiQueueCreatedSid?: string;
  /** ISO 8601. */
  updatedAt: string;
}

const isPeak = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isInteger(value) &&
  value >= AI_PEAK_CONVERSATIONS.min &&
  value <= AI_PEAK_CONVERSATIONS.max;

const sidList = (value: unknown): string[] | undefined =>
  Array.isArray(value)
    ? value.filter((sid): sid is string => typeof sid === 'string' && sid.trim() !== '').map((sid) => sid.trim())
    : undefined;

const isTimeout = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isInteger(value) &&
  value >= AI_ANSWER_TIMEOUT_SECONDS.min &&
  value <= AI_ANSWER_TIMEOUT_SECONDS.max;

const isIdleClose = (value: unknown): value is number =>
  value === 0 ||
  (typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= AI_IDLE_CLOSE_MINUTES.min &&
    value <= AI_IDLE_CLOSE_MINUTES.max);

/**
 * Every usable field of a stored document, whether or not the whole is complete: non-blank strings
 * trimmed, the customer notes even when empty (no note), translations with string values only, a
 * timeout within its range.
 */
export function readConfigFields(data: unknown): Partial<ConfigDocument> {
  const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const str = (key: keyof ConfigDocument): string | undefined => {
    const value = d[key];
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  const note = (value: unknown): string | undefined => (typeof value === 'string' ? value.trim() : undefined);
  return {
    opencxToken: str('opencxToken'),
    opencxExtraTokens: readTokens(d.opencxExtraTokens),
    workspaceSid: str('workspaceSid'),
    aiWorkerSid: str('aiWorkerSid'),
    aiWorkerSids: sidList(d.aiWorkerSids),
    aiDrainingWorkerSids: sidList(d.aiDrainingWorkerSids),
    aiFormerWorkspaceSids: sidList(d.aiFormerWorkspaceSids),
    aiPeakConversations: isPeak(d.aiPeakConversations) ? d.aiPeakConversations : undefined,
    conversationsServiceSid: str('conversationsServiceSid'),
    aiAuthorName: str('aiAuthorName'),
    aiQueueSid: str('aiQueueSid'),
    workflowSid: str('workflowSid'),
    opencxWebhookSecret: str('opencxWebhookSecret'),
    customerHandoffNote: note(d.customerHandoffNote),
    customerHandoffNoteTranslations: readTranslations(d.customerHandoffNoteTranslations),
    customerHandbackNote: note(d.customerHandbackNote),
    customerHandbackNoteTranslations: readTranslations(d.customerHandbackNoteTranslations),
    customerIdleCloseNote: note(d.customerIdleCloseNote),
    aiAnswerTimeoutSeconds: isTimeout(d.aiAnswerTimeoutSeconds) ? d.aiAnswerTimeoutSeconds : undefined,
    aiIdleCloseMinutes: isIdleClose(d.aiIdleCloseMinutes) ? d.aiIdleCloseMinutes : undefined,
    timerWorkspaceSid: str('timerWorkspaceSid'),
    timerWorkflowSid: str('timerWorkflowSid'),
    configVersion: str('configVersion'),
    orgName: str('orgName'),
    orgId: str('orgId'),
    aiQueueCreatedSid: str('aiQueueCreatedSid'),
    updatedAt: str('updatedAt'),
  };
}

function readTokens(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((token) => (typeof token === 'string' && token.trim() ? [token.trim()] : []));
}

function readTranslations(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).flatMap(([tag, note]) =>
    typeof note === 'string' ? [[tag, note.trim()] as const] : [],
  );
  return Object.fromEntries(entries);
}

/** Reads a stored config document, with the defaults; undefined when a required field is missing. */
export function parseConfig(data: unknown): BridgeConfig | undefined {
  const fields = readConfigFields(data);
  const { opencxToken, workspaceSid, conversationsServiceSid } = fields;
  // Settings saved before the pool hold one `aiWorkerSid`.
  const aiWorkerSids = fields.aiWorkerSids?.length
    ? fields.aiWorkerSids
    : fields.aiWorkerSid
      ? [fields.aiWorkerSid]
      : [];
  if (!opencxToken || !workspaceSid || aiWorkerSids.length === 0 || !conversationsServiceSid) return undefined;
  return {
    opencxToken,
    ...(fields.opencxExtraTokens?.length ? { opencxExtraTokens: fields.opencxExtraTokens } : {}),
    workspaceSid,
    aiWorkerSid: aiWorkerSids[0],
    aiWorkerSids,
    aiDrainingWorkerSids: fields.aiDrainingWorkerSids ?? [],
    aiPeakConversations: fields.aiPeakConversations ?? AI_PEAK_CONVERSATIONS.default,
    conversationsServiceSid,
    aiAuthorName: fields.aiAuthorName ?? DEFAULT_AI_AUTHOR_NAME,
    aiQueueSid: fields.aiQueueSid,
    workflowSid: fields.workflowSid,
    opencxWebhookSecret: fields.opencxWebhookSecret,
    customerHandoffNote: fields.customerHandoffNote ?? DEFAULT_CUSTOMER_HANDOFF_NOTE,
    customerHandoffNoteTranslations: fields.customerHandoffNoteTranslations ?? {},
    // Settings saved before the handback note read as its default, as the handoff note's do.
    customerHandbackNote: fields.customerHandbackNote ?? DEFAULT_CUSTOMER_HANDBACK_NOTE,
    customerHandbackNoteTranslations: fields.customerHandbackNoteTranslations ?? {},
    customerIdleCloseNote: fields.customerIdleCloseNote ?? DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
    aiAnswerTimeoutSeconds: fields.aiAnswerTimeoutSeconds ?? AI_ANSWER_TIMEOUT_SECONDS.default,
    aiIdleCloseMinutes: fields.aiIdleCloseMinutes ?? AI_IDLE_CLOSE_MINUTES.default,
    timerWorkspaceSid: fields.timerWorkspaceSid,
    timerWorkflowSid: fields.timerWorkflowSid,
    configVersion: fields.configVersion ?? '',
  };
}

/** The AI pool's workers, `aiWorkerSid` first. */
export const aiPoolOf = (config: Pick<BridgeConfig, 'aiWorkerSid' | 'aiWorkerSids'>): string[] =>
  config.aiWorkerSids?.length ? config.aiWorkerSids : [config.aiWorkerSid];

/** Every AI worker the settings name: the pool's, then draining ones. */
export const aiWorkersOf = (config: Pick<BridgeConfig, 'aiWorkerSid' | 'aiWorkerSids' | 'aiDrainingWorkerSids'>) => [
  ...aiPoolOf(config),
  ...(config.aiDrainingWorkerSids ?? []),
];

/** A worker of the AI pool, draining ones included: a reservation for it is the AI's. */
export const isAiPoolWorker = (
  config: Pick<BridgeConfig, 'aiWorkerSid' | 'aiWorkerSids' | 'aiDrainingWorkerSids'>,
  workerSid: string | undefined,
): boolean => workerSid !== undefined && aiWorkersOf(config).includes(workerSid);

/**
 * A new config version: time-ordered, unique enough for one account's saves, and later than
 * `previous` even when this container's clock is behind the one that saved it (events naming an
 * older version are served by newer settings).
 */
export function newConfigVersion(now: Date, random: () => number = Math.random, previous?: string): string {
  const previousMs = previous && previous.length > 4 ? Number.parseInt(previous.slice(0, -4), 36) : Number.NaN;
  const ms = Number.isFinite(previousMs) ? Math.max(now.getTime(), previousMs + 1) : now.getTime();
  return (
    ms.toString(36) +
    Math.floor(random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0')
  );
}

/** `have` is the version `want` or a later save's (versions are time-ordered). */
export function isVersionAtLeast(have: string | undefined, want: string): boolean {
  if (!have) return false;
  return have.length === want.length ? have >= want : have.length > want.length;
}

/**
 * A URL as the text before its query, the query's `name=value` pairs other than the config
 * version (kept verbatim), the version, and its `#…` part (Twilio's connection overrides).
 */
function splitUrl(url: string): { base: string; pairs: string[]; version: string; fragment: string } {
  const hashAt = url.indexOf('#');
  const fragment = hashAt >= 0 ? url.slice(hashAt) : '';
  const [base, query = ''] = (hashAt >= 0 ? url.slice(0, hashAt) : url).split(/\?(.*)/s);
  const isVersion = (pair: string): boolean => pair.split('=')[0] === CONFIG_VERSION_PARAM;
  const pairs = query.split('&').filter(Boolean);
  const version =
    pairs
      .filter(isVersion)
      .at(-1)
      ?.slice(CONFIG_VERSION_PARAM.length + 1) ?? '';
  return { base, pairs: pairs.filter((pair) => !isVersion(pair)), version, fragment };
}

/**
 * The URL carrying `cv=<version>` (replacing any other version); an empty version removes it. Versions are URL-safe.
 */
export function withConfigVersion(url: string, version: string): string {
  const { base, pairs, fragment } = splitUrl(url);
  const query = [...pairs, ...(version ? [`${CONFIG_VERSION_PARAM}=${version}`] : [])].join('&');
  return `${base}${query ? `?${query}` : ''}${fragment}`;
}

/** The URL without its config version, to tell where a registered webhook points. */
export const withoutConfigVersion = (url: string): string => withConfigVersion(url, '');

/** The config version a URL carries; empty when none. */
export const configVersionOf = (url: string): string => splitUrl(url).version;

/** The bridge's one webhook Function, for both TaskRouter and Conversations. */
export const WEBHOOK_PATH = '/webhook';

/** The registered URL is this deployment's webhook, whatever config version it carries. */
export const pointsHere = (url: string | null, webhookUrl: string): boolean =>
  !!url && withoutConfigVersion(url) === withoutConfigVersion(webhookUrl);

/**
 * The same Function path on another host, carrying a settings version as every registration of ours
 * does: another deployment of this integration, not a URL of the admin's own (`/webhook` is a common path).
 */
export function anotherDeployment(url: string | null, webhookUrl: string): url is string {
  if (!url || pointsHere(url, webhookUrl)) return false;
  try {
    return new URL(url).pathname === new URL(webhookUrl).pathname && configVersionOf(url) !== '';
  } catch {
    return false;
  }
}

/**
 * The Sync documents the OpenCX webhook Function updates on a verified delivery; the setup doctor
 * reads them all and takes the newest. Cold containers write on deliveries: eight documents keep
 * that far under Sync's per-object rate.
 */
export const OPENCX_WEBHOOK_HEALTH_DOCUMENTS: ShardedObjects = {
  base: 'opencx_webhook_health',
  count: 8,
  retired: [1],
};

export interface OpenCxWebhookHealth {
  /** ISO 8601. */
  lastVerifiedAt: string;
  /** The OpenCX event type, e.g. `conversation.ai_response`. */
  lastEvent: string;
  /** The fingerprint (opencx-signature.ts) of the secret that verified it; absent in notes of earlier versions. */
  secretFingerprint?: string;
}

/** What the OpenCX webhook Function stores in a health document. */
export const webhookHealthNote = (event: string, at: Date, secretFingerprint: string): OpenCxWebhookHealth => ({
  lastVerifiedAt: at.toISOString(),
  lastEvent: event,
  secretFingerprint,
});

const fieldsOf = (data: unknown): Record<string, unknown> =>
  data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
const isTime = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** The stored health document; undefined when absent or unreadable. */
export function readWebhookHealth(data: unknown): OpenCxWebhookHealth | undefined {
  const { lastVerifiedAt, lastEvent, secretFingerprint } = fieldsOf(data);
  if (!isTime(lastVerifiedAt)) return undefined;
  return {
    lastVerifiedAt,
    lastEvent: typeof lastEvent === 'string' ? lastEvent : '',
    ...(typeof secretFingerprint === 'string' ? { secretFingerprint } : {}),
  };
}

/**
 * The newest of the stored health documents written under the secret of this fingerprint: a
 * delivery verified by an earlier secret says nothing about the one saved now.
 */
export function newestWebhookHealth(documents: unknown[], fingerprint: string): OpenCxWebhookHealth | undefined {
  const healths = documents
    .map(readWebhookHealth)
    .filter((health): health is OpenCxWebhookHealth => health?.secretFingerprint === fingerprint);
  return healths.sort((a, b) => Date.parse(b.lastVerifiedAt) - Date.parse(a.lastVerifiedAt))[0];
}

/**
 * The Sync document the OpenCX webhook Function updates when it refuses a delivery (`NotedRefusal`)
 * while a secret is saved, at most once a minute per warm container: one document suffices.
 */
export const OPENCX_WEBHOOK_REFUSED_DOCUMENT = 'opencx_webhook_refused';

/** Refusals an OpenCX delivery meets: a secret OpenCX does not sign with, or a timestamp this deployment refuses. */
export const NOTED_REFUSALS = ['unsigned', 'forged', 'stale', 'malformed'] as const;
export type NotedRefusal = (typeof NOTED_REFUSALS)[number];

export interface OpenCxWebhookRefusal {
  /** ISO 8601. */
  lastRefusedAt: string;
  /** Why, e.g. `signature does not match`; never the signature or the secret. */
  reason: string;
  /** The fingerprint of the saved secret that refused it. */
  secretFingerprint: string;
  /** Absent on notes written before it was kept (unsigned or forged then). */
  refusal?: NotedRefusal;
}

/** The stored refusal, when the secret of this fingerprint made it; undefined otherwise. */
export function readWebhookRefusal(data: unknown, fingerprint: string): OpenCxWebhookRefusal | undefined {
  const { lastRefusedAt, reason, secretFingerprint, refusal } = fieldsOf(data);
  if (!isTime(lastRefusedAt) || secretFingerprint !== fingerprint) return undefined;
  const noted = NOTED_REFUSALS.find((kind) => kind === refusal);
  return {
    lastRefusedAt,
    reason: typeof reason === 'string' ? reason : '',
    secretFingerprint,
    ...(noted && { refusal: noted }),
  };
}
