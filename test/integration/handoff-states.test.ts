// The handoff must reach the human queue from every state the task can be in, whichever way
// TaskRouter treats an attribute write on a reserved task (an [open] behaviour, so a switch).
import { CONVERSATION_MAPS } from '../../functions/bridge/state';
import { locationOf } from '../../functions/common/shards';
import { World } from '../harness/world';
import { lastSeq, postForm } from './helpers';

jest.setTimeout(90000);

const AI_TIMEOUT_SECONDS = 60;

describe.each([
  ['attribute write cancels the reservation', true],
  ['attribute write keeps the reservation', false],
])('handoff when the %s', (_label, cancels) => {
  let world: World;

  beforeAll(async () => {
    world = await World.start({
      switches: { attributeUpdateCancelsReservation: cancels },
      aiReservationTimeout: AI_TIMEOUT_SECONDS,
    });
  });
  afterAll(() => world?.stop());
  beforeEach(() => world.humanAgentLogsIn());
  afterEach(() => expect(world.twilio.violations).toEqual([]));

  const handOffNow = async (conversationSid: string): Promise<void> => {
    world.opencx.ai.reply({ type: 'handoff', summary: 'Customer needs a human', sentiment: 'happy', language: 'de' });
    await world.customerSays(conversationSid, 'Mensch bitte');
  };

  /** The Flex Interactions invites (transfers to humans) the Functions made since `since`. */
  const invitesSince = (since: number) =>
    world.twilio
      .calls({
        product: 'flex-api',
        method: 'POST',
        template: '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites',
      })
      .filter((r) => r.seq > since);

  const expectWithHumans = (taskSid: string): void => {
    expect(world.task(taskSid).attributes).toMatchObject({ handoffSentiment: 'positive', handoffLanguage: 'de' });
    expectRoutedToHumans(taskSid);
  };

  const expectRoutedToHumans = (taskSid: string): void => {
    expect(world.task(taskSid).attributes.handedOff).toBe(true);
    const human = world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid);
    expect(human?.status).toBe('pending');
    expect(
      world.reservations(taskSid).filter((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending'),
    ).toEqual([]);
  };

  test('reserved to the AI', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    expect(world.task(taskSid).assignmentStatus).toBe('reserved');
    await handOffNow(conversationSid);
    expectWithHumans(taskSid);
  });

  test("handed off, a human's accept not heard of: the task's completion still ends the conversation", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const sessionId = world.sessionFor(conversationSid)!.id;
    await handOffNow(conversationSid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    // TaskRouter's callback for the accept is lost: the record never learns that a human holds it.
    world.taskrouter.updateWorkspace(world.workspaceSid, { eventsFilter: 'task.created' });
    try {
      await world.humanAgentAccepts(taskSid);
    } finally {
      world.taskrouter.updateWorkspace(world.workspaceSid, { eventsFilter: '' });
    }
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });

    world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'completed', 'Agent completed');
    await world.settle();

    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('closed_unresolved');
  });

  test("the end of a human's task that cannot be handled then is handled by a timer 15 s later", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const sessionId = world.sessionFor(conversationSid)!.id;
    await handOffNow(conversationSid);
    await world.humanAgentAccepts(taskSid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
    world.takeLogs();
    // TaskRouter is down for the listing of the conversation's open tasks the end needs.
    world.twilio.addFault({ method: 'GET', path: '/v1/Workspaces/{WorkspaceSid}/Tasks', status: 503 });
    try {
      world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'completed', 'Agent completed');
      await world.settle();
    } finally {
      world.twilio.clearFaults();
    }
    const ends = world.takeLogs().filter((l) => l.event === 'task.completed' && l.taskSid === taskSid);
    expect(ends.map((l) => l.outcome)).toEqual(['timer-armed']);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });

    await world.advance(16_000);
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('closed_unresolved');
  });

  test('an OpenCX session that cannot be closed when the chat ends is closed by a timer 15 s later', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const sessionId = world.sessionFor(conversationSid)!.id;
    world.opencx.faults.add({ method: 'PATCH', path: '/chat/sessions/:id', status: 503 });
    try {
      world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
      await world.settle();
    } finally {
      world.opencx.faults.clear();
    }
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('open');

    await world.advance(16_000);
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('closed_resolved');
  });

  test("an OpenCX session whose close meets OpenCX's rate limit for minutes is closed once it lifts", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const sessionId = world.sessionFor(conversationSid)!.id;
    world.opencx.faults.add({ method: 'PATCH', path: '/chat/sessions/:id', status: 429 });
    try {
      world.taskrouter.updateTaskStatus(world.workspaceSid, taskSid, 'canceled', 'Customer left');
      await world.settle();
      // Tried again after 15 s, a minute, then five: each time still over the limit.
      for (const seconds of [16, 61, 301]) await world.advance(seconds * 1000);
      expect(world.opencx.sessions.get(sessionId)!.status).toBe('open');
    } finally {
      world.opencx.faults.clear();
    }
    await world.advance(901_000);
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('closed_resolved');
  });

  test('the AI reservation just timed out and was re-created', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const first = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid)!;

    await world.advance((AI_TIMEOUT_SECONDS + 1) * 1000);

    expect(world.reservations(taskSid).find((r) => r.sid === first.sid)!.status).toBe('timeout');
    const worker = world.taskrouter.workspaces.get(world.workspaceSid)!.workers.get(world.aiWorkerSid)!;
    const activity = world.taskrouter.workspaces.get(world.workspaceSid)!.activities.get(worker.activitySid)!;
    expect(activity.available).toBe(true);
    const second = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending');
    expect(second).toBeDefined();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', reservationSid: second!.sid });

    // The same clock jump timed out alice's reservation from the previous test: she logs back in.
    await world.humanAgentLogsIn();
    world.opencx.ai.reply('Still here to help.');
    await world.customerSays(conversationSid, 'noch da?');
    expect(world.transcript(conversationSid).at(-1)!.body).toBe('Still here to help.');

    await handOffNow(conversationSid);
    expectWithHumans(taskSid);
  });

  /**
   * The AI's first offer times out, TaskRouter offers it the task again, then delivers the first
   * offer's reservation.created once more: our record may name the older reservation now.
   */
  const offeredTwiceFirstOfferLate = async (): Promise<{ conversationSid: string; taskSid: string }> => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const first = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid)!;
    const sessionId = String(world.conversationRecord(conversationSid)!.sessionId);
    // A re-offer costs no OpenCX request: the new reservation goes with the customer's next message.
    const requests = () => world.opencx.requests.filter((request) => request.path.includes(sessionId)).length;
    const requestsBefore = requests();
    await world.advance((AI_TIMEOUT_SECONDS + 1) * 1000);
    const second = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending');
    expect(second).toBeDefined();
    expect(world.conversationRecord(conversationSid)).toMatchObject({ reservationSid: second!.sid });
    const firstOffer = world.twilio.webhooks.find(
      (d) => d.params.EventType === 'reservation.created' && d.params.ReservationSid === first.sid,
    )!;
    await world.twilio.deliverWebhook('taskrouter', firstOffer.url, firstOffer.params, 15000);
    await world.settle();
    // The late offer is older than the one the record holds: nothing changes, OpenCX hears nothing.
    expect(world.conversationRecord(conversationSid)).toMatchObject({ reservationSid: second!.sid });
    expect(requests()).toBe(requestsBefore);
    world.opencx.ai.reply('Ja, ich bin da.');
    await world.customerSays(conversationSid, 'Hallo?');
    expect(world.opencx.sessions.get(sessionId)!.custom_data).toMatchObject({
      flex_task_sid: taskSid,
      flex_reservation_sid: second!.sid,
    });
    // The same clock jump timed out alice's reservation from an earlier test: she logs back in.
    await world.humanAgentLogsIn();
    return { conversationSid, taskSid };
  };

  test('a late duplicate of the timed-out first offer does not keep the second offer from humans', async () => {
    const { conversationSid, taskSid } = await offeredTwiceFirstOfferLate();
    await handOffNow(conversationSid);
    expectWithHumans(taskSid);
  });

  test('a handoff cut short after a late duplicate of the first offer is finished to humans', async () => {
    const { conversationSid, taskSid } = await offeredTwiceFirstOfferLate();
    // The attribute write fails, and no OpenCX handoff event comes: the next message finishes the handoff.
    world.twilio.addFault({ method: 'POST', path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}', status: 500 });
    world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
    try {
      await handOffNow(conversationSid);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
      expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
    } finally {
      world.twilio.clearFaults();
      world.opencx.webhookFaults.clear();
    }
    await world.customerSays(conversationSid, 'Hallo?');
    // With the language OpenCX knows, although the first attempt could not record it.
    expectWithHumans(taskSid);
  });

  test('TaskRouter offers the AI the task again while it hands off: the new offer goes to humans too', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const first = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid)!;
    // The bridge's write of the new offer waits until the handoff has begun.
    const recordItem = new RegExp(`/Maps/${locationOf(CONVERSATION_MAPS, conversationSid)}/Items/${conversationSid}$`);
    const writesBefore = world.twilio.requests.filter((r) => r.method === 'POST' && recordItem.test(r.path)).length;
    let open!: () => void;
    world.twilio.addFault({ method: 'POST', path: recordItem, times: 1, until: new Promise<void>((r) => (open = r)) });
    // No OpenCX handoff event comes to finish the handoff.
    world.opencx.webhookFaults.add({ event: 'conversation.handoff_to_human', signature: 'missing' });
    try {
      world.twilio.clock.advance((AI_TIMEOUT_SECONDS + 1) * 1000);
      await world.until(
        () => world.twilio.requests.filter((r) => r.method === 'POST' && recordItem.test(r.path)).length > writesBefore,
        'the write of the new AI offer',
      );
      world.opencx.ai.reply({ type: 'handoff', summary: 'Customer needs a human', sentiment: 'happy', language: 'de' });
      world.customerWrites(conversationSid, 'Mensch bitte');
      await world.until(() => world.conversationRecord(conversationSid)?.phase === 'handoff', 'the handoff');
    } finally {
      open();
    }
    try {
      await world.settle();
    } finally {
      world.opencx.webhookFaults.clear();
    }
    // The clock jump also timed out a reservation of alice's from an earlier test: she logs back in.
    await world.humanAgentLogsIn();

    expect(world.reservations(taskSid).find((r) => r.sid === first.sid)?.status).toBe('timeout');
    expect(
      world.reservations(taskSid).filter((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending'),
    ).toEqual([]);
    expect(world.reservations(taskSid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe('pending');
    // Whichever wrote the task first, the agent gets what the handoff looked up in OpenCX.
    expect(world.task(taskSid).attributes).toMatchObject({ handoffSentiment: 'positive', handoffLanguage: 'de' });
  });

  test('assigned to the AI: transferred through a Flex Interactions invite', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    expect(world.task(taskSid).assignmentStatus).toBe('assigned');
    const since = lastSeq(world);

    await handOffNow(conversationSid);

    expect(invitesSince(since)).toHaveLength(1);
    const transferred = world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid);
    expect(transferred).toHaveLength(1);
    expect(transferred[0].attributes).toMatchObject({
      handedOff: true,
      handoffReason: 'AI requested human handoff',
      conversationSid,
    });
    expect(world.reservations(transferred[0].sid).find((r) => r.workerSid === world.humanWorkerSid)?.status).toBe(
      'pending',
    );
    // The customer's conversation continues in the new task; the AI's own task is closed out.
    expect(['completed', 'wrapping']).toContain(world.task(taskSid).assignmentStatus);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });

    // The agent who takes the new task gives their verdict: noted on the session the AI held.
    await world.humanAgentAccepts(transferred[0].sid);
    const session = world.sessionFor(conversationSid)!;
    const verdict = await postForm(world.functions!.url, '/agent/handoff-verdict', {
      Token: world.iam.issueToken({ identity: 'alice@example.com', roles: ['agent'], workerSid: world.humanWorkerSid }),
      taskSid: transferred[0].sid,
      needed: 'true',
      summaryRight: 'true',
    });
    expect(verdict.body).toMatchObject({ ok: true, opencx: 'noted' });
    expect(session.custom_data).toMatchObject({ flex_verdict_needed: true });
  });

  test('assigned to the AI, its reservation not completed: finishing the handoff invites no one again', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    const since = lastSeq(world);
    // Completing the AI's reservation fails: the task stays assigned to the AI after the invite.
    world.twilio.addFault({
      method: 'POST',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}',
      status: 500,
      times: 12,
    });
    await handOffNow(conversationSid);
    expect(world.task(taskSid).assignmentStatus).toBe('assigned');
    world.twilio.clearFaults();

    // OpenCX's handoff webhook, or the next event, finishes the handoff: no one is invited again.
    await world.customerSays(conversationSid, 'Hallo?');

    expect(invitesSince(since)).toHaveLength(1);
    expect(world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid)).toHaveLength(1);
  });

  test("assigned to the AI, the transfer invite's answer lost: finishing the handoff invites none again", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    const since = lastSeq(world);
    world.twilio.addFault({
      product: 'flex-api',
      method: 'POST',
      path: '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites',
      after: 500,
      times: 1,
    });
    await handOffNow(conversationSid);
    await world.customerSays(conversationSid, 'Hallo?');

    expect(invitesSince(since)).toHaveLength(1);
    const transferred = world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid);
    expect(transferred).toHaveLength(1);
    expect(transferred[0].attributes).toMatchObject({ handedOff: true, conversationSid });
    expect(['completed', 'wrapping']).toContain(world.task(taskSid).assignmentStatus);
  });

  test('assigned to the AI, its invite failed, its claim left behind (Sync down): a later finish invites', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    const since = lastSeq(world);
    const inviteClaim = new RegExp(`/Maps/opencx_dedup_\\d+/Items/invite_${taskSid}_`);
    // Flex refuses the invite, and Sync the claim's release: the claim stays behind the failed invite.
    world.twilio.addFault({
      product: 'flex-api',
      method: 'POST',
      path: '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites',
      status: 400,
      times: 1,
    });
    world.twilio.addFault({ product: 'sync', method: 'DELETE', path: inviteClaim, status: 500 });
    try {
      await handOffNow(conversationSid);
    } finally {
      world.twilio.clearFaults();
    }
    // A finish soon after leaves it to the claimant, which may still be inviting.
    await world.customerSays(conversationSid, 'Hallo?');
    expect(world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid)).toHaveLength(0);

    // A minute on (the claim's time moved back: the Functions read the real clock), the next finish invites.
    const [dedup, claim] = Array.from({ length: 8 }, (_, shard) => `opencx_dedup_${shard}`)
      .flatMap((map) =>
        world.sync
          .mapItems(world.syncServiceSid, map)
          .filter((item) => item.key.startsWith(`invite_${taskSid}_`))
          .map((item) => [map, item] as const),
      )
      .at(0)!;
    world.sync.setMapItem(world.syncServiceSid, dedup, claim.key, {
      ...claim.data,
      at: new Date(Date.parse(String(claim.data.at)) - 61_000).toISOString(),
    });
    await world.customerSays(conversationSid, 'Anyone there?');

    expect(invitesSince(since)).toHaveLength(2);
    const transferred = world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid);
    expect(transferred).toHaveLength(1);
    expect(transferred[0].attributes).toMatchObject({ handedOff: true, conversationSid });
    expect(['completed', 'wrapping']).toContain(world.task(taskSid).assignmentStatus);
  });

  test.each([
    ['a concurrent finish', false],
    ['a finish by the next version, deployed meanwhile,', true],
  ])("assigned to the AI: %s leaves the AI's task open until the invite exists", async (_, upgraded) => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    const since = lastSeq(world);
    let release!: () => void;
    world.twilio.addFault({
      product: 'flex-api',
      method: 'POST',
      path: '/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites',
      times: 1,
      until: new Promise<void>((r) => (release = r)),
    });
    const answered = (body: string) =>
      world.twilio.webhooks.some(
        (d) => d.params.ConversationSid === conversationSid && d.params.Body === body && d.status !== undefined,
      );
    try {
      world.opencx.ai.reply({ type: 'handoff', summary: 'Customer needs a human', sentiment: 'happy', language: 'de' });
      world.customerWrites(conversationSid, 'Mensch bitte');
      await world.until(() => invitesSince(since).length > 0, 'the transfer invite');
      if (upgraded) world.handoffOfAnEarlierVersion(conversationSid);
      // The customer writes again while Flex makes the invite: this Function finishes the handoff too.
      world.customerWrites(conversationSid, 'Hallo?');
      await world.until(() => answered('Hallo?'), 'the second message handled');
      // Completing the AI's task now would leave the conversation without any task.
      expect(world.task(taskSid).assignmentStatus).toBe('assigned');
    } finally {
      release();
    }
    await world.settle();

    expect(invitesSince(since)).toHaveLength(1);
    const notes = world
      .postedAsAi(conversationSid)
      .filter((m) => JSON.stringify(m.attributes).includes('handoff-note'));
    expect(notes).toHaveLength(1);
    const [transferred] = world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid);
    expect(transferred.attributes).toMatchObject({ handedOff: true, conversationSid });
    expect(['completed', 'wrapping']).toContain(world.task(taskSid).assignmentStatus);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
    await world.humanAgentAccepts(transferred.sid);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });
  });

  test("assigned to the AI, its reservation never completed: a human's accept of the transfer frees it", async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hallo');
    const ai = world.reservations(taskSid).find((r) => r.workerSid === world.aiWorkerSid && r.status === 'pending')!;
    await world.acceptReservation(taskSid, ai.sid);
    // Completing the AI's reservation fails in the handoff and again when the next message finishes it.
    world.twilio.addFault({
      method: 'POST',
      path: '/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}',
      status: 500,
    });
    try {
      await handOffNow(conversationSid);
      await world.customerSays(conversationSid, 'Hallo?');
      expect(world.task(taskSid).assignmentStatus).toBe('assigned');
      // Not finished: the next event tries again.
      expect(world.conversationRecord(conversationSid)?.handoff).not.toMatchObject({ routed: true });
    } finally {
      world.twilio.clearFaults();
    }

    const [transferred] = world.tasksOf(conversationSid).filter((t) => t.sid !== taskSid);
    await world.humanAgentAccepts(transferred.sid);

    expect(world.reservations(taskSid).find((r) => r.sid === ai.sid)?.status).toBe('completed');
    expect(['completed', 'wrapping']).toContain(world.task(taskSid).assignmentStatus);
    expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human', taskSid: transferred.sid });
  });
});

describe('AI reservation timeout', () => {
  let world: World;
  beforeAll(async () => {
    world = await World.start({ aiReservationTimeout: AI_TIMEOUT_SECONDS });
  });
  afterAll(() => world?.stop());

  test('the AI worker moved Offline by the timeout is put back to Available and keeps the conversation', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    const sessionId = world.sessionFor(conversationSid)!.id;
    const since = lastSeq(world);
    await world.advance((AI_TIMEOUT_SECONDS + 1) * 1000);

    const timeouts = world.twilio.webhooks.filter(
      (d) => d.params.EventType === 'reservation.timeout' && d.params.TaskSid === taskSid,
    );
    expect(timeouts).toHaveLength(1);
    const activityUpdates = world.twilio
      .calls({ product: 'taskrouter', method: 'POST', template: '/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}' })
      .filter((r) => r.seq > since && r.path.endsWith(`/Workers/${world.aiWorkerSid}`));
    expect(activityUpdates.length).toBeGreaterThanOrEqual(1);
    const worker = world.taskrouter.workspaces.get(world.workspaceSid)!.workers.get(world.aiWorkerSid)!;
    expect(world.taskrouter.workspaces.get(world.workspaceSid)!.activities.get(worker.activitySid)!.friendlyName).toBe(
      'Available',
    );
    expect(world.sessionFor(conversationSid)!.id).toBe(sessionId);
    expect(
      [...world.opencx.sessions.values()].filter((s) => s.custom_data?.flex_conversation_sid === conversationSid),
    ).toHaveLength(1);
  });

  test('when putting the AI worker back fails, a timer tries again and it is Available 15 s later', async () => {
    const { taskSid } = await world.customerStartsConversation('Hi');
    const activityOf = () => {
      const workspace = world.taskrouter.workspaces.get(world.workspaceSid)!;
      return workspace.activities.get(workspace.workers.get(world.aiWorkerSid)!.activitySid)!.friendlyName;
    };
    world.takeLogs();
    world.twilio.addFault({ method: 'POST', path: '/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}', status: 500 });
    try {
      await world.advance((AI_TIMEOUT_SECONDS + 1) * 1000);
    } finally {
      world.twilio.clearFaults();
    }
    const timeouts = world.takeLogs().filter((l) => l.event === 'reservation.timeout' && l.taskSid === taskSid);
    expect(timeouts.map((l) => l.outcome)).toEqual(['timer-armed']);
    expect(activityOf()).not.toBe('Available');

    await world.advance(16_000);
    expect(activityOf()).toBe('Available');
  });

  test('workflow.timeout closes the session', async () => {
    const { conversationSid, taskSid } = await world.customerStartsConversation('Hi');
    const sessionId = world.sessionFor(conversationSid)!.id;
    const params = {
      EventType: 'workflow.timeout',
      AccountSid: world.twilio.accountSid,
      WorkspaceSid: world.workspaceSid,
      TaskSid: taskSid,
      TaskAttributes: JSON.stringify(world.task(taskSid).attributes),
      Sid: 'EV' + '7'.repeat(32),
    };
    const delivery = await world.twilio.deliverWebhook('taskrouter', world.webhookUrl, params, 15000);
    expect(delivery.status).toBe(200);
    expect(world.opencx.sessions.get(sessionId)!.status).toBe('closed_resolved');
    expect(world.conversationRecord(conversationSid)).toBeUndefined();
  });
});
