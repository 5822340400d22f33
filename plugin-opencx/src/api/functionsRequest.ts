// The one way the plugin calls the OpenCX Functions: a form-encoded POST carrying the Flex token as
// `Token`, a CORS "simple request", so the browser sends no preflight. Answers use one shape:
// `{ ok: true, ... }` or `{ ok: false, error: { code, message, field? } }`.
import { format, strings } from '../strings';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

export interface FunctionsError<Field extends string = string> {
  /** The Functions' code, or `network_error` / `unexpected_response` from this client. */
  code: string;
  message: string;
  field?: Field;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
}

export type FunctionsFailure<Field extends string = string> = { ok: false; error: FunctionsError<Field> };
export type FunctionsAnswer<Field extends string = string> =
  | { ok: true; body: Record<string, unknown> }
  | FunctionsFailure<Field>;

export interface FunctionsRequestOptions {
  /** The Functions domain, e.g. https://opencx-1234-dev.twil.io */
  baseUrl: string;
  fetch?: FetchLike;
}

/** A poster for one Functions domain; `fields` lists the form fields an error may name. */
export function createFunctionsPost<Field extends string>(
  { baseUrl, fetch: fetchImpl = (url, init) => fetch(url, init) }: FunctionsRequestOptions,
  fields: readonly Field[],
): (path: string, form: Record<string, string>) => Promise<FunctionsAnswer<Field>> {
  const root = baseUrl.replace(/\/+$/, '');
  return async (path, form) => {
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetchImpl(`${root}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    } catch {
      return { ok: false, error: { code: 'network_error', message: strings.settingsNetworkError } };
    }
    const body = await response.json().catch(() => undefined);
    if (!isObject(body)) return unexpectedAnswer(response.status);
    if (body.ok === true && response.status < 300) return { ok: true, body };
    const error = readError(body.error, response.status, fields);
    return error ? { ok: false, error } : unexpectedAnswer(response.status);
  };
}

/** An answer this plugin cannot read. */
export function unexpectedAnswer(status = 200): FunctionsFailure<never> {
  return {
    ok: false,
    error: { code: 'unexpected_response', message: format(strings.settingsUnexpectedResponse, { status }), status },
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readError<Field extends string>(
  value: unknown,
  status: number,
  fields: readonly Field[],
): FunctionsError<Field> | undefined {
  if (!isObject(value) || typeof value.message !== 'string' || !value.message) return undefined;
  const field = fields.find((name) => name === value.field);
  return {
    code: typeof value.code === 'string' ? value.code : 'error',
    message: value.message,
    status,
    ...(field ? { field } : {}),
  };
}
