// How the twilio library's requests reach Twilio. The library builds every request (URL, params,
// auth, User-Agent) and reads every answer; this only carries it over `node:http(s)` with
// keep-alive, in place of the library's axios-based RequestClient, which took about a fifth of a
// warm Function's CPU time (BENCHMARKS.md). Behind a proxy or a custom CA bundle, which only the
// library's client honours, the library's client is used.
import RequestClient from 'twilio/lib/base/RequestClient';
import { exchange, HttpTimeoutError } from '../http-exchange';

export interface TransportAnswer {
  statusCode: number;
  /** The answer's text; the library parses JSON from a string body itself. */
  body: unknown;
  headers: Record<string, unknown>;
}

export type TwilioTransport = (opts: RequestClient.RequestOptions<unknown>) => Promise<TransportAnswer>;

/**
 * `application/x-www-form-urlencoded` as the library's client (qs, `arrayFormat: 'repeat'`) writes
 * it: an array is the same key repeated (`Filters=a&Filters=b`), a nested object bracketed keys
 * (`a[b]=c`), a date its ISO 8601 form, null an empty value; undefined is left out.
 */
export function formEncode(values: object): string {
  const pairs: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) for (const one of value) add(key, one);
    else if (value instanceof Date) add(key, value.toISOString());
    else if (value !== null && typeof value === 'object')
      for (const [name, inner] of Object.entries(value)) add(`${key}[${name}]`, inner);
    else pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value === null ? '' : String(value))}`);
  };
  for (const [key, value] of Object.entries(values)) add(key, value);
  return pairs.join('&');
}

/** A network failure with the error code the retry policy knows (`functions/common/twilio/base.ts`). */
function networkError(message: string, code: 'ETIMEDOUT' | 'ECONNRESET'): Error {
  return Object.assign(new Error(message), { code });
}

export const leanTransport: TwilioTransport = async (opts) => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {}))
    if (value !== undefined) headers[name] = String(value);
  if (opts.username && opts.password)
    headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
  headers.Connection ??= 'keep-alive';
  const query = opts.params ? formEncode(opts.params) : '';
  const url = query ? `${opts.uri}${opts.uri.includes('?') ? '&' : '?'}${query}` : opts.uri;
  let body: string | undefined;
  if (opts.data !== undefined && opts.data !== null)
    body = headers['Content-Type'] === 'application/json' ? JSON.stringify(opts.data) : formEncode(opts.data);
  const method = opts.method.toUpperCase();
  try {
    const answer = await exchange(url, { method, headers, body, timeoutMs: opts.timeout ?? 30_000 });
    return { statusCode: answer.status, body: answer.text, headers: answer.headers };
  } catch (error) {
    if (error instanceof HttpTimeoutError)
      throw networkError(`${method} ${opts.uri} timed out after ${error.timeoutMs} ms`, 'ETIMEDOUT');
    if (typeof (error as { code?: unknown }).code === 'string') throw error;
    throw networkError(`${method} ${opts.uri}: ${(error as Error).message}`, 'ECONNRESET');
  }
};

/** Options of the library's client, for when it is the one used. */
const LIBRARY_CLIENT_OPTIONS = {
  keepAlive: true,
  maxSockets: 100,
  maxTotalSockets: 200,
  maxFreeSockets: 20,
} as const;

let libraryClient: RequestClient | undefined;

/** The library's own client: it honours HTTP_PROXY and TWILIO_CA_BUNDLE. */
const libraryTransport: TwilioTransport = (opts) => {
  libraryClient ??= new RequestClient(LIBRARY_CLIENT_OPTIONS);
  return libraryClient.request(opts) as Promise<TransportAnswer>;
};

export function twilioTransport(env: NodeJS.ProcessEnv = process.env): TwilioTransport {
  return env.HTTP_PROXY || env.TWILIO_CA_BUNDLE ? libraryTransport : leanTransport;
}
