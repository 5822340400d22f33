// The OpenCX settings, decided without I/O: the save form's validation, token masking, the view
// the plugin shows, the stored document, the AI worker's shape, and which answers become which errors.
import {
  AI_ANSWER_TIMEOUT_SECONDS,
  AI_IDLE_CLOSE_MINUTES,
  AI_PEAK_CONVERSATIONS,
  AI_WORKER_CHANNEL_CAPACITY,
  type ConfigDocument,
  DEFAULT_AI_AUTHOR_NAME,
  DEFAULT_CUSTOMER_HANDBACK_NOTE,
  DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
  DEFAULT_CUSTOMER_HANDOFF_NOTE,
  MAX_CUSTOMER_HANDOFF_NOTE_LENGTH,
  MAX_CUSTOMER_IDLE_CLOSE_NOTE_LENGTH,
  parseConfig,
} from '../common/config';
import { OpenCxError, type OpenCxOrg } from '../common/opencx-client';
import { keyId } from '../common/opencx-rate-limit';
import { canonicalLanguageTag } from '../bridge/customer-note';
import { AdminError, internalError, invalidInput } from './admin-error';

export const AI_WORKER_NAME = 'OpenCX AI';
export const AI_WORKER_SKILL = 'opencx_ai';
/** Selects the AI workers: what marks a worker as one of the pool. */
export const AI_WORKER_EXPRESSION = 'opencx_ai == true';
/**
 * The task channels the AI serves, at TaskRouter's maximum capacity (sms only where the
 * workspace has it). Every other channel (voice, video, default) is closed: the AI cannot take a call.
 */
export const AI_WORKER_CHANNELS: Readonly<Record<string, number>> = {
  chat: AI_WORKER_CHANNEL_CAPACITY,
  sms: AI_WORKER_CHANNEL_CAPACITY,
};

const MAX_AUTHOR_NAME_LENGTH = 64;
const MAX_TOKEN_LENGTH = 512;
/**
 * Sync keeps the settings in one document of at most 16 KiB; every other field together stays
 * under 8 KiB at its longest (the two secrets at 512 characters, the further keys, the three notes,
 * the pool's SIDs while a pool as large drains, the former workspaces): settings.test.ts checks the
 * sum. The handoff and the handback notes' translations share the other 8 KiB (9 KiB before the
 * note for a closed silent chat took its room).
 */
export const MAX_TRANSLATIONS_BYTES = 8 * 1024;
/** OpenCX's organisation name, shown in the settings view; kept short so the document fits. */
export const MAX_ORG_NAME_LENGTH = 200;
/** Further OpenCX keys: each adds 100 requests a minute; together they stay under 1 KiB of the settings document. */
export const MAX_EXTRA_TOKENS = 9;
const MAX_EXTRA_TOKEN_LENGTH = 100;
const MASK = '••••••••';
const MASK_MIN_TOKEN_LENGTH = 12;

/**
 * What the settings view shows. The org token only ever leaves as `opencxTokenMasked`, the
 * webhook signing secret only as `opencxWebhookSecretSet`.
 */
export interface SettingsView {
  configured: boolean;
  opencxTokenMasked: string | null;
  /** The organisation's further keys, each only as a masked hint and an id to keep it by. */
  opencxExtraTokens: SavedKey[];
  opencxWebhookSecretSet: boolean;
  /** Where OpenCX must send its webhooks (OpenCX → Settings → Integrations → Webhooks). */
  opencxWebhookUrl: string;
  customerHandoffNote: string;
  customerHandoffNoteTranslations: Record<string, string>;
  customerHandbackNote: string;
  customerHandbackNoteTranslations: Record<string, string>;
  customerIdleCloseNote: string;
  aiAnswerTimeoutSeconds: number;
  /** 0: AI conversations are never closed for silence. */
  aiIdleCloseMinutes: number;
  workspaceSid: string | null;
  conversationsServiceSid: string | null;
  aiQueueSid: string | null;
  /** The workflow the admin chose for the setup; null: the one discovered from the account. */
  workflowSid: string | null;
  aiAuthorName: string;
  aiWorkerSid: string | null;
  /** The expected peak of concurrent AI conversations. */
  aiPeakConversations: number;
  /** The AI worker pool, `aiWorkerSid` first; empty before the first save. */
  aiWorkerSids: string[];
  orgName: string | null;
  updatedAt: string | null;
  /**
   * Which stored settings these are (opaque; null when none are stored): the form posts it back as
   * `settingsRevision`, so a save over settings changed since is refused.
   */
  revision: string | null;
}

/** A saved key as the browser sees it. */
export interface SavedKey {
  /** A digest of the key (opencx-rate-limit.ts `keyId`), which does not reveal it. */
  id: string;
  masked: string;
}

/** The "Test & Save" form, its shapes checked. */
export interface SaveForm {
  /** Absent: keep the stored token. */
  opencxToken?: string;
  /** Further keys of the same organisation to add. */
  opencxExtraTokens: string[];
  /** Ids of the saved further keys to keep; absent: keep them all. */
  opencxExtraTokensKept?: string[];
  workspaceSid: string;
  /** Absent: the one Flex uses, read from Flex's configuration. */
  conversationsServiceSid?: string;
  aiQueueSid?: string;
  /** Absent: no choice, the setup discovers the workflow. */
  workflowSid?: string;
  aiAuthorName: string;
  /** Absent: keep the stored secret. */
  opencxWebhookSecret?: string;
  /** Absent: keep the stored note (the default on a first save). Empty: no note. */
  customerHandoffNote?: string;
  /** Absent: keep the stored translations. */
  customerHandoffNoteTranslations?: Record<string, string>;
  /** Absent: keep the stored note (the default on a first save). Empty: no note. */
  customerHandbackNote?: string;
  /** Absent: keep the stored translations. */
  customerHandbackNoteTranslations?: Record<string, string>;
  /** Absent: keep the stored note (the default on a first save). Empty: no note. */
  customerIdleCloseNote?: string;
  /** Absent: keep the stored timeout (the default on a first save). */
  aiAnswerTimeoutSeconds?: number;
  /** Absent: keep the stored value (the default, never, on a first save). */
  aiIdleCloseMinutes?: number;
  /** Absent: keep the stored peak (the default on a first save). */
  aiPeakConversations?: number;
  /**
   * The `revision` of the settings the form was filled from; empty: none were stored. Absent (an
   * older plugin, the command line): the save goes over whatever is stored.
   */
  settingsRevision?: string;
  /** The changes of live routing the admin confirmed, as `confirmChange` lists them. */
  confirmed: LiveChange[];
}

/**
 * Changes that take the AI's running conversations away from it: OpenCX sessions belong to one
 * organisation, and the Functions serve one workspace's and one Conversations service's events.
 * Saved only once confirmed.
 */
export type LiveChange = 'organisation' | 'workspace' | 'service';
const LIVE_CHANGES: readonly LiveChange[] = ['organisation', 'workspace', 'service'];

/**
 * The first unconfirmed change from the stored settings' organisation, workspace or Conversations
 * service (`conversationsServiceSid`: the one the save would store); refused until confirmed.
 */
export function unconfirmedLiveChange(
  form: Pick<SaveForm, 'workspaceSid' | 'confirmed'> & { conversationsServiceSid?: string },
  stored: Partial<ConfigDocument>,
  org: OpenCxOrg,
): AdminError | undefined {
  const needs = (change: LiveChange) => !form.confirmed.includes(change);
  // Named, never by its id, which stays server-side.
  const savedOrg = stored.orgName ? `"${stored.orgName}"` : 'the organisation';
  if (stored.orgId && org.id !== stored.orgId && needs('organisation'))
    return new AdminError(
      409,
      'change_not_confirmed',
      `This key is of the OpenCX organisation "${org.name}", not of ${savedOrg} the settings are saved with. ` +
        "The AI's running conversations have their sessions there: each goes to a human at its customer's " +
        'next message. Confirm the change to save.',
      'opencxToken',
    );
  if (stored.workspaceSid && form.workspaceSid !== stored.workspaceSid && needs('workspace'))
    return new AdminError(
      409,
      'change_not_confirmed',
      `The AI leaves workspace ${stored.workspaceSid}: its AI workers close, the conversations they hold get no ` +
        "further answer from it, and chats its workflow still routes to the AI's queue wait there. Run Uninstall " +
        'in that workspace first, or confirm the change to save.',
      'workspaceSid',
    );
  const service = form.conversationsServiceSid;
  if (stored.conversationsServiceSid && service && service !== stored.conversationsServiceSid && needs('service'))
    return new AdminError(
      409,
      'change_not_confirmed',
      `The AI leaves Conversations service ${stored.conversationsServiceSid} for ${service}: the customers of the ` +
        "conversations it holds there get no further answer from it, and the new service's messages reach it only " +
        'once Apply fixes has pointed its webhook here. Confirm the change to save.',
      'conversationsServiceSid',
    );
  return undefined;
}

/** The last 4 characters behind a fixed mask; only the mask for a token too short to hide most of. */
export function maskToken(token: string | undefined): string | null {
  if (!token) return null;
  return token.length >= MASK_MIN_TOKEN_LENGTH ? MASK + token.slice(-4) : MASK;
}

/**
 * `revision` of the stored settings: Sync's revision of the document with the config version of the
 * save that wrote it, so a document deleted and created again (Uninstall, then a first save), whose
 * Sync revision starts over, never reads as unchanged. Null when nothing is stored.
 */
export const settingsRevisionOf = (stored: Partial<ConfigDocument>, revision: string | undefined): string | null =>
  revision === undefined ? null : `${revision}.${stored.configVersion ?? ''}`;

/**
 * A save from a form filled from other settings than those stored now (another admin saved, Apply
 * noted the AI queue it created, Uninstall deleted them) would silently put back what the form was
 * loaded with: refused, with nothing written. A form that does not say is not checked.
 */
export function settingsChangedSince(
  form: SaveForm,
  stored: Partial<ConfigDocument>,
  revision: string | undefined,
): AdminError | undefined {
  if (form.settingsRevision === undefined) return undefined;
  return form.settingsRevision === (settingsRevisionOf(stored, revision) ?? '') ? undefined : settingsChanged();
}

export const settingsChanged = (): AdminError =>
  new AdminError(
    409,
    'settings_changed',
    'The settings were changed since you opened them (by another admin or a setup change): ' +
      'reload them, then make your changes again',
  );

export function settingsView(
  stored: Partial<ConfigDocument>,
  opencxWebhookUrl: string,
  revision?: string,
): SettingsView {
  return {
    configured: parseConfig(stored) !== undefined,
    opencxTokenMasked: maskToken(stored.opencxToken),
    opencxExtraTokens: (stored.opencxExtraTokens ?? []).map((token) => ({
      id: keyId(token),
      masked: maskToken(token)!,
    })),
    opencxWebhookSecretSet: !!stored.opencxWebhookSecret,
    opencxWebhookUrl,
    customerHandoffNote: stored.customerHandoffNote ?? DEFAULT_CUSTOMER_HANDOFF_NOTE,
    customerHandoffNoteTranslations: stored.customerHandoffNoteTranslations ?? {},
    customerHandbackNote: stored.customerHandbackNote ?? DEFAULT_CUSTOMER_HANDBACK_NOTE,
    customerHandbackNoteTranslations: stored.customerHandbackNoteTranslations ?? {},
    customerIdleCloseNote: stored.customerIdleCloseNote ?? DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
    aiAnswerTimeoutSeconds: stored.aiAnswerTimeoutSeconds ?? AI_ANSWER_TIMEOUT_SECONDS.default,
    aiIdleCloseMinutes: stored.aiIdleCloseMinutes ?? AI_IDLE_CLOSE_MINUTES.default,
    workspaceSid: stored.workspaceSid ?? null,
    conversationsServiceSid: stored.conversationsServiceSid ?? null,
    aiQueueSid: stored.aiQueueSid ?? null,
    workflowSid: stored.workflowSid ?? null,
    aiAuthorName: stored.aiAuthorName ?? DEFAULT_AI_AUTHOR_NAME,
    aiWorkerSid: stored.aiWorkerSid ?? null,
    aiPeakConversations: stored.aiPeakConversations ?? AI_PEAK_CONVERSATIONS.default,
    aiWorkerSids: storedPool(stored).pool,
    orgName: stored.orgName ?? null,
    updatedAt: stored.updatedAt ?? null,
    revision: settingsRevisionOf(stored, revision),
  };
}

export const sidPattern = (prefix: string): RegExp => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
const SIDS = {
  workspaceSid: { pattern: sidPattern('WS'), what: 'a TaskRouter workspace SID (WS followed by 32 hex characters)' },
  conversationsServiceSid: {
    pattern: sidPattern('IS'),
    what: "a Conversations service SID (IS followed by 32 hex characters) or nothing for Flex's",
  },
  aiQueueSid: {
    pattern: sidPattern('WQ'),
    what: 'a TaskRouter queue SID (WQ followed by 32 hex characters) or nothing',
  },
  workflowSid: {
    pattern: sidPattern('WW'),
    what: 'a TaskRouter workflow SID (WW followed by 32 hex characters) or nothing',
  },
} as const;

/** A posted field, trimmed; undefined when absent or blank, a 400 when sent more than once. */
export function formText(form: Record<string, unknown>, field: string): string | undefined {
  const value = form[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(field, `${field} must be sent once, as text`);
  return value.trim() || undefined;
}

/** A posted field, trimmed, empty when sent blank; undefined only when absent. */
function formValue(form: Record<string, unknown>, field: string): string | undefined {
  return form[field] === undefined || form[field] === null ? undefined : (formText(form, field) ?? '');
}

const CHANNEL_ADDRESS = /^(whatsapp|messenger|rcs|gbm|instagram|sms):/i;

/** Twilio's own author, or what an SMS, WhatsApp or other channel customer's messages are authored as. */
function isOthersAuthorName(name: string): boolean {
  return name === 'system' || /^\+?[\d\s().-]{6,}$/.test(name) || CHANNEL_ADDRESS.test(name);
}

/** What a key or secret is made of: printable ASCII (an HTTP header refuses the rest before sending). */
const KEY_CHARACTERS = /^[\x21-\x7e]+$/;

/** A word that is not a key: an invisible or non-ASCII character came with the paste. The message never repeats it. */
function strayCharacter(field: string, what: string): AdminError {
  return invalidInput(
    field,
    `The ${what} holds a character OpenCX keys never have, likely an invisible one copied with it: ` +
      'copy it again from OpenCX',
  );
}

/** A secret pasted from a dashboard: one word, at most MAX_TOKEN_LENGTH characters. The message never repeats it. */
function secretText(form: Record<string, unknown>, field: string, what: string): string | undefined {
  const secret = formText(form, field);
  if (secret === undefined) return undefined;
  if (/\s/.test(secret) || secret.length > MAX_TOKEN_LENGTH) {
    throw invalidInput(
      field,
      `Paste the ${what} exactly as OpenCX shows it: one word, at most ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  if (!KEY_CHARACTERS.test(secret)) throw strayCharacter(field, what);
  return secret;
}

/** Characters as the admin and the settings view count them: code points (an emoji is one), not UTF-16 units. */
const characterCount = (text: string): number => Array.from(text).length;

/** The customer notes' fields: a note, and its translations. */
export type NoteField = 'customerHandoffNote' | 'customerHandbackNote';
export type TranslationsField = `${NoteField}Translations`;

/** What the messages call a note, by its field or its translations' field. */
const noteName = (field: string): string =>
  field.startsWith('customerHandback')
    ? 'The handback note'
    : field === 'customerIdleCloseNote'
      ? 'The note for a closed silent chat'
      : 'The handoff note';

function customerNoteText(note: string, field: string, language?: string): string {
  const limit =
    field === 'customerIdleCloseNote' ? MAX_CUSTOMER_IDLE_CLOSE_NOTE_LENGTH : MAX_CUSTOMER_HANDOFF_NOTE_LENGTH;
  if (characterCount(note) > limit) {
    throw invalidInput(
      field,
      `${noteName(field)}${language ? ` for "${language}"` : ''} must be at most ${limit} characters`,
    );
  }
  return note;
}

/**
 * The translations field: a JSON object of BCP-47 language tag → note, the tags stored in
 * canonical case (`es-mx` → `es-MX`). Blank: none.
 */
export function parseTranslations(
  json: string,
  field: TranslationsField = 'customerHandoffNoteTranslations',
): Record<string, string> {
  if (!json) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalidInput(
      field,
      'The translations must be a JSON object of language tag → note, e.g. ' +
        '{"es": "Le ponemos en contacto con nuestro equipo."}',
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidInput(
      field,
      'The translations must be a JSON object of language tag → note, e.g. ' +
        '{"es": "Le ponemos en contacto con nuestro equipo."}',
    );
  }
  const translations: Record<string, string> = {};
  for (const [tag, note] of Object.entries(parsed)) {
    const language = canonicalLanguageTag(tag);
    if (!language) throw invalidInput(field, `"${tag}" is not a BCP-47 language tag such as "es" or "pt-BR"`);
    if (language in translations) throw invalidInput(field, `The language "${language}" is given twice`);
    if (typeof note !== 'string') throw invalidInput(field, `The note for "${language}" must be text`);
    translations[language] = customerNoteText(note.trim(), field, language);
  }
  if (translationsBytes(translations) > MAX_TRANSLATIONS_BYTES) throw translationsTooLong(field);
  return translations;
}

const translationsBytes = (translations: Record<string, string> | undefined): number =>
  translations ? Buffer.byteLength(JSON.stringify(translations), 'utf8') : 0;

const translationsTooLong = (field: TranslationsField): AdminError =>
  invalidInput(
    field,
    'The translations are too long together ' +
      '(the settings must fit in one 16 KiB Sync document): remove or shorten some',
  );

/**
 * The handoff and the handback notes' translations the save would store (the form's, else the
 * stored ones) share one budget: over it, a 400 on the field the form sent (the handback's when both).
 */
export function translationsOverBudget(form: SaveForm, stored: Partial<ConfigDocument>): AdminError | undefined {
  const handoff = form.customerHandoffNoteTranslations ?? stored.customerHandoffNoteTranslations;
  const handback = form.customerHandbackNoteTranslations ?? stored.customerHandbackNoteTranslations;
  if (translationsBytes(handoff) + translationsBytes(handback) <= MAX_TRANSLATIONS_BYTES) return undefined;
  return translationsTooLong(
    form.customerHandbackNoteTranslations || !form.customerHandoffNoteTranslations
      ? 'customerHandbackNoteTranslations'
      : 'customerHandoffNoteTranslations',
  );
}

function answerTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  const { min, max } = AI_ANSWER_TIMEOUT_SECONDS;
  if (!(seconds >= min && seconds <= max))
    throw invalidInput(
      'aiAnswerTimeoutSeconds',
      `The AI answer timeout must be a whole number of seconds from ${min} to ${max}`,
    );
  return seconds;
}

function idleCloseMinutes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const minutes = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  const { min, max } = AI_IDLE_CLOSE_MINUTES;
  if (!(minutes === 0 || (minutes >= min && minutes <= max))) {
    throw invalidInput(
      'aiIdleCloseMinutes',
      `Close silent AI conversations after a whole number of minutes from ${min} to ${max}, or 0 for never`,
    );
  }
  return minutes;
}

function peakConversations(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const peak = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  const { min, max } = AI_PEAK_CONVERSATIONS;
  if (!(peak >= min && peak <= max)) {
    throw invalidInput(
      'aiPeakConversations',
      `The peak of concurrent AI conversations must be a whole number from ${min} to ${max}`,
    );
  }
  return peak;
}

/** Checks the shapes of the posted fields; throws a 400 naming the first bad field. */
export function parseSaveForm(form: Record<string, unknown>): SaveForm {
  const text = (field: string): string | undefined => formText(form, field);
  const sid = (field: keyof typeof SIDS, value: string | undefined): string | undefined => {
    if (value !== undefined && !SIDS[field].pattern.test(value))
      throw invalidInput(field, `Expected ${SIDS[field].what}`);
    return value;
  };
  const required = (field: keyof typeof SIDS): string => {
    const value = sid(field, text(field));
    if (value === undefined) throw invalidInput(field, `Expected ${SIDS[field].what}`);
    return value;
  };

  const opencxToken = secretText(form, 'opencxToken', 'OpenCX API key');
  const kept = formValue(form, 'opencxExtraTokensKept');
  const aiQueueSid = sid('aiQueueSid', text('aiQueueSid'));
  const aiAuthorName = text('aiAuthorName') ?? DEFAULT_AI_AUTHOR_NAME;
  if (/[\r\n]/.test(aiAuthorName)) throw invalidInput('aiAuthorName', 'The AI author name must fit on one line');
  if (aiAuthorName.length > MAX_AUTHOR_NAME_LENGTH) {
    throw invalidInput('aiAuthorName', `The AI author name must be at most ${MAX_AUTHOR_NAME_LENGTH} characters`);
  }
  if (isOthersAuthorName(aiAuthorName)) {
    throw invalidInput(
      'aiAuthorName',
      'The AI author name cannot be "system", a phone number or a channel address (whatsapp:…): those are the ' +
        "authors of Twilio's and customers' messages, which would pass for the AI's",
    );
  }
  return {
    opencxToken,
    opencxExtraTokens: extraTokens(text('opencxExtraTokens')),
    ...(kept === undefined
      ? {}
      : {
          opencxExtraTokensKept: kept
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        }),
    workspaceSid: required('workspaceSid'),
    conversationsServiceSid: sid('conversationsServiceSid', text('conversationsServiceSid')),
    aiQueueSid,
    workflowSid: sid('workflowSid', text('workflowSid')),
    aiAuthorName,
    opencxWebhookSecret: secretText(form, 'opencxWebhookSecret', 'webhook signing secret'),
    ...customerNoteFields(form, 'customerHandoffNote'),
    ...customerNoteFields(form, 'customerHandbackNote'),
    // No translations: before a handoff the customer's language is rarely known.
    customerIdleCloseNote: optional(formValue(form, 'customerIdleCloseNote'), (note) =>
      customerNoteText(note, 'customerIdleCloseNote'),
    ),
    aiAnswerTimeoutSeconds: answerTimeout(text('aiAnswerTimeoutSeconds')),
    aiIdleCloseMinutes: idleCloseMinutes(text('aiIdleCloseMinutes')),
    aiPeakConversations: peakConversations(text('aiPeakConversations')),
    settingsRevision: formValue(form, 'settingsRevision'),
    confirmed: confirmedChanges(formValue(form, 'confirmChange')),
  };
}

function confirmedChanges(value: string | undefined): LiveChange[] {
  const named = (value ?? '')
    .split(',')
    .map((change) => change.trim())
    .filter(Boolean);
  const unknown = named.find((change) => !(LIVE_CHANGES as readonly string[]).includes(change));
  if (unknown !== undefined)
    throw invalidInput('confirmChange', `Expected "organisation", "workspace" or "service", comma-separated`);
  return named as LiveChange[];
}

/** Pasted further keys, separated by spaces, commas or line breaks; the message never repeats one. */
function extraTokens(text: string | undefined): string[] {
  const tokens = (text ?? '').split(/[\s,]+/).filter(Boolean);
  if (tokens.some((token) => token.length > MAX_EXTRA_TOKEN_LENGTH)) {
    throw invalidInput(
      'opencxExtraTokens',
      'Paste each further OpenCX API key exactly as OpenCX shows it: ' +
        `at most ${MAX_EXTRA_TOKEN_LENGTH} characters, separated by spaces or commas`,
    );
  }
  if (!tokens.every((token) => KEY_CHARACTERS.test(token)))
    throw strayCharacter('opencxExtraTokens', 'further OpenCX API keys field');
  return tokens;
}

/** A customer note and its translations, as posted: each absent when not sent. */
function customerNoteFields(
  form: Record<string, unknown>,
  field: NoteField,
): Partial<Record<NoteField, string> & Record<TranslationsField, Record<string, string>>> {
  const translations: TranslationsField = `${field}Translations`;
  return {
    [field]: optional(formValue(form, field), (note) => customerNoteText(note, field)),
    [translations]: optional(formValue(form, translations), (json) => parseTranslations(json, translations)),
  };
}

const optional = <T>(value: string | undefined, parse: (value: string) => T): T | undefined =>
  value === undefined ? undefined : parse(value);

/** The token to test and store: the one posted, else the one already saved. */
export function tokenToSave(form: SaveForm, stored: Partial<ConfigDocument>): string {
  const token = form.opencxToken ?? stored.opencxToken;
  if (!token) throw invalidInput('opencxToken', 'Enter the OpenCX API key');
  return token;
}

/** The peak the save sizes the pool for: the one posted, else the one saved, else the default. */
export const peakToSave = (form: SaveForm, stored: Partial<ConfigDocument>): number =>
  form.aiPeakConversations ?? stored.aiPeakConversations ?? AI_PEAK_CONVERSATIONS.default;

/** The pool the stored settings name (one `aiWorkerSid` for settings saved before the pool). */
export const storedPool = (stored: Partial<ConfigDocument>): { pool: string[]; draining: string[] } => ({
  pool: stored.aiWorkerSids?.length ? stored.aiWorkerSids : stored.aiWorkerSid ? [stored.aiWorkerSid] : [],
  draining: stored.aiDrainingWorkerSids ?? [],
});

/**
 * At most this many workspaces left with AI workers still in them are kept in the settings (their
 * SIDs must fit the document); the one left last comes first, the oldest is forgotten.
 */
export const MAX_FORMER_WORKSPACES = 5;

/**
 * The workspace a save to `workspaceSid` leaves, with the AI workers the settings name there
 * (the pool, draining ones included); undefined when the workspace stays.
 */
export function workspaceLeft(
  stored: Partial<ConfigDocument>,
  workspaceSid: string,
): { workspaceSid: string; workerSids: string[] } | undefined {
  if (!stored.workspaceSid || stored.workspaceSid === workspaceSid) return undefined;
  const { pool, draining } = storedPool(stored);
  return { workspaceSid: stored.workspaceSid, workerSids: [...new Set([...pool, ...draining])] };
}

/**
 * The workspaces earlier saves left whose AI workers a save to `workspaceSid` retires; AI workers
 * of the workspace saved are the pool's (it adopts them).
 */
export const formerToRetire = (stored: Partial<ConfigDocument>, workspaceSid: string): string[] =>
  (stored.aiFormerWorkspaceSids ?? []).filter((sid) => sid !== workspaceSid);

/**
 * The further keys to test and store: the saved ones the form keeps, then the ones it adds, each
 * once and none equal to the main key.
 */
export function extraTokensToSave(form: SaveForm, stored: Partial<ConfigDocument>, mainToken: string): string[] {
  const saved = stored.opencxExtraTokens ?? [];
  const kept = form.opencxExtraTokensKept
    ? saved.filter((token) => form.opencxExtraTokensKept!.includes(keyId(token)))
    : saved;
  const tokens = [...new Set([...kept, ...form.opencxExtraTokens])].filter((token) => token !== mainToken);
  if (tokens.length > MAX_EXTRA_TOKENS)
    throw invalidInput('opencxExtraTokens', `At most ${MAX_EXTRA_TOKENS} further OpenCX API keys can be saved`);
  return tokens;
}

/** One key's `GET /org`: its organisation, or why OpenCX did not give it. */
export interface KeyCheck {
  token: string;
  org?: OpenCxOrg;
  error?: unknown;
}

/**
 * The organisation every key must belong to, and how many saved keys went unchecked. A saved key
 * that OpenCX is rate-limiting (429) was checked when it was first saved, and is taken to be of the
 * stored organisation: a rate limit must not block a save, least of all the one that adds a spare
 * key. A new key must answer. Throws the first problem as the form shows it.
 */
export function organisationOfKeys(
  main: KeyCheck,
  extras: KeyCheck[],
  stored: Partial<ConfigDocument>,
): { org: OpenCxOrg; unchecked: number } {
  const saved = [stored.opencxToken, ...(stored.opencxExtraTokens ?? [])];
  const known = ({ token, error }: KeyCheck): boolean =>
    error instanceof OpenCxError && error.status === 429 && stored.orgId !== undefined && saved.includes(token);
  let org = main.org;
  if (!org) {
    if (!known(main)) throw opencxFailure(main.error);
    org = { id: stored.orgId!, name: stored.orgName ?? '' };
  }
  // A saved further key stands for the stored organisation only while the main key is of it.
  const taken = (check: KeyCheck): boolean => org.id === stored.orgId && known(check);
  const problem = extraTokenProblem(
    org,
    extras.filter((check) => !taken(check)),
  );
  if (problem) throw problem;
  return { org, unchecked: [main, ...extras].filter(taken).length };
}

/**
 * Every key must be of the main key's organisation: the bridge spreads one organisation's
 * conversations over them. A key OpenCX refused or could not check is named by its masked hint.
 */
export function extraTokenProblem(main: OpenCxOrg, checked: KeyCheck[]): AdminError | undefined {
  for (const { token, org, error } of checked) {
    const masked = maskToken(token);
    if (error !== undefined) {
      const failure = opencxFailure(error);
      if (failure.code === 'opencx_token_rejected')
        return new AdminError(
          400,
          'opencx_token_rejected',
          `OpenCX rejected the further key ${masked}`,
          'opencxExtraTokens',
          failure.detail,
        );
      if (error instanceof OpenCxError && error.status === 429)
        return new AdminError(
          502,
          'opencx_unavailable',
          `OpenCX is rate-limiting the further key ${masked} (429), so it could not be checked and nothing was ` +
            'saved; try again once its limit resets',
          'opencxExtraTokens',
          failure.detail,
        );
      return failure;
    }
    if (org && org.id !== main.id) {
      return new AdminError(
        400,
        'opencx_other_organisation',
        `The further key ${masked} belongs to the organisation "${org.name}", not "${main.name}": ` +
          'every key must be of the same organisation',
        'opencxExtraTokens',
      );
    }
  }
  return undefined;
}

export interface Provisioned {
  opencxToken: string;
  /** The form's, else the one Flex uses. */
  conversationsServiceSid: string;
  /** Further keys, checked with OpenCX. */
  opencxExtraTokens?: string[];
  /** The AI worker pool, in order; never empty. */
  aiWorkerSids: string[];
  aiDrainingWorkerSids: string[];
  /** Of the workspaces earlier saves left, those where AI workers remain once this save retired them. */
  aiFormerWorkspaceSids?: string[];
  timerWorkspaceSid: string;
  timerWorkflowSid: string;
  orgName: string;
  /** Absent when no key answered and the settings name none. */
  orgId?: string;
  configVersion: string;
  now: Date;
}

/**
 * Exactly what the bridge's `parseConfig` reads, plus `orgName`, `updatedAt` and the AI queue
 * Apply created. A field the form left out keeps its stored value: the secret, the customer notes
 * and their translations, the timeout.
 */
export function configDocument(
  form: SaveForm,
  stored: Partial<ConfigDocument>,
  provisioned: Provisioned,
): ConfigDocument {
  const opencxWebhookSecret = form.opencxWebhookSecret ?? stored.opencxWebhookSecret;
  // The workspace this save leaves first: its AI workers are retired once the settings name the new one.
  const left = workspaceLeft(stored, form.workspaceSid)?.workspaceSid;
  const aiFormerWorkspaceSids = [
    ...new Set([...(left ? [left] : []), ...(provisioned.aiFormerWorkspaceSids ?? [])]),
  ].slice(0, MAX_FORMER_WORKSPACES);
  return {
    opencxToken: provisioned.opencxToken,
    ...(provisioned.opencxExtraTokens?.length ? { opencxExtraTokens: provisioned.opencxExtraTokens } : {}),
    workspaceSid: form.workspaceSid,
    aiWorkerSid: provisioned.aiWorkerSids[0],
    aiWorkerSids: provisioned.aiWorkerSids,
    aiDrainingWorkerSids: provisioned.aiDrainingWorkerSids,
    ...(aiFormerWorkspaceSids.length > 0 ? { aiFormerWorkspaceSids } : {}),
    aiPeakConversations: peakToSave(form, stored),
    conversationsServiceSid: provisioned.conversationsServiceSid,
    aiAuthorName: form.aiAuthorName,
    ...(form.aiQueueSid ? { aiQueueSid: form.aiQueueSid } : {}),
    ...(form.workflowSid ? { workflowSid: form.workflowSid } : {}),
    ...(opencxWebhookSecret ? { opencxWebhookSecret } : {}),
    customerHandoffNote: form.customerHandoffNote ?? stored.customerHandoffNote ?? DEFAULT_CUSTOMER_HANDOFF_NOTE,
    customerHandoffNoteTranslations:
      form.customerHandoffNoteTranslations ?? stored.customerHandoffNoteTranslations ?? {},
    customerHandbackNote: form.customerHandbackNote ?? stored.customerHandbackNote ?? DEFAULT_CUSTOMER_HANDBACK_NOTE,
    customerHandbackNoteTranslations:
      form.customerHandbackNoteTranslations ?? stored.customerHandbackNoteTranslations ?? {},
    customerIdleCloseNote:
      form.customerIdleCloseNote ?? stored.customerIdleCloseNote ?? DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
    aiAnswerTimeoutSeconds:
      form.aiAnswerTimeoutSeconds ?? stored.aiAnswerTimeoutSeconds ?? AI_ANSWER_TIMEOUT_SECONDS.default,
    aiIdleCloseMinutes: form.aiIdleCloseMinutes ?? stored.aiIdleCloseMinutes ?? AI_IDLE_CLOSE_MINUTES.default,
    timerWorkspaceSid: provisioned.timerWorkspaceSid,
    timerWorkflowSid: provisioned.timerWorkflowSid,
    configVersion: provisioned.configVersion,
    orgName: provisioned.orgName.slice(0, MAX_ORG_NAME_LENGTH),
    // An id too long to be one is not kept: a saved key's 429 then blocks the save, as before ids were kept.
    ...(provisioned.orgId && provisioned.orgId.length <= MAX_ORG_NAME_LENGTH ? { orgId: provisioned.orgId } : {}),
    ...(stored.aiQueueCreatedSid ? { aiQueueCreatedSid: stored.aiQueueCreatedSid } : {}),
    updatedAt: provisioned.now.toISOString(),
  };
}

/** What Test & Save's OpenCX key checks may take, all their retries included. */
export const OPENCX_CHECK_MS = 4500;
/** What the Twilio checks and writes after them need, however slow OpenCX was. */
export const AFTER_OPENCX_CHECK_MS = 4000;

/**
 * The OpenCX checks' own budget out of the save's `remainingMs`: a slow OpenCX ends the save with
 * a clear 502 before any write, rather than leaving the pool half changed when time runs out.
 */
export function opencxCheckBudgetMs(remainingMs: number): number {
  return Math.max(0, Math.min(OPENCX_CHECK_MS, remainingMs - AFTER_OPENCX_CHECK_MS));
}

/**
 * 401/403 mean the token is wrong (400 on the field). Anything else (5xx, 429, timeout,
 * network) means OpenCX could not say: 502 Bad Gateway, since the fault is upstream and
 * retrying later may work; nothing is saved.
 */
export function opencxFailure(error: unknown): AdminError {
  if (!(error instanceof OpenCxError)) return internalError(String(error));
  if (error.status === 401 || error.status === 403) {
    return new AdminError(400, 'opencx_token_rejected', 'OpenCX rejected this token', 'opencxToken', error.message);
  }
  return new AdminError(
    502,
    'opencx_unavailable',
    error.status === 429
      ? 'OpenCX is rate-limiting this API key (429), so it could not be checked and nothing was saved; ' +
          'try again once its limit resets'
      : 'OpenCX could not be reached to check the token, so nothing was saved; try again in a minute',
    undefined,
    error.message,
  );
}

export interface ResourcesFound {
  workspace: boolean;
  /** Undefined when no queue was given. */
  queue?: boolean;
  /** Undefined when no workflow was given. */
  workflow?: boolean;
  conversationsService: boolean;
}

/** The first Twilio resource of the form that does not exist, as a 400 on its field. */
export function missingResource(form: SaveForm, found: ResourcesFound): AdminError | undefined {
  const notFound = (field: string, message: string): AdminError => new AdminError(400, 'not_found', message, field);
  if (!found.workspace) return notFound('workspaceSid', `Workspace ${form.workspaceSid} not found in this account`);
  if (found.queue === false)
    return notFound('aiQueueSid', `Queue ${form.aiQueueSid} not found in workspace ${form.workspaceSid}`);
  if (found.workflow === false)
    return notFound('workflowSid', `Workflow ${form.workflowSid} not found in workspace ${form.workspaceSid}`);
  if (!found.conversationsService)
    return notFound(
      'conversationsServiceSid',
      `Conversations service ${form.conversationsServiceSid} not found in this account`,
    );
  return undefined;
}

export function aiWorkerAttributes(authorName: string): Record<string, unknown> {
  return { opencx_ai: true, full_name: authorName, routing: { skills: [AI_WORKER_SKILL] } };
}

export const aiWorkerNameTaken = (workerSid: string, name = AI_WORKER_NAME): AdminError =>
  new AdminError(
    400,
    'ai_worker_conflict',
    `A TaskRouter worker named "${name}" (${workerSid}) exists but is not an OpenCX AI worker ` +
      '(no "opencx_ai": true attribute); rename it or mark it',
  );
