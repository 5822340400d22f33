// The one way the plugin calls the OpenCX Functions: a form-encoded POST carrying the Flex token as
// `Token`, a CORS "simple request", so the browser sends no preflight. Answers use one shape:
// `{ ok: true, ... }` or `{ ok: false, error: { code, message, field? } }`.
import { format, strings } from '../strings';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

export interface FunctionsError<Field extends string = string> {
  /** The Functions' code, or `network_error` / `timeout` / `answer_lost` / `unexpected_response` from this client. */
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

/** Twilio stops a Function after 10 s: an answer that has not come 5 s later is not coming. */
const ANSWER_TIMEOUT_MS = 15_000;

/**
 * What a failure without the Functions' own words tells the user. Only admins can check the
 * Functions URL; whoever asked, what they asked may have been done when no answer came.
 */
export interface UnansweredTexts {
  /** The request failed on the way there or back. */
  unreachable: string;
  /** No answer in time, or a server error the Functions did not explain. */
  unanswered: string;
}

/** For an admin's write: a request lost on its way back (a Function stopped at its limit) may have done it. */
const ADMIN_TEXTS: UnansweredTexts = {
  unreachable: strings.functionsUnreachableWrite,
  unanswered: strings.functionsUnanswered,
};

/** For an admin's read (the settings, the setup check): nothing was asked to be done. */
export const ADMIN_READ_TEXTS: UnansweredTexts = {
  unreachable: strings.settingsNetworkError,
  unanswered: strings.functionsUnansweredRead,
};

/** For a supervisor's read: nothing was asked to be done, and only admins can check the Functions URL. */
export const SUPERVISOR_READ_TEXTS: UnansweredTexts = {
  unreachable: strings.functionsUnreachableRead,
  unanswered: strings.functionsUnansweredRead,
};

/** A poster for one Functions domain; `fields` lists the form fields an error may name. */
export function createFunctionsPost<Field extends string>(
  { baseUrl, fetch: fetchImpl = (url, init) => fetch(url, init) }: FunctionsRequestOptions,
  fields: readonly Field[],
  texts: UnansweredTexts = ADMIN_TEXTS,
): (path: string, form: Record<string, string>) => Promise<FunctionsAnswer<Field>> {
  const root = baseUrl.replace(/\/+$/, '');
  return async (path, form) => {
    const request = new AbortController();
    const timer = setTimeout(() => request.abort(), ANSWER_TIMEOUT_MS);
    let response: Awaited<ReturnType<FetchLike>> | undefined;
    let body: unknown;
    try {
      response = await fetchImpl(`${root}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: request.signal,
      });
      // Only a body that is not JSON is an answer to report; one cut off on its way is none.
      body = await response.json().catch((error: unknown) => {
        if (error instanceof SyntaxError) return undefined;
        throw error;
      });
    } catch {
      if (request.signal.aborted) return { ok: false, error: { code: 'timeout', message: texts.unanswered } };
      // The Functions were reached once an answer began: it was lost on its way back.
      return response !== undefined
        ? { ok: false, error: { code: 'answer_lost', message: texts.unanswered } }
        : { ok: false, error: { code: 'network_error', message: texts.unreachable } };
    } finally {
      clearTimeout(timer);
    }
    const { status } = response;
    if (isObject(body) && body.ok === true && status < 300) return { ok: true, body };
    const error = isObject(body) ? readError(body.error, status, fields) : undefined;
    if (error) return { ok: false, error };
    // A gateway's or the runtime's own error page: the Functions may have done it before that.
    return status >= 500
      ? { ok: false, error: { code: 'unexpected_response', message: texts.unanswered, status } }
      : unexpectedAnswer(status);
  };
}

const UNFINISHED_CODES: ReadonlySet<string> = new Set([
  // The browser cannot tell a request that never left from one whose answer never came (a dropped
  // connection, a Function stopped at its 10 s limit, whose error page carries no CORS headers).
  'network_error',
  'timeout',
  'answer_lost',
  'twilio_unavailable',
  'internal_error',
]);

/**
 * A write's failure that leaves open what it did: no answer came, or none could be read (it may have
 * been done all the same), it stopped part-way (Twilio failing, an error of the Functions' own), or the Functions said
 * they did it in an answer this plugin cannot read (a 2xx).
 */
export function leftUnfinished(error: { code: string; status?: number }): boolean {
  if (UNFINISHED_CODES.has(error.code)) return true;
  const status = error.status ?? 0;
  return error.code === 'unexpected_response' && (status >= 500 || (status >= 200 && status < 300));
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
