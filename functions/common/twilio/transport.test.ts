import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isNetworkError, mayHaveBeenProcessed } from './base';
import { createTwilioClient } from './client';
import qs from 'qs';
import { formEncode, leanTransport, twilioTransport } from './transport';

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let seen: Seen[] = [];
let handler: Handler;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    handler(req, res);
  });
});
let base: string;

const json =
  (status: number, body: object, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  seen = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const client = () => createTwilioClient({ ACCOUNT_SID, AUTH_TOKEN: 'secret-token', TWILIO_API_BASE_URL: base });

describe('formEncode', () => {
  it('writes arrays as the key repeated, leaves undefined out, and percent-encodes', () => {
    expect(
      formEncode({
        Filters: ['onMessageAdded', 'onConversationRemoved'],
        Body: 'héllo & bye+1',
        X: undefined,
        On: true,
      }),
    ).toBe('Filters=onMessageAdded&Filters=onConversationRemoved&Body=h%C3%A9llo%20%26%20bye%2B1&On=true');
  });

  it('writes the fields the library client (qs) writes, nested objects, dates and null included', () => {
    const samples: object[] = [
      { Body: "it's (50%) * done!", Attributes: '{"opencx":{"role":"ai"}}' },
      { 'Configuration.Filters': ['onMessageAdded'], 'Configuration.Url': 'https://x.example/webhook?cv=3' },
      { Nested: { Inner: 'a', List: [1, 2], Deeper: { Flag: false } }, Empty: '', Null: null },
      { StartDate: new Date(Date.UTC(2026, 11, 3, 4, 5, 6)), Rows: [{ Key: 'k1' }, { Key: 'k2' }] },
    ];
    // The library's client writes qs's output; both must decode to the same fields, in the same order.
    const fields = (encoded: string) => [...new URLSearchParams(encoded).entries()];
    for (const sample of samples)
      expect(fields(formEncode(sample))).toEqual(fields(qs.stringify(sample, { arrayFormat: 'repeat' })));
  });
});

describe('through the twilio library', () => {
  it('posts a form with Basic auth and the library headers, and reads the JSON answer', async () => {
    handler = json(201, { sid: 'IM1', body: 'Hi there', index: 3, attributes: '{"opencx":{"role":"ai"}}' });
    const message = await client()
      .conversations.v1.conversations('CH1')
      .messages.create({ author: 'AI Support Agent', body: 'Hi there', attributes: '{"opencx":{"role":"ai"}}' });
    expect(message).toMatchObject({ sid: 'IM1', body: 'Hi there', index: 3 });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/conversations/v1/Conversations/CH1/Messages');
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:secret-token`).toString('base64')}`,
    );
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers['user-agent']).toMatch(/^twilio-node\//);
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      Author: 'AI Support Agent',
      Body: 'Hi there',
      Attributes: '{"opencx":{"role":"ai"}}',
    });
  });

  it('sends list parameters as a query string, arrays repeated', async () => {
    handler = json(200, { messages: [], meta: { key: 'messages', next_page_url: null } });
    await client().conversations.v1.conversations('CH1').messages.list({ order: 'desc', limit: 20 });
    const url = new URL(seen[0].url ?? '', base);
    expect(url.pathname).toBe('/conversations/v1/Conversations/CH1/Messages');
    expect(url.searchParams.get('Order')).toBe('desc');
    expect(url.searchParams.get('PageSize')).toBe('20');
  });

  it("turns Twilio's error answer into the library's RestException, status and code kept", async () => {
    handler = json(404, { status: 404, code: 20404, message: 'The requested resource was not found' });
    await expect(client().sync.v1.services('IS1').syncMaps('m').syncMapItems('k').fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
  });

  it("answers a 429 as a rate-limit error with Twilio's Retry-After", async () => {
    handler = json(429, { status: 429, code: 20429, message: 'Too Many Requests' }, { 'Retry-After': '2' });
    await expect(client().taskrouter.v1.workspaces('WS1').fetch()).rejects.toMatchObject({
      status: 429,
      code: 20429,
      retryAfterMs: 2000,
    });
  });
});

describe('leanTransport', () => {
  it('sends JSON data as JSON', async () => {
    handler = json(200, {});
    await leanTransport({
      method: 'post',
      uri: `${base}/flex-api/v1/Interactions`,
      headers: { 'Content-Type': 'application/json' },
      data: { routing: { properties: { task_channel_unique_name: 'chat' } } },
    });
    expect(JSON.parse(seen[0].body)).toEqual({ routing: { properties: { task_channel_unique_name: 'chat' } } });
  });

  it('answers the status, the headers and the body as text', async () => {
    handler = json(200, { ok: true }, { ETag: '"7"' });
    const answer = await leanTransport({ method: 'get', uri: `${base}/taskrouter/v1/Workspaces/WS1/Tasks/WT1` });
    expect(answer).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
    expect(answer.headers.etag).toBe('"7"');
  });

  it('a request without an answer in time fails as a network error Twilio may have processed', async () => {
    handler = () => undefined;
    const failure = await leanTransport({ method: 'post', uri: `${base}/x`, data: { A: '1' }, timeout: 50 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'ETIMEDOUT' });
    expect(isNetworkError(failure)).toBe(true);
    expect(mayHaveBeenProcessed(failure)).toBe(true);
  });

  it('an answer cut off mid-body fails as a reset connection', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const failure = await leanTransport({ method: 'get', uri: `${base}/x` }).catch((error: unknown) => error);
    expect(isNetworkError(failure)).toBe(true);
    expect(mayHaveBeenProcessed(failure)).toBe(true);
  });
});

describe('twilioTransport', () => {
  it("uses the library's own client behind a proxy or with a CA bundle, which only it honours", () => {
    expect(twilioTransport({})).toBe(leanTransport);
    expect(twilioTransport({ HTTP_PROXY: 'http://proxy:3128' })).not.toBe(leanTransport);
    expect(twilioTransport({ TWILIO_CA_BUNDLE: '/etc/ca.pem' })).not.toBe(leanTransport);
  });
});
