// The client of the OpenCX admin Functions (settings and setup), over functionsRequest.
import {
  DEFAULT_AI_ANSWER_TIMEOUT_SECONDS,
  DEFAULT_AI_AUTHOR_NAME,
  DEFAULT_AI_IDLE_CLOSE_MINUTES,
  DEFAULT_AI_PEAK_CONVERSATIONS,
  DEFAULT_CUSTOMER_HANDBACK_NOTE,
  DEFAULT_CUSTOMER_HANDOFF_NOTE,
  DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
} from '../config';
import {
  ADMIN_READ_TEXTS,
  createFunctionsPost,
  type FunctionsError,
  type FunctionsRequestOptions,
  isObject,
  unexpectedAnswer,
} from './functionsRequest';

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
  | 'revisions'
  | 'confirm'
  | 'opencxWebhookSecret'
  | 'customerHandoffNote'
  | 'customerHandoffNoteTranslations'
  | 'customerHandbackNote'
  | 'customerHandbackNoteTranslations'
  | 'aiAnswerTimeoutSeconds'
  | 'aiIdleCloseMinutes'
  | 'customerIdleCloseNote'
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
  /** The workflow the admin chose for the setup; null: the discovered one is used. */
  workflowSid: string | null;
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
  /** What the customer sees when the AI resumes after a handback; empty: no note. */
  customerHandbackNote: string;
  /** BCP-47 tag → the handback note in that language. */
  customerHandbackNoteTranslations: Record<string, string>;
  aiAnswerTimeoutSeconds: number;
  /** Minutes of silence after which the bridge closes an AI conversation; 0: never. */
  aiIdleCloseMinutes: number;
  /** What the customer reads just before such a close; empty: no note. No translations. */
  customerIdleCloseNote: string;
  /** The expected peak of concurrent AI conversations; the pool keeps one AI worker per 50. */
  aiPeakConversations: number;
  /** Which stored settings these are (opaque), posted back by Test & Save; null when none are stored. */
  revision: string | null;
}

export interface SavedKey {
  id: string;
  masked: string;
}

export interface WorkflowSummary {
  sid: string;
  friendlyName: string;
}

/**
 * The workspace's workflows and the one the setup check and Apply use, with why, as far as the view
 * shows them (settings-load `routing`; texts as the Functions wrote them).
 */
export interface WorkflowRouting {
  workflows: WorkflowSummary[];
  /** Null: none can be chosen, `unclear` says why. */
  inUse: (WorkflowSummary & { why: string }) | null;
  unclear: { reason: string; fix: string } | null;
  /** The workflow the account's configuration names (`discovered.kind` found), if any. */
  discoveredSid: string | null;
  /** Why the account's configuration names several workflows (`discovered.kind` conflict), if it does. */
  conflict: string | null;
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
  /** Empty: store none, so the discovered workflow is used. */
  workflowSid: string;
  aiAuthorName: string;
  workspaceSid: string;
  conversationsServiceSid: string;
  /** Empty: keep the saved secret. */
  opencxWebhookSecret: string;
  /** Empty: post no note. */
  customerHandoffNote: string;
  customerHandoffNoteTranslations: Record<string, string>;
  /** Empty: post no note. */
  customerHandbackNote: string;
  customerHandbackNoteTranslations: Record<string, string>;
  aiAnswerTimeoutSeconds: number;
  /** 0: never close a silent AI conversation. */
  aiIdleCloseMinutes: number;
  /** Empty: close without a note. */
  customerIdleCloseNote: string;
  aiPeakConversations: number;
  /**
   * The `revision` of the settings the form was filled from (null: none were stored): the Functions
   * refuse the save (`settings_changed`) once the stored settings are other ones. Absent: not checked.
   */
  settingsRevision?: string | null;
  /** Changes the admin confirmed that take running conversations from the AI (`change_not_confirmed`). */
  confirmChange?: LiveChange[];
}

/** What a save refused with `change_not_confirmed` asks to confirm, by the field it names. */
export type LiveChange = 'organisation' | 'workspace' | 'service';

export type CheckStatus = 'ok' | 'problem' | 'warning';

/** One finding of the setup doctor (`/admin/setup-check`), texts as the Functions wrote them. */
export interface SetupCheck {
  /**
   * e.g. `config`, `opencx_token`, `workspace_events`, `opencx_webhook`; see docs/admin-api.md.
   * The view shows any id the same way.
   */
  id: string;
  status: CheckStatus;
  title: string;
  detail: string;
  /** Absent when ok. */
  fix?: string;
  /** "Apply fixes" can fix it. */
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

/** The check's revision of each resource Apply may write, by check id: opaque, only posted back. */
export type SetupRevisions = Record<string, string>;

export interface ApplySetupInput extends CheckSetupInput {
  /** `WQ…`: the human agents' queue, needed only to add a missing handedOff filter. */
  humanQueueSid?: string;
  /** Allows replacing a webhook URL that points elsewhere; sent only when given. */
  replaceCallbackUrl?: boolean;
  /** From the check the admin saw: Apply refuses to write a resource changed since then. */
  revisions?: SetupRevisions;
}

export interface UninstallSetupInput {
  /** Leaves the OpenCX data in Sync (settings, conversation state). */
  keepSyncData: boolean;
}

export type StepStatus = 'applied' | 'unchanged' | 'skipped' | 'failed';

/** What one step of Apply, Undo or Uninstall did, texts as the Functions wrote them. */
export interface StepReport {
  /** The check id of the resource the step owns. */
  id: string;
  title: string;
  status: StepStatus;
  detail: string;
  /** On a failed step: refused because its resource changed since the check. */
  reason?: 'changed_since_check';
}

/** The backup Undo restored: who applied the changes it undid, and when. */
export interface RestoredBackup {
  backupId: string;
  /** ISO 8601. */
  at: string;
  by: string;
}

export type Failure = { ok: false; error: SettingsError };
/** `routing`: null until the settings are saved (or when the saved workspace is gone). */
export type LoadResult = { ok: true; settings: OpencxSettings; routing: WorkflowRouting | null } | Failure;
export type SaveResult =
  | {
      ok: true;
      settings: OpencxSettings;
      workerCreated: boolean;
      /** Saved, but the webhooks still carry the previous settings version (Apply fixes registers it). */
      webhooksNotUpdated?: boolean;
      /** The AI workers stay unavailable until Apply fixes points the workspace events here. */
      aiWorkersAwaitApply?: boolean;
      /** New AI workers could not be made Available after the save: saving again does it. */
      aiWorkersNotOpened?: true;
      /**
       * AI workers left in workspaces the settings no longer name (still holding conversations, or
       * not retired); `unlisted`: a workspace whose AI workers could not be listed. Absent when none.
       */
      formerAiWorkers?: { left: number; unlisted: boolean };
      /** Saved keys OpenCX was rate-limiting, taken as checked when first saved. Absent when none. */
      opencxKeysUnchecked?: number;
    }
  | Failure;
/**
 * `revisions`: empty when the Functions sent none. `undoable`: the Apply an Undo would undo now
 * (Undo names it, so a retried or second admin's Undo does not undo the one before); absent when none.
 */
export type CheckSetupResult =
  | { ok: true; checks: SetupCheck[]; revisions?: SetupRevisions; undoable?: RestoredBackup }
  | Failure;
/** `revisions`: of what the write left, for the next Apply; empty when the Functions sent none. */
/** `checks` is absent when the check after the write could not run: the write's report still counts. */
type WriteResult = { ok: true; steps: StepReport[]; checks?: SetupCheck[]; revisions?: SetupRevisions };
/**
 * `backupId`: present when Undo would undo this Apply (it kept a backup). `undoable`: the Apply an Undo
 * would undo now, this one or, when it kept nothing, the one before; absent when none, or not read.
 */
export type ApplySetupResult = (WriteResult & { backupId?: string; undoable?: RestoredBackup }) | Failure;
/** `restored`: absent when there was nothing to undo. `undoable`: the Apply the next Undo would undo. */
/** `complete`: false when the undo kept something (the AI still holds conversations, or chats still route to it). */
export type UndoSetupResult =
  | (WriteResult & { restored?: RestoredBackup; undoable?: RestoredBackup; complete?: boolean })
  | Failure;
/** `complete`: false while something remains, e.g. AI workers still holding conversations. */
export type UninstallSetupResult = { ok: true; steps: StepReport[]; complete: boolean } | Failure;

export interface SettingsClient {
  load(flexToken: string): Promise<LoadResult>;
  save(flexToken: string, input: SaveSettingsInput): Promise<SaveResult>;
  checkSetup(flexToken: string, input?: CheckSetupInput): Promise<CheckSetupResult>;
  applySetup(flexToken: string, input?: ApplySetupInput): Promise<ApplySetupResult>;
  /** Restores the resources the last Apply wrote; refused when `backupId` names another Apply. */
  undoSetup(flexToken: string, backupId?: string): Promise<UndoSetupResult>;
  /** Removes what the integration added; the confirmation is sent by this call. */
  uninstallSetup(flexToken: string, input: UninstallSetupInput): Promise<UninstallSetupResult>;
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
  'revisions',
  'confirm',
  'opencxWebhookSecret',
  'customerHandoffNote',
  'customerHandoffNoteTranslations',
  'customerHandbackNote',
  'customerHandbackNoteTranslations',
  'aiAnswerTimeoutSeconds',
  'aiIdleCloseMinutes',
  'customerIdleCloseNote',
  'aiPeakConversations',
];

export function createSettingsClient(options: SettingsClientOptions): SettingsClient {
  const post = createFunctionsPost(options, FIELDS);
  const read = createFunctionsPost(options, FIELDS, ADMIN_READ_TEXTS);

  return {
    async load(flexToken) {
      const answer = await read('/admin/settings-load', { Token: flexToken });
      if (!answer.ok) return answer;
      const settings = readSettings(answer.body.settings);
      return settings ? { ok: true, settings, routing: readRouting(answer.body.routing) } : unexpectedShape();
    },

    async save(flexToken, input) {
      const fields: Record<string, string> = {
        Token: flexToken,
        aiQueueSid: input.aiQueueSid.trim(),
        // Always sent: absent would store none, dropping a workflow chosen before.
        workflowSid: input.workflowSid,
        aiAuthorName: input.aiAuthorName.trim(),
        workspaceSid: input.workspaceSid,
        conversationsServiceSid: input.conversationsServiceSid,
        customerHandoffNote: input.customerHandoffNote.trim(),
        customerHandoffNoteTranslations: JSON.stringify(input.customerHandoffNoteTranslations),
        customerHandbackNote: input.customerHandbackNote.trim(),
        customerHandbackNoteTranslations: JSON.stringify(input.customerHandbackNoteTranslations),
        aiAnswerTimeoutSeconds: String(input.aiAnswerTimeoutSeconds),
        aiIdleCloseMinutes: String(input.aiIdleCloseMinutes),
        customerIdleCloseNote: input.customerIdleCloseNote.trim(),
        aiPeakConversations: String(input.aiPeakConversations),
      };
      if (input.opencxExtraTokensKept) fields.opencxExtraTokensKept = input.opencxExtraTokensKept.join(',');
      // Empty: the form was filled when nothing was stored.
      if (input.settingsRevision !== undefined) fields.settingsRevision = input.settingsRevision ?? '';
      if (input.confirmChange?.length) fields.confirmChange = input.confirmChange.join(',');
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
      return settings
        ? {
            ok: true,
            settings,
            workerCreated: answer.body.workerCreated === true,
            webhooksNotUpdated: answer.body.webhooksNotUpdated === true,
            aiWorkersAwaitApply: answer.body.aiWorkersAwaitApply === true,
            ...(answer.body.aiWorkersNotOpened === true && { aiWorkersNotOpened: true as const }),
            ...readFormerAiWorkers(answer.body.formerAiWorkers),
            ...readKeysUnchecked(answer.body.opencxKeysUnchecked),
          }
        : unexpectedShape();
    },

    async checkSetup(flexToken, input = {}) {
      const answer = await read('/admin/setup-check', setupFields(flexToken, input));
      if (!answer.ok) return answer;
      const checks = readChecks(answer.body.checks);
      const undoable = readRestored(answer.body.undoable);
      return checks
        ? { ok: true, checks, revisions: readRevisions(answer.body.revisions), ...(undoable ? { undoable } : {}) }
        : unexpectedShape();
    },

    async applySetup(flexToken, input = {}) {
      const fields = setupFields(flexToken, input);
      const humanQueueSid = input.humanQueueSid?.trim();
      if (humanQueueSid) fields.humanQueueSid = humanQueueSid;
      if (input.replaceCallbackUrl !== undefined) fields.replaceCallbackUrl = String(input.replaceCallbackUrl);
      if (input.revisions && Object.keys(input.revisions).length > 0)
        fields.revisions = JSON.stringify(input.revisions);
      const answer = await post('/admin/setup-apply', fields);
      if (!answer.ok) return answer;
      const checks = readChecksAfterWrite(answer.body.checks);
      const steps = readSteps(answer.body.steps);
      if (checks === null || !steps) return unexpectedShape();
      const { backupId } = answer.body;
      const undoable = readRestored(answer.body.undoable);
      return {
        ok: true,
        steps,
        ...(isText(backupId) ? { backupId } : {}),
        ...(undoable ? { undoable } : {}),
        ...(checks ? { checks } : {}),
        revisions: readRevisions(answer.body.revisions),
      };
    },

    async undoSetup(flexToken, backupId) {
      const answer = await post('/admin/setup-undo', { Token: flexToken, ...(backupId ? { backupId } : {}) });
      if (!answer.ok) return answer;
      const checks = readChecksAfterWrite(answer.body.checks);
      const steps = readSteps(answer.body.steps);
      if (checks === null || !steps) return unexpectedShape();
      const restored = readRestored(answer.body.restored);
      const undoable = readRestored(answer.body.undoable);
      return {
        ok: true,
        steps,
        ...(restored ? { restored } : {}),
        ...(undoable ? { undoable } : {}),
        ...(typeof answer.body.complete === 'boolean' ? { complete: answer.body.complete } : {}),
        ...(checks ? { checks } : {}),
        revisions: readRevisions(answer.body.revisions),
      };
    },

    async uninstallSetup(flexToken, { keepSyncData }) {
      const answer = await post('/admin/setup-uninstall', {
        Token: flexToken,
        confirm: 'uninstall',
        keepSyncData: String(keepSyncData),
      });
      if (!answer.ok) return answer;
      const steps = readSteps(answer.body.steps);
      // Only an explicit true says nothing remains.
      return steps ? { ok: true, steps, complete: answer.body.complete === true } : unexpectedShape();
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

const wholeNumberOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isInteger(value) ? value : fallback;

function readSettings(value: unknown): OpencxSettings | undefined {
  if (!isObject(value)) return undefined;
  return {
    configured: value.configured === true,
    opencxTokenMasked: stringOrNull(value.opencxTokenMasked),
    opencxExtraTokens: Array.isArray(value.opencxExtraTokens) ? value.opencxExtraTokens.filter(isSavedKey) : [],
    workspaceSid: stringOrNull(value.workspaceSid),
    conversationsServiceSid: stringOrNull(value.conversationsServiceSid),
    aiQueueSid: stringOrNull(value.aiQueueSid),
    workflowSid: stringOrNull(value.workflowSid),
    aiAuthorName: stringOrNull(value.aiAuthorName) ?? DEFAULT_AI_AUTHOR_NAME,
    aiWorkerSid: stringOrNull(value.aiWorkerSid),
    orgName: stringOrNull(value.orgName),
    opencxWebhookSecretSet: value.opencxWebhookSecretSet === true,
    opencxWebhookUrl: stringOrNull(value.opencxWebhookUrl),
    customerHandoffNote:
      typeof value.customerHandoffNote === 'string' ? value.customerHandoffNote : DEFAULT_CUSTOMER_HANDOFF_NOTE,
    customerHandoffNoteTranslations: readTranslations(value.customerHandoffNoteTranslations),
    customerHandbackNote:
      typeof value.customerHandbackNote === 'string' ? value.customerHandbackNote : DEFAULT_CUSTOMER_HANDBACK_NOTE,
    customerHandbackNoteTranslations: readTranslations(value.customerHandbackNoteTranslations),
    aiAnswerTimeoutSeconds: wholeNumberOr(value.aiAnswerTimeoutSeconds, DEFAULT_AI_ANSWER_TIMEOUT_SECONDS),
    // Absent from older Functions, which never close a silent conversation.
    aiIdleCloseMinutes: wholeNumberOr(value.aiIdleCloseMinutes, DEFAULT_AI_IDLE_CLOSE_MINUTES),
    // Absent from older Functions and from settings stored before it: the bridge's default.
    customerIdleCloseNote:
      typeof value.customerIdleCloseNote === 'string' ? value.customerIdleCloseNote : DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
    aiPeakConversations: wholeNumberOr(value.aiPeakConversations, DEFAULT_AI_PEAK_CONVERSATIONS),
    revision: stringOrNull(value.revision),
  };
}

function readTranslations(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const isSavedKey = (value: unknown): value is SavedKey => isObject(value) && isText(value.id) && isText(value.masked);

const STATUSES: readonly CheckStatus[] = ['ok', 'problem', 'warning'];
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Every item read, or undefined when any item lacks its id, title or detail: an item left out could hide a problem. */
function readAll<T>(
  value: unknown,
  read: (item: Record<string, unknown> & { id: string; title: string; detail: string }) => T,
): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: T[] = [];
  for (const item of value) {
    if (!isObject(item) || !isText(item.id) || !isText(item.title) || typeof item.detail !== 'string') return undefined;
    items.push(read({ ...item, id: item.id, title: item.title, detail: item.detail }));
  }
  return items;
}

/** After a write: the checks, undefined when the answer has none (they could not run), null when malformed. */
const readChecksAfterWrite = (value: unknown): SetupCheck[] | undefined | null =>
  value === undefined ? undefined : (readChecks(value) ?? null);

const readChecks = (value: unknown): SetupCheck[] | undefined =>
  readAll(value, (item) => ({
    id: item.id,
    // A status this plugin does not know yet is not shown as fine.
    status: STATUSES.find((status) => status === item.status) ?? 'warning',
    title: item.title,
    detail: item.detail,
    ...(isText(item.fix) ? { fix: item.fix } : {}),
    autoFixable: item.autoFixable === true,
    ...(item.confirm === 'replaceCallbackUrl' ? { confirm: 'replaceCallbackUrl' as const } : {}),
    ...(item.needs === 'humanQueueSid' ? { needs: 'humanQueueSid' as const } : {}),
  }));

function readRevisions(value: unknown): SetupRevisions {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => isText(entry[1])));
}

const isWorkflow = (value: unknown): value is WorkflowSummary =>
  isObject(value) && isText(value.sid) && typeof value.friendlyName === 'string';

/** Null when absent or its workflows are not as documented: the view then shows no workflow rather than a wrong one. */
function readRouting(value: unknown): WorkflowRouting | null {
  if (!isObject(value) || !Array.isArray(value.workflows) || !value.workflows.every(isWorkflow)) return null;
  const { inUse, unclear } = value;
  const discovered = isObject(value.discovered) ? value.discovered : {};
  return {
    workflows: value.workflows,
    inUse:
      isObject(inUse) && isWorkflow(inUse) && isText(inUse.why)
        ? { sid: inUse.sid, friendlyName: inUse.friendlyName, why: inUse.why }
        : null,
    unclear:
      isObject(unclear) && isText(unclear.reason) ? { reason: unclear.reason, fix: String(unclear.fix ?? '') } : null,
    discoveredSid: discovered.kind === 'found' ? stringOrNull(discovered.workflowSid) : null,
    conflict: discovered.kind === 'conflict' ? stringOrNull(discovered.reason) : null,
  };
}

const STEP_STATUSES: readonly StepStatus[] = ['applied', 'unchanged', 'skipped', 'failed'];

const readSteps = (value: unknown): StepReport[] | undefined =>
  readAll(value, (item) => ({
    id: item.id,
    title: item.title,
    // A status this plugin does not know yet is not shown as done.
    status: STEP_STATUSES.find((status) => status === item.status) ?? 'failed',
    detail: item.detail,
    // Only the reason this plugin acts on; undefined otherwise.
    reason: item.reason === 'changed_since_check' ? item.reason : undefined,
  }));

function readRestored(value: unknown): RestoredBackup | undefined {
  if (!isObject(value) || !isText(value.backupId) || !isText(value.at)) return undefined;
  return { backupId: value.backupId, at: value.at, by: typeof value.by === 'string' ? value.by : '' };
}

/** How many saved keys OpenCX was rate-limiting during the save; nothing when none. */
function readKeysUnchecked(value: unknown): { opencxKeysUnchecked?: number } {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? { opencxKeysUnchecked: value } : {};
}

/** What the save left in workspaces the settings no longer name; nothing when the answer names none. */
function readFormerAiWorkers(value: unknown): { formerAiWorkers?: { left: number; unlisted: boolean } } {
  if (!Array.isArray(value) || value.length === 0) return {};
  const lists = value.map((former) => (former as { workerSids?: unknown } | null)?.workerSids);
  const left = lists.reduce<number>((sum, sids) => sum + (Array.isArray(sids) ? sids.length : 0), 0);
  const unlisted = lists.some((sids) => !Array.isArray(sids) || sids.length === 0);
  return { formerAiWorkers: { left, unlisted } };
}
