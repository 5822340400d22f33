import type { TaskRouterApi } from '../common/twilio';
import { decide, timerToRearm } from './decide';
import type { TaskRouterEvent } from './events';
import { ACCOUNT, AI_WORKER, BRIDGE_CONFIG as CONFIG, WORKSPACE as WS } from './fixtures.testing';
import { offerRouteOf, targetsWorkerThrough } from './offer-queue';

const EVERYONE = 'WQ' + 'e'.repeat(32);
const WORKFLOW = 'WW' + 'f'.repeat(32);

const routing = (targets: object[]) => JSON.stringify({ task_routing: { filters: [{ expression: '1==1', targets }] } });

describe('targetsWorkerThrough', () => {
  it.each([
    ['names the worker', [{ queue: EVERYONE, known_worker_sid: AI_WORKER }], true],
    ['selects by opencx_ai', [{ queue: EVERYONE, expression: 'worker.opencx_ai == true' }], true],
    ['another worker', [{ queue: EVERYONE, known_worker_sid: 'WK' + '9'.repeat(32) }], false],
    ['the queue alone', [{ queue: EVERYONE }], false],
    ['through another queue', [{ queue: 'WQ' + 'a'.repeat(32), known_worker_sid: AI_WORKER }], false],
  ])('a target that %s: %s', (_, targets, expected) => {
    expect(targetsWorkerThrough(routing(targets), EVERYONE, AI_WORKER)).toBe(expected);
  });

  it('reads a Configuration that is not JSON as no such target', () => {
    expect(targetsWorkerThrough('not json', EVERYONE, AI_WORKER)).toBe(false);
  });
});

describe('offerRouteOf', () => {
  const offer = (over: Partial<TaskRouterEvent> = {}): TaskRouterEvent => ({
    surface: 'taskrouter',
    type: 'reservation.created',
    eventSid: 'EV1',
    accountSid: ACCOUNT,
    workspaceSid: WS,
    taskSid: 'WT1',
    reservationSid: 'WR1',
    workerSid: AI_WORKER,
    workerIsAi: true,
    taskAttributes: { conversationSid: 'CH1' },
    taskQueueSid: EVERYONE,
    workflowSid: WORKFLOW,
    ...over,
  });
  function taskrouter(configuration: string | undefined = routing([{ queue: EVERYONE }])) {
    const reads: string[] = [];
    const api = {
      fetchTaskQueue: async (_: string, sid: string) => {
        reads.push(sid);
        return { sid, friendlyName: 'Everyone', targetWorkers: '1==1' };
      },
      fetchWorkflowConfigurationText: async (_: string, sid: string) => {
        reads.push(sid);
        return configuration;
      },
    } as unknown as TaskRouterApi;
    return { api, reads };
  }

  it('reads the queue and the workflow of an offer to an AI worker, then keeps them a minute', async () => {
    const { api, reads } = taskrouter();
    const event = offer({ taskQueueSid: 'WQ' + '1'.repeat(32) });
    const route = { sid: event.taskQueueSid, friendlyName: 'Everyone', targetWorkers: '1==1', aiTarget: false };
    await expect(offerRouteOf(event, api, 0)).resolves.toEqual(route);
    await expect(offerRouteOf(event, api, 59_000)).resolves.toEqual(route);
    expect(reads).toEqual([event.taskQueueSid, WORKFLOW]);
    await offerRouteOf(event, api, 61_000);
    expect(reads).toHaveLength(4);
  });

  it('reads nothing for another event, and gives nothing when a read fails', async () => {
    const { api, reads } = taskrouter();
    await expect(offerRouteOf(offer({ workerIsAi: false }), api)).resolves.toBeUndefined();
    await expect(offerRouteOf(offer({ type: 'reservation.accepted' }), api)).resolves.toBeUndefined();
    expect(reads).toEqual([]);
    const failing = { ...api, fetchWorkflowConfigurationText: () => Promise.reject(new Error('503')) };
    await expect(
      offerRouteOf(offer({ taskQueueSid: 'WQ' + '2'.repeat(32) }), failing as unknown as TaskRouterApi),
    ).resolves.toBeUndefined();
  });

  it('gives the offer timer the same route: an offer declined for its queue is declined again', async () => {
    const withTimer = { ...CONFIG, timerWorkspaceSid: 'WS' + '7'.repeat(32), timerWorkflowSid: 'WW' + '7'.repeat(32) };
    const offered = offer({ taskQueueSid: 'WQ' + '3'.repeat(32) });
    const timer = timerToRearm(offered, withTimer)!;
    expect(timer).toMatchObject({ offerWorkspaceSid: WS, taskQueueSid: offered.taskQueueSid, workflowSid: WORKFLOW });
    const fired: TaskRouterEvent = {
      ...offer(),
      type: 'task.canceled',
      workspaceSid: withTimer.timerWorkspaceSid,
      taskSid: 'WT9',
      taskAttributes: timer,
      workerIsAi: false,
      taskQueueSid: undefined,
      workflowSid: undefined,
    };
    const route = await offerRouteOf(fired, taskrouter().api);
    expect(route).toMatchObject({ sid: offered.taskQueueSid, aiTarget: false });
    expect(decide(fired, { config: withTimer, offerRoute: route })).toMatchObject({ action: 'decline' });
  });
});
