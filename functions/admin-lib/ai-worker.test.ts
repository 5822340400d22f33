import type { TaskRouterApi, WorkerChannel } from '../common/twilio';
import { ensureAiPool, openNewAiWorkers, retireAiWorker, retireFormerAiWorkers } from './ai-worker';
import { AI_WORKER_NAME, AI_WORKER_SKILL } from './settings';

// Shrinking the pool, and retiring an AI worker (Uninstall), against a TaskRouter that offers the
// worker a task while it runs.

const WORKSPACE = 'WS1';
const KEPT = 'WKkept';
const SURPLUS = 'WKsurplus';
/** This deployment's webhook. */
const HERE = 'https://staging-5678.twil.io/webhook';

const open = (held: number): WorkerChannel[] => [
  { sid: 'chat', taskChannel: 'chat', capacity: 50, available: true, assignedTasks: held },
  { sid: 'sms', taskChannel: 'sms', capacity: 50, available: true, assignedTasks: 0 },
];
const aiWorker = (sid: string, friendlyName: string) => ({
  sid,
  friendlyName,
  attributes: { opencx_ai: true, routing: { skills: [AI_WORKER_SKILL] } },
  activitySid: 'WAavailable',
  activityName: 'Available',
  available: true,
});

/**
 * `offeredWhileSaving`: TaskRouter reserves a task for the surplus worker after the save read it idle.
 * `pendingUncounted`: the surplus worker holds that many pending reservations its channels' assigned_tasks leave out.
 */
function taskRouter(offeredWhileSaving: boolean, pendingUncounted = 0) {
  const channels: Record<string, WorkerChannel[]> = { [KEPT]: open(3), [SURPLUS]: open(0) };
  const deleted: string[] = [];
  const reservationReads: string[] = [];
  let reads = 0;
  const api = {
    workerReservations: async (_ws: string, sid: string, statuses: readonly string[]) => {
      reservationReads.push(sid);
      const held = sid === SURPLUS ? Array.from({ length: pendingUncounted }, () => ({ status: 'pending' })) : [];
      return held.filter((reservation) => statuses.includes(reservation.status));
    },
    // As TaskRouter lists workers: without their attributes.
    listWorkersMatching: async () =>
      [aiWorker(KEPT, AI_WORKER_NAME), aiWorker(SURPLUS, `${AI_WORKER_NAME} 2`)].map(
        ({ attributes: _, ...listed }) => listed,
      ),
    fetchWorker: async (_ws: string, sid: string) =>
      aiWorker(sid, sid === KEPT ? AI_WORKER_NAME : `${AI_WORKER_NAME} 2`),
    listWorkerChannels: async (_ws: string, sid: string) => {
      if (sid === SURPLUS && ++reads === 2 && offeredWhileSaving) channels[SURPLUS][0].assignedTasks = 1;
      return channels[sid].map((channel) => ({ ...channel }));
    },
    updateWorkerChannel: async (_ws: string, sid: string, channelSid: string, update: { available?: boolean }) => {
      const channel = channels[sid].find((c) => c.sid === channelSid)!;
      if (update.available !== undefined) channel.available = update.available;
    },
    fetchWorkerRouting: async (_ws: string, sid: string) => channels[sid] && { sid, channels: channels[sid] },
    fetchWorkspaceCallback: async () => ({ eventCallbackUrl: `${HERE}?cv=1`, eventsFilter: null }),
    deleteWorker: async (_ws: string, sid: string) => {
      deleted.push(sid);
      return 'deleted' as const;
    },
  };
  return { api: api as unknown as TaskRouterApi, channels, deleted, reservationReads };
}

const stored = { pool: [KEPT, SURPLUS], draining: [] };

test('an idle surplus worker is closed, then deleted', async () => {
  const { api, channels, deleted } = taskRouter(false);
  const pool = await ensureAiPool(api, WORKSPACE, stored, 1, 'AI', true);
  expect(pool).toMatchObject({ pool: [KEPT], draining: [], removed: [SURPLUS] });
  expect(deleted).toEqual([SURPLUS]);
  expect(channels[SURPLUS].every((channel) => !channel.available)).toBe(true);
});

test('a surplus worker offered a task after the save read it idle is kept, closed and draining', async () => {
  const { api, channels, deleted } = taskRouter(true);
  const pool = await ensureAiPool(api, WORKSPACE, stored, 1, 'AI', true);
  expect(deleted).toEqual([]);
  expect(pool).toMatchObject({ pool: [KEPT], draining: [SURPLUS], removed: [] });
  expect(channels[SURPLUS].every((channel) => !channel.available)).toBe(true);
});

test('a surplus worker with no task on its channels but pending reservations is kept, draining', async () => {
  const { api, channels, deleted, reservationReads } = taskRouter(false, 2);
  const pool = await ensureAiPool(api, WORKSPACE, stored, 1, 'AI', true);
  expect(deleted).toEqual([]);
  expect(pool).toMatchObject({ pool: [KEPT], draining: [SURPLUS], removed: [] });
  expect(channels[SURPLUS].every((channel) => !channel.available)).toBe(true);
  // Only the worker about to be deleted has its reservations read.
  expect(reservationReads).toEqual([SURPLUS]);
});

// Switching back to a workspace left earlier: its AI worker, closed then, is adopted. Opened at once,
// it would be offered the chats queued there before the settings name the workspace.
test('a closed worker the stored settings do not name is opened only once they do', async () => {
  const { api, channels } = taskRouter(false);
  for (const channel of channels[KEPT]) channel.available = false;
  const pool = await ensureAiPool(api, WORKSPACE, { pool: [], draining: [] }, 2, 'AI', true);
  expect(pool.pool).toEqual([KEPT, SURPLUS]);
  expect(channels[KEPT].filter((channel) => channel.available)).toEqual([]);
  expect(pool.toOpen).toEqual([{ sid: KEPT, reopen: true }]);

  expect(await openNewAiWorkers(api, WORKSPACE, pool.toOpen)).toEqual([]);
  expect(channels[KEPT].map((channel) => channel.available)).toEqual([true, true]);
});

test("the AI's skill such a worker lacks is written only once the settings name it, with its channels", async () => {
  const { api, channels } = taskRouter(false);
  for (const channel of channels[KEPT]) channel.available = false;
  const written: string[] = [];
  const fetchWorker = api.fetchWorker;
  Object.assign(api, {
    fetchWorker: async (ws: string, sid: string) => {
      const worker = await fetchWorker(ws, sid);
      return worker && sid === KEPT ? { ...worker, attributes: { opencx_ai: true } } : worker;
    },
    updateWorkerAttributes: async (_ws: string, sid: string) => void written.push(sid),
  });
  const pool = await ensureAiPool(api, WORKSPACE, { pool: [], draining: [] }, 2, 'AI', true);
  expect(written).toEqual([]);
  expect(pool.toOpen).toEqual([
    { sid: KEPT, attributes: expect.objectContaining({ routing: { skills: [AI_WORKER_SKILL] } }), reopen: true },
  ]);
  await openNewAiWorkers(api, WORKSPACE, pool.toOpen);
  expect(written).toEqual([KEPT]);
});

test('while the workspace events go elsewhere, such a worker, Available, stays closed and awaits Apply', async () => {
  const { api, channels } = taskRouter(false);
  for (const channel of channels[KEPT]) channel.available = false;
  const pool = await ensureAiPool(api, WORKSPACE, { pool: [], draining: [] }, 2, 'AI', false);
  expect(pool.toOpen).toBeUndefined();
  expect(pool.awaitingApply).toEqual([KEPT]);
  expect(channels[KEPT].filter((channel) => channel.available)).toEqual([]);
});

describe('retireAiWorker (Uninstall)', () => {
  test('closes an idle worker, then deletes it', async () => {
    const { api, channels, deleted } = taskRouter(false);
    expect(await retireAiWorker(api, WORKSPACE, SURPLUS)).toBe('deleted');
    expect(deleted).toEqual([SURPLUS]);
    expect(channels[SURPLUS].every((channel) => !channel.available)).toBe(true);
  });

  test('keeps a worker offered a task before its channels closed, closed', async () => {
    const { api, channels, deleted } = taskRouter(true);
    expect(await retireAiWorker(api, WORKSPACE, SURPLUS)).toBe('busy');
    expect(deleted).toEqual([]);
    expect(channels[SURPLUS].every((channel) => !channel.available)).toBe(true);
  });

  test('keeps a worker whose channels show no task but whose reservations hold one', async () => {
    const { api, deleted, reservationReads } = taskRouter(false, 1);
    expect(await retireAiWorker(api, WORKSPACE, SURPLUS)).toBe('busy');
    expect(deleted).toEqual([]);
    expect(reservationReads).toEqual([SURPLUS]);
  });
});

describe('retireFormerAiWorkers (a workspace the settings no longer name)', () => {
  test('closes every AI worker there, named or marked, deletes the idle ones and names those left', async () => {
    const { api, channels, deleted } = taskRouter(false);
    // The settings name the busy one and one already deleted; the idle one is found by its mark.
    expect(await retireFormerAiWorkers(api, WORKSPACE, HERE, [KEPT, 'WKgone'])).toEqual({
      workspaceSid: WORKSPACE,
      workerSids: [KEPT],
    });
    expect(deleted).toEqual([SURPLUS]);
    expect(
      Object.values(channels)
        .flat()
        .every((channel) => !channel.available),
    ).toBe(true);
  });

  test('is done with a workspace whose AI workers are all gone, or that is gone itself', async () => {
    const { api } = taskRouter(false);
    const none = { ...api, listWorkersMatching: async () => [] } as unknown as TaskRouterApi;
    expect(await retireFormerAiWorkers(none, WORKSPACE, HERE, ['WKgone'])).toBeUndefined();
    const gone = Object.assign(new Error('not found'), { status: 404 });
    const deletedWorkspace = { ...none, listWorkersMatching: () => Promise.reject(gone) } as unknown as TaskRouterApi;
    expect(await retireFormerAiWorkers(deletedWorkspace, WORKSPACE, HERE)).toBeUndefined();
  });

  test('leaves the AI workers of a workspace another deployment serves now, and forgets it', async () => {
    const { api, channels, deleted } = taskRouter(false);
    const production = {
      ...api,
      fetchWorkspaceCallback: async () => ({ eventCallbackUrl: 'https://prod-1234.twil.io/webhook?cv=abc' }),
    } as unknown as TaskRouterApi;
    expect(await retireFormerAiWorkers(production, WORKSPACE, HERE, [KEPT])).toBeUndefined();
    expect(deleted).toEqual([]);
    expect(channels[SURPLUS].every((channel) => channel.available)).toBe(true);
  });

  test('keeps a workspace whose event callback could not be read, touching nothing there', async () => {
    const { api, deleted } = taskRouter(false);
    const unread = { ...api, fetchWorkspaceCallback: () => Promise.reject(new Error('timed out')) };
    expect(await retireFormerAiWorkers(unread as unknown as TaskRouterApi, WORKSPACE, HERE, [KEPT])).toEqual({
      workspaceSid: WORKSPACE,
      workerSids: [KEPT],
    });
    expect(deleted).toEqual([]);
  });

  test('keeps a workspace whose AI workers could not be listed, and a worker it could not retire', async () => {
    const { api } = taskRouter(false);
    const failing = {
      ...api,
      listWorkersMatching: () => Promise.reject(Object.assign(new Error('unavailable'), { status: 503 })),
      updateWorkerChannel: () => Promise.reject(new Error('timed out')),
    } as unknown as TaskRouterApi;
    expect(await retireFormerAiWorkers(failing, WORKSPACE, HERE, [SURPLUS])).toEqual({
      workspaceSid: WORKSPACE,
      workerSids: [SURPLUS],
    });
    const unlisted = { ...failing, updateWorkerChannel: api.updateWorkerChannel } as unknown as TaskRouterApi;
    expect(await retireFormerAiWorkers(unlisted, WORKSPACE, HERE, [])).toEqual({
      workspaceSid: WORKSPACE,
      workerSids: [],
    });
  });
});
