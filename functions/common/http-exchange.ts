// One HTTP request and its whole answer, over Node's http/https, within a total time limit, for
// the OpenCX client and the Twilio transport (twilio/transport.ts). Not `fetch`: a process's first
// `fetch` loads undici, which cost a cold Function 50–150 ms on every relayed message
// (BENCHMARKS.md); `node:http` is loaded already.
import http from 'node:http';
import https from 'node:https';

/**
 * Connections are kept for the next request of a warm container. An idle one is closed after
 * 15 s, or sooner when the server's Keep-Alive header says it closes them sooner, so that a
 * request is not sent on a connection the server is closing (a reset no retry can tell apart).
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 100, maxFreeSockets: 20, timeout: 15_000 };
const AGENTS: Record<string, http.Agent> = {
  'http:': new http.Agent(AGENT_OPTIONS),
  'https:': new https.Agent(AGENT_OPTIONS),
};

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange: connecting, sending, and reading the answer to its end. */
  timeoutMs: number;
}

/**
 * The answer did not arrive whole within the time limit; the request was abandoned.
 * `requestSent`: the whole request had been handed to the network by then, so the server had it.
 */
export class HttpTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly requestSent = false,
  ) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Sends one request and reads the answer's body as UTF-8 text. Rejects with HttpTimeoutError, or
 * with Node's network error (its `code`, e.g. ECONNREFUSED, tells a request that never left).
 */
export function exchange(url: string, request: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const agent = AGENTS[target.protocol];
    if (!agent) {
      reject(new Error(`unsupported protocol ${target.protocol}`));
      return;
    }
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    const client = target.protocol === 'https:' ? https : http;
    const outgoing = client.request(target, { method: request.method, headers, agent }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        settle(() =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        ),
      );
      incoming.on('error', (error) => settle(() => reject(error)));
      incoming.on('close', () => {
        if (!incoming.complete) settle(() => reject(new Error('the connection closed before the answer was complete')));
      });
    });
    let sent = false;
    const timer = setTimeout(() => {
      const timeout = new HttpTimeoutError(request.timeoutMs, sent);
      settle(() => reject(timeout));
      outgoing.destroy(timeout);
    }, request.timeoutMs);
    outgoing.on('error', (error) => settle(() => reject(error)));
    outgoing.on('finish', () => {
      sent = true;
    });
    outgoing.end(request.body);
  });
}
