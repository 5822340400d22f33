import type { TaskRouterApi } from '../common/twilio';
import { aiWorkersIn, aiWorkerTest, restoreAfterTimeout } from './ai-worker';

const HERE = 'https://opencx-flex-1234.twil.io/webhook';

const AI_FILTER = { filter_friendly_name: 'OpenCX AI', expression: 'handedOff != true', targets: [{ queue: 'WQ_AI' }] };
const ROUTE = { aiQueueSid: 'WQ_AI', aiWorkerSids: ['WK1'] };

/** A workspace whose AI worker a reservation timeout left in the timeout activity ("Offline"). */
function workspace(
  eventCallbackUrl: string | null,
  eventsFilter: string | null = null,
  filters: Record<string, unknown>[] = [AI_FILTER],
) {
  const moved: string[] = [];
  const taskrouter = {
    fetchWorker: async () => ({
      sid: 'WK1',
      friendlyName: 'OpenCX AI',
      activitySid: 'WA_OFFLINE',
      activityName: 'Offline',
      available: false,
      attributes: {},
    }),
    fetchWorkspace: async () => ({
      sid: 'WS1',
      friendlyName: 'Flex',
      eventCallbackUrl,
      eventsFilter,
      timeoutActivitySid: 'WA_OFFLINE',
      defaultActivitySid: 'WA_OFFLINE',
    }),
    listActivities: async () => [
      { sid: 'WA_OFFLINE', friendlyName: 'Offline', available: false },
      { sid: 'WA_AVAILABLE', friendlyName: 'Available', available: true },
    ],
    listWorkflowRouting: async () => [
      {
        sid: 'WW1',
        friendlyName: 'Assign to Anyone',
        configuration: { task_routing: { filters, default_filter: { queue: 'WQ_EVERYONE' } } },
      },
    ],
    listTaskQueues: async () => [
      { sid: 'WQ_AI', friendlyName: 'OpenCX AI', targetWorkers: 'opencx_ai == true' },
      { sid: 'WQ_EVERYONE', friendlyName: 'Everyone', targetWorkers: '1==1' },
    ],
    updateWorkerActivity: async (_ws: string, _worker: string, activitySid: string) => {
      moved.push(activitySid);
    },
  } as unknown as TaskRouterApi;
  return { taskrouter, moved };
}

describe('restoreAfterTimeout', () => {
  test('puts the worker back while the workspace sends its events here (any settings version)', async () => {
    const { taskrouter, moved } = workspace(`${HERE}?cv=20261206-1`);
    expect(await restoreAfterTimeout(taskrouter, 'WS1', 'WK1', HERE, ROUTE)).toEqual({
      changed: true,
      from: 'Offline',
      to: 'Available',
    });
    expect(moved).toEqual(['WA_AVAILABLE']);
  });

  test('leaves it while the events go elsewhere or nowhere (an Undo parked it): nothing answers', async () => {
    const parked = [
      workspace(null),
      workspace('https://crm.example.com/taskrouter'),
      // Here, but without the offers (an Undo restored a filter that lacks them).
      workspace(HERE, 'task.created,task.completed,reservation.timeout'),
    ];
    for (const { taskrouter, moved } of parked) {
      const change = await restoreAfterTimeout(taskrouter, 'WS1', 'WK1', HERE);
      expect(change).toMatchObject({ changed: false, from: expect.stringContaining('offers go elsewhere') });
      expect(moved).toEqual([]);
    }
  });

  test('an AI worker Available again needs no other read: an unreadable workspace does not matter', async () => {
    const { taskrouter, moved } = workspace(HERE);
    const available = {
      ...taskrouter,
      fetchWorker: async () => ({ ...(await taskrouter.fetchWorker('WS1', 'WK1')), available: true }),
      fetchWorkspace: () => Promise.reject(new Error('503 Service Unavailable')),
    } as unknown as TaskRouterApi;
    expect(await restoreAfterTimeout(available, 'WS1', 'WK1', HERE, ROUTE)).toEqual({ changed: false });
    expect(moved).toEqual([]);
  });

  test('leaves it when an admin paused it while the workspace and workflows were read', async () => {
    const { taskrouter, moved } = workspace(HERE);
    let reads = 0;
    const paused = {
      ...taskrouter,
      fetchWorker: async () => ({
        ...(await taskrouter.fetchWorker('WS1', 'WK1')),
        ...(++reads > 1 && { activitySid: 'WA_BREAK', activityName: 'Break' }),
      }),
    } as unknown as TaskRouterApi;
    expect(await restoreAfterTimeout(paused, 'WS1', 'WK1', HERE, ROUTE)).toEqual({ changed: false, from: 'Break' });
    expect(moved).toEqual([]);
  });

  test('leaves it while no workflow routes chats to the AI (an Undo restored one): it would decline them', async () => {
    const everyone = { filter_friendly_name: 'Everyone', expression: '1==1', targets: [{ queue: 'WQ_EVERYONE' }] };
    const { taskrouter, moved } = workspace(HERE, null, [everyone]);
    const change = await restoreAfterTimeout(taskrouter, 'WS1', 'WK1', HERE, ROUTE);
    expect(change).toMatchObject({
      changed: false,
      from: expect.stringContaining('no workflow routes chats to the AI'),
    });
    expect(moved).toEqual([]);
  });
});

describe("the AI's workers where a conversation's task lives", () => {
  const config = {
    workspaceSid: 'WS_NOW',
    aiWorkerSid: 'WK1',
    aiWorkerSids: ['WK1', 'WK2'],
    aiDrainingWorkerSids: ['WK3'],
  };

  it("in the settings' workspace: their pool, draining workers included", () => {
    const isAi = aiWorkerTest(config, 'WS_NOW', ['WK_MARKED']);
    expect(['WK1', 'WK2', 'WK3', 'WK_MARKED', 'WK_HUMAN', undefined].map(isAi)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('in a workspace the settings left: the workers marked opencx_ai there, not the pool the settings name', () => {
    const isAi = aiWorkerTest(config, 'WS_BEFORE', ['WK_MARKED']);
    expect(['WK1', 'WK_MARKED', 'WK_HUMAN', undefined].map(isAi)).toEqual([false, true, false, false]);
    expect(aiWorkerTest(config, 'WS_BEFORE')('WK1')).toBe(false);
  });

  it("lists a left workspace's AI workers, and fails when it cannot, rather than take none for the AI's", async () => {
    const listed = { listWorkersMatching: async () => [{ sid: 'WK_MARKED' }] } as never;
    expect((await aiWorkersIn(listed, config, 'WS_BEFORE', () => undefined))('WK_MARKED')).toBe(true);
    const failing = { listWorkersMatching: () => Promise.reject(new Error('Twilio answered 503')) } as never;
    const warn = jest.fn();
    await expect(aiWorkersIn(failing, config, 'WS_BEFORE', warn)).rejects.toThrow('503');
    expect(warn).toHaveBeenCalled();
    // A workspace deleted since: no AI workers there.
    const deleted = {
      listWorkersMatching: () => Promise.reject(Object.assign(new Error('not found'), { status: 404 })),
    } as never;
    expect((await aiWorkersIn(deleted, config, 'WS_BEFORE', warn))('WK_MARKED')).toBe(false);
    // The settings' own workspace needs no listing.
    expect((await aiWorkersIn(failing, config, 'WS_NOW', warn))('WK2')).toBe(true);
  });
});
