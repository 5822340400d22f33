import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { carriesMessage, OpenCxClient, type OpenCxClientOptions, OpenCxError, toAiAnswer } from './opencx-client';
import { keyId, keysInOrder } from './opencx-rate-limit';
import { Deadline } from './retry';

const TOKEN = 'ocx_live_TOPSECRET_0123456789';

// ---------------------------------------------------------------------------------------------
// A tiny scripted OpenCX: each request takes the next scripted reply and is recorded.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * 'hang': never answers; 'stall-body': sends 200 and its headers, then never finishes the body;
 * 'reset': closes the connection without an answer.
 */
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang' | 'stall-body' | 'reset';

class ScriptedOpenCx {
  readonly seen: Seen[] = [];
  private readonly script: Reply[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = this.script.shift() ?? {
        status: 500,
        body: { statusCode: 500, message: 'unscripted request', error: 'Internal Server Error' },
      };
      if (reply === 'hang') return; // never answers: the client must time out
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply === 'stall-body') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"id":');
        return;
      }
      const text =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });

  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  answers(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  json(index: number): unknown {
    return JSON.parse(this.seen[index].body);
  }
}

const error = (status: number, message: string) => ({
  status,
  body: { statusCode: status, message, error: http.STATUS_CODES[status] },
});

const aiReply = (content: string) => ({
  status: 201,
  body: {
    success: true,
    data: {
      success: true,
      autopilotResponse: { type: 'text', value: { error: false, content }, id: 'm1', mightSolveUserIssue: true },
      sessionIsHandedOff: false,
    },
  },
});

let opencx: ScriptedOpenCx;
beforeEach(async () => {
  opencx = new ScriptedOpenCx();
  await opencx.start();
});
afterEach(() => opencx.stop());

const client = (over: Partial<OpenCxClientOptions> = {}) =>
  new OpenCxClient({ token: TOKEN, baseUrl: opencx.url, ...over });
const budget = (ms = 5000) => new Deadline(ms);

/** Deadlines on a clock only waits move: each wait passes at once and is recorded. */
function fakeClock() {
  let now = 1_000_000;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  return { waits, deadline: (ms: number) => new Deadline(ms, () => now, sleep) };
}

async function failure(promise: Promise<unknown>): Promise<OpenCxError> {
  try {
    await promise;
  } catch (caught) {
    expect(caught).toBeInstanceOf(OpenCxError);
    return caught as OpenCxError;
  }
  throw new Error('expected the call to fail');
}

function expectNoToken(err: Error): void {
  expect(err.message).not.toContain(TOKEN);
  expect(String(err)).not.toContain(TOKEN);
  expect(JSON.stringify({ ...err })).not.toContain(TOKEN);
  expect(err.stack ?? '').not.toContain(TOKEN);
}

// ---------------------------------------------------------------------------------------------

describe('OpenCxClient requests', () => {
  it('sends the org token as a Bearer Authorization header and reads GET /org', async () => {
    opencx.answers({ status: 200, body: { id: 'org-1', name: 'Acme' } });
    await expect(client().getOrg(budget())).resolves.toEqual({ id: 'org-1', name: 'Acme' });
    expect(opencx.seen).toHaveLength(1);
    expect(opencx.seen[0]).toMatchObject({ method: 'GET', url: '/org' });
    expect(opencx.seen[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(opencx.seen[0].headers.accept).toBe('application/json');
  });

  it('keeps a path prefix of the base URL and drops its trailing slashes', async () => {
    opencx.answers({ status: 200, body: { id: 'org-1', name: 'Acme' } });
    await client({ baseUrl: `${opencx.url}/opencx/` }).getOrg(budget());
    expect(opencx.seen[0].url).toBe('/opencx/org');
  });

  it('creates a session with a JSON body and returns its id', async () => {
    opencx.answers({ status: 201, body: { id: 'session-1' } });
    const id = await client().createSession(
      { channel: { type: 'api' }, custom_data: { flex_task_sid: 'WT1', flex_priority: 2 } },
      budget(),
    );
    expect(id).toBe('session-1');
    expect(opencx.seen[0]).toMatchObject({ method: 'POST', url: '/chat/sessions' });
    expect(opencx.seen[0].headers['content-type']).toBe('application/json');
    expect(opencx.json(0)).toEqual({
      channel: { type: 'api' },
      custom_data: { flex_task_sid: 'WT1', flex_priority: 2 },
    });
  });

  it('sends a contact message and returns what the AI decided', async () => {
    opencx.answers(aiReply('Your order ships today.'));
    const answer = await client().sendContactMessage(
      'session-1',
      'Where is my order?',
      { flex_conversation_sid: 'CH1' },
      budget(),
    );
    expect(answer).toEqual({
      reply: 'Your order ships today.',
      answerId: 'm1',
      handedOff: false,
      failed: false,
      summary: undefined,
      sentiment: undefined,
    });
    expect(opencx.seen[0]).toMatchObject({ method: 'POST', url: '/chat/sessions/session-1/send' });
    expect(opencx.json(0)).toEqual({
      sender: 'contact',
      message: { type: 'text', text: 'Where is my order?' },
      custom_data: { flex_conversation_sid: 'CH1' },
    });
  });

  it('leaves custom_data out of a contact message when there is none', async () => {
    opencx.answers(aiReply('Hi!'));
    await client().sendContactMessage('session-1', 'Hello', undefined, budget());
    expect(opencx.json(0)).toEqual({ sender: 'contact', message: { type: 'text', text: 'Hello' } });
  });

  it('sends an agent note as sender agent, without an agent object (OpenCX wants a numeric id)', async () => {
    opencx.answers({ status: 201, body: { success: true, data: { message: { id: 'm2' } } } });
    await client().sendAgentNote('session-1', 'Alice took over', { flex_agent_sid: 'WK1' }, budget());
    expect(opencx.json(0)).toEqual({
      sender: 'agent',
      message: { type: 'text', text: 'Alice took over' },
      custom_data: { flex_agent_sid: 'WK1' },
    });
  });

  it('closes a session with PATCH {status}, accepting an empty 200', async () => {
    opencx.answers({ status: 200 });
    await expect(client().updateSessionStatus('session-1', 'closed_resolved', budget())).resolves.toBeUndefined();
    expect(opencx.seen[0]).toMatchObject({ method: 'PATCH', url: '/chat/sessions/session-1' });
    expect(opencx.json(0)).toEqual({ status: 'closed_resolved' });
  });

  it("reads the session's history page by page for a customer message with the text; says if unsure", async () => {
    const item = (type: string, text: string) => ({
      id: text,
      created_at: '2026-01-01T00:00:00Z',
      event: { type: 'message', sender: { type, name: type }, content: { type: 'text', text } },
    });
    opencx.answers({
      status: 200,
      body: { items: [item('contact', 'Hello'), item('ai', 'Where is my order?')], next: 'page-2' },
    });
    opencx.answers({ status: 200, body: { items: [item('contact', 'Hi\nWhere is my order?')], next: null } });
    await expect(client().historyHasContactText('session-1', 'Where is my order?', budget())).resolves.toBe(true);
    expect(opencx.seen.map((seen) => seen.url)).toEqual([
      '/chat/sessions/session-1/history',
      '/chat/sessions/session-1/history?cursor=page-2',
    ]);

    opencx.answers({ status: 200, body: { items: [item('ai', 'Where is my order?')], next: null } });
    await expect(client().historyHasContactText('session-1', 'Where is my order?', budget())).resolves.toBe(false);
    opencx.answers({ status: 200, body: { items: [item('contact', 'Hello')], next: 'page-2' } });
    await expect(
      client().historyHasContactText('session-1', 'Where is my order?', budget(), 1),
    ).resolves.toBeUndefined();
  });

  it("finds a short reply only as a whole message, not inside another of the customer's", async () => {
    const contact = (text: string) => ({ id: text, event: { sender: { type: 'contact' }, content: { text } } });
    opencx.answers({ status: 200, body: { items: [contact('Is it no or yes? My zip is 2')], next: null } });
    await expect(client().historyHasContactText('session-1', 'yes', budget())).resolves.toBe(false);
    opencx.answers({ status: 200, body: { items: [contact('Hello\nyes \nMy zip is 2')], next: null } });
    await expect(client().historyHasContactText('session-1', 'yes', budget())).resolves.toBe(true);
  });

  it('with when the customer wrote it, takes an item made well before for an earlier message of the text', async () => {
    const contact = (at: string) => ({
      id: at,
      created_at: at,
      event: { sender: { type: 'contact' }, content: { text: 'yes' } },
    });
    const written = Date.parse('2026-01-01T00:10:00Z');
    opencx.answers({ status: 200, body: { items: [contact('2026-01-01T00:05:00Z')], next: null } });
    await expect(client().historyHasContactText('session-1', 'yes', budget(), 10, written)).resolves.toBe(false);
    // OpenCX's clock a little behind Twilio's: still this message.
    opencx.answers({
      status: 200,
      body: { items: [contact('2026-01-01T00:05:00Z'), contact('2026-01-01T00:09:50Z')], next: null },
    });
    await expect(client().historyHasContactText('session-1', 'yes', budget(), 10, written)).resolves.toBe(true);
    opencx.answers({ status: 200, body: { items: [contact('2026-01-01T00:05:00Z')], next: null } });
    await expect(client().historyHasContactText('session-1', 'yes', budget())).resolves.toBe(true);
  });

  it("finds the id of the session's newest AI message with a text, on every page", async () => {
    const ai = (id: string, text: string) => ({
      id,
      event: { type: 'message', sender: { type: 'ai' }, content: { text } },
    });
    opencx.answers(
      { status: 200, body: { items: [ai('m1', 'Thanks!'), ai('m2', 'Anything else?')], next: 'page-2' } },
      { status: 200, body: { items: [ai('m3', 'Thanks!')], next: null } },
    );
    await expect(client().aiMessageIdOf('session-1', 'Thanks!', budget())).resolves.toBe('m3');
    opencx.answers({ status: 200, body: { items: [ai('m1', 'Thanks!')], next: null } });
    await expect(client().aiMessageIdOf('session-1', 'Bye', budget())).resolves.toBeUndefined();
    // A history longer than it reads: the match found may be an older answer of the same text.
    opencx.answers(
      { status: 200, body: { items: [ai('m1', 'Thanks!')], next: 'page-2' } },
      { status: 200, body: { items: [ai('m2', 'Anything else?')], next: 'page-3' } },
    );
    await expect(client().aiMessageIdOf('session-1', 'Thanks!', budget(), 2)).resolves.toBeUndefined();
    expect(opencx.seen.at(-1)!.url).toBe('/chat/sessions/session-1/history?cursor=page-2');
  });

  it("reads a session's whole history across pages, or says it is longer than it reads", async () => {
    const item = (id: string) => ({ id, created_at: '2026-01-01T00:01:00Z', event: { type: 'message' } });
    opencx.answers(
      { status: 200, body: { items: [item('m1'), item('c1')], next: 'p2' } },
      { status: 200, body: { items: [item('m2')], next: null } },
    );
    await expect(client().historyOf('session-1', budget())).resolves.toEqual([item('m1'), item('c1'), item('m2')]);
    expect(opencx.seen.at(-1)!.url).toBe('/chat/sessions/session-1/history?cursor=p2');
    opencx.answers({ status: 200, body: { items: [item('m1')], next: 'p2' } });
    await expect(client().historyOf('session-1', budget(), 1)).resolves.toBeUndefined();
  });

  it('encodes the session id in the path', async () => {
    opencx.answers({ status: 200, body: { id: 'a/b?c', status: 'open' } });
    await client().getSession('a/b?c', budget());
    expect(opencx.seen[0].url).toBe('/chat/sessions/a%2Fb%3Fc');
  });
});

describe('OpenCxClient failures', () => {
  it.each([400, 401, 403, 404])('%i is not transient and is not retried', async (status) => {
    opencx.answers(error(status, 'nope'), { status: 200, body: { id: 'org-1', name: 'Acme' } });
    const err = await failure(client().getOrg(budget()));
    expect(err.status).toBe(status);
    expect(err.transient).toBe(false);
    expect(err.message).toContain(String(status));
    expect(err.message).toContain('nope');
    expect(opencx.seen).toHaveLength(1);
  });

  it.each([429, 500, 502, 503])('%i is transient and retried until it succeeds', async (status) => {
    opencx.answers(error(status, 'busy'), { status: 200, body: { id: 'org-1', name: 'Acme' } });
    await expect(client().getOrg(budget())).resolves.toEqual({ id: 'org-1', name: 'Acme' });
    expect(opencx.seen).toHaveLength(2);
  });

  it('gives up after 3 attempts on a read, with a transient error carrying the last status', async () => {
    opencx.answers(error(503, 'down'), error(503, 'down'), error(502, 'still down'), { status: 200, body: {} });
    const err = await failure(client().getSession('session-1', budget()));
    expect(err.status).toBe(502);
    expect(err.transient).toBe(true);
    expect(opencx.seen).toHaveLength(3);
  });

  it.each([429, 503])('retries session creation answered %i, which OpenCX did not process', async (status) => {
    opencx.answers(error(status, 'busy'), { status: 201, body: { id: 'session-2' } });
    await expect(client().createSession({}, budget())).resolves.toBe('session-2');
    expect(opencx.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /chat/sessions', 'POST /chat/sessions']);
  });

  it.each([500, 502, 504])(
    'does not retry session creation answered %i (a retry could create a second session)',
    async (status) => {
      opencx.answers(error(status, 'down'), { status: 201, body: { id: 'session-2' } });
      const err = await failure(client().createSession({}, budget()));
      expect(err.status).toBe(status);
      expect(opencx.seen).toHaveLength(1);
    },
  );

  it('does not retry session creation after a timeout', async () => {
    opencx.answers('hang', { status: 201, body: { id: 'session-2' } });
    const err = await failure(client({ attemptTimeoutMs: 200 }).createSession({}, budget()));
    expect(err.status).toBeUndefined();
    expect(opencx.seen).toHaveLength(1);
  });

  it.each([
    [401, true],
    [403, true],
    [400, false],
    [404, false],
    [429, false],
    [500, false],
  ])('an OpenCX %i is unauthorized: %s', async (status, unauthorized) => {
    opencx.answers(error(status, 'x'), error(status, 'x'), error(status, 'x'));
    expect((await failure(client().getOrg(budget()))).unauthorized).toBe(unauthorized);
  });

  it('honours Retry-After on a 429', async () => {
    opencx.answers(
      { ...error(429, 'slow down'), headers: { 'Retry-After': '1' } },
      { status: 200, body: { id: 'org-1', name: 'Acme' } },
    );
    const clock = fakeClock();
    await expect(client().getOrg(clock.deadline(5000))).resolves.toMatchObject({ id: 'org-1' });
    expect(opencx.seen).toHaveLength(2);
    expect(clock.waits).toEqual([1000]);
  });

  it('fails at once when Retry-After is longer than the time left', async () => {
    opencx.answers(
      { ...error(429, 'slow down'), headers: { 'Retry-After': '30' } },
      { status: 200, body: { id: 'org-1', name: 'Acme' } },
    );
    const clock = fakeClock();
    const err = await failure(client().getOrg(clock.deadline(10_000)));
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(30000);
    expect(opencx.seen).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('reports a non-JSON error body cut to 200 characters instead of throwing a parse error', async () => {
    const html = { status: 500, body: '<html>' + 'x'.repeat(700) + 'END' };
    opencx.answers(html, html, html);
    const err = await failure(client().getOrg(budget()));
    expect(err.status).toBe(500);
    expect(err.message).toContain('<html>xxx');
    expect(err.message).not.toContain('END');
    expect(err.message.length).toBeLessThan(300);
  });

  it('a timed-out attempt is a transient error without a status', async () => {
    opencx.answers('hang', 'hang', 'hang');
    const err = await failure(client({ attemptTimeoutMs: 200 }).getOrg(budget()));
    expect(err.status).toBeUndefined();
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/timed out after 200 ms/);
  });

  it('sendContactMessage sends at most its 2 attempts after timeouts, within the deadline', async () => {
    opencx.answers('hang', 'hang', 'hang', 'hang');
    const started = Date.now();
    const err = await failure(
      client({ attemptTimeoutMs: 200 }).sendContactMessage('session-1', 'Where is my order?', undefined, budget(5000)),
    );
    expect(err.transient).toBe(true);
    expect(opencx.seen.length).toBeLessThanOrEqual(2);
    expect(opencx.seen.every((s) => s.url === '/chat/sessions/session-1/send')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('does not send a customer message again after a timeout (the AI may already have it)', async () => {
    // A timed-out send may have reached the AI; sending it again makes the AI answer the same
    // customer message twice. Expected: exactly one POST /send, then the error.
    opencx.answers('hang', aiReply('second answer'));
    const outcome = await client({ attemptTimeoutMs: 200 })
      .sendContactMessage('session-1', 'Where is my order?', undefined, budget(5000))
      .then(
        (answer) => ({ answer }),
        (caught: unknown) => ({ caught }),
      );
    expect(opencx.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /chat/sessions/session-1/send']);
    expect(outcome).toMatchObject({ caught: expect.any(OpenCxError) });
  });

  it.each<[string, boolean, Reply]>([
    ['had the whole message and had not answered', true, 'hang'],
    ['closed the connection without an answer', false, 'reset'],
    ['answered 500', false, { status: 500, body: { statusCode: 500, message: 'x', error: 'x' } }],
  ])('a send OpenCX %s: still working on it = %s', async (_label, stillWorking, reply) => {
    opencx.answers(reply, reply);
    const err = await failure(
      client({ attemptTimeoutMs: 200 }).sendContactMessage('session-1', 'Hello', undefined, budget(5000)),
    );
    expect(err.maybeProcessed).toBe(true);
    expect(err.stillWorking).toBe(stillWorking);
  });

  it.each([
    [502, 1],
    [504, 1],
    [500, 1],
    [503, 2],
    [429, 2],
  ])(
    'a customer message answered %i is sent %i time(s): only "not processed" statuses are retried',
    async (status, sends) => {
      opencx.answers({ status, body: { statusCode: status, message: 'x', error: 'x' } }, aiReply('second answer'));
      await client()
        .sendContactMessage('session-1', 'Hello', undefined, budget(5000))
        .catch(() => undefined);
      expect(opencx.seen.filter((s) => s.url.endsWith('/send'))).toHaveLength(sends);
    },
  );

  it('a timeout while reading the answer body is a transient OpenCxError and is retried', async () => {
    // The body read is outside the try/catch that wraps fetch errors, so the timeout is neither
    // an OpenCxError nor retried (a read like GET /org should be retried like any other timeout).
    opencx.answers('stall-body', { status: 200, body: { id: 'org-1', name: 'Acme' } });
    const outcome = await client({ attemptTimeoutMs: 200 })
      .getOrg(budget(5000))
      .then(
        (org) => ({ org }),
        (caught: unknown) => ({
          caught: `${(caught as Error).constructor.name} ${(caught as Error).name}: ${(caught as Error).message}`,
        }),
      );
    expect(outcome).toEqual({ org: { id: 'org-1', name: 'Acme' } });
  });

  it('does not call at all when the deadline has already passed', async () => {
    const err = await failure(client().getOrg(budget(0)));
    expect(err.message).toMatch(/no time left/);
    expect(err.transient).toBe(true);
    expect(opencx.seen).toHaveLength(0);
  });

  it('a refused connection is a transient error without a status', async () => {
    const closed = new ScriptedOpenCx();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const err = await failure(new OpenCxClient({ token: TOKEN, baseUrl: url }).getOrg(budget(2000)));
    expect(err.status).toBeUndefined();
    expect(err.transient).toBe(true);
    expectNoToken(err);
  });

  it('never puts the token in an error message', async () => {
    opencx.answers(error(401, 'Invalid API key'));
    expectNoToken(await failure(client().getOrg(budget())));
    opencx.answers(error(500, 'boom'), error(500, 'boom'), error(500, 'boom'));
    expectNoToken(await failure(client().getOrg(budget())));
    opencx.answers('hang', 'hang');
    expectNoToken(
      await failure(client({ attemptTimeoutMs: 100 }).sendContactMessage('s', 'hi', undefined, budget(1000))),
    );
  });
});

describe("OpenCX's rate limit", () => {
  const SPARE = 'ocx_live_SPARE_9876543210';
  const org = { status: 200, body: { id: 'org-1', name: 'Acme' } };
  const limited = (retryAfter: string) => ({
    ...error(429, 'ThrottlerException: Too Many Requests'),
    headers: { 'Retry-After': retryAfter },
  });
  const keyOf = (seen: { headers: http.IncomingHttpHeaders }) =>
    String(seen.headers.authorization).replace('Bearer ', '');
  /** A conversation whose own key is the first of [TOKEN, SPARE]. */
  const onFirstKey = Array.from({ length: 50 }, (_, i) => `CH${i}`).find(
    (sid) => keysInOrder([TOKEN, SPARE], sid)[0] === TOKEN,
  )!;

  it('reads Retry-After given as an HTTP date, and fails at once when it is beyond the time left', async () => {
    opencx.answers(limited(new Date(Date.now() + 30_000).toUTCString()), org);
    const err = await failure(client().getOrg(budget(3000)));
    expect(err.retryAfterMs).toBeGreaterThan(28_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(opencx.seen).toHaveLength(1);
  });

  it('does not wait out a Retry-After that would leave no time for the attempt after it', async () => {
    opencx.answers(limited('2'), org);
    const clock = fakeClock();
    const err = await failure(client().sendContactMessage('session-1', 'Hello', undefined, clock.deadline(2500)));
    expect(err.status).toBe(429);
    expect(opencx.seen).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it("tries the organisation's next key at once on a 429, without waiting", async () => {
    opencx.answers(limited('40'), aiReply('answered on the spare key'));
    const clock = fakeClock();
    const answer = await client({ extraTokens: [SPARE], affinity: onFirstKey }).sendContactMessage(
      'session-1',
      'Hello',
      undefined,
      clock.deadline(10_000),
    );
    expect(answer.reply).toBe('answered on the spare key');
    expect(opencx.seen.map(keyOf)).toEqual([TOKEN, SPARE]);
    expect(clock.waits).toEqual([]);
  });

  // A refused key here is a revoked one (401).
  it('tries the next key when OpenCX refuses one; all over, reports the 429 with the shortest wait', async () => {
    opencx.answers(error(401, 'Invalid API key'), org);
    await expect(client({ extraTokens: [SPARE], affinity: onFirstKey }).getOrg(budget())).resolves.toMatchObject({
      id: 'org-1',
    });

    opencx.answers(limited('50'), limited('20'));
    const err = await failure(client({ extraTokens: [SPARE], affinity: onFirstKey }).createSession({}, budget(3000)));
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(20_000);
  });

  it('of two 429s, one naming no wait counts as the usual wait, not as an endless one', async () => {
    opencx.answers(error(429, 'ThrottlerException: Too Many Requests'), limited('90'));
    const first = await failure(client({ extraTokens: [SPARE], affinity: onFirstKey }).createSession({}, budget(3000)));
    expect(first.retryAfterMs).toBeUndefined();

    opencx.answers(limited('90'), error(429, 'ThrottlerException: Too Many Requests'));
    const second = await failure(
      client({ extraTokens: [SPARE], affinity: onFirstKey }).createSession({}, budget(3000)),
    );
    expect(second.retryAfterMs).toBeUndefined();
  });

  it('a conversation keeps its key: the same affinity, the same first key', async () => {
    const sids = Array.from({ length: 40 }, (_, i) => `CH${i}`);
    const firsts = sids.map((sid) => keysInOrder([TOKEN, SPARE], sid)[0]);
    expect(new Set(firsts)).toEqual(new Set([TOKEN, SPARE]));
    opencx.answers(org, org);
    const other = sids.find((sid) => keysInOrder([TOKEN, SPARE], sid)[0] === SPARE)!;
    await client({ extraTokens: [SPARE], affinity: other }).getOrg(budget());
    await client({ extraTokens: [SPARE], affinity: other }).getOrg(budget());
    expect(opencx.seen.map(keyOf)).toEqual([SPARE, SPARE]);
  });

  it('tells onResponse each answer by key id (never the key), a missing answer as undefined', async () => {
    const seen: [string, number | undefined][] = [];
    opencx.answers(limited('40'), org);
    await client({
      extraTokens: [SPARE],
      affinity: onFirstKey,
      onResponse: (id, status) => seen.push([id, status]),
    }).getOrg(budget());
    expect(seen).toEqual([
      [keyId(TOKEN), 429],
      [keyId(SPARE), 200],
    ]);
    expect(JSON.stringify(seen)).not.toContain(TOKEN);
  });
});

describe('toAiAnswer', () => {
  const wrapped = (data: Record<string, unknown>) => ({ success: true, data });
  const autopilot = (content: unknown, error = false) => ({
    type: 'text',
    value: { error, content },
    id: 'm1',
    mightSolveUserIssue: true,
  });

  it('reads a reply from the current {success, data} answer', () => {
    expect(
      toAiAnswer(wrapped({ success: true, autopilotResponse: autopilot('Hello!'), sessionIsHandedOff: false })),
    ).toEqual({
      reply: 'Hello!',
      answerId: 'm1',
      handedOff: false,
      summary: undefined,
      sentiment: undefined,
      failed: false,
    });
  });

  it('reads a reply from an older unwrapped answer', () => {
    expect(
      toAiAnswer({ success: true, autopilotResponse: autopilot('Hello!'), sessionIsHandedOff: false }),
    ).toMatchObject({ reply: 'Hello!', failed: false });
  });

  it('reads a handoff with its summary and sentiment, not failed even without a reply', () => {
    const answer = toAiAnswer(
      wrapped({
        success: true,
        sessionIsHandedOff: true,
        resolveArgs: { summary: 'Refund dispute', sentiment: 'angry' },
      }),
    );
    expect(answer).toEqual({
      reply: undefined,
      handedOff: true,
      summary: 'Refund dispute',
      sentiment: 'angry',
      failed: false,
    });
  });

  it('keeps the farewell reply of a handoff', () => {
    expect(
      toAiAnswer(
        wrapped({
          success: true,
          autopilotResponse: autopilot('A human will be with you shortly.'),
          sessionIsHandedOff: true,
        }),
      ),
    ).toMatchObject({
      reply: 'A human will be with you shortly.',
      handedOff: true,
      failed: false,
    });
  });

  it('only sessionIsHandedOff === true is a handoff', () => {
    expect(
      toAiAnswer(wrapped({ success: true, autopilotResponse: autopilot('Hi'), sessionIsHandedOff: 'true' })).handedOff,
    ).toBe(false);
  });

  it('is failed when OpenCX says success: false', () => {
    expect(
      toAiAnswer(wrapped({ success: false, code: 'rate_limited', autopilotResponse: autopilot('Hi') })),
    ).toMatchObject({ failed: true, handedOff: false });
  });

  it('is failed, with no reply, when the autopilot value is an error', () => {
    expect(toAiAnswer(wrapped({ success: true, autopilotResponse: autopilot('LLM error text', true) }))).toMatchObject({
      reply: undefined,
      failed: true,
    });
  });

  it.each<[string, unknown]>([
    ['empty', ''],
    ['blank', '   '],
    ['not a string', { text: 'Hi' }],
    ['missing', undefined],
  ])('is failed when the reply is %s', (_label, content) => {
    expect(
      toAiAnswer(wrapped({ success: true, autopilotResponse: autopilot(content), sessionIsHandedOff: false })),
    ).toMatchObject({
      reply: undefined,
      failed: true,
    });
  });

  it('is failed for an answer with nothing in it', () => {
    expect(toAiAnswer({})).toMatchObject({ failed: true, handedOff: false });
  });

  it('ignores resolveArgs fields that are not strings', () => {
    expect(
      toAiAnswer(wrapped({ sessionIsHandedOff: true, resolveArgs: { summary: 5, sentiment: null } })),
    ).toMatchObject({
      summary: undefined,
      sentiment: undefined,
    });
  });
});

describe('OpenCxError.maybeProcessed (could its answer still come by webhook?)', () => {
  it.each<[string, OpenCxError, boolean]>([
    ['a timeout after sending', new OpenCxError('timed out', undefined), true],
    ['a 500', new OpenCxError('500', 500), true],
    ['a 504 from a gateway', new OpenCxError('504', 504), true],
    ['an unreadable 201', new OpenCxError('not JSON', 201), true],
    ['a 503 (not processed)', new OpenCxError('503', 503), false],
    ['a 429', new OpenCxError('429', 429, 1000), false],
    ['a 401', new OpenCxError('401', 401), false],
    ['a refused connection', new OpenCxError('refused', undefined, undefined, true), false],
  ])('%s → %s', (_label, error, expected) => {
    expect(error.maybeProcessed).toBe(expected);
  });

  it('no time left means the request never left', async () => {
    const error = await new OpenCxClient({ token: 't', baseUrl: 'http://127.0.0.1:9' })
      .sendContactMessage('s', 'hi', undefined, new Deadline(0))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxError);
    expect((error as OpenCxError).maybeProcessed).toBe(false);
  });
});

describe('carriesMessage', () => {
  test.each([
    ['yes', 'yes', true],
    ['Is it no or yes?', 'yes', false],
    ['Hi\nWhere is my order?', 'Where is my order?', true],
    ['Hi\r\nyes\r\n2', 'yes\n2', true],
    ['Hi\nyes\n2', 'yes\n3', false],
    ['order 12345', '1234', false],
  ])('%j carries %j: %s', (sent, message, expected) => {
    expect(carriesMessage(sent, message)).toBe(expected);
  });
});
