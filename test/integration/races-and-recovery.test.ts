// Races between events and recovery from partial failures, through the Functions in twilio-run.
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';
import { AI_ANSWER_TIMEOUT_SECONDS, CUSTOMER_HANDOFF_NOTE, OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import {
  deliveriesOf,
  engageHeldAfterItsRead,
  finishTest,
  holdNextOffer,
  insightEvents,
  lastSeq,
  messageHandled,
  postSigned,
} from './helpers';

jest.setTimeout(60000);

let world: World;

beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world?.stop());
beforeEach(() => world.humanAgentLogsIn());
afterEach(() => {
  world.twilio.switches.attributeUpdateCancelsReservation = true;
  finishTest(world);
});

test('a slow relay that fails after a human accepted does not hand off again or touch the human task', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  // B: sent to OpenCX, which stalls past the budget.
  world.opencx.faults.add({ path: /\/send$/, latencyMs: 6000, times: 1 });
  const sendsBefore = world.opencx.requests.filter((r) => r.path.endsWith('/send')).length;
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: 'B: slow question',
  });
  await world.until(
    () => world.opencx.requests.filter((r) => r.path.endsWith('/send')).length > sendsBefore,
    'B to reach OpenCX',
  );
  // A: the customer asks for a human; the AI hands off and alice accepts, while B still waits.
  world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: 'A: human please',
  });
  await world.until(
    () => world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid && r.status === 'pending'),
    'a reservation for alice',
  );
  await world.humanAgentAccepts(taskSid);

  const expectWithTheHuman = () => {
    expect(world.task(taskSid).assignmentStatus).toBe('assigned');
    expect(world.task(taskSid).attributes.handoffReason).toBe('AI requested human handoff');
    expect(world.twilio.calls({ product: 'flex-api', method: 'POST' })).toEqual([]);
    expect(world.tasksOf(conversationSid)).toHaveLength(1);
    const notes = world
      .transcript(conversationSid)
      .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
    expect(notes).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
  };
  expectWithTheHuman();

  // B's send is still held, and its watchdog armed: both end here, not in a later test, and change nothing.
  await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  expect(world.opencx.requestsOnHold).toBe(0);
  const timers = [...world.taskrouter.workspace(world.timerWorkspaceSid).tasks.values()].filter(
    (t) => t.attributes.conversationSid === conversationSid,
  );
  expect(timers.filter((t) => t.assignmentStatus === 'pending')).toEqual([]);
  expectWithTheHuman();
});

test('an engage that cannot record its session hands off instead of leaving the conversation stuck', async () => {
  // The AI's offer reaches the Functions once the customer's message was handled: the relay finds no
  // record and leaves the message to the engage, so the failing writes are the engage's, not a park.
  const offer = holdNextOffer(world);
  let conversationSid = '';
  let taskSid = '';
  try {
    ({ conversationSid, taskSid } = world.customerWritesIn('Hello?'));
    await world.until(() => messageHandled(world, conversationSid, 'Hello?'), "the customer's message handled");
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    world.twilio.addFault({ method: 'POST', path: recordItemOf(conversationSid), status: 503, times: 3 });
  } finally {
    offer.release();
  }
  const failed = () => world.twilio.requests.filter((r) => r.fault && recordItemOf(conversationSid).test(r.path));
  await world.settle();

  expect(failed()).toHaveLength(3);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid)).toBe(true);
  expect(world.transcript(conversationSid)[0].body).toBe('Hello?');
});

test('an engage that made its session but cannot record it closes it: no OpenCX session is left open', async () => {
  const { conversationSid, taskSid, release } = await engageHeldAfterItsRead(world, 'Hello?');
  // Sync refuses every write of the record from now on: the session id never reaches it.
  world.twilio.addFault({ method: 'POST', path: recordItemOf(conversationSid), status: 503 });
  let engaged: Record<string, unknown> | undefined;
  try {
    release();
    await world.until(() => {
      engaged ??= world.takeLogs().find((l) => l.event === 'reservation.created' && l.taskSid === taskSid);
      return engaged !== undefined;
    }, 'the engage to end');
  } finally {
    world.twilio.clearFaults();
  }
  await world.settle();

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.conversationRecord(conversationSid)).not.toHaveProperty('sessionId');
  const [session] = [...world.opencx.sessions.values()].filter(
    (s) => s.custom_data.flex_conversation_sid === conversationSid,
  );
  expect(session.status).toBe('closed_unresolved');
});

test('an engage that recorded its session but failed beside it hands off, keeping that session open', async () => {
  // Sync refuses the session's index (OpenCX's webhook finds conversations by it): the engage fails
  // after its record names the session.
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_sessions_\d+\/Items$/, status: 503 });
  let started: { conversationSid: string; taskSid: string };
  try {
    started = await world.customerStartsConversation('Hello?');
  } finally {
    world.twilio.clearFaults();
  }
  const { conversationSid, taskSid } = started;
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  const { sessionId } = world.conversationRecord(conversationSid) as { sessionId?: string };
  expect(sessionId).toEqual(expect.any(String));
  // Closed by the conversation's end, which finds it on the record: not now, under the record's feet.
  expect(world.opencx.sessions.get(sessionId!)!.status).toBe('open');
});

test('a photo alone while the OpenCX session is being made goes to humans; the session gets nothing', async () => {
  // OpenCX takes 5 s (on the shared clock) to make the session.
  world.opencx.faults.add({ method: 'POST', path: '/chat/sessions', latencyMs: 5_000, times: 1 });
  const { conversationSid, taskSid } = world.customerWritesIn('Hi, my parcel is damaged');
  await world.until(() => world.opencx.requestsOnHold === 1, "the engage's session create, held");
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: '',
    media: [{ filename: 'parcel.jpg', contentType: 'image/jpeg', size: 40960 }],
  });
  await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handoff', 'the photo to hand off');
  await world.advance(5_000);
  await world.settle();

  expect(world.task(taskSid).attributes).toMatchObject({
    handedOff: true,
    handoffReason: 'Customer sent an attachment',
  });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  const session = world.sessionFor(conversationSid)!;
  expect(world.contactMessages(session.id)).toEqual([]);
  expect(session.status).not.toBe('open');
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
});

// The answer to the customer's question is long, posted in parts; a photo the customer sends meanwhile hands off.
test("a long answer's later parts do not follow the note of a handoff made as its first part went", async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  world.takeLogs();
  const long = Array.from({ length: 70 }, (_, i) => `Detail ${i + 1} about your order.`).join(' ');
  const gates: (() => void)[] = [];
  /** Holds the next post into the conversation whose marker matches `marker` until its gate opens. */
  const holdPost = (marker: RegExp): (() => boolean) => {
    world.twilio.addFault({
      method: 'POST',
      product: 'conversations',
      path: /\/Messages$/,
      form: marker,
      times: 1,
      until: new Promise<void>((open) => gates.push(open)),
    });
    const from = lastSeq(world);
    return () => world.twilio.requests.some((r) => r.seq > from && r.fault && marker.test(String(r.form.Attributes)));
  };
  const [firstPart, note, secondPart] = [/#1"/, /"handoff-note"/, /#2"/].map(holdPost);
  try {
    world.opencx.ai.reply(long);
    world.customerWrites(conversationSid, 'Tell me everything');
    await world.until(firstPart, 'the first part of the answer, held');
    world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
      author: world.customerOf(conversationSid),
      body: '',
      media: [{ filename: 'parcel.jpg', contentType: 'image/jpeg', size: 40960 }],
    });
    await world.until(note, "the photo's handoff, its note held");
    gates[0]();
    await world.until(
      () => secondPart() || messageHandled(world, conversationSid, 'Tell me everything'),
      'the answer to go on or stop after its first part',
    );
    gates[1]();
    await world.until(() => messageHandled(world, conversationSid, ''), "the photo's handoff");
  } finally {
    for (const open of gates) open();
    world.twilio.clearFaults();
  }
  await world.settle();

  const said = world.postedAsAi(conversationSid).map((m) => m.body);
  const noteAt = said.indexOf(CUSTOMER_HANDOFF_NOTE);
  expect(said.slice(1, noteAt)).toHaveLength(1);
  expect(long.startsWith(said[1])).toBe(true);
  // Nothing of the AI's after the note: the rest of the answer is withheld.
  expect(said.slice(noteAt)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  expect(world.task(taskSid).attributes).toMatchObject({
    handedOff: true,
    handoffReason: 'Customer sent an attachment',
  });
  const answered = world.twilio.webhooks.find(
    (d) => d.params.ConversationSid === conversationSid && d.params.Body === 'Tell me everything',
  );
  expect(JSON.parse(answered!.responseBody!)).toMatchObject({ outcome: 'answer-withheld' });
});

test('a first answer that fails after the engage recorded its session is watched: humans get it', async () => {
  // Sync refuses every claim after the engage's claim of the customer's message: the AI's answer
  // cannot be claimed, so it is not posted. OpenCX's webhook is off: its retry would post it later.
  world.opencx.configureWebhook(undefined);
  world.opencx.ai.reply('Hello! How can I help?');
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/, status: 503, skip: 1 });
  try {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello?');
    world.twilio.clearFaults();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: expect.any(String) });
    expect(world.postedAsAi(conversationSid)).toEqual([]);

    // The offer's timer finds the session and does nothing; the answer watchdog hands off.
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid)).toBe(true);
  } finally {
    world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  }
});

test('a first answer that fails, its watchdog not armed either: the handler arms it, and humans get it', async () => {
  world.opencx.configureWebhook(undefined);
  world.opencx.ai.reply('Hello! How can I help?');
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/, status: 503, skip: 1 });
  // The engage's own arming of the watchdog is refused.
  const timers = new RegExp(`/Workspaces/${world.timerWorkspaceSid}/Tasks$`);
  const from = lastSeq(world);
  world.twilio.addFault({ method: 'POST', path: timers, status: 400, times: 1 });
  try {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello?');
    world.twilio.clearFaults();
    const armed = world.twilio.requests.filter((r) => r.seq > from && r.method === 'POST' && timers.test(r.path));
    // Both with the usual wait: the AI holds the conversation.
    const wait = String(AI_ANSWER_TIMEOUT_SECONDS);
    expect(armed.map((r) => [r.status, JSON.parse(String(r.form!.Attributes)).opencxTimer, r.form!.Timeout])).toEqual([
      [400, 'answer', wait],
      [201, 'answer', wait],
    ]);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: expect.any(String) });
    expect(world.postedAsAi(conversationSid)).toEqual([]);

    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.task(taskSid).taskQueueSid).toBe(world.humanQueueSid);
  } finally {
    world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  }
});

test('a handoff that could not write the task is finished 15 s later, not at the reservation timeout', async () => {
  world.opencx.faults.add({ path: '/chat/sessions', method: 'POST', drop: true, times: 1 });
  world.twilio.addFault({ method: 'POST', path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}', status: 500 });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Anyone?');
  world.twilio.clearFaults();
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

  // The offer's timer decides it again: the handoff is finished, well before the reservation's 120 s.
  await world.advance(16_000);
  expect(world.reservations(taskSid).filter((r) => r.status === 'timeout')).toEqual([]);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid && r.status === 'pending')).toBe(
    true,
  );
});

test('an offer the AI could not claim (Sync failing) is taken up 15 s later, not at its timeout', async () => {
  world.opencx.ai.setDefault('Hello! How can I help?');
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_conversations_\d+\/Items$/, status: 503 });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Anyone there?');
  world.twilio.clearFaults();
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
  expect(world.postedAsAi(conversationSid)).toEqual([]);

  await world.advance(16_000);
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hello! How can I help?']);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid });
  expect(world.reservations(taskSid).map((r) => r.status)).toEqual(['pending']);
});

/** A chat starts while Sync refuses the AI's claim of it, and goes on refusing while `meanwhile` runs. */
async function startedWhileClaimsFail(meanwhile: () => Promise<void>) {
  world.opencx.ai.setDefault('Hello! How can I help?');
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_conversations_\d+\/Items$/, status: 503 });
  try {
    const started = await world.customerStartsConversation('Anyone there?');
    await meanwhile();
    return started;
  } finally {
    world.twilio.clearFaults();
  }
}

test('an offer the AI could not claim for over a minute (Sync failing) is still taken up', async () => {
  const { conversationSid, taskSid } = await startedWhileClaimsFail(async () => {
    // The offer's timer tries again at 15, 30 and 45 s, and Sync still fails.
    for (let attempt = 1; attempt <= 3; attempt++) await world.advance(15_000);
  });
  expect(world.postedAsAi(conversationSid)).toEqual([]);

  await world.advance(60_000);
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hello! How can I help?']);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid });
  expect(world.reservations(taskSid).map((r) => r.status)).toEqual(['pending']);
});

test("an offer's timer that fires after its reservation ended engages nothing: no session, no answer", async () => {
  const { conversationSid, taskSid } = await startedWhileClaimsFail(async () => {
    // The AI pool stops taking chats: once the reservation times out (120 s), nobody is offered the task.
    for (const workerSid of world.aiWorkerSids)
      world.taskrouter.updateWorkerChannel(world.workspaceSid, workerSid, 'chat', { available: false });
    // Its timer fails at 15, 30, 45 and 105 s (Sync still failing); the reservation times out at 120 s.
    for (const step of [15_000, 15_000, 15_000, 60_000, 20_000]) await world.advance(step);
  });
  expect(world.reservations(taskSid).map((r) => r.status)).toEqual(['timeout']);
  try {
    // The offer's timer fires again at 225 s, Sync working again, its reservation timed out: nothing is claimed.
    world.takeLogs();
    await world.advance(120_000);
    expect(
      world
        .takeLogs()
        .filter((l) => l.event === 'task.canceled' && l.workspaceSid === world.timerWorkspaceSid)
        .map((l) => l.reason),
    ).toContainEqual(expect.stringMatching(/ended before its offer was taken up again/));
    expect(world.sessionFor(conversationSid)).toBeUndefined();
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.postedAsAi(conversationSid)).toEqual([]);
  } finally {
    for (const workerSid of world.aiWorkerSids)
      world.taskrouter.updateWorkerChannel(world.workspaceSid, workerSid, 'chat', { available: true });
    await world.settle();
  }
});

test('an engage that recorded neither its session nor a handoff: 15 s later the first message is sent', async () => {
  world.opencx.ai.setDefault('Hello! How can I help?');
  // Sync refuses every update of the conversation's record (its claim, a create, goes through), and
  // TaskRouter the handoff's attribute write: the customer was told a human is coming, and nobody is.
  world.twilio.addFault({
    method: 'POST',
    path: /\/Maps\/opencx_conversations_\d+\/Items\/CH[0-9a-f]{32}$/,
    status: 500,
  });
  world.twilio.addFault({ method: 'POST', path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}', status: 500 });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Anyone there?');
  world.twilio.clearFaults();
  const answers = () =>
    world.postedAsAi(conversationSid).filter((m) => (m.attributes.opencx as { role?: string }).role === 'ai');
  expect(answers()).toEqual([]);
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  // The session nothing names is closed.
  const [first] = [...world.opencx.sessions.values()].filter(
    (s) => s.custom_data?.flex_conversation_sid === conversationSid,
  );
  expect(first.status).toBe('closed_unresolved');

  // The offer's timer takes over the failed engage: the first message, given back, is sent (the note
  // the failed handoff posted answers nothing).
  await world.advance(16_000);
  expect(answers().map((m) => m.body)).toEqual(['Hello! How can I help?']);
  const resumed = world.opencx.sessions.get(String(world.conversationRecord(conversationSid)?.sessionId))!;
  expect(resumed.id).not.toBe(first.id);
  expect(world.contactMessages(resumed.id)).toEqual(['Anyone there?']);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid, sessionId: resumed.id });
});

test('an engage whose session write landed but lost every answer, its handoff failing too: humans get it', async () => {
  world.opencx.ai.setDefault('Hello! How can I help?');
  const recordItem = /\/Maps\/opencx_conversations_\d+\/Items\/CH[0-9a-f]{32}$/;
  // Sync takes the session's write and loses each answer; it refuses the handoff's; TaskRouter the task's.
  world.twilio.addFault({ method: 'POST', path: recordItem, form: /"phase":"ai".*"sessionId"/, after: 500 });
  world.twilio.addFault({ method: 'POST', path: recordItem, form: /"phase":"handoff"/, status: 500 });
  world.twilio.addFault({ method: 'POST', path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}', status: 500 });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Anyone there?');
  world.twilio.clearFaults();
  const session = world.sessionFor(conversationSid)!;
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: session.id });
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  // The session the record names stays open: the conversation is still the AI's in it.
  expect(session.status).not.toBe('closed_unresolved');

  // The answer watchdog finds no answer to the customer's message, and hands off.
  await world.advance(AI_ANSWER_TIMEOUT_SECONDS * 1000 + 1000);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
});

test("the AI's goodbye posted while its handoff failed: the watchdog hands off rather than see an answer", async () => {
  world.opencx.ai.setDefault('Hello! How can I help?');
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  world.opencx.ai.reply({
    type: 'handoff',
    summary: 'Wants a refund',
    sentiment: 'angry',
    content: 'Connecting you with a colleague now.',
  });
  // Sync refuses the handoff's phase write and TaskRouter the read of the task: the goodbye is in,
  // the handoff never took hold.
  const recordItem = /\/Maps\/opencx_conversations_\d+\/Items\/CH[0-9a-f]{32}$/;
  world.twilio.addFault({ method: 'POST', path: recordItem, form: /"phase":"handoff"/, status: 500 });
  world.twilio.addFault({ method: 'GET', path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}', status: 500 });
  await world.customerSays(conversationSid, 'I want a refund');
  world.twilio.clearFaults();
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toContain('Connecting you with a colleague now.');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

  await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffSummary: 'Wants a refund' });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  const bodies = world.transcript(conversationSid).map((m) => m.body);
  expect(bodies.filter((body) => body === 'Connecting you with a colleague now.')).toHaveLength(1);
  expect(bodies.at(-1)).toBe(CUSTOMER_HANDOFF_NOTE);
});

test.each([true, false])(
  'an offer decided again by its timer after the task went to humans leaves the AI silent (update cancels: %s)',
  async (updateCancels) => {
    world.twilio.switches.attributeUpdateCancelsReservation = updateCancels;
    world.opencx.ai.setDefault('Hello! How can I help?');
    await world.humanAgentLogsOut();
    world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_conversations_\d+\/Items$/, status: 503 });
    const { conversationSid, taskSid } = await world.customerStartsConversation('Anyone there?');
    world.twilio.clearFaults();
    // Meanwhile the task goes to humans (a supervisor, another integration): it waits in their queue.
    const { attributes } = world.task(taskSid);
    await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .tasks(taskSid)
      .update({ attributes: JSON.stringify({ ...attributes, handedOff: true, handoffReason: 'Escalated' }) });
    await world.settle();
    const sessionsBefore = world.opencx.sessions.size;

    await world.advance(16_000);

    expect(world.postedAsAi(conversationSid)).toEqual([]);
    expect(world.opencx.sessions.size).toBe(sessionsBefore);
    // The offer still open, the bridge records the conversation as the humans'; canceled by the
    // write, the timer's offer is over and claims nothing.
    if (updateCancels) expect(world.conversationRecord(conversationSid)).toBeUndefined();
    else
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'Escalated' });
    // The AI holds no offer of it: it waits in the human queue, not for the AI's reservation to time out.
    expect(world.reservations(taskSid).filter((r) => r.status === 'pending')).toEqual([]);
    expect(world.task(taskSid).taskQueueSid).toBe(world.humanQueueSid);
  },
);

test('a message for a conversation whose engage died goes to humans, not to a wait for the reservation', async () => {
  // The AI's offer reaches no Function (the workspace's events go nowhere for a moment)...
  const workspaceApi = world.client.taskrouter.v1.workspaces(world.workspaceSid);
  const { eventCallbackUrl } = await workspaceApi.fetch();
  await workspaceApi.update({ eventCallbackUrl: 'http://127.0.0.1:9/unreachable' });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello?');
  await workspaceApi.update({ eventCallbackUrl });
  const offer = world.reservations(taskSid).find((r) => r.status === 'pending')!;
  // ...and the engage that claimed the conversation two minutes ago died before making a session.
  world.sync.setMapItem(world.syncServiceSid, locationOf(CONVERSATION_MAPS, conversationSid), conversationSid, {
    workspaceSid: world.workspaceSid,
    taskSid,
    reservationSid: offer.sid,
    phase: 'ai',
    claimedAt: Date.now() - 120_000,
  });

  await world.customerSays(conversationSid, 'Anyone there?');

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.reservations(taskSid).find((r) => r.sid === offer.sid)!.status).not.toBe('pending');
  // The customer is told a human is coming; the AI says nothing.
  expect(world.postedAsAi(conversationSid).map((m) => (m.attributes.opencx as { role: string }).role)).toEqual([
    'handoff-note',
  ]);
});

test('a message left for an engage that then dies goes to humans when its watchdog fires, unprompted', async () => {
  const { conversationSid, taskSid, release } = await engageHeldAfterItsRead(world, 'Hello?');
  const engage = deliveriesOf(world, 'reservation.created')
    .filter((d) => d.params.TaskSid === taskSid)
    .at(-1)!;
  world.twilio.switches.functionOutlivesCaller = false;
  try {
    world.customerWrites(conversationSid, 'Anyone there?');
    await world.until(
      () => messageHandled(world, conversationSid, 'Anyone there?'),
      'the message to be left for the engage',
    );
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    // TaskRouter gives up on the engage, and the runtime stops it before it made the session.
    world.twilio.expireDelivery(engage.seq);
    await world.until(() => engage.functionStopped !== undefined, 'the engage to be stopped');
    expect(engage.functionStopped).toBe(true);
  } finally {
    release();
    world.twilio.switches.functionOutlivesCaller = true;
  }
  await world.settle();
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

  await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  expect(world.sessionFor(conversationSid)).toBeUndefined();
});

test('ending a conversation clears our state even when OpenCX cannot close the session', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  world.opencx.faults.add({ path: /\/chat\/sessions\/[^/]+$/, method: 'PATCH', status: 503 });
  world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
  await world.settle();
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
});

test('an end whose record delete landed but lost its answers still closes its OpenCX session, by a timer', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const session = world.sessionFor(conversationSid)!;
  const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
  // The delete takes effect and its answer is lost; every retry meets Sync failing until the end gives up.
  world.twilio.addFault({ method: 'DELETE', path: recordItem, after: 500, times: 1 });
  world.twilio.addFault({ method: 'DELETE', path: recordItem, status: 503 });
  try {
    world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
    await world.settle();
  } finally {
    world.twilio.clearFaults();
  }
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
  expect(world.opencx.sessions.get(session.id)?.status).toBe('open');

  await world.advance(16_000);

  expect(world.opencx.sessions.get(session.id)?.status).toBe('closed_resolved');
});

test('the end of a task leaves alone a record the AI was engaged again on meanwhile, and its session', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const session = world.sessionFor(conversationSid)!;
  const recordMap = locationOf(CONVERSATION_MAPS, conversationSid);
  const recordDeletes = () =>
    world.twilio.requests.filter(
      (r) => r.method === 'DELETE' && r.path.endsWith(`/Maps/${recordMap}/Items/${conversationSid}`),
    ).length;
  const deletesBefore = recordDeletes();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  world.twilio.addFault({ method: 'DELETE', path: new RegExp(`/Maps/${recordMap}/Items/`), times: 1, until: gate });
  try {
    world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
    await world.until(() => recordDeletes() > deletesBefore, 'the end to delete the record');
    // Meanwhile Flex offers the AI the conversation on a new task, and the record names it.
    const record = world.conversationRecord(conversationSid)!;
    await world.client.sync.v1
      .services(world.syncServiceSid)
      .syncMaps(recordMap)
      .syncMapItems(conversationSid)
      .update({ data: { ...record, taskSid: `WT${'7'.repeat(32)}` } });
  } finally {
    open();
  }
  await world.settle();

  expect(world.conversationRecord(conversationSid)).toMatchObject({
    taskSid: `WT${'7'.repeat(32)}`,
    sessionId: session.id,
  });
  expect(world.opencx.sessions.get(session.id)?.status).toBe('open');
});

test('a customer who writes after more than an hour in the queue does not get the handoff note again', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  // No OpenCX handoff event finishes the handoff (not subscribed): the customer's next message does.
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A person please');
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    const notes = () =>
      world
        .transcript(conversationSid)
        .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
    expect(notes()).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });

    await world.advance(2 * 3600 * 1000);
    await world.customerSays(conversationSid, 'Is anyone there?');

    expect(notes()).toHaveLength(1);
  } finally {
    world.opencx.webhookFaults.clear();
  }
});

test('an AI worker an admin paused is not put back to Available by a reservation timeout event', async () => {
  const { taskSid } = await world.customerStartsConversation('Hi');
  const workspace = world.taskrouter.workspaces.get(world.workspaceSid)!;
  const breakActivity = world.taskrouter.findActivity(workspace, 'Break')!;
  const available = world.taskrouter.findActivity(workspace, 'Available')!;
  await world.client.taskrouter.v1
    .workspaces(world.workspaceSid)
    .workers(world.aiWorkerSid)
    .update({ activitySid: breakActivity.sid });
  await world.settle();
  const params = {
    EventType: 'reservation.timeout',
    AccountSid: world.twilio.accountSid,
    WorkspaceSid: world.workspaceSid,
    TaskSid: taskSid,
    ReservationSid: 'WR' + '5'.repeat(32),
    WorkerSid: world.aiWorkerSid,
    TaskAttributes: JSON.stringify(world.task(taskSid).attributes),
    Sid: 'EV' + '5'.repeat(32),
  };
  const delivery = await world.twilio.deliverWebhook('taskrouter', world.webhookUrl, params, 15000);
  expect(JSON.parse(delivery.responseBody!)).toMatchObject({ outcome: 'ai-worker-left' });
  expect(workspace.workers.get(world.aiWorkerSid)!.activitySid).toBe(breakActivity.sid);
  await world.client.taskrouter.v1
    .workspaces(world.workspaceSid)
    .workers(world.aiWorkerSid)
    .update({ activitySid: available.sid });
  await world.settle();
});

test('a Studio or system message in the conversation is not sent to the AI as the customer', async () => {
  const started = world.flex.startInboundConversation({
    conversationsServiceSid: world.conversationsServiceSid,
    workspaceSid: world.workspaceSid,
    workflowSid: world.workflowSid,
    from: 'visitor-77',
    body: 'I need help with billing',
    channelType: 'web',
  });
  await world.settle();
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, started.conversationSid, {
    author: 'system',
    body: 'Welcome! An assistant will join shortly.',
    source: 'SDK',
  });
  await world.settle();
  const sent = world.contactMessages(world.sessionFor(started.conversationSid)!.id);
  expect(sent).toEqual(['I need help with billing']);
  expect(world.postedAsAi(started.conversationSid)).toHaveLength(1);
});

test("another author's message in an SMS chat the AI holds is not sent to the AI as the customer's", async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi, is my parcel on its way?', 'sms');
  const session = world.sessionFor(conversationSid)!;
  const answers = world.postedAsAi(conversationSid).length;
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: 'shipping-updates',
    body: 'Your parcel 1234 is out for delivery.',
    source: 'SDK',
  });
  await world.settle();
  world.customerWrites(conversationSid, 'Thanks! When will it arrive?');
  await world.settle();

  expect(world.contactMessages(session.id)).toEqual(['Hi, is my parcel on its way?', 'Thanks! When will it arrive?']);
  expect(world.postedAsAi(conversationSid)).toHaveLength(answers + 1);
});

// The relay waits for OpenCX only until its own deadline, in real time: these races hold it there
// while other Functions run, which a process started per request can make too slow on a busy
// machine. One warm process runs them, as a production container would.
describe('answers that race a handoff', () => {
  let forked: World;
  beforeAll(async () => {
    forked = world;
    world = await World.start({ runtimeMode: 'warm' });
  });
  afterAll(async () => {
    await world?.stop();
    world = forked;
  });

  test('an AI answer that comes back after the AI handed the conversation off is not posted', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    world.takeLogs();
    const aiBodies = () =>
      world
        .transcript(conversationSid)
        .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'ai')
        .map((m) => m.body);
    // B is still with the AI when A's answer hands the conversation off.
    world.opencx.ai.reply({ type: 'reply', content: 'Your parcel left the depot', latencyMs: 3000 });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral', latencyMs: 500 });
    const held = world.opencx.heldRequests;
    world.customerWrites(conversationSid, 'B: where is my parcel?');
    await world.opencx.whenHeld(held + 1);
    world.customerWrites(conversationSid, 'A: a human please');
    await world.opencx.whenHeld(held + 2);

    world.twilio.clock.advance(500);
    await world.until(() => world.task(taskSid).attributes.handedOff === true, 'the handoff');
    await world.advance(2500);

    expect(aiBodies()).not.toContain('Your parcel left the depot');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    const relayed = world
      .takeLogs()
      .filter(
        (l) => l.source === 'opencx-bridge' && l.event === 'onMessageAdded' && l.conversationSid === conversationSid,
      );
    // B's relay saw its answer after A's handoff, or stopped waiting first and OpenCX's webhook brought it:
    // either way it is not posted (test/integration/slow-answers.test.ts has the second way on its own).
    expect(relayed.map((l) => l.outcome).sort()).toEqual([
      expect.stringMatching(/^(answer-withheld|awaiting-answer)$/),
      'handed-off',
    ]);
  });

  test("the AI's goodbye that comes back after a photo's handoff is not posted under that handoff's note", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    const goodbye = 'I will connect you with a colleague.';
    world.opencx.ai.reply({
      type: 'handoff',
      content: goodbye,
      summary: 'Wants a person',
      sentiment: 'neutral',
      latencyMs: 3000,
    });
    const held = world.opencx.heldRequests;
    world.customerWrites(conversationSid, 'Can I speak to someone?');
    await world.opencx.whenHeld(held + 1);
    // While OpenCX makes its goodbye, a photo alone hands the conversation off, with a note of its own.
    world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
      author: world.customerOf(conversationSid),
      body: '',
      media: [{ filename: 'parcel.jpg', contentType: 'image/jpeg', size: 20480 }],
    });
    await world.until(() => world.task(taskSid).attributes.handedOff === true, 'the handoff');
    await world.advance(3000);
    await world.settle();

    expect(world.task(taskSid).attributes.handoffReason).toBe('Customer sent an attachment');
    expect(world.postedAsAi(conversationSid).map((m) => m.body)).not.toContain(goodbye);
    // OpenCX's webhook of the same answer finds it claimed: not posted that way either.
    expect(world.transcript(conversationSid).at(-1)!.body).toBe(CUSTOMER_HANDOFF_NOTE);
  });

  /**
   * OpenCX delivers an answer's webhooks before it answers the send, and the first delivery's read of
   * the session's conversation is held until `release`: `reading` resolves once it is held.
   */
  function farewellWebhookStalls(): { reading: () => Promise<void>; release: () => void } {
    const timing = world.opencx.switches.webhookTiming;
    world.opencx.switches.webhookTiming = 'before-response';
    const sessionItem = /\/Maps\/opencx_sessions_\d+\/Items\//;
    const sessionReads = () =>
      world.twilio.requests.filter((r) => r.method === 'GET' && sessionItem.test(r.path)).length;
    const readsBefore = sessionReads();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    world.twilio.addFault({ method: 'GET', path: sessionItem, times: 1, until: gate });
    return {
      reading: () => world.until(() => sessionReads() > readsBefore, "OpenCX's webhook to read the session"),
      release: () => {
        open();
        world.opencx.switches.webhookTiming = timing;
      },
    };
  }

  /**
   * OpenCX's webhook brings the farewell first and claims it, then stalls reading the session's
   * conversation until OpenCX, done waiting for it, answers the send. Meanwhile the conversation is
   * handed off: by the fast path when OpenCX's own handoff event comes later (its first attempt
   * refused), else by that event. The farewell is posted once either way.
   */
  test.each([
    ['webhook claims them as the fast path hands off', true],
    ['handoff event moves the conversation first', false],
  ])("the AI's last words are posted when OpenCX's %s", async (_, handoffEventLater) => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    const farewell = 'A colleague will take it from here.';
    const stalled = farewellWebhookStalls();
    try {
      if (handoffEventLater)
        world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'forged', times: 1 });
      world.opencx.ai.reply({ type: 'handoff', content: farewell, summary: 'Wants a refund', sentiment: 'neutral' });
      world.customerWrites(conversationSid, 'A refund, from a person please');
      await stalled.reading();
      world.twilio.clock.advance(world.opencx.switches.webhookTimeoutMs);
      await world.until(() => world.task(taskSid).attributes.handedOff === true, 'the handoff');
      await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handoff', 'the handoff in Sync');
    } finally {
      stalled.release();
    }
    await world.settle();
    await world.advance(60_000);

    expect(world.postedAsAi(conversationSid).filter((m) => m.body === farewell)).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  });
});

test.each([
  ['is watched, sent and answered', false],
  ['but was (the answer to its park lost) is not sent twice', true],
])('a message that cannot be left for the engage while the session is made %s', async (_, parked) => {
  // The engage is held before it makes the session; meanwhile Sync fails the second message's park.
  const { conversationSid, release } = await engageHeldAfterItsRead(world, 'Hi');
  try {
    world.twilio.addFault({
      method: 'POST',
      path: recordItemOf(conversationSid),
      ...(parked ? { after: 503 } : { status: 503 }),
    });
    world.customerWrites(conversationSid, 'My order 1234 is late');
    await world.until(
      () =>
        world.twilio.webhooks.some(
          (d) =>
            d.params.ConversationSid === conversationSid &&
            d.params.Body === 'My order 1234 is late' &&
            (d.status ?? d.lateStatus ?? 0) >= 500,
        ),
      'the second message to fail',
    );
    world.opencx.ai.reply('Hello! How can I help?');
  } finally {
    world.twilio.clearFaults();
    release();
  }
  await world.settle();
  const sessionId = world.sessionFor(conversationSid)!.id;
  const sentOnce = () =>
    world.contactMessages(sessionId).filter((text) => text.includes('My order 1234 is late')).length;
  expect(sentOnce()).toBe(parked ? 1 : 0);

  // The watchdog sends the message only if nobody claimed it, not on a history it cannot read: it
  // reaches OpenCX once either way.
  world.opencx.ai.reply('Let me check order 1234.');
  world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500 });
  try {
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  } finally {
    world.opencx.faults.clear();
  }
  expect(sentOnce()).toBe(1);
  // Each message answered once: the parked one with the first (the engage sends them together), the
  // other by the watchdog.
  expect(world.contactMessages(sessionId)).toEqual(
    parked ? ['Hi\nMy order 1234 is late'] : ['Hi', 'My order 1234 is late'],
  );
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(
    parked ? ['Hello! How can I help?'] : ['Hello! How can I help?', 'Let me check order 1234.'],
  );
});

test.each([
  ['', false],
  [', even when the answer to the session write is lost', true],
])(
  'a message the customer sends while the OpenCX session is slow to be made reaches the AI once%s',
  async (_, lost) => {
    // The engage is held before it makes the session: the second message's relay leaves it to the engage.
    const { conversationSid, release } = await engageHeldAfterItsRead(world, 'Hi');
    const recordItem = recordItemOf(conversationSid);
    try {
      world.customerWrites(conversationSid, 'My order 1234 is late');
      const second = world.conversations
        .messages(world.conversationsServiceSid, conversationSid)
        .find((m) => m.body === 'My order 1234 is late')!.sid;
      let relayed: Record<string, unknown> | undefined;
      await world.until(() => {
        relayed ??= world.takeLogs().find((l) => l.event === 'onMessageAdded' && l.messageSid === second);
        return relayed !== undefined;
      }, 'the relay of the second message to finish');
      expect(relayed).toMatchObject({ outcome: 'deferred' });
      // Its park is a record write, done: the next one is the engage's.
      await world.until(() => messageHandled(world, conversationSid, 'My order 1234 is late'), 'the relay to end');
      // The engage's write of the session id (which takes the parked message) is made, its answer lost.
      if (lost) world.twilio.addFault({ method: 'POST', path: recordItem, after: 500, times: 1 });
      world.opencx.ai.reply('Let me check order 1234.');
    } finally {
      release();
    }
    await world.settle();

    expect(world.twilio.requests.filter((r) => r.fault && recordItem.test(r.path))).toHaveLength(lost ? 1 : 0);

    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(world.contactMessages(sessionId)).toEqual(['Hi\nMy order 1234 is late']);
    expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Let me check order 1234.']);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId });
    expect(world.conversationRecord(conversationSid)).not.toHaveProperty('pendingMessages');
  },
);

test('an AI handoff whose last words cannot be posted still gets the task to humans in the same event', async () => {
  world.opencx.configureWebhook(undefined);
  // The handoff's attribute write leaves the AI's reservation pending: the handoff rejects it itself.
  const { switches } = world.twilio;
  const cancels = switches.attributeUpdateCancelsReservation;
  switches.attributeUpdateCancelsReservation = false;
  let open!: () => void;
  try {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    world.opencx.ai.reply({
      type: 'handoff',
      summary: 'Wants a refund',
      sentiment: 'neutral',
      content: 'Let me get you a person.',
    });
    // The message's claim goes through; then Sync refuses every claim, the AI's last words' too.
    const from = lastSeq(world);
    world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/, status: 503, skip: 1 });
    // The handoff's write of the task waits until posting the last words has failed.
    world.twilio.addFault({
      method: 'POST',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}',
      times: 1,
      until: new Promise<void>((resolve) => (open = resolve)),
    });
    world.customerWrites(conversationSid, 'I want a refund');
    const lastWordsClaims = () =>
      world.twilio.requests.filter((r) => r.seq > from && r.status === 503 && String(r.form?.Key).startsWith('ans_'));
    await world.until(() => lastWordsClaims().length >= 3, 'every try of the last words to fail');
    open();
    await world.settle();
    world.twilio.clearFaults();

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    expect(world.reservations(taskSid).some((r) => r.workerSid === world.humanWorkerSid)).toBe(true);
  } finally {
    open?.();
    world.twilio.clearFaults();
    switches.attributeUpdateCancelsReservation = cancels;
    world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  }
});

test('a message whose relay failed before its claim is sent by its watchdog, after a later answer', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi');
  const sessionId = world.sessionFor(conversationSid)!.id;
  // Sync refuses the claim of the customer's message: nobody sends it, and the handler's watchdog guards it.
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/, status: 503, times: 3 });
  try {
    await world.customerSays(conversationSid, 'Where is my parcel?');
  } finally {
    world.twilio.clearFaults();
  }
  expect(world.contactMessages(sessionId)).not.toContain('Where is my parcel?');
  world.opencx.ai.reply('Yes, I am here.');
  await world.customerSays(conversationSid, 'Hello?');

  // The watchdog cannot read OpenCX's history, and an AI answer follows its message.
  world.opencx.ai.reply('Your parcel left the depot this morning.');
  world.opencx.faults.add({ method: 'GET', path: '/chat/sessions/:id/history', status: 500 });
  try {
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  } finally {
    world.opencx.faults.clear();
  }
  expect(world.contactMessages(sessionId).filter((text) => text === 'Where is my parcel?')).toHaveLength(1);
  expect(world.postedAsAi(conversationSid).at(-1)!.body).toBe('Your parcel left the depot this morning.');
});

test('an answer watchdog that fails for over a minute (Twilio down) still hands off once Twilio is back', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  // OpenCX answers only once all of it is over.
  const late = 'Far too late';
  world.opencx.ai.reply({ type: 'reply', content: late, latencyMs: (AI_ANSWER_TIMEOUT_SECONDS + 120) * 1000 });
  await world.customerSays(conversationSid, 'Where is my parcel?');
  const messages = '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages';
  world.twilio.addFault({ method: 'GET', path: messages, status: 503 });
  try {
    // The watchdog and its first three rearms fail: 15 s apart, about a minute of failures.
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
    for (let rearm = 1; rearm <= 3; rearm++) await world.advance(16_000);
  } finally {
    world.twilio.clearFaults();
  }
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();

  await world.advance(61_000);
  const handedOff = { ...world.task(taskSid) };
  // OpenCX's answer comes after the handoff.
  await world.advance(15_000);
  expect(handedOff).toMatchObject({
    attributes: expect.objectContaining({ handedOff: true, handoffReason: 'AI unavailable' }),
    taskQueueSid: world.humanQueueSid,
  });
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).not.toContain(late);
});

test('a failed write of the new settings onto the record does not cost the customer their answer', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi');
  await world.saveConfig({ aiAnswerTimeoutSeconds: 25 });
  const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
  world.twilio.addFault({ method: 'POST', path: recordItem, status: 503 });
  try {
    world.opencx.ai.reply('Your parcel left the depot this morning.');
    await world.customerSays(conversationSid, 'Where is my parcel?');
  } finally {
    world.twilio.clearFaults();
  }
  expect(world.transcript(conversationSid).at(-1)!.body).toBe('Your parcel left the depot this morning.');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
});

test('a handoff note Twilio refused to post is posted when the customer writes next, once', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const notes = () =>
    world
      .transcript(conversationSid)
      .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
  world.twilio.addFault({
    method: 'POST',
    path: '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
    status: 429,
  });
  try {
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A person please');
  } finally {
    world.twilio.clearFaults();
  }
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(notes()).toHaveLength(0);

  await world.customerSays(conversationSid, 'Hello?');
  await world.customerSays(conversationSid, 'Still there?');
  expect(notes().map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
});

test('a handoff note that fails after a concurrent finish found it claimed is posted on the next message', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi');
  const notes = () =>
    world
      .transcript(conversationSid)
      .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
  const messages = '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages';
  const posts = () => world.twilio.calls({ product: 'conversations', method: 'POST', template: messages }).length;
  const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
  const recordWrites = () => world.twilio.requests.filter((r) => r.method === 'POST' && recordItem.test(r.path)).length;
  const answered = (body: string) =>
    world.twilio.webhooks.some(
      (d) => d.params.ConversationSid === conversationSid && d.params.Body === body && d.status !== undefined,
    );
  let refuseNote!: () => void;
  let markFinished!: () => void;
  // The customer's next message is the only other finisher.
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    // The handoff's note is held, then refused.
    world.twilio.addFault({
      method: 'POST',
      path: messages,
      status: 400,
      times: 1,
      until: new Promise<void>((r) => (refuseNote = r)),
    });
    const postsBefore = posts();
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    world.customerWrites(conversationSid, 'A person please');
    await world.until(() => posts() > postsBefore, "the handoff note's post");

    // The customer writes again: this finish finds the note claimed, and its write that the
    // handoff is done waits until the note has failed.
    const writesBefore = recordWrites();
    world.twilio.addFault({
      method: 'POST',
      path: recordItem,
      times: 1,
      until: new Promise<void>((r) => (markFinished = r)),
    });
    world.customerWrites(conversationSid, 'Hello?');
    await world.until(() => recordWrites() > writesBefore, "the finish's write");
    refuseNote();
    await world.until(() => answered('A person please'), 'the handoff to end');
  } finally {
    refuseNote?.();
    markFinished?.();
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  await world.settle();
  expect(notes()).toHaveLength(0);

  await world.customerSays(conversationSid, 'Still there?');
  expect(notes().map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
});

test.each(['landed', 'did not land'])(
  'a handoff note whose post may have landed (it %s): the next finish looks first, posts it once, ends',
  async (fate) => {
    const { conversationSid } = await world.customerStartsConversation('Hi');
    const notes = () =>
      world
        .transcript(conversationSid)
        .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
    // The customer's next message is the only other finisher.
    world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
    try {
      // The note's post ends with no answer (taken and its answer lost, or refused), and looking for it fails.
      const messages = /\/Messages$/;
      const post = fate === 'landed' ? { after: 500 } : { status: 503 };
      world.twilio.addFault({ method: 'POST', product: 'conversations', path: messages, times: 1, ...post });
      world.twilio.addFault({ method: 'GET', product: 'conversations', path: messages, status: 400 });
      world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
      await world.customerSays(conversationSid, 'A person please');
    } finally {
      world.twilio.clearFaults();
      world.opencx.webhookFaults.clear();
    }
    expect(notes()).toHaveLength(fate === 'landed' ? 1 : 0);
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      phase: 'handoff',
      handoff: { noteOwed: true, noteAttempt: 1 },
    });

    await world.customerSays(conversationSid, 'Hello?');
    expect(notes().map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });

    // The handoff is done: the customer's next message finishes nothing again.
    const from = lastSeq(world);
    await world.customerSays(conversationSid, 'Still there?');
    expect(world.twilio.requests.filter((r) => r.seq > from && r.product === 'taskrouter')).toEqual([]);
    expect(notes()).toHaveLength(1);
  },
);

test("a handoff whose Sync write failed, racing another's: the other's handoff, one note, one insight", async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const notes = () => world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE);
  let failPhotoHandoff!: () => void;
  let handedOff: Record<string, unknown> = {};
  // The customer's message is the only other handoff.
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    failPhotoHandoff = await photoHandoffHeld(conversationSid, taskSid);

    // Meanwhile the AI hands off the customer's message, whole: task written, note posted.
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    world.customerWrites(conversationSid, 'A person please');
    await world.until(() => messageHandled(world, conversationSid, 'A person please'), 'the AI handoff');
    handedOff = { ...world.task(taskSid).attributes };
    // Sync stays down for the photo's handoff: it cannot read whether its write landed either.
    world.twilio.addFault({ method: 'GET', product: 'sync', path: recordItemOf(conversationSid), status: 500 });
    failPhotoHandoff();
    await world.until(() => messageHandled(world, conversationSid, ''), "the photo's handoff");
  } finally {
    failPhotoHandoff?.();
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  expect(handedOff).toMatchObject({ handedOff: true, handoffSummary: 'Wants a human' });
  await world.settle();

  expect(world.task(taskSid).attributes).toMatchObject({
    handoffReason: handedOff.handoffReason,
    handoffTimestamp: handedOff.handoffTimestamp,
    handoffSummary: 'Wants a human',
  });
  expect(handoffsInHistory(taskSid)).toEqual([handedOff.handoffTimestamp]);
  expect(handoffInsights(conversationSid)).toEqual([handedOff.handoffTimestamp]);
  expect(notes()).toHaveLength(1);
  // The photo's handoff went ahead, not knowing it lost, as the AI's.
  expect(handoffOutcome(conversationSid, '')).toMatchObject({ outcome: 'handed-off', reason: handedOff.handoffReason });
});

test('a handoff whose Sync write failed, first to write the task: its handoff, one note, one insight', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const notes = () => world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE);
  let failPhotoHandoff!: () => void;
  let writeAiHandoff!: () => void;
  let handedOff: Record<string, unknown> = {};
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    failPhotoHandoff = await photoHandoffHeld(conversationSid, taskSid);
    // The AI hands off the customer's message and wins in Sync; its task write is held, its note posted.
    world.twilio.addFault({
      method: 'POST',
      product: 'taskrouter',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}',
      form: /AI requested human handoff/,
      times: 1,
      until: new Promise<void>((r) => (writeAiHandoff = r)),
    });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    world.customerWrites(conversationSid, 'A person please');
    await world.until(() => world.twilio.requestsOnHold > 1 && notes().length > 0, "the AI handoff's task write");

    // The photo's handoff, not knowing it lost, writes the task first (the task as both read it).
    world.twilio.addFault({ method: 'GET', product: 'sync', path: recordItemOf(conversationSid), status: 500 });
    failPhotoHandoff();
    await world.until(() => messageHandled(world, conversationSid, ''), "the photo's handoff");
    handedOff = { ...world.task(taskSid).attributes };
    // The AI's write meets a task written since its read (a 412).
    writeAiHandoff();
    await world.until(() => messageHandled(world, conversationSid, 'A person please'), 'the AI handoff');
  } finally {
    failPhotoHandoff?.();
    writeAiHandoff?.();
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  expect(handedOff).toMatchObject({ handedOff: true, handoffReason: 'Customer sent an attachment' });
  await world.settle();

  expect(world.task(taskSid).attributes).toMatchObject({
    handoffReason: 'Customer sent an attachment',
    handoffTimestamp: handedOff.handoffTimestamp,
  });
  expect(handoffsInHistory(taskSid)).toEqual([handedOff.handoffTimestamp]);
  expect(handoffInsights(conversationSid)).toEqual([handedOff.handoffTimestamp]);
  expect(notes()).toHaveLength(1);
  expect(handoffOutcome(conversationSid, 'A person please')).toMatchObject({
    outcome: 'handed-off',
    reason: 'Customer sent an attachment',
  });
});

test('a task assigned to the AI, handed off twice at once (one Sync write failed): humans get one invite', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
  await world.acceptReservation(taskSid, ai.sid);
  const since = lastSeq(world);
  const invites = () =>
    world.twilio.calls({ product: 'flex-api', method: 'POST', template: FLEX_INVITES }).filter((r) => r.seq > since);
  let failPhotoHandoff!: () => void;
  let invite!: () => void;
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    failPhotoHandoff = await photoHandoffHeld(conversationSid, taskSid);
    // The AI hands off the customer's message and wins in Sync; its invite is held.
    world.twilio.addFault({
      product: 'flex-api',
      method: 'POST',
      path: FLEX_INVITES,
      times: 1,
      until: new Promise<void>((r) => (invite = r)),
    });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    world.customerWrites(conversationSid, 'A person please');
    await world.until(() => world.twilio.requestsOnHold > 1, "the AI handoff's invite");

    // The photo's handoff, not knowing it lost, transfers the task as both read it: still the AI's.
    failPhotoHandoff();
    await world.until(() => messageHandled(world, conversationSid, ''), "the photo's handoff");
    invite();
    await world.until(() => messageHandled(world, conversationSid, 'A person please'), 'the AI handoff');
  } finally {
    failPhotoHandoff?.();
    invite?.();
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  await world.settle();

  expect(invites()).toHaveLength(1);
  expect(world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid)).toHaveLength(1);
  expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
});

const FLEX_INVITES = '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites';

/**
 * The customer sends a photo, which hands off: its Sync write is held once it has read the task, and
 * fails when the returned gate opens.
 */
async function photoHandoffHeld(conversationSid: string, taskSid: string): Promise<() => void> {
  const taskReads = () =>
    world.twilio.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/Tasks/${taskSid}`)).length;
  let fail!: () => void;
  world.twilio.addFault({
    method: 'POST',
    product: 'sync',
    path: recordItemOf(conversationSid),
    form: /Customer sent an attachment/,
    status: 500,
    until: new Promise<void>((r) => (fail = r)),
  });
  const readsBefore = taskReads();
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: '',
    media: [{ filename: 'parcel.jpg', contentType: 'image/jpeg', size: 20480 }],
  });
  await world.until(() => world.twilio.requestsOnHold > 0 && taskReads() > readsBefore, "the photo's handoff");
  return fail;
}

/** The times of the handoffs the task's history holds. */
const handoffsInHistory = (taskSid: string) =>
  (world.task(taskSid).attributes.opencxHistory as { to: string; at: string }[])
    .filter((e) => e.to === 'human')
    .map((e) => e.at);

/** The times of the conversation's handoffs the supervisors' insights list. */
const handoffInsights = (conversationSid: string) =>
  insightEvents(world)
    .filter(({ data }) => data.type === 'handoff' && data.conversationSid === conversationSid)
    .map(({ data }) => data.at);

/** What the Function said of the customer's message `body`. */
const handoffOutcome = (conversationSid: string, body: string) => {
  const handled = world.twilio.webhooks.find(
    (d) => d.params.ConversationSid === conversationSid && d.params.Body === body,
  );
  return JSON.parse(handled!.responseBody!);
};

test.each([
  ['TaskRouter would not reject the AI reservation: the task went to humans, one note', /\/Reservations\/WR\w+$/, 1],
  ['the task could not be written: no note, as nothing routed the conversation to humans', /./, 0],
])('a handoff whose Sync write failed, then %s', async (_, failing, expected) => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  const notes = () => world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE);
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    world.twilio.addFault({ method: 'POST', product: 'sync', path: recordItemOf(conversationSid), status: 500 });
    world.twilio.addFault({ method: 'POST', product: 'taskrouter', path: failing, status: 503 });
    world.twilio.addFault({ method: 'POST', product: 'flex-api', status: 503 });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A person please');
  } finally {
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  expect(notes()).toHaveLength(expected);
  expect(world.task(taskSid).attributes.handedOff === true).toBe(expected === 1);
});

test('a handoff note refused, Sync failing to free its claim or mark it owed: a later finish posts it', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi');
  const notes = () =>
    world
      .transcript(conversationSid)
      .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handoff-note');
  // The customer's next message is the only other finisher.
  world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
  try {
    // Twilio refuses the note; Sync refuses giving its claim back and recording the note as owed.
    world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, status: 400, times: 1 });
    world.twilio.addFault({ method: 'DELETE', product: 'sync', path: /\/Items\/note_CH\w+_/, status: 500 });
    world.twilio.addFault({
      method: 'POST',
      product: 'sync',
      path: recordItemOf(conversationSid),
      form: /noteOwed/,
      status: 500,
    });
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A person please');
  } finally {
    world.twilio.clearFaults();
    world.opencx.webhookFaults.clear();
  }
  expect(notes()).toHaveLength(0);
  expect(world.conversationRecord(conversationSid)).not.toMatchObject({ handoff: { noteOwed: true } });

  // Once no Function can still hold the claim (the times moved back: the Functions read the real clock).
  world.ageHandoff(conversationSid, 16_000);
  await world.customerSays(conversationSid, 'Hello?');
  expect(notes().map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });

  await world.customerSays(conversationSid, 'Still there?');
  expect(notes()).toHaveLength(1);
});

test('a handoff an earlier version made, finished by the next message: the customer reads its note once', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hi');
  const notes = () => world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE);
  // A photo hands off; nothing finishes the handoff until the customer writes again.
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: '',
    media: [{ filename: 'parcel.jpg', contentType: 'image/jpeg', size: 40960 }],
  });
  await world.settle();
  expect(notes()).toHaveLength(1);
  expect(world.conversationRecord(conversationSid)).not.toMatchObject({ handoff: { routed: true } });

  // Upgraded while the customer waits for a human: the waiting customer's message finishes the handoff.
  world.handoffOfAnEarlierVersion(conversationSid);
  await world.customerSays(conversationSid, 'Hello?');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
  expect(notes()).toHaveLength(1);
});

test('a conversation routed to the AI again sends the AI only what the customer wrote since the handoff', async () => {
  world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a refund', sentiment: 'neutral' });
  const { conversationSid, taskSid } = await world.customerStartsConversation('I want a refund for order 1234', 'sms');
  const [humanTask] = world.tasksOf(conversationSid).filter((t) => t.sid === taskSid);
  await world.humanAgentAccepts(humanTask.sid);
  const messages = world.client.conversations.v1
    .services(world.conversationsServiceSid)
    .conversations(conversationSid).messages;
  await messages.create({ author: 'alice', body: 'Your refund is on its way.' });
  await world.customerSays(conversationSid, 'Thanks!');
  await messages.create({ author: 'alice', body: 'You are welcome, goodbye.' });
  world.taskrouter.updateTaskStatus(world.workspaceSid, humanTask.sid, 'completed', 'Done');
  await world.settle();
  expect(world.conversationRecord(conversationSid)).toBeUndefined();

  // Days later the customer writes again in the same conversation, and Flex routes it to the AI.
  world.customerWrites(conversationSid, 'Do you ship to Canada?');
  world.flex.createInteraction(
    { type: 'sms', initiated_by: 'customer', properties: { media_channel_sid: conversationSid } },
    {
      workspace_sid: world.workspaceSid,
      workflow_sid: world.workflowSid,
      task_channel_unique_name: 'chat',
      attributes: { from: world.customerOf(conversationSid) },
    },
  );
  await world.settle();

  const first = world.sessionFor(conversationSid)!.id;
  const record = world.conversationRecord(conversationSid);
  expect(record).toMatchObject({ phase: 'ai', sessionId: expect.any(String) });
  expect(record!.sessionId).not.toBe(first);
  // Not the refund the handoff note followed, nor the agent's replies; the customer's thanks is theirs.
  expect(world.contactMessages(record!.sessionId as string)).toEqual(['Thanks!\nDo you ship to Canada?']);
});

/** The Sync item of the conversation's record. */
const recordItemOf = (conversationSid: string) =>
  new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);

const requestsTo = (method: string, path: RegExp) =>
  world.twilio.requests.filter((r) => r.method === method && path.test(r.path)).length;
const recordItems = /\/Items\/CH\w+$/;

/**
 * A conversation whose task ends while the AI takes it: its engage is held at its write of the new
 * session (the AI's offer reaches the Functions once the customer's message has been handled, so
 * the first record write is that one), then `whileHeld` ends the task. TaskRouter may deliver the
 * task's end while the engage still runs ([open]: the switch). Returns the conversation and the
 * OpenCX sessions it made.
 */
async function taskEndsWhileEngaging(
  body: string,
  whileHeld: (started: { conversationSid: string; taskSid: string }, recordSession: () => void) => Promise<void>,
): Promise<{ conversationSid: string; made: { id: string; status: string }[] }> {
  const before = new Set(world.opencx.sessions.keys());
  let recordSession!: () => void;
  world.twilio.switches.concurrentEvents = true;
  const offer = holdNextOffer(world);
  let conversationSid = '';
  try {
    const started = world.customerWritesIn(body);
    conversationSid = started.conversationSid;
    await world.until(() => messageHandled(world, conversationSid, body), "the message's relay");
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    const heldFrom = world.twilio.requests.length;
    world.twilio.addFault({
      method: 'POST',
      path: recordItems,
      times: 1,
      until: new Promise<void>((r) => (recordSession = r)),
    });
    offer.release();
    await world.until(
      () =>
        world.twilio.requests.slice(heldFrom).some((r) => r.fault && r.method === 'POST' && recordItems.test(r.path)),
      "the engage's write of the session, held",
    );
    await whileHeld(started, recordSession);
  } finally {
    offer.release();
    recordSession?.();
    world.twilio.switches.concurrentEvents = false;
  }
  await world.settle();
  return { conversationSid, made: [...world.opencx.sessions.values()].filter((session) => !before.has(session.id)) };
}

test('a task that ends while its OpenCX session is being made leaves it closed, and sends it nothing', async () => {
  const { conversationSid, made } = await taskEndsWhileEngaging('Hi, quick question', async (started) => {
    world.taskrouter.updateTaskStatus(world.workspaceSid, started.taskSid, 'canceled', 'Customer left');
    await world.until(
      () => world.conversationRecord(started.conversationSid) === undefined,
      'the end to clear the claim',
    );
  });

  expect(made).toHaveLength(1);
  expect(made[0].status).toBe('closed_resolved');
  expect(world.contactMessages(made[0].id)).toEqual([]);
  expect(world.postedAsAi(conversationSid)).toEqual([]);
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
});

test('a task whose end read the claim before the engage recorded its session: both are cleared', async () => {
  let forget!: () => void;
  const { conversationSid, made } = await taskEndsWhileEngaging(
    'Hi, one more question',
    async (started, recordSession) => {
      // The end reads the claim (no session yet); its delete waits until the engage's write has landed.
      const deletesBefore = requestsTo('DELETE', recordItems);
      world.twilio.addFault({
        method: 'DELETE',
        path: recordItems,
        times: 1,
        until: new Promise<void>((r) => (forget = r)),
      });
      try {
        world.taskrouter.updateTaskStatus(world.workspaceSid, started.taskSid, 'canceled', 'Customer left');
        await world.until(() => requestsTo('DELETE', recordItems) > deletesBefore, "the end's delete of the claim");
        recordSession();
        const recorded = () => world.conversationRecord(started.conversationSid)?.sessionId !== undefined;
        await world.until(recorded, 'the session');
      } finally {
        forget?.();
      }
    },
  );

  expect(made).toHaveLength(1);
  expect(made[0].status).toBe('closed_resolved');
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
});

test('an AI offer delivered again after its task ended starts no session and answers nobody', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi, where is my order?');
  const offer = world.twilio.webhooks.find(
    (d) => d.kind === 'taskrouter' && d.params.EventType === 'reservation.created' && d.params.TaskSid === taskSid,
  )!;
  const session = world.sessionFor(conversationSid)!;
  const answers = world.postedAsAi(conversationSid).length;
  world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
  await world.settle();
  expect(world.conversationRecord(conversationSid)).toBeUndefined();

  // TaskRouter delivers the offer again, after the end ([open]: its retry policy).
  const sessionsBefore = world.opencx.sessions.size;
  const again = await world.taskrouter.redeliver(offer.seq);
  await world.settle();

  expect(again.status).toBe(200);
  expect(world.opencx.sessions.size).toBe(sessionsBefore);
  expect(world.opencx.sessions.get(session.id)?.status).toBe('closed_resolved');
  expect(world.postedAsAi(conversationSid)).toHaveLength(answers);
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
});

/** A conversation whose task a workflow of humans only sent straight to the human agent, who accepted it. */
async function acceptedByHumanAlone(name: string): Promise<{ conversationSid: string; taskSid: string }> {
  const started = world.flex.startInboundConversation({
    conversationsServiceSid: world.conversationsServiceSid,
    workspaceSid: world.workspaceSid,
    workflowSid: world.addWorkflow(`Humans only (${name})`),
    from: `customer-${name}`,
    body: 'Can a person help me?',
    channelType: 'web',
  });
  await world.settle();
  await world.humanAgentAccepts(started.taskSid);
  return started;
}

/** TaskRouter's offer of the task to the AI, delivered late ([open]: events late and out of order). */
async function lateAiOffer(taskSid: string, digit: string): Promise<Response> {
  const late = await postSigned(world, {
    EventType: 'reservation.created',
    Sid: 'EV' + digit.repeat(32),
    AccountSid: world.twilio.accountSid,
    WorkspaceSid: world.workspaceSid,
    TaskSid: taskSid,
    TaskAttributes: JSON.stringify(world.task(taskSid).attributes),
    TaskAssignmentStatus: 'reserved',
    ReservationSid: 'WR' + digit.repeat(32),
    WorkerSid: world.aiWorkerSid,
  });
  await world.settle();
  return late;
}

// An offer of the AI's that was never handled, arriving once a human holds the task.
test('an AI offer that arrives once a human accepted the task starts no session and says nothing', async () => {
  const { conversationSid, taskSid } = await acceptedByHumanAlone('late-offer');
  expect(world.task(taskSid).assignmentStatus).toBe('assigned');

  const sessionsBefore = world.opencx.sessions.size;
  const late = await lateAiOffer(taskSid, '5');

  expect(late.status).toBe(200);
  expect(world.opencx.sessions.size).toBe(sessionsBefore);
  expect(world.postedAsAi(conversationSid)).toEqual([]);
  expect(world.conversationRecord(conversationSid)).toBeUndefined();
  expect(world.task(taskSid).assignmentStatus).toBe('assigned');
  // The supervisors' insights count no conversation the AI never held.
  expect(insightEvents(world).filter((e) => e.data.conversationSid === conversationSid)).toEqual([]);
});

// The same late offer once the human finished the task: the AI never held the conversation, so the
// supervisors' insights count neither an engage nor a conversation the AI contained.
test('an AI offer that arrives after a human finished the task counts no engage and nothing contained', async () => {
  const { conversationSid, taskSid } = await acceptedByHumanAlone('late-offer-done');
  world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'wrapping', 'Agent ended the chat');
  world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'completed', 'Agent wrapped up');
  await world.settle();

  const late = await lateAiOffer(taskSid, '6');

  expect(late.status).toBe(200);
  expect(world.postedAsAi(conversationSid)).toEqual([]);
  const counted = insightEvents(world).filter((e) => e.data.conversationSid === conversationSid);
  expect(counted.filter((e) => e.data.type === 'engage')).toEqual([]);
  expect(counted.filter((e) => e.data.type === 'end' && e.data.withAi === true)).toEqual([]);
});

/**
 * A customer starts a conversation whose engage fails after its record names the session (Sync
 * refuses the session's index), then whose handoff cannot write the task; `recordWriteToo`: nor the
 * record (the first record write, the engage's, lands).
 */
async function engageFailsThenItsHandoff({ recordWriteToo }: { recordWriteToo: boolean }) {
  world.twilio.addFault({ method: 'POST', path: /\/Maps\/opencx_sessions_\d+\/Items$/, status: 503 });
  if (recordWriteToo)
    world.twilio.addFault({
      method: 'POST',
      path: /\/Maps\/opencx_conversations_\d+\/Items\/CH\w+$/,
      status: 503,
      skip: 1,
    });
  world.twilio.addFault({ method: 'POST', path: /\/Workspaces\/WS\w+\/Tasks\/WT\w+$/, status: 503 });
  try {
    return await world.customerStartsConversation('Where is my parcel?');
  } finally {
    world.twilio.clearFaults();
  }
}

// Near the end of the file: 16 s pass on the shared clock.
test('an engage that failed after recording its session, whose handoff is recorded but not routed: 15 s', async () => {
  const { conversationSid, taskSid } = await engageFailsThenItsHandoff({ recordWriteToo: false });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  expect(world.task(taskSid).attributes.handedOff).not.toBe(true);

  // The offer's timer finishes the handoff, well before an answer watchdog would.
  await world.advance(16_000);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual([CUSTOMER_HANDOFF_NOTE]);
});

// Last in the file: a minute passes on the shared clock, and earlier tests' timers fire.
test('an engage that recorded its session, then failed and could not hand off: its watchdog hands off', async () => {
  // The record still says the AI holds the conversation.
  const { conversationSid, taskSid } = await engageFailsThenItsHandoff({ recordWriteToo: true });
  expect(world.task(taskSid).attributes.handedOff).not.toBe(true);
  const { sessionId } = world.conversationRecord(conversationSid) as { sessionId: string };
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: expect.any(String) });

  await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  // In the humans' queue (whether the agent, busy with earlier tests' chats, is offered it yet or not).
  expect(world.task(taskSid).taskQueueSid).toBe(world.humanQueueSid);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
  // The AI never had the customer's message: the humans answer it.
  expect(world.contactMessages(sessionId)).toEqual([]);
  // Told a human is coming (by the failed handoff's note, which its second handoff may post again).
  expect(world.postedAsAi(conversationSid).map((m) => m.body)).toContain(CUSTOMER_HANDOFF_NOTE);
  expect(world.postedAsAi(conversationSid).every((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toBe(true);
});
