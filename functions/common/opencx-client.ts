// The one place the Functions talk to OpenCX. Every fact about the OpenCX API that the public
// docs leave open (response wrapping, retryable statuses) is decided here.
import { exchange, type HttpAnswer, HttpTimeoutError } from './http-exchange';
import { keyId, keysInOrder, parseRetryAfter, waitFits } from './opencx-rate-limit';
import { type Deadline, withRetries } from './retry';

export const DEFAULT_OPENCX_API_URL = 'https://api.open.cx';

export type SessionStatus = 'open' | 'closed_resolved' | 'closed_unresolved';
export type CustomData = Record<string, string | number | boolean>;

export interface OpenCxOrg {
  id: string;
  name: string;
}

export interface AiAnswer {
  /** The AI's reply to post, when it gave one. */
  reply?: string;
  /** OpenCX's id of the AI message; its webhook names the same id, so the answer is posted once. */
  answerId?: string;
  handedOff: boolean;
  summary?: string;
  sentiment?: string;
  /** OpenCX answered but could not produce an answer (success: false or value.error). */
  failed: boolean;
}

export interface CreateSessionRequest {
  channel?: { type: string };
  custom_data?: CustomData;
  contact?: { name?: string; email?: string; phone_number?: string };
}

export interface OpenCxSession {
  id: string;
  status: SessionStatus;
  language?: string | null;
  sentiment?: string | null;
  handoff?: { summary?: string; sentiment?: string } | null;
  custom_data?: CustomData;
}

export class OpenCxError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs?: number,
    /** The request never left (no time was left, or the connection was refused). */
    readonly notSent = false,
    /** OpenCX had the whole request and had not answered when the wait ended: it is working on it. */
    readonly stillWorking = false,
  ) {
    super(message);
    this.name = 'OpenCxError';
  }

  /**
   * OpenCX may have taken the request although we got no usable answer (a timeout, a reset, a
   * 5xx other than 503, an unreadable 2xx): for a send, its answer may still come by webhook.
   */
  get maybeProcessed(): boolean {
    if (this.notSent) return false;
    if (this.status === undefined) return true;
    return (this.status >= 200 && this.status < 300) || (this.status >= 500 && this.status !== 503);
  }

  /** 429, 5xx and network errors are worth retrying; 4xx are not. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }

  /** OpenCX refused the org token (401) or what it may do (403). */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface OpenCxClientOptions {
  token: string;
  /** More keys of the same organisation, each with its own rate limit. */
  extraTokens?: readonly string[];
  /** A conversation SID: the conversation keeps one key of the pool, and falls back to the others. */
  affinity?: string;
  baseUrl?: string;
  /** Per-attempt timeout; the deadline passed to each call bounds the whole call. */
  attemptTimeoutMs?: number;
  /** Told every answer's status (undefined: none came) and which key it was for, to count 429s. */
  onResponse?: (keyId: string, status: number | undefined) => void;
}

/** An item of a session's history, as OpenCX sends it (nothing in it is trusted). */
export interface HistoryItem {
  id?: unknown;
  created_at?: unknown;
  event?: { type?: unknown; sender?: { type?: string }; content?: { text?: unknown } };
}

/** How far OpenCX's clock may be behind Twilio's when a history item is matched to a Flex message. */
export const HISTORY_CLOCK_SKEW_MS = 15_000;

export class OpenCxClient {
  private readonly baseUrl: string;
  /** The keys in the order this client tries them. */
  private readonly tokens: string[];
  constructor(private readonly options: OpenCxClientOptions) {
    this.baseUrl = (options.baseUrl?.trim() || DEFAULT_OPENCX_API_URL).replace(/\/+$/, '');
    this.tokens = keysInOrder([options.token, ...(options.extraTokens ?? [])], options.affinity);
  }

  /** The same client with the organisation's current keys (after the admin rotated them). */
  withToken(token: string, extraTokens: readonly string[] = []): OpenCxClient {
    return new OpenCxClient({ ...this.options, token, extraTokens });
  }

  getOrg(deadline: Deadline): Promise<OpenCxOrg> {
    return this.call<OpenCxOrg>('GET', '/org', undefined, deadline);
  }

  /** Retried only when OpenCX did not process it (429, 503): a lost answer could leave a second session. */
  async createSession(request: CreateSessionRequest, deadline: Deadline): Promise<string> {
    const created = await this.call<{ id: string }>('POST', '/chat/sessions', request, deadline, 3, {
      atMostOnce: true,
    });
    return created.id;
  }

  getSession(sessionId: string, deadline: Deadline): Promise<OpenCxSession> {
    return this.call<OpenCxSession>('GET', `/chat/sessions/${encodeURIComponent(sessionId)}`, undefined, deadline);
  }

  async updateSessionStatus(sessionId: string, status: SessionStatus, deadline: Deadline): Promise<void> {
    await this.call('PATCH', `/chat/sessions/${encodeURIComponent(sessionId)}`, { status }, deadline);
  }

  /**
   * Sends a customer message and returns what the AI decided. Not retried after a timeout:
   * the message may have reached the AI, and a second send would make it answer twice.
   */
  async sendContactMessage(
    sessionId: string,
    text: string,
    customData: CustomData | undefined,
    deadline: Deadline,
  ): Promise<AiAnswer> {
    return toAiAnswer(await this.send(sessionId, 'contact', text, customData, deadline));
  }

  /**
   * Whether the session's history holds a customer message carrying `text` whole (one relayed message
   * may carry several of the customer's, a line or more each). Reads at most `maxPages` pages, oldest
   * first; `undefined` when the history is longer than that. With `writtenAt` (when the customer wrote
   * it, epoch ms), an item OpenCX made before then is an earlier message of the same text ("yes").
   */
  async historyHasContactText(
    sessionId: string,
    text: string,
    deadline: Deadline,
    maxPages = 10,
    writtenAt?: number,
  ): Promise<boolean | undefined> {
    const found = await this.lastInHistory(
      sessionId,
      (item) => carriesContactMessage(item, text, writtenAt),
      deadline,
      maxPages,
      true,
    );
    return found.complete || found.item ? found.item !== undefined : undefined;
  }

  /**
   * The id of the session's newest AI message whose text is `text`, for a webhook delivery that
   * names none; undefined when the history has none, or is longer than `maxPages` pages.
   */
  async aiMessageIdOf(sessionId: string, text: string, deadline: Deadline, maxPages = 10): Promise<string | undefined> {
    const found = await this.lastInHistory(
      sessionId,
      (item) => item.event?.sender?.type === 'ai' && item.event.content?.text === text,
      deadline,
      maxPages,
    );
    // Only from the whole history: a match on an earlier page may be an older answer of the same text.
    const id = found.complete ? found.item?.id : undefined;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  }

  /** The session's whole history, oldest first; undefined when it is longer than `maxPages` pages. */
  async historyOf(sessionId: string, deadline: Deadline, maxPages = 10): Promise<HistoryItem[] | undefined> {
    const items: HistoryItem[] = [];
    const found = await this.lastInHistory(
      sessionId,
      (item) => {
        items.push(item);
        return false;
      },
      deadline,
      maxPages,
    );
    return found.complete ? items : undefined;
  }

  /**
   * The newest history item that matches (the first one found, with `first`), reading oldest first;
   * `complete` once the last page was read.
   */
  private async lastInHistory(
    sessionId: string,
    matches: (item: HistoryItem) => boolean,
    deadline: Deadline,
    maxPages: number,
    first = false,
  ): Promise<{ item?: HistoryItem; complete: boolean }> {
    let cursor: string | null | undefined;
    let last: HistoryItem | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const history = await this.call<{ items?: HistoryItem[]; next?: string | null }>(
        'GET',
        `/chat/sessions/${encodeURIComponent(sessionId)}/history${query}`,
        undefined,
        deadline,
      );
      last = (history.items ?? []).filter(matches).at(-1) ?? last;
      if (first && last) return { item: last, complete: false };
      cursor = history.next;
      if (!cursor) return { item: last, complete: true };
    }
    return { item: last, complete: false };
  }

  /**
   * Records data on the session (SIDs, the human agent) as an agent message, without asking the
   * AI anything. No `agent` object: OpenCX wants a numeric agent id, which Flex workers lack.
   */
  async sendAgentNote(
    sessionId: string,
    text: string,
    customData: CustomData | undefined,
    deadline: Deadline,
  ): Promise<void> {
    await this.send(sessionId, 'agent', text, customData, deadline);
  }

  /** A text message on the session; at most once, as the AI must not answer one message twice. */
  private send(
    sessionId: string,
    sender: 'contact' | 'agent',
    text: string,
    customData: CustomData | undefined,
    deadline: Deadline,
  ): Promise<Record<string, unknown>> {
    const body = { sender, message: { type: 'text', text }, ...(customData ? { custom_data: customData } : {}) };
    return this.call('POST', `/chat/sessions/${encodeURIComponent(sessionId)}/send`, body, deadline, 2, {
      atMostOnce: true,
    });
  }

  /**
   * `atMostOnce`: for creates and sends, which OpenCX may already have processed when the answer is lost
   * (a timeout, a reset, a gateway's 502/504): only 429 and 503, which mean "not processed",
   * are retried, so the AI never answers one message twice.
   */
  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    deadline: Deadline,
    attempts = 3,
    policy: { atMostOnce?: boolean } = {},
  ): Promise<T> {
    let refused: OpenCxError | undefined;
    for (const [index, token] of this.tokens.entries()) {
      try {
        return await this.callWith<T>(token, method, path, body, deadline, attempts, {
          ...policy,
          spareKeys: index < this.tokens.length - 1,
        });
      } catch (error) {
        // A key that is over its limit or refused never processed the request: the next key may take it.
        if (
          !(error instanceof OpenCxError) ||
          !(error.status === 429 || error.unauthorized) ||
          index === this.tokens.length - 1
        )
          throw soonest(refused, error);
        refused = soonest(refused, error) as OpenCxError;
      }
    }
    throw refused ?? new OpenCxError('no OpenCX API key', undefined, undefined, true);
  }

  private async callWith<T>(
    token: string,
    method: string,
    path: string,
    body: unknown,
    deadline: Deadline,
    attempts: number,
    policy: { atMostOnce?: boolean; spareKeys: boolean },
  ): Promise<T> {
    const key = keyId(token);
    return withRetries(
      async () => {
        const timeout = Math.min(this.options.attemptTimeoutMs ?? 8000, deadline.remaining());
        if (timeout <= 0)
          throw new OpenCxError(`no time left for OpenCX ${method} ${path}`, undefined, undefined, true);
        let answer: HttpAnswer;
        try {
          answer = await exchange(this.baseUrl + path, {
            method,
            headers: {
              Authorization: `Bearer ${token}`,
              Accept: 'application/json',
              ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            timeoutMs: timeout,
          });
        } catch (error) {
          const refused = (error as { code?: unknown }).code === 'ECONNREFUSED';
          this.options.onResponse?.(key, undefined);
          throw new OpenCxError(
            `OpenCX ${method} ${path} failed: ${(error as Error).message}`,
            undefined,
            undefined,
            refused,
            error instanceof HttpTimeoutError && error.requestSent,
          );
        }
        const { status, text } = answer;
        this.options.onResponse?.(key, status);
        if (status < 200 || status > 299) {
          throw new OpenCxError(
            `OpenCX ${method} ${path} answered ${status}: ${errorMessage(text)}`,
            status,
            parseRetryAfter(answer.headers['retry-after'], Date.now()),
          );
        }
        try {
          return (text ? JSON.parse(text) : {}) as T;
        } catch {
          throw new OpenCxError(`OpenCX ${method} ${path} answered ${status} with a body that is not JSON`, status);
        }
      },
      {
        deadline,
        attempts,
        isTransient: (error) => {
          if (!(error instanceof OpenCxError)) return false;
          // Over the limit: another key, or this one's Retry-After if an attempt still fits after it.
          if (error.status === 429)
            return (
              !policy.spareKeys &&
              (error.retryAfterMs === undefined || waitFits(error.retryAfterMs, deadline.remaining()))
            );
          return policy.atMostOnce ? error.status === 503 : error.transient;
        },
        retryAfterMs: (error) => (error instanceof OpenCxError ? error.retryAfterMs : undefined),
      },
    );
  }
}

/** Assumed when a 429 names no wait: OpenCX's limit is per minute. */
export const DEFAULT_RETRY_AFTER_MS = 15_000;

/**
 * Of two keys' failures, the one to report: a 429 over a refused key (waiting helps, a reload
 * does not), of two 429s the one asking for the shorter wait (one naming none asks for the usual), else the latest.
 */
function soonest(earlier: OpenCxError | undefined, latest: unknown): unknown {
  if (!(latest instanceof OpenCxError) || earlier?.status !== 429) return latest;
  if (latest.status !== 429) return latest.unauthorized ? earlier : latest;
  const wait = (error: OpenCxError) => error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  return wait(earlier) < wait(latest) ? earlier : latest;
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** Accepts both the current `{success, data: {...}}` answer and older unwrapped ones. */
export function toAiAnswer(raw: Record<string, unknown>): AiAnswer {
  const data = (raw.data && typeof raw.data === 'object' ? raw.data : raw) as Record<string, unknown>;
  const autopilot = data.autopilotResponse as
    | { id?: unknown; value?: { error?: boolean; content?: unknown } }
    | undefined;
  const content = autopilot?.value?.content;
  const reply = typeof content === 'string' && content.trim() && !autopilot?.value?.error ? content : undefined;
  const resolveArgs = (data.resolveArgs ?? {}) as { summary?: unknown; sentiment?: unknown };
  const handedOff = data.sessionIsHandedOff === true;
  const id = autopilot?.id;
  return {
    reply,
    answerId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
    handedOff,
    summary: typeof resolveArgs.summary === 'string' ? resolveArgs.summary : undefined,
    sentiment: typeof resolveArgs.sentiment === 'string' ? resolveArgs.sentiment : undefined,
    failed: !handedOff && (data.success === false || autopilot?.value?.error === true || reply === undefined),
  };
}

/**
 * Whether a history item is the customer's message `text` as OpenCX took it (alone or among others):
 * with `writtenAt` (when the customer wrote it, epoch ms), not an item OpenCX made before then, which
 * is an earlier message of the same text ("yes"). The item is untrusted.
 */
export function carriesContactMessage(item: HistoryItem | null | undefined, text: string, writtenAt?: number): boolean {
  const sent = item?.event?.content?.text;
  if (item?.event?.sender?.type !== 'contact' || typeof sent !== 'string' || !carriesMessage(sent, text)) return false;
  const made = typeof item.created_at === 'string' ? Date.parse(item.created_at) : Number.NaN;
  return writtenAt === undefined || !(made < writtenAt - HISTORY_CLOCK_SKEW_MS);
}

/**
 * Whether a text sent to OpenCX carries `message` as whole lines: the engage joins the customer's
 * messages with line breaks, but a short reply ("yes", "2") must not be found inside another message.
 * Lines are compared trimmed.
 */
export function carriesMessage(sent: string, message: string): boolean {
  const lines = sent.split('\n').map((line) => line.trim());
  const wanted = message.split('\n').map((line) => line.trim());
  for (let start = 0; start + wanted.length <= lines.length; start++)
    if (wanted.every((line, i) => lines[start + i] === line)) return true;
  return false;
}
