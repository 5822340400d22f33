// A local HTTP server that answers Twilio requests from a script, and a deadline on a virtual
// clock, so the retry tests run through the real twilio library without waiting in real time.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deadline } from '../retry';
import { createTwilioApis, type TwilioApis } from './index';

/** An answer to one request: a status with headers and a JSON body, or a dropped connection. */
export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body?: object } | 'drop';

export interface ScriptedTwilio {
  /** The requests that reached the server, as `METHOD /path`. */
  requests: string[];
  /** Each request's If-Match header, in the same order. */
  ifMatches: (string | undefined)[];
  /** Each request's form parameters, in the same order (filled once the body has arrived). */
  forms: URLSearchParams[];
  /** The waits between attempts, on the virtual clock. */
  waits: number[];
  apis(budgetMs: number): { apis: TwilioApis; deadline: Deadline; advance: (ms: number) => void };
  close(): Promise<void>;
}

/** Answers each request with the next scripted answer; once they are used up, with `fallback`. */
export async function scriptedTwilio(
  answers: ScriptedAnswer[],
  fallback: ScriptedAnswer = { status: 200, body: {} },
): Promise<ScriptedTwilio> {
  const requests: string[] = [];
  const ifMatches: (string | undefined)[] = [];
  const forms: URLSearchParams[] = [];
  const waits: number[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    ifMatches.push(req.headers['if-match']);
    const form = new URLSearchParams();
    forms.push(form);
    const answer = answers.shift() ?? fallback;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString())) form.append(name, value);
    });
    if (answer === 'drop') return req.socket.destroy();
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    requests,
    ifMatches,
    forms,
    waits,
    apis(budgetMs) {
      let now = 1_000_000;
      const advance = (ms: number) => {
        now += ms;
      };
      const deadline = new Deadline(
        budgetMs,
        () => now,
        async (ms) => {
          waits.push(ms);
          advance(ms);
        },
      );
      return {
        apis: createTwilioApis(
          { ACCOUNT_SID: 'AC' + '0'.repeat(32), AUTH_TOKEN: 'token', TWILIO_API_BASE_URL: url },
          deadline,
        ),
        deadline,
        advance,
      };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
