// The client of the OpenCX admin Functions (settings and setup), over functionsRequest.
import { DEFAULT_AI_ANSWER_TIMEOUT_SECONDS, DEFAULT_AI_AUTHOR_NAME, DEFAULT_AI_PEAK_CONVERSATIONS, DEFAULT_CUSTOMER_HANDOFF_NOTE } from '../config';
import { createFunctionsPost, type FunctionsError, type FunctionsRequestOptions, isObject, unexpectedAnswer } from './functionsRequest';

export type { FetchLike } from './functionsRequest';

export type SettingsField =
  | 'opencxToken'
  | 'opencxExtraTokens'
  | 'aiQueueSid'
  | 'aiAuthorName'
  | 'workspaceSid'
  | 'conversationsServiceSid'
  | 'workflowSid'
  | 'humanQueueSid'
  | 'opencxWebhookSecret'
  | 'customerHandoffNote'
  | 'customerHandoffNoteTranslations'
  | 'aiAnswerTimeoutSeconds'
  | 'aiPeakConversations';

export interface OpencxSettings {
  configured: boolean;
  /** The only form in which the org token ever reaches the browser. */
  opencxTokenMasked: string | null;
  /** Further keys of the same organisation: each only masked, with an id to keep it by. */
  opencxExtraTokens: SavedKey[];
  workspaceSid: string | null;
  conversationsServiceSid: string | null;
  aiQueueSid: string | null;
  aiAuthorName: string;
  aiWorkerSid: string | null;
  orgName: string | null;
  /** The OpenCX webhook signing secret itself never reaches the browser. */
  opencxWebhookSecretSet: boolean;
  /** Where OpenCX delivers its webhooks; null when the Functions did not say. */
  opencxWebhookUrl: string | null;
  /** What the customer sees at a handoff; empty: no note. */
  customerHandoffNote: string;
  /** BCP-47 tag → the note in that language. */
  customerHandoffNoteTranslations: Record<string, string>;
  aiAnswerTimeoutSeconds: number;
  /** The expected peak of concurrent AI conversations; the pool keeps one AI worker per 50. */
  aiPeakConversations: number;
}

export interface SavedKey {
  id: string;
  masked: string;
}

export type SettingsError = FunctionsError<SettingsField>;

export interface SaveSettingsInput {
  /** Empty: keep the saved token. */
  opencxToken: string;
  /** Further keys to add, separated by spaces; empty adds none. */
  opencxExtraTokens: string;
  /** Ids of the saved further keys to keep; absent keeps them all. */
  opencxExtraTokensKept?: string[];
  aiQueueSid: string;
  aiAuthorName: string;
  workspaceSid: string;
  conversationsServiceSid: string;
  /** Empty: keep the saved secret. */
  opencxWebhookSecret: string;
  /** Empty: post no note. */
  customerHandoffNote: string;
  customerHandoffNoteTranslations: Record<string, string>;
  aiAnswerTimeoutSeconds: number;
  aiPeakConversations: number;
}

export type CheckStatus = 'ok' | 'problem' | 'warning';

/** One finding of the setup doctor (`/admin/setup-check`), texts as the Functions wrote them. */
export interface SetupCheck {
  /** e.g. `config`, `opencx_token`, `workspace_events`, `opencx_webhook`; see docs/admin-api.md. The view shows any id the same way. */
  id: string;
  status: CheckStatus;
  title: string;
  detail: string;
  /** Absent when ok. */
  fix?: string;
  /** "Apply setup" can fix it. */
  autoFixable: boolean;
  /** Apply fixes it only when the admin confirmed replacing a URL that points elsewhere. */
  confirm?: 'replaceCallbackUrl';
  /** Apply fixes it only with the human agents' queue given. */
  needs?: 'humanQueueSid';
}

export interface CheckSetupInput {
  /** `WW…`; absent: the Functions pick the workflow. */
  workflowSid?: string;
}

export interface ApplySetupInput extends CheckSetupInput {
  /** `WQ…`: the human agents' queue, needed only to add a missing handedOff filter. */
  humanQueueSid?: string;
  /** Allows replacing a webhook URL that points elsewhere; sent only when given. */
  replaceCallbackUrl?: boolean;
}

export type Failure = { ok: false; error: SettingsError };
export type LoadResult = { ok: true; settings: OpencxSettings } | Failure;
export type SaveResult = { ok: true; settings: OpencxSettings; workerCreated: boolean } | Failure;
export type CheckSetupResult = { ok: true; checks: SetupCheck[] } | Failure;
/** `applied`: the ids of the checks whose resource was written. */
export type ApplySetupResult = { ok: true; applied: string[]; checks: SetupCheck[] } | Failure;

export interface SettingsClient {
  load(flexToken: string): Promise<LoadResult>;
  save(flexToken: string, input: SaveSettingsInput): Promise<SaveResult>;
  checkSetup(flexToken: string, input?: CheckSetupInput): Promise<CheckSetupResult>;
  applySetup(flexToken: string, input?: ApplySetupInput): Promise<ApplySetupResult>;
}

export type SettingsClientOptions = FunctionsRequestOptions;

const FIELDS: readonly SettingsField[] = [
  'opencxToken',
  'opencxExtraTokens',
  'aiQueueSid',
  'aiAuthorName',
  'workspaceSid',
  'conversationsServiceSid',
  'workflowSid',
  'humanQueueSid',
  'opencxWebhookSecret',
  'customerHandoffNote',
  'customerHandoffNoteTranslations',
  'aiAnswerTimeoutSeconds',
  'aiPeakConversations',
];

export function createSettingsClient(options: SettingsClientOptions): SettingsClient {
  const post = createFunctionsPost(options, FIELDS);

  return {
    async load(flexToken) {
      const answer = await post('/admin/settings-load', { Token: flexToken });
      if (!answer.ok) return answer;
      const settings = readSettings(answer.body.settings);
      return settings ? { ok: true, settings } : unexpectedShape();
    },

    async save(flexToken, input) {
      const fields: Record<string, string> = {
        Token: flexToken,
        aiQueueSid: input.aiQueueSid.trim(),
        aiAuthorName: input.aiAuthorName.trim(),
        workspaceSid: input.workspaceSid,
        conversationsServiceSid: input.conversationsServiceSid,
        customerHandoffNote: input.customerHandoffNote.trim(),
        customerHandoffNoteTranslations: JSON.stringify(input.customerHandoffNoteTranslations),
        aiAnswerTimeoutSeconds: String(input.aiAnswerTimeoutSeconds),
        aiPeakConversations: String(input.aiPeakConversations),
      };
      if (input.opencxExtraTokensKept) fields.opencxExtraTokensKept = input.opencxExtraTokensKept.join(',');
      // Secrets go only when replaced: empty keeps the saved one.
      const token = input.opencxToken.trim();
      if (token) fields.opencxToken = token;
      const extraTokens = input.opencxExtraTokens.trim();
      if (extraTokens) fields.opencxExtraTokens = extraTokens;
      const webhookSecret = input.opencxWebhookSecret.trim();
      if (webhookSecret) fields.opencxWebhookSecret = webhookSecret;
      const answer = await post('/admin/settings-save', fields);
      if (!answer.ok) return answer;
      const settings = readSettings(answer.body.settings);
      return settings ? { ok: true, settings, workerCreated: answer.body.workerCreated === true } : unexpectedShape();
    },

    async checkSetup(flexToken, input = {}) {
      const answer = await post('/admin/setup-check', setupFields(flexToken, input));
      if (!answer.ok) return answer;
      const checks = readChecks(answer.body.checks);
      return checks ? { ok: true, checks } : unexpectedShape();
    },

    async applySetup(flexToken, input = {}) {
      const fields = setupFields(flexToken, input);
      const humanQueueSid = input.humanQueueSid?.trim();
      if (humanQueueSid) fields.humanQueueSid = humanQueueSid;
      if (input.replaceCallbackUrl !== undefined) fields.replaceCallbackUrl = String(input.replaceCallbackUrl);
      const answer = await post('/admin/setup-apply', fields);
      if (!answer.ok) return answer;
      const checks = readChecks(answer.body.checks);
      const { applied } = answer.body;
      if (!checks || !Array.isArray(applied)) return unexpectedShape();
      return { ok: true, applied: applied.filter((id): id is string => typeof id === 'string'), checks };
    },
  };
}

function setupFields(flexToken: string, input: CheckSetupInput): Record<string, string> {
  const fields: Record<string, string> = { Token: flexToken };
  const workflowSid = input.workflowSid?.trim();
  if (workflowSid) fields.workflowSid = workflowSid;
  return fields;
}

const unexpectedShape = (): Failure => unexpectedAnswer();

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

function readSettings(value: unknown): OpencxSettings | undefined {
  if (!isObject(value)) return undefined;
  return {
    configured: value.configured === true,
    opencxTokenMasked: stringOrNull(value.opencxTokenMasked),
    opencxExtraTokens: Array.isArray(value.opencxExtraTokens) ? value.opencxExtraTokens.filter(isSavedKey) : [],
    workspaceSid: stringOrNull(value.workspaceSid),
    conversationsServiceSid: stringOrNull(value.conversationsServiceSid),
    aiQueueSid: stringOrNull(value.aiQueueSid),
    aiAuthorName: stringOrNull(value.aiAuthorName) ?? DEFAULT_AI_AUTHOR_NAME,
    aiWorkerSid: stringOrNull(value.aiWorkerSid),
    orgName: stringOrNull(value.orgName),
    opencxWebhookSecretSet: value.opencxWebhookSecretSet === true,
    opencxWebhookUrl: stringOrNull(value.opencxWebhookUrl),
    customerHandoffNote: typeof value.customerHandoffNote === 'string' ? value.customerHandoffNote : DEFAULT_CUSTOMER_HANDOFF_NOTE,
    customerHandoffNoteTranslations: readTranslations(value.customerHandoffNoteTranslations),
    aiAnswerTimeoutSeconds:
      typeof value.aiAnswerTimeoutSeconds === 'number' && Number.isInteger(value.aiAnswerTimeoutSeconds)
        ? value.aiAnswerTimeoutSeconds
        : DEFAULT_AI_ANSWER_TIMEOUT_SECONDS,
    aiPeakConversations:
      typeof value.aiPeakConversations === 'number' && Number.isInteger(value.aiPeakConversations) ? value.aiPeakConversations : DEFAULT_AI_PEAK_CONVERSATIONS,
  };
}

function readTranslations(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const isSavedKey = (value: unknown): value is SavedKey => isObject(value) && isText(value.id) && isText(value.masked);

const STATUSES: readonly CheckStatus[] = ['ok', 'problem', 'warning'];
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Undefined when any check lacks its id, title or detail: a check left out could hide a problem. */
function readChecks(value: unknown): SetupCheck[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const checks: SetupCheck[] = [];
  for (const item of value) {
    if (!isObject(item) || !isText(item.id) || !isText(item.title) || typeof item.detail !== 'string') return undefined;
    checks.push({
      id: item.id,
      // A status this plugin does not know yet is not shown as fine.
      status: STATUSES.find((status) => status === item.status) ?? 'warning',
      title: item.title,
      detail: item.detail,
      ...(isText(item.fix) ? { fix: item.fix } : {}),
      autoFixable: item.autoFixable === true,
      ...(item.confirm === 'replaceCallbackUrl' ? { confirm: 'replaceCallbackUrl' as const } : {}),
      ...(item.needs === 'humanQueueSid' ? { needs: 'humanQueueSid' as const } : {}),
    });
  }
  return checks;
}
