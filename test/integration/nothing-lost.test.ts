// Nothing lost, nothing doubled: retries resume a message, a handoff cut short is finished by the
// next event, long replies arrive whole, and identical messages are each answered.
import {
  AI_ANSWER_TIMEOUT_SECONDS,
  AI_AUTHOR,
  CUSTOMER_HANDOFF_NOTE,
  OPENCX_WEBHOOK_SECRET,
  World,
} from '../harness/world';
import { finishTest } from './helpers';

jest.setTimeout(120000);

let world: World;

beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world?.stop());
beforeEach(() => world.humanAgentLogsIn());
afterEach(() => {
  world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: OPENCX_WEBHOOK_SECRET });
  world.opencx.ai.reset();
  finishTest(world);
});

const role = (m: { attributes: Record<string, unknown> }) =>
  (m.attributes.opencx as { role?: string } | undefined)?.role;
const aiMessages = (conversationSid: string) => world.transcript(conversationSid).filter((m) => role(m) === 'ai');
const lastDelivery = (body: string) =>
  world.twilio.webhooks.filter((d) => d.params.EventType === 'onMessageAdded' && d.params.Body === body).at(-1)!;

test('two identical messages in the same second ("ok", "ok") are both answered', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply('First ok noted').reply('Second ok noted');

  world.customerWrites(conversationSid, 'ok');
  world.customerWrites(conversationSid, 'ok');
  await world.settle();

  expect(world.contactMessages(world.sessionFor(conversationSid)!.id).filter((t) => t === 'ok')).toHaveLength(2);
  expect(
    aiMessages(conversationSid)
      .map((m) => m.body)
      .slice(1)
      .sort(),
  ).toEqual(['First ok noted', 'Second ok noted']);
});

test("Twilio's retry of a message that failed before reaching OpenCX resumes it", async () => {
  const { conversationSid } = await world.customerStartsConversation('Hello');
  // Our record cannot be read: the Function answers 503 and OpenCX never saw the message.
  world.twilio.addFault({
    method: 'GET',
    product: 'sync',
    path: /\/Maps\/opencx_conversations(_\d+)?\/Items\//,
    status: 500,
    times: 3,
  });
  world.opencx.ai.reply('Answered on the retry');
  await world.customerSays(conversationSid, 'Question that must not be lost');
  const delivery = lastDelivery('Question that must not be lost');
  expect(delivery.status).toBe(503);
  expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Answered on the retry');

  await world.conversations.redeliver(delivery.seq, 1);
  await world.settle();

  expect(aiMessages(conversationSid).filter((m) => m.body === 'Answered on the retry')).toHaveLength(1);
  expect(
    world.contactMessages(world.sessionFor(conversationSid)!.id).filter((t) => t === 'Question that must not be lost'),
  ).toHaveLength(1);
});

test('a message that came while our record could not be read at all is sent to the AI soon after', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hello');
  // Sync refuses every read of the record for the whole handler, its look after the failure included.
  world.twilio.addFault({
    method: 'GET',
    product: 'sync',
    path: /\/Maps\/opencx_conversations(_\d+)?\/Items\//,
    status: 503,
  });
  world.opencx.ai.reply('Answered after Sync came back');
  await world.customerSays(conversationSid, 'Asked while Sync failed');
  world.twilio.clearFaults();
  expect(lastDelivery('Asked while Sync failed').status).toBe(503);
  expect(aiMessages(conversationSid).map((m) => m.body)).not.toContain('Answered after Sync came back');

  // Conversations does not retry by default: the watchdog armed by the failure looks 15 s later.
  await world.advance(16_000);

  expect(aiMessages(conversationSid).filter((m) => m.body === 'Answered after Sync came back')).toHaveLength(1);
  expect(
    world.contactMessages(world.sessionFor(conversationSid)!.id).filter((t) => t === 'Asked while Sync failed'),
  ).toHaveLength(1);
});

test('a chat SDK message whose attributes are JSON but not an object (Twilio takes any) is answered', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply('Answered whatever its attributes.');
  world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
    author: world.customerOf(conversationSid),
    body: 'Do you ship to Canada?',
    attributes: ['vip'],
  });
  await world.settle();
  expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).toContain('Do you ship to Canada?');
  expect(world.transcript(conversationSid).at(-1)).toMatchObject({
    author: AI_AUTHOR,
    body: 'Answered whatever its attributes.',
  });
});

/**
 * The customer writes just after a save, while Sync fails every read of the settings: the message's
 * handling fails (503) before it is sent, and nothing else would come (Conversations does not retry
 * by default).
 */
async function messageWhileSettingsUnreadable(): Promise<{ conversationSid: string; taskSid: string }> {
  const started = await world.customerStartsConversation('Hello');
  // A save: the next event names the new version, which the conversation's record has no copy of.
  await world.saveConfig();
  world.twilio.addFault({ method: 'GET', product: 'sync', path: /\/Documents\/opencx_config$/, status: 500 });
  await world.customerSays(started.conversationSid, 'Sent while Sync failed');
  world.twilio.clearFaults();
  expect(lastDelivery('Sent while Sync failed').status).toBe(503);
  expect(world.task(started.taskSid).attributes.handedOff).toBeUndefined();
  return started;
}

test('a message whose settings could not be read (just after a save) is not lost: the watchdog sends it', async () => {
  const { conversationSid, taskSid } = await messageWhileSettingsUnreadable();

  // The watchdog finds the message unclaimed (nobody sent it) and sends it.
  world.opencx.ai.reply('Here is your answer, a little late.');
  await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);

  const session = world.sessionFor(conversationSid)!;
  expect(world.contactMessages(session.id)).toEqual(['Hello', 'Sent while Sync failed']);
  expect(world.transcript(conversationSid).at(-1)).toMatchObject({
    author: AI_AUTHOR,
    body: 'Here is your answer, a little late.',
  });
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
});

test('a message whose settings could not be read, and OpenCX then fails too: the watchdog hands off', async () => {
  const { conversationSid, taskSid } = await messageWhileSettingsUnreadable();

  world.opencx.faults.add({ method: 'POST', path: /\/send$/, status: 400 });
  try {
    await world.advance((AI_ANSWER_TIMEOUT_SECONDS + 1) * 1000);
  } finally {
    world.opencx.faults.clear();
  }

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
  expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
});

/**
 * The AI hands off on the customer's `message`, and TaskRouter refuses the task's attribute write
 * for the whole handler: the handoff is cut short after the AI went silent. OpenCX's own handoff
 * webhook would finish it too; it is off here.
 */
async function handoffCutShort(
  summary: string,
  message: string,
): Promise<{ conversationSid: string; taskSid: string }> {
  const started = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply({ type: 'handoff', summary, sentiment: 'neutral' });
  world.opencx.configureWebhook(undefined);
  world.twilio.addFault({
    method: 'POST',
    product: 'taskrouter',
    path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}',
    status: 500,
  });
  await world.customerSays(started.conversationSid, message);
  world.twilio.clearFaults();
  expect(lastDelivery(message).status).toBe(503);
  expect(world.task(started.taskSid).attributes.handedOff).toBeUndefined();
  return started;
}

test('a handoff that failed after the AI went silent is finished by the next customer message', async () => {
  const { conversationSid, taskSid } = await handoffCutShort('Needs a refund', 'I want a refund');
  expect(world.conversationRecord(conversationSid)).toMatchObject({
    phase: 'handoff',
    handoff: { reason: 'AI requested human handoff' },
  });

  const sendsBefore = world.opencx.requests.filter((r) => r.path.endsWith('/send')).length;
  await world.customerSays(conversationSid, 'Hello? Anyone?');

  expect(world.task(taskSid).attributes).toMatchObject({
    handedOff: true,
    handoffReason: 'AI requested human handoff',
    handoffSummary: 'Needs a refund',
  });
  expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
  // The AI stayed silent, and the customer got one note.
  expect(world.opencx.requests.filter((r) => r.path.endsWith('/send'))).toHaveLength(sendsBefore);
  expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
});

test('a handoff that failed after the AI went silent is finished 15 s later, with no further event', async () => {
  const { conversationSid, taskSid } = await handoffCutShort('Wants to cancel', 'Cancel my plan');

  // The customer, told a human is coming, waits.
  await world.advance(16_000);

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffSummary: 'Wants to cancel' });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
  expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
});

/** The next writes of conversation records fail, all the attempts of one. */
const recordWritesFail = () =>
  world.twilio.addFault({
    method: 'POST',
    product: 'sync',
    path: /\/Maps\/opencx_conversations(_\d+)?\/Items\/CH/,
    status: 500,
    times: 3,
  });

test('when the Sync handoff write fails, humans still get the task; the AI goes silent once offered it', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a person', sentiment: 'neutral' });
  world.opencx.configureWebhook(undefined);
  recordWritesFail();
  await world.customerSays(conversationSid, 'Person please');

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });

  const sendsBefore = world.opencx.requests.filter((r) => r.path.endsWith('/send')).length;
  await world.customerSays(conversationSid, 'Still waiting');
  expect(world.opencx.requests.filter((r) => r.path.endsWith('/send'))).toHaveLength(sendsBefore);
});

test("a human's offer whose silencing of the AI fails too is decided again 15 s later: the AI is silent", async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a person', sentiment: 'neutral' });
  world.opencx.configureWebhook(undefined);
  // The handoff's write and the human offer's silencing both fail, every attempt.
  world.twilio.addFault({
    method: 'POST',
    product: 'sync',
    path: /\/Maps\/opencx_conversations(_\d+)?\/Items\/CH/,
    status: 500,
  });
  await world.customerSays(conversationSid, 'Person please');
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
  world.twilio.clearFaults();

  await world.advance(16_000);

  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', handoff: { routed: true } });
  const sendsBefore = world.opencx.requests.filter((r) => r.path.endsWith('/send')).length;
  await world.customerSays(conversationSid, 'Still waiting');
  expect(world.opencx.requests.filter((r) => r.path.endsWith('/send'))).toHaveLength(sendsBefore);
});

test('a handoff whose Sync write failed, no agent free: the next one adds no note and no task write', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
  await world.humanAgentLogsOut();
  world.opencx.configureWebhook(undefined);
  world.opencx.ai.handoffWhen(() => true, { summary: 'Wants a person', sentiment: 'neutral' });
  recordWritesFail();
  await world.customerSays(conversationSid, 'Person please');
  const handedOffAt = world.task(taskSid).attributes.handoffTimestamp;
  expect(handedOffAt).toEqual(expect.any(String));
  // No human was offered the task, so nothing silenced the AI: the next message is the AI's again.
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });

  await world.customerSays(conversationSid, 'Hello? Still there?');

  expect(world.task(taskSid).attributes.handoffTimestamp).toBe(handedOffAt);
  expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
  const taskWrites = world.twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Tasks/${taskSid}`));
  expect(taskWrites).toHaveLength(1);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
});

test('a reply that cannot be posted is not reported as replied: the conversation goes to humans', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
  world.opencx.ai.reply('This reply will not post');
  world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, status: 429, times: 6 });
  await world.customerSays(conversationSid, 'Question');

  expect(JSON.parse(lastDelivery('Question').responseBody!)).toMatchObject({
    outcome: 'handed-off',
    reason: 'AI reply could not be delivered',
    reply: 'failed',
  });
  expect(world.task(taskSid).attributes).toMatchObject({
    handedOff: true,
    handoffReason: 'AI reply could not be delivered',
  });
});

test('a long reply arrives whole, in order, split at sentences, with the emoji intact', async () => {
  const { conversationSid } = await world.customerStartsConversation('Hello');
  const sentence = 'Here is one more detail about your order 😀. ';
  const long = sentence.repeat(80).trim();
  world.opencx.ai.reply(long);
  await world.customerSays(conversationSid, 'Tell me everything');

  const parts = aiMessages(conversationSid)
    .slice(1)
    .map((m) => m.body);
  expect(parts.length).toBeGreaterThan(1);
  for (const part of parts) expect(part.length).toBeLessThanOrEqual(1600);
  expect(parts.join(' ')).toBe(long);
  expect(world.transcript(conversationSid).every((m) => m.author !== AI_AUTHOR || !m.body.endsWith('\ud83d'))).toBe(
    true,
  );
});

test('the OpenCX session is created despite a 503 (never processed, so retried)', async () => {
  world.opencx.faults.add({ method: 'POST', path: '/chat/sessions', status: 503, times: 1 });
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi there');
  expect(world.sessionFor(conversationSid)).toBeDefined();
  expect(aiMessages(conversationSid)).toHaveLength(1);
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
});

test('a rotated OpenCX key applies from the next event: no handoff', async () => {
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
  world.opencx.addApiKey('ocx_live_rotated_key');
  await world.saveConfig({ opencxToken: 'ocx_live_rotated_key' });
  world.opencx.revokeApiKey('ocx_live_simulator_key');
  world.opencx.ai.reply('Answered with the new key');
  try {
    await world.customerSays(conversationSid, 'After the rotation');
    expect(aiMessages(conversationSid).at(-1)!.body).toBe('Answered with the new key');
    expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
  } finally {
    world.opencx.addApiKey('ocx_live_simulator_key');
    await world.saveConfig();
  }
});

// A Function process that has read no settings (every invocation here is one) cannot take the timer
// workspace from them: it finds the one the save made by its name. So does a customer's message's watchdog.
test('a message met by a Sync outage, in a process that read no settings: its watchdog sends it', async () => {
  world.opencx.ai.reply('Hello!');
  const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
  world.opencx.ai.reply('Your order ships tomorrow.');
  // Neither the conversation's record (with its copy of the settings) nor the settings can be read.
  world.twilio.addFault({ method: 'GET', product: 'sync', path: /\/Documents\/opencx_config$/, status: 500 });
  world.twilio.addFault({
    method: 'GET',
    product: 'sync',
    path: /\/Maps\/opencx_conversations_\d+\/Items\/CH[0-9a-f]{32}$/,
    status: 500,
  });
  try {
    await world.customerSays(conversationSid, 'Where is my order?');
  } finally {
    world.twilio.clearFaults();
  }
  expect(aiMessages(conversationSid).map((m) => m.body)).toEqual(['Hello!']);

  await world.advance(16_000);
  expect(aiMessages(conversationSid).map((m) => m.body)).toEqual(['Hello!', 'Your order ships tomorrow.']);
  expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).toEqual(['Hi', 'Where is my order?']);
  expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
});

test("a new chat's offer met by a Sync outage, in a process that read no settings: a timer retries it", async () => {
  world.opencx.ai.reply('Hello! Sorry for the wait.');
  world.twilio.addFault({ method: 'GET', product: 'sync', path: /\/Documents\/opencx_config$/, status: 500 });
  let started: Awaited<ReturnType<typeof world.customerStartsConversation>>;
  try {
    started = await world.customerStartsConversation('Anyone there?');
  } finally {
    world.twilio.clearFaults();
  }
  const offer = world.reservations(started.taskSid).find((r) => world.aiWorkerSids.includes(r.workerSid))!;
  expect(offer.status).toBe('pending');
  expect(aiMessages(started.conversationSid)).toEqual([]);

  await world.advance(16_000);
  expect(aiMessages(started.conversationSid).map((m) => m.body)).toEqual(['Hello! Sorry for the wait.']);
  expect(world.contactMessages(world.sessionFor(started.conversationSid)!.id)).toEqual(['Anyone there?']);
  expect(world.task(started.taskSid).attributes.handedOff).toBeUndefined();
});

/** The timer tasks armed so far (in the timer workspace), answered or not. */
const timerCreates = () =>
  world.twilio
    .calls({ product: 'taskrouter', method: 'POST', template: '/v1/Workspaces/{WorkspaceSid}/Tasks' })
    .filter((r) => r.path.includes(world.timerWorkspaceSid)).length;

/** The answer watchdogs armed so far for a conversation's messages (first arms and arms again). */
const watchdogsOf = (conversationSid: string) =>
  world.twilio
    .calls({ product: 'taskrouter', method: 'POST', template: '/v1/Workspaces/{WorkspaceSid}/Tasks' })
    .map((r) => JSON.parse(String(r.form.Attributes ?? '{}')) as Record<string, unknown>)
    .filter((timer) => timer.opencxTimer === 'answer' && timer.conversationSid === conversationSid).length;

describe('a Sync outage: one unread watchdog per conversation, not one per message', () => {
  /** Sync refuses everything (the settings, the record, the claims) while the customers write `messages`. */
  async function writeDuringOutage(messages: [conversationSid: string, body: string][]): Promise<void> {
    world.twilio.addFault({ product: 'sync', status: 503 });
    for (const [conversationSid, body] of messages) await world.customerSays(conversationSid, body);
    for (const [, body] of messages) expect(lastDelivery(body).status).toBe(503);
  }

  test('messages arm one timer per conversation, armed again once while Sync is down; all reach the AI', async () => {
    const [a, b] = await world.customersStartConversations(2, 'Hello');
    const before = timerCreates();
    await writeDuringOutage([
      [a.conversationSid, 'Where is my order?'],
      [a.conversationSid, 'It was due Monday'],
      [b.conversationSid, 'Can I change my address?'],
      [a.conversationSid, 'Order 1234'],
    ]);
    // One per conversation.
    expect(timerCreates() - before).toBe(2);

    // The watchdogs fire with Sync still down: their checks fail and each is armed again, once.
    await world.advance(16_000);
    expect(timerCreates() - before).toBe(4);

    world.twilio.clearFaults();
    await world.advance(16_000);

    expect(world.contactMessages(world.sessionFor(a.conversationSid)!.id)).toEqual([
      'Hello',
      'Where is my order?\nIt was due Monday\nOrder 1234',
    ]);
    expect(world.contactMessages(world.sessionFor(b.conversationSid)!.id)).toEqual([
      'Hello',
      'Can I change my address?',
    ]);
    // Each answered (the greeting's answer, then the outage's).
    expect(aiMessages(a.conversationSid)).toHaveLength(2);
    expect(aiMessages(b.conversationSid)).toHaveLength(2);
  });

  // Twenty minutes of the world's timers, each a Function: a longer time limit.
  test("a message past the watchdog's first minute arms its own and reaches the AI once that one gave up", async () => {
    const { conversationSid } = await world.customerStartsConversation('Hello');
    // Time moves to each look of the watchdogs in turn: each is armed again from the moment it looked.
    let elapsed = 0;
    const advanceTo = async (...seconds: number[]) => {
      for (const at of seconds) {
        await world.advance((at - elapsed) * 1000);
        elapsed = at;
      }
    };
    // Only this conversation's record is refused: the world's other chats go on through the 20 minutes.
    world.twilio.addFault({ product: 'sync', path: new RegExp(`/Items/${conversationSid}$`), status: 503 });
    await world.customerSays(conversationSid, 'Where is my order?');
    expect(lastDelivery('Where is my order?').status).toBe(503);
    // Its watchdog looked four times, 15 s apart; the next looks are 1, 2, 5 and 10 minutes apart.
    await advanceTo(15, 30, 45, 60);
    await world.customerSays(conversationSid, 'Hello? Order 1234');
    expect(lastDelivery('Hello? Order 1234').status).toBe(503);
    expect(watchdogsOf(conversationSid)).toBe(6);

    // The first watchdog gives up on Sync at 1140 s, 19 minutes after its message (which is lost); the
    // second looks until 1200 s, 19 minutes after its own.
    await advanceTo(75, 90, 105, 120, 180, 240, 300, 540, 600, 1140, 1170);
    world.twilio.clearFaults();
    await advanceTo(1200, 1215);

    expect(world.contactMessages(world.sessionFor(conversationSid)!.id)).toEqual(['Hello', 'Hello? Order 1234']);
    expect(aiMessages(conversationSid)).toHaveLength(2);
  }, 300_000);

  test('the watchdog that fires hands the customer to a human when the AI cannot take the messages', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
    const before = timerCreates();
    await writeDuringOutage([
      [conversationSid, 'I need help'],
      [conversationSid, 'Please, it is urgent'],
    ]);
    expect(timerCreates() - before).toBe(1);

    world.twilio.clearFaults();
    world.opencx.faults.add({ method: 'POST', path: /\/send$/, status: 400 });
    await world.advance(16_000);

    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
  });
});
