// An admin saves settings naming another TaskRouter workspace while the AI holds a conversation in the
// one it named before. That conversation's task stays where it began: the handoff reads and writes it
// there, its humans take it there, and an agent there cannot hand it back to an AI that no longer serves it.
import { AI_AUTHOR, CUSTOMER_HANDOFF_NOTE, World } from '../harness/world';
import { finishTest, postForm } from './helpers';

jest.setTimeout(120000);

let world: World;

beforeEach(async () => {
  world = await World.start();
});
afterEach(async () => {
  finishTest(world);
  await world?.stop();
});

/** Test & Save naming `workspaceSid`, confirmed as a live change. */
async function saveNaming(workspaceSid: string): Promise<void> {
  const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
  const saved = await postForm(world.functions!.url, '/admin/settings-save', {
    Token,
    workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    aiAuthorName: AI_AUTHOR,
    confirmChange: 'workspace',
  });
  expect(saved.status).toBe(200);
  await world.settle();
}

/** A conversation the AI engaged in the world's workspace, then settings naming a new one. */
async function engagedThenMoved(): Promise<{ conversationSid: string; taskSid: string; next: string }> {
  world.opencx.ai.setDefault('Hi! How can I help?');
  const { conversationSid, taskSid } = await world.customerStartsConversation('My parcel arrived broken');
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'ai', workspaceSid: world.workspaceSid });
  const next = world.taskrouter.createWorkspace({ friendlyName: 'Flex Task Assignment 2', multiTaskEnabled: true }).sid;
  await saveNaming(next);
  return { conversationSid, taskSid, next };
}

test('the AI hands off after the settings moved to another workspace: humans of its own workspace get it', async () => {
  const { conversationSid, taskSid, next } = await engagedThenMoved();
  world.opencx.ai.reply({ type: 'handoff', summary: 'Parcel damaged; wants a refund', sentiment: 'angry' });

  await world.customerSays(conversationSid, 'I want a human');

  expect(world.task(taskSid).attributes).toMatchObject({
    handedOff: true,
    handoffReason: 'AI requested human handoff',
    handoffSummary: 'Parcel damaged; wants a refund',
    handoffSentiment: 'negative',
    opencxSessionId: world.sessionFor(conversationSid)!.id,
  });
  // The AI's reservation rejected, the task re-routed to the human of the workspace it lives in.
  const reservations = world.reservations(taskSid);
  expect(reservations.filter((r) => r.status === 'pending').map((r) => r.workerSid)).toEqual([world.humanWorkerSid]);
  expect(world.postedAsAi(conversationSid).at(-1)!.body).toBe(CUSTOMER_HANDOFF_NOTE);
  expect(world.taskrouter.workspace(next).tasks.size).toBe(0);

  // Its workspace's events are still served for it: the human's accept is recorded.
  await world.humanAgentAccepts(taskSid);
  expect(world.conversationRecord(conversationSid)).toMatchObject({
    phase: 'human',
    taskSid,
    humanWorkerSid: world.humanWorkerSid,
  });
  const session = world.opencx.sessions.get(world.sessionFor(conversationSid)!.id)!;
  expect(session.custom_data).toMatchObject({ flex_agent_sid: world.humanWorkerSid });

  // The AI no longer serves that workspace: the agent is told so, and keeps the chat.
  const alice = world.iam.issueToken({
    identity: 'alice@example.com',
    roles: ['agent'],
    workerSid: world.humanWorkerSid,
  });
  const handBack = await postForm(world.functions!.url, '/agent/handback', { Token: alice, taskSid });
  expect(handBack.status).toBe(409);
  expect(handBack.body.error).toMatchObject({
    code: 'not_handed_off',
    message: expect.stringMatching(/no longer serves the TaskRouter workspace of this task/),
  });
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'human' });
  expect(world.task(taskSid).assignmentStatus).toBe('assigned');
});

test('OpenCX unavailable after the settings moved: the conversation goes to humans of its own workspace', async () => {
  const { conversationSid, taskSid } = await engagedThenMoved();
  world.opencx.faults.add({ path: /\/send$/, status: 503 });

  await world.customerSays(conversationSid, 'Can you reset my password?');

  expect(world.task(taskSid).attributes).toMatchObject({ handedOff: true, handoffReason: 'AI unavailable' });
  expect(world.reservations(taskSid).find((r) => r.status === 'pending')?.workerSid).toBe(world.humanWorkerSid);
  expect(world.postedAsAi(conversationSid).at(-1)!.body).toBe(CUSTOMER_HANDOFF_NOTE);
  expect(world.conversationRecord(conversationSid)).toMatchObject({ phase: 'handoff' });
});
