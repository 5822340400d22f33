// The bridge declines an AI reservation (the AI is unavailable, the conversation is already with
// humans, the task is not a conversation). Whether or not TaskRouter offers a task again to a
// worker that rejected it (the rejectedWorkerNeverReoffered switch), the decline must not loop: the
// AI is offered the task a bounded number of times and the task reaches a human.
import { DECLINE_SUMMARIES } from '../../functions/bridge/decide';
import { CUSTOMER_HANDOFF_NOTE, World } from '../harness/world';
import { finishTest, postForm } from './helpers';

jest.setTimeout(120000);

/** Offers of one task to the AI: the first, and none after the decline. */
const MAX_AI_OFFERS = 1;

let world: World;

beforeAll(async () => {
  world = await World.start({ runtimeMode: 'warm' });
});
afterAll(() => world?.stop());

/** A queue of every worker, as Flex's "Everyone" is, one per test (TaskRouter refuses a name in use). */
let everyoneQueues = 0;
const everyoneQueue = (): string =>
  world.taskrouter.createTaskQueue(world.workspaceSid, {
    friendlyName: `Everyone ${++everyoneQueues}`,
    targetWorkers: '1==1',
  }).sid;

const aiOffers = (taskSid: string) => world.reservations(taskSid).filter((r) => r.workerSid === world.aiWorkerSid);
const humanOffers = (taskSid: string) =>
  world.reservations(taskSid).filter((r) => r.workerSid === world.humanWorkerSid);

async function createTask(attributes: Record<string, unknown>): Promise<string> {
  const task = await world.client.taskrouter.v1
    .workspaces(world.workspaceSid)
    .tasks.create({ workflowSid: world.workflowSid, taskChannel: 'chat', attributes: JSON.stringify(attributes) });
  await world.settle();
  return task.sid;
}

/** The AI's offers of the task were all declined, at most MAX_AI_OFFERS of them, and a human was offered it. */
function expectDeclinedOnceThenHumans(taskSid: string): void {
  const offers = aiOffers(taskSid);
  expect(offers.length).toBeGreaterThan(0);
  expect(offers.length).toBeLessThanOrEqual(MAX_AI_OFFERS);
  // Rejected by the bridge, or canceled by its attribute write (attributeUpdateCancelsReservation).
  expect(
    offers.every(
      (r) => r.status === (world.twilio.switches.attributeUpdateCancelsReservation ? 'canceled' : 'rejected'),
    ),
  ).toBe(true);
  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true });
  expect(humanOffers(taskSid).length).toBeGreaterThan(0);
}

// Only when the attribute write leaves the AI's reservation pending does the bridge reject it
// itself, which is when rejectedWorkerNeverReoffered can matter.
describe.each([
  { neverReoffered: true, updateCancels: false },
  { neverReoffered: false, updateCancels: false },
  { neverReoffered: true, updateCancels: true },
  { neverReoffered: false, updateCancels: true },
])(
  'rejectedWorkerNeverReoffered $neverReoffered, attributeUpdateCancelsReservation $updateCancels',
  ({ neverReoffered, updateCancels }) => {
    beforeAll(() => {
      Object.assign(world.twilio.switches, {
        rejectedWorkerNeverReoffered: neverReoffered,
        attributeUpdateCancelsReservation: updateCancels,
      });
    });
    beforeEach(() => world.humanAgentLogsIn());
    afterEach(() => {
      world.opencx.ai.reset();
      finishTest(world);
    });

    test('the AI is unavailable when the conversation starts: one offer to the AI, then humans', async () => {
      world.opencx.faults.add({ path: '/chat/sessions', method: 'POST', status: 500 });
      const { taskSid } = await world.customerStartsConversation('Hello?');

      expectDeclinedOnceThenHumans(taskSid);
      expect(world.task(taskSid).attributes).toMatchObject({ handoffReason: 'AI unavailable' });
    });

    test('a new task for a conversation already with humans: declined once, routed to humans', async () => {
      world.opencx.ai.reply('Hi!').reply({ type: 'handoff', summary: 'Needs a person', sentiment: 'neutral' });
      const { conversationSid, taskSid, interactionSid, channelSid } = await world.customerStartsConversation('Hi');
      await world.customerSays(conversationSid, 'A person please');
      await world.humanAgentAccepts(taskSid);
      expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });

      // E.g. the agent sends the conversation back to the queue: a new task, without the handoff attributes.
      const again = await createTask({
        channelType: 'web',
        conversationSid,
        flexInteractionSid: interactionSid,
        flexInteractionChannelSid: channelSid,
      });

      expectDeclinedOnceThenHumans(again);
      // Its agent reads the conversation's handoff, which the agent who took it has judged: not judged again.
      expect(world.task(again).attributes).toMatchObject({ handoffSummary: 'Needs a person', opencxDeclined: true });
      // The customer heard the handoff note once, at the first handoff.
      expect(world.transcript(conversationSid).filter((m) => m.body === CUSTOMER_HANDOFF_NOTE)).toHaveLength(1);
    });

    // Flex's default: "Assign to Anyone" sends chats to "Everyone" (1==1), the AI workers included.
    test('a chat the workflow routes to a queue of everyone: declined, routed to humans, no AI session', async () => {
      const workflow = world.client.taskrouter.v1.workspaces(world.workspaceSid).workflows(world.workflowSid);
      const configuration = (await workflow.fetch()).configuration;
      const everyone = everyoneQueue();
      const handedOff = { expression: 'handedOff == true', targets: [{ queue: world.humanQueueSid }] };
      await workflow.update({
        configuration: JSON.stringify({ task_routing: { filters: [handedOff], default_filter: { queue: everyone } } }),
      });
      try {
        // Away, so TaskRouter offers the chat to the AI worker first.
        await world.humanAgentLogsOut();
        const { conversationSid, taskSid } = await world.customerStartsConversation('Is anyone there?');
        await world.humanAgentLogsIn();

        expectDeclinedOnceThenHumans(taskSid);
        expect(aiOffers(taskSid)[0].taskQueueSid).toBe(everyone);
        expect(world.task(taskSid).attributes).toMatchObject({ handoffSummary: DECLINE_SUMMARIES.notAiQueue });
        expect(world.sessionFor(conversationSid)).toBeUndefined();
        expect(world.transcript(conversationSid).map((m) => m.body)).toEqual(['Is anyone there?']);
      } finally {
        await workflow.update({ configuration });
      }
    });

    test('a chat the workflow routes to the AI worker by name through a queue of everyone: engaged', async () => {
      const workflow = world.client.taskrouter.v1.workspaces(world.workspaceSid).workflows(world.workflowSid);
      const configuration = (await workflow.fetch()).configuration;
      const everyone = everyoneQueue();
      const handedOff = { expression: 'handedOff == true', targets: [{ queue: world.humanQueueSid }] };
      const toAi = {
        expression: "channelType == 'web'",
        targets: [{ queue: everyone, known_worker_sid: world.aiWorkerSid }],
      };
      await workflow.update({
        configuration: JSON.stringify({
          task_routing: { filters: [handedOff, toAi], default_filter: { queue: world.humanQueueSid } },
        }),
      });
      try {
        world.opencx.ai.reply('Hello from the AI');
        const { conversationSid, taskSid } = await world.customerStartsConversation('Hi there');

        expect(aiOffers(taskSid)[0].taskQueueSid).toBe(everyone);
        expect(world.sessionFor(conversationSid)).toBeDefined();
        expect(world.postedAsAi(conversationSid).map((m) => m.body)).toEqual(['Hello from the AI']);
        expect(world.task(taskSid).attributes.handedOff).toBeUndefined();
      } finally {
        await workflow.update({ configuration });
      }
    });

    test('a task that is not a conversation: declined once, routed to humans', async () => {
      const taskSid = await createTask({ channelType: 'web', name: 'callback request' });

      expectDeclinedOnceThenHumans(taskSid);
      // The agent's panel says why in their words; the technical reason stays in the logs.
      expect(world.task(taskSid).attributes).toMatchObject({
        handoffReason: 'AI cannot handle this task',
        handoffSummary: DECLINE_SUMMARIES.notAConversation,
        opencxDeclined: true,
      });
      // The AI never had it: there is no handoff of the AI's for the agent to judge (its panel asks for none).
      await world.humanAgentAccepts(taskSid);
      const verdict = await postForm(world.functions!.url, '/agent/handoff-verdict', {
        Token: world.iam.issueToken({
          identity: 'alice@example.com',
          roles: ['agent'],
          workerSid: world.humanWorkerSid,
        }),
        taskSid,
        needed: 'false',
        summaryRight: 'true',
      });
      expect(verdict.status).toBe(400);
      expect(verdict.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/declined/) });
      expect(world.task(taskSid).attributes).not.toHaveProperty('opencxVerdict');
    });
  },
);

// At-least-once delivery: the same offer twice at once. Both Functions read the task before either
// wrote; each decline stamped its own time, so the second saw another handoff and wrote it again.
test('a decline of an offer delivered twice at once writes one handoff', async () => {
  Object.assign(world.twilio.switches, {
    duplicateEvents: true,
    concurrentEvents: true,
    attributeUpdateCancelsReservation: false,
  });
  try {
    await world.humanAgentLogsIn();
    const taskSid = await createTask({ channelType: 'web', name: 'callback request' });

    expectDeclinedOnceThenHumans(taskSid);
    const history = world.task(taskSid).attributes.opencxHistory as { to: string }[];
    expect(history.filter((entry) => entry.to === 'human')).toHaveLength(1);
  } finally {
    Object.assign(world.twilio.switches, { duplicateEvents: false, concurrentEvents: false });
    finishTest(world);
  }
});

// Before Apply puts the workflow's `handedOff == true` filter first (the setup check reports it), a
// handed-off task still matches the AI's filter. A decline that rewrote the task's attributes routed
// it again, to the AI again: a loop of Function invocations under either setting. The decline of a
// handed-off task writes nothing, and a second offer to the AI is left to time out.
describe.each([true, false])(
  'with the handoff filter after the AI filter, rejectedWorkerNeverReoffered %s',
  (neverReoffered) => {
    test('a handed-off task is offered to the AI a bounded number of times', async () => {
      const misrouted = await World.start({
        runtimeMode: 'warm',
        handoffFilter: 'after-ai',
        switches: { rejectedWorkerNeverReoffered: neverReoffered, attributeUpdateCancelsReservation: false },
      });
      let settling: Promise<void> = Promise.resolve();
      try {
        misrouted.opencx.faults.add({ path: '/chat/sessions', method: 'POST', status: 500 });
        const { taskSid } = misrouted.flex.startInboundConversation({
          conversationsServiceSid: misrouted.conversationsServiceSid,
          workspaceSid: misrouted.workspaceSid,
          workflowSid: misrouted.workflowSid,
          from: 'customer-misrouted',
          body: 'Hello?',
          channelType: 'web',
        });
        const offers = () =>
          misrouted.reservations(taskSid).filter((r) => r.workerSid === misrouted.aiWorkerSid).length;
        // A loop never settles: watch the count instead, until it passes the bound or all is quiet.
        let settled: { error?: unknown } | undefined;
        settling = misrouted.settle().then(
          () => {
            settled = {};
          },
          (error: unknown) => {
            settled = { error };
          },
        );
        await misrouted.until(
          () => settled !== undefined || offers() > MAX_AI_OFFERS + 1,
          'the AI to be offered the task again, or the Functions to settle',
        );
        expect(offers()).toBeLessThanOrEqual(MAX_AI_OFFERS + 1);
        // Quiet, not a settle() that gave up on a run still busy.
        expect(settled?.error).toBeUndefined();
      } finally {
        // Settled by now unless it loops: then only the world's stop ends the settle, awaited before the next test.
        await misrouted.stop();
        await settling;
      }
    });
  },
);
