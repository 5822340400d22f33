// The settings form, pure: the saved settings → the form, what the admin typed → its errors, or
// → what Test & Save sends.
import type { OpencxSettings, SaveSettingsInput, SettingsField } from '../api/settingsClient';
import { AI_WORKER_CHANNEL_CAPACITY } from '../config';
import { format, strings } from '../strings';
import { QUEUE_SID } from './setup';

export const HANDOFF_NOTE_MAX_CHARACTERS = 320;
/** The note for a closed silent chat is shorter: one SMS segment (docs/admin-api.md). */
export const IDLE_CLOSE_NOTE_MAX_CHARACTERS = 160;
/** As the Functions allow (docs/admin-api.md). */
export const MAX_EXTRA_TOKENS = 9;
export const AI_ANSWER_TIMEOUT_SECONDS = { min: 15, max: 600 } as const;
/** Or 0: never (docs/admin-api.md). */
export const AI_IDLE_CLOSE_MINUTES = { min: 10, max: 10080 } as const;
export const AI_PEAK_CONVERSATIONS = { min: 1, max: 1000 } as const;

/** One row of the translations editor; `key` tells rows apart while they are edited. */
export interface TranslationRow {
  key: number;
  language: string;
  note: string;
}

export interface SettingsFormValues {
  opencxToken: string;
  /** Further keys pasted to add. */
  opencxExtraTokens: string;
  /** Ids of the saved further keys the admin has not removed; undefined when none was saved (or loading failed). */
  keptExtraTokens?: string[];
  aiQueueSid: string;
  /** The chosen workflow's SID; empty: the discovered one. */
  workflowSid: string;
  aiAuthorName: string;
  opencxWebhookSecret: string;
  customerHandoffNote: string;
  /** The handoff note's translations. */
  translations: TranslationRow[];
  customerHandbackNote: string;
  handbackTranslations: TranslationRow[];
  /** As typed. */
  aiAnswerTimeoutSeconds: string;
  /** As typed; 0: never. */
  aiIdleCloseMinutes: string;
  customerIdleCloseNote: string;
  /** As typed. */
  aiPeakConversations: string;
}

export interface TranslationErrors {
  language?: string;
  note?: string;
}

export interface FormErrors {
  fields: Partial<Record<SettingsField, string>>;
  /** The handoff note's translations', by row key. */
  translations: Record<number, TranslationErrors>;
  /** The handback note's translations', by row key. */
  handbackTranslations: Record<number, TranslationErrors>;
}

/** The form's translation editors: each note's rows, and their errors under the same name. */
export type TranslationsOf = 'translations' | 'handbackTranslations';

export const NO_ERRORS: FormErrors = { fields: {}, translations: {}, handbackTranslations: {} };

export const hasErrors = (errors: FormErrors): boolean =>
  Object.keys(errors.fields).length > 0 ||
  Object.keys(errors.translations).length > 0 ||
  Object.keys(errors.handbackTranslations).length > 0;

/** Characters as the admin counts them: an emoji is one. */
export const characterCount = (text: string): number => Array.from(text).length;

/**
 * The tag as the Functions store it (RFC 5646 casing, es-MX, zh-Hant-TW, and a deprecated code's
 * replacement, iw → he), by the same check; undefined when it is not a BCP-47 tag.
 */
export function canonicalLanguageTag(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.trim())[0];
  } catch {
    return undefined;
  }
}

export const nextRowKey = (rows: readonly TranslationRow[]): number =>
  rows.reduce((next, row) => Math.max(next, row.key + 1), 0);

export function formFrom(settings: OpencxSettings): SettingsFormValues {
  return {
    opencxToken: '',
    opencxExtraTokens: '',
    keptExtraTokens:
      settings.opencxExtraTokens.length > 0 ? settings.opencxExtraTokens.map((key) => key.id) : undefined,
    aiQueueSid: settings.aiQueueSid ?? '',
    workflowSid: settings.workflowSid ?? '',
    aiAuthorName: settings.aiAuthorName,
    opencxWebhookSecret: '',
    customerHandoffNote: settings.customerHandoffNote,
    translations: rowsOf(settings.customerHandoffNoteTranslations),
    customerHandbackNote: settings.customerHandbackNote,
    handbackTranslations: rowsOf(settings.customerHandbackNoteTranslations),
    aiAnswerTimeoutSeconds: String(settings.aiAnswerTimeoutSeconds),
    aiIdleCloseMinutes: String(settings.aiIdleCloseMinutes),
    customerIdleCloseNote: settings.customerIdleCloseNote,
    aiPeakConversations: String(settings.aiPeakConversations),
  };
}

const rowsOf = (translations: Record<string, string>): TranslationRow[] =>
  Object.entries(translations).map(([language, note], key) => ({ key, language, note }));

/** What the rows save: blank rows dropped, tags in canonical case. */
const translationsOf = (rows: readonly TranslationRow[]): Record<string, string> =>
  Object.fromEntries(
    rows
      .filter((row) => !isBlank(row))
      .map((row) => [canonicalLanguageTag(row.language) ?? row.language.trim(), row.note.trim()]),
  );

/** The form rebased on stored settings that changed under it (`rebaseForm`). */
export interface RebasedForm {
  values: SettingsFormValues;
  /** Fields changed by someone else than the setup action (another admin's save) are in `values`. */
  theirs: boolean;
  /** A field the admin edited was also changed, to another value: saving the form would undo that change. */
  conflict: boolean;
  /**
   * Someone else stored a new revision that no field shows: a new webhook secret, which the browser sees only as
   * set. Taken, that revision would let a secret typed here replace theirs unawares: the form keeps its own.
   */
  unseen: boolean;
}

/** Each field's stored value, as far as the browser sees it: a secret's only as masked, or as set. */
function storedOf(settings: OpencxSettings): Record<keyof SettingsFormValues, unknown> {
  return {
    ...formFrom(settings),
    opencxToken: settings.opencxTokenMasked,
    opencxWebhookSecret: settings.opencxWebhookSecretSet,
  } as Record<keyof SettingsFormValues, unknown>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const NUMBER_FIELDS: ReadonlySet<keyof SettingsFormValues> = new Set([
  'aiAnswerTimeoutSeconds',
  'aiIdleCloseMinutes',
  'aiPeakConversations',
]);

/** A field's value as a save stores it: text trimmed, a number as one, translations as the map they save. */
function asSaved(field: keyof SettingsFormValues, value: unknown): unknown {
  if (field === 'translations' || field === 'handbackTranslations')
    return Object.entries(translationsOf(value as TranslationRow[])).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return NUMBER_FIELDS.has(field) && /^\d+$/.test(text) ? Number(text) : text;
}

/** The same once saved: "090" is 90, a trailing space is none, "ES" is "es". */
const sameSaved = (field: keyof SettingsFormValues, a: unknown, b: unknown): boolean =>
  same(asSaved(field, a), asSaved(field, b));

/** The write-only fields, and the stored field that shows they were saved. */
const SECRET_MARKS = {
  opencxToken: 'opencxToken',
  opencxExtraTokens: 'keptExtraTokens',
  opencxWebhookSecret: 'opencxWebhookSecret',
} as const satisfies Partial<Record<keyof SettingsFormValues, keyof SettingsFormValues>>;

/**
 * The form once the stored settings changed under it from `before` to `after`: a field the admin left as
 * `before` filled it shows `after`'s value; an edit stays, and is what the next save sends. `afterSetup`: the
 * change includes an Apply, Undo or Uninstall of this admin's, whose own writes (the AI queue Apply noted or
 * Undo cleared, Uninstall's delete) are neither someone else's change nor a conflict.
 */
export function rebaseForm(
  values: SettingsFormValues,
  before: OpencxSettings,
  after: OpencxSettings,
  afterSetup = false,
  /** A field both changed takes their value (a reload the admin asked for), not the admin's. */
  theirsWin = false,
  /**
   * This admin's save may have landed (its answer was lost): a secret typed here whose stored mark changed
   * (the masked key, the extra keys, the secret now set) is taken as saved, and leaves the form.
   */
  ownSave = false,
): RebasedForm {
  const loaded: Partial<SettingsFormValues> = formFrom(before);
  const next: Partial<SettingsFormValues> = formFrom(after);
  const was = storedOf(before);
  const now = storedOf(after);
  const fields = [...new Set([...Object.keys(values), ...Object.keys(next)])] as (keyof SettingsFormValues)[];
  const edited = (field: keyof SettingsFormValues): boolean => !sameSaved(field, values[field], loaded[field]);
  const setupOwns = (field: keyof SettingsFormValues): boolean =>
    afterSetup && (after.revision === null || field === 'aiQueueSid');
  const changed = (field: keyof SettingsFormValues): boolean => !same(was[field], now[field]);
  const saved = (field: keyof SettingsFormValues): boolean =>
    ownSave && field in SECRET_MARKS && changed(SECRET_MARKS[field as keyof typeof SECRET_MARKS]);
  const theirs = fields.filter((field) => !setupOwns(field) && !saved(field) && changed(field));
  return {
    values: Object.fromEntries(
      fields.map((field) => [
        field,
        edited(field) && !saved(field) && !(theirsWin && theirs.includes(field)) ? values[field] : next[field],
      ]),
    ) as unknown as SettingsFormValues,
    theirs: theirs.length > 0,
    conflict: theirs.some((field) => edited(field) && !sameSaved(field, values[field], next[field])),
    // After this admin's setup action a new revision is its own, unless no field shows its write and a secret
    // typed here would replace one saved meanwhile.
    unseen:
      before.revision !== after.revision &&
      theirs.length === 0 &&
      (!afterSetup || (after.revision !== null && !fields.some(changed) && edited('opencxWebhookSecret'))),
  };
}

/** A whole number within the bounds, as typed; undefined otherwise. */
function wholeNumber(text: string, bounds: { min: number; max: number }): number | undefined {
  const value = text.trim();
  return /^\d+$/.test(value) && Number(value) >= bounds.min && Number(value) <= bounds.max ? Number(value) : undefined;
}

/** The AI workers a typed peak needs (one per 50 conversations); undefined while it is not a valid peak. */
export function poolSizeFor(peak: string): number | undefined {
  const value = wholeNumber(peak, AI_PEAK_CONVERSATIONS);
  return value === undefined ? undefined : Math.ceil(value / AI_WORKER_CHANNEL_CAPACITY);
}

const isBlank = (row: TranslationRow): boolean => !row.language.trim() && !row.note.trim();

function noteError(note: string): string | undefined {
  return characterCount(note) > HANDOFF_NOTE_MAX_CHARACTERS
    ? format(strings.settingsNoteTooLong, { max: HANDOFF_NOTE_MAX_CHARACTERS })
    : undefined;
}

function translationErrors(rows: readonly TranslationRow[]): FormErrors['translations'] {
  const errors: FormErrors['translations'] = {};
  const seen = new Set<string>();
  for (const row of rows) {
    if (isBlank(row)) continue;
    const language = row.language.trim();
    const note = row.note.trim();
    const canonical = canonicalLanguageTag(language);
    const rowErrors: TranslationErrors = {
      language: !language
        ? strings.settingsTranslationLanguageRequired
        : canonical === undefined
          ? strings.settingsTranslationLanguageInvalid
          : seen.has(canonical)
            ? format(strings.settingsTranslationLanguageDuplicate, { language: canonical })
            : undefined,
      // An empty message is allowed: customers writing in this language get no note (the Functions store it so).
      note: noteError(note),
    };
    if (canonical) seen.add(canonical);
    if (rowErrors.language || rowErrors.note) errors[row.key] = rowErrors;
  }
  return errors;
}

/** The errors to show before anything is sent; `settings` undefined when loading failed (the server then decides). */
export function validate(values: SettingsFormValues, settings: OpencxSettings | undefined): FormErrors {
  const fields: FormErrors['fields'] = {};
  if (!values.opencxToken.trim() && settings && !settings.opencxTokenMasked)
    fields.opencxToken = strings.settingsTokenRequired;
  // As the Functions count them: each key once, and not the main key pasted again.
  const pasted = new Set(values.opencxExtraTokens.split(/[\s,]+/).filter(Boolean));
  pasted.delete(values.opencxToken.trim());
  const extraTokens = (values.keptExtraTokens?.length ?? 0) + pasted.size;
  if (extraTokens > MAX_EXTRA_TOKENS)
    fields.opencxExtraTokens = format(strings.settingsExtraTokensTooMany, { max: MAX_EXTRA_TOKENS });
  const queueSid = values.aiQueueSid.trim();
  if (queueSid && !QUEUE_SID.test(queueSid)) fields.aiQueueSid = strings.settingsQueueInvalid;
  if (wholeNumber(values.aiAnswerTimeoutSeconds, AI_ANSWER_TIMEOUT_SECONDS) === undefined) {
    fields.aiAnswerTimeoutSeconds = format(strings.settingsAnswerTimeoutInvalid, AI_ANSWER_TIMEOUT_SECONDS);
  }
  // 0 (never) is outside the bounds, and allowed.
  const idleClose = values.aiIdleCloseMinutes.trim();
  if (!/^0+$/.test(idleClose) && wholeNumber(idleClose, AI_IDLE_CLOSE_MINUTES) === undefined)
    fields.aiIdleCloseMinutes = format(strings.settingsIdleCloseInvalid, AI_IDLE_CLOSE_MINUTES);
  if (poolSizeFor(values.aiPeakConversations) === undefined)
    fields.aiPeakConversations = format(strings.settingsPeakInvalid, AI_PEAK_CONVERSATIONS);
  for (const field of ['customerHandoffNote', 'customerHandbackNote'] as const) {
    const note = noteError(values[field].trim());
    if (note) fields[field] = note;
  }
  // Checked whatever the minutes say: the note is saved either way.
  if (characterCount(values.customerIdleCloseNote.trim()) > IDLE_CLOSE_NOTE_MAX_CHARACTERS)
    fields.customerIdleCloseNote = format(strings.settingsIdleCloseNoteTooLong, {
      max: IDLE_CLOSE_NOTE_MAX_CHARACTERS,
    });
  return {
    fields,
    translations: translationErrors(values.translations),
    handbackTranslations: translationErrors(values.handbackTranslations),
  };
}

/**
 * What Test & Save sends, for values that passed `validate`, filled from the settings of `revision`
 * (the Functions refuse the save once other settings are stored). Blank translation rows are dropped.
 */
export function saveInput(
  values: SettingsFormValues,
  flexResources: Pick<SaveSettingsInput, 'workspaceSid' | 'conversationsServiceSid'>,
  revision?: string | null,
): SaveSettingsInput {
  return {
    opencxToken: values.opencxToken,
    opencxExtraTokens: values.opencxExtraTokens,
    ...(values.keptExtraTokens ? { opencxExtraTokensKept: values.keptExtraTokens } : {}),
    aiQueueSid: values.aiQueueSid,
    workflowSid: values.workflowSid,
    aiAuthorName: values.aiAuthorName,
    ...flexResources,
    opencxWebhookSecret: values.opencxWebhookSecret,
    customerHandoffNote: values.customerHandoffNote,
    customerHandoffNoteTranslations: translationsOf(values.translations),
    customerHandbackNote: values.customerHandbackNote,
    customerHandbackNoteTranslations: translationsOf(values.handbackTranslations),
    aiAnswerTimeoutSeconds: Number(values.aiAnswerTimeoutSeconds.trim()),
    aiIdleCloseMinutes: Number(values.aiIdleCloseMinutes.trim()),
    customerIdleCloseNote: values.customerIdleCloseNote,
    aiPeakConversations: Number(values.aiPeakConversations.trim()),
    ...(revision === undefined ? {} : { settingsRevision: revision }),
  };
}
