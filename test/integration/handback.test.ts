// An agent hands the conversation back to the AI: the /agent/handback Function and the webhook in
// twilio-run, against the simulators. The conversation goes through TaskRouter again (a Flex
// Interactions invite), the AI resumes in a new OpenCX session that knows of the human's part, and
// a later handoff works as the first one did. Races: the customer writing meanwhile, two clicks,
// and the AI handing off again at once.
import { AI_AUTHOR, CUSTOMER_HANDOFF_NOTE, OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import { AI_RESPONSE_EVENT, HANDOFF_EVENT } from '../simulators/opencx/opencx-simulator';
import {
  deliveriesOf,
  engageHeldAfterItsRead,
  finishTest,
  insightEvents,
  lastSeq,
  messageHandled,
  postForm,
  postSignedOpencx,
} from './helpers';
import { pattern } from '../../functions/common/pattern.testing';
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';

jest.setTimeout(90000);

const INVITES = '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites';

let world: World;
let aliceToken: string;

async function startWorld(): Promise<void> {
  world = await World.start();
  aliceToken = world.iam.issueToken({
    identity: 'alice@example.com',
    roles: ['agent'],
    workerSid: world.humanWorkerSid,
  });
}

beforeAll(startWorld);
afterAll(() => world?.stop());
afterEach(() => finishTest(world));

interface WithAlice {
  conversationSid: string;
  interactionSid: string;
  /** The task Alice holds. */
  humanTaskSid: string;
  firstSessionId: string;
}

/** A conversation the AI handed off (OpenCX naming the customer's language, when given) and Alice accepted. */
async function conversationWithAlice(language?: string): Promise<WithAlice> {
  const { conversationSid, interactionSid, taskSid } =
    await world.customerStartsConversation('My parcel arrived broken');
  world.opencx.ai.reply({
    type: 'handoff',
    summary: 'Parcel damaged; wants a refund',
    sentiment: 'angry',
    ...(language ? { language } : {}),
  });
  await world.customerSays(conversationSid, 'I want a human');
  await world.humanAgentAccepts(taskSid);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid });
  return {
    conversationSid,
    interactionSid,
    humanTaskSid: taskSid,
    firstSessionId: world.sessionFor(conversationSid)!.id,
  };
}

function handBack(taskSid: string, instruction?: string, token = aliceToken) {
  return postForm(world.functions!.url, '/agent/handback', { Token: token, taskSid, instruction });
}

/** The human agent accepts while Sync refuses every write of the conversation's record. */
async function acceptsWhileSyncFails(taskSid: string): Promise<void> {
  world.twilio.addFault({
    product: 'sync',
    method: 'POST',
    path: /\/Maps\/opencx_conversations_\d+\/Items\//,
    status: 503,
  });
  try {
    await world.humanAgentAccepts(taskSid);
  } finally {
    world.twilio.clearFaults();
  }
}

/** Flex's End chat on a task the plugin guards: the hand-back Function asked only to move the agent. */
function endChat(taskSid: string) {
  return postForm(world.functions!.url, '/agent/handback', { Token: aliceToken, taskSid, wrapupOnly: 'true' });
}

/** The answer that the AI (or a colleague) has the conversation, and the agent's task moved to wrap-up. */
function expectMovedToWrapUp(answer: { body: unknown }, taskSid: string, conversationSid: string, phase: string) {
  expect(answer.body).toMatchObject({ ok: true, alreadyHandedBack: true, wrapup: 'wrapup' });
  expect(world.task(taskSid).assignmentStatus).toBe('wrapping');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase });
}

/**
 * Holds the next handback invite, so the conversation stays being handed back, until the customer's
 * message written meanwhile has been relayed: whatever the machine's speed, it meets the handback under way.
 */
function holdNextInvite(): { release(): void; releaseOnceRelayed(writes: () => void): Promise<void> } {
  let open!: () => void;
  world.twilio.addFault({
    product: 'flex-api',
    method: 'POST',
    path: INVITES,
    times: 1,
    until: new Promise<void>((resolve) => (open = resolve)),
  });
  return {
    release: () => open(),
    async releaseOnceRelayed(writes) {
      const since = world.twilio.webhooks.at(-1)?.seq ?? 0;
      try {
        writes();
        await world.until(
          () =>
            deliveriesOf(world, 'onMessageAdded').some(
              (d) => d.seq > since && (d.status !== undefined || d.error !== undefined),
            ),
          "the customer's message relayed",
        );
      } finally {
        open();
      }
    },
  };
}

/** Every AI worker goes to `activity`, as when the pool is down or back. */
async function aiPoolGoes(activity: 'Offline' | 'Available'): Promise<void> {
  const workspace = world.taskrouter.workspace(world.workspaceSid);
  const activitySid = world.taskrouter.findActivity(workspace, activity)!.sid;
  for (const workerSid of world.aiWorkerSids)
    world.taskrouter.updateWorker(world.workspaceSid, workerSid, { activitySid });
  await world.settle();
}

/**
 * The resume's engage claimed the conversation on the invited task two minutes ago and died before
 * it recorded its session: the record as it left it. The invited task.
 */
function resumeDiedAfterItsClaim(conversationSid: string, humanTaskSid: string) {
  const aiTask = aiTaskOf(conversationSid, humanTaskSid);
  const found = [...Array(64).keys()]
    .map((shard) => `opencx_conversations_${shard}`)
    .find((map) => world.sync.mapItems(world.syncServiceSid, map).some((item) => item.key === conversationSid))!;
  const {
    sessionId: _first,
    humanWorkerSid: _alice,
    handoff: _handoff,
    ...record
  } = world.conversationRecord(conversationSid) as Record<string, unknown> & { handback: object };
  world.sync.setMapItem(world.syncServiceSid, found, conversationSid, {
    ...record,
    phase: 'ai',
    taskSid: aiTask.sid,
    reservationSid: `WR${'0'.repeat(32)}`,
    claimedAt: Date.now() - 120_000,
    handback: { ...record.handback, invitedTaskSid: aiTask.sid },
  } as never);
  return aiTask;
}

const sessionsOf = (conversationSid: string) =>
  [...world.opencx.sessions.values()].filter((s) => s.custom_data?.flex_conversation_sid === conversationSid);
const invitesSince = (seq: number) =>
  world.twilio.calls({ product: 'flex-api', method: 'POST', template: INVITES }).filter((r) => r.seq > seq);
const aiTaskOf = (conversationSid: string, humanTaskSid: string) =>
  world.tasksOf(conversationSid).find((t) => t.sid !== humanTaskSid && t.attributes.opencxHandbackAt !== undefined)!;
const DEFAULT_HANDBACK_NOTE = "You're chatting with our AI assistant again.";
/** The notes the customer read that the AI is back. */
const handbackNotes = (conversationSid: string) =>
  world
    .transcript(conversationSid)
    .filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'handback-note');
const agentNotes = (sessionId: string) =>
  world.opencx.sessions
    .get(sessionId)!
    .messages.flatMap(({ event }) =>
      event.type === 'message' && event.sender.type === 'human_agent' ? [event.content.text] : [],
    );

describe('an agent hands the conversation back to the AI', () => {
  // The human task is left in wrap-up, and a later handoff works as the first.
  test('routed to the AI through the workflow and resumed in a new session with the instruction', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    const before = lastSeq(world);

    const answer = await handBack(humanTaskSid, '  Collect the shipping address, then close.  ');
    await world.settle();

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, handedBack: true, wrapup: 'wrapup' });
    expect(answer.body.history.map((e: { to: string }) => e.to)).toEqual(['ai', 'human', 'ai']);
    expect(invitesSince(before)).toHaveLength(1);

    // TaskRouter offered the invited task to the AI: handedOff false, the workflow's AI filter took it.
    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    expect(answer.body.invitedTaskSid).toBe(aiTask.sid);
    expect(aiTask.attributes).toMatchObject({
      handedOff: false,
      conversationSid,
      handoffReason: 'AI requested human handoff',
    });
    expect(aiTask.assignmentStatus).toBe('reserved');
    expect(world.reservations(aiTask.sid).find((r) => r.status === 'pending')?.workerSid).toBe(world.aiWorkerSid);

    // The human's task is in wrap-up, completing it is Alice's.
    expect(world.task(humanTaskSid).assignmentStatus).toBe('wrapping');

    // The record: the AI's again, on the new task and a new session.
    const sessions = sessionsOf(conversationSid);
    expect(sessions).toHaveLength(2);
    const resumed = sessions.find((s) => s.id !== firstSessionId)!;
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      phase: 'ai',
      taskSid: aiTask.sid,
      sessionId: resumed.id,
    });
    expect(resumed.custom_data).toMatchObject({
      flex_handled_by_human: true,
      flex_handback_instruction: 'Collect the shipping address, then close.',
      flex_handback_agent_sid: world.humanWorkerSid,
      flex_handback_agent_name: 'Alice Agent',
      flex_previous_session_id: firstSessionId,
      flex_task_sid: aiTask.sid,
    });
    expect(agentNotes(resumed.id)).toEqual([
      expect.stringMatching(
        pattern(
          /human agent \(Alice Agent\) handled part of this conversation/,
          /[\s\S]*Collect the shipping address, then close\./,
        ),
      ),
    ]);
    // Nothing the human already handled is sent to the AI again.
    expect(world.contactMessages(resumed.id)).toEqual([]);
    // The customer is told, as the AI, that the AI is back: the default note, the newest message.
    expect(handbackNotes(conversationSid)).toEqual([
      expect.objectContaining({ author: AI_AUTHOR, body: DEFAULT_HANDBACK_NOTE }),
    ]);
    expect(world.transcript(conversationSid).at(-1)?.body).toBe(DEFAULT_HANDBACK_NOTE);
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');

    // The customer writes: the AI answers in the new session.
    world.opencx.ai.reply('What is your shipping address?');
    await world.customerSays(conversationSid, 'ok');
    expect(world.transcript(conversationSid).at(-1)).toMatchObject({
      author: AI_AUTHOR,
      body: 'What is your shipping address?',
    });
    expect(world.contactMessages(resumed.id)).toEqual(['ok']);

    // Alice completes her wrap-up the Flex way: the conversation goes on with the AI.
    const alice = world.flex
      .participants(world.task(humanTaskSid).attributes.flexInteractionSid as string)
      .find((p) => p.taskSid === humanTaskSid)!;
    world.flex.updateParticipantStatus(alice.interactionSid, alice.sid, 'closed');
    await world.settle();
    expect(world.task(humanTaskSid).assignmentStatus).toBe('completed');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: resumed.id });
    expect(world.opencx.sessions.get(resumed.id)!.status).toBe('open');

    // A later handoff works as the first one did.
    world.opencx.ai.reply({ type: 'handoff', summary: 'Address is outside our delivery area', sentiment: 'neutral' });
    await world.customerSays(conversationSid, '1 Rue de Rivoli, Paris');
    const handedOffAgain = world.task(aiTask.sid);
    expect(handedOffAgain.attributes).toMatchObject({
      handedOff: true,
      handoffSummary: 'Address is outside our delivery area',
      opencxSessionId: resumed.id,
    });
    expect((handedOffAgain.attributes.opencxHistory as { to: string }[]).map((e) => e.to)).toEqual([
      'ai',
      'human',
      'ai',
      'human',
    ]);
    expect(world.reservations(aiTask.sid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(2);
  });

  test('without an instruction, the AI is still told a human took part', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    const answer = await handBack(humanTaskSid);
    await world.settle();
    expect(answer.body).toMatchObject({ ok: true, handedBack: true });
    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    expect(resumed.custom_data.flex_handback_instruction).toBeUndefined();
    expect(agentNotes(resumed.id)).toEqual([expect.not.stringContaining('instruction')]);
  });
});

describe('the customer is told the AI is back', () => {
  const GERMAN = 'Sie schreiben wieder mit unserem KI-Assistenten.';

  afterEach(() => world.saveConfig());

  test("exactly one note, in the language the handoff found, before the AI's answer", async () => {
    await world.saveConfig({ customerHandbackNoteTranslations: { de: GERMAN, es: 'Hola de nuevo.' } });
    const { conversationSid, humanTaskSid } = await conversationWithAlice('de-AT');
    // Written while the conversation is being handed back: the resume sends it to the AI, which answers.
    const invite = holdNextInvite();
    const answer = handBack(humanTaskSid);
    await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handback', 'the handback phase');
    world.opencx.ai.reply('Wie lautet Ihre Lieferadresse?');
    await invite.releaseOnceRelayed(() => world.customerWrites(conversationSid, 'Hallo?'));
    expect((await answer).body).toMatchObject({ ok: true, handedBack: true });
    await world.settle();

    expect(handbackNotes(conversationSid)).toEqual([expect.objectContaining({ author: AI_AUTHOR, body: GERMAN })]);
    const bodies = world.transcript(conversationSid).map((m) => m.body);
    expect(bodies.indexOf('Wie lautet Ihre Lieferadresse?')).toBeGreaterThan(bodies.indexOf(GERMAN));
    expect(bodies.filter((body) => body === DEFAULT_HANDBACK_NOTE)).toEqual([]);
  });

  test('no note when the admin emptied it', async () => {
    await world.saveConfig({ customerHandbackNote: '' });
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await handBack(humanTaskSid);
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((session) => session.id !== firstSessionId);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: resumed?.id });
    expect(handbackNotes(conversationSid)).toEqual([]);
  });

  test("the AI's offer of the invited task delivered twice: one note", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    await handBack(humanTaskSid);
    await world.settle();
    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    const offer = deliveriesOf(world, 'reservation.created').find((d) => d.params.TaskSid === aiTask.sid)!;

    await Promise.all([1, 2].map(() => world.twilio.deliverWebhook('taskrouter', offer.url, offer.params, 15000)));
    await world.settle();

    expect(handbackNotes(conversationSid)).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid: aiTask.sid });
  });

  test("the AI's first offer, delivered again after the handback, leaves the AI on the invited task", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    await handBack(humanTaskSid);
    await world.settle();
    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    const firstOffer = deliveriesOf(world, 'reservation.created').find(
      (d) => d.params.TaskSid === humanTaskSid && d.params.WorkerSid === world.aiWorkerSid,
    )!;

    await world.twilio.deliverWebhook('taskrouter', firstOffer.url, firstOffer.params, 15000);
    await world.settle();

    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid: aiTask.sid });
    // The AI's next handoff then reaches humans on the task the AI holds.
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a person again', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'A person again please');
    expect(world.task(aiTask.sid).attributes).toMatchObject({
      handedOff: true,
      handoffSummary: 'Wants a person again',
    });
  });

  test("the note's post reached Conversations but its answer was lost: no second copy", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    world.takeLogs();
    world.twilio.addFault({ method: 'POST', product: 'conversations', path: /\/Messages$/, after: 500, times: 1 });
    await handBack(humanTaskSid);
    await world.settle();

    expect(handbackNotes(conversationSid)).toEqual([expect.objectContaining({ body: DEFAULT_HANDBACK_NOTE })]);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    const logs = world.takeLogs();
    // The lost answer was the note's, and the resume counted it posted.
    expect(logs).toContainEqual(
      expect.objectContaining({
        reason: 'posting into the conversation failed',
        key: expect.stringMatching(/^backnote_/),
      }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ outcome: 'resumed', noted: 'posted' }));
  });
});

describe('races', () => {
  test('the customer writes during the handback: the AI gets it once, and never what the human handled', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await world.customerSays(conversationSid, 'Thanks Alice, the photo is attached');
    await world.humanAgentSays(conversationSid, 'Thank you, I can see the damage');
    // The invite answers slowly: the customer writes after the phase moved, before the AI has the task.
    const invite = holdNextInvite();
    const answer = handBack(humanTaskSid, 'Confirm the refund');
    await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handback', 'the handback phase');
    world.opencx.ai.reply('Your refund is confirmed.');
    await invite.releaseOnceRelayed(() => world.customerWrites(conversationSid, 'Is my refund confirmed?'));
    expect((await answer).body).toMatchObject({ ok: true, handedBack: true });
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    expect(world.contactMessages(resumed.id)).toEqual(['Is my refund confirmed?']);
    expect(world.transcript(conversationSid).filter((m) => m.body === 'Your refund is confirmed.')).toHaveLength(1);
    expect(world.contactMessages(firstSessionId)).not.toContain('Is my refund confirmed?');
  });

  test("what the customer wrote after Alice's last message is the AI's; what she answered is not", async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await world.customerSays(conversationSid, 'Can the refund go to my card?');
    await world.humanAgentSays(conversationSid, 'Yes: our assistant will take your card details.');
    await world.customerSays(conversationSid, 'The card ends in 4242');
    world.opencx.ai.reply('The refund goes to the card ending in 4242.');

    expect((await handBack(humanTaskSid, 'Refund to the card')).body).toMatchObject({ ok: true, handedBack: true });
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    expect(world.contactMessages(resumed.id)).toEqual(['The card ends in 4242']);
    expect(world.transcript(conversationSid).slice(-2)).toEqual([
      expect.objectContaining({ body: DEFAULT_HANDBACK_NOTE }),
      expect.objectContaining({ author: AI_AUTHOR, body: 'The refund goes to the card ending in 4242.' }),
    ]);
  });

  test("what the customer wrote after the handoff note, to an agent who said nothing, is the AI's", async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await world.customerSays(conversationSid, 'Hello? Is anyone there?');
    world.opencx.ai.reply("I'm here: let's sort out your refund.");

    expect((await handBack(humanTaskSid)).status).toBe(200);
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    expect(world.contactMessages(resumed.id)).toEqual(['Hello? Is anyone there?']);
    // Not the message the AI handed off on, before the note.
    expect(world.contactMessages(resumed.id)).not.toContain('I want a human');
  });

  test("after the AI's last words that followed the handoff note, what the customer wrote is the AI's", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hello');
    const firstSessionId = world.sessionFor(conversationSid)!.id;
    // OpenCX hands off on its own while the AI answers; its delivery of the answer is refused once, so the
    // Function waiting for it posts it, after the handoff note.
    world.opencx.webhookFaults.add({ event: AI_RESPONSE_EVENT, signature: 'forged', times: 1 });
    world.opencx.ai.reply({ type: 'reply', content: 'A colleague will sort out the refund.', latencyMs: 2000 });
    const held = world.opencx.heldRequests;
    world.customerWrites(conversationSid, 'I want a refund');
    await world.opencx.whenHeld(held + 1);
    const handoff = await postSignedOpencx(
      world,
      JSON.stringify({
        event: HANDOFF_EVENT,
        organization_id: 'org',
        data: { conversation_id: firstSessionId, reason: 'ai_decided_to_handoff_the_conversation', summary: 'Refund' },
      }),
      OPENCX_WEBHOOK_SECRET,
    );
    expect(handoff.status).toBe(200);
    await world.advance(2000);
    await world.settle();
    expect(world.transcript(conversationSid).slice(-2)).toEqual([
      expect.objectContaining({ body: CUSTOMER_HANDOFF_NOTE }),
      expect.objectContaining({ author: AI_AUTHOR, body: 'A colleague will sort out the refund.' }),
    ]);
    await world.customerSays(conversationSid, 'Order 1234');
    await world.customerSays(conversationSid, 'It arrived broken');
    await world.humanAgentAccepts(taskSid);
    world.opencx.ai.reply('I have started the refund for order 1234.');

    expect((await handBack(taskSid)).status).toBe(200);
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((session) => session.id !== firstSessionId)!;
    expect(world.contactMessages(resumed.id)).toEqual(['Order 1234\nIt arrived broken']);
  });

  test("a message parked for an engage whose session failed is the humans' to answer, never the AI's", async () => {
    const { conversationSid, taskSid, release } = await engageHeldAfterItsRead(world, 'Hi');
    try {
      world.customerWrites(conversationSid, 'My order 1234 is late');
      await world.until(
        () => (world.conversationRecord(conversationSid)?.pendingMessages as unknown[] | undefined)?.length === 1,
        'the second message to be left for the engage',
      );
      // OpenCX refuses to make the session: the engage hands the conversation to humans.
      world.opencx.faults.add({ method: 'POST', path: '/chat/sessions', status: 400, times: 1 });
    } finally {
      release();
    }
    await world.settle();
    expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
    await world.humanAgentAccepts(taskSid);
    world.opencx.ai.reply('Anything else I can help with?');

    expect((await handBack(taskSid)).status).toBe(200);
    await world.settle();

    const resumed = world.sessionFor(conversationSid)!;
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', sessionId: resumed.id });
    expect(world.contactMessages(resumed.id).join('\n')).not.toContain('My order 1234 is late');
  });

  test('a photo alone sent during the handback: the resuming AI hands the conversation to humans again', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    const invite = holdNextInvite();
    const answer = handBack(humanTaskSid, 'Confirm the refund');
    await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handback', 'the handback phase');
    await invite.releaseOnceRelayed(() =>
      world.conversations.receiveCustomerMessage(world.conversationsServiceSid, conversationSid, {
        author: world.customerOf(conversationSid),
        body: '',
        media: [{ filename: 'receipt.pdf', contentType: 'application/pdf', size: 40960 }],
      }),
    );
    expect((await answer).body).toMatchObject({ ok: true, handedBack: true });
    await world.settle();

    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    expect(world.task(aiTask.sid).attributes).toMatchObject({
      handedOff: true,
      handoffReason: 'Customer sent an attachment',
    });
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    // No session of the AI's names the conversation any more: the one before the handback is closed.
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });

  test('a resume that died after its claim: the next message hands off and closes the earlier session', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await aiPoolGoes('Offline');
    expect((await handBack(humanTaskSid, 'Confirm the refund')).body).toMatchObject({ ok: true, handedBack: true });
    // The pool stays offline, so no other offer comes.
    const aiTask = resumeDiedAfterItsClaim(conversationSid, humanTaskSid);

    try {
      await world.customerSays(conversationSid, 'Hello? Is anyone there?');

      expect(world.task(aiTask.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
      expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
    } finally {
      await aiPoolGoes('Available');
    }
  });

  test('a resume that died after its claim, then its task ends: the earlier session is closed too', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await aiPoolGoes('Offline');
    try {
      expect((await handBack(humanTaskSid, 'Confirm the refund')).body).toMatchObject({ ok: true, handedBack: true });
      const aiTask = resumeDiedAfterItsClaim(conversationSid, humanTaskSid);

      await world.client.taskrouter.v1
        .workspaces(world.workspaceSid)
        .tasks(aiTask.sid)
        .update({ assignmentStatus: 'canceled', reason: 'customer left' });
      await world.settle();

      expect(world.conversationRecord(conversationSid)).toBeUndefined();
      expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
    } finally {
      await aiPoolGoes('Available');
    }
  });

  test('the close of the session before the handback fails: a timer closes it', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    world.opencx.faults.add({ path: `/chat/sessions/${firstSessionId}`, method: 'PATCH', status: 503 });
    world.opencx.ai.reply('Back with you.');
    expect((await handBack(humanTaskSid, 'Confirm the refund')).body).toMatchObject({ ok: true, handedBack: true });
    await world.customerSays(conversationSid, 'Thanks');
    world.opencx.faults.clear();
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('open');

    await world.advance(16_000);
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });

  /** Flex's transfer: an invite makes a new task for the same interaction, which Alice still holds. */
  const aliceTransfers = async (copied: Record<string, unknown> = {}) => {
    const alices = await conversationWithAlice();
    const held = world.task(alices.humanTaskSid);
    const interactionSid = held.attributes.flexInteractionSid as string;
    world.flex.invite(world.flex.getInteraction(interactionSid), {
      workspace_sid: world.workspaceSid,
      workflow_sid: world.workflowSid,
      task_channel_unique_name: 'chat',
      attributes: { ...held.attributes, ...copied, transferTargetType: 'queue' },
    });
    await world.settle();
    const transferred = world.tasksOf(alices.conversationSid).find((t) => t.attributes.transferTargetType === 'queue')!;
    return { ...alices, interactionSid, transferred };
  };

  /** The transfer, then Alice wraps up and completes. */
  const aliceTransfersAndWrapsUp = async () => {
    const transfer = await aliceTransfers();
    const alice = world.flex.participants(transfer.interactionSid).find((p) => p.taskSid === transfer.humanTaskSid)!;
    world.flex.updateParticipantStatus(alice.interactionSid, alice.sid, 'closed');
    await world.settle();
    return transfer;
  };

  test('Alice transfers the chat and ends her wrap-up before anyone accepts: the conversation goes on', async () => {
    const { conversationSid, humanTaskSid, firstSessionId, transferred } = await aliceTransfersAndWrapsUp();
    expect(world.task(humanTaskSid).assignmentStatus).toBe('completed');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('open');

    // The colleague accepts: the record follows the transfer, and the hand-back button works for them.
    await world.humanAgentAccepts(transferred.sid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });

    // The colleague's task ends: now the conversation ends.
    world.taskrouter.updateTaskStatus(world.workspaceSid, transferred.sid, 'completed', 'Agent completed');
    await world.settle();
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });

  test("a colleague's accept of Alice's transfer that Sync could not record is recorded by a timer", async () => {
    const { conversationSid, transferred } = await aliceTransfersAndWrapsUp();
    await acceptsWhileSyncFails(transferred.sid);
    expect(world.conversationRecord(conversationSid)).not.toMatchObject({ taskSid: transferred.sid });

    await world.advance(16_000);

    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });
    const answer = await handBack(transferred.sid, 'Over to you again');
    await world.settle();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ handedBack: true });
  });

  test('a hand-back while the transfer waits for a colleague is refused: the AI is not invited', async () => {
    // Alice's task carries the marker of a hand-back long done, and the transfer copies it.
    const earlier = { opencxHandbackAt: '2026-01-05T10:00:00.000Z' };
    const { conversationSid, humanTaskSid, interactionSid, transferred } = await aliceTransfers(earlier);
    const invites = () => world.flex.getInteraction(interactionSid).channel.invites.length;
    const before = invites();
    const refused = await handBack(humanTaskSid, 'Over to the AI');
    await world.settle();
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'transfer_pending',
      message: expect.stringMatching(/^A transfer of this conversation is waiting/),
    });
    expect(invites()).toBe(before);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: humanTaskSid });
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');

    // The colleague accepts: the conversation is theirs, and so is the hand-back.
    await world.humanAgentAccepts(transferred.sid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });
  });

  test("a hand-back meeting a colleague's accept of the transfer is refused, not told the AI has it", async () => {
    const { conversationSid, humanTaskSid, interactionSid, transferred } = await aliceTransfers();
    const colleague = world.reservations(transferred.sid).find((r) => r.status === 'pending')!;
    // The interaction's invites cannot be read: the transfer is not seen, and the record must refuse it.
    world.twilio.addFault({
      method: 'GET',
      path: new RegExp(`/Interactions/${interactionSid}/Channels/[^/]+/Invites`),
      status: 400,
    });
    // The hand-back's write of the record waits until the colleague's accept is recorded.
    let open!: () => void;
    const item = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
    world.twilio.addFault({
      product: 'sync',
      method: 'POST',
      path: item,
      times: 1,
      until: new Promise<void>((resolve) => (open = resolve)),
    });
    const answer = handBack(humanTaskSid, 'Over to the AI');
    try {
      await world.until(() => world.twilio.requestsOnHold > 0, "the hand-back's record write held");
      await world.client.taskrouter.v1
        .workspaces(world.workspaceSid)
        .tasks(transferred.sid)
        .reservations(colleague.sid)
        .update({ reservationStatus: 'accepted' });
      await world.until(
        () => world.conversationRecord(conversationSid)?.taskSid === transferred.sid,
        "the colleague's accept recorded",
      );
    } finally {
      open();
    }
    const refused = await answer;
    await world.settle();

    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'not_handed_off',
      message: expect.stringMatching(/^Another task holds/),
    });
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });
  });

  test("Alice's transfer is canceled after her wrap-up: the conversation ends with it", async () => {
    const { conversationSid, firstSessionId, transferred } = await aliceTransfersAndWrapsUp();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });

    // Nobody takes the transfer: its task is canceled, and no other task carries the conversation.
    world.taskrouter.updateTaskStatus(world.workspaceSid, transferred.sid, 'canceled', 'Transfer not accepted');
    await world.settle();
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });

  test("the customer writes while the agent's instruction goes to the new session: the AI reads it first", async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    // The resumed session's first send (the agent's instruction) takes a second of OpenCX's time.
    world.opencx.faults.add({ method: 'POST', path: /^\/chat\/sessions\/[^/]+\/send$/, latencyMs: 1000, times: 1 });
    const held = world.opencx.heldRequests;
    const answer = handBack(humanTaskSid, 'Offer the refund');
    await world.opencx.whenHeld(held + 1);
    world.opencx.ai.reply('Your refund is on its way.');
    world.customerWrites(conversationSid, 'Is my refund coming?');
    await world.until(() => messageHandled(world, conversationSid, 'Is my refund coming?'), 'the message handled');
    await world.advance(1000);
    await answer;
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    const said = world.opencx.sessions
      .get(resumed.id)!
      .messages.flatMap(({ event }) => (event.type === 'message' ? [event.content.text] : []));
    const instruction = said.findIndex((text) => text.includes("The agent's instruction: Offer the refund"));
    expect(instruction).toBeGreaterThanOrEqual(0);
    expect(said.indexOf('Is my refund coming?')).toBeGreaterThan(instruction);
    expect(world.transcript(conversationSid).filter((m) => m.body === 'Your refund is on its way.')).toHaveLength(1);
  });

  test('the customer writes just as the AI resumes: sent to the AI once, by whichever Function claims it', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    // The resume reads the conversation, and waits at its read of its task (made beside it) until the
    // customer's message, written now that the AI holds the conversation without a session yet, was handled.
    const reads = new RegExp(`/Conversations/${conversationSid}/Messages$`);
    const aiTaskRead = new RegExp(`/Workspaces/${world.workspaceSid}/Tasks/(?!${humanTaskSid})WT\\w+$`);
    const from = lastSeq(world);
    let read!: () => void;
    world.twilio.addFault({
      method: 'GET',
      path: aiTaskRead,
      times: 1,
      until: new Promise<void>((resolve) => (read = resolve)),
    });
    // The handback's read, then the resume's.
    const conversationReads = () => world.twilio.requests.filter((r) => r.seq > from && reads.test(r.path));
    const answer = handBack(humanTaskSid);
    try {
      await world.until(
        () =>
          world.conversationRecord(conversationSid)?.phase === 'ai' &&
          world.twilio.requests.some((r) => r.seq > from && r.fault && aiTaskRead.test(r.path)) &&
          conversationReads().length >= 2 &&
          conversationReads().every((r) => r.status !== undefined),
        "the resume's read of the conversation answered, its read of its task held",
      );
      expect(world.conversationRecord(conversationSid)).not.toHaveProperty('sessionId');
      world.opencx.ai.reply('Welcome back.');
      world.customerWrites(conversationSid, 'hello again');
      await world.until(() => messageHandled(world, conversationSid, 'hello again'), 'the message handled');
    } finally {
      read();
    }
    await answer;
    await world.settle();

    const resumed = sessionsOf(conversationSid).find((s) => s.id !== firstSessionId)!;
    expect(world.contactMessages(resumed.id)).toEqual(['hello again']);
    expect(world.transcript(conversationSid).filter((m) => m.body === 'Welcome back.')).toHaveLength(1);
  });

  test("Alice's accept that Sync could not record is recorded by a timer 15 s later: she can hand back", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('My parcel arrived broken');
    world.opencx.ai.reply({ type: 'handoff', summary: 'Parcel damaged', sentiment: 'angry' });
    await world.customerSays(conversationSid, 'I want a human');
    await acceptsWhileSyncFails(taskSid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });

    await world.advance(16_000);
    expect(world.conversationRecord(conversationSid)).toMatchObject({
      phase: 'human',
      taskSid,
      humanWorkerSid: world.humanWorkerSid,
    });
    const sessionId = world.sessionFor(conversationSid)!.id;
    expect(agentNotes(sessionId).join('\n')).toMatch(/accepted the conversation/);
    const answer = await handBack(taskSid, 'Check the refund');
    await world.settle();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ handedBack: true });
  });

  test('a second Hand back click while the first is on its way, and one more later: one handback', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const before = lastSeq(world);
    // The first click's invite is held at Flex: the second click certainly meets that handback under way.
    const invite = holdNextInvite();
    const first = handBack(humanTaskSid, 'first');
    try {
      await world.until(() => invitesSince(before).length === 1, "the first click's invite sent");
      const second = await handBack(humanTaskSid, 'second');
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('handback_in_progress');
    } finally {
      invite.release();
    }
    const answered = await first;
    await world.settle();
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ handedBack: true, wrapup: 'wrapup' });
    expect(invitesSince(before)).toHaveLength(1);
    expect(sessionsOf(conversationSid)).toHaveLength(2);
    // The AI works from the click that handed back.
    expect(sessionsOf(conversationSid)[1].custom_data).toMatchObject({ flex_handback_instruction: 'first' });

    const later = await handBack(humanTaskSid, 'third');
    await world.settle();
    // Alice's task is in wrap-up: she no longer holds an accepted reservation of it.
    expect(later.status).toBe(403);
    expect(later.body.error.code).toBe('not_task_holder');
    expect(invitesSince(before)).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
  });

  // A lost answer, then a click 15 s later while the AI pool is busy: no second AI task.
  test("Flex's answer to the invite is lost: a later retry finds the task the invite made", async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await aiPoolGoes('Offline');
    try {
      const before = lastSeq(world);
      world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, after: 500, times: 1 });
      const lost = await handBack(humanTaskSid, 'Check the refund');
      await world.settle();
      expect(lost.status).toBe(502);
      expect(lost.body.error.message).toMatch(/did not confirm/);
      const [invited] = world.tasksOf(conversationSid).filter((t) => t.attributes.opencxHandbackAt !== undefined);
      expect(invited.assignmentStatus).toBe('pending');

      world.ageHandback(conversationSid, 20_000);
      const retried = await handBack(humanTaskSid, 'Check the refund');
      await world.settle();
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ handedBack: true, invitedTaskSid: invited.sid, wrapup: 'wrapup' });
      expect(invitesSince(before)).toHaveLength(1);
      expect(world.conversationRecord(conversationSid)).toMatchObject({
        phase: 'handback',
        handback: { invitedTaskSid: invited.sid },
      });

      await aiPoolGoes('Available');
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', taskSid: invited.sid });
      expect(sessionsOf(conversationSid).map((s) => s.id)).toEqual([firstSessionId, expect.any(String)]);
      const handbackTasks = world.tasksOf(conversationSid).filter((t) => t.attributes.opencxHandbackAt !== undefined);
      expect(handbackTasks).toHaveLength(1);
    } finally {
      await aiPoolGoes('Available');
    }
  });

  test('Flex answers the invite with a 503 and the agent clicks again at once: not told it is done', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const invited = () => world.tasksOf(conversationSid).filter((t) => t.attributes.opencxHandbackAt !== undefined);
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, status: 503, times: 1 });
    // Flex's 503 may or may not have made the invite (here it did not): the agent still holds the task.
    const failed = await handBack(humanTaskSid, 'Check the refund');
    await world.settle();
    expect(failed.status).toBe(502);
    expect(invited()).toHaveLength(0);

    const again = await handBack(humanTaskSid, 'Check the refund');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'handback_in_progress',
      message: expect.stringMatching(/try again/),
    });

    // Meanwhile the customer writes, and Alice answers: the AI must not answer it again.
    await world.customerSays(conversationSid, 'It is order 1042');
    await world.humanAgentSays(conversationSid, 'Thanks, I have found order 1042');

    // Once the first attempt is stale, a click invites, and the AI takes the conversation.
    world.ageHandback(conversationSid, 20_000);
    const retried = await handBack(humanTaskSid, 'Offer a voucher instead');
    await world.settle();
    expect(retried.body).toMatchObject({ handedBack: true });
    expect(invited()).toHaveLength(1);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    // The AI works from this click: its instruction, and nothing from before it.
    const resumed = sessionsOf(conversationSid).at(-1)!;
    expect(agentNotes(resumed.id)).toEqual([expect.stringMatching(/Offer a voucher instead/)]);
    expect(world.contactMessages(resumed.id)).toEqual([]);
  });

  test('the invite fails with a 503 and the agent ends the chat instead: the conversation ends', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, status: 503, times: 1 });
    const failed = await handBack(humanTaskSid, 'Check the refund');
    await world.settle();
    expect(failed.status).toBe(502);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handback' });

    world.taskrouter.updateTaskStatus(world.workspaceSid, humanTaskSid, 'wrapping', 'Agent ended the chat');
    world.taskrouter.updateTaskStatus(world.workspaceSid, humanTaskSid, 'completed', 'Agent completed');
    await world.settle();

    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });

  test("Flex's answer to the invite is lost: the handback counts once, and a retry moves the agent out", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, after: 500, times: 1 });

    const lost = await handBack(humanTaskSid, 'Check the refund');
    await world.settle();

    expect(lost.status).toBe(502);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    const handbacks = insightEvents(world).filter(
      (e) => e.data.conversationSid === conversationSid && e.data.type === 'handback',
    );
    expect(handbacks.map((e) => e.data.taskSid)).toEqual([humanTaskSid]);
    // Alice was never moved out: her task is still assigned while the AI answers.
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');

    // She clicks again, as the failure told her to: the AI has it, and she goes to wrap-up.
    const again = await handBack(humanTaskSid, 'Check the refund');
    await world.settle();
    expectMovedToWrapUp(again, humanTaskSid, conversationSid, 'ai');
  });

  // Flex's own End chat would close the conversation the AI now answers: the Function moves the agent instead.
  test("End chat on another task's hand-back: this task's agent, still in the chat, is moved to wrap-up", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    // Not handed back: nothing to keep open, and nothing is handed back.
    const before = lastSeq(world);
    const early = await endChat(humanTaskSid);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('not_handed_off');
    expect(invitesSince(before)).toHaveLength(0);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });

    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, after: 500, times: 1 });
    await handBack(humanTaskSid, 'Check the refund');
    await world.settle();
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');
    // The hand-back the record holds is another task's (a colleague's in the same conversation).
    const item = locationOf(CONVERSATION_MAPS, conversationSid);
    const record = world.conversationRecord(conversationSid)!;
    const handback = { ...(record.handback as object), fromTaskSid: `WT${'0'.repeat(32)}` };
    world.sync.setMapItem(world.syncServiceSid, item, conversationSid, { ...record, handback });

    const again = await endChat(humanTaskSid);
    await world.settle();

    expectMovedToWrapUp(again, humanTaskSid, conversationSid, 'ai');
  });

  test('End chat after the AI handed the conversation to another agent since: only this agent leaves', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    // The record says another task holds the conversation now (the AI's second handoff, to a colleague).
    const item = locationOf(CONVERSATION_MAPS, conversationSid);
    const record = world.conversationRecord(conversationSid)!;
    world.sync.setMapItem(world.syncServiceSid, item, conversationSid, { ...record, taskSid: `WT${'0'.repeat(32)}` });
    const before = lastSeq(world);

    const ended = await endChat(humanTaskSid);
    await world.settle();

    expectMovedToWrapUp(ended, humanTaskSid, conversationSid, 'human');
    // Not the AI: the panel must not tell the agent the AI has the customer.
    expect(ended.body).toMatchObject({ heldByAnotherTask: true });
    expect(invitesSince(before)).toHaveLength(0);
  });

  test('End chat after another task handed the conversation back to the AI: the AI has it, not an agent', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    // The AI holds the conversation again, in the task another agent's hand-back made.
    const item = locationOf(CONVERSATION_MAPS, conversationSid);
    const record = world.conversationRecord(conversationSid)!;
    world.sync.setMapItem(world.syncServiceSid, item, conversationSid, {
      ...record,
      phase: 'ai',
      taskSid: `WT${'1'.repeat(32)}`,
    });

    const ended = await endChat(humanTaskSid);
    await world.settle();

    expectMovedToWrapUp(ended, humanTaskSid, conversationSid, 'ai');
    expect(ended.body).not.toHaveProperty('heldByAnotherTask');
  });

  test("End chat by the agent of a handoff whose accept is not recorded yet is Flex's own", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    // Being handed off by an invite: the record names the task it left until the accept is recorded.
    const item = locationOf(CONVERSATION_MAPS, conversationSid);
    const record = world.conversationRecord(conversationSid)!;
    world.sync.setMapItem(world.syncServiceSid, item, conversationSid, {
      ...record,
      phase: 'handoff',
      taskSid: `WT${'0'.repeat(32)}`,
    });

    const ended = await endChat(humanTaskSid);
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe('not_handed_off');
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');
  });

  test('the AI hands off again at once: a normal second handoff to humans', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const invite = holdNextInvite();
    const answer = handBack(humanTaskSid, 'Offer a voucher');
    await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handback', 'the handback phase');
    world.opencx.ai.reply({ type: 'handoff', summary: 'Customer insists on a human', sentiment: 'angry' });
    await invite.releaseOnceRelayed(() => world.customerWrites(conversationSid, 'No, I want Alice back'));
    await answer;
    await world.settle();

    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    expect(aiTask.attributes).toMatchObject({
      handedOff: true,
      handoffSummary: 'Customer insists on a human',
      handoffSentiment: 'negative',
    });
    expect((aiTask.attributes.opencxHistory as { to: string }[]).map((e) => e.to)).toEqual([
      'ai',
      'human',
      'ai',
      'human',
    ]);
    expect(
      world
        .reservations(aiTask.sid)
        .filter((r) => r.workerSid === world.aiWorkerSid)
        .map((r) => r.status),
    ).not.toContain('pending');
    expect(world.reservations(aiTask.sid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', taskSid: aiTask.sid });
  });
});

describe('who may hand back, and bad input', () => {
  test('only the worker holding the task; a supervisor or another agent is refused and nothing changes', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const before = lastSeq(world);
    const supervisor = world.iam.issueToken({ identity: 'sup@example.com', roles: ['supervisor'] });
    const bob = world.iam.issueToken({
      identity: 'bob@example.com',
      roles: ['agent'],
      workerSid: 'WK' + 'b'.repeat(32),
    });
    for (const token of [supervisor, bob]) {
      const answer = await handBack(humanTaskSid, undefined, token);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        ok: false,
        error: { code: 'not_task_holder', message: 'Only the agent who holds this task can do this' },
      });
    }
    const noToken = await postForm(world.functions!.url, '/agent/handback', { taskSid: humanTaskSid });
    expect(noToken.status).toBe(403);
    expect(invitesSince(before)).toEqual([]);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
  });

  test('a task kept after its handback cannot hand back the conversation now held on a new task', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    // Flex does not move Alice to wrap-up: she still holds the first task.
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: /\/Participants\/[^/]+$/, status: 500 });
    try {
      const first = await handBack(humanTaskSid);
      expect(first.body).toMatchObject({ handedBack: true, wrapup: 'left-to-agent' });
      await world.settle();
    } finally {
      world.twilio.clearFaults();
    }
    const aiTask = aiTaskOf(conversationSid, humanTaskSid);
    world.opencx.ai.reply({ type: 'handoff', summary: 'Needs Alice again', sentiment: 'neutral' });
    await world.customerSays(conversationSid, 'Alice please');
    await world.humanAgentAccepts(aiTask.sid);
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');
    const before = lastSeq(world);

    const stale = await handBack(humanTaskSid);

    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ ok: false, error: { code: 'not_handed_off' } });
    expect(invitesSince(before)).toEqual([]);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: aiTask.sid });
  });

  test("a task edited to name another customer's conversation being handed off cannot hand it back", async () => {
    const { humanTaskSid } = await conversationWithAlice();
    const other = await world.customerStartsConversation('Where is my order?');
    world.opencx.ai.reply({ type: 'handoff', summary: 'Wants a person', sentiment: 'neutral' });
    await world.customerSays(other.conversationSid, 'A person please');
    expect(world.conversationRecord(other.conversationSid)).toMatchObject({ phase: 'handoff', taskSid: other.taskSid });
    // Alice edits her own task's attributes, as Flex lets the holder of a task do.
    const attributes = { ...world.task(humanTaskSid).attributes, conversationSid: other.conversationSid };
    await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .tasks(humanTaskSid)
      .update({ attributes: JSON.stringify(attributes) });
    const before = lastSeq(world);

    const answer = await handBack(humanTaskSid, 'Offer them a discount');

    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({
      ok: false,
      error: {
        message: expect.stringMatching(/^This conversation is still being handed to an agent under another task/),
      },
    });
    expect(invitesSince(before)).toEqual([]);
    expect(world.conversationRecord(other.conversationSid)).toMatchObject({ phase: 'handoff', taskSid: other.taskSid });
  });

  // Nothing changes.
  test('a missing task, an instruction too long, a task the AI never had: 400/409 naming the field', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const before = lastSeq(world);
    const missing = await handBack('');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_input', field: 'taskSid' });
    const tooLong = await handBack(humanTaskSid, 'x'.repeat(1001));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'invalid_input', field: 'instruction' });
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });

    // A task straight to Alice, never the AI's: our record does not know the conversation.
    const { taskSid } = world.flex.startInboundConversation({
      conversationsServiceSid: world.conversationsServiceSid,
      workspaceSid: world.workspaceSid,
      workflowSid: world.workflowSid,
      from: 'walk-in',
      body: 'hello',
      channelType: 'web',
      attributes: { handedOff: true },
    });
    await world.settle();
    await world.humanAgentAccepts(taskSid);
    const notOurs = await handBack(taskSid);
    expect(notOurs.status).toBe(409);
    expect(notOurs.body.error.code).toBe('not_handed_off');

    // The agent edits the task's conversationSid (Flex lets a worker write its task's attributes): no SID, no 500.
    for (const forged of ['CH?x', 'CH/x', `${conversationSid}/x`]) {
      await world.client.taskrouter.v1
        .workspaces(world.workspaceSid)
        .tasks(taskSid)
        .update({ attributes: JSON.stringify({ ...world.task(taskSid).attributes, conversationSid: forged }) });
      const edited = await handBack(taskSid);
      expect(edited.status).toBe(409);
      expect(edited.body.error.code).toBe('not_handed_off');
    }
    expect(invitesSince(before)).toEqual([]);
  });

  test("an agent who points their task at another customer's interaction hands back their own", async () => {
    const { conversationSid, interactionSid, humanTaskSid } = await conversationWithAlice();
    const other = await world.customerStartsConversation('Is my order shipped?');
    const { flexInteractionSid, flexInteractionChannelSid } = world.task(other.taskSid).attributes;
    expect(flexInteractionSid).toBe(other.interactionSid);
    // Flex lets a worker write their own task's attributes.
    await world.client.taskrouter.v1
      .workspaces(world.workspaceSid)
      .tasks(humanTaskSid)
      .update({
        attributes: JSON.stringify({
          ...world.task(humanTaskSid).attributes,
          flexInteractionSid,
          flexInteractionChannelSid,
        }),
      });
    const before = lastSeq(world);

    const answer = await handBack(humanTaskSid, 'Carry on');
    await world.settle();

    expect(answer.body).toMatchObject({ ok: true, handedBack: true });
    const invites = invitesSince(before);
    expect(invites).toHaveLength(1);
    expect(invites[0].path).toContain(`/Interactions/${interactionSid}/`);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
    expect(world.conversationRecord(other.conversationSid)).toMatchObject({ phase: 'ai', taskSid: other.taskSid });
  });

  test('an invite Flex refuses leaves the conversation with the agent, and a retry then works', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, status: 400, code: 20001, times: 1 });
    const refused = await handBack(humanTaskSid, 'try');
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('handback_failed');
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
    expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');

    const retried = await handBack(humanTaskSid, 'try');
    await world.settle();
    expect(retried.body).toMatchObject({ ok: true, handedBack: true });
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai' });
  });
});

/**
 * Every AI worker's chat channel stops (or starts again) taking chats, as when the pool is at capacity.
 * Unlike going Offline, a reservation timeout's restore of the worker does not undo it.
 */
async function aiPoolTakesChats(takes: boolean): Promise<void> {
  for (const workerSid of world.aiWorkerSids)
    world.taskrouter.updateWorkerChannel(world.workspaceSid, workerSid, 'chat', { available: takes });
  await world.settle();
}

/** Alice completes her wrap-up the Flex way (her interaction participant closed), and moves on. */
async function aliceCompletesWrapUp(humanTaskSid: string): Promise<void> {
  const alice = world.flex
    .participants(world.task(humanTaskSid).attributes.flexInteractionSid as string)
    .find((p) => p.taskSid === humanTaskSid)!;
  world.flex.updateParticipantStatus(alice.interactionSid, alice.sid, 'closed');
  await world.settle();
}

describe('no AI worker takes the conversation back (the pool offline or full)', () => {
  // Minutes pass here: in the world the earlier tests used, their timers and queued tasks would act.
  beforeAll(async () => {
    await world.stop();
    await startWorld();
  });
  // A reservation of hers an earlier test left pending timed out as minutes passed: she is Offline.
  beforeEach(() => world.humanAgentLogsIn());

  test('two minutes on, humans get it on the invited task, told who handed it back and why', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await aiPoolTakesChats(false);
    let invited: ReturnType<typeof aiTaskOf>;
    try {
      expect((await handBack(humanTaskSid, 'Confirm the refund')).body).toMatchObject({ ok: true, handedBack: true });
      await world.customerSays(conversationSid, 'Hello? Is anyone there?');
      invited = aiTaskOf(conversationSid, humanTaskSid);
      expect(invited.assignmentStatus).toBe('pending');
      // Alice completes her wrap-up and moves on: the conversation waits for the AI.
      await aliceCompletesWrapUp(humanTaskSid);
      await world.advance(110_000);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handback' });
      expect(world.task(invited.sid).attributes.handedOff).toBe(false);

      await world.advance(11_000);
      expect(world.task(invited.sid).attributes).toMatchObject({
        handedOff: true,
        handoffReason: 'AI unavailable',
        handoffSummary: expect.stringMatching(
          pattern(
            /^Alice Agent handed this conversation back to the AI assistant, but no AI worker took it/,
            /.*/,
            /Confirm the refund$/,
          ),
        ),
        opencxSessionId: firstSessionId,
      });
      expect(world.reservations(invited.sid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
      expect(world.conversationRecord(conversationSid)).toMatchObject({
        phase: 'handoff',
        taskSid: invited.sid,
        handoff: { routed: true },
      });
      expect(world.transcript(conversationSid).at(-1)?.body).toBe(CUSTOMER_HANDOFF_NOTE);
      expect(sessionsOf(conversationSid)).toHaveLength(1);
      // Counted for the supervisors as a handoff for the AI being unavailable.
      expect(
        insightEvents(world)
          .map((e) => e.data)
          .filter((e) => e.type === 'handoff' && e.taskSid === invited.sid),
      ).toEqual([expect.objectContaining({ aiUnavailable: true, secondsWithAi: null })]);
    } finally {
      await aiPoolTakesChats(true);
    }

    // The pool back: the task stays with humans, and the agent who accepts it holds the conversation.
    expect(world.reservations(invited.sid).filter((r) => world.aiWorkerSids.includes(r.workerSid))).toEqual([]);
    await world.humanAgentAccepts(invited.sid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: invited.sid });
    expect(world.opencx.sessions.get(firstSessionId)!.status).not.toMatch(/^closed/);
  });

  test('a timer that cannot be armed: refused before any invite, Alice keeps the chat; a retry works', async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    const before = lastSeq(world);
    await aiPoolTakesChats(false);
    try {
      world.twilio.addFault({
        product: 'taskrouter',
        method: 'POST',
        path: new RegExp(`/Workspaces/${world.timerWorkspaceSid}/Tasks$`),
        status: 503,
        code: 20503,
      });
      const refused = await handBack(humanTaskSid, 'Check the refund');
      world.twilio.clearFaults();
      expect(refused.status).toBe(502);
      expect(refused.body.error).toMatchObject({
        code: 'handback_failed',
        message: expect.stringMatching(/you still hold it/),
      });
      // Nothing would have handed an untaken invite to humans: there is none, and Alice still holds the chat.
      expect(invitesSince(before)).toEqual([]);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: humanTaskSid });
      expect(world.conversationRecord(conversationSid)).not.toHaveProperty('handback');
      expect(world.task(humanTaskSid).assignmentStatus).toBe('assigned');

      expect((await handBack(humanTaskSid, 'Check the refund')).body).toMatchObject({ ok: true, handedBack: true });
      const invited = aiTaskOf(conversationSid, humanTaskSid);
      await world.advance(121_000);
      expect(world.task(invited.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    } finally {
      world.twilio.clearFaults();
      await aiPoolTakesChats(true);
    }
  });

  /** Alice's first click meets `failure` on its invite (502), and she clicks again 100 s later, the AI pool off. */
  async function clickedAgainAfter(failure: { status: number } | { after: number }) {
    const started = await conversationWithAlice();
    await aiPoolTakesChats(false);
    world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, times: 1, ...failure });
    expect((await handBack(started.humanTaskSid, 'Check the refund')).status).toBe(502);
    await world.advance(100_000);
    world.ageHandback(started.conversationSid, 100_000);
    expect((await handBack(started.humanTaskSid, 'Check the refund')).body).toMatchObject({ handedBack: true });
    return started;
  }

  test('a click that invites again after a failed invite gets its full two minutes, not what was left', async () => {
    try {
      // Flex refuses the first invite with a 503 (it made none): the hand-back stays under way, its timer armed.
      const { conversationSid, humanTaskSid } = await clickedAgainAfter({ status: 503 });
      const invited = aiTaskOf(conversationSid, humanTaskSid);

      // The first click's timer fires 20 s into this invite: it leaves it to the second click's.
      await world.advance(30_000);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handback' });
      expect(world.task(invited.sid).attributes.handedOff).toBe(false);
      await world.advance(91_000);
      expect(world.task(invited.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', taskSid: invited.sid });
    } finally {
      world.twilio.clearFaults();
      await aiPoolTakesChats(true);
    }
  });

  test("a click that finds the lost invite's task invites nothing; the first click's timer still acts", async () => {
    try {
      // Flex made the first invite, its answer lost.
      const { conversationSid, humanTaskSid } = await clickedAgainAfter({ after: 500 });
      const invited = aiTaskOf(conversationSid, humanTaskSid);
      const handbackTasks = world.tasksOf(conversationSid).filter((t) => t.attributes.opencxHandbackAt !== undefined);
      expect(handbackTasks).toHaveLength(1);

      // Two minutes after the invite that made the task, not after the click that found it.
      await world.advance(21_000);
      expect(world.task(invited.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
    } finally {
      world.twilio.clearFaults();
      await aiPoolTakesChats(true);
    }
  });

  test("Flex's answer to the invite was lost and the agent never clicks again: the timer finds the task", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    await aiPoolTakesChats(false);
    try {
      world.twilio.addFault({ product: 'flex-api', method: 'POST', path: INVITES, after: 500, times: 1 });
      expect((await handBack(humanTaskSid, 'Check the refund')).status).toBe(502);
      const invited = aiTaskOf(conversationSid, humanTaskSid);
      expect(world.conversationRecord(conversationSid)).not.toHaveProperty('handback.invitedTaskSid');

      await world.advance(121_000);
      expect(world.task(invited.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff', taskSid: invited.sid });
      // Alice's own task is told it has moved on.
      const again = await handBack(humanTaskSid, 'Check the refund');
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/moved on since/);
    } finally {
      await aiPoolTakesChats(true);
    }
  });

  test("the timer's move to humans lands but Sync's answer is lost: the task still reaches humans", async () => {
    const { conversationSid, humanTaskSid } = await conversationWithAlice();
    await aiPoolTakesChats(false);
    try {
      expect((await handBack(humanTaskSid)).body).toMatchObject({ ok: true, handedBack: true });
      const invited = aiTaskOf(conversationSid, humanTaskSid);
      const record = locationOf(CONVERSATION_MAPS, conversationSid);
      world.twilio.addFault({
        method: 'POST',
        path: new RegExp(`/Maps/${record}/Items/${conversationSid}$`),
        after: 500,
        times: 1,
      });

      await world.advance(121_000);
      expect(world.task(invited.sid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
      expect(world.conversationRecord(conversationSid)).toMatchObject({
        phase: 'handoff',
        taskSid: invited.sid,
        handoff: { routed: true },
      });
      expect(world.transcript(conversationSid).at(-1)?.body).toBe(CUSTOMER_HANDOFF_NOTE);
    } finally {
      await aiPoolTakesChats(true);
    }
  });

  test('the invited task ends as the timer fires: the conversation ends, its session closed', async () => {
    const { conversationSid, humanTaskSid, firstSessionId } = await conversationWithAlice();
    await aiPoolTakesChats(false);
    let open!: () => void;
    try {
      expect((await handBack(humanTaskSid)).body).toMatchObject({ ok: true, handedBack: true });
      const invited = aiTaskOf(conversationSid, humanTaskSid);
      await aliceCompletesWrapUp(humanTaskSid);
      // The customer leaves: the end, decided while the conversation is still being handed back, is
      // held at its delete of the record until the timer has moved the conversation to humans.
      const record = locationOf(CONVERSATION_MAPS, conversationSid);
      world.twilio.addFault({
        method: 'DELETE',
        path: new RegExp(`/Maps/${record}/Items/${conversationSid}$`),
        times: 1,
        until: new Promise<void>((resolve) => (open = resolve)),
      });
      world.taskrouter.updateTaskStatus(world.workspaceSid, invited.sid, 'canceled', 'Customer left');
      await world.until(() => world.twilio.requestsOnHold === 1, "the end's delete of the record, held");
      world.twilio.clock.advance(121_000);
      await world.until(
        () => world.conversationRecord(conversationSid)?.phase !== 'handback',
        "the timer's move to humans",
      );
    } finally {
      open?.();
      await aiPoolTakesChats(true);
    }
    await world.settle();
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(firstSessionId)!.status).toBe('closed_unresolved');
  });
});
