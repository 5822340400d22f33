import { createAgentClient } from '../agentClient';
import type { FetchLike } from '../settingsClient';

const BASE = 'https://opencx-1234-dev.twil.io/';
const TASK = 'WT' + '1'.repeat(32);

function answering(status: number, body: unknown) {
  return jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({ status, json: async () => body }));
}

describe('agent client: hand back', () => {
  it('posts the token, task and trimmed instruction as a form to /agent/handback, and reads the history', async () => {
    const fetch = answering(200, {
      ok: true,
      handedBack: true,
      wrapup: 'wrapup',
      history: [
        { to: 'human', at: '2026-03-02T09:55:00.000Z', reason: 'Refund' },
        { to: 'ai', at: '2026-03-02T09:50:00.000Z' },
        { to: 'ai', at: '2026-03-02T10:00:00.000Z', by: 'Alice', instruction: 'Collect the address' },
      ],
    });
    const result = await createAgentClient({ baseUrl: BASE, fetch }).handBack('flex-token', {
      taskSid: TASK,
      instruction: '  Collect the address ',
    });

    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('https://opencx-1234-dev.twil.io/agent/handback');
    expect(init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(Object.fromEntries(new URLSearchParams(init.body))).toEqual({
      Token: 'flex-token',
      taskSid: TASK,
      instruction: 'Collect the address',
    });
    expect(result).toEqual({
      ok: true,
      alreadyHandedBack: false,
      wrappedUp: true,
      history: [
        { holder: 'ai', since: new Date('2026-03-02T09:50:00.000Z') },
        { holder: 'human', since: new Date('2026-03-02T09:55:00.000Z'), reason: 'Refund' },
        { holder: 'ai', since: new Date('2026-03-02T10:00:00.000Z'), by: 'Alice', instruction: 'Collect the address' },
      ].map((entry) => ({ reason: undefined, by: undefined, instruction: undefined, ...entry })),
    });
  });

  it('sends no instruction field when there is none, and says when another click handed back first', async () => {
    const fetch = answering(200, { ok: true, handedBack: false, alreadyHandedBack: true });
    const result = await createAgentClient({ baseUrl: BASE, fetch }).handBack('t', {
      taskSid: TASK,
      instruction: '   ',
    });
    expect(new URLSearchParams(fetch.mock.calls[0][1].body).has('instruction')).toBe(false);
    expect(result).toEqual({ ok: true, alreadyHandedBack: true, wrappedUp: false, history: [] });
  });

  it("says when Flex left the agent's task out of wrap-up", async () => {
    const fetch = answering(200, { ok: true, handedBack: true, invitedTaskSid: null, wrapup: 'left-to-agent' });
    const result = await createAgentClient({ baseUrl: BASE, fetch }).handBack('t', { taskSid: TASK, instruction: '' });
    expect(result).toMatchObject({ ok: true, alreadyHandedBack: false, wrappedUp: false });
  });

  it("says when End chat found another agent's task holding the conversation, not the AI", async () => {
    const body = { ok: true, handedBack: false, alreadyHandedBack: true, wrapup: 'wrapup', heldByAnotherTask: true };
    const result = await createAgentClient({ baseUrl: BASE, fetch: answering(200, body) }).handBack('t', {
      taskSid: TASK,
      instruction: '',
      wrapupOnly: true,
    });
    expect(result).toEqual({
      ok: true,
      alreadyHandedBack: true,
      wrappedUp: true,
      history: [],
      heldByAnotherTask: true,
    });
  });

  it("passes the Functions' error on, with its field", async () => {
    const fetch = answering(400, {
      ok: false,
      error: { code: 'invalid_input', message: 'Too long', field: 'instruction' },
    });
    expect(
      await createAgentClient({ baseUrl: BASE, fetch }).handBack('t', { taskSid: TASK, instruction: 'x' }),
    ).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'Too long', field: 'instruction', status: 400 },
    });
  });

  it('a network failure is an error the panel can show', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => {
      throw new TypeError('Failed to fetch');
    });
    const result = await createAgentClient({ baseUrl: BASE, fetch }).handBack('t', { taskSid: TASK, instruction: '' });
    expect(result).toMatchObject({ ok: false, error: { code: 'network_error' } });
  });
});

describe('agent client: verdict', () => {
  it('says when the verdict is on the task but OpenCX missed its note', async () => {
    const give = (opencx: string) =>
      createAgentClient({ baseUrl: BASE, fetch: answering(200, { ok: true, opencx }) }).giveVerdict('flex-token', {
        taskSid: TASK,
        needed: true,
        summaryRight: true,
      });
    expect(await give('failed')).toEqual({ ok: true, opencxMissed: true });
    expect(await give('noted')).toEqual({ ok: true });
    expect(await give('no-session')).toEqual({ ok: true });
    // Refused for good (a closed session): sending it again would not help, so no retry is offered.
    expect(await give('refused')).toEqual({ ok: true });
  });

  it('posts the token, task, both answers and the trimmed comment as a form to /agent/handoff-verdict', async () => {
    const fetch = answering(200, { ok: true, opencx: 'noted' });
    const result = await createAgentClient({ baseUrl: BASE, fetch }).giveVerdict('flex-token', {
      taskSid: TASK,
      needed: false,
      summaryRight: true,
      comment: '  too early  ',
    });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('https://opencx-1234-dev.twil.io/agent/handoff-verdict');
    expect(Object.fromEntries(new URLSearchParams(init.body))).toEqual({
      Token: 'flex-token',
      taskSid: TASK,
      needed: 'false',
      summaryRight: 'true',
      comment: 'too early',
    });
    expect(result).toEqual({ ok: true });
  });

  it("returns the Functions' error with the field it names", async () => {
    const fetch = answering(400, {
      ok: false,
      error: { code: 'invalid_input', message: 'The AI did not hand this task off', field: 'taskSid' },
    });
    expect(
      await createAgentClient({ baseUrl: BASE, fetch }).giveVerdict('t', {
        taskSid: TASK,
        needed: true,
        summaryRight: true,
      }),
    ).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'The AI did not hand this task off', field: 'taskSid', status: 400 },
    });
  });
});

describe('agent client: no answer', () => {
  const verdict = { taskSid: TASK, needed: true, summaryRight: true };
  const mayHaveHappened =
    'No answer came from the OpenCX Functions: what you asked may have been done all the same. Check, then try again.';

  afterEach(() => jest.useRealTimers());

  it('stops waiting after 15 s, so the agent is not left with "Handing back…" for good', async () => {
    jest.useFakeTimers();
    // As a browser's fetch does: pending until it is aborted.
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(
      (_url, { signal }) =>
        new Promise((_answer, fail) =>
          signal.addEventListener('abort', () => fail(new DOMException('', 'AbortError'))),
        ),
    );
    const answer = createAgentClient({ baseUrl: BASE, fetch }).handBack('t', { taskSid: TASK, instruction: '' });
    const signal = () => fetch.mock.calls[0][1].signal;
    jest.advanceTimersByTime(14_999);
    expect(signal().aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal().aborted).toBe(true);
    expect(await answer).toEqual({ ok: false, error: { code: 'timeout', message: mayHaveHappened } });
  });

  it.each([
    ['a gateway timeout', 504, '<html>Gateway Timeout</html>'],
    ["a server error without the Functions' error", 500, { message: 'Internal Server Error' }],
  ])('says of %s that it may have been done, not that the answer was unexpected', async (_case, status, body) => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status,
      json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
    }));
    expect(await createAgentClient({ baseUrl: BASE, fetch }).giveVerdict('t', verdict)).toEqual({
      ok: false,
      error: { code: 'unexpected_response', message: mayHaveHappened, status },
    });
  });

  it('says of an answer lost on the way that it may have been done, and not to check the Functions URL', async () => {
    const lost = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => {
      throw new TypeError('Failed to fetch');
    });
    const cut = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status: 200,
      json: () => Promise.reject(new TypeError('network error')),
    }));
    for (const [fetch, code] of [
      [lost, 'network_error'],
      [cut, 'answer_lost'],
    ] as const)
      expect(await createAgentClient({ baseUrl: BASE, fetch }).giveVerdict('t', verdict)).toEqual({
        ok: false,
        error: { code, message: mayHaveHappened },
      });
  });
});
