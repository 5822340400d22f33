import { Deadline } from '../retry';
import { isTransient, retry, type RetryPolicy } from './base';
import { DeadlineExceededError, TwilioRateLimitError } from './client';
import { type ScriptedAnswer, scriptedTwilio, type ScriptedTwilio } from './scripted-twilio.testing';

const CONVERSATION_MESSAGES = '/conversations/v1/Services/IS1/Conversations/CH1/Messages';
const MAP_ITEM = '/sync/v1/Services/IS1/Maps/m/Items/k';
const item = { status: 200, body: { key: 'k', data: { ok: true }, revision: '3' } };
const rateLimited = (retryAfterSeconds: string): ScriptedAnswer => ({
  status: 429,
  headers: { 'Retry-After': retryAfterSeconds },
  body: { code: 20429, message: 'Too Many Requests' },
});

let twilio: ScriptedTwilio | undefined;
afterEach(async () => {
  await twilio?.close();
  twilio = undefined;
});

async function serve(...answers: ScriptedAnswer[]): Promise<ScriptedTwilio> {
  twilio = await scriptedTwilio(answers);
  return twilio;
}

describe('isTransient', () => {
  const networkError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
  it.each<[string, unknown, RetryPolicy, boolean]>([
    ['429', { status: 429, code: 20429 }, 'idempotent', true],
    ['429', { status: 429, code: 20429 }, 'not-processed-only', true],
    ['500', { status: 500 }, 'idempotent', true],
    ['500', { status: 500 }, 'not-processed-only', false],
    ['503', { status: 503 }, 'idempotent', true],
    ['400', { status: 400, code: 20001 }, 'idempotent', false],
    ['404', { status: 404, code: 20404 }, 'idempotent', false],
    ['409 / 54208', { status: 409, code: 54208 }, 'idempotent', false],
    ['412', { status: 412 }, 'idempotent', false],
    ['ECONNRESET', networkError('ECONNRESET'), 'idempotent', true],
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 'idempotent', true],
    ['ETIMEDOUT', networkError('ETIMEDOUT'), 'idempotent', true],
    ['EPIPE', networkError('EPIPE'), 'idempotent', true],
    ['an axios timeout (ECONNABORTED)', networkError('ECONNABORTED'), 'idempotent', true],
    ['socket hang up', new Error('socket hang up'), 'idempotent', true],
    ['ECONNRESET', networkError('ECONNRESET'), 'not-processed-only', false],
    ['a TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'sid')"), 'idempotent', false],
    ['the deadline', new DeadlineExceededError('GET /x'), 'idempotent', false],
    ['nothing', undefined, 'idempotent', false],
  ])('%s under %s → %s', (_what, error, policy, transient) => {
    expect(isTransient(error, policy)).toBe(transient);
  });
});

describe('retry', () => {
  it('never retries a bug', async () => {
    const bug = new TypeError('x is not a function');
    let calls = 0;
    const operation = async () => {
      calls += 1;
      throw bug;
    };
    await expect(retry(new Deadline(5000), operation, 'idempotent')).rejects.toBe(bug);
    expect(calls).toBe(1);
  });
});

describe('Twilio requests within the deadline', () => {
  it("waits as long as Twilio's Retry-After asks when that fits the deadline", async () => {
    const server = await serve(rateLimited('2'), item);
    const { apis } = server.apis(5000);
    await expect(apis.sync.fetchMapItem('IS1', 'm', 'k')).resolves.toEqual({ data: { ok: true }, revision: '3' });
    expect(server.requests).toEqual([`GET ${MAP_ITEM}`, `GET ${MAP_ITEM}`]);
    expect(server.waits).toEqual([2000]);
  });

  it('fails at once with the 429 when the Retry-After does not fit the deadline', async () => {
    const server = await serve(rateLimited('5'), item);
    const { apis } = server.apis(3000);
    const failure = apis.sync.fetchMapItem('IS1', 'm', 'k');
    await expect(failure).rejects.toBeInstanceOf(TwilioRateLimitError);
    await expect(failure).rejects.toMatchObject({ status: 429, code: 20429, retryAfterMs: 5000 });
    expect(server.requests).toHaveLength(1);
    expect(server.waits).toEqual([]);
  });

  it('starts no request after the deadline, and does not retry that', async () => {
    const server = await serve(item);
    const { apis, advance } = server.apis(1000);
    advance(1000);
    await expect(apis.sync.fetchMapItem('IS1', 'm', 'k')).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(server.requests).toEqual([]);
  });

  it('starts no retry once a wait has used up the deadline', async () => {
    const server = await serve({ status: 503 }, item);
    const { apis, advance } = server.apis(1000);
    // The first attempt takes the whole budget: the back-off no longer fits.
    const fetching = apis.sync.fetchMapItem('IS1', 'm', 'k');
    advance(1000);
    await expect(fetching).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a dropped connection on an idempotent call', async () => {
    const server = await serve('drop', item);
    const { apis } = server.apis(5000);
    await expect(apis.sync.fetchMapItem('IS1', 'm', 'k')).resolves.toMatchObject({ revision: '3' });
    expect(server.requests).toHaveLength(2);
  });

  it('does not re-post a message after a 500: Twilio may have posted it', async () => {
    const server = await serve(
      { status: 500, body: { code: 20500, message: 'Internal Server Error' } },
      { status: 201, body: { sid: 'IM1' } },
    );
    const { apis } = server.apis(5000);
    const message = { author: 'AI', body: 'Hello', attributes: { opencx: { role: 'ai' } } };
    await expect(apis.conversations.postMessage('IS1', 'CH1', message)).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toEqual([`POST ${CONVERSATION_MESSAGES}`]);
  });

  it('re-posts a message after a 429, which Twilio never processed', async () => {
    const server = await serve(rateLimited('1'), { status: 201, body: { sid: 'IM1' } });
    const { apis } = server.apis(5000);
    const message = { author: 'AI', body: 'Hello', attributes: { opencx: { role: 'ai' } } };
    await expect(apis.conversations.postMessage('IS1', 'CH1', message)).resolves.toBe('IM1');
    expect(server.requests).toEqual([`POST ${CONVERSATION_MESSAGES}`, `POST ${CONVERSATION_MESSAGES}`]);
    expect(server.waits).toEqual([1000]);
  });
});
