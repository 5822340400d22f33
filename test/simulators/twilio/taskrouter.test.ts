import http from 'node:http';
import { listenOnLoopback } from '../http';
import type { TwilioSimulator } from './simulator';
import type { TwilioSwitches } from './switches';
import {
  PRECONDITION_FAILED_CODE,
  TaskRouterSim,
  type TaskState,
  type WorkerState,
  type WorkspaceState,
} from './taskrouter';
import {
  clientFor,
  signedWith,
  startSimulator,
  startWebhookReceiver,
  stopAndExpectNoViolations,
  type WebhookReceiver,
} from './test-support';

/** Stands in for the workspace's EventCallbackUrl. */
let sink: WebhookReceiver;
let sim: TwilioSimulator;
let tr: TaskRouterSim;

beforeAll(async () => {
  sink = await startWebhookReceiver({ path: '/taskrouter-events?token=abc' });
});
afterAll(() => sink.close());

async function startSim(switches: Partial<TwilioSwitches> = {}): Promise<void> {
  tr = new TaskRouterSim();
  sim = await startSimulator({ taskrouter: tr }, { switches });
}

beforeEach(async () => {
  sink.received.length = 0;
  await startSim();
});

afterEach(() => stopAndExpectNoViolations(sim));

const client = () => clientFor(sim);
const workspaceApi = (ws: WorkspaceState) => client().taskrouter.v1.workspaces(ws.sid);

interface ContactCenter {
  ws: WorkspaceState;
  aiQueue: string;
  humanQueue: string;
  workflowSid: string;
  ai: WorkerState;
  alice: WorkerState;
  bob: WorkerState;
}

/** The product's shape: `handedOff == true` → humans first, then everything else → the AI worker. */
interface ContactCenterOptions {
  multiTaskEnabled?: boolean;
  eventsFilter?: string;
  humansAvailable?: boolean;
  reservationTimeout?: number;
}

function contactCenter(opts: ContactCenterOptions = {}): ContactCenter {
  const ws = tr.createWorkspace({
    friendlyName: 'Flex Task Assignment',
    eventCallbackUrl: sink.url(),
    eventsFilter: opts.eventsFilter,
    multiTaskEnabled: opts.multiTaskEnabled,
  });
  const aiQueue = tr.createTaskQueue(ws.sid, {
    friendlyName: 'OpenCX AI',
    targetWorkers: "routing.skills HAS 'ai'",
  }).sid;
  const humanQueue = tr.createTaskQueue(ws.sid, {
    friendlyName: 'Humans',
    targetWorkers: "routing.skills HAS 'support'",
  }).sid;
  const workflow = tr.createWorkflow(ws.sid, {
    friendlyName: 'Assign to Anyone',
    taskReservationTimeout: opts.reservationTimeout ?? 120,
    configuration: {
      task_routing: {
        filters: [
          {
            filter_friendly_name: 'Handed off to humans',
            expression: 'handedOff == true',
            targets: [{ queue: humanQueue }],
          },
          { filter_friendly_name: 'OpenCX AI', expression: '1==1', targets: [{ queue: aiQueue }] },
        ],
        default_filter: { queue: humanQueue },
      },
    },
  });
  const humanActivity = opts.humansAvailable === false ? 'Offline' : 'Available';
  const ai = tr.createWorker(ws.sid, {
    friendlyName: 'opencx-ai',
    attributes: { routing: { skills: ['ai'] } },
    activityName: 'Available',
  });
  const alice = tr.createWorker(ws.sid, {
    friendlyName: 'alice',
    attributes: { routing: { skills: ['support'] } },
    activityName: humanActivity,
  });
  const bob = tr.createWorker(ws.sid, {
    friendlyName: 'bob',
    attributes: { routing: { skills: ['support'] } },
    activityName: humanActivity,
  });
  return { ws, aiQueue, humanQueue, workflowSid: workflow.sid, ai, alice, bob };
}

type TaskExtras = { taskChannel?: string; timeout?: number; priority?: number };

async function createTaskViaRest(
  ws: WorkspaceState,
  workflowSid: string,
  attributes: object,
  extra: TaskExtras = {},
): Promise<TaskState> {
  const created = await workspaceApi(ws).tasks.create({
    workflowSid,
    attributes: JSON.stringify(attributes),
    ...extra,
  });
  return tr.getTask(ws.sid, created.sid);
}

function pendingReservation(ws: WorkspaceState, task: TaskState) {
  const pending = tr.reservationsFor(ws.sid, task.sid).filter((r) => r.status === 'pending');
  expect(pending).toHaveLength(1);
  return pending[0];
}

function activityName(ws: WorkspaceState, worker: WorkerState): string | undefined {
  return ws.activities.get(worker.activitySid)?.friendlyName;
}

function recordedTypes(taskSid?: string): string[] {
  return tr.events.filter((e) => !taskSid || e.params.TaskSid === taskSid).map((e) => e.eventType);
}

async function fetchWithEtag(
  ws: WorkspaceState,
  taskSid: string,
): Promise<{ etag: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/taskrouter/v1/Workspaces/${ws.sid}/Tasks/${taskSid}`, {
    headers: { Authorization: 'Basic ' + Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64') },
  });
  expect(res.status).toBe(200);
  return { etag: res.headers.get('etag'), body: (await res.json()) as Record<string, unknown> };
}

describe('workflow routing', () => {
  test('routes to the first matching filter, and to the default_filter queue when none matches', async () => {
    const ws = tr.createWorkspace({ friendlyName: 'Routing', eventCallbackUrl: sink.url() });
    const sales = tr.createTaskQueue(ws.sid, { friendlyName: 'Sales' });
    const support = tr.createTaskQueue(ws.sid, { friendlyName: 'Support' });
    const general = tr.createTaskQueue(ws.sid, { friendlyName: 'General' });
    const workflow = await workspaceApi(ws).workflows.create({
      friendlyName: 'By type',
      configuration: JSON.stringify({
        task_routing: {
          filters: [
            { filter_friendly_name: 'Sales', expression: "type == 'sales'", targets: [{ queue: sales.sid }] },
            {
              filter_friendly_name: 'Support',
              expression: "type == 'support' OR type == 'sales'",
              targets: [{ queue: support.sid }],
            },
          ],
          default_filter: { queue: general.sid },
        },
      }),
    });

    const salesTask = await workspaceApi(ws).tasks.create({
      workflowSid: workflow.sid,
      attributes: JSON.stringify({ type: 'sales' }),
    });
    const supportTask = await workspaceApi(ws).tasks.create({
      workflowSid: workflow.sid,
      attributes: JSON.stringify({ type: 'support' }),
    });
    const otherTask = await workspaceApi(ws).tasks.create({
      workflowSid: workflow.sid,
      attributes: JSON.stringify({ type: 'billing' }),
    });

    expect(salesTask.taskQueueSid).toBe(sales.sid);
    expect(supportTask.taskQueueSid).toBe(support.sid);
    expect(otherTask.taskQueueSid).toBe(general.sid);
    expect((await workspaceApi(ws).tasks(otherTask.sid).fetch()).taskQueueFriendlyName).toBe('General');

    await sim.idle();
    const matched = sink.received.filter((e) => e.params.EventType === 'workflow.target-matched');
    expect(matched.map((e) => [e.params.TaskSid, e.params.WorkflowFilterName, e.params.TaskQueueSid])).toEqual([
      [salesTask.sid, 'Sales', sales.sid],
      [supportTask.sid, 'Support', support.sid],
      [otherTask.sid, 'Default Filter', general.sid],
    ]);
    expect(recordedTypes(salesTask.sid)).toEqual([
      'task.created',
      'workflow.entered',
      'workflow.target-matched',
      'task-queue.entered',
    ]);
  });

  test.each([
    ['handedOff filter first', true],
    ['AI filter first', false],
  ])('filter order decides where a handed-off task goes (%s)', (_name, handedOffFirst) => {
    const ws = tr.createWorkspace({ friendlyName: 'Order' });
    const ai = tr.createTaskQueue(ws.sid, { friendlyName: 'AI' });
    const humans = tr.createTaskQueue(ws.sid, { friendlyName: 'Humans' });
    const handedOff = {
      filter_friendly_name: 'Handed off',
      expression: 'handedOff == true',
      targets: [{ queue: humans.sid }],
    };
    const aiFilter = { filter_friendly_name: 'AI', expression: '1==1', targets: [{ queue: ai.sid }] };
    const workflow = tr.createWorkflow(ws.sid, {
      friendlyName: 'Flex',
      configuration: { task_routing: { filters: handedOffFirst ? [handedOff, aiFilter] : [aiFilter, handedOff] } },
    });

    const handedOffTask = tr.createTask(ws.sid, { workflowSid: workflow.sid, attributes: { handedOff: true } });
    const freshTask = tr.createTask(ws.sid, { workflowSid: workflow.sid, attributes: { handedOff: false } });

    expect(handedOffTask.taskQueueSid).toBe(handedOffFirst ? humans.sid : ai.sid);
    expect(handedOffTask.routing?.filterName).toBe(handedOffFirst ? 'Handed off' : 'AI');
    expect(freshTask.taskQueueSid).toBe(ai.sid);
  });

  test('a target expression and known_worker_sid narrow the workers; target timeouts move the task on', () => {
    const ws = tr.createWorkspace({ friendlyName: 'Targets' });
    const queue = tr.createTaskQueue(ws.sid, { friendlyName: 'Everyone', targetWorkers: '1==1' });
    const french = tr.createWorker(ws.sid, {
      friendlyName: 'french',
      attributes: { languages: ['fr'] },
      activityName: 'Offline',
    });
    const english = tr.createWorker(ws.sid, {
      friendlyName: 'english',
      attributes: { languages: ['en'] },
      activityName: 'Available',
    });
    const workflow = tr.createWorkflow(ws.sid, {
      friendlyName: 'Language',
      configuration: {
        task_routing: {
          filters: [
            {
              expression: '1==1',
              targets: [
                { queue: queue.sid, expression: 'worker.languages HAS task.language', timeout: 30 },
                { queue: queue.sid, known_worker_sid: 'task.preferredWorker' },
              ],
            },
          ],
        },
      },
    });

    const task = tr.createTask(ws.sid, {
      workflowSid: workflow.sid,
      attributes: { language: 'fr', preferredWorker: english.sid },
    });
    expect(task.assignmentStatus).toBe('pending'); // the French speaker is offline
    expect(task.routing?.targetIndex).toBe(0);

    sim.clock.advance(29_000);
    expect(task.assignmentStatus).toBe('pending');
    sim.clock.advance(1_000);
    expect(task.routing?.targetIndex).toBe(1);
    expect(pendingReservation(ws, task).workerSid).toBe(english.sid);
    expect(french.activitySid).toBe(tr.findActivity(ws, 'Offline')?.sid);
  });

  test('the last target timing out with no default_filter fires workflow.timeout and cancels the task', () => {
    const ws = tr.createWorkspace({ friendlyName: 'Timeouts' });
    const queue = tr.createTaskQueue(ws.sid, { friendlyName: 'Nobody' });
    const workflow = tr.createWorkflow(ws.sid, {
      friendlyName: 'Short',
      configuration: {
        task_routing: { filters: [{ expression: '1==1', targets: [{ queue: queue.sid, timeout: 10 }] }] },
      },
    });
    const task = tr.createTask(ws.sid, { workflowSid: workflow.sid, attributes: {} });

    sim.clock.advance(9_000);
    expect(task.assignmentStatus).toBe('pending');
    sim.clock.advance(1_000);
    expect(task.assignmentStatus).toBe('canceled');
    expect(task.reason).toBe('Workflow Timeout');
    expect(recordedTypes(task.sid).slice(-2)).toEqual(['workflow.timeout', 'task.canceled']);
  });

  test('a bad Configuration (JSON, expression, unknown queue): 400, and the workflow is unchanged', async () => {
    const { ws, workflowSid, aiQueue } = contactCenter();
    const api = workspaceApi(ws).workflows(workflowSid);
    const bad = [
      '{"task_routing": {',
      JSON.stringify({
        task_routing: { filters: [{ expression: 'handed-off == true', targets: [{ queue: aiQueue }] }] },
      }),
      JSON.stringify({ task_routing: { filters: [{ expression: '(a == 1', targets: [{ queue: aiQueue }] }] } }),
      JSON.stringify({
        task_routing: { filters: [{ expression: '1==1', targets: [{ queue: 'WQ' + '0'.repeat(32) }] }] },
      }),
    ];
    for (const configuration of bad) {
      await expect(api.update({ configuration })).rejects.toMatchObject({ status: 400 });
    }
    const fetched = await api.fetch();
    expect(JSON.parse(fetched.configuration).task_routing.filters[0].expression).toBe('handedOff == true');

    await expect(
      workspaceApi(ws).workflows.create({ friendlyName: 'x', configuration: 'not json' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  test('a Configuration is returned exactly as posted: spacing, key order, keys the simulator ignores', async () => {
    const { ws, workflowSid, humanQueue } = contactCenter();
    const api = workspaceApi(ws).workflows(workflowSid);
    const configuration =
      '{\n  "task_routing" : {"filters":[' +
      `{"targets":[{"queue":"${humanQueue}","skip_if":"workers.available == 0"}],` +
      '"expression":"handedOff == true","filter_friendly_name":"Humans"}],\n ' +
      `"default_filter":{"queue":"${humanQueue}"}}, "x_note": "kept"}`;
    const updated = await api.update({ configuration });
    expect(updated.configuration).toBe(configuration);
    expect((await api.fetch()).configuration).toBe(configuration);
    expect((await workspaceApi(ws).workflows.list()).find((w) => w.sid === workflowSid)!.configuration).toBe(
      configuration,
    );
  });
});

describe('reservations', () => {
  test('accepting a reservation assigns the task and fills the worker', async () => {
    const { ws, workflowSid, ai } = contactCenter();
    const task = await createTaskViaRest(ws, workflowSid, { channelType: 'web' });
    const reservation = pendingReservation(ws, task);
    expect(reservation.workerSid).toBe(ai.sid);

    const updated = await workspaceApi(ws)
      .tasks(task.sid)
      .reservations(reservation.sid)
      .update({ reservationStatus: 'accepted' });
    expect(updated.reservationStatus).toBe('accepted');
    expect((await workspaceApi(ws).tasks(task.sid).fetch()).assignmentStatus).toBe('assigned');

    // Without multitasking the AI worker holds one task at a time.
    const second = await createTaskViaRest(ws, workflowSid, {});
    expect(second.assignmentStatus).toBe('pending');
    const viaWorker = await workspaceApi(ws).workers(ai.sid).reservations.list();
    expect(viaWorker.map((r) => [r.sid, r.reservationStatus])).toEqual([[reservation.sid, 'accepted']]);

    await workspaceApi(ws).tasks(task.sid).update({ assignmentStatus: 'completed', reason: 'resolved' });
    expect(pendingReservation(ws, second).workerSid).toBe(ai.sid);
    await sim.idle();
    expect(recordedTypes(task.sid)).toEqual([
      'task.created',
      'workflow.entered',
      'workflow.target-matched',
      'task-queue.entered',
      'reservation.created',
      'reservation.accepted',
      'reservation.completed',
      'task.completed',
    ]);
    expect(tr.events.find((e) => e.eventType === 'task.completed')?.params.TaskCompletedReason).toBe('resolved');
  });

  test('rejecting a pending reservation re-routes the task to another worker, applying WorkerActivitySid', async () => {
    const { ws, workflowSid, alice, bob } = contactCenter();
    const unavailable = tr.findActivity(ws, 'Unavailable')!;
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    const first = pendingReservation(ws, task);
    expect(first.workerSid).toBe(alice.sid);

    await workspaceApi(ws)
      .tasks(task.sid)
      .reservations(first.sid)
      .update({ reservationStatus: 'rejected', workerActivitySid: unavailable.sid });

    expect(first.status).toBe('rejected');
    expect(activityName(ws, alice)).toBe('Unavailable');
    expect(pendingReservation(ws, task).workerSid).toBe(bob.sid);
    expect(recordedTypes().slice(-3)).toEqual([
      'reservation.rejected',
      'worker.activity.update',
      'reservation.created',
    ]);
  });

  test('a worker that rejected a task is not offered it again while it waits in the same target', async () => {
    const { ws, workflowSid, alice, bob } = contactCenter();
    tr.updateWorker(ws.sid, bob.sid, { activitySid: tr.findActivity(ws, 'Offline')!.sid });
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    await workspaceApi(ws)
      .tasks(task.sid)
      .reservations(pendingReservation(ws, task).sid)
      .update({ reservationStatus: 'rejected' });

    expect(activityName(ws, alice)).toBe('Available');
    expect(task.assignmentStatus).toBe('pending');
    expect(task.rejectedWorkerSids).toEqual([alice.sid]);

    await workspaceApi(ws)
      .workers(bob.sid)
      .update({ activitySid: tr.findActivity(ws, 'Available')!.sid });
    expect(pendingReservation(ws, task).workerSid).toBe(bob.sid);
  });

  test('with rejectedWorkerNeverReoffered off, a worker that rejected the task is offered it again', async () => {
    sim.switches.rejectedWorkerNeverReoffered = false;
    const { ws, workflowSid, alice, bob } = contactCenter();
    tr.updateWorker(ws.sid, bob.sid, { activitySid: tr.findActivity(ws, 'Offline')!.sid });
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    const first = pendingReservation(ws, task);
    await workspaceApi(ws).tasks(task.sid).reservations(first.sid).update({ reservationStatus: 'rejected' });

    const again = pendingReservation(ws, task);
    expect(again.sid).not.toBe(first.sid);
    expect(again.workerSid).toBe(alice.sid);
  });

  test.each([20001, 40140])(
    'accepting or rejecting a reservation that is not pending answers 400 / %i',
    async (code) => {
      sim.switches.reservationNotPendingCode = code;
      const { ws, workflowSid } = contactCenter();
      const task = await createTaskViaRest(ws, workflowSid, {});
      const reservation = pendingReservation(ws, task);
      const api = workspaceApi(ws).tasks(task.sid).reservations(reservation.sid);
      await api.update({ reservationStatus: 'accepted' });

      const rejectError = await api.update({ reservationStatus: 'rejected' }).then(
        () => undefined,
        (error: { status: number; code: number; message: string }) => error,
      );
      expect(rejectError).toMatchObject({ status: 400, code });
      expect(rejectError?.message).toContain('not currently in a Pending state');
      await expect(api.update({ reservationStatus: 'accepted' })).rejects.toMatchObject({ status: 400, code });
      expect(reservation.status).toBe('accepted');
      expect(task.assignmentStatus).toBe('assigned');
    },
  );

  test('wrapping and completing through the reservation move the task too', async () => {
    const { ws, workflowSid } = contactCenter();
    const task = await createTaskViaRest(ws, workflowSid, {});
    const reservation = pendingReservation(ws, task);
    const api = workspaceApi(ws).workers(reservation.workerSid).reservations(reservation.sid);
    await expect(api.update({ reservationStatus: 'wrapping' })).rejects.toMatchObject({ status: 400 });
    await api.update({ reservationStatus: 'accepted' });
    await api.update({ reservationStatus: 'wrapping' });
    expect(task.assignmentStatus).toBe('wrapping');
    await api.update({ reservationStatus: 'completed' });
    expect(task.assignmentStatus).toBe('completed');
    expect(reservation.status).toBe('completed');
    expect(recordedTypes(task.sid).slice(-5)).toEqual([
      'reservation.accepted',
      'task.wrapup',
      'reservation.wrapup',
      'reservation.completed',
      'task.completed',
    ]);
  });

  describe.each([
    { multiTaskEnabled: true, timeoutActivityWhenMultitasking: true, movedToOffline: true },
    { multiTaskEnabled: true, timeoutActivityWhenMultitasking: false, movedToOffline: false },
    { multiTaskEnabled: false, timeoutActivityWhenMultitasking: false, movedToOffline: true },
  ])(
    'reservation timeout (multitasking $multiTaskEnabled, timeoutActivityWhenMultitasking ' +
      '$timeoutActivityWhenMultitasking)',
    (setting) => {
      test(`moves the worker to the TimeoutActivity: ${setting.movedToOffline}; re-evaluates the task`, () => {
        sim.switches.timeoutActivityWhenMultitasking = setting.timeoutActivityWhenMultitasking;
        const { ws, workflowSid, alice, bob } = contactCenter({
          multiTaskEnabled: setting.multiTaskEnabled,
          reservationTimeout: 30,
        });
        const task = tr.createTask(ws.sid, { workflowSid, attributes: { handedOff: true } });
        const first = pendingReservation(ws, task);
        expect(first.workerSid).toBe(alice.sid);

        sim.clock.advance(29_000);
        expect(first.status).toBe('pending');
        sim.clock.advance(1_000);

        expect(first.status).toBe('timeout');
        expect(activityName(ws, alice)).toBe(setting.movedToOffline ? 'Offline' : 'Available');
        expect(pendingReservation(ws, task).workerSid).toBe(bob.sid);
        const types = recordedTypes();
        expect(types.includes('worker.activity.update')).toBe(setting.movedToOffline);
        expect(types.slice(types.indexOf('reservation.timeout'))).toEqual(
          setting.movedToOffline
            ? ['reservation.timeout', 'worker.activity.update', 'reservation.created']
            : ['reservation.timeout', 'reservation.created'],
        );
      });
    },
  );

  test('a worker with chat capacity 1 holds one chat reservation at a time; raising it offers the next', async () => {
    const ws = tr.createWorkspace({ friendlyName: 'Capacity', multiTaskEnabled: true });
    const queue = tr.createTaskQueue(ws.sid, { friendlyName: 'Chat', targetWorkers: '1==1' });
    const configuration = { task_routing: { filters: [], default_filter: { queue: queue.sid } } };
    const workflow = tr.createWorkflow(ws.sid, { friendlyName: 'Chat', configuration });
    const agent = tr.createWorker(ws.sid, {
      friendlyName: 'agent',
      activityName: 'Available',
      channelCapacity: { chat: 1, voice: 1 },
    });

    const first = await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'chat' });
    const second = await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'chat' });
    const voice = await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'voice' });
    expect([first.assignmentStatus, second.assignmentStatus, voice.assignmentStatus]).toEqual([
      'reserved',
      'pending',
      'reserved',
    ]);

    await workspaceApi(ws)
      .tasks(first.sid)
      .reservations(pendingReservation(ws, first).sid)
      .update({ reservationStatus: 'accepted' });
    expect(second.assignmentStatus).toBe('pending');
    const chat = await workspaceApi(ws).workers(agent.sid).workerChannels('chat').fetch();
    expect([chat.configuredCapacity, chat.assignedTasks, chat.availableCapacityPercentage]).toEqual([1, 1, 0]);

    const raised = await workspaceApi(ws).workers(agent.sid).workerChannels('chat').update({ capacity: 2 });
    expect(raised.configuredCapacity).toBe(2);
    expect(pendingReservation(ws, second).workerSid).toBe(agent.sid);
  });

  test.each([true, false])(
    'assignedTasksCountsPending %s: what the channel reports; a pending reservation takes a slot either way',
    async (countsPending) => {
      sim.switches.assignedTasksCountsPending = countsPending;
      const ws = tr.createWorkspace({ friendlyName: 'Pending', multiTaskEnabled: true });
      const queue = tr.createTaskQueue(ws.sid, { friendlyName: 'Chat', targetWorkers: '1==1' });
      const configuration = { task_routing: { filters: [], default_filter: { queue: queue.sid } } };
      const workflow = tr.createWorkflow(ws.sid, { friendlyName: 'Chat', configuration });
      const agent = tr.createWorker(ws.sid, {
        friendlyName: 'agent',
        activityName: 'Available',
        channelCapacity: { chat: 2 },
      });
      const [accepted, held, waiting] = [
        await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'chat' }),
        await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'chat' }),
        await createTaskViaRest(ws, workflow.sid, {}, { taskChannel: 'chat' }),
      ];
      await workspaceApi(ws)
        .tasks(accepted.sid)
        .reservations(pendingReservation(ws, accepted).sid)
        .update({ reservationStatus: 'accepted' });

      expect([held.assignmentStatus, waiting.assignmentStatus]).toEqual(['reserved', 'pending']);
      const chat = await workspaceApi(ws).workers(agent.sid).workerChannels('chat').fetch();
      expect([chat.assignedTasks, chat.availableCapacityPercentage]).toEqual(countsPending ? [2, 0] : [1, 50]);
      // The worker's reservations, filtered by status, show the pending one under either reading.
      const pending = await workspaceApi(ws).workers(agent.sid).reservations.list({ reservationStatus: 'pending' });
      expect(pending.map((r) => r.sid)).toEqual([pendingReservation(ws, held).sid]);
      // The queue's real-time statistics count the reserved task under either reading.
      const stats = await workspaceApi(ws).taskQueues(queue.sid).realTimeStatistics().fetch({ taskChannel: 'chat' });
      expect(stats.tasksByStatus).toEqual({ pending: '1', reserved: '1', assigned: '1', wrapping: '0' });
      expect([stats.totalTasks, stats.totalEligibleWorkers, stats.totalAvailableWorkers]).toEqual([3, 1, 1]);
      const voice = await workspaceApi(ws).taskQueues(queue.sid).realTimeStatistics().fetch({ taskChannel: 'voice' });
      expect(voice.totalTasks).toBe(0);
    },
  );

  // Refused with 400 / 20001, by REST and when seeding.
  test('a worker channel holds at most 50 tasks: a capacity over 50 is refused, and the 51st task waits', async () => {
    const ws = tr.createWorkspace({ friendlyName: 'Cap', multiTaskEnabled: true });
    const queue = tr.createTaskQueue(ws.sid, { friendlyName: 'Chat', targetWorkers: '1==1' });
    const workflow = tr.createWorkflow(ws.sid, {
      friendlyName: 'Chat',
      configuration: { task_routing: { filters: [], default_filter: { queue: queue.sid } } },
    });
    expect(() =>
      tr.createWorker(ws.sid, { friendlyName: 'greedy', activityName: 'Available', channelCapacity: { chat: 51 } }),
    ).toThrow(/between 0 and 50/);
    expect(tr.workspace(ws.sid).workers.size).toBe(0);
    const ai = tr.createWorker(ws.sid, {
      friendlyName: 'ai',
      activityName: 'Available',
      channelCapacity: { chat: 50 },
    });
    const channel = workspaceApi(ws).workers(ai.sid).workerChannels('chat');
    for (const capacity of [51, 100])
      await expect(channel.update({ capacity })).rejects.toMatchObject({ status: 400, code: 20001 });
    expect((await channel.fetch()).configuredCapacity).toBe(50);

    const tasks: TaskState[] = [];
    for (let i = 0; i < 51; i++)
      tasks.push(tr.createTask(ws.sid, { workflowSid: workflow.sid, attributes: {}, taskChannel: 'chat' }));
    expect(tasks.filter((t) => t.assignmentStatus === 'reserved')).toHaveLength(50);
    expect(tasks[50].assignmentStatus).toBe('pending');
    expect(await channel.fetch()).toMatchObject({
      assignedTasks: 50,
      configuredCapacity: 50,
      availableCapacityPercentage: 0,
    });
    // A slot freed is the waiting task's.
    await workspaceApi(ws)
      .tasks(tasks[0].sid)
      .reservations(pendingReservation(ws, tasks[0]).sid)
      .update({ reservationStatus: 'rejected' });
    expect(pendingReservation(ws, tasks[50]).workerSid).toBe(ai.sid);
  });
});

describe('task updates', () => {
  test('If-Match with a stale ETag answers 412 and changes nothing; every update changes the ETag', async () => {
    const { ws, workflowSid } = contactCenter({ humansAvailable: false });
    const task = await createTaskViaRest(ws, workflowSid, { conversationSid: 'CH1' });
    const before = await fetchWithEtag(ws, task.sid);
    expect(before.etag).toMatch(/^\d+$/);

    const stale = workspaceApi(ws)
      .tasks(task.sid)
      .update({ ifMatch: 'stale-etag', attributes: JSON.stringify({ handedOff: true }) });
    await expect(stale).rejects.toMatchObject({ status: 412, code: PRECONDITION_FAILED_CODE });
    expect((await fetchWithEtag(ws, task.sid)).etag).toBe(before.etag);
    expect(task.attributes).toEqual({ conversationSid: 'CH1' });

    await workspaceApi(ws)
      .tasks(task.sid)
      .update({ ifMatch: before.etag!, attributes: JSON.stringify({ conversationSid: 'CH1', note: 'x' }) });
    const after = await fetchWithEtag(ws, task.sid);
    expect(after.etag).not.toBe(before.etag);
    expect(JSON.parse(after.body.attributes as string)).toEqual({ conversationSid: 'CH1', note: 'x' });
    await expect(workspaceApi(ws).tasks(task.sid).update({ ifMatch: before.etag!, priority: 5 })).rejects.toMatchObject(
      { status: 412 },
    );
  });

  test.each([true, false])(
    'attribute update on a reserved task (attributeUpdateCancelsReservation %s)',
    async (cancels) => {
      sim.switches.attributeUpdateCancelsReservation = cancels;
      const { ws, workflowSid, ai, alice, humanQueue, aiQueue } = contactCenter();
      const task = await createTaskViaRest(ws, workflowSid, { conversationSid: 'CH1' });
      const aiReservation = pendingReservation(ws, task);
      expect(aiReservation.workerSid).toBe(ai.sid);

      await workspaceApi(ws)
        .tasks(task.sid)
        .update({ attributes: JSON.stringify({ conversationSid: 'CH1', handedOff: true }) });

      if (cancels) {
        expect(aiReservation.status).toBe('canceled');
        expect(task.taskQueueSid).toBe(humanQueue);
        expect(pendingReservation(ws, task).workerSid).toBe(alice.sid);
        expect(recordedTypes(task.sid).slice(-5)).toEqual([
          'task.updated',
          'reservation.canceled',
          'workflow.target-matched',
          'task-queue.entered',
          'reservation.created',
        ]);
      } else {
        expect(aiReservation.status).toBe('pending');
        expect(task.assignmentStatus).toBe('reserved');
        expect(task.taskQueueSid).toBe(aiQueue);
        expect(recordedTypes(task.sid)).not.toContain('reservation.canceled');
        // Released later, the task runs the filters again with the new attributes.
        await workspaceApi(ws)
          .tasks(task.sid)
          .reservations(aiReservation.sid)
          .update({ reservationStatus: 'rejected' });
        expect(task.taskQueueSid).toBe(humanQueue);
        expect(pendingReservation(ws, task).workerSid).toBe(alice.sid);
      }
    },
  );

  test('cancel works from pending and reserved, not from assigned', async () => {
    const { ws, workflowSid } = contactCenter({ humansAvailable: false });
    const pendingTask = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    expect(pendingTask.assignmentStatus).toBe('pending');
    await expect(
      workspaceApi(ws).tasks(pendingTask.sid).update({ assignmentStatus: 'completed' }),
    ).rejects.toMatchObject({ status: 400 });
    const canceled = await workspaceApi(ws)
      .tasks(pendingTask.sid)
      .update({ assignmentStatus: 'canceled', reason: 'customer left' });
    expect([canceled.assignmentStatus, canceled.reason]).toEqual(['canceled', 'customer left']);

    const reservedTask = await createTaskViaRest(ws, workflowSid, {});
    const reservation = pendingReservation(ws, reservedTask);
    await workspaceApi(ws).tasks(reservedTask.sid).update({ assignmentStatus: 'canceled', reason: 'hangup' });
    expect(reservation.status).toBe('canceled');

    const assignedTask = await createTaskViaRest(ws, workflowSid, {});
    tr.updateReservation(ws.sid, pendingReservation(ws, assignedTask).sid, 'accepted');
    await expect(
      workspaceApi(ws).tasks(assignedTask.sid).update({ assignmentStatus: 'canceled' }),
    ).rejects.toMatchObject({ status: 400 });
    expect(() => tr.updateTaskStatus(ws.sid, assignedTask.sid, 'canceled')).toThrow(/assigned/);
    expect(assignedTask.assignmentStatus).toBe('assigned');
    await expect(
      workspaceApi(ws).tasks(assignedTask.sid).update({ assignmentStatus: 'pending' }),
    ).rejects.toMatchObject({ status: 400 });

    await sim.idle();
    const canceledEvents = sink.received.filter((e) => e.params.EventType === 'task.canceled');
    expect(canceledEvents.map((e) => e.params.TaskCanceledReason)).toEqual(['customer left', 'hangup']);
  });

  test('task TTL expiry cancels the task with "Task TTL Exceeded"', async () => {
    const { ws, workflowSid } = contactCenter({ humansAvailable: false });
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true }, { timeout: 60 });
    const untouched = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    expect(task.timeout).toBe(60);
    expect(untouched.timeout).toBe(86_400);

    sim.clock.advance(59_000);
    expect(task.assignmentStatus).toBe('pending');
    sim.clock.advance(1_000);
    expect(task.assignmentStatus).toBe('canceled');
    expect(untouched.assignmentStatus).toBe('pending');

    await sim.idle();
    const canceled = sink.received.find((e) => e.params.EventType === 'task.canceled');
    expect(canceled?.params).toMatchObject({
      TaskSid: task.sid,
      TaskCanceledReason: 'Task TTL Exceeded',
      TaskAssignmentStatus: 'canceled',
    });
    sim.clock.advance(86_400_000);
    expect(untouched.assignmentStatus).toBe('canceled');
  });

  test('DELETE cancels the pending reservation and fires task.deleted', async () => {
    const { ws, workflowSid, ai } = contactCenter();
    const task = await createTaskViaRest(ws, workflowSid, {});
    const reservation = pendingReservation(ws, task);
    await workspaceApi(ws).tasks(task.sid).remove();
    expect(ws.tasks.has(task.sid)).toBe(false);
    expect(reservation.status).toBe('canceled');
    await expect(workspaceApi(ws).tasks(task.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(recordedTypes(task.sid).slice(-2)).toEqual(['reservation.canceled', 'task.deleted']);
    // The AI worker is free again.
    const next = await createTaskViaRest(ws, workflowSid, {});
    expect(pendingReservation(ws, next).workerSid).toBe(ai.sid);
  });
});

describe('workspace events', () => {
  test('delivers only EventsFilter types, form-encoded and signed, with the listed fields', async () => {
    const { ws, workflowSid, ai } = contactCenter({ eventsFilter: 'task.created,reservation.created,task.canceled' });
    const task = await createTaskViaRest(ws, workflowSid, { conversationSid: 'CH1' });
    const reservation = pendingReservation(ws, task);
    await sim.idle();

    expect(sink.eventTypes()).toEqual(['task.created', 'reservation.created']);
    expect(tr.events.filter((e) => e.delivered).map((e) => e.eventType)).toEqual([
      'task.created',
      'reservation.created',
    ]);
    expect(tr.events.filter((e) => !e.delivered).map((e) => e.eventType)).toEqual(
      expect.arrayContaining(['worker.created', 'workflow.entered', 'workflow.target-matched', 'task-queue.entered']),
    );

    for (const event of sink.received) {
      expect(event.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(event.url).toBe(sink.url());
      expect(signedWith(sim.authToken, event)).toBe(true);
      expect(signedWith('wrong-token', event)).toBe(false);
    }
    const [created, reserved] = sink.received.map((e) => e.params);
    const common = {
      AccountSid: sim.accountSid,
      WorkspaceSid: ws.sid,
      WorkspaceName: 'Flex Task Assignment',
      EventDescription: expect.any(String),
      Timestamp: expect.stringMatching(/^\d{10}$/),
      TimestampMs: expect.stringMatching(/^\d{13}$/),
      Sid: expect.stringMatching(/^EV[0-9a-f]{32}$/),
    };
    const taskGroup = {
      TaskSid: task.sid,
      TaskAttributes: JSON.stringify({ conversationSid: 'CH1' }),
      TaskAge: expect.stringMatching(/^\d+$/),
      TaskPriority: '0',
      TaskChannelSid: tr.findTaskChannel(ws, 'default')!.sid,
      TaskChannelUniqueName: 'default',
    };
    expect(created).toMatchObject({
      ...common,
      ...taskGroup,
      EventType: 'task.created',
      ResourceType: 'task',
      ResourceSid: task.sid,
      TaskAssignmentStatus: 'pending',
    });
    expect(reserved).toMatchObject({
      ...common,
      ...taskGroup,
      EventType: 'reservation.created',
      ResourceType: 'reservation',
      ResourceSid: reservation.sid,
      TaskAssignmentStatus: 'reserved',
      ReservationSid: reservation.sid,
      TaskQueueSid: reservation.taskQueueSid,
      WorkflowSid: workflowSid,
      WorkerSid: ai.sid,
      WorkerName: 'opencx-ai',
      WorkerAttributes: JSON.stringify({ routing: { skills: ['ai'] } }),
      WorkerActivitySid: ai.activitySid,
      WorkerActivityName: 'Available',
    });

    await workspaceApi(ws).update({ eventsFilter: '' });
    tr.updateTaskStatus(ws.sid, task.sid, 'canceled', 'gone');
    await sim.idle();
    expect(sink.eventTypes().slice(2)).toEqual(['reservation.canceled', 'task.canceled']);
  });

  test('events arrive in the order they happened and do not hold up the REST answer', async () => {
    const { ws, workflowSid } = contactCenter();
    // Holds every event unanswered until the task is created.
    let created = false;
    const held: http.ServerResponse[] = [];
    const slow = http.createServer((_req, res) => (created ? res.writeHead(200).end() : held.push(res)));
    const slowUrl = await listenOnLoopback(slow);
    try {
      tr.updateWorkspace(ws.sid, { eventCallbackUrl: `${slowUrl}/slow` });
      await workspaceApi(ws).tasks.create({ workflowSid, attributes: '{}' });
      created = true;
      for (const res of held) res.writeHead(200).end();
      await sim.idle();
      const deliveries = sim.webhooks.filter((w) => w.kind === 'taskrouter' && w.url.endsWith('/slow'));
      expect(deliveries.map((w) => w.params.EventType)).toEqual([
        'task.created',
        'workflow.entered',
        'workflow.target-matched',
        'task-queue.entered',
        'reservation.created',
      ]);
      expect(deliveries.every((w) => w.status === 200)).toBe(true);
    } finally {
      slow.close();
    }
  });

  test.each([false, true])(
    'concurrentEvents %s: whether an event waits for the answer to the one before',
    async (concurrent) => {
      sim.switches.concurrentEvents = concurrent;
      sim.switches.duplicateEvents = true;
      const { ws, workflowSid } = contactCenter({ eventsFilter: 'task.created' });
      const log: string[] = [];
      const held: http.ServerResponse[] = [];
      const slow = http.createServer((_req, res) => {
        log.push('arrived');
        held.push(res);
      });
      const slowUrl = await listenOnLoopback(slow);
      const until = async (condition: () => boolean) => {
        while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      try {
        tr.updateWorkspace(ws.sid, { eventCallbackUrl: `${slowUrl}/slow` });
        await workspaceApi(ws).tasks.create({ workflowSid, attributes: '{}' });
        // Concurrent: both copies arrive before either is answered. One at a time: each is answered as it comes.
        for (let answered = 0; answered < 2; ) {
          await until(() => held.length >= (concurrent ? 2 - answered : 1));
          while (held.length > 0) {
            held.shift()!.writeHead(200).end();
            log.push('answered');
            answered += 1;
          }
        }
        await sim.idle();
        expect(log).toEqual(
          concurrent ? ['arrived', 'arrived', 'answered', 'answered'] : ['arrived', 'answered', 'arrived', 'answered'],
        );
      } finally {
        slow.close();
      }
    },
  );

  test.each([false, true])(
    'duplicateEvents %s delivers each event once or twice with the same Sid',
    async (duplicate) => {
      sim.switches.duplicateEvents = duplicate;
      const { ws, workflowSid } = contactCenter({ eventsFilter: 'task.created' });
      await createTaskViaRest(ws, workflowSid, {});
      await sim.idle();
      expect(sink.eventTypes()).toEqual(duplicate ? ['task.created', 'task.created'] : ['task.created']);
      expect(new Set(sink.received.map((e) => e.params.Sid)).size).toBe(1);
    },
  );

  test('redeliver sends a delivered event again, late, with its Sid and payload, signed', async () => {
    const { ws, workflowSid } = contactCenter({ eventsFilter: 'task.created,task.canceled' });
    const task = await createTaskViaRest(ws, workflowSid, {});
    await sim.idle();
    tr.updateTaskStatus(ws.sid, task.sid, 'canceled', 'Customer left');
    await sim.idle();
    const created = sim.webhooks.find((d) => d.kind === 'taskrouter' && d.params.EventType === 'task.created')!;
    const again = await tr.redeliver(created.seq);
    expect(again.status).toBe(204);
    expect(sink.eventTypes()).toEqual(['task.created', 'task.canceled', 'task.created']);
    expect(sink.received[2].params).toEqual(sink.received[0].params);
    expect(signedWith(sim.authToken, sink.received[2])).toBe(true);
    expect(() => tr.redeliver(9999)).toThrow(/no TaskRouter event delivery/);
  });

  test('workflow.target-matched carries the target only when targetMatchedIncludesTarget', () => {
    for (const includes of [true, false]) {
      sim.switches.targetMatchedIncludesTarget = includes;
      const { ws, workflowSid, aiQueue } = contactCenter();
      const task = tr.createTask(ws.sid, { workflowSid, attributes: {} });
      const matched = tr.events.find(
        (e) => e.eventType === 'workflow.target-matched' && e.params.TaskSid === task.sid,
      )!;
      expect(matched.params.WorkflowFilterName).toBe('OpenCX AI');
      expect(matched.params.TaskQueueSid).toBe(includes ? aiQueue : undefined);
      expect(matched.params.TaskQueueName).toBe(includes ? 'OpenCX AI' : undefined);
    }
  });
});

describe('workers, workspaces and listing through the twilio library', () => {
  test('worker activity changes fire worker.activity.update and offer waiting tasks', async () => {
    const { ws, workflowSid, alice } = contactCenter({ humansAvailable: false });
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    expect(task.assignmentStatus).toBe('pending');
    const available = (await workspaceApi(ws).activities.list({ friendlyName: 'Available' }))[0];

    const worker = await workspaceApi(ws).workers(alice.sid).update({ activitySid: available.sid });
    expect([worker.activityName, worker.available]).toEqual(['Available', true]);
    expect(pendingReservation(ws, task).workerSid).toBe(alice.sid);
    const update = tr.events.find((e) => e.eventType === 'worker.activity.update')!;
    expect(update.params).toMatchObject({
      WorkerSid: alice.sid,
      WorkerActivityName: 'Available',
      WorkerPreviousActivityName: 'Offline',
    });
  });

  test('deleting a worker rescinds its pending reservation; one with an assigned task is not deleted', async () => {
    const { ws, workflowSid, alice, bob } = contactCenter();
    const task = await createTaskViaRest(ws, workflowSid, { handedOff: true });
    const first = pendingReservation(ws, task);
    expect(first.workerSid).toBe(alice.sid);

    await workspaceApi(ws).workers(alice.sid).remove();
    expect(first.status).toBe('rescinded');
    expect(recordedTypes().slice(-3)).toEqual(['reservation.rescinded', 'reservation.created', 'worker.deleted']);
    const second = pendingReservation(ws, task);
    expect(second.workerSid).toBe(bob.sid);

    tr.updateReservation(ws.sid, second.sid, 'accepted');
    await expect(workspaceApi(ws).workers(bob.sid).remove()).rejects.toMatchObject({ status: 400 });
    await expect(workspaceApi(ws).workers(alice.sid).fetch()).rejects.toMatchObject({ status: 404 });
  });

  test('workspace update sets the event callback, filter, timeout activity and multitasking', async () => {
    const ws = tr.createWorkspace({ friendlyName: 'Settings' });
    const breakActivity = tr.findActivity(ws, 'Break')!;
    const updated = await workspaceApi(ws).update({
      eventCallbackUrl: sink.url('/cb'),
      eventsFilter: 'task.created,task.canceled',
      timeoutActivitySid: breakActivity.sid,
      multiTaskEnabled: true,
      friendlyName: 'Renamed',
    });
    expect(updated).toMatchObject({
      eventCallbackUrl: sink.url('/cb'),
      eventsFilter: 'task.created,task.canceled',
      timeoutActivitySid: breakActivity.sid,
      timeoutActivityName: 'Break',
      multiTaskEnabled: true,
      friendlyName: 'Renamed',
      defaultActivityName: 'Offline',
    });
    await expect(workspaceApi(ws).update({ timeoutActivitySid: 'WA' + 'f'.repeat(32) })).rejects.toMatchObject({
      status: 400,
    });
    const channels = await workspaceApi(ws).taskChannels.list();
    expect(channels.map((c) => c.uniqueName)).toEqual(['default', 'voice', 'chat', 'sms', 'video']);
    expect((await workspaceApi(ws).taskChannels('chat').fetch()).uniqueName).toBe('chat');
    expect((await client().taskrouter.v1.workspaces.list({ friendlyName: 'Renamed' })).map((w) => w.sid)).toEqual([
      ws.sid,
    ]);
  });

  test('list() pages through tasks and workers and keeps the filters on every page', async () => {
    const { ws, workflowSid, humanQueue, alice } = contactCenter({ humansAvailable: false });
    const handedOff: string[] = [];
    for (let i = 0; i < 5; i++)
      handedOff.push((await createTaskViaRest(ws, workflowSid, { handedOff: true, n: i })).sid);
    const aiTask = await createTaskViaRest(ws, workflowSid, { n: 99 });

    const all = await workspaceApi(ws).tasks.list({ pageSize: 2 });
    expect(all.map((t) => t.sid)).toEqual([...handedOff, aiTask.sid]);
    const pending = await workspaceApi(ws).tasks.list({ assignmentStatus: ['pending'], pageSize: 2 });
    expect(pending.map((t) => t.sid)).toEqual(handedOff);
    const inQueue = await workspaceApi(ws).tasks.list({ taskQueueSid: humanQueue, pageSize: 4 });
    expect(inQueue).toHaveLength(5);
    expect(await workspaceApi(ws).tasks.list({ workflowSid, assignmentStatus: ['reserved'] })).toHaveLength(1);
    const page = await workspaceApi(ws).tasks.page({ pageSize: 4 });
    expect(page.instances).toHaveLength(4);
    expect((await page.nextPage())?.instances.map((t) => t.sid)).toEqual([handedOff[4], aiTask.sid]);

    expect((await workspaceApi(ws).workers.list({ friendlyName: 'alice' })).map((w) => w.sid)).toEqual([alice.sid]);
    expect(
      (await workspaceApi(ws).workers.list({ available: 'true', pageSize: 1 })).map((w) => w.friendlyName),
    ).toEqual(['opencx-ai']);
    expect(
      (await workspaceApi(ws).workers.list({ available: 'false', pageSize: 1 })).map((w) => w.friendlyName),
    ).toEqual(['alice', 'bob']);
    expect((await workspaceApi(ws).workflows.list({ friendlyName: 'Assign to Anyone' })).map((w) => w.sid)).toEqual([
      workflowSid,
    ]);
    expect((await workspaceApi(ws).taskQueues.list()).map((q) => q.friendlyName)).toEqual(['OpenCX AI', 'Humans']);
    expect((await workspaceApi(ws).activities.list()).map((a) => [a.friendlyName, a.available])).toEqual([
      ['Offline', false],
      ['Available', true],
      ['Unavailable', false],
      ['Break', false],
    ]);
  });

  test('REST creates activities, queues, workers and tasks that route', async () => {
    const ws = tr.createWorkspace({ friendlyName: 'REST', eventCallbackUrl: sink.url() });
    const api = workspaceApi(ws);
    const lunch = await api.activities.create({ friendlyName: 'Lunch', available: false });
    expect(lunch.available).toBe(false);
    const queue = await api.taskQueues.create({ friendlyName: 'Billing', targetWorkers: "skills HAS 'billing'" });
    await expect(api.taskQueues.create({ friendlyName: 'Broken', targetWorkers: 'skills HAS' })).rejects.toMatchObject({
      status: 400,
    });
    // A name in use, as TaskRouter words it: on create, and on a rename.
    const taken = { status: 400, code: 20001, message: expect.stringMatching(/^Queue named Billing already exists/) };
    await expect(api.taskQueues.create({ friendlyName: 'Billing' })).rejects.toMatchObject(taken);
    const other = await api.taskQueues.create({ friendlyName: 'Sales' });
    await expect(api.taskQueues(other.sid).update({ friendlyName: 'Billing' })).rejects.toMatchObject(taken);
    const workflow = await api.workflows.create({
      friendlyName: 'Billing',
      configuration: JSON.stringify({
        task_routing: { filters: [{ expression: '1==1', targets: [{ queue: queue.sid }] }] },
      }),
      taskReservationTimeout: 45,
    });
    expect(workflow.taskReservationTimeout).toBe(45);
    const available = tr.findActivity(ws, 'Available')!;
    const sales = await api.workers.create({
      friendlyName: 'sales',
      attributes: JSON.stringify({ skills: ['sales'] }),
      activitySid: available.sid,
    });
    const billing = await api.workers.create({
      friendlyName: 'billing',
      attributes: JSON.stringify({ skills: ['billing'] }),
      activitySid: available.sid,
    });
    await expect(api.workers.create({ friendlyName: 'bad', attributes: '[1,' })).rejects.toMatchObject({ status: 400 });

    const task = await api.tasks.create({ attributes: JSON.stringify({ topic: 'invoice' }), priority: 3 });
    expect([task.workflowSid, task.priority, task.assignmentStatus]).toEqual([workflow.sid, 3, 'reserved']);
    const reservations = await api.tasks(task.sid).reservations.list();
    expect(reservations.map((r) => r.workerSid)).toEqual([billing.sid]);
    expect(reservations[0].workerSid).not.toBe(sales.sid);
    const channels = await api.workers(billing.sid).workerChannels.list();
    expect(channels.find((c) => c.taskChannelUniqueName === 'default')?.assignedTasks).toBe(1);
    expect(tr.snapshot()).toMatchObject({
      workspaces: { [ws.sid]: { tasks: { [task.sid]: { assignmentStatus: 'reserved' } } } },
    });
  });
});
