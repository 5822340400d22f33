// The OpenCX settings, decided without I/O: the save form's validation, token masking, the view
// the plugin shows, the stored document, the AI worker's shape, and which answers become which errors.
import { ConfigDocument, DEFAULT_AI_AUTHOR_NAME, parseConfig } from '../common/config';
import { OpenCxError } from '../common/opencx-client';
import { AdminError, internalError, invalidInput } from './admin-error';

export const AI_WORKER_NAME = 'OpenCX AI';
export const AI_WORKER_SKILL = 'opencx_ai';
/**
 * The task channels the AI serves, at TaskRouter's maximum capacity (sms only where the
 * workspace has it). Every other channel (voice, video, default) is closed: the AI cannot take a call.
 */
export const AI_WORKER_CHANNELS: Readonly<Record<string, number>> = { chat: 50, sms: 50 };

const MAX_AUTHOR_NAME_LENGTH = 64;
const MAX_TOKEN_LENGTH = 512;
const MASK = '••••••••';
const MASK_MIN_TOKEN_LENGTH = 12;

/** What the settings view shows. The org token only ever leaves as `opencxTokenMasked`. */
export interface SettingsView {
  configured: boolean;
  opencxTokenMasked: string | null;
  workspaceSid: string | null;
  conversationsServiceSid: string | null;
  aiQueueSid: string | null;
  aiAuthorName: string;
  aiWorkerSid: string | null;
  orgName: string | null;
  updatedAt: string | null;
}

/** The "Test & Save" form, its shapes checked. */
export interface SaveForm {
  /** Absent: keep the stored token. */
  opencxToken?: string;
  workspaceSid: string;
  conversationsServiceSid: string;
  aiQueueSid?: string;
  aiAuthorName: string;
}

/** The last 4 characters behind a fixed mask; only the mask for a token too short to hide most of. */
export function maskToken(token: string | undefined): string | null {
  if (!token) return null;
  return token.length >= MASK_MIN_TOKEN_LENGTH ? MASK + token.slice(-4) : MASK;
}

export function settingsView(stored: Partial<ConfigDocument>): SettingsView {
  return {
    configured: parseConfig(stored) !== undefined,
    opencxTokenMasked: maskToken(stored.opencxToken),
    workspaceSid: stored.workspaceSid ?? null,
    conversationsServiceSid: stored.conversationsServiceSid ?? null,
    aiQueueSid: stored.aiQueueSid ?? null,
    aiAuthorName: stored.aiAuthorName ?? DEFAULT_AI_AUTHOR_NAME,
    aiWorkerSid: stored.aiWorkerSid ?? null,
    orgName: stored.orgName ?? null,
    updatedAt: stored.updatedAt ?? null,
  };
}

export const sidPattern = (prefix: string): RegExp => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
const SIDS = {
  workspaceSid: { pattern: sidPattern('WS'), what: 'a TaskRouter workspace SID (WS followed by 32 hex characters)' },
  conversationsServiceSid: { pattern: sidPattern('IS'), what: 'a Conversations service SID (IS followed by 32 hex characters)' },
  aiQueueSid: { pattern: sidPattern('WQ'), what: 'a TaskRouter queue SID (WQ followed by 32 hex characters) or nothing' },
} as const;

/** A posted field, trimmed; undefined when absent or blank, a 400 when sent more than once. */
export function formText(form: Record<string, unknown>, field: string): string | undefined {
  const value = form[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(field, `${field} must be sent once, as text`);
  return value.trim() || undefined;
}

/** Checks the shapes of the posted fields; throws a 400 naming the first bad field. */
export function parseSaveForm(form: Record<string, unknown>): SaveForm {
  const text = (field: string): string | undefined => formText(form, field);
  const sid = (field: keyof typeof SIDS, value: string | undefined): string | undefined => {
    if (value !== undefined && !SIDS[field].pattern.test(value)) throw invalidInput(field, `Expected ${SIDS[field].what}`);
    return value;
  };
  const required = (field: keyof typeof SIDS): string => {
    const value = sid(field, text(field));
    if (value === undefined) throw invalidInput(field, `Expected ${SIDS[field].what}`);
    return value;
  };

  const opencxToken = text('opencxToken');
  if (opencxToken !== undefined && (/\s/.test(opencxToken) || opencxToken.length > MAX_TOKEN_LENGTH)) {
    throw invalidInput('opencxToken', `Paste the OpenCX API key exactly as OpenCX shows it: one word, at most ${MAX_TOKEN_LENGTH} characters`);
  }
  const aiQueueSid = sid('aiQueueSid', text('aiQueueSid'));
  const aiAuthorName = text('aiAuthorName') ?? DEFAULT_AI_AUTHOR_NAME;
  if (/[\r\n]/.test(aiAuthorName)) throw invalidInput('aiAuthorName', 'The AI author name must fit on one line');
  if (aiAuthorName.length > MAX_AUTHOR_NAME_LENGTH) {
    throw invalidInput('aiAuthorName', `The AI author name must be at most ${MAX_AUTHOR_NAME_LENGTH} characters`);
  }
  return {
    opencxToken,
    workspaceSid: required('workspaceSid'),
    conversationsServiceSid: required('conversationsServiceSid'),
    aiQueueSid,
    aiAuthorName,
  };
}

/** The token to test and store: the one posted, else the one already saved. */
export function tokenToSave(form: SaveForm, stored: Partial<ConfigDocument>): string {
  const token = form.opencxToken ?? stored.opencxToken;
  if (!token) throw invalidInput('opencxToken', 'Enter the OpenCX API key');
  return token;
}

export interface Provisioned {
  opencxToken: string;
  aiWorkerSid: string;
  orgName: string;
  now: Date;
}

/** Exactly what the bridge's `parseConfig` reads, plus `orgName` and `updatedAt`. */
export function configDocument(form: SaveForm, provisioned: Provisioned): ConfigDocument {
  return {
    opencxToken: provisioned.opencxToken,
    workspaceSid: form.workspaceSid,
    aiWorkerSid: provisioned.aiWorkerSid,
    conversationsServiceSid: form.conversationsServiceSid,
    aiAuthorName: form.aiAuthorName,
    ...(form.aiQueueSid ? { aiQueueSid: form.aiQueueSid } : {}),
    orgName: provisioned.orgName,
    updatedAt: provisioned.now.toISOString(),
  };
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
  return new AdminError(502, 'opencx_unavailable', 'OpenCX could not be reached to check the token, so nothing was saved; try again in a minute', undefined, error.message);
}

export interface ResourcesFound {
  workspace: boolean;
  /** Undefined when no queue was given. */
  queue?: boolean;
  conversationsService: boolean;
}

/** The first Twilio resource of the form that does not exist, as a 400 on its field. */
export function missingResource(form: SaveForm, found: ResourcesFound): AdminError | undefined {
  const notFound = (field: string, message: string): AdminError => new AdminError(400, 'not_found', message, field);
  if (!found.workspace) return notFound('workspaceSid', `Workspace ${form.workspaceSid} not found in this account`);
  if (found.queue === false) return notFound('aiQueueSid', `Queue ${form.aiQueueSid} not found in workspace ${form.workspaceSid}`);
  if (!found.conversationsService) return notFound('conversationsServiceSid', `Conversations service ${form.conversationsServiceSid} not found in this account`);
  return undefined;
}

export function aiWorkerAttributes(authorName: string): Record<string, unknown> {
  return { opencx_ai: true, full_name: authorName, routing: { skills: [AI_WORKER_SKILL] } };
}

export const isAiWorker = (attributes: Record<string, unknown>): boolean => attributes.opencx_ai === true;

export const aiWorkerNameTaken = (workerSid: string): AdminError =>
  new AdminError(
    400,
    'ai_worker_conflict',
    `A TaskRouter worker named "${AI_WORKER_NAME}" (${workerSid}) exists but is not the OpenCX AI worker (no "opencx_ai": true attribute); rename it or mark it`,
  );
