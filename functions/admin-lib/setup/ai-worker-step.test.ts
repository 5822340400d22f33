import type { BridgeConfig } from '../../common/config';
import type { TaskRouterApi } from '../../common/twilio';
import {
  aiWorkerPlan,
  aiWorkerStep,
  heldUndoesAll,
  heldWorkersReport,
  openedMayStay,
  type PoolWorkerState,
  settleOf,
  whyHeldAfterApply,
} from './ai-worker-step';
import type { StepReport } from './steps';
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

describe('after the workflow step: the AI workers Apply opened stay Available only while chats reach the AI', () => {
  const report = (id: 'workflow_filters' | 'ai_worker', status: StepReport['status'], detail = ''): StepReport => ({
    id,
    title: id === 'ai_worker' ? 'AI worker' : 'Workflow filters',
    status,
    detail,
  });

  it('stay when a workflow routes chats to the AI as read now, whatever the workflow step reported', () => {
    // A write whose answer was lost (a 5xx) may have landed: the read tells.
    expect(openedMayStay(true, report('workflow_filters', 'failed'))).toBe(true);
    expect(openedMayStay(false, report('workflow_filters', 'applied'))).toBe(false);
    expect(openedMayStay(false, report('workflow_filters', 'failed'))).toBe(false);
  });

  it('when the workflows could not be read back, stay only if the workflow step applied or found it right', () => {
    expect(openedMayStay(undefined, report('workflow_filters', 'applied'))).toBe(true);
    expect(openedMayStay(undefined, report('workflow_filters', 'unchanged'))).toBe(true);
    expect(openedMayStay(undefined, report('workflow_filters', 'failed'))).toBe(false);
    expect(openedMayStay(undefined, report('workflow_filters', 'skipped'))).toBe(false);
    expect(openedMayStay(undefined, undefined)).toBe(false);
  });

  it('says why they were put back', () => {
    expect(whyHeldAfterApply(false, report('workflow_filters', 'failed'))).toBe(
      'no workflow routes chats to the AI (the workflow step failed)',
    );
    expect(whyHeldAfterApply(false, report('workflow_filters', 'skipped'))).toBe(
      'no workflow routes chats to the AI (the workflow step added no AI filter)',
    );
    expect(whyHeldAfterApply(false, report('workflow_filters', 'applied'))).toBe('no workflow routes chats to the AI');
    expect(whyHeldAfterApply(undefined, report('workflow_filters', 'failed'))).toBe(
      'the workflows could not be read back, and the workflow step failed',
    );
  });

  const why = 'no workflow routes chats to the AI (the workflow step failed)';
  const opened = report('ai_worker', 'applied', `"OpenCX AI" (${WK}): made Available.`);
  const putBack = [`"OpenCX AI" (${WK}) to "Offline"`];

  it('is skipped when opening them was all it wrote and every one is back: the workers are held', () => {
    expect(heldWorkersReport(opened, { putBack, stillOpen: [], onlyActivity: true }, why)).toEqual({
      ...opened,
      status: 'skipped',
      detail:
        `"OpenCX AI" (${WK}): made Available. Put back to their activity before Apply, as ${why}: ` +
        `"OpenCX AI" (${WK}) to "Offline". They are made Available by the next Apply whose workflow step routes ` +
        'chats to the AI.',
    });
  });

  it('stays applied when it repaired more than the activity, saying which workers are held', () => {
    const held = heldWorkersReport(opened, { putBack, stillOpen: [], onlyActivity: false }, why);
    expect(held.status).toBe('applied');
    expect(held.detail).toContain(`Put back to their activity before Apply, as ${why}: "OpenCX AI" (${WK})`);
  });

  it('fails when a worker could not be put back, naming it and what to do', () => {
    const stillOpen = [`"OpenCX AI 2" (${WK2}): Twilio answered 503: Service Unavailable`];
    const held = heldWorkersReport(opened, { putBack, stillOpen, onlyActivity: true }, why);
    expect(held.status).toBe('failed');
    expect(held.detail).toContain(`Still Available though ${why}: "OpenCX AI 2" (${WK2}): Twilio answered 503`);
    expect(held.detail).toContain('set them Offline in TaskRouter, or apply again.');
  });

  it('stays failed when its own write failed, and is left as it was when no worker had been opened', () => {
    const failed = report('ai_worker', 'failed', 'Could not write it: Twilio answered 500: boom.');
    expect(heldWorkersReport(failed, { putBack, stillOpen: [], onlyActivity: true }, why).status).toBe('failed');
    expect(heldWorkersReport(failed, { putBack: [], stillOpen: [], onlyActivity: true }, why)).toBe(failed);
  });
});

describe('the AI worker step settled after the last stage', () => {
  const AVAILABLE = 'WA' + '9'.repeat(32);
  const OFFLINE = 'WA' + '1'.repeat(32);
  const BREAK = 'WA' + '3'.repeat(32);
  const activities = [
    { sid: AVAILABLE, friendlyName: 'Available', available: true },
    { sid: OFFLINE, friendlyName: 'Offline', available: false },
    { sid: BREAK, friendlyName: 'Break', available: false },
  ];
  const config = { workspaceSid: WS, aiWorkerSid: WK } as BridgeConfig;
  const failedWorkflow: StepReport = {
    id: 'workflow_filters',
    title: 'Workflow filters',
    status: 'failed',
    detail: '',
  };

  /**
   * A TaskRouter over one worker's activity (`worker`, shared): every request fails once `spent` is set, as one
   * whose budget a hung request used up; `failing` names the requests that fail (`update`, `fetch`).
   */
  function taskrouterOf(worker = { activitySid: OFFLINE }, spent = { now: false }, failing: string[] = []) {
    const updates: [string, string][] = [];
    const answer =
      <T>(value: () => T, name = '') =>
      async () => {
        if (spent.now) throw new Error('no time left for GET https://taskrouter.twilio.com/v1/Workspaces');
        if (failing.includes(name)) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
        return value();
      };
    const api = {
      listActivities: answer(() => activities),
      listWorkflowRouting: answer(() => []),
      listTaskQueues: answer(() => []),
      fetchWorker: answer(() => ({ sid: WK, friendlyName: 'OpenCX AI', activitySid: worker.activitySid }), 'fetch'),
      updateWorkerActivity: async (_ws: string, sid: string, activitySid: string) => {
        await answer(() => undefined, 'update')();
        updates.push([sid, activitySid]);
        worker.activitySid = activitySid;
      },
    } as unknown as TaskRouterApi;
    return { api, updates, spent, worker };
  }

  /** The step, having made the offline worker Available through `stages`; it settles through `settling`. */
  async function opened(stages: ReturnType<typeof taskrouterOf>, settling: ReturnType<typeof taskrouterOf>) {
    const step = aiWorkerStep(
      stages.api,
      config,
      () => undefined,
      () => settling.api,
    );
    const plan = step.plan([serving({ available: false, activitySid: OFFLINE })], []);
    if (plan.kind !== 'write') throw new Error(`expected a write, got ${plan.kind}`);
    const status = await plan.write().then(
      () => 'applied' as const,
      () => 'failed' as const,
    );
    const own: StepReport = { id: 'ai_worker', title: 'AI worker', status, detail: plan.detail };
    return { step, own };
  }

  it('puts the workers back on a budget of its own when the stages used theirs up', async () => {
    const stages = taskrouterOf();
    const settling = taskrouterOf(stages.worker);
    const { step, own } = await opened(stages, settling);
    expect(stages.updates).toEqual([[WK, AVAILABLE]]);
    // The workflow step's request hung until the stages' budget ran out.
    stages.spent.now = true;

    const settled = await step.settle!(own, [own, failedWorkflow]);

    expect(settling.updates).toEqual([[WK, OFFLINE]]);
    expect(settled).toMatchObject({ report: { status: 'skipped' }, undone: true });
    expect(settled.report.detail).toContain(`"OpenCX AI" (${WK}) to "Offline"`);
  });

  it('puts back nothing for a worker whose opening write failed, and says it is not Available', async () => {
    const stages = taskrouterOf(undefined, undefined, ['update']);
    const settling = taskrouterOf(stages.worker);
    const { step, own } = await opened(stages, settling);
    expect(own.status).toBe('failed');

    const settled = await step.settle!(own, [own, failedWorkflow]);

    expect(settling.updates).toEqual([]);
    expect(settled.report.status).toBe('failed');
    expect(settled.report.detail).not.toContain('Put back');
    expect(settled.report.detail).toContain(
      `Not Available, already in their activity before Apply: "OpenCX AI" (${WK}) in "Offline".`,
    );
    expect(settled.undone).toBe(true);
  });

  it('leaves a worker whose activity was changed since Apply opened it, saying so', async () => {
    const stages = taskrouterOf();
    const settling = taskrouterOf(stages.worker);
    const { step, own } = await opened(stages, settling);
    // An admin pauses the AI while the workflow step runs.
    stages.worker.activitySid = BREAK;

    const settled = await step.settle!(own, [own, failedWorkflow]);

    expect(settling.updates).toEqual([]);
    expect(stages.worker.activitySid).toBe(BREAK);
    expect(settled.report.detail).not.toContain('Put back');
    expect(settled.report.detail).toContain(
      `Left as they are, their activity changed since Apply: "OpenCX AI" (${WK}) in "Break".`,
    );
  });

  it('puts a worker back when it cannot be read: left Available, it would be offered chats', async () => {
    const stages = taskrouterOf();
    const settling = taskrouterOf(stages.worker, undefined, ['fetch']);
    const { step, own } = await opened(stages, settling);

    const settled = await step.settle!(own, [own, failedWorkflow]);

    expect(settling.updates).toEqual([[WK, OFFLINE]]);
    expect(settled.report.detail).toContain(`"OpenCX AI" (${WK}) to "Offline"`);
  });

  it('reads nothing once the workflow step applied its filter', async () => {
    const settling = taskrouterOf(undefined, { now: true });
    const { step, own } = await opened(taskrouterOf(), settling);
    const applied = { ...failedWorkflow, status: 'applied' as const };
    await expect(step.settle!(own, [own, applied])).resolves.toEqual({ report: own, undone: false });
    expect(settling.updates).toEqual([]);
  });
});

describe('heldUndoesAll: nothing of the step is left once it settled', () => {
  const held = { putBack: ['"OpenCX AI" (WK…) to "Offline"'], stillOpen: [], onlyActivity: true };

  it('when it only opened workers and none is still open', () => {
    expect(heldUndoesAll(held)).toBe(true);
    expect(heldUndoesAll({ ...held, stillOpen: ['"OpenCX AI 2" (WK…): 503'] })).toBe(false);
  });

  it('not when it repaired more than their activity: the skill and channels stay', () => {
    expect(heldUndoesAll({ ...held, onlyActivity: false })).toBe(false);
  });
});

describe('settleOf: a worker Apply opened, as read back', () => {
  const worker = { activitySid: 'WA-offline' };

  it('is put back only while in the activity Apply set, or when it could not be read', () => {
    expect(settleOf(worker, 'WA-available', { activitySid: 'WA-available' })).toBe('put_back');
    expect(settleOf(worker, 'WA-available', 'unread')).toBe('put_back');
  });

  it('is left when back in its activity before, in one set since, or never opened', () => {
    expect(settleOf(worker, 'WA-available', { activitySid: 'WA-offline' })).toBe('already_back');
    expect(settleOf(worker, 'WA-available', { activitySid: 'WA-break' })).toBe('changed');
    expect(settleOf(worker, undefined, 'unread')).toBe('already_back');
    expect(settleOf(worker, 'WA-available', undefined)).toBe('gone');
  });
});
