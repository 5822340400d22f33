import type { ConversationRecord } from '../conversation-record';
import type { BridgeDeps, KnownRecord } from '../deps';
import { closeSessionNow, decline, end, recordHuman } from './lifecycle';

const HUMAN_TASK = 'WThuman';
const accepted = {
  action: 'record-human' as const,
  conversationSid: 'CH1',
  taskSid: HUMAN_TASK,
  reservationSid: 'WRhuman',
  workerSid: 'WKalice',
  workerName: 'Alice',
};
const handingOff: ConversationRecord = {
  workspaceSid: 'WS1',
  taskSid: HUMAN_TASK,
  phase: 'handoff',
  claimedAt: 0,
  sessionId: 'session-1',
  handoff: { reason: 'AI requested human handoff', at: '2026-12-02T09:55:00.000Z', routed: true },
};

/** The record as Sync holds it when the accept writes, which may differ from the one the accept was decided on. */
function depsWith(stored: ConversationRecord) {
  const sync = { record: stored };
  const sendAgentNote = jest.fn(async () => undefined);
  const deps = {
    state: {
      update: async (_sid: string, change: (record: ConversationRecord) => ConversationRecord | undefined) => {
        const next = change(sync.record);
        if (next) sync.record = next;
        return next && { record: next, revision: '2' };
      },
    },
    opencx: { sendAgentNote },
    deadline: { remaining: () => 5000 },
    warn: jest.fn(),
  } as unknown as BridgeDeps;
  return { deps, sync, sendAgentNote };
}

const decidedOn: KnownRecord = { record: handingOff, revision: '1' };

test('a human accept records the agent on the conversation and on the OpenCX session', async () => {
  const { deps, sync, sendAgentNote } = depsWith(handingOff);
  await expect(recordHuman(accepted, decidedOn, deps)).resolves.toMatchObject({ outcome: 'human-accepted' });
  expect(sync.record).toMatchObject({ phase: 'human', taskSid: HUMAN_TASK, humanWorkerSid: 'WKalice' });
  expect(sendAgentNote).toHaveBeenCalledTimes(1);
});

test('an accept whose agent handed the conversation back meanwhile leaves the handback alone', async () => {
  const handingBack: ConversationRecord = {
    ...handingOff,
    phase: 'handback',
    handback: {
      at: '2026-12-02T10:00:00.000Z',
      agentSid: 'WKalice',
      agentName: 'Alice',
      fromTaskSid: HUMAN_TASK,
      afterIndex: 4,
    },
  };
  const { deps, sync, sendAgentNote } = depsWith(handingBack);

  await expect(recordHuman(accepted, decidedOn, deps)).resolves.toMatchObject({ outcome: 'ignore' });

  expect(sync.record).toBe(handingBack);
  expect(sendAgentNote).not.toHaveBeenCalled();
});

test("an accept decided while handing off leaves a colleague's later accept, recorded meanwhile, alone", async () => {
  const bobHolds: ConversationRecord = {
    ...handingOff,
    phase: 'human',
    taskSid: 'WTbob',
    humanWorkerSid: 'WKbob',
    acceptedAt: 2_000,
  };
  const { deps, sync, sendAgentNote } = depsWith(bobHolds);

  await expect(recordHuman({ ...accepted, acceptedAt: 1_000 }, decidedOn, deps)).resolves.toMatchObject({
    outcome: 'ignore',
    reason: expect.stringMatching(/later accept/),
  });

  expect(sync.record).toBe(bobHolds);
  expect(sendAgentNote).not.toHaveBeenCalled();
  // A later one of its own is recorded, with its time.
  await expect(recordHuman({ ...accepted, acceptedAt: 3_000 }, decidedOn, deps)).resolves.toMatchObject({
    outcome: 'human-accepted',
  });
  expect(sync.record).toMatchObject({ taskSid: HUMAN_TASK, humanWorkerSid: 'WKalice', acceptedAt: 3_000 });
});

describe("a human's accept of another task completes the AI's task when no handoff of ours did", () => {
  const AI_TASK = 'WTai';
  /** The AI's task holds an accepted reservation of the AI worker; the settings' workspace is WS1. */
  function depsHolding(stored: ConversationRecord) {
    const { deps, sync } = depsWith(stored);
    const completed: string[] = [];
    const reservations = jest.fn(async (_ws: string, taskSid: string) =>
      taskSid === AI_TASK ? [{ sid: 'WRai', workerSid: 'WKai' }] : [],
    );
    Object.assign(deps, {
      config: { workspaceSid: 'WS1', aiWorkerSid: 'WKai' },
      twilio: {
        taskrouter: {
          reservations,
          completeReservation: async (_ws: string, taskSid: string, sid: string) =>
            void completed.push(`${taskSid}/${sid}`),
        },
      },
    });
    return { deps, sync, completed, reservations };
  }
  const aiHeld = { ...handingOff, taskSid: AI_TASK };

  test.each([
    ['the handoff was never recorded (its Sync write failed)', { ...aiHeld, phase: 'ai' } as ConversationRecord],
    ['the handoff is recorded but not finished', { ...aiHeld, handoff: { ...aiHeld.handoff!, routed: false } }],
    [
      'humans were found holding it after an unrecorded handoff',
      { ...aiHeld, handoff: { reason: 'Routed to humans', at: '2026-12-02T09:55:00.000Z', routed: true } },
    ],
  ])('%s', async (_, record) => {
    const { deps, sync, completed } = depsHolding(record);
    await expect(recordHuman(accepted, { record, revision: '1' }, deps)).resolves.toMatchObject({
      outcome: 'human-accepted',
    });
    expect(completed).toEqual([`${AI_TASK}/WRai`]);
    expect(sync.record).toMatchObject({ phase: 'human', taskSid: HUMAN_TASK });
  });

  test('a finished handoff of ours completed it already: not read again', async () => {
    const { deps, completed, reservations } = depsHolding(aiHeld);
    await recordHuman(accepted, { record: aiHeld, revision: '1' }, deps);
    expect(reservations).not.toHaveBeenCalled();
    expect(completed).toEqual([]);
  });
});

describe('decline of a task the conversation hands off', () => {
  const aiHandingOff: ConversationRecord = {
    ...handingOff,
    taskSid: 'WTai',
    handoff: { reason: 'AI requested human handoff', at: '2026-12-02T09:55:00.000Z', byAi: true },
  };
  const offer = {
    action: 'decline' as const,
    taskSid: 'WTai',
    reservationSid: 'WRagain',
    conversationSid: 'CH1',
    attributes: {},
    reason: 'conversation is already with humans (handoff)',
    summary: 'The conversation is with humans already.',
  };

  function depsDeclining(language?: string) {
    const { deps } = depsWith(aiHandingOff);
    const written: Record<string, unknown>[] = [];
    const getSession = jest.fn(async () => ({
      language,
      handoff: { summary: 'Wants a refund', sentiment: 'angry' },
    }));
    Object.assign(deps, {
      config: { workspaceSid: 'WS1', aiWorkerSid: 'WKai' },
      afterAnswerReserveMs: 0,
      now: () => new Date('2026-12-02T10:00:00.000Z'),
      opencx: { getSession },
      twilio: {
        taskrouter: {
          fetchTask: async () => ({ sid: 'WTai', assignmentStatus: 'reserved', attributes: {}, etag: '"1"' }),
          reservations: async () => [],
          updateTaskAttributes: async (_ws: string, _sid: string, attributes: Record<string, unknown>) => {
            written.push(attributes);
            return 'updated';
          },
          rejectReservation: async () => 'rejected',
        },
      },
    });
    return { deps, written, getSession };
  }

  // Its write may be the first of the handoff's time, which the handoff's own write then leaves as it is.
  test('writes what OpenCX adds to the recorded handoff: the language, the AI summary and sentiment', async () => {
    const { deps, written } = depsDeclining('de');
    await expect(decline(offer, { record: aiHandingOff, revision: '1' }, deps)).resolves.toMatchObject({
      outcome: 'declined',
      released: 'rejected',
    });
    expect(written).toEqual([
      expect.objectContaining({
        handedOff: true,
        handoffTimestamp: '2026-12-02T09:55:00.000Z',
        handoffLanguage: 'de',
        handoffSummary: 'Wants a refund',
        handoffSentiment: 'negative',
      }),
    ]);
  });

  test('a handoff that carries its facts asks OpenCX nothing', async () => {
    const record = {
      ...aiHandingOff,
      handoff: { ...aiHandingOff.handoff!, summary: 'Asked for a person', sentiment: 'happy', language: 'fr' },
    };
    const { deps, written, getSession } = depsDeclining('de');
    await decline(offer, { record, revision: '1' }, deps);
    expect(getSession).not.toHaveBeenCalled();
    expect(written[0]).toMatchObject({ handoffLanguage: 'fr', handoffSummary: 'Asked for a person' });
  });
});

describe('closeSessionNow (a session-close timer fired)', () => {
  const { OpenCxError } = jest.requireActual(
    '../../common/opencx-client',
  ) as typeof import('../../common/opencx-client');
  const timer = { action: 'close-session' as const, sessionId: 'session-1', status: 'closed_resolved' as const };
  const depsAnswering = (answer: () => Promise<void>) =>
    ({ opencx: { updateSessionStatus: answer }, deadline: { remaining: () => 5000 } }) as unknown as BridgeDeps;

  test('closes the session', async () => {
    const updateSessionStatus = jest.fn(async () => undefined);
    await expect(closeSessionNow(timer, depsAnswering(updateSessionStatus))).resolves.toMatchObject({
      outcome: 'session-closed',
    });
    expect(updateSessionStatus).toHaveBeenCalledWith('session-1', 'closed_resolved', expect.anything());
  });

  test('a transient failure fails the event (the timer is armed again); a refusal ends it', async () => {
    const unavailable = depsAnswering(() => Promise.reject(new OpenCxError('503', 503)));
    await expect(closeSessionNow(timer, unavailable)).rejects.toThrow('503');
    const gone = depsAnswering(() => Promise.reject(new OpenCxError('404', 404)));
    await expect(closeSessionNow(timer, gone)).resolves.toMatchObject({ outcome: 'ignore' });
  });
});

describe('end', () => {
  const AI_TASK = 'WTai';
  /** Sync holding `stored` when the end deletes; the session's close and the insight are counted. */
  function endWith(stored: ConversationRecord, claims = new Set<string>()) {
    const closed: string[] = [];
    const recordInsight = jest.fn(async () => undefined);
    const deps = {
      config: {},
      state: {
        forgetIf: async (_sid: string, still: (record: ConversationRecord) => boolean) =>
          still(stored) ? { gone: true, deleted: stored } : { gone: false },
        claimOnce: async (key: string) => !claims.has(key) && !!claims.add(key),
        recordInsight,
      },
      opencx: { updateSessionStatus: async (sessionId: string) => void closed.push(sessionId) },
      deadline: { remaining: () => 5000 },
      now: () => new Date('2026-12-02T10:00:00.000Z'),
      warn: jest.fn(),
    } as unknown as BridgeDeps;
    return { deps, closed, recordInsight };
  }
  const invited: ConversationRecord = {
    ...handingOff,
    taskSid: AI_TASK,
    handoff: { ...handingOff.handoff!, routed: false },
  };
  const ending = { action: 'end' as const, conversationSid: 'CH1', taskSid: HUMAN_TASK, reason: 'task.completed' };

  it("ends the conversation when the human's accept of the ended task was recorded beside the end", async () => {
    const { deps, closed } = endWith({ ...invited, phase: 'human', taskSid: HUMAN_TASK, humanWorkerSid: 'WKalice' });
    await expect(end(ending, { record: invited, revision: '1' }, deps)).resolves.toMatchObject({ outcome: 'ended' });
    expect(closed).toEqual(['session-1']);
  });

  it("is counted once per task, though the task's two end events both end it", async () => {
    const claims = new Set<string>();
    const timedOut = endWith(invited, claims);
    await end(
      { ...ending, taskSid: AI_TASK, reason: 'workflow.timeout' },
      { record: invited, revision: '1' },
      timedOut.deps,
    );
    // The delete of a record gone already reads as done (a 404), so the second end gets this far too.
    const canceled = endWith(invited, claims);
    await expect(
      end({ ...ending, taskSid: AI_TASK, reason: 'task.canceled' }, { record: invited, revision: '1' }, canceled.deps),
    ).resolves.toMatchObject({ outcome: 'ended' });
    expect(timedOut.recordInsight).toHaveBeenCalledTimes(1);
    expect(canceled.recordInsight).not.toHaveBeenCalled();
  });

  it('leaves a conversation engaged again in another session', async () => {
    const { deps, closed } = endWith({ ...invited, phase: 'ai', taskSid: HUMAN_TASK, sessionId: 'session-2' });
    await expect(end(ending, { record: invited, revision: '1' }, deps)).resolves.toMatchObject({ outcome: 'ignore' });
    expect(closed).toEqual([]);
  });
});
