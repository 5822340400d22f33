import type { TaskRouterApi } from '../common/twilio';
import { restoreAfterTimeout } from './ai-worker';

const HERE = 'https://opencx-flex-1234.twil.io/webhook';

/** A workspace whose AI worker a reservation timeout left in the timeout activity ("Offline"). */
function workspace(eventCallbackUrl: string | null, eventsFilter: string | null = null) {
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
    updateWorkerActivity: async (_ws: string, _worker: string, activitySid: string) => {
      moved.push(activitySid);
    },
  } as unknown as TaskRouterApi;
  return { taskrouter, moved };
}

describe('restoreAfterTimeout', () => {
  test('puts the worker back while the workspace sends its events here (any settings version)', async () => {
    const { taskrouter, moved } = workspace(`${HERE}?cv=20261206-1`);
    expect(await restoreAfterTimeout(taskrouter, 'WS1', 'WK1', HERE)).toEqual({
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
});
