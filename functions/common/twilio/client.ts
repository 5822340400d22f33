// The one place the Functions build a Twilio client. With TWILIO_API_BASE_URL set (local sandbox,
// tests), every `https://<host>.twilio.com/<path>` request goes to `<base>/<host>/<path>`; a
// deployed Function refuses a base URL that is not Twilio's (deployment-guard.ts).
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { type ApiUrlSettings, guardedApiUrl } from '../deployment-guard';
import type { Deadline } from '../retry';
import { twilioTransport } from './transport';

export interface TwilioCredentials extends ApiUrlSettings {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
}

export type TwilioClient = ReturnType<typeof twilio>;

const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)\.twilio\.com(\/.*)?$/i;

export function rewriteTwilioUrl(uri: string, baseUrl: string | undefined): string {
  if (!baseUrl) return uri;
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  return `${baseUrl.replace(/\/+$/, '')}/${match[1]}${match[2] ?? ''}`;
}

/** A request that would have started after the deadline; it never reached Twilio. */
export class DeadlineExceededError extends Error {
  constructor(what: string) {
    super(`no time left for ${what}`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Twilio's 429 with the wait it asked for. Thrown in place of the library's RestException, which
 * keeps the status and code but drops the Retry-After header.
 */
export class TwilioRateLimitError extends Error {
  readonly status = 429;
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'TwilioRateLimitError';
  }
}

/** Retry-After in delay-seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function rateLimitError(body: unknown, headers: Record<string, unknown> | undefined): TwilioRateLimitError {
  let parsed: { code?: unknown; message?: unknown } = {};
  try {
    parsed = (typeof body === 'string' ? JSON.parse(body) : body) ?? {};
  } catch {
    // A 429 without a JSON body still carries its status.
  }
  return new TwilioRateLimitError(
    typeof parsed.message === 'string' ? parsed.message : '[HTTP 429] Too Many Requests',
    typeof parsed.code === 'number' ? parsed.code : undefined,
    parseRetryAfter(headers?.['retry-after'] ?? headers?.['Retry-After']),
  );
}

const MAX_REQUEST_MS = 8000;
const MIN_REQUEST_MS = 300;

/** Sends each request to the simulator when a base URL is set, and starts none after the deadline. */
class DeadlineRequestClient {
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly deadline: Deadline | undefined,
  ) {}

  async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const remaining = this.deadline ? this.deadline.remaining() : MAX_REQUEST_MS;
    if (remaining <= 0) throw new DeadlineExceededError(`${opts.method.toUpperCase()} ${opts.uri}`);
    const timeout = Math.max(MIN_REQUEST_MS, Math.min(MAX_REQUEST_MS, remaining));
    const response = await twilioTransport()({ ...opts, timeout, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
    if (response.statusCode === 429)
      throw rateLimitError(response.body, response.headers as Record<string, unknown> | undefined);
    return response;
  }
}

/** An API key of the account (`SK…`) and its secret: what the setup command line signs in with. */
export interface TwilioApiKey {
  sid: string;
  secret: string;
}

/**
 * A Twilio client; with a deadline, no request starts after it and none outlives it by much.
 * It signs in with the auth token, or with the API key when one is given. Throws
 * RefusedApiUrlError, before any request, when a deployed Function must not use TWILIO_API_BASE_URL.
 */
export function createTwilioClient(env: TwilioCredentials, deadline?: Deadline, apiKey?: TwilioApiKey): TwilioClient {
  // The library only ever calls request() on its HTTP client.
  const httpClient = new DeadlineRequestClient(
    guardedApiUrl(env, 'TWILIO_API_BASE_URL'),
    deadline,
  ) as unknown as RequestClient;
  if (apiKey) return twilio(apiKey.sid, apiKey.secret, { accountSid: env.ACCOUNT_SID, httpClient });
  return twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
}
