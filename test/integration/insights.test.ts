// The supervisors' AI insights and the agents' verdicts, in twilio-run against the simulators: what
// the bridge records as conversations happen, what the insights Function answers, and where a
// verdict lands.
import { INSIGHT_MAPS, insightKey, type InsightEvent } from '../../functions/bridge/insights';
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';
import { World } from '../harness/world';
import {
  finishTest,
  type FunctionAnswer,
  insightEvents,
  lastSeq,
  postForm,
  RELAY_CALLS,
  relayCalls,
  restCalls,
} from './helpers';

jest.setTimeout(90000);

let world: World;

beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world?.stop());
afterEach(() => finishTest(world));

const token = (roles: string[], workerSid?: string) =>
  world.iam.issueToken({ identity: `${roles[0]}@example.com`, roles, workerSid });
const insights = (roles = ['supervisor'], period?: string): Promise<FunctionAnswer> =>
  postForm(world.functions!.url, '/supervisor/insights', { Token: token(roles), period });
const giveVerdict = (fields: Record<string, string>, workerSid = world.humanWorkerSid): Promise<FunctionAnswer> =>
  postForm(world.functions!.url, '/agent/handoff-verdict', { Token: token(['agent'], workerSid), ...fields });

const recorded = () => insightEvents(world);
const eventsOf = (conversationSid: string) =>
  recorded()
    .filter((e) => e.data.conversationSid === conversationSid)
    .map((e) => e.data.type);
const insightWrites = (since: number) =>
  world.twilio.requests.filter((r) => r.seq > since && r.method === 'POST' && r.path.includes(INSIGHT_MAPS.base));

describe('recording', () => {
  let contained: string;
  let handedOff: { conversationSid: string; taskSid: string };

  beforeAll(async () => {
    // Contained: the AI answers, the customer leaves.
    const first = await world.customerStartsConversation('What are your opening hours?');
    contained = first.conversationSid;
    world.taskrouter.updateTaskStatus(world.workspaceSid, first.taskSid, 'canceled', 'Customer left');
    await world.settle();
    // Handed off: the AI passes it to an agent, who accepts and completes it.
    handedOff = await world.customerStartsConversation('My parcel from order 1234 arrived broken');
    world.opencx.ai.reply({
      type: 'handoff',
      summary: 'Parcel for order 1234 arrived damaged; wants a refund.',
      sentiment: 'angry',
    });
    await world.customerSays(handedOff.conversationSid, 'I want a human');
    await world.humanAgentAccepts(handedOff.taskSid);
  });

  // The handed-off conversation's end is recorded once the agent completes its task.
  test('contained records engage and an end with the AI; handed off, engage, handoff, end without the AI', async () => {
    expect(eventsOf(contained).sort()).toEqual(['end', 'engage']);
    expect(recorded().find((e) => e.data.conversationSid === contained && e.data.type === 'end')!.data).toMatchObject({
      withAi: true,
    });
    expect(eventsOf(handedOff.conversationSid).sort()).toEqual(['engage', 'handoff']);
    const handoff = recorded().find(
      (e) => e.data.type === 'handoff' && e.data.conversationSid === handedOff.conversationSid,
    )!;
    expect(handoff.data).toEqual({
      type: 'handoff',
      at: world.task(handedOff.taskSid).attributes.handoffTimestamp,
      conversationSid: handedOff.conversationSid,
      taskSid: handedOff.taskSid,
      reason: 'AI requested human handoff',
      sentiment: 'negative',
      aiUnavailable: false,
      secondsWithAi: expect.any(Number),
    });
    // Each item in its shard, under its key, kept 90 days.
    expect(handoff.key).toBe(insightKey(handoff.data));
    expect(handoff.map).toBe(locationOf(INSIGHT_MAPS, handoff.key));
    const item = world.sync.mapItems(world.syncServiceSid, handoff.map).find((i) => i.key === handoff.key)!;
    expect(item.dateExpires! - item.dateCreated).toBe(90 * 24 * 3600 * 1000);

    world.taskrouter.updateTaskStatus(world.workspaceSid, handedOff.taskSid, 'completed', 'Agent completed');
    await world.settle();
    expect(
      recorded().find((e) => e.data.conversationSid === handedOff.conversationSid && e.data.type === 'end')!.data,
    ).toMatchObject({ withAi: false });
  });

  test('nothing recorded holds customer text, the summary or who the customer is', () => {
    const stored = JSON.stringify(recorded());
    for (const text of [
      'opening hours',
      'parcel',
      'order 1234',
      'refund',
      'i want a human',
      world.customerOf(handedOff.conversationSid),
    ])
      expect(stored.toLowerCase()).not.toContain(text.toLowerCase());
  });

  // The handoff's details: its reason, sentiment and time with the AI.
  test("the supervisor's answer counts both conversations, the handoff's details, and the pool now", async () => {
    // Seven days, not today: the counts must not depend on midnight passing during the test.
    const answer = await insights(['supervisor'], '7d');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      ok: true,
      period: '7d',
      engaged: 2,
      contained: 1,
      handedOff: 1,
      handoffRate: 0.5,
      topReasons: [{ reason: 'AI requested human handoff', count: 1 }],
      sentimentAtHandoff: { negative: 1, neutral: 0, positive: 0 },
      medianSecondsWithAiBeforeHandoff: expect.any(Number),
      aiUnavailableHandoffs: 0,
      handbacks: 0,
      verdicts: { total: 0, notNeeded: 0, summaryWrong: 0 },
      notNeededRate: null,
      live: { aiConversations: 0, capacity: 50, draining: 0, paused: 0 },
      handoffs: [
        {
          taskSid: handedOff.taskSid,
          conversationSid: handedOff.conversationSid,
          reason: 'AI requested human handoff',
          sentiment: 'negative',
        },
      ],
    });
    const days = answer.body.daily as { date: string; engaged: number; contained: number; handedOff: number }[];
    expect(days).toHaveLength(7);
    const busy = days.filter((day) => day.engaged + day.contained + day.handedOff > 0);
    const eventDays = new Set(recorded().map((event) => event.data.at.slice(0, 10)));
    expect(busy.every((day) => eventDays.has(day.date))).toBe(true);
    const total = (field: 'engaged' | 'contained' | 'handedOff') => busy.reduce((sum, day) => sum + day[field], 0);
    expect([total('engaged'), total('contained'), total('handedOff')]).toEqual([2, 1, 1]);
    expect(answer.body.coveredFrom).toBe(answer.body.from);
    expect(answer.text.toLowerCase()).not.toContain('parcel');
  });

  test('the live pool counts the conversations the AI holds now', async () => {
    const open = await world.customerStartsConversation('Do you ship to Norway?');
    expect((await insights(['admin'])).body.live).toEqual({
      aiConversations: 1,
      capacity: 50,
      draining: 0,
      paused: 0,
    });
    // Where assigned_tasks leaves the AI's pending reservation out, the AI queue's statistics count it.
    world.twilio.switches.assignedTasksCountsPending = false;
    try {
      expect((await insights(['admin'])).body.live).toEqual({
        aiConversations: 1,
        capacity: 50,
        draining: 0,
        paused: 0,
      });
    } finally {
      world.twilio.switches.assignedTasksCountsPending = true;
    }
    world.taskrouter.updateTaskStatus(world.workspaceSid, open.taskSid, 'canceled', 'Customer left');
    await world.settle();
  });

  test('a relayed message costs the same 5 Twilio calls, no insight; engage, handoff, end: a write each', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
    world.opencx.configureWebhook(undefined);
    try {
      const relayStart = lastSeq(world);
      world.opencx.ai.reply('Your order ships tomorrow.');
      await world.customerSays(conversationSid, 'Order 1234');
      expect(relayCalls(world, relayStart).sort()).toEqual([...RELAY_CALLS].sort());
      expect(insightWrites(relayStart)).toEqual([]);

      const handoffStart = lastSeq(world);
      world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
      await world.customerSays(conversationSid, 'human please');
      expect(insightWrites(handoffStart)).toHaveLength(1);

      const endStart = lastSeq(world);
      world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
      await world.settle();
      expect(insightWrites(endStart)).toHaveLength(1);
    } finally {
      world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: 'whsec_simulated_opencx_signing_secret' });
    }
  });

  test('a failed insight write is logged and the handoff still reaches humans', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    world.takeLogs();
    world.twilio.addFault({
      method: 'POST',
      product: 'sync',
      path: new RegExp(`/Maps/${INSIGHT_MAPS.base}_\\d+/Items$`),
      status: 500,
    });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'a person please');
    world.twilio.clearFaults();
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    expect(world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid)).toBe(true);
    expect(eventsOf(conversationSid)).not.toContain('handoff');
    expect(world.takeLogs().some((l) => l.reason === 'could not record the insight event')).toBe(true);
  });
});

describe('the insights Function', () => {
  test('refuses agents with 403 forbidden and a bad period with 400', async () => {
    const agent = await insights(['agent']);
    expect(agent.status).toBe(403);
    expect(agent.body).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins and supervisors can use the AI insights' },
    });
    const bad = await insights(['admin'], 'week');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', field: 'period' });
    expect((await postForm(world.functions!.url, '/supervisor/insights', {})).status).toBe(403);
  });

  test('counts per period: today, the last 7 days and the last 30 days', async () => {
    const day = 24 * 3600 * 1000;
    const now = Date.now();
    const seed = async (event: InsightEvent) => {
      const key = insightKey(event);
      await world.client.sync.v1
        .services(world.syncServiceSid)
        .syncMaps(locationOf(INSIGHT_MAPS, key))
        .syncMapItems.create({ key, data: event });
    };
    // Each period against itself: "today" may end between two reads, a day of seven or thirty does not leave.
    const [weekBefore, monthBefore] = await Promise.all(
      ['7d', '30d'].map(async (period) => (await insights(['admin'], period)).body),
    );
    const at = (ago: number) => new Date(now - ago).toISOString();
    for (const [n, ago] of [
      [1, 3 * day],
      [2, 20 * day],
      [3, 40 * day],
    ] as const) {
      const conversationSid = `CH${String(n).padStart(32, '9')}`;
      await seed({ type: 'engage', at: at(ago), conversationSid, taskSid: `WT${String(n).padStart(32, '9')}` });
      await seed({
        type: 'handoff',
        at: at(ago - 60_000),
        conversationSid,
        taskSid: `WT${String(n).padStart(32, '9')}`,
        reason: 'AI unavailable',
        sentiment: 'neutral',
        aiUnavailable: true,
        secondsWithAi: 60,
      });
    }
    const [today, week, month] = await Promise.all(
      ['today', '7d', '30d'].map(async (period) => (await insights(['admin'], period)).body),
    );
    expect(today).toMatchObject({ aiUnavailableHandoffs: 0 });
    expect(week).toMatchObject({
      period: '7d',
      engaged: weekBefore.engaged + 1,
      aiUnavailableHandoffs: weekBefore.aiUnavailableHandoffs + 1,
    });
    expect(month).toMatchObject({
      period: '30d',
      engaged: monthBefore.engaged + 2,
      aiUnavailableHandoffs: monthBefore.aiUnavailableHandoffs + 2,
    });
    expect(week.daily).toHaveLength(7);
    expect(month.daily).toHaveLength(30);
    const dailyEngaged = month.daily.reduce((sum: number, d: { engaged: number }) => sum + d.engaged, 0);
    expect(dailyEngaged).toBe(monthBefore.engaged + 2);
  });
});

describe('the agent verdict', () => {
  let handoff: { conversationSid: string; taskSid: string };

  beforeAll(async () => {
    handoff = await world.customerStartsConversation('Where is my parcel?');
    world.opencx.ai.reply({ type: 'handoff', summary: 'Asks where the parcel is.', sentiment: 'neutral' });
    await world.customerSays(handoff.conversationSid, 'Let me talk to someone');
    await world.humanAgentAccepts(handoff.taskSid);
  });

  test('lands on the task attributes, on the OpenCX session as a note (no takeover), and in the insights', async () => {
    const attributesBefore = { ...world.task(handoff.taskSid).attributes };
    const answer = await giveVerdict({
      taskSid: handoff.taskSid,
      needed: 'false',
      summaryRight: 'true',
      comment: 'Tracking link would have done.',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, opencx: 'noted' });

    const verdict = {
      needed: false,
      summaryRight: true,
      comment: 'Tracking link would have done.',
      by: world.humanWorkerSid,
      at: expect.any(String),
    };
    expect(world.task(handoff.taskSid).attributes).toEqual({ ...attributesBefore, opencxVerdict: verdict });

    const session = world.sessionFor(handoff.conversationSid)!;
    const note = session.messages.at(-1)!;
    expect(note.event).toMatchObject({
      type: 'message',
      sender: { type: 'human_agent' },
      content: {
        text: expect.stringContaining('needed: no; summary right: yes. Comment: Tracking link would have done.'),
      },
    });
    expect(session.custom_data).toMatchObject({
      flex_verdict_needed: false,
      flex_verdict_summary_right: true,
      flex_verdict_by: world.humanWorkerSid,
    });

    const summary = (await insights()).body;
    expect(summary.verdicts).toEqual({ total: 1, notNeeded: 1, summaryWrong: 0 });
    expect(summary.notNeededRate).toBe(1);
    expect(summary.handoffs.find((h: { taskSid: string }) => h.taskSid === handoff.taskSid).verdict).toEqual({
      needed: false,
      summaryRight: true,
    });
    // The comment stays on the task and with OpenCX, not in the insights data.
    expect(JSON.stringify(recorded())).not.toContain('Tracking link');
    // It names the handoff it judged: the one the task carries.
    const handedOffAt = world.task(handoff.taskSid).attributes.handoffTimestamp as string;
    expect(recorded().find((e) => e.data.type === 'verdict')?.data).toMatchObject({
      handoffAt: new Date(handedOffAt).toISOString(),
    });
    expect(recorded().find((e) => e.data.type === 'handoff' && e.data.taskSid === handoff.taskSid)?.data.at).toBe(
      new Date(handedOffAt).toISOString(),
    );
  });

  test('a second verdict replaces the first on the task and counts once', async () => {
    const notes = () => world.sessionFor(handoff.conversationSid)!.messages.length;
    const notesBefore = notes();
    await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'false' });
    expect(notes()).toBe(notesBefore + 1);
    // Sent again as it was (its answer lost on the way back to Flex): OpenCX is not told twice.
    const again = await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'false' });
    expect(again.body).toMatchObject({ ok: true, opencx: 'noted' });
    expect(notes()).toBe(notesBefore + 1);
    expect(world.task(handoff.taskSid).attributes.opencxVerdict).toMatchObject({ needed: true, summaryRight: false });
    expect(world.task(handoff.taskSid).attributes.opencxVerdict).not.toHaveProperty('comment');
    expect((await insights()).body.verdicts).toEqual({ total: 1, notNeeded: 0, summaryWrong: 1 });

    // Changed back to the first verdict, then to this one again: each change is told.
    const comment = 'Tracking link would have done.';
    await giveVerdict({ taskSid: handoff.taskSid, needed: 'false', summaryRight: 'true', comment });
    expect(notes()).toBe(notesBefore + 2);
    await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'false' });
    expect(notes()).toBe(notesBefore + 3);
    expect((await insights()).body.verdicts).toEqual({ total: 1, notNeeded: 0, summaryWrong: 1 });
  });

  test('a verdict the task could not take reaches neither OpenCX nor the insights; sent again, once', async () => {
    const notes = () => world.sessionFor(handoff.conversationSid)!.messages.length;
    const notesBefore = notes();
    world.twilio.addFault({
      method: 'POST',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}',
      status: 500,
      times: 20,
    });
    const failed = await giveVerdict({ taskSid: handoff.taskSid, needed: 'false', summaryRight: 'false' });
    world.twilio.clearFaults();
    expect(failed.status).toBe(503);
    expect(notes()).toBe(notesBefore);
    expect((await insights()).body.verdicts).toEqual({ total: 1, notNeeded: 0, summaryWrong: 1 });

    const again = await giveVerdict({ taskSid: handoff.taskSid, needed: 'false', summaryRight: 'false' });
    expect(again.status).toBe(200);
    expect(notes()).toBe(notesBefore + 1);
    expect((await insights()).body.verdicts).toEqual({ total: 1, notNeeded: 1, summaryWrong: 1 });
  });

  test('a verdict OpenCX could not take now is on the task, and says it may be sent again', async () => {
    world.opencx.faults.add({ path: /\/send$/, status: 503 });
    try {
      const verdict = await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'false' });
      expect(verdict).toMatchObject({ status: 200, body: { ok: true, opencx: 'failed' } });
    } finally {
      world.opencx.faults.clear();
    }
    expect(world.task(handoff.taskSid).attributes.opencxVerdict).toMatchObject({ needed: true, summaryRight: false });
  });

  test("an agent who points their task at another customer's session writes nothing into it", async () => {
    const victim = await world.customerStartsConversation('My card was charged twice');
    const session = world.sessionFor(victim.conversationSid)!;
    const messagesBefore = session.messages.length;
    const { attributes } = world.task(handoff.taskSid);
    const setAttributes = (next: Record<string, unknown>) =>
      world.client.taskrouter.v1
        .workspaces(world.workspaceSid)
        .tasks(handoff.taskSid)
        .update({ attributes: JSON.stringify(next) });
    // Flex lets a worker write their own task's attributes.
    await setAttributes({ ...attributes, opencxSessionId: session.id, conversationSid: victim.conversationSid });
    try {
      const answer = await giveVerdict({
        taskSid: handoff.taskSid,
        needed: 'true',
        summaryRight: 'false',
        comment: 'x',
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ ok: true, opencx: 'no-session' });
      expect(session.messages).toHaveLength(messagesBefore);
      expect(session.custom_data).not.toHaveProperty('flex_verdict_needed');
    } finally {
      await setAttributes({ ...world.task(handoff.taskSid).attributes, ...attributes });
    }
  });

  // Bad input gets 400.
  test('is refused, writing nothing, to a worker who never held the task and to a token without a worker', async () => {
    const other = world.taskrouter.createWorker(world.workspaceSid, {
      friendlyName: 'bob',
      attributes: { role: 'agent' },
      activityName: 'Offline',
    }).sid;
    const since = lastSeq(world);
    const stranger = await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'true' }, other);
    expect(stranger.status).toBe(403);
    expect(stranger.body.error).toMatchObject({ code: 'not_task_holder' });
    const noWorker = await postForm(world.functions!.url, '/agent/handoff-verdict', {
      Token: token(['supervisor']),
      taskSid: handoff.taskSid,
      needed: 'true',
      summaryRight: 'true',
    });
    expect(noWorker.status).toBe(403);
    expect(restCalls(world, since).filter((c) => c.startsWith('POST') && !c.startsWith('POST iam'))).toEqual([]);

    const bad = await giveVerdict({ taskSid: handoff.taskSid, needed: 'maybe', summaryRight: 'true' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', field: 'needed' });
  });

  test('a handback is recorded and counted; the agent, now in wrap-up, can still give the verdict', async () => {
    const before = (await insights()).body.handbacks;
    const answer = await postForm(world.functions!.url, '/agent/handback', {
      Token: token(['agent'], world.humanWorkerSid),
      taskSid: handoff.taskSid,
      instruction: 'Send the tracking link, then close.',
    });
    expect(answer.body).toMatchObject({ ok: true, handedBack: true });
    await world.settle();
    expect(eventsOf(handoff.conversationSid)).toContain('handback');
    expect(JSON.stringify(recorded())).not.toContain('tracking link');
    expect((await insights()).body.handbacks).toBe(before + 1);
    // The hand-back closed the session the task names: refused for good, so the plugin offers no retry.
    const verdict = await giveVerdict({ taskSid: handoff.taskSid, needed: 'true', summaryRight: 'true' });
    expect(verdict).toMatchObject({ status: 200, body: { ok: true, opencx: 'refused' } });
  });
});

// TaskRouter delivers at least once: both deliveries read the record before either deletes it.
test('a task end delivered twice at once is counted once', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Is the shop open on Sunday?');
  const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
  const deletes = () => world.twilio.requests.filter((r) => r.method === 'DELETE' && recordItem.test(r.path)).length;
  let open!: () => void;
  world.twilio.addFault({ method: 'DELETE', path: recordItem, times: 2, until: new Promise<void>((r) => (open = r)) });
  world.twilio.switches.duplicateEvents = true;
  world.twilio.switches.concurrentEvents = true;
  try {
    world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
    await world.until(() => deletes() === 2, 'both deliveries deleting the record');
  } finally {
    open();
    world.twilio.switches.duplicateEvents = false;
    world.twilio.switches.concurrentEvents = false;
  }
  await world.settle();
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
  // Sorted: the end is keyed on the simulator's clock, the engage on the Functions'.
  expect(eventsOf(conversationSid).sort()).toEqual(['end', 'engage']);
});
