import { aiWorkerPlan, type PoolWorkerState } from './ai-worker-step';
import { WK, WS } from './fixtures.testing';

const WK2 = 'WK' + '2'.repeat(32);
const serving = (over: Partial<Extract<PoolWorkerState, { friendlyName: string }>> = {}): PoolWorkerState => ({
  sid: WK,
  friendlyName: 'OpenCX AI',
  activitySid: 'WA' + '1'.repeat(32),
  available: true,
  attributes: { opencx_ai: true, routing: { skills: ['opencx_ai'] } },
  channels: [
    { sid: 'WC' + '1'.repeat(32), taskChannel: 'chat', capacity: 50, available: true },
    { sid: 'WC' + '2'.repeat(32), taskChannel: 'voice', capacity: 1, available: false },
  ],
  ...over,
});

describe('aiWorkerPlan: Apply repairs the saved AI workers', () => {
  const write = jest.fn(async () => undefined);

  it('changes nothing when every worker serves', () => {
    expect(aiWorkerPlan([serving()], WS, write)).toEqual({
      kind: 'unchanged',
      detail: 'Every AI worker (1) is Available with chat open.',
    });
  });

  it('makes an offline worker Available and opens its closed chat, backing up the worker as it was', () => {
    const broken = serving({
      available: false,
      channels: [{ sid: 'WC' + '1'.repeat(32), taskChannel: 'chat', capacity: 50, available: false }],
    });
    const plan = aiWorkerPlan([broken, serving({ sid: WK2, friendlyName: 'OpenCX AI 2' })], WS, write);
    expect(plan).toMatchObject({
      kind: 'write',
      detail: `"OpenCX AI" (${WK}): made Available, chat and sms opened at their capacity, other channels closed.`,
      backup: {
        kind: 'ai_workers',
        workspaceSid: WS,
        workers: [
          {
            workerSid: WK,
            activitySid: 'WA' + '1'.repeat(32),
            channels: [{ taskChannel: 'chat', available: false, capacity: 50 }],
          },
        ],
      },
    });
    if (plan.kind !== 'write') throw new Error('expected a write');
    void plan.write();
    expect(write).toHaveBeenCalledWith([{ sid: WK, reopen: true, makeAvailable: true }]);
  });

  it('makes no worker Available while offers would reach no Function, and repairs the rest', () => {
    const why = "TaskRouter's event callback is not set to this deployment";
    expect(aiWorkerPlan([serving({ available: false })], WS, write, why)).toEqual({
      kind: 'skipped',
      detail: `Not made Available while ${why}: "OpenCX AI" (${WK}); apply again once it is.`,
    });
    const closed = serving({
      available: false,
      channels: [{ sid: 'WC' + '1'.repeat(32), taskChannel: 'chat', capacity: 50, available: false }],
    });
    const plan = aiWorkerPlan([closed], WS, write, why);
    expect(plan).toMatchObject({
      kind: 'write',
      detail:
        `"OpenCX AI" (${WK}): chat and sms opened at their capacity, other channels closed.` +
        ` Not made Available while ${why}: "OpenCX AI" (${WK}); apply again once it is.`,
    });
    if (plan.kind !== 'write') throw new Error('expected a write');
    void plan.write();
    expect(write).toHaveBeenLastCalledWith([{ sid: WK, reopen: true, makeAvailable: false }]);
  });

  it('says when no worker of the pool is in the workspace, so the AI is not routed chats', () => {
    expect(
      aiWorkerPlan(
        [
          { sid: WK, missing: true },
          { sid: WK2, missing: true },
        ],
        WS,
        write,
      ),
    ).toEqual({
      kind: 'skipped',
      detail: `No AI worker of the saved pool is in the workspace: ${WK}, ${WK2}; Test & Save creates them.`,
    });
  });

  it('leaves a missing worker to Test & Save, and says so', () => {
    expect(aiWorkerPlan([serving(), { sid: WK2, missing: true }], WS, write)).toEqual({
      kind: 'skipped',
      detail: `Every AI worker found serves. Not in the workspace: ${WK2}; Test & Save creates the missing AI workers.`,
    });
  });
});
