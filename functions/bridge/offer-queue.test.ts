import type { TaskRouterApi } from '../common/twilio';
import { decide, timerToRearm } from './decide';
import type { TaskRouterEvent } from './events';
import { ACCOUNT, AI_WORKER, BRIDGE_CONFIG as CONFIG, CONVERSATION, WORKSPACE as WS } from './fixtures.testing';
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
    taskAttributes: { conversationSid: CONVERSATION },
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

  it('gives the offer timer the route its first handling read: declined again without reading it', async () => {
    const withTimer = { ...CONFIG, timerWorkspaceSid: 'WS' + '7'.repeat(32), timerWorkflowSid: 'WW' + '7'.repeat(32) };
    const offered = offer({ taskQueueSid: 'WQ' + '3'.repeat(32) });
    const route = await offerRouteOf(offered, taskrouter().api);
    expect(decide(offered, { config: withTimer, offerRoute: route })).toMatchObject({ action: 'decline' });
    const timer = timerToRearm(offered, withTimer, route)!;
    expect(timer).toMatchObject({ offerRoute: route });
    const fired = (attributes: Record<string, unknown>): TaskRouterEvent => ({
      ...offer(),
      type: 'task.canceled',
      workspaceSid: withTimer.timerWorkspaceSid,
      taskSid: 'WT9',
      taskAttributes: attributes,
      workerIsAi: false,
      taskQueueSid: undefined,
      workflowSid: undefined,
    });
    // The timer's own handling reads no route (a read then may fail): the carried one decides.
    const failing = { fetchTaskQueue: () => Promise.reject(new Error('503')) } as unknown as TaskRouterApi;
    await expect(offerRouteOf(fired(timer), failing)).resolves.toBeUndefined();
    expect(decide(fired(timer), { config: withTimer })).toMatchObject({ action: 'decline' });
    expect(decide(fired({ ...timer, offerRoute: { ...route, aiTarget: true } }), { config: withTimer })).toMatchObject({
      action: 'engage',
    });
    // Armed without a route (it could not be read): decided as before.
    expect(decide(fired(timerToRearm(offered, withTimer)!), { config: withTimer })).toMatchObject({ action: 'engage' });
  });
});
