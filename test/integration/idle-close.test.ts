// Closing AI conversations nobody writes in (`aiIdleCloseMinutes`), in twilio-run against the
// simulators: a customer who left no longer holds a slot of the AI worker pool until TaskRouter's
// task timeout. Simulated minutes pass only through world.advance.
import { DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE } from '../../functions/common/config';
import { OPENCX_WEBHOOK_SECRET, type World } from '../harness/world';
import { HANDOFF_EVENT } from '../simulators/opencx/opencx-simulator';
import { messageHandled, postSignedOpencx, withWorld } from './helpers';

jest.setTimeout(120000);

const IDLE_MINUTES = 10;
const MINUTE = 60_000;

const world = withWorld({}, (w) => w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES }));

/** The conversation's idle timers still running. */
const idleTimers = (w: World, conversationSid: string) =>
  [...w.taskrouter.workspace(w.timerWorkspaceSid).tasks.values()].filter(
    (t) =>
      t.assignmentStatus === 'pending' &&
      t.attributes.opencxTimer === 'idle' &&
      t.attributes.conversationSid === conversationSid,
  );
const channelStatus = (w: World, interactionSid: string) => w.flex.getInteraction(interactionSid).channel.status;
const conversationState = (w: World, conversationSid: string) =>
  w.conversations.getConversation(w.conversationsServiceSid, conversationSid).state;
const roleOf = (m: { attributes: Record<string, unknown> }) =>
  (m.attributes.opencx as { role?: string } | undefined)?.role;

type Staged = { request: { method: string; path: RegExp; status?: number }; what: string; passing: number };

/**
 * `passing` ms go by while the next `request` the close makes is held; once it is, `meanwhile`
 * happens, and the request goes on (answered as `request` says).
 */
async function whileHeld(w: World, staged: Staged, meanwhile: () => unknown): Promise<void> {
  const { method, path } = staged.request;
  const made = () => w.twilio.requests.filter((r) => r.method === method && path.test(r.path)).length;
  const before = made();
  let open!: () => void;
  w.twilio.addFault({ ...staged.request, times: 1, until: new Promise<void>((r) => (open = r)) });
  try {
    const passing = w.advance(staged.passing);
    await w.until(() => made() > before, staged.what);
    await meanwhile();
    open();
    await passing;
  } finally {
    open();
  }
  await w.settle();
}

/** The customer writes `body` while the close's `request` is held. */
const customerWritesWhileHeld = (w: World, conversationSid: string, body: string, staged: Staged) =>
  whileHeld(w, staged, () => w.customerWrites(conversationSid, body));

test('a silent conversation is closed when the time is up: its AI task ends and the session closes', async () => {
  const w = world();
  const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Do you ship abroad?');
  const sessionId = w.sessionFor(conversationSid)!.id;
  expect(idleTimers(w, conversationSid)).toHaveLength(1);

  await w.advance(IDLE_MINUTES * MINUTE - 30_000);
  expect(w.task(taskSid).assignmentStatus).toBe('reserved');

  await w.advance(60_000);
  expect(channelStatus(w, interactionSid)).toBe('closed');
  expect(conversationState(w, conversationSid)).toBe('closed');
  expect(w.task(taskSid).assignmentStatus).toBe('canceled');
  expect(w.opencx.sessions.get(sessionId)!.status).toMatch(/^closed_/);
  expect(w.conversationRecord(conversationSid)).toBeUndefined();
  expect(idleTimers(w, conversationSid)).toEqual([]);
  // The customer read the AI's answer, then the note that the chat is closed (posted before the close).
  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'idle-close-note']);
  expect(w.transcript(conversationSid).at(-1)!.body).toBe(DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE);
});

test('an idle timer that could not be armed when the AI started is armed by the next message, and closes', async () => {
  const w = world();
  w.twilio.addFault({ method: 'POST', path: /\/Tasks$/, form: /"opencxTimer":"idle"/, status: 500 });
  const started = await w.customerStartsConversation('Do you ship abroad?').finally(() => w.twilio.clearFaults());
  const { conversationSid, interactionSid } = started;
  expect(idleTimers(w, conversationSid)).toEqual([]);
  expect(w.conversationRecord(conversationSid)).toMatchObject({ idleTimerOwed: expect.any(String) });

  await w.customerSays(conversationSid, 'And to Norway?');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
  expect(w.conversationRecord(conversationSid)).not.toHaveProperty('idleTimerOwed');
  // Armed, it is owed no more: the next message arms no second one.
  await w.customerSays(conversationSid, 'Thanks');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);

  await w.advance(IDLE_MINUTES * MINUTE + 30_000);
  expect(channelStatus(w, interactionSid)).toBe('closed');
  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'ai', 'ai', 'idle-close-note']);
});

test('an owed idle timer is armed once when two messages both find it owed', async () => {
  const w = world();
  w.twilio.addFault({ method: 'POST', path: /\/Tasks$/, form: /"opencxTimer":"idle"/, status: 500 });
  const { conversationSid } = await w
    .customerStartsConversation('Do you ship abroad?')
    .finally(() => w.twilio.clearFaults());
  expect(idleTimers(w, conversationSid)).toEqual([]);
  // The first message's answer is held until the second message has been answered: both read it owed.
  let release!: () => void;
  w.opencx.ai.reply('We ship to Norway.');
  w.twilio.addFault({
    method: 'POST',
    product: 'conversations',
    path: /\/Messages$/,
    form: /We ship to Norway/,
    until: new Promise<void>((r) => (release = r)),
    times: 1,
  });
  w.customerWrites(conversationSid, 'And to Norway?');
  try {
    await w.until(() => w.twilio.requestsOnHold > 0, "the first answer's post");
    w.opencx.ai.reply('And to Sweden.');
    w.customerWrites(conversationSid, 'And Sweden?');
    await w.until(() => messageHandled(w, conversationSid, 'And Sweden?'), 'the second message');
  } finally {
    release();
    w.twilio.clearFaults();
  }
  await w.settle();
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
  expect(w.conversationRecord(conversationSid)).not.toHaveProperty('idleTimerOwed');
});

test("the admin's own note is posted once before the close, and an empty one posts none", async () => {
  const w = world();
  const note = 'This chat has closed. Message us again whenever you like.';
  try {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES, customerIdleCloseNote: note });
    const first = await w.customerStartsConversation('Are you open today?');
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, first.interactionSid)).toBe('closed');
    expect(w.postedAsAi(first.conversationSid).map((m) => [roleOf(m), m.body])).toEqual([
      ['ai', expect.any(String)],
      ['idle-close-note', note],
    ]);

    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES, customerIdleCloseNote: '' });
    const second = await w.customerStartsConversation('Are you open tomorrow?');
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, second.interactionSid)).toBe('closed');
    expect(w.postedAsAi(second.conversationSid).map(roleOf)).toEqual(['ai']);
  } finally {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
  }
});

test.each(['posted', 'refused'] as const)(
  'a customer who writes while the closing note is %s is answered, and the chat stays open',
  async (fate) => {
    const w = world();
    const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Hi there');
    const conversationPost = new RegExp(`/Conversations/${conversationSid}/Messages$`);
    await customerWritesWhileHeld(w, conversationSid, 'Wait, one more question', {
      request: { method: 'POST', path: conversationPost, ...(fate === 'refused' && { status: 400 }) },
      what: "the closing note's post",
      passing: IDLE_MINUTES * MINUTE + 30_000,
    });

    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.task(taskSid).assignmentStatus).toBe('reserved');
    const first = fate === 'posted' ? ['idle-close-note'] : [];
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', ...first, 'ai']);
    expect(idleTimers(w, conversationSid)).toHaveLength(1);

    // When it goes quiet again, the customer reads the note again before it is closed.
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, interactionSid)).toBe('closed');
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', ...first, 'ai', 'idle-close-note']);
  },
);

test('a customer who writes while the closing note is posted, answered at length, keeps the chat open', async () => {
  const w = world();
  const { conversationSid, interactionSid } = await w.customerStartsConversation('Hi there');
  // An answer in three parts: the close's last look (three messages) finds only them.
  const long = Array.from({ length: 8 }, (_, n) => `Step ${n + 1}: ${'follow the steps with care '.repeat(20)}`);
  w.opencx.ai.reply(long.join('\n'));
  // The customer is answered before the note's post goes on.
  const staged = {
    request: { method: 'POST', path: new RegExp(`/Conversations/${conversationSid}/Messages$`) },
    what: "the closing note's post",
    passing: IDLE_MINUTES * MINUTE + 30_000,
  };
  await whileHeld(w, staged, async () => {
    w.customerWrites(conversationSid, 'How do I reset my router?');
    await w.until(() => w.postedAsAi(conversationSid).length === 4, 'the answer in three parts');
  });

  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'ai', 'ai', 'ai', 'idle-close-note']);
  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
});

/** A silent conversation's close: its note posted, Flex refuses the close (503). */
async function closeFailsAfterItsNote(w: World): Promise<{ conversationSid: string; interactionSid: string }> {
  const started = await w.customerStartsConversation('Anyone there?');
  const { conversationSid, interactionSid } = started;
  w.twilio.addFault({ method: 'POST', path: new RegExp(`/Interactions/${interactionSid}/Channels/`), status: 503 });
  try {
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
  } finally {
    w.twilio.clearFaults();
  }
  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'idle-close-note']);
  return { conversationSid, interactionSid };
}

test('with no closing note, a customer who writes while the close reads the record keeps the chat open', async () => {
  const w = world();
  await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES, customerIdleCloseNote: '' });
  try {
    const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Hi there');
    const recordRead = new RegExp(`/Maps/opencx_conversations_\\d+/Items/${conversationSid}$`);
    const reads = () => w.twilio.requests.filter((r) => r.method === 'GET' && recordRead.test(r.path)).length;
    await w.advance(IDLE_MINUTES * MINUTE - 30_000);
    const before = reads();
    // The timer's event reads the record, then the close reads it again before it closes: the
    // customer writes while that second read is held.
    const opens: (() => void)[] = [];
    const hold = () =>
      w.twilio.addFault({ method: 'GET', path: recordRead, times: 1, until: new Promise<void>((r) => opens.push(r)) });
    hold();
    try {
      const passing = w.advance(60_000);
      await w.until(() => reads() > before, "the timer's read of the record");
      hold();
      opens[0]();
      await w.until(() => reads() > before + 1, "the close's read of the record");
      w.customerWrites(conversationSid, 'Wait, one more question');
      opens[1]();
      await passing;
    } finally {
      for (const open of opens) open();
    }
    await w.settle();

    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.task(taskSid).assignmentStatus).toBe('reserved');
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'ai']);
    expect(idleTimers(w, conversationSid)).toHaveLength(1);
  } finally {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
  }
});

test('a close that fails after the note is tried again 15 s later, with no second note', async () => {
  const w = world();
  const { conversationSid, interactionSid } = await closeFailsAfterItsNote(w);

  await w.advance(16_000);
  expect(channelStatus(w, interactionSid)).toBe('closed');
  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'idle-close-note']);
});

test('a customer who writes while a failed close is tried again (its note already in) is answered', async () => {
  const w = world();
  const { conversationSid, interactionSid } = await closeFailsAfterItsNote(w);
  // The try again finds the note claimed; the customer writes while it claims.
  await customerWritesWhileHeld(w, conversationSid, 'Sorry, I was away', {
    request: { method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/ },
    what: "the try again's claim of the note",
    passing: 16_000,
  });

  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'idle-close-note', 'ai']);
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
});

test('a customer who writes again is given the whole time again from their message', async () => {
  const w = world();
  const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Where is my parcel?');
  await w.advance(6 * MINUTE);
  await w.customerSays(conversationSid, 'It was due on Monday');

  // The timer fires 10 minutes after the start: the customer wrote 4 minutes ago.
  await w.advance(4 * MINUTE + 5_000);
  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(w.task(taskSid).assignmentStatus).toBe('reserved');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);

  await w.advance(5 * MINUTE + 25_000);
  expect(channelStatus(w, interactionSid)).toBe('active');
  // 10 minutes after the customer's last message.
  await w.advance(40_000);
  expect(channelStatus(w, interactionSid)).toBe('closed');
  expect(w.task(taskSid).assignmentStatus).toBe('canceled');
});

test('a customer waiting on an answer the AI never gives is handed to humans, not closed on', async () => {
  const w = world();
  // The answer's watchdog waits 10 minutes, as long as the silence that closes a chat.
  await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES, aiAnswerTimeoutSeconds: IDLE_MINUTES * 60 });
  try {
    const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Hello');
    w.opencx.ai.reply({ type: 'reply', content: 'Too late', latencyMs: 20 * MINUTE });
    const held = w.opencx.heldRequests;
    w.customerWrites(conversationSid, 'Where is my refund?');
    await w.opencx.whenHeld(held + 1);
    // Half a minute passes while the relay waits, so the idle check comes before the watchdog.
    await w.advance(30_000);

    await w.advance(IDLE_MINUTES * MINUTE - 15_000);
    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai']);

    await w.advance(60_000);
    expect(w.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    await w.advance(IDLE_MINUTES * MINUTE * 3);
    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'handoff-note']);
  } finally {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
  }
});

test('a conversation OpenCX hands to humans while it is being closed for silence stays open', async () => {
  const w = world();
  const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Do you ship abroad?');
  const handoff = JSON.stringify({
    event: HANDOFF_EVENT,
    organization_id: 'org',
    data: { conversation_id: w.sessionFor(conversationSid)!.id, reason: 'human_agent_decided_to_take_over' },
  });
  await whileHeld(
    w,
    {
      request: { method: 'POST', path: /\/Maps\/opencx_dedup_\d+\/Items$/ },
      what: "the claim of the idle close's note",
      passing: IDLE_MINUTES * MINUTE + 5_000,
    },
    async () => expect((await postSignedOpencx(w, handoff, OPENCX_WEBHOOK_SECRET)).status).toBe(200),
  );

  // The humans' chat is not closed under them (the note that it closes may have gone out first).
  expect(w.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(w.postedAsAi(conversationSid).map(roleOf)).toContain('handoff-note');
  expect(w.task(taskSid).assignmentStatus).not.toBe('canceled');
});

test('a conversation handed to humans is never closed for silence', async () => {
  const w = world();
  w.opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
  const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('I want a person');
  expect(w.task(taskSid).attributes.handedOff).toBe(true);

  await w.advance(IDLE_MINUTES * MINUTE + 30_000);
  expect(channelStatus(w, interactionSid)).toBe('active');
  expect(conversationState(w, conversationSid)).not.toBe('closed');
  expect(w.task(taskSid).assignmentStatus).not.toBe('canceled');
});

test('a handoff its record missed (Sync failed) is not closed for silence while it waits for an agent', async () => {
  const w = world();
  const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Do you ship abroad?');
  await w.humanAgentLogsOut();
  // Without OpenCX's own handoff event, whose handling would record the handoff again.
  w.opencx.configureWebhook(undefined);
  try {
    w.opencx.ai.reply({ type: 'handoff', summary: 'Wants a person', sentiment: 'neutral' });
    w.twilio.addFault({
      method: 'POST',
      product: 'sync',
      path: /\/Maps\/opencx_conversations(_\d+)?\/Items\/CH/,
      status: 500,
      times: 3,
    });
    await w.customerSays(conversationSid, 'I want a person');
    w.twilio.clearFaults();
    expect(w.task(taskSid).attributes).toMatchObject({ handedOff: true });
    expect(w.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });

    // Nobody is offered the task for twice the time: the silence since the handoff note is past it.
    await w.advance(2 * IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.postedAsAi(conversationSid).map(roleOf)).toEqual(['ai', 'handoff-note']);
    expect(w.task(taskSid).assignmentStatus).toBe('pending');
    // The record says so now, and no timer looks again.
    expect(w.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    expect(idleTimers(w, conversationSid)).toEqual([]);

    await w.humanAgentLogsIn();
    await w.humanAgentAccepts(taskSid);
    expect(w.task(taskSid).assignmentStatus).toBe('assigned');
  } finally {
    w.opencx.configureWebhook({ url: w.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
    await w.humanAgentLogsIn();
  }
});

test('turned off (0, the default), no timer is armed and a silent conversation stays open', async () => {
  const w = world();
  await w.saveConfig({ aiIdleCloseMinutes: 0 });
  try {
    const { conversationSid, interactionSid, taskSid } = await w.customerStartsConversation('Hello');
    expect(idleTimers(w, conversationSid)).toEqual([]);
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(w.task(taskSid).assignmentStatus).toBe('reserved');

    // Turned on: the conversation begun while it was off is timed from its next message, and closes.
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
    await w.customerSays(conversationSid, 'Still there?');
    expect(idleTimers(w, conversationSid)).toHaveLength(1);
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, interactionSid)).toBe('closed');
  } finally {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
  }
});

test('a timer that fires while the setting is off is owed, not dropped: on again, the chat still closes', async () => {
  const w = world();
  const { conversationSid, interactionSid } = await w.customerStartsConversation('Hello');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
  await w.saveConfig({ aiIdleCloseMinutes: 0 });
  try {
    await w.advance(IDLE_MINUTES * MINUTE + 30_000);
    expect(channelStatus(w, interactionSid)).toBe('active');
    expect(idleTimers(w, conversationSid)).toEqual([]);
    // Off, a message arms nothing: the timer stays owed.
    await w.customerSays(conversationSid, 'Hello again');
    expect(idleTimers(w, conversationSid)).toEqual([]);
    expect(w.conversationRecord(conversationSid)).toMatchObject({ idleTimerOwed: expect.any(String) });
  } finally {
    await w.saveConfig({ aiIdleCloseMinutes: IDLE_MINUTES });
  }
  await w.customerSays(conversationSid, 'Anyone?');
  expect(idleTimers(w, conversationSid)).toHaveLength(1);
  await w.advance(IDLE_MINUTES * MINUTE + 30_000);
  expect(channelStatus(w, interactionSid)).toBe('closed');
});
