import { OpenCxError } from '../../common/opencx-client';
import type { BridgeDeps, KnownRecord } from '../deps';
import { RATE_LIMITED_REASON } from '../rate-limit';
import { resend, resendLater } from './resend';

// The handoffs past the answer timeout are the pure decision's (rate-limit.test.ts) and the
// integration test's (test/integration/rate-limit.test.ts).

const NOW = Date.parse('2026-12-02T07:00:00Z');
const known: KnownRecord = {
  record: {
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    reservationSid: 'WR1',
    phase: 'ai',
    claimedAt: 0,
    sessionId: 'session-1',
  },
  revision: '1',
};
const owed = { text: 'Where is my parcel?', messageSids: ['IM1'], since: NOW - 10_000 };

function deps(
  over: {
    createTask?: jest.Mock;
    claimOnce?: jest.Mock;
    timers?: boolean;
    queued?: string[];
    claimMessage?: jest.Mock;
    openResendQueue?: jest.Mock;
  } = {},
) {
  const createTask = over.createTask ?? jest.fn(async () => 'WTtimer');
  const claimOnce = over.claimOnce ?? jest.fn(async () => true);
  const timers = over.timers ?? true;
  const openResendQueue = over.openResendQueue ?? jest.fn(async () => true);
  const takeResendQueue = jest.fn(async () => over.queued ?? []);
  const claimMessage = over.claimMessage ?? jest.fn(async () => true);
  const releaseMessage = jest.fn(async () => undefined);
  return {
    createTask,
    claimOnce,
    openResendQueue,
    takeResendQueue,
    releaseMessage,
    deps: {
      config: {
        aiAnswerTimeoutSeconds: 60,
        conversationsServiceSid: 'IS1',
        ...(timers ? { timerWorkspaceSid: 'WStimers', timerWorkflowSid: 'WWtimers' } : {}),
      },
      twilio: { taskrouter: { createTask }, conversations: { listMessages: jest.fn(async () => conversation) } },
      state: { claimOnce, openResendQueue, takeResendQueue, claimMessage, releaseMessage },
      now: () => new Date(NOW),
      warn: jest.fn(),
      afterAnswerReserveMs: 1000,
      maxAnswerWaitMs: 5000,
      deadline: { remaining: () => 8000 },
    } as unknown as BridgeDeps,
  };
}

/** The conversation, newest first: the customer wrote twice more after the text OpenCX refused. */
const conversation = [
  { sid: 'IM4', index: 4, author: 'customer', body: 'Or to my office', attributes: {} },
  { sid: 'IM3', index: 3, author: 'customer', body: 'Cancel the delivery to my home', attributes: {} },
  { sid: 'IM2', index: 2, author: 'AI', body: 'Hello!', attributes: {} },
  { sid: 'IM1', index: 1, author: 'customer', body: 'Where is my parcel?', attributes: {} },
];

describe('resendLater', () => {
  test("arms a resend timer with the owed text for OpenCX's wait, and hands nothing off", async () => {
    const { deps: d, createTask } = deps();
    const outcome = await resendLater('CH1', known, owed, { retryAfterMs: 20_000, error: '429' }, d);
    expect(outcome).toMatchObject({ outcome: 'resend-scheduled', timerSid: 'WTtimer', sessionId: 'session-1' });
    expect(createTask).toHaveBeenCalledWith('WStimers', {
      workflowSid: 'WWtimers',
      attributes: { opencxTimer: 'resend', conversationSid: 'CH1', sessionId: 'session-1', ...owed },
      timeoutSeconds: expect.any(Number),
    });
    const { timeoutSeconds } = createTask.mock.calls[0][1];
    expect(timeoutSeconds).toBeGreaterThanOrEqual(20);
    expect(timeoutSeconds).toBeLessThan(25); // 20 s and a spread of a few seconds
  });

  test('opens a queue for later messages; one that cannot open still leaves the resend', async () => {
    const { deps: d, openResendQueue, createTask } = deps();
    await resendLater('CH1', known, owed, { retryAfterMs: 20_000, error: '429' }, d);
    // It holds them until the resend is overdue: due, then armed again twice after failures.
    const { timeoutSeconds } = createTask.mock.calls[0][1];
    expect(openResendQueue).toHaveBeenCalledWith(
      'CH1',
      'session-1',
      'IM1',
      NOW + timeoutSeconds * 1000 + 60_000,
      NOW,
      known,
    );

    const failing = deps({ openResendQueue: jest.fn(async () => Promise.reject(new Error('Sync 503'))) });
    await expect(
      resendLater('CH1', known, owed, { retryAfterMs: 20_000, error: '429' }, failing.deps),
    ).resolves.toMatchObject({ outcome: 'resend-scheduled', timerSid: 'WTtimer' });
  });
});

describe('resend (the timer fired)', () => {
  const decision = { action: 'resend' as const, conversationSid: 'CH1', timerSid: 'WTtimer', rearmed: false, ...owed };

  test('a second delivery of the same timer sends nothing', async () => {
    const { deps: d, createTask } = deps({ claimOnce: jest.fn(async () => false) });
    await expect(resend(decision, known, d)).resolves.toMatchObject({ outcome: 'duplicate' });
    expect(createTask).not.toHaveBeenCalled();
  });

  test('a timer armed again after OpenCX may have taken the text arms a watchdog instead of sending it', async () => {
    const send = jest.fn();
    const { deps: d, createTask } = deps({ claimOnce: jest.fn(async () => false) });
    const twice = { ...owed, messageSids: ['IM1', 'IM2'] };
    const opencx = { sendContactMessage: send } as unknown as BridgeDeps['opencx'];
    const outcome = await resend({ ...decision, ...twice, rearmed: true }, known, { ...d, opencx });
    expect(outcome).toMatchObject({ outcome: 'awaiting-answer', timerSid: 'WTtimer', resendFailed: true });
    expect(createTask).toHaveBeenCalledWith('WStimers', {
      workflowSid: 'WWtimers',
      attributes: {
        opencxTimer: 'answer',
        conversationSid: 'CH1',
        sessionId: 'session-1',
        messageSid: 'IM2',
        resent: true,
      },
      timeoutSeconds: 60,
    });
    expect(send).not.toHaveBeenCalled();
  });

  const rateLimitedAgain = () =>
    jest.fn(async (_session: string, _text: string) => Promise.reject(new OpenCxError('OpenCX 429', 429, 30_000)));

  test('sends the messages queued behind it after its text, in the order they were written', async () => {
    const send = rateLimitedAgain();
    const { deps: d, createTask, takeResendQueue } = deps({ queued: ['IM4', 'IM3'] });
    const opencx = { sendContactMessage: send } as unknown as BridgeDeps['opencx'];
    await resend(decision, known, { ...d, opencx });
    expect(takeResendQueue).toHaveBeenCalledWith('CH1', 'session-1', known, 'IM1', undefined);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0][1]).toBe('Where is my parcel?\nCancel the delivery to my home\nOr to my office');
    // Refused again: the next resend carries all three, still in order.
    expect(createTask).toHaveBeenCalledWith(
      'WStimers',
      expect.objectContaining({
        attributes: expect.objectContaining({
          text: 'Where is my parcel?\nCancel the delivery to my home\nOr to my office',
          messageSids: ['IM1', 'IM3', 'IM4'],
          since: owed.since,
        }),
      }),
    );
  });

  test('sends every queued message, however many the customer wrote while it waited', async () => {
    const send = rateLimitedAgain();
    const flood = Array.from({ length: 60 }, (_, i) => ({
      sid: `IMq${i}`,
      index: 5 + i,
      author: 'customer',
      body: `line ${i}`,
      attributes: {},
    })).reverse();
    const { deps: d } = deps({ queued: flood.map((m) => m.sid) });
    const listed = [...flood, ...conversation];
    const listMessages = jest.fn(async (_s: string, _c: string, { limit }: { limit: number }) =>
      listed.slice(0, limit),
    );
    const twilio = { ...d.twilio, conversations: { listMessages } } as unknown as BridgeDeps['twilio'];
    await resend(decision, known, {
      ...d,
      twilio,
      opencx: { sendContactMessage: send } as unknown as BridgeDeps['opencx'],
    });
    expect(send.mock.calls[0][1].split('\n')).toEqual([
      'Where is my parcel?',
      ...Array.from({ length: 60 }, (_, i) => `line ${i}`),
    ]);
  });

  test('a queued message another Function already sent (its watchdog) is not sent again', async () => {
    const send = rateLimitedAgain();
    const claimMessage = jest.fn(async (sid: string) => sid !== 'IM3');
    const { deps: d } = deps({ queued: ['IM3', 'IM4'], claimMessage });
    await resend(decision, known, { ...d, opencx: { sendContactMessage: send } as unknown as BridgeDeps['opencx'] });
    expect(send.mock.calls[0][1]).toBe('Where is my parcel?\nOr to my office');
  });

  test('a timer armed again after its claim closes the queue, leaving what waits in it to its watchdogs', async () => {
    const send = jest.fn();
    const { deps: d, takeResendQueue } = deps({ claimOnce: jest.fn(async () => false) });
    const opencx = { sendContactMessage: send } as unknown as BridgeDeps['opencx'];
    await resend({ ...decision, rearmed: true }, known, { ...d, opencx });
    expect(takeResendQueue).toHaveBeenCalledWith('CH1', 'session-1', known, 'IM1');
    expect(send).not.toHaveBeenCalled();
  });

  /** Sync fails for everything but the resend's own claim: neither the answer nor the handoff can be written. */
  function failingDeps(
    send: jest.Mock,
    queued: string[] = [],
    claimMessage = async (_sid: string, _by?: string) => true,
  ) {
    const release = jest.fn(async () => undefined);
    const syncDown = async () => {
      throw new Error('Sync 503');
    };
    const { deps: d, releaseMessage } = deps();
    const releaseOwnMessage = jest.fn(async (_sid: string, _by: string) => undefined);
    const beginHandoff = jest.fn(syncDown);
    const working = {
      claimOnce: async () => true,
      release,
      beginHandoff,
      releaseMessage,
      takeResendQueue: async () => queued,
      claimMessage,
      releaseOwnMessage,
    };
    const state = new Proxy(working as Record<string, unknown>, {
      get: (target, name: string) => target[name] ?? syncDown,
    });
    const reserve = { afterAnswerReserveMs: 1000, maxAnswerWaitMs: 5000 };
    const deadline = { remaining: () => 8000 };
    return {
      release,
      releaseMessage,
      releaseOwnMessage,
      beginHandoff,
      deps: { ...d, ...reserve, deadline, state, opencx: { sendContactMessage: send } } as unknown as BridgeDeps,
    };
  }

  test('neither OpenCX nor humans took the text: the claim is given back for the timer armed again', async () => {
    const refused = jest.fn(async () => {
      throw new Error('OpenCX 400');
    });
    const { deps: d, release, beginHandoff } = failingDeps(refused);
    await expect(resend(decision, known, d)).rejects.toThrow();
    expect(beginHandoff.mock.calls).toContainEqual([
      'CH1',
      expect.objectContaining({ reason: RATE_LIMITED_REASON }),
      known,
      undefined,
    ]);
    expect(release).toHaveBeenCalledWith('resend_WTtimer');
  });

  test('neither took it: the messages queued behind it are given back too, for their watchdogs to send', async () => {
    const refused = jest.fn(async (_session: string, _text: string) => {
      throw new Error('OpenCX 400');
    });
    const { deps: d, release, releaseMessage } = failingDeps(refused, ['IM3']);
    await expect(resend(decision, known, d)).rejects.toThrow();
    expect(refused.mock.calls[0][1]).toBe('Where is my parcel?\nCancel the delivery to my home');
    expect(release).toHaveBeenCalledWith('resend_WTtimer');
    expect(releaseMessage).toHaveBeenCalledWith('IM3');
  });

  test('a queued message whose claim cannot be told goes to humans with the text, not left to nobody', async () => {
    const send = jest.fn();
    // IM3's claim lands, but its answer is lost.
    const landed = new Map<string, string>();
    const claimLost = async (sid: string, by?: string) => {
      landed.set(sid, by!);
      return sid === 'IM3' ? Promise.reject(new Error('Sync 500')) : true;
    };
    const { deps: d, beginHandoff, releaseOwnMessage } = failingDeps(send, ['IM3', 'IM4'], claimLost);
    await expect(resend(decision, known, d)).rejects.toThrow();
    expect(send).not.toHaveBeenCalled();
    expect(beginHandoff.mock.calls).toContainEqual([
      'CH1',
      expect.objectContaining({ reason: RATE_LIMITED_REASON }),
      known,
      undefined,
    ]);
    // Every claim of this take is given back, IM3's too if it landed: their watchdogs send them.
    expect(releaseOwnMessage.mock.calls).toEqual(
      expect.arrayContaining([
        ['IM3', landed.get('IM3')],
        ['IM4', landed.get('IM4')],
      ]),
    );
    expect(landed.get('IM3')).toBe(landed.get('IM4'));
  });

  // Not to humans for a rate limit it did not hit: a watchdog looks for the answer.
  test('OpenCX took the text but the rest failed: watched, and the claim stays, so it is not sent twice', async () => {
    const answered = jest.fn(async () => ({
      reply: 'It ships today.',
      answerId: 'm1',
      handedOff: false,
      failed: false,
    }));
    const { deps: d, release, beginHandoff } = failingDeps(answered);
    // The handler's own time may be used up: the watchdog is armed with the last step's budget.
    const lastStepCreate = jest.fn(async () => 'WTlaststep');
    const withLastStep = {
      ...d,
      twilio: { taskrouter: { createTask: async () => Promise.reject(new Error('deadline exceeded')) } },
      lastStep: () => ({ taskrouter: { createTask: lastStepCreate } }),
    } as unknown as BridgeDeps;
    await expect(resend(decision, known, withLastStep)).resolves.toMatchObject({
      outcome: 'awaiting-answer',
      timerSid: 'WTlaststep',
      resendFailed: true,
    });
    expect(answered).toHaveBeenCalledTimes(1);
    const reasons = beginHandoff.mock.calls.map((call) => (call as unknown[])[1] as { reason: string });
    expect(reasons.map((r) => r.reason)).not.toContain(RATE_LIMITED_REASON);
    expect(release).not.toHaveBeenCalledWith('resend_WTtimer');
  });
});
