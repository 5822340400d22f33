// Set-up shared by the OpenCX simulator tests: an API client for the simulator, and a local
// endpoint standing in for the Function that receives OpenCX's webhooks.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from '../http';
import type { OpenCxSimulator } from './opencx-simulator';

export const API_KEY = 'ocx_live_test_secret_123';

export type JsonRecord = Record<string, unknown>;

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface ApiCallOptions {
  key?: string | null;
  rawBody?: string;
  signal?: AbortSignal;
}

export function asRecord(value: unknown): JsonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as JsonRecord;
}

/** Calls the simulator the way the bridge's OpenCX client does; `sim` is read at each call. */
export function apiClient(sim: () => OpenCxSimulator) {
  async function api(
    method: string,
    path: string,
    body?: unknown,
    { key = API_KEY, rawBody, signal }: ApiCallOptions = {},
  ): Promise<ApiResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const response = await fetch(`${sim().url}${path}`, {
      method,
      headers,
      body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      signal,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  async function createSession(body: unknown = {}): Promise<string> {
    const result = await api('POST', '/chat/sessions', body);
    expect(result.status).toBe(201);
    return asRecord(result.json).id as string;
  }

  function sendContact(
    sessionId: string,
    text: string,
    extra: JsonRecord = {},
    options: ApiCallOptions = {},
  ): Promise<ApiResult> {
    return api(
      'POST',
      `/chat/sessions/${sessionId}/send`,
      { sender: 'contact', message: { type: 'text', text }, ...extra },
      options,
    );
  }

  return { api, createSession, sendContact };
}

/** The `data` of a `/send` answer. */
export function sendData(result: ApiResult): JsonRecord {
  return asRecord(asRecord(result.json).data);
}

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: JsonRecord;
}

/**
 * Records each webhook delivery and answers it with the next scripted status (200 when none is
 * scripted). While `hold()` is on, deliveries wait unanswered until `release()`.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  readonly statuses: number[] = [];
  /** Runs as each delivery arrives, before it is answered. */
  onDelivery: (delivery: ReceivedDelivery) => void = () => undefined;
  private held: ServerResponse[] | undefined;
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server = createServer((req, res) => {
    void readBody(req).then((rawBody) => {
      const delivery = { headers: req.headers, rawBody, body: asRecord(JSON.parse(rawBody)) };
      this.received.push(delivery);
      this.onDelivery(delivery);
      const due = this.waiters.filter((waiter) => waiter.count <= this.received.length);
      this.waiters = this.waiters.filter((waiter) => !due.includes(waiter));
      for (const waiter of due) waiter.resolve();
      if (this.held) this.held.push(res);
      else this.answer(res);
    });
  });
  url = '';

  async start(): Promise<this> {
    this.url = `${await listenOnLoopback(this.server)}/opencx-webhook`;
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  whenReceived(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const res of held) this.answer(res);
  }

  private answer(res: ServerResponse): void {
    res.writeHead(this.statuses.shift() ?? 200).end();
  }
}
