// The one module that talks to the OpenCX admin Functions. Every call is a form-encoded POST
// carrying the Flex token as `Token`: a CORS "simple request", so the browser sends no preflight.
import { DEFAULT_AI_AUTHOR_NAME } from '../config';
import { format, strings } from '../strings';

export type SettingsField = 'opencxToken' | 'aiQueueSid' | 'aiAuthorName' | 'workspaceSid' | 'conversationsServiceSid';

export interface OpencxSettings {
  configured: boolean;
  /** The only form in which the org token ever reaches the browser. */
  opencxTokenMasked: string | null;
  workspaceSid: string | null;
  conversationsServiceSid: string | null;
  aiQueueSid: string | null;
  aiAuthorName: string;
  aiWorkerSid: string | null;
  orgName: string | null;
}

export interface SettingsError {
  /** The Functions' code, or `network_error` / `unexpected_response` from this client. */
  code: string;
  message: string;
  field?: SettingsField;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
}

export interface SaveSettingsInput {
  /** Empty: keep the saved token. */
  opencxToken: string;
  aiQueueSid: string;
  aiAuthorName: string;
  workspaceSid: string;
  conversationsServiceSid: string;
}

export type Failure = { ok: false; error: SettingsError };
export type LoadResult = { ok: true; settings: OpencxSettings } | Failure;
export type SaveResult = { ok: true; settings: OpencxSettings; workerCreated: boolean } | Failure;

export interface SettingsClient {
  load(flexToken: string): Promise<LoadResult>;
  save(flexToken: string, input: SaveSettingsInput): Promise<SaveResult>;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

export interface SettingsClientOptions {
  /** The Functions domain, e.g. https://opencx-1234-dev.twil.io */
  baseUrl: string;
  fetch?: FetchLike;
}

const FIELDS: readonly SettingsField[] = ['opencxToken', 'aiQueueSid', 'aiAuthorName', 'workspaceSid', 'conversationsServiceSid'];

export function createSettingsClient({ baseUrl, fetch: fetchImpl = (url, init) => fetch(url, init) }: SettingsClientOptions): SettingsClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function post(path: string, fields: Record<string, string>): Promise<{ ok: true; body: Record<string, unknown> } | Failure> {
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetchImpl(`${root}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    } catch {
      return { ok: false, error: { code: 'network_error', message: strings.settingsNetworkError } };
    }
    const body = await response.json().catch(() => undefined);
    const unexpected: Failure = {
      ok: false,
      error: { code: 'unexpected_response', message: format(strings.settingsUnexpectedResponse, { status: response.status }), status: response.status },
    };
    if (!isObject(body)) return unexpected;
    if (body.ok === true && response.status < 300) return { ok: true, body };
    const error = readError(body.error, response.status);
    return error ? { ok: false, error } : unexpected;
  }

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
      };
      const token = input.opencxToken.trim();
      if (token) fields.opencxToken = token;
      const answer = await post('/admin/settings-save', fields);
      if (!answer.ok) return answer;
      const settings = readSettings(answer.body.settings);
      return settings ? { ok: true, settings, workerCreated: answer.body.workerCreated === true } : unexpectedShape();
    },
  };
}

function unexpectedShape(): Failure {
  return { ok: false, error: { code: 'unexpected_response', message: format(strings.settingsUnexpectedResponse, { status: 200 }), status: 200 } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

function readSettings(value: unknown): OpencxSettings | undefined {
  if (!isObject(value)) return undefined;
  return {
    configured: value.configured === true,
    opencxTokenMasked: stringOrNull(value.opencxTokenMasked),
    workspaceSid: stringOrNull(value.workspaceSid),
    conversationsServiceSid: stringOrNull(value.conversationsServiceSid),
    aiQueueSid: stringOrNull(value.aiQueueSid),
    aiAuthorName: stringOrNull(value.aiAuthorName) ?? DEFAULT_AI_AUTHOR_NAME,
    aiWorkerSid: stringOrNull(value.aiWorkerSid),
    orgName: stringOrNull(value.orgName),
  };
}

function readError(value: unknown, status: number): SettingsError | undefined {
  if (!isObject(value) || typeof value.message !== 'string' || !value.message) return undefined;
  const field = FIELDS.find((name) => name === value.field);
  return {
    code: typeof value.code === 'string' ? value.code : 'error',
    message: value.message,
    status,
    ...(field ? { field } : {}),
  };
}
