import { AI_QUEUE_NAME, AI_QUEUE_TARGET_WORKERS, aiQueueFor, freeAiQueueName, isAiQueueName } from './ai-queue';
import { aiQueuePlan, bridgeNotReady } from './ai-routing-steps';
import type { CheckId } from './check';
import { aiMembership } from './expressions';
import { AI_QUEUE, HUMAN_QUEUE, WK, WS } from './fixtures.testing';
import { NO_AI_WORKER_FOUND, type StepReport, type StepStatus } from './steps';

const human = { sid: HUMAN_QUEUE, friendlyName: 'Support', targetWorkers: "role == 'agent'" };
const ours = { sid: AI_QUEUE, friendlyName: AI_QUEUE_NAME, targetWorkers: AI_QUEUE_TARGET_WORKERS };
const other = { sid: 'WQ' + 'c'.repeat(32), friendlyName: 'Bots', targetWorkers: 'opencx_ai == true' };

describe('the AI queue', () => {
  it("selects exactly the AI pool, and the doctor reads it as the AI's", () => {
    expect(AI_QUEUE_TARGET_WORKERS).toBe("opencx_ai == true AND routing.skills HAS 'opencx_ai'");
    expect(aiMembership(AI_QUEUE_TARGET_WORKERS)).toBe('includes');
  });

  it('is the saved one if in the workspace, else one serving the AI, "OpenCX AI" first; a saved one gone: none', () => {
    expect(aiQueueFor([human, other, ours], HUMAN_QUEUE)).toBe(human);
    expect(aiQueueFor([human, other, ours], undefined)).toBe(ours);
    expect(aiQueueFor([human, other], undefined)).toBe(other);
    expect(aiQueueFor([human], undefined)).toBeUndefined();
    expect(aiQueueFor([human, ours], 'WQ' + 'f'.repeat(32))).toBeUndefined();
  });

  it('is created under a name no queue has (TaskRouter refuses one in use), which Undo knows as ours', () => {
    expect(freeAiQueueName([human])).toBe('OpenCX AI');
    const named = (friendlyName: string) => ({ friendlyName });
    expect(freeAiQueueName([human, named('OpenCX AI')])).toBe('OpenCX AI (2)');
    expect(freeAiQueueName([named('OpenCX AI'), named('OpenCX AI (2)'), named('OpenCX AI (4)')])).toBe('OpenCX AI (3)');
    expect(['OpenCX AI', 'OpenCX AI (2)', 'OpenCX AI (production)', 'OpenCX AI 2'].map(isAiQueueName)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('is created only when there is none and the settings name none, reported by the name it got', async () => {
    const create = jest.fn(async () => 'OpenCX AI (2)');
    expect(aiQueuePlan(ours, undefined, create, WS)).toEqual({
      kind: 'unchanged',
      detail: `The AI queue is "OpenCX AI" (${AI_QUEUE}).`,
    });
    expect(aiQueuePlan(undefined, 'WQ' + 'f'.repeat(32), create, WS)).toMatchObject({
      kind: 'skipped',
      detail: expect.stringMatching(/saved in the settings is not in the workspace/),
    });
    const plan = aiQueuePlan(undefined, undefined, create, WS);
    expect(plan).toMatchObject({
      kind: 'write',
      detail: `Created the queue "OpenCX AI" with the AI workers as its Target Workers (${AI_QUEUE_TARGET_WORKERS}).`,
      backup: { kind: 'ai_queue', workspaceSid: WS },
    });
    expect(create).not.toHaveBeenCalled();
    if (plan.kind !== 'write') throw new Error('a write was planned');
    await plan.write();
    expect(create).toHaveBeenCalledTimes(1);
    expect(plan.doneDetail?.()).toMatch(/^Created the queue "OpenCX AI \(2\)" with the AI workers/);
  });
});

describe("the AI's routing waits for the bridge's webhooks and worker", () => {
  const report = (id: CheckId, status: StepStatus): StepReport => ({ id, title: id, status, detail: '' });

  it('may route chats to the AI once the callback, the webhook and the worker are applied or were right', () => {
    expect(bridgeNotReady([])).toBeUndefined();
    expect(
      bridgeNotReady([
        report('workspace_events', 'applied'),
        report('conversations_webhook', 'unchanged'),
        report('timer_workspace', 'failed'),
        report('ai_worker', 'applied'),
      ]),
    ).toBeUndefined();
    // Some of the pool's workers are missing (Test & Save makes them), those found serve.
    expect(bridgeNotReady([report('workspace_events', 'unchanged'), report('ai_worker', 'skipped')])).toBeUndefined();
  });

  it('may not while any of them was skipped or failed, and says which', () => {
    expect(
      bridgeNotReady([
        report('workspace_events', 'skipped'),
        report('conversations_webhook', 'applied'),
        report('ai_worker', 'failed'),
      ]),
    ).toBe("TaskRouter's event callback is not set to this deployment, and the AI worker is not ready");
    expect(bridgeNotReady([report('conversations_webhook', 'skipped')])).toBe(
      'the Conversations webhook is not set to this deployment',
    );
    // No worker of the pool is in the workspace: nobody would take the AI's offers.
    const noneFound = {
      ...report('ai_worker', 'skipped'),
      detail: `${NO_AI_WORKER_FOUND}: ${WK}; Test & Save creates them.`,
    };
    expect(bridgeNotReady([report('workspace_events', 'unchanged'), noneFound])).toBe('the AI worker is not ready');
  });
});
