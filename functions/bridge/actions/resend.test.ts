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

function deps(over: { createTask?: jest.Mock; claimOnce?: jest.Mock; timers?: boolean } = {}) {
  const createTask = over.createTask ?? jest.fn(async () => 'WTtimer');
  const claimOnce = over.claimOnce ?? jest.fn(async () => true);
  const timers = over.timers ?? true;
  return {
    createTask,
    claimOnce,
    deps: {
      config: {
        aiAnswerTimeoutSeconds: 60,
        ...(timers ? { timerWorkspaceSid: 'WStimers', timerWorkflowSid: 'WWtimers' } : {}),
      },
      twilio: { taskrouter: { createTask } },
      state: { claimOnce },
      now: () => new Date(NOW),
      warn: jest.fn(),
    } as unknown as BridgeDeps,
  };
}

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

  /** Sync fails for everything but the resend's own claim: neither the answer nor the handoff can be written. */
  function failingDeps(send: jest.Mock) {
    const release = jest.fn(async () => undefined);
    const syncDown = async () => {
      throw new Error('Sync 503');
    };
    const { deps: d } = deps();
    const beginHandoff = jest.fn(syncDown);
    const state = new Proxy({ claimOnce: async () => true, release, beginHandoff } as Record<string, unknown>, {
      get: (target, name: string) => target[name] ?? syncDown,
    });
    const reserve = { afterAnswerReserveMs: 1000, maxAnswerWaitMs: 5000 };
    const deadline = { remaining: () => 8000 };
    return {
      release,
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
    expect(beginHandoff).toHaveBeenCalledWith('CH1', expect.objectContaining({ reason: RATE_LIMITED_REASON }), known);
    expect(release).toHaveBeenCalledWith('resend_WTtimer');
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
