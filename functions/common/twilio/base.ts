// What every product module shares: one retry policy over Twilio's errors, inside the caller's deadline.
import type { RequestOpts } from 'twilio/lib/base/BaseTwilio';
import { type Deadline, withRetries } from '../retry';
import { type TwilioClient, TwilioRateLimitError } from './client';

/** Twilio error codes callers treat as normal outcomes. */
export const SYNC_ITEM_EXISTS = 54208;

export const twilioStatus = (error: unknown): number | undefined => {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
};

export const twilioErrorCode = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

/**
 * - `idempotent`: doing it twice is harmless; 429, 5xx and network errors are retried.
 * - `not-processed-only`: a create that must not happen twice; only a 429 (never processed) is retried.
 */
export type RetryPolicy = 'idempotent' | 'not-processed-only';

const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED']);

/** The connection failed or timed out: Twilio may or may not have seen the request. */
export function isNetworkError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) ||
    (typeof message === 'string' && /socket hang up/i.test(message))
  );
}

/** An error with no HTTP status that is not a network error is a bug, never retried. */
export function isTransient(error: unknown, policy: RetryPolicy): boolean {
  const status = twilioStatus(error);
  if (status === 429) return true;
  return policy === 'idempotent' && mayHaveBeenProcessed(error);
}

/** The failure may have been processed by Twilio (a 5xx or a lost answer): check before doing it again. */
export function mayHaveBeenProcessed(error: unknown): boolean {
  const status = twilioStatus(error);
  return status === undefined ? isNetworkError(error) : status >= 500;
}

const ATTEMPTS = 3;

export function retry<T>(deadline: Deadline, operation: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  return withRetries(operation, {
    deadline,
    attempts: ATTEMPTS,
    isTransient: (error) => isTransient(error, policy),
    retryAfterMs: (error) => (error instanceof TwilioRateLimitError ? error.retryAfterMs : undefined),
  });
}

/** A JSON object from Twilio's string fields (attributes, configuration); `{}` if it is not one. */
export function parseJsonObject(json: string | undefined | null): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A string field of Twilio's JSON, or null when it is missing, empty or not a string. */
export const textOrNull = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** Undefined when Twilio answers 404 (no such resource in this account). */
export async function undefinedIfNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (twilioStatus(error) === 404) return undefined;
    throw error;
  }
}

/** The base of every product module: its client, its caller's deadline and the retries within it. */
export abstract class TwilioProductApi {
  constructor(
    protected readonly client: TwilioClient,
    protected readonly deadline: Deadline,
  ) {}

  protected retry<T>(operation: () => Promise<T>, policy: RetryPolicy = 'idempotent'): Promise<T> {
    return retry(this.deadline, operation, policy);
  }

  /** Retried; undefined when Twilio answers 404 (no such resource in this account). */
  protected unlessNotFound<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return undefinedIfNotFound(this.retry(operation));
  }

  /**
   * A call the resource classes cannot make (IAM) or whose headers
   * we need (ETag); ≥ 400 throws `{status, code}` like the library.
   */
  protected rawRequest(
    what: string,
    opts: RequestOpts,
    policy: RetryPolicy = 'idempotent',
  ): Promise<{ body: Record<string, unknown>; headers: Record<string, string> }> {
    return this.retry(async () => {
      const res = (await this.client.request(opts)) as {
        statusCode: number;
        body: unknown;
        headers: Record<string, string>;
      };
      const body =
        typeof res.body === 'string' ? parseJsonObject(res.body) : ((res.body ?? {}) as Record<string, unknown>);
      if (res.statusCode >= 400)
        throw Object.assign(new Error(`${what} answered ${res.statusCode}`), {
          status: res.statusCode,
          code: body.code,
        });
      return { body, headers: res.headers };
    }, policy);
  }
}
