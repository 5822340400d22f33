// The virtual clock, answers lost after processing, and how webhook deliveries end: Twilio's
// timeout, the Function outliving its caller (or not), and the retry switches.
import http from 'node:http';
import { closeServer, listenOnLoopback, readBody } from '../http';
import { SimulatorClock } from './clock';
import { ConversationsSim } from './conversations';
import { DELIVERY_HEADER, type TwilioSimulator, type WebhookDelivery } from './simulator';
import { SyncSim } from './sync';
import { TaskRouterSim } from './taskrouter';
import { clientFor, startSimulator, startWebhookReceiver, stopAndExpectNoViolations } from './test-support';

describe('SimulatorClock', () => {
  test('starts at the real time and stands still until advanced', async () => {
    const before = Date.now();
    const clock = new SimulatorClock();
    const start = clock.now();
    expect(start).toBeGreaterThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now()).toBe(start);
    clock.advance(1500);
    expect(clock.now()).toBe(start + 1500);
  });

  test('advance fires the timers that fall due, in due order, each at its own due time', () => {
    const clock = new SimulatorClock(1_000_000);
    const fired: string[] = [];
    clock.schedule(3000, () => fired.push(`b@${clock.now()}`));
    clock.schedule(1000, () => {
      fired.push(`a@${clock.now()}`);
      clock.schedule(500, () => fired.push(`a2@${clock.now()}`));
    });
    const late = clock.schedule(9000, () => fired.push('never'));
    clock.cancel(late);
    clock.advance(5000);
    expect(fired).toEqual(['a@1001000', 'a2@1001500', 'b@1003000']);
    expect(clock.now()).toBe(1_005_000);
  });

  test('a timer with no delay waits for runDue()', () => {
    const clock = new SimulatorClock();
    const fired: number[] = [];
    clock.schedule(0, () => fired.push(1));
    expect(fired).toEqual([]);
    expect(clock.hasDue()).toBe(true);
    clock.runDue();
    expect(fired).toEqual([1]);
  });
});

describe('faults after processing: the request took effect, the answer is lost', () => {
  let sim: TwilioSimulator;
  let conversations: ConversationsSim;
  let sync: SyncSim;

  beforeEach(async () => {
    conversations = new ConversationsSim();
    sync = new SyncSim();
    sim = await startSimulator({ conversations, sync });
  });
  afterEach(() => stopAndExpectNoViolations(sim));

  test('a message post answered 500 after processing: the client sees a failure, the message exists', async () => {
    const service = conversations.createService('Flex');
    const conversation = conversations.createConversation(service.sid);
    sim.addFault({
      method: 'POST',
      path: '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
      after: 500,
      times: 1,
    });

    const post = clientFor(sim)
      .conversations.v1.services(service.sid)
      .conversations(conversation.sid)
      .messages.create({ author: 'AI', body: 'Your order shipped.' });
    await expect(post).rejects.toMatchObject({ status: 500, code: 20500 });

    expect(conversations.messages(service.sid, conversation.sid).map((m) => m.body)).toEqual(['Your order shipped.']);
    const [record] = sim.calls({ product: 'conversations', method: 'POST' });
    expect(record).toMatchObject({ status: 500, processedStatus: 201 });
  });

  test('a Sync item create whose answer is dropped: the client sees a broken connection, the item exists', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    sync.createMap(serviceSid, { uniqueName: 'opencx_conversations' });
    sim.addFault({ method: 'POST', path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items', after: 'drop', times: 1 });
    const items = clientFor(sim).sync.v1.services(serviceSid).syncMaps('opencx_conversations').syncMapItems;

    await expect(items.create({ key: 'CH1', data: { phase: 'ai' } })).rejects.toThrow();
    expect(sync.mapItems(serviceSid, 'opencx_conversations')).toEqual([
      expect.objectContaining({ key: 'CH1', data: { phase: 'ai' } }),
    ]);
    // The client's retry finds the write already made.
    await expect(items.create({ key: 'CH1', data: { phase: 'ai' } })).rejects.toMatchObject({
      status: 409,
      code: 54208,
    });
    expect(sim.calls({ product: 'sync', method: 'POST' }).map((r) => [r.status, r.processedStatus])).toEqual([
      [0, 201],
      [409, undefined],
    ]);
  });

  test('a fault with a form pattern hits only the requests one of whose values matches', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    sync.createMap(serviceSid, { uniqueName: 'opencx_conversations' });
    sim.addFault({ method: 'POST', path: /\/Items$/, form: /"phase":"handoff"/, status: 500 });
    const items = clientFor(sim).sync.v1.services(serviceSid).syncMaps('opencx_conversations').syncMapItems;

    await expect(items.create({ key: 'CH1', data: { phase: 'ai' } })).resolves.toMatchObject({ key: 'CH1' });
    await expect(items.create({ key: 'CH2', data: { phase: 'handoff' } })).rejects.toMatchObject({ status: 500 });
    expect(sync.mapItems(serviceSid, 'opencx_conversations').map((item) => item.key)).toEqual(['CH1']);
  });

  test('a gated request waits for the gate, then is processed as usual', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    sync.createMap(serviceSid, { uniqueName: 'opencx_conversations' });
    let open!: () => void;
    sim.addFault({ method: 'POST', until: new Promise<void>((resolve) => (open = resolve)), times: 1 });
    const items = clientFor(sim).sync.v1.services(serviceSid).syncMaps('opencx_conversations').syncMapItems;

    let settled = false;
    const created = items.create({ key: 'CH1', data: { phase: 'ai' } }).finally(() => (settled = true));
    await waitUntil(() => sim.calls({ product: 'sync', method: 'POST' }).length === 1);
    expect(sync.mapItems(serviceSid, 'opencx_conversations')).toEqual([]);
    expect(settled).toBe(false);
    expect(sim.requestsOnHold).toBe(1);

    open();
    await expect(created).resolves.toMatchObject({ key: 'CH1' });
    expect(sync.mapItems(serviceSid, 'opencx_conversations')).toHaveLength(1);
    expect(sim.requestsOnHold).toBe(0);
  });

  test('a gated request whose client left is recorded as never answered; an answered one is not', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    sync.createMap(serviceSid, { uniqueName: 'opencx_conversations' });
    let open!: () => void;
    sim.addFault({ method: 'POST', until: new Promise<void>((resolve) => (open = resolve)), times: 1 });
    const url = `${sim.url}/sync/v1/Services/${serviceSid}/Maps/opencx_conversations/Items`;
    const leaving = new AbortController();
    const post = (key: string, signal?: AbortSignal) =>
      fetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ Key: key, Data: '{}' }).toString(),
        signal,
      });
    try {
      const left = post('CH1', leaving.signal).catch(() => undefined);
      await waitUntil(() => sim.calls({ product: 'sync', method: 'POST' }).length === 1);
      leaving.abort();
      await left;
      await waitUntil(() => sim.requests[0].endedAt !== undefined);
    } finally {
      open();
    }
    expect((await post('CH2')).status).toBe(201);
    await sim.idle();
    expect(sim.requests.map((r) => [r.form.Key, r.clientLeft])).toEqual([
      ['CH1', true],
      ['CH2', undefined],
    ]);
  });

  test('POST /__sim/faults takes `after` too', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    const added = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: 'POST', pathRegex: '/Documents$', after: 503, times: 1 }),
    });
    expect(added.status).toBe(201);
    await expect(
      clientFor(sim).sync.v1.services(serviceSid).documents.create({ uniqueName: 'opencx_config', data: {} }),
    ).rejects.toMatchObject({
      status: 503,
    });
    expect(sync.document(serviceSid, 'opencx_config')).toBeDefined();
  });

  test('requests record when they started and ended, in real time', async () => {
    const serviceSid = sync.createService('OpenCX').sid;
    await clientFor(sim).sync.v1.services(serviceSid).documents.create({ uniqueName: 'a', data: {} });
    await clientFor(sim).sync.v1.services(serviceSid).documents.create({ uniqueName: 'b', data: {} });
    const [first, second] = sim.requests;
    expect(first.endedAt).toBeGreaterThanOrEqual(first.startedAt);
    expect(second.startedAt).toBeGreaterThanOrEqual(first.endedAt!);
  });
});

/** A webhook endpoint that answers only when told to, like a Function still working. */
async function startSlowFunction(): Promise<{
  url: string;
  arrived: () => number;
  closed: () => number;
  answerAll: (status: number) => void;
  close: () => Promise<void>;
}> {
  const waiting: http.ServerResponse[] = [];
  let arrived = 0;
  let closed = 0;
  let answer: number | undefined;
  const server = http.createServer((req, res) => {
    void readBody(req).then(() => {
      arrived += 1;
      res.once('close', () => (closed += res.writableEnded ? 0 : 1));
      if (answer === undefined) waiting.push(res);
      else res.writeHead(answer).end();
    });
  });
  const base = await listenOnLoopback(server);
  return {
    url: `${base}/webhook`,
    arrived: () => arrived,
    closed: () => closed,
    answerAll: (status) => {
      answer = status;
      for (const res of waiting.splice(0)) if (!res.destroyed) res.writeHead(status).end();
    },
    close: () => closeServer(server),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a delivery Twilio gives up on', () => {
  let sim: TwilioSimulator;
  let fn: Awaited<ReturnType<typeof startSlowFunction>>;

  beforeEach(async () => {
    sim = await startSimulator({});
    fn = await startSlowFunction();
  });
  afterEach(async () => {
    fn.answerAll(200);
    try {
      await sim.idle();
    } finally {
      await sim.stop();
      await fn.close();
    }
  });

  test('is recorded as timed out, while idle() waits until the Function has really answered', async () => {
    const delivery = await sim.deliverWebhook('conversations', fn.url, { EventType: 'onMessageAdded' }, 50);
    expect(delivery.error).toBe('timed out after 50 ms');
    expect(delivery.status).toBeUndefined();

    let idle = false;
    const settled = sim.idle().then(() => (idle = true));
    await until(() => fn.arrived() === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false);
    fn.answerAll(200);
    await settled;
    expect(delivery).toMatchObject({ error: 'timed out after 50 ms', lateStatus: 200 });
  });

  test('expireDelivery makes Twilio give up now', async () => {
    const pending = sim.deliverWebhook('conversations', fn.url, { EventType: 'onMessageAdded' }, 60_000);
    await until(() => fn.arrived() === 1);
    sim.expireDelivery(sim.webhooks[0].seq);
    await expect(pending).resolves.toMatchObject({ error: 'timed out after 60000 ms' });
  });

  test('with functionOutlivesCaller off, the Function is stopped and its connection closed', async () => {
    sim.switches.functionOutlivesCaller = false;
    const stopped: WebhookDelivery[] = [];
    sim.stopFunction = async (delivery) => stopped.push(delivery) > 0;

    const delivery = await sim.deliverWebhook('conversations', fn.url, { EventType: 'onMessageAdded' }, 50);
    await sim.idle();
    expect(delivery).toMatchObject({ error: 'timed out after 50 ms', functionStopped: true });
    expect(stopped).toEqual([delivery]);
    await until(() => fn.closed() === 1);
  });
});

describe('retry switches', () => {
  let sim: TwilioSimulator;

  afterEach(() => stopAndExpectNoViolations(sim));

  test.each([false, true])(
    'conversationsRetriesTimedOutWebhooks %s: a 5xx delivery is re-sent once with RetryCount=1 and the same token',
    async (retries) => {
      const conversations = new ConversationsSim();
      sim = await startSimulator({ conversations }, { switches: { conversationsRetriesTimedOutWebhooks: retries } });
      const failing = await startWebhookReceiver({ status: 500 });
      try {
        const service = conversations.createService('Flex');
        await clientFor(sim)
          .conversations.v1.services(service.sid)
          .configuration.webhooks()
          .update({ postWebhookUrl: failing.url(), filters: ['onMessageAdded'], method: 'POST' });
        const conversation = conversations.createConversation(service.sid);
        conversations.receiveCustomerMessage(service.sid, conversation.sid, { author: 'customer', body: 'Hello' });
        await sim.idle();

        expect(failing.received.map((hook) => hook.params.RetryCount)).toEqual(retries ? ['0', '1'] : ['0']);
        const deliveries = sim.webhooks.filter((d) => d.kind === 'conversations');
        expect(new Set(deliveries.map((d) => d.idempotencyToken)).size).toBe(1);
        if (retries) expect(deliveries[1].retryOf).toBe(deliveries[0].seq);
      } finally {
        await failing.close();
      }
    },
  );

  test.each([false, true])(
    'taskRouterRetriesFailedEvents %s: a 5xx event is delivered once more with the same Sid',
    async (retries) => {
      const taskrouter = new TaskRouterSim();
      sim = await startSimulator({ taskrouter }, { switches: { taskRouterRetriesFailedEvents: retries } });
      const failing = await startWebhookReceiver({ status: 503 });
      try {
        const ws = taskrouter.createWorkspace({
          friendlyName: 'OpenCX timers',
          eventCallbackUrl: failing.url(),
          eventsFilter: 'task.created',
        });
        const queue = taskrouter.createTaskQueue(ws.sid, {
          friendlyName: 'OpenCX timers',
          targetWorkers: 'opencx_timer == true',
        });
        const workflow = taskrouter.createWorkflow(ws.sid, {
          friendlyName: 'OpenCX timers',
          configuration: { task_routing: { filters: [], default_filter: { queue: queue.sid } } },
        });
        await clientFor(sim)
          .taskrouter.v1.workspaces(ws.sid)
          .tasks.create({ workflowSid: workflow.sid, attributes: '{}' });
        await sim.idle();

        expect(failing.eventTypes()).toEqual(retries ? ['task.created', 'task.created'] : ['task.created']);
        expect(new Set(failing.received.map((hook) => hook.params.Sid)).size).toBe(1);
      } finally {
        await failing.close();
      }
    },
  );

  test('lateDeliveryMs: every second event arrives late, after the events that followed it', async () => {
    const taskrouter = new TaskRouterSim();
    const conversations = new ConversationsSim();
    sim = await startSimulator({ taskrouter, conversations }, { switches: { lateDeliveryMs: 3000 } });
    const receiver = await startWebhookReceiver({ status: 204 });
    try {
      const ws = taskrouter.createWorkspace({
        friendlyName: 'Flex',
        eventCallbackUrl: receiver.url(),
        eventsFilter: 'task.created',
      });
      const queue = taskrouter.createTaskQueue(ws.sid, { friendlyName: 'Support', targetWorkers: 'role == "agent"' });
      const workflow = taskrouter.createWorkflow(ws.sid, {
        friendlyName: 'Flex',
        configuration: { task_routing: { filters: [], default_filter: { queue: queue.sid } } },
      });
      const tasks = [];
      for (let i = 0; i < 3; i++)
        tasks.push(
          await clientFor(sim)
            .taskrouter.v1.workspaces(ws.sid)
            .tasks.create({ workflowSid: workflow.sid, attributes: '{}' }),
        );
      const service = conversations.createService('Flex');
      await clientFor(sim)
        .conversations.v1.services(service.sid)
        .configuration.webhooks()
        .update({ postWebhookUrl: receiver.url(), filters: ['onMessageAdded'], method: 'POST' });
      const conversation = conversations.createConversation(service.sid);
      for (const body of ['one', 'two'])
        conversations.receiveCustomerMessage(service.sid, conversation.sid, { author: 'customer', body });
      await sim.idle();
      const arrived = (): string[] => receiver.received.map((hook) => hook.params.TaskSid ?? hook.params.Body);
      // The 2nd and the 4th event (the customer's first message) wait on the clock.
      expect(arrived()).toEqual([tasks[0].sid, tasks[2].sid, 'two']);

      sim.clock.advance(2999);
      await sim.idle();
      expect(arrived()).toHaveLength(3);
      sim.clock.advance(1);
      await sim.idle();
      expect(arrived()).toEqual([tasks[0].sid, tasks[2].sid, 'two', tasks[1].sid, 'one']);
    } finally {
      await receiver.close();
    }
  });

  test('a held delivery is sent once its gate opens; the others, and the ones after it, are not held', async () => {
    sim = await startSimulator({});
    const receiver = await startWebhookReceiver();
    try {
      let open!: () => void;
      sim.holdDeliveries({
        kind: 'taskrouter',
        match: (params) => params.EventType === 'reservation.created',
        until: new Promise<void>((resolve) => (open = resolve)),
      });
      const deliver = (kind: string, EventType: string) =>
        sim.deliverWebhook(kind, receiver.url(), { EventType }, 1000);
      const held = deliver('taskrouter', 'reservation.created');
      await deliver('conversations', 'reservation.created');
      await deliver('taskrouter', 'task.created');
      expect(sim.deliveriesOnHold).toBe(1);
      expect(receiver.eventTypes()).toEqual(['reservation.created', 'task.created']);

      open();
      await expect(held).resolves.toMatchObject({ status: 204 });
      expect(sim.deliveriesOnHold).toBe(0);
      await deliver('taskrouter', 'reservation.created');
      expect(receiver.eventTypes()).toEqual([
        'reservation.created',
        'task.created',
        'reservation.created',
        'reservation.created',
      ]);
    } finally {
      await receiver.close();
    }
  });

  test('every delivery names itself in a header, so a harness can find the Function serving it', async () => {
    sim = await startSimulator({});
    const headers: string[] = [];
    const server = http.createServer((req, res) => {
      headers.push(String(req.headers[DELIVERY_HEADER]));
      res.writeHead(204).end();
    });
    const base = await listenOnLoopback(server);
    try {
      const delivery = await sim.deliverWebhook('test', `${base}/webhook`, { EventType: 'x' }, 1000);
      expect(headers).toEqual([String(delivery.seq)]);
    } finally {
      await closeServer(server);
    }
  });
});

/** Polls for a state another request is about to reach; fails the test after 10 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (const stop = Date.now() + 10_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 5)))
    if (Date.now() > stop) throw new Error('condition never held');
}
