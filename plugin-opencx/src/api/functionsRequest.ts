// One form-encoded POST to an OpenCX Function, carrying the Flex token as `Token`: a CORS "simple
// request", so the browser sends no preflight. Every plugin-called Function answers
// `{ ok: true, ... }` or `{ ok: false, error: { code, message, field? } }`.
import { format, strings } from '../strings';
import type { FetchLike } from './settingsClient';

export interface FunctionsError<Field extends string> {
  /** The Functions' code, or `network_error` / `unexpected_response` from this client. */
  code: string;
  message: string;
  field?: Field;
  /** HTTP status; absent when no answer arrived. */
  status?: number;
}

export type FunctionsAnswer<Field extends string> = { ok: true; body: Record<string, unknown> } | { ok: false; error: FunctionsError<Field> };

/** Posts `fields` to `root + path`; `knownFields` are the form fields an error may name. */
export async function postToFunctions<Field extends string>(
  fetchImpl: FetchLike,
  url: string,
  fields: Record<string, string>,
  knownFields: readonly Field[],
): Promise<FunctionsAnswer<Field>> {
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  } catch {
    return { ok: false, error: { code: 'network_error', message: strings.settingsNetworkError } };
  }
  const body = await response.json().catch(() => undefined);
  const unexpected = unexpectedResponse<Field>(response.status);
  if (!isObject(body)) return unexpected;
  if (body.ok === true && response.status < 300) return { ok: true, body };
  const error = readError(body.error, response.status, knownFields);
  return error ? { ok: false, error } : unexpected;
}

export function unexpectedResponse<Field extends string>(status: number): { ok: false; error: FunctionsError<Field> } {
  return { ok: false, error: { code: 'unexpected_response', message: format(strings.settingsUnexpectedResponse, { status }), status } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readError<Field extends string>(value: unknown, status: number, knownFields: readonly Field[]): FunctionsError<Field> | undefined {
  if (!isObject(value) || typeof value.message !== 'string' || !value.message) return undefined;
  const field = knownFields.find((name) => name === value.field);
  return {
    code: typeof value.code === 'string' ? value.code : 'error',
    message: value.message,
    status,
    ...(field ? { field } : {}),
  };
}
