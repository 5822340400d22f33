// The AI worker pool in twilio-run: a settings save sizes it to the peak, more than 50 concurrent
// conversations are all engaged by the AI with none waiting in the queue, a save that shrinks it
// drains the surplus worker until its last task ends (also when assigned_tasks leaves the pending
// reservations out), and a reservation timeout on the second worker restores that worker.
import { AI_AUTHOR, World } from '../harness/world';
import { postForm } from './helpers';

jest.setTimeout(180000);

const CONVERSATIONS = 80;
const AI_TIMEOUT_SECONDS = 60;
/** Below the test timeout, so a run that never settles fails with settle()'s account of what is still open. */
const SETTLE_TIMEOUT_MS = 150_000;

async function admin(world: World, endpoint: 'settings-save' | 'setup-check', fields: Record<string, string> = {}) {
  const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
  return postForm(world.functions!.url, `/admin/${endpoint}`, { Token, ...fields });
}

/** The supervisors' live pool, from the AI insights. */
async function livePool(world: World) {
  const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
  const answer = await postForm(world.functions!.url, '/supervisor/insights', { Token, period: 'today' });
  expect(answer.status).toBe(200);
  return answer.body.live;
}

/** Test & Save with the peak, every other setting kept. */
async function savePeak(world: World, peak: number) {
  const answer = await sendPeak(world, peak);
  expect(answer.status).toBe(200);
  return answer.body.settings as { aiWorkerSids: string[]; aiPeakConversations: number };
}

const sendPeak = (world: World, peak: number) =>
  admin(world, 'settings-save', {
    workspaceSid: world.workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    aiQueueSid: world.aiQueueSid,
    aiAuthorName: AI_AUTHOR,
    aiPeakConversations: String(peak),
  });

/** Test & Save with the peak while Sync refuses the settings document's write: it fails after sizing the pool. */
async function peakSaveFails(world: World, peak: number): Promise<void> {
  world.twilio.addFault({ method: 'POST', path: /\/Documents\/opencx_config$/, status: 503 });
  try {
    expect((await sendPeak(world, peak)).status).toBeGreaterThanOrEqual(500);
  } finally {
    world.twilio.clearFaults();
  }
}

const storedConfig = (world: World) =>
  world.sync.document(world.syncServiceSid, 'opencx_config')!.data as Record<string, unknown>;
const openChannels = (world: World, workerSid: string) =>
  world.taskrouter
    .getWorker(world.workspaceSid, workerSid)
    .channels.filter((c) => c.available)
    .map((c) => `${c.taskChannelUniqueName} ${c.capacity}`);
const pendingOn = (world: World, workerSid: string) =>
  [...world.taskrouter.workspace(world.workspaceSid).reservations.values()].filter(
    (r) => r.workerSid === workerSid && r.status === 'pending',
  );

describe('a pool of two AI workers at a peak of 100 conversations', () => {
  let world: World;
  beforeAll(async () => {
    // OpenCX's per-key rate limit is not what this file is about. A burst of 80 conversations settles
    // slowly on a busy machine: settle() allows it longer than its default.
    world = await World.start({
      runtimeMode: 'warm',
      opencx: { rateLimitPerMinute: 100000 },
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
    });
  });
  afterAll(() => world?.stop());
  afterEach(() => expect(world.twilio.violations).toEqual([]));

  // Both are Available in the AI queue, at 50 chat and 50 sms.
  test('Test & Save grows the pool: the seeded worker adopted, a second one created', async () => {
    const settings = await savePeak(world, 100);
    expect(settings.aiPeakConversations).toBe(100);
    expect(settings.aiWorkerSids).toHaveLength(2);
    expect(settings.aiWorkerSids[0]).toBe(world.aiWorkerSid);
    expect(
      world
        .aiWorkers()
        .map((w) => w.sid)
        .sort(),
    ).toEqual([...settings.aiWorkerSids].sort());
    for (const sid of settings.aiWorkerSids) {
      const worker = world.taskrouter.getWorker(world.workspaceSid, sid);
      expect(worker.attributes).toMatchObject({ opencx_ai: true, routing: { skills: ['opencx_ai'] } });
      expect(
        world.taskrouter.findActivity(world.taskrouter.workspace(world.workspaceSid), worker.activitySid)?.available,
      ).toBe(true);
      expect(openChannels(world, sid)).toEqual(['chat 50', 'sms 50']);
    }
    expect(storedConfig(world)).toMatchObject({
      aiWorkerSid: world.aiWorkerSid,
      aiWorkerSids: settings.aiWorkerSids,
      aiDrainingWorkerSids: [],
      aiPeakConversations: 100,
    });
  });

  test(`${CONVERSATIONS} customers writing at once are all engaged by the AI; none waits for an AI slot`, async () => {
    const pool = storedConfig(world).aiWorkerSids as string[];
    world.opencx.ai.setDefault('Hi! How can I help?');
    const started = await world.customersStartConversations(CONVERSATIONS, 'Hello');

    expect(started.map(({ taskSid }) => world.task(taskSid).assignmentStatus)).toEqual(
      Array(CONVERSATIONS).fill('reserved'),
    );
    for (const { conversationSid } of started) {
      expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hi! How can I help?']);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    }
    const held = pool.map((sid) => pendingOn(world, sid).length);
    expect(held.reduce((a, b) => a + b)).toBe(CONVERSATIONS);
    expect(Math.max(...held)).toBeLessThanOrEqual(50);
    expect(Math.min(...held)).toBeGreaterThan(0);
    expect(world.opencx.sessions.size).toBe(CONVERSATIONS);
  });

  test('the setup check reports the pool, each worker and its use from TaskRouter, and warns at 80 %', async () => {
    const answer = await admin(world, 'setup-check');
    const check = (answer.body.checks as { id: string; status: string; detail: string; fix?: string }[]).find(
      (c) => c.id === 'ai_worker',
    )!;
    expect(check).toMatchObject({ status: 'warning', fix: expect.stringMatching(/raise the peak/) });
    expect(check.detail).toMatch(/^The AI pool is 80 % full on chat/);
    expect(check.detail).toContain('2 of 2 AI workers serving (a peak of 100 concurrent conversations, 50 a worker)');
    expect(check.detail).toContain(`chat: ${CONVERSATIONS} of 100 slots in use (80 %)`);
  });

  // Draining, it takes no new task and keeps its conversations.
  test('a save that shrinks the pool drains the worker that holds tasks, which goes once it holds none', async () => {
    const [first, second] = storedConfig(world).aiWorkerSids as string[];
    const before = { [first]: pendingOn(world, first).length, [second]: pendingOn(world, second).length };
    const [kept, drained] = before[first] >= before[second] ? [first, second] : [second, first];

    const settings = await savePeak(world, 50);
    expect(settings.aiWorkerSids).toEqual([kept]);
    expect(storedConfig(world)).toMatchObject({ aiWorkerSids: [kept], aiDrainingWorkerSids: [drained] });
    expect(openChannels(world, drained)).toEqual([]);
    expect(pendingOn(world, drained)).toHaveLength(before[drained]);

    // The AI still answers on the drained worker's conversations.
    const drainedTasks = pendingOn(world, drained).map((r) => r.taskSid);
    const conversationSid = world.task(drainedTasks[0]).attributes.conversationSid as string;
    world.opencx.ai.reply('Still with you.');
    await world.customerSays(conversationSid, 'Are you there?');
    expect(world.transcript(conversationSid).at(-1)).toMatchObject({ author: AI_AUTHOR, body: 'Still with you.' });

    // A save while it holds tasks keeps it; once its conversations end, the next save deletes it.
    await savePeak(world, 50);
    expect(world.aiWorkers().map((w) => w.sid)).toContain(drained);
    for (const taskSid of drainedTasks) {
      await world.client.taskrouter.v1
        .workspaces(world.workspaceSid)
        .tasks(taskSid)
        .update({ assignmentStatus: 'canceled', reason: 'customer left' });
    }
    await world.settle();
    await savePeak(world, 50);
    expect(world.aiWorkers().map((w) => w.sid)).toEqual([kept]);
    expect(storedConfig(world)).toMatchObject({ aiWorkerSids: [kept], aiDrainingWorkerSids: [] });
  });
});

// Twilio leaves open whether a worker channel's assigned_tasks counts pending reservations, the AI's
// conversations; when it does not, only the worker's reservations tell that it still holds them.
test('with assigned_tasks leaving pending reservations out, a shrink drains the worker holding them', async () => {
  const world = await World.start({
    runtimeMode: 'warm',
    aiWorkers: 2,
    switches: { assignedTasksCountsPending: false },
  });
  try {
    await savePeak(world, 100);
    world.opencx.ai.setDefault('Hi! How can I help?');
    const started = await world.customersStartConversations(2, 'Hello');
    const pool = storedConfig(world).aiWorkerSids as string[];
    // One conversation on each worker, and their channels say they hold nothing.
    expect(pool.map((sid) => pendingOn(world, sid).length)).toEqual([1, 1]);
    const channels = await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .workers(pool[1])
      .workerChannels.list();
    expect(channels.map((c) => c.assignedTasks)).toEqual(channels.map(() => 0));
    // The pool's use comes from the AI queue's statistics, which count them.
    const before = (await admin(world, 'setup-check')).body.checks as { id: string; detail: string }[];
    expect(before.find((c) => c.id === 'ai_worker')!.detail).toContain('chat: 2 of 100 slots in use (2 %).');

    const [kept] = (await savePeak(world, 50)).aiWorkerSids;
    const drained = pool.find((sid) => sid !== kept)!;
    expect(world.aiWorkers().map((w) => w.sid)).toContain(drained);
    expect(storedConfig(world)).toMatchObject({ aiWorkerSids: [kept], aiDrainingWorkerSids: [drained] });
    expect(openChannels(world, drained)).toEqual([]);
    const [held] = pendingOn(world, drained);
    expect(held).toBeDefined();
    const check = (await admin(world, 'setup-check')).body.checks as { id: string; detail: string }[];
    expect(check.find((c) => c.id === 'ai_worker')!.detail).toContain(`(${drained}) holds 1.`);
    // The AI queue's statistics count the drained worker's conversation; the serving worker's slots hold only its own.
    expect(check.find((c) => c.id === 'ai_worker')!.detail).toContain('chat: 1 of 50 slots in use (2 %).');
    expect(await livePool(world)).toEqual({ aiConversations: 1, capacity: 50, draining: 1, paused: 0 });

    // Its conversation still gets the AI's answers.
    const conversationSid = world.task(held.taskSid).attributes.conversationSid as string;
    expect(started.map((s) => s.conversationSid)).toContain(conversationSid);
    world.opencx.ai.reply('Still with you.');
    await world.customerSays(conversationSid, 'Are you there?');
    expect(world.transcript(conversationSid).at(-1)).toMatchObject({ author: AI_AUTHOR, body: 'Still with you.' });
    expect(pendingOn(world, drained).map((r) => r.sid)).toEqual([held.sid]);

    // Once it ends, the next save deletes the worker.
    await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .tasks(held.taskSid)
      .update({ assignmentStatus: 'canceled', reason: 'customer left' });
    await world.settle();
    await savePeak(world, 50);
    expect(world.aiWorkers().map((w) => w.sid)).toEqual([kept]);
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

test('a reservation timeout puts the second pool worker back to Available; the conversation carries on', async () => {
  const world = await World.start({ runtimeMode: 'warm', aiWorkers: 2, aiReservationTimeout: AI_TIMEOUT_SECONDS });
  try {
    const [first, second] = world.aiWorkerSids;
    const workspace = world.taskrouter.workspace(world.workspaceSid);
    const activityOf = (sid: string) =>
      world.taskrouter.findActivity(workspace, world.taskrouter.getWorker(world.workspaceSid, sid).activitySid)!
        .friendlyName;
    // The first worker is paused by an admin, so the conversation goes to the second.
    const pause = world.taskrouter.findActivity(workspace, 'Break')!;
    await world.client.taskrouter.v1.workspaces(world.workspaceSid).workers(first).update({ activitySid: pause.sid });
    world.opencx.ai.reply('Hello!');
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    const offered = world.reservations(taskSid).find((r) => r.workerSid === second)!;
    expect(offered.status).toBe('pending');

    await world.advance((AI_TIMEOUT_SECONDS + 1) * 1000);

    expect(world.reservations(taskSid).find((r) => r.sid === offered.sid)!.status).toBe('timeout');
    expect(activityOf(second)).toBe('Available');
    expect(activityOf(first)).toBe('Break');
    const restores = world.twilio
      .calls({ product: 'taskrouter', method: 'POST', template: '/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}' })
      .map((r) => r.path);
    expect(restores.filter((path) => path.endsWith(second))).toHaveLength(1);
    // The admin's pause, nothing from the bridge.
    expect(restores.filter((path) => path.endsWith(first))).toHaveLength(1);
    const again = world.reservations(taskSid).find((r) => r.workerSid === second && r.status === 'pending');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', reservationSid: again!.sid });

    world.opencx.ai.reply('Still here.');
    await world.customerSays(conversationSid, 'hello?');
    expect(world.transcript(conversationSid).at(-1)).toMatchObject({ author: AI_AUTHOR, body: 'Still here.' });
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

// The bridge serves the saved workspace's events only: an AI worker left Available in the previous
// workspace would take its conversations and never answer them.
test('a save that changes the workspace closes the AI workers of the one it left, each deleted once idle', async () => {
  const world = await World.start({ runtimeMode: 'warm', aiWorkers: 2 });
  try {
    const [first, second] = (await savePeak(world, 100)).aiWorkerSids;
    world.opencx.ai.setDefault('Hi! How can I help?');
    const { taskSid } = await world.customerStartsConversation('Hello');
    const busy = [first, second].find((sid) => pendingOn(world, sid).length > 0)!;
    const idle = busy === first ? second : first;
    const previous = world.workspaceSid;
    const next = world.taskrouter.createWorkspace({ friendlyName: 'Flex Task Assignment 2', multiTaskEnabled: true });

    const moving = {
      workspaceSid: next.sid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '50',
    };
    // Not before the admin confirms it: the AI's conversations there would be left.
    const unconfirmed = await admin(world, 'settings-save', moving);
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.error).toMatchObject({ code: 'change_not_confirmed', field: 'workspaceSid' });
    expect(storedConfig(world)).toMatchObject({ workspaceSid: previous });
    expect(openChannels(world, idle)).not.toEqual([]);
    expect(world.taskrouter.workspace(next.sid).workers.size).toBe(0);

    const saved = await admin(world, 'settings-save', { ...moving, confirmChange: 'workspace' });
    expect(saved.status).toBe(200);
    // What is left, in the answer and in the settings; the idle worker is gone, the busy one closed.
    expect(saved.body.formerAiWorkers).toEqual([{ workspaceSid: previous, workerSids: [busy] }]);
    expect(storedConfig(world)).toMatchObject({ workspaceSid: next.sid, aiFormerWorkspaceSids: [previous] });
    expect(world.aiWorkers().map((w) => w.sid)).toEqual([busy]);
    expect(openChannels(world, busy)).toEqual([]);
    expect(pendingOn(world, busy).map((r) => r.taskSid)).toEqual([taskSid]);
    expect(world.taskrouter.workspace(previous).workers.has(idle)).toBe(false);
    const [pooled] = saved.body.settings.aiWorkerSids as string[];
    expect(world.taskrouter.getWorker(next.sid, pooled).attributes).toMatchObject({ opencx_ai: true });

    // A new conversation in the previous workspace is offered to no AI worker.
    const later = await world.customerStartsConversation('Anyone?');
    expect(world.reservations(later.taskSid).filter((r) => r.workerSid === busy)).toEqual([]);

    const check = (await admin(world, 'setup-check')).body.checks as { id: string; detail: string }[];
    const busyName = world.taskrouter.getWorker(previous, busy).friendlyName;
    expect(check.find((c) => c.id === 'ai_worker')!.detail).toContain(
      `In workspace ${previous}, which the settings no longer name, AI workers are left, taking no new task, ` +
        `deleted by a save once they hold none: "${busyName}" (${busy}) holds 1.`,
    );

    // A save while it holds its task keeps it; once the task ends, the next save deletes it.
    const again = { workspaceSid: next.sid, conversationsServiceSid: world.conversationsServiceSid };
    expect((await admin(world, 'settings-save', again)).body.formerAiWorkers).toEqual([
      { workspaceSid: previous, workerSids: [busy] },
    ]);
    // Uninstall retires it too, and keeps what its conversation needs while it holds one.
    const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
    const uninstall = await postForm(world.functions!.url, '/admin/setup-uninstall', { Token, confirm: 'uninstall' });
    expect(uninstall.body).toMatchObject({ complete: false });
    expect(uninstall.body.steps).toContainEqual(
      expect.objectContaining({ title: `AI worker ${busy} in workspace ${previous}`, status: 'skipped' }),
    );
    await world.client.taskrouter.v1
      .workspaces(previous)
      .tasks(taskSid)
      .update({ assignmentStatus: 'canceled', reason: 'customer left' });
    await world.settle();
    const last = await admin(world, 'settings-save', again);
    expect(last.status).toBe(200);
    expect(last.body.formerAiWorkers).toBeUndefined();
    expect(world.aiWorkers()).toEqual([]);
    expect(storedConfig(world).aiFormerWorkspaceSids).toBeUndefined();
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

// Back to the workspace left: its AI worker, closed when the settings left, is adopted again. Opened
// before the settings and that workspace's callback name it, the chats queued there would be offered
// to it at once, and the bridge, judging them by the settings still naming the other workspace, would
// refuse them: they would wait for the reservation's timeout.
test('a save back to a workspace left earlier opens its AI worker once the settings and callback name it', async () => {
  const world = await World.start({ runtimeMode: 'warm', aiWorkers: 2 });
  try {
    await savePeak(world, 100);
    world.opencx.ai.setDefault('Hi! How can I help?');
    const first = await world.customerStartsConversation('Hello');
    const busy = world.reservations(first.taskSid).find((r) => r.status === 'pending')!.workerSid;
    const previous = world.workspaceSid;
    const next = world.taskrouter.createWorkspace({ friendlyName: 'Flex Task Assignment 2', multiTaskEnabled: true });
    const movingTo = (workspaceSid: string) => ({
      workspaceSid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '50',
      confirmChange: 'workspace',
    });
    expect((await admin(world, 'settings-save', movingTo(next.sid))).status).toBe(200);
    expect(openChannels(world, busy)).toEqual([]);
    // A chat in the workspace left waits in its queue: no AI worker is open there.
    const queued = await world.customerStartsConversation('Anyone there?');
    expect(world.reservations(queued.taskSid)).toEqual([]);

    // Back, but the workspace's callback cannot be told the new settings: the worker stays closed.
    const callbackWrite = new RegExp(`/Workspaces/${previous}$`);
    world.twilio.addFault({ product: 'taskrouter', method: 'POST', path: callbackWrite, status: 503 });
    let unregistered: Awaited<ReturnType<typeof admin>>;
    try {
      unregistered = await admin(world, 'settings-save', movingTo(previous));
    } finally {
      world.twilio.clearFaults();
    }
    expect(unregistered.status).toBe(200);
    expect(unregistered.body).toMatchObject({ webhooksNotUpdated: true, aiWorkersNotOpened: true });
    expect(openChannels(world, busy)).toEqual([]);
    expect(world.reservations(queued.taskSid)).toEqual([]);
    // Away again: the worker, still holding its chat, is closed and left behind once more.
    expect((await admin(world, 'settings-save', movingTo(next.sid))).body.formerAiWorkers).toEqual([
      { workspaceSid: previous, workerSids: [busy] },
    ]);

    // Back, with the callback's write held (the settings are written by then): nothing is offered to the
    // AI before it lands.
    let release!: () => void;
    world.twilio.addFault({
      product: 'taskrouter',
      method: 'POST',
      path: callbackWrite,
      times: 1,
      until: new Promise<void>((resolve) => (release = resolve)),
    });
    const back = admin(world, 'settings-save', movingTo(previous));
    try {
      await world.until(() => world.twilio.requestsOnHold === 1, "the callback's write, held");
      expect(storedConfig(world)).toMatchObject({ workspaceSid: previous });
      expect(openChannels(world, busy)).toEqual([]);
      expect(world.reservations(queued.taskSid)).toEqual([]);
    } finally {
      release();
    }
    const saved = await back;
    expect(saved.status).toBe(200);
    expect(saved.body.settings.aiWorkerSids).toEqual([busy]);
    await world.settle();

    expect(openChannels(world, busy)).toEqual(['chat 50', 'sms 50']);
    expect(pendingOn(world, busy).map((r) => r.taskSid)).toEqual([first.taskSid, queued.taskSid]);
    expect(world.conversationRecord(queued.conversationSid)).toMatchObject({ phase: 'ai' });
    expect(world.postedAsAi(queued.conversationSid).map((m) => m.body)).toEqual(['Hi! How can I help?']);
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

test('a save leaves an AI worker an admin paused as it is, and puts back one a timeout moved', async () => {
  const world = await World.start({});
  try {
    const workspace = world.taskrouter.workspace(world.workspaceSid);
    const activity = (name: string) => world.taskrouter.findActivity(workspace, name)!.sid;
    const [worker] = (await savePeak(world, 50)).aiWorkerSids;
    const activityOf = () => world.taskrouter.getWorker(world.workspaceSid, worker).activitySid;
    const setActivity = (sid: string) =>
      world.client.taskrouter.v1.workspaces(world.workspaceSid).workers(worker).update({ activitySid: sid });

    await setActivity(activity('Break'));
    await savePeak(world, 50);
    expect(activityOf()).toBe(activity('Break'));

    // The workspace's timeout activity is what a reservation timeout sets: that one is put back.
    await setActivity(workspace.timeoutActivitySid);
    await savePeak(world, 50);
    expect(activityOf()).toBe(activity('Available'));
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

test('while an admin has the AI paused a save keeps it off; a shrink keeps the worker that serves', async () => {
  const world = await World.start({});
  try {
    const workspace = world.taskrouter.workspace(world.workspaceSid);
    const breakSid = world.taskrouter.findActivity(workspace, 'Break')!.sid;
    const activityOf = (sid: string) => world.taskrouter.getWorker(world.workspaceSid, sid).activitySid;
    const pause = (sid: string) =>
      world.client.taskrouter.v1.workspaces(world.workspaceSid).workers(sid).update({ activitySid: breakSid });

    const [first] = (await savePeak(world, 50)).aiWorkerSids;
    await pause(first);
    const grown = (await savePeak(world, 100)).aiWorkerSids;
    expect(grown).toHaveLength(2);
    expect(grown.map(activityOf)).toEqual([breakSid, breakSid]);

    // The admin turns the second worker back on, and shrinks the pool: the AI stays on.
    const second = grown.find((sid) => sid !== first)!;
    const availableSid = world.taskrouter.findActivity(workspace, 'Available')!.sid;
    await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .workers(second)
      .update({ activitySid: availableSid });
    expect((await savePeak(world, 50)).aiWorkerSids).toEqual([second]);
    expect(activityOf(second)).toBe(availableSid);
    expect(openChannels(world, second)).toEqual(['chat 50', 'sms 50']);
    expect(world.aiWorkers().map((worker) => worker.sid)).toEqual([second]);
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

test('a save that grows the pool but cannot store the settings leaves the new worker taking no chats', async () => {
  const world = await World.start({});
  try {
    const [kept] = (await savePeak(world, 50)).aiWorkerSids;
    await peakSaveFails(world, 100);
    const created = world.aiWorkers().filter((worker) => worker.sid !== kept);
    expect(created).toHaveLength(1);
    const workspace = world.taskrouter.workspace(world.workspaceSid);
    expect(world.taskrouter.findActivity(workspace, created[0].activitySid)?.available).toBe(false);
    expect(storedConfig(world)).toMatchObject({ aiWorkerSids: [kept] });

    // A second save fails too: it adopts the worker, and leaves it taking no chats as well.
    await peakSaveFails(world, 100);
    const unopened = world.taskrouter.getWorker(world.workspaceSid, created[0].sid);
    expect(world.taskrouter.findActivity(workspace, unopened.activitySid)?.available).toBe(false);

    // A save that stores the settings but cannot open it says so; the next one opens it.
    world.twilio.addFault({ method: 'POST', path: new RegExp(`/Workers/${created[0].sid}$`), status: 503 });
    let saved: Awaited<ReturnType<typeof sendPeak>>;
    try {
      saved = await sendPeak(world, 100);
    } finally {
      world.twilio.clearFaults();
    }
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ aiWorkersNotOpened: true });
    expect(storedConfig(world)).toMatchObject({ aiWorkerSids: [kept, created[0].sid] });
    const stillShut = world.taskrouter.getWorker(world.workspaceSid, created[0].sid);
    expect(world.taskrouter.findActivity(workspace, stillShut.activitySid)?.available).toBe(false);

    expect((await savePeak(world, 100)).aiWorkerSids).toEqual([kept, created[0].sid]);
    const adopted = world.taskrouter.getWorker(world.workspaceSid, created[0].sid);
    expect(world.taskrouter.findActivity(workspace, adopted.activitySid)?.available).toBe(true);
    expect(world.twilio.violations).toEqual([]);
  } finally {
    await world.stop();
  }
});

describe('a first Test & Save while the workspace events do not come here yet', () => {
  let world: World;
  beforeAll(async () => {
    world = await World.start({ webhooks: false, seedAiWorker: false });
  });
  afterAll(() => world?.stop());
  afterEach(() => expect(world.twilio.violations).toEqual([]));

  const availability = () =>
    world
      .aiWorkers()
      .map(
        (worker) =>
          world.taskrouter.findActivity(world.taskrouter.workspace(world.workspaceSid), worker.activitySid)!.available,
      );
  const call = async (endpoint: string, fields: Record<string, string> = {}) => {
    const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
    const answer = await postForm(world.functions!.url, `/admin/${endpoint}`, { Token, ...fields });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const save = () =>
    call('settings-save', {
      workspaceSid: world.workspaceSid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '60',
    });

  // TaskRouter would offer an Available AI worker chats (a queue of everyone matches it) nothing answers.
  test('leaves the AI workers unavailable, their channels open, and says Apply makes them Available', async () => {
    const saved = await save();
    expect(saved).toMatchObject({ workerCreated: true, aiWorkersAwaitApply: true });
    expect(availability()).toEqual([false, false]);
    for (const worker of world.aiWorkers()) expect(openChannels(world, worker.sid)).toEqual(['chat 50', 'sms 50']);
  });

  test('Apply leaves them unavailable while the events go to another tool and the admin kept it', async () => {
    const workspaceApi = world.client.taskrouter.v1.workspaces(world.workspaceSid);
    await workspaceApi.update({ eventCallbackUrl: 'https://reports.example.com/taskrouter-events' });
    const held = await call('setup-apply', { humanQueueSid: world.humanQueueSid });
    const step = (id: string) =>
      (held.steps as { id: string; status: string; detail: string }[]).find((s) => s.id === id);
    expect(step('workspace_events')?.status).toBe('skipped');
    expect(step('ai_worker')).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(
        /^Not made Available while TaskRouter's event callback is not set to this deployment/,
      ),
    });
    expect(availability()).toEqual([false, false]);
    await workspaceApi.update({ eventCallbackUrl: '' });
  });

  test('Apply points the events here and makes them Available; a later save keeps them so', async () => {
    const applied = await call('setup-apply', { humanQueueSid: world.humanQueueSid });
    expect(applied.applied).toEqual(expect.arrayContaining(['workspace_events', 'ai_worker']));
    expect(availability()).toEqual([true, true]);
    const saved = await save();
    expect(saved.aiWorkersAwaitApply).toBeUndefined();
    expect(availability()).toEqual([true, true]);
  });

  test('Undo takes the events away and puts the AI workers back as Apply found them', async () => {
    await call('setup-undo');
    expect(availability()).toEqual([false, false]);
  });

  test('Undo after a larger pool was saved sets the workers added since unavailable too', async () => {
    await call('setup-apply', { humanQueueSid: world.humanQueueSid });
    const before = world.aiWorkers().map((worker) => worker.sid);
    // The events come here: the save opens the workers it adds at once.
    await call('settings-save', {
      workspaceSid: world.workspaceSid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '150',
    });
    const added = world.aiWorkers().filter((worker) => !before.includes(worker.sid));
    expect(added).toHaveLength(1);
    expect(availability()).toEqual([true, true, true]);

    const undone = await call('setup-undo');
    expect(world.taskrouter.workspace(world.workspaceSid).eventCallbackUrl ?? '').toBe('');
    // Left Available, the worker added since would be offered chats no event tells any Function of.
    expect(availability()).toEqual([false, false, false]);
    expect(
      (undone.steps as { title: string; status: string; detail: string }[]).find(
        (s) => s.title === 'AI workers added since that Apply',
      ),
    ).toMatchObject({ status: 'applied', detail: expect.stringContaining(added[0].sid) });
    expect(undone.complete).toBe(true);

    // Apply opens them all again; the save back to 100 drains the third.
    await call('setup-apply', { humanQueueSid: world.humanQueueSid });
    expect(availability()).toEqual([true, true, true]);
    await call('settings-save', {
      workspaceSid: world.workspaceSid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '100',
    });
    await call('setup-undo');
  });

  test('Undo after a smaller pool was saved restores the worker left and is not stuck on the one gone', async () => {
    await call('setup-apply', { humanQueueSid: world.humanQueueSid });
    expect(availability()).toEqual([true, true]);
    const [kept, gone] = world.aiWorkers().map((worker) => worker.sid);
    await call('settings-save', {
      workspaceSid: world.workspaceSid,
      conversationsServiceSid: world.conversationsServiceSid,
      aiAuthorName: AI_AUTHOR,
      aiPeakConversations: '40',
    });
    expect(world.aiWorkers().map((worker) => worker.sid)).toEqual([kept]);

    const undone = await call('setup-undo');
    expect(
      (undone.steps as { id: string; status: string; detail: string }[]).find((s) => s.id === 'ai_worker'),
    ).toEqual(
      expect.objectContaining({
        status: 'applied',
        detail: expect.stringContaining(
          `Restored AI workers ${kept} as they were before that Apply. Not in the account any more: ${gone}.`,
        ),
      }),
    );
    expect(undone.complete).toBe(true);
    expect(availability()).toEqual([false]);
  });
});
