// The setup doctor and one-click setup, in twilio-run against the simulators: what an admin sees
// in the checks, what "Apply fixes" changes in TaskRouter and Conversations, and that the
// contact center then works. Each contact center is saved once through Test & Save, as an admin
// does before running the checks.
import { SUBSCRIBED_TASKROUTER_EVENTS } from '../../functions/bridge/events';
import { USAGE_MAP } from '../../functions/bridge/opencx-usage';
import { keyId } from '../../functions/common/opencx-rate-limit';
import {
  OPENCX_WEBHOOK_HEALTH_DOCUMENTS,
  OPENCX_WEBHOOK_REFUSED_DOCUMENT,
  webhookHealthNote,
} from '../../functions/common/config';
import { secretFingerprint } from '../../functions/common/opencx-signature';
import { everyObject, locationOf } from '../../functions/common/shards';
import {
  BRIDGE_EVENTS,
  CONVERSATION_FILTERS,
  OPENCX_WEBHOOK_SECRET,
  type World,
  type WorldOptions,
} from '../harness/world';
import { findSecrets } from '../harness/secret-scan';
import { AI_RESPONSE_EVENT } from '../simulators/opencx/opencx-simulator';
import { SIGNATURE_HEADER, signOpencxWebhook, TIMESTAMP_HEADER } from '../simulators/opencx/webhooks';
import {
  type FunctionAnswer,
  lastSeq,
  opencxDeliveriesFor,
  postForm,
  postSignedOpencx,
  postsButSetupLock,
  restCalls,
  withWorld,
} from './helpers';
import { pattern } from '../../functions/common/pattern.testing';
import { ALL_CHECKS, ALL_CHECKS_WITH_AI_QUEUE } from '../../functions/admin-lib/setup/check-ids.testing';

jest.setTimeout(60000);

const OTHER_URL = 'https://opencx-sandbox-1234.twil.io/webhook';
/** What the setup docs ask for: the AI keeps a conversation an hour before TaskRouter times its reservation out. */
const AI_RESERVATION_TIMEOUT = 3600;

type Endpoint = 'setup-check' | 'setup-apply' | 'settings-save' | 'settings-load';

function adminToken(world: World, roles = ['admin']): string {
  return world.iam.issueToken({ identity: roles.includes('admin') ? 'admin@example.com' : 'agent@example.com', roles });
}

async function call(
  world: World,
  endpoint: Endpoint,
  fields: Record<string, string | undefined> = {},
): Promise<FunctionAnswer> {
  return postForm(world.functions!.url, `/admin/${endpoint}`, { Token: adminToken(world), ...fields });
}

interface CheckView {
  id: string;
  status: string;
  title: string;
  detail: string;
  fix?: string;
  autoFixable: boolean;
  confirm?: string;
}

/** What the doctor shows an admin. */
async function checks(world: World, fields: Record<string, string> = {}): Promise<CheckView[]> {
  const answer = await call(world, 'setup-check', fields);
  expect(answer.status).toBe(200);
  expect(answer.body.ok).toBe(true);
  return answer.body.checks as CheckView[];
}

interface StepView {
  id: string;
  title: string;
  status: string;
  detail: string;
}

async function apply(
  world: World,
  fields: Record<string, string> = {},
): Promise<{ applied: string[]; steps: StepView[]; checks: CheckView[] }> {
  const answer = await call(world, 'setup-apply', fields);
  expect(answer.status).toBe(200);
  expect(answer.body.ok).toBe(true);
  return answer.body as { applied: string[]; steps: StepView[]; checks: CheckView[] };
}

/**
 * Test & Save with the contact center's own workspace and service (the saved token and AI worker
 * kept), and the webhook signing secret OpenCX signs with unless the admin copied another.
 */
async function adminSaves(world: World, opencxWebhookSecret = OPENCX_WEBHOOK_SECRET): Promise<void> {
  const answer = await call(world, 'settings-save', {
    workspaceSid: world.workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    opencxWebhookSecret,
  });
  expect(answer.status).toBe(200);
}

/** What the OpenCX webhook Function records when a signed OpenCX event arrives. */
async function signedOpenCxEventArrived(world: World, at: Date, event = 'conversation.ai_response'): Promise<void> {
  await noSignedOpenCxEvent(world);
  const data = webhookHealthNote(event, at, secretFingerprint(OPENCX_WEBHOOK_SECRET));
  await world.client.sync.v1
    .services(world.syncServiceSid)
    .documents.create({ uniqueName: locationOf(OPENCX_WEBHOOK_HEALTH_DOCUMENTS, event), data });
}

/** Removes every note the OpenCX webhook Function may have written: of accepted and of refused deliveries. */
async function noSignedOpenCxEvent(world: World): Promise<void> {
  const notes = [...everyObject(OPENCX_WEBHOOK_HEALTH_DOCUMENTS), OPENCX_WEBHOOK_REFUSED_DOCUMENT];
  const written = notes.filter((name) => world.sync.document(world.syncServiceSid, name));
  await Promise.all(
    written.map((name) => world.client.sync.v1.services(world.syncServiceSid).documents(name).remove()),
  );
}

const storedConfig = (world: World) =>
  world.sync.document(world.syncServiceSid, 'opencx_config')!.data as Record<string, unknown>;
/** This deployment's webhook as Test & Save and Apply register it: with the saved config version. */
const registered = (world: World): string => `${world.webhookUrl}?cv=${storedConfig(world).configVersion}`;
const timerWorkspace = (world: World) => world.taskrouter.workspace(String(storedConfig(world).timerWorkspaceSid));

const byId = (list: CheckView[], id: string): CheckView => list.find((c) => c.id === id)!;
const statuses = (list: CheckView[]): Record<string, string> => Object.fromEntries(list.map((c) => [c.id, c.status]));
const allOk = (ids: readonly string[] = ALL_CHECKS): Record<string, string> =>
  Object.fromEntries(ids.map((id) => [id, 'ok']));

const workspace = (world: World) => world.taskrouter.workspace(world.workspaceSid);
const conversationsWebhook = (world: World) =>
  world.conversations.services.get(world.conversationsServiceSid)!.webhooks;
const workflowFilters = (world: World) =>
  workspace(world).workflows.get(world.workflowSid)!.configuration.task_routing.filters;

/** Writes the setup Functions could make: workspace, workflow and Conversations webhook updates; not the lock. */
const setupWrites = (world: World, since: number): string[] =>
  postsButSetupLock(world, since).filter((c) => !c.startsWith('POST iam ') && !c.includes('/Tasks/'));

/** Apply when everything is already right: nothing applied, no write, every check ok. */
async function expectNothingToApply(
  world: World,
  fields: Record<string, string> = {},
  ids: readonly string[] = ALL_CHECKS,
): Promise<void> {
  const since = lastSeq(world);
  const result = await apply(world, fields);
  expect(result.applied).toEqual([]);
  expect(statuses(result.checks)).toEqual(allOk(ids));
  expect(setupWrites(world, since)).toEqual([]);
}

/** A World whose settings an admin saved (unless `configured: false`), with a signed OpenCX event arrived. */
const withSavedWorld = (options: WorldOptions): (() => World) =>
  withWorld(options, async (world) => {
    if (options.configured === false) return;
    await adminSaves(world);
    await signedOpenCxEventArrived(world, new Date());
  });

describe('a contact center set up by hand, as the setup docs say', () => {
  const world = withSavedWorld({ aiReservationTimeout: AI_RESERVATION_TIMEOUT });

  test('every check is ok and apply changes nothing', async () => {
    const list = await checks(world());
    expect(statuses(list)).toEqual(allOk());
    for (const check of list) {
      expect(check).toEqual({
        id: check.id,
        status: 'ok',
        title: expect.any(String),
        detail: expect.any(String),
        autoFixable: false,
      });
    }
    expect(byId(list, 'workspace_events').detail).toContain(world().webhookUrl);
    expect(byId(list, 'opencx_webhook').detail).toMatch(
      /^The last signed OpenCX event, conversation.ai_response, arrived at /,
    );
    expect(byId(list, 'timer_workspace').detail).toContain('60 s');
    await expectNothingToApply(world(), { humanQueueSid: world().humanQueueSid, replaceCallbackUrl: 'true' });
  });

  test('a saved AI queue is checked too', async () => {
    const saved = storedConfig(world());
    await world().saveConfig({ ...saved, aiQueueSid: world().aiQueueSid });
    try {
      expect(statuses(await checks(world()))).toEqual(allOk(ALL_CHECKS_WITH_AI_QUEUE));
      await world().saveConfig({ ...saved, aiQueueSid: 'WQ' + 'f'.repeat(32) });
      expect(byId(await checks(world()), 'ai_queue')).toMatchObject({
        status: 'problem',
        autoFixable: false,
        fix: expect.stringMatching(/pick an existing queue/),
      });
    } finally {
      await world().saveConfig(saved);
    }
  });

  test('an agent (not an admin) gets 403 forbidden from both Functions, and nothing is written', async () => {
    const since = lastSeq(world());
    for (const endpoint of ['setup-check', 'setup-apply'] as const) {
      const answer = await call(world(), endpoint, { Token: adminToken(world(), ['agent']) });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        ok: false,
        error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings' },
      });
    }
    expect(setupWrites(world(), since)).toEqual([]);
  });

  test('events sent to another URL: a problem apply fixes only when the admin confirms the replacement', async () => {
    await world()
      .client.taskrouter.v1.workspaces(world().workspaceSid)
      .update({ eventCallbackUrl: OTHER_URL, eventsFilter: `${BRIDGE_EVENTS},worker.activity.update` });

    const problem = byId(await checks(world()), 'workspace_events');
    expect(problem).toMatchObject({
      status: 'problem',
      autoFixable: true,
      confirm: 'replaceCallbackUrl',
      detail: expect.stringContaining(OTHER_URL),
      fix: expect.stringContaining(world().webhookUrl),
    });
    expect(problem.fix).not.toContain('?cv=');
    expect(problem.detail).toMatch(/another environment or org/);

    const unconfirmed = await apply(world());
    expect(unconfirmed.applied).toEqual([]);
    expect(byId(unconfirmed.checks, 'workspace_events')).toMatchObject({
      status: 'problem',
      confirm: 'replaceCallbackUrl',
    });
    expect(workspace(world()).eventCallbackUrl).toBe(OTHER_URL);

    const confirmed = await apply(world(), { replaceCallbackUrl: 'true' });
    expect(confirmed.applied).toEqual(['workspace_events']);
    expect(statuses(confirmed.checks)).toEqual(allOk());
    expect(workspace(world()).eventCallbackUrl).toBe(registered(world()));
    expect(workspace(world()).eventsFilter).toBe(`${BRIDGE_EVENTS},worker.activity.update`);
  });

  test("an EventsFilter without some needed events: apply adds them and keeps the admin's other events", async () => {
    await world()
      .client.taskrouter.v1.workspaces(world().workspaceSid)
      .update({ eventsFilter: 'worker.activity.update,task.created,task.updated' });

    expect(byId(await checks(world()), 'workspace_events')).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringContaining('reservation.created'),
    });
    const result = await apply(world());
    expect(result.applied).toEqual(['workspace_events']);
    expect(statuses(result.checks)).toEqual(allOk());
    const events = workspace(world()).eventsFilter!.split(',');
    expect(events.slice(0, 3)).toEqual(['worker.activity.update', 'task.created', 'task.updated']);
    expect(new Set(events)).toEqual(
      new Set(['worker.activity.update', 'task.updated', ...SUBSCRIBED_TASKROUTER_EVENTS]),
    );
    await world().client.taskrouter.v1.workspaces(world().workspaceSid).update({ eventsFilter: BRIDGE_EVENTS });
  });

  test('events an earlier version subscribed: a warning; apply unsubscribes them and keeps the rest', async () => {
    const webhooks = () =>
      world().client.conversations.v1.services(world().conversationsServiceSid).configuration.webhooks();
    const { postWebhookUrl, filters } = conversationsWebhook(world());
    await webhooks().update({ filters: ['onConversationAdded', ...filters, 'onParticipantAdded', 'onMessageRemoved'] });

    expect(byId(await checks(world()), 'conversations_webhook')).toMatchObject({
      status: 'warning',
      autoFixable: true,
      detail: expect.stringContaining('also onConversationAdded, onParticipantAdded, which this version ignores'),
    });
    const result = await apply(world());
    expect(result.applied).toEqual(['conversations_webhook']);
    expect(statuses(result.checks)).toEqual(allOk());
    expect(conversationsWebhook(world())).toMatchObject({
      postWebhookUrl,
      method: 'POST',
      filters: [...filters, 'onMessageRemoved'],
    });
    await webhooks().update({ filters });
  });

  test('OpenCX unreachable: the token check is a warning, not a failure', async () => {
    world().opencx.faults.add({ path: '/org', status: 503 });
    const list = await checks(world());
    expect(byId(list, 'opencx_token')).toMatchObject({ status: 'warning', autoFixable: false });
    expect(statuses(list)).toEqual({ ...allOk(), opencx_token: 'warning' });
  });

  /** The AI worker as an admin might leave it: Offline, its chat channel closed. */
  async function aiWorkerBroken(): Promise<void> {
    const api = world().client.taskrouter.v1.workspaces(world().workspaceSid).workers(world().aiWorkerSid);
    await api.update({ activitySid: world().taskrouter.findActivity(workspace(world()), 'Offline')!.sid });
    const chat = (await api.workerChannels.list()).find((channel) => channel.taskChannelUniqueName === 'chat')!;
    await api.workerChannels(chat.sid).update({ available: false });
  }
  const aiWorker = () => workspace(world()).workers.get(world().aiWorkerSid)!;
  const chatOf = () => [...aiWorker().channels.values()].find((channel) => channel.taskChannelUniqueName === 'chat')!;

  // A second Apply changes nothing.
  test('an AI worker offline with chat closed: the check names it, Apply makes it Available, chat open', async () => {
    await aiWorkerBroken();
    expect(byId(await checks(world()), 'ai_worker')).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/"Offline"/),
      fix: expect.stringMatching(/^Apply fixes: it sets "OpenCX AI" .* to Available\.$/),
    });
    const result = await apply(world());
    expect(result.applied).toEqual(['ai_worker']);
    expect(result.steps).toContainEqual({
      id: 'ai_worker',
      title: 'AI worker',
      status: 'applied',
      detail: expect.stringMatching(/made Available, chat and sms opened at their capacity/),
    });
    expect(statuses(result.checks)).toEqual(allOk());
    expect(world().taskrouter.findActivity(workspace(world()), 'Available')!.sid).toBe(aiWorker().activitySid);
    expect(chatOf()).toMatchObject({ available: true, capacity: 50 });
    await expectNothingToApply(world());
  });

  test('Test & Save repairs the AI worker too', async () => {
    await aiWorkerBroken();
    expect(byId(await checks(world()), 'ai_worker').status).toBe('problem');
    await adminSaves(world());
    expect(chatOf()).toMatchObject({ available: true, capacity: 50 });
    expect(statuses(await checks(world()))).toEqual(allOk());
  });

  test("a human queue not in the workspace, or the AI's, is refused before anything is written", async () => {
    const since = lastSeq(world());
    const unknown = 'WQ' + 'e'.repeat(32);
    const notFound = await call(world(), 'setup-apply', { humanQueueSid: unknown });
    expect(notFound.status).toBe(400);
    expect(notFound.body).toEqual({
      ok: false,
      error: {
        code: 'not_found',
        message: `Queue ${unknown} not found in workspace ${world().workspaceSid}`,
        field: 'humanQueueSid',
      },
    });
    const aiQueue = await call(world(), 'setup-apply', { humanQueueSid: world().aiQueueSid });
    expect(aiQueue.status).toBe(400);
    expect(aiQueue.body).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'humanQueueSid' } });
    const badShape = await call(world(), 'setup-apply', { workflowSid: 'WW123' });
    expect(badShape.status).toBe(400);
    expect(badShape.body).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'workflowSid' } });
    expect(setupWrites(world(), since)).toEqual([]);
  });
});

describe('a fresh contact center: no webhooks, no handedOff filter', () => {
  const world = withSavedWorld({
    webhooks: false,
    handoffFilter: 'missing',
    aiReservationTimeout: AI_RESERVATION_TIMEOUT,
  });

  test('the doctor names each problem with its fix (Test & Save pointed the timer workspace here)', async () => {
    const list = await checks(world());
    expect(statuses(list)).toEqual({
      ...allOk(),
      workspace_events: 'problem',
      conversations_webhook: 'problem',
      workflow_filters: 'problem',
    });
    expect(byId(list, 'conversations_webhook')).toEqual({
      id: 'conversations_webhook',
      title: 'Conversations webhook',
      status: 'problem',
      detail: expect.stringMatching(/customer messages never reach the AI.*most common setup mistake/),
      fix: `Apply fixes: it registers ${world().webhookUrl} on the Conversations service for onMessageAdded.`,
      autoFixable: true,
    });
    expect(byId(list, 'workspace_events')).toMatchObject({
      autoFixable: true,
      fix: expect.stringContaining(world().webhookUrl),
    });
    expect(byId(list, 'workflow_filters')).toMatchObject({
      autoFixable: true,
      detail: expect.stringMatching(/no handedOff == true filter/),
      fix: expect.stringMatching(/human agents' queue/),
    });
  });

  // The workflow's problem says it needs the human queue.
  test('apply without the human queue registers both webhooks, versioned; the workflow stays a problem', async () => {
    const result = await apply(world());
    expect(result.applied).toEqual(['workspace_events', 'conversations_webhook']);
    expect(statuses(result.checks)).toEqual({ ...allOk(), workflow_filters: 'problem' });
    expect(byId(result.checks, 'workflow_filters').fix).toMatch(/Choose your human agents' queue/);
    expect(registered(world())).toMatch(/\/webhook\?cv=[0-9a-z]+$/);
    expect(workspace(world())).toMatchObject({ eventCallbackUrl: registered(world()), eventsFilter: BRIDGE_EVENTS });
    expect(conversationsWebhook(world())).toMatchObject({
      postWebhookUrl: registered(world()),
      method: 'POST',
      filters: CONVERSATION_FILTERS,
    });
  });

  test('apply with the human queue adds the handedOff filter at the top; then every check is ok', async () => {
    const before = workflowFilters(world());
    const result = await apply(world(), { humanQueueSid: world().humanQueueSid });
    expect(result.applied).toEqual(['workflow_filters']);
    expect(statuses(result.checks)).toEqual(allOk());
    expect(workflowFilters(world())).toEqual([
      {
        filter_friendly_name: 'OpenCX: handed off to humans',
        expression: 'handedOff == true',
        targets: [{ queue: world().humanQueueSid }],
      },
      ...before,
    ]);
    expect(statuses(await checks(world()))).toEqual(allOk());
  });

  test('a second apply changes nothing: no write to the workspace, the webhooks or the workflow', async () => {
    await expectNothingToApply(world(), { humanQueueSid: world().humanQueueSid, replaceCallbackUrl: 'true' });
  });

  // The AI answers, and a handoff reaches the human queue.
  test('then a customer conversation works end to end through the versioned URLs', async () => {
    world().opencx.ai.reply('Hi! How can I help?');
    const { conversationSid, taskSid } = await world().customerStartsConversation('Hello');
    expect(
      world()
        .transcript(conversationSid)
        .map((m) => [m.author, m.body]),
    ).toContainEqual(['AI Support Agent', 'Hi! How can I help?']);

    world().opencx.ai.reply('Your order ships tomorrow.');
    await world().customerSays(conversationSid, 'Where is my order?');
    expect(
      world()
        .transcript(conversationSid)
        .map((m) => m.body),
    ).toContain('Your order ships tomorrow.');

    world().opencx.ai.reply({ type: 'handoff', summary: 'Wants a human', sentiment: 'neutral' });
    await world().customerSays(conversationSid, 'I want to talk to a human');
    expect(world().task(taskSid).attributes).toMatchObject({ handedOff: true });
    const human = world()
      .reservations(taskSid)
      .find((r) => r.workerSid === world().humanWorkerSid);
    expect(human?.taskQueueSid).toBe(world().humanQueueSid);
  });
});

// Conversations has one Method for the pre-event and the post-event webhook.
describe('a Conversations service whose pre-event webhook is called with GET', () => {
  const world = withSavedWorld({ webhooks: false, aiReservationTimeout: AI_RESERVATION_TIMEOUT });
  const PRE = 'https://moderation.example.com/pre-event';
  const setWebhooks = (update: { preWebhookUrl?: string; method: string }) =>
    world().client.conversations.v1.services(world().conversationsServiceSid).configuration.webhooks().update(update);

  test('the check explains it; Apply leaves the shared Method to the admin, registers once it is POST', async () => {
    await setWebhooks({ preWebhookUrl: PRE, method: 'GET' });
    expect(byId(await checks(world()), 'conversations_webhook')).toMatchObject({
      status: 'problem',
      autoFixable: false,
      detail: expect.stringMatching(
        new RegExp(`^The Conversations service has no post-event webhook.*share one Method, GET, .*${PRE}`),
      ),
      fix: expect.stringMatching(/^If .* accepts POST, set the webhooks' Method to POST .* then apply setup\.$/),
    });

    const refused = await apply(world(), { replaceCallbackUrl: 'true' });
    expect(refused.steps.find((step) => step.id === 'conversations_webhook')).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/^Not written\. .*pre-event webhook .*Method to POST/),
    });
    expect(refused.applied).not.toContain('conversations_webhook');
    expect(conversationsWebhook(world())).toMatchObject({ preWebhookUrl: PRE, method: 'GET', postWebhookUrl: null });

    // The admin checked that the pre-event webhook takes POST, and switched it.
    await setWebhooks({ method: 'POST' });
    const applied = await apply(world());
    expect(applied.applied).toContain('conversations_webhook');
    expect(conversationsWebhook(world())).toMatchObject({
      preWebhookUrl: PRE,
      method: 'POST',
      postWebhookUrl: registered(world()),
    });
    expect(byId(applied.checks, 'conversations_webhook').status).toBe('ok');
  });
});

describe("no AI queue and no AI filter: the handedOff filter alone, among the customer's own filters", () => {
  const world = withSavedWorld({ aiQueue: false, aiReservationTimeout: AI_RESERVATION_TIMEOUT });
  const voice = () => ({
    filter_friendly_name: 'Voice',
    expression: "channelType == 'voice'",
    targets: [{ queue: world().humanQueueSid, priority: 5 }],
  });
  const vip = () => ({
    filter_friendly_name: 'VIP callers',
    expression: 'customer.tier == "gold"',
    targets: [{ queue: world().humanQueueSid, priority: 10 }],
  });
  const handedOff = () => ({
    filter_friendly_name: 'Handed off to humans',
    expression: 'handedOff == true',
    targets: [{ queue: world().humanQueueSid }],
  });
  const aiQueues = () =>
    [...workspace(world()).taskQueues.values()].filter((queue) => queue.friendlyName === 'OpenCX AI');

  beforeAll(async () => {
    const configuration = {
      task_routing: { filters: [voice(), handedOff(), vip()], default_filter: { queue: world().humanQueueSid } },
    };
    await world()
      .client.taskrouter.v1.workspaces(world().workspaceSid)
      .workflows(world().workflowSid)
      .update({ configuration: JSON.stringify(configuration) });
  });

  test('the check names it: a problem Apply fixes, creating the AI queue and AI filter below handedOff', async () => {
    const list = await checks(world());
    expect(statuses(list)).toEqual({ ...allOk(), workflow_filters: 'problem' });
    expect(byId(list, 'workflow_filters')).toMatchObject({
      autoFixable: true,
      detail: expect.stringMatching(
        /No filter of Workflow "Assign to Anyone" .* routes to the AI .*never offered a task/,
      ),
      fix: expect.stringMatching(
        pattern(
          /^Apply fixes: it adds the filter "OpenCX: AI agent" \(channelType IN \[.*'web'.*\] → /,
          /a new queue "OpenCX AI" whose Target Workers are the AI workers .* just below "Handed off to humans"\.$/,
        ),
      ),
    });
  });

  test("Apply creates the queue, then the AI filter below the handedOff one; the customer's filters stay", async () => {
    const result = await apply(world());
    expect(result.applied).toEqual(['ai_queue', 'workflow_filters']);
    expect(aiQueues()).toHaveLength(1);
    const [queue] = aiQueues();
    expect(queue.targetWorkers).toBe("opencx_ai == true AND routing.skills HAS 'opencx_ai'");
    expect(result.steps.filter((step) => ['ai_worker', 'ai_queue', 'workflow_filters'].includes(step.id))).toEqual([
      {
        id: 'ai_queue',
        title: 'AI queue',
        status: 'applied',
        detail: expect.stringMatching(/^Created the queue "OpenCX AI"/),
      },
      { id: 'ai_worker', title: 'AI worker', status: 'unchanged', detail: expect.any(String) },
      {
        id: 'workflow_filters',
        title: 'Workflow filters',
        status: 'applied',
        detail: expect.stringContaining(`added "OpenCX: AI agent"`),
      },
    ]);
    const ai = {
      filter_friendly_name: 'OpenCX: AI agent',
      expression: "channelType IN ['web', 'chat', 'sms', 'whatsapp', 'messenger', 'instagram']",
      targets: [{ queue: queue.sid }],
    };
    expect(workflowFilters(world())).toEqual([voice(), handedOff(), ai, vip()]);
    // Recorded, so Uninstall deletes this queue and never one of the admin's.
    expect(storedConfig(world())).toMatchObject({ aiQueueSid: queue.sid, aiQueueCreatedSid: queue.sid });
    expect(statuses(result.checks)).toEqual(allOk(ALL_CHECKS_WITH_AI_QUEUE));
  });

  test('a second Apply changes nothing, and Test & Save keeps the record of the queue Apply created', async () => {
    await expectNothingToApply(world(), { humanQueueSid: world().humanQueueSid }, ALL_CHECKS_WITH_AI_QUEUE);
    expect(aiQueues()).toHaveLength(1);
    await adminSaves(world());
    expect(storedConfig(world()).aiQueueCreatedSid).toBe(aiQueues()[0].sid);
  });

  test('a customer conversation is then offered to the AI through the new queue, and answered', async () => {
    world().opencx.ai.reply('Hi! How can I help?');
    const { conversationSid, taskSid } = await world().customerStartsConversation('Hello');
    expect(
      world()
        .transcript(conversationSid)
        .map((m) => [m.author, m.body]),
    ).toContainEqual(['AI Support Agent', 'Hi! How can I help?']);
    expect(world().reservations(taskSid)[0]).toMatchObject({
      workerSid: world().aiWorkerSid,
      taskQueueSid: aiQueues()[0].sid,
    });
  });
});

describe('a workflow whose AI filter comes before the handedOff filter', () => {
  const world = withSavedWorld({ handoffFilter: 'after-ai', aiReservationTimeout: AI_RESERVATION_TIMEOUT });

  test('the doctor explains the order; apply moves the handedOff filter up, then every check is ok', async () => {
    const [ai, handedOff] = workflowFilters(world());
    expect(byId(await checks(world()), 'workflow_filters')).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/"OpenCX AI" comes before "Handed off to humans".*first match wins/),
      fix: 'Apply fixes: it moves "Handed off to humans" above "OpenCX AI".',
    });

    const result = await apply(world());
    expect(result.applied).toEqual(['workflow_filters']);
    expect(statuses(result.checks)).toEqual(allOk());
    expect(workflowFilters(world())).toEqual([handedOff, ai]);
    await expectNothingToApply(world());
  });
});

describe("TaskRouter settings the admin decides: the AI's reservation timeout and the human queue", () => {
  // TaskRouter's default reservation timeout (120 s); the human queue is "role == 'agent'".
  const world = withSavedWorld({});
  const workflows = () => world().client.taskrouter.v1.workspaces(world().workspaceSid).workflows(world().workflowSid);
  const humanQueue = () =>
    world().client.taskrouter.v1.workspaces(world().workspaceSid).taskQueues(world().humanQueueSid);

  // A longer one on the workflow is ok; a short AI target timeout warns again.
  test('the default 120 s reservation timeout is a warning apply leaves alone', async () => {
    const list = await checks(world());
    expect(statuses(list)).toEqual({ ...allOk(), ai_reservation_timeout: 'warning' });
    expect(byId(list, 'ai_reservation_timeout')).toEqual({
      id: 'ai_reservation_timeout',
      title: 'AI reservation timeout',
      status: 'warning',
      detail: expect.stringMatching(
        /Workflow "Assign to Anyone" .* times a reservation out after 120 s .*the bridge never accepts it/,
      ),
      fix:
        'In TaskRouter → Workflows → "Assign to Anyone", set Task Reservation ' +
        'Timeout to 3600 s (longer than your AI conversations).',
      autoFixable: false,
    });

    const since = lastSeq(world());
    const result = await apply(world(), { humanQueueSid: world().humanQueueSid, replaceCallbackUrl: 'true' });
    expect(result.applied).toEqual([]);
    expect(byId(result.checks, 'ai_reservation_timeout').status).toBe('warning');
    expect(setupWrites(world(), since)).toEqual([]);

    await workflows().update({ taskReservationTimeout: AI_RESERVATION_TIMEOUT });
    expect(byId(await checks(world()), 'ai_reservation_timeout')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('3600 s'),
    });

    const [handedOff, ai] = workflowFilters(world());
    const configuration = (aiTimeout: number | undefined) =>
      JSON.stringify({
        task_routing: {
          filters: [handedOff, { ...ai, targets: [{ ...ai.targets[0], timeout: aiTimeout }] }],
          default_filter: { queue: world().humanQueueSid },
        },
      });
    await workflows().update({ configuration: configuration(300) });
    try {
      expect(byId(await checks(world()), 'ai_reservation_timeout')).toMatchObject({
        status: 'warning',
        detail: expect.stringMatching(/AI's target in "OpenCX AI" has a timeout of 300 s/),
        fix: expect.stringMatching(/raise the timeout of the AI's target in "OpenCX AI" to 3600 s, or remove it/),
      });
      await workflows().update({ configuration: configuration(AI_RESERVATION_TIMEOUT) });
      expect(statuses(await checks(world()))).toEqual(allOk());
    } finally {
      await workflows().update({ configuration: configuration(undefined), taskReservationTimeout: 120 });
    }
  });

  // Handed-off tasks would be offered back to the AI worker.
  test('a human queue whose Target Workers match everyone is a problem apply leaves alone', async () => {
    await humanQueue().update({ targetWorkers: '1==1' });
    try {
      const problem = byId(await checks(world()), 'ai_worker_queues');
      expect(problem).toEqual({
        id: 'ai_worker_queues',
        title: 'AI worker out of the human queues',
        status: 'problem',
        detail: expect.stringMatching(
          pattern(
            /^Handed-off tasks would be offered back to the AI worker: /,
            /.*"Handed off to humans" targets queue "Support" .*"1==1" matches every worker/,
          ),
        ),
        fix: expect.stringMatching(
          /"Support", set Target Workers .*routing\.skills HAS 'support'.*not opencx_ai != true/,
        ),
        autoFixable: false,
      });

      // Nor is the queue taken as the human queue: Apply says why, before writing anything.
      const since = lastSeq(world());
      const refused = await call(world(), 'setup-apply', { humanQueueSid: world().humanQueueSid });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        ok: false,
        error: {
          code: 'invalid_input',
          message: expect.stringMatching(
            /^Queue "Support" \(WQ\w+\) has Target Workers "1==1", which the AI workers match: TaskRouter would offer/,
          ),
          field: 'humanQueueSid',
        },
      });
      const result = await apply(world());
      expect(result.applied).toEqual([]);
      expect(byId(result.checks, 'ai_worker_queues').status).toBe('problem');
      expect(setupWrites(world(), since)).toEqual([]);

      // The fix the check suggests (once the agents have the skill "support").
      await humanQueue().update({ targetWorkers: "routing.skills HAS 'support'" });
      expect(byId(await checks(world()), 'ai_worker_queues')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/leave the AI worker out/),
      });
    } finally {
      await humanQueue().update({ targetWorkers: "role == 'agent'" });
    }
    expect(byId(await checks(world()), 'ai_worker_queues').status).toBe('ok');
  });
});

describe("the watchdog's timer workspace and the config version on the URLs", () => {
  const world = withSavedWorld({ aiReservationTimeout: AI_RESERVATION_TIMEOUT });
  const timers = () => world().client.taskrouter.v1.workspaces(String(storedConfig(world()).timerWorkspaceSid));

  test('Test & Save pointed the timer workspace and both webhooks here, versioned: every check is ok', async () => {
    expect(timerWorkspace(world())).toMatchObject({
      friendlyName: 'OpenCX timers',
      eventCallbackUrl: registered(world()),
      eventsFilter: 'task.canceled',
    });
    expect(workspace(world()).eventCallbackUrl).toBe(registered(world()));
    expect(conversationsWebhook(world()).postWebhookUrl).toBe(registered(world()));
    expect(statuses(await checks(world()))).toEqual(allOk());
  });

  test('a timer workspace that sends its events nowhere, or not task.canceled, is a problem apply fixes', async () => {
    await timers().update({ eventCallbackUrl: '' });
    expect(byId(await checks(world()), 'timer_workspace')).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/sends its events nowhere, so a slow AI answer is never timed out/),
    });
    await timers().update({ eventCallbackUrl: registered(world()), eventsFilter: 'task.created' });
    expect(byId(await checks(world()), 'timer_workspace')).toMatchObject({
      status: 'problem',
      autoFixable: true,
      detail: expect.stringMatching(/does not send task.canceled/),
    });
    await timers().update({ eventCallbackUrl: '', eventsFilter: '' });

    const result = await apply(world());
    expect(result.applied).toEqual(['timer_workspace']);
    expect(statuses(result.checks)).toEqual(allOk());
    expect(timerWorkspace(world())).toMatchObject({
      eventCallbackUrl: registered(world()),
      eventsFilter: 'task.canceled',
    });
    await expectNothingToApply(world());
  });

  test('URLs here with an old config version are warnings; apply registers the current one on all three', async () => {
    const old = `${world().webhookUrl}?cv=old1`;
    await world().client.taskrouter.v1.workspaces(world().workspaceSid).update({ eventCallbackUrl: old });
    await world()
      .client.conversations.v1.services(world().conversationsServiceSid)
      .configuration.webhooks()
      .update({ postWebhookUrl: old });
    await timers().update({ eventCallbackUrl: old });

    const list = await checks(world());
    expect(statuses(list)).toEqual({
      ...allOk(),
      workspace_events: 'warning',
      conversations_webhook: 'warning',
      timer_workspace: 'warning',
    });
    expect(byId(list, 'conversations_webhook')).toMatchObject({
      autoFixable: true,
      detail: expect.stringMatching(/carries settings version old1 and the last save is settings version/),
      fix: 'Apply fixes: it registers the URL again with the current settings version.',
    });

    const result = await apply(world());
    expect(result.applied).toEqual(['workspace_events', 'conversations_webhook', 'timer_workspace']);
    expect(statuses(result.checks)).toEqual(allOk());
    expect([
      workspace(world()).eventCallbackUrl,
      conversationsWebhook(world()).postWebhookUrl,
      timerWorkspace(world()).eventCallbackUrl,
    ]).toEqual(Array(3).fill(registered(world())));
    expect(workspace(world()).eventsFilter).toBe(BRIDGE_EVENTS);
    expect(conversationsWebhook(world()).filters).toEqual(CONVERSATION_FILTERS);
  });

  test('a timer workspace deleted by hand: a problem only Test & Save fixes, and it does', async () => {
    const deleted = String(storedConfig(world()).timerWorkspaceSid);
    world().taskrouter.deleteWorkspace(deleted);
    const problem = byId(await checks(world()), 'timer_workspace');
    expect(problem).toEqual({
      id: 'timer_workspace',
      title: 'AI answer timer',
      status: 'problem',
      detail:
        `The timer workspace ${deleted} saved in the settings is not in this Twilio account, so a slow AI answer ` +
        'is never timed out: the conversation waits until the customer writes again.',
      fix:
        'Open the OpenCX settings and click Test & Save: ' +
        'it creates the "OpenCX timers" workspace, queue and workflow.',
      autoFixable: false,
    });
    const since = lastSeq(world());
    expect((await apply(world())).applied).toEqual([]);
    expect(setupWrites(world(), since)).toEqual([]);

    await adminSaves(world());
    expect(storedConfig(world()).timerWorkspaceSid).not.toBe(deleted);
    expect(timerWorkspace(world())).toMatchObject({
      friendlyName: 'OpenCX timers',
      eventCallbackUrl: registered(world()),
      eventsFilter: 'task.canceled',
    });
    expect(statuses(await checks(world()))).toEqual(allOk());
  });
});

describe("OpenCX's webhooks", () => {
  const world = withSavedWorld({ aiReservationTimeout: AI_RESERVATION_TIMEOUT });
  const opencxWebhookUrl = () => `${world().functions!.url}/opencx-webhook`;

  test('without a signing secret: a problem saying where to add the OpenCX webhook and paste its secret', async () => {
    const saved = storedConfig(world());
    // undefined overrides the world's default secret; Sync stores no such field.
    await world().saveConfig({ ...saved, opencxWebhookSecret: undefined });
    try {
      expect(byId(await checks(world()), 'opencx_webhook')).toEqual({
        id: 'opencx_webhook',
        title: 'OpenCX webhook',
        status: 'problem',
        detail: expect.stringMatching(
          /^No OpenCX webhook signing secret is saved, so this deployment refuses every OpenCX webhook/,
        ),
        fix:
          `In OpenCX → Settings → Integrations → Webhooks, add ${opencxWebhookUrl()} with the events ` +
          'conversation.ai_response, conversation.handoff_to_human, then paste its signing secret in the OpenCX ' +
          'settings and click Test & Save.',
        autoFixable: false,
      });
    } finally {
      await world().saveConfig(saved);
    }
  });

  test('no signed event in the last 24 hours is a warning; a recent one is ok and named', async () => {
    const dayAndAMinuteAgo = new Date(Date.now() - (24 * 60 + 1) * 60 * 1000);
    await signedOpenCxEventArrived(world(), dayAndAMinuteAgo, 'conversation.handoff_to_human');
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'warning',
      autoFixable: false,
      detail:
        'The last signed OpenCX event (conversation.handoff_to_human) ' +
        `arrived at ${dayAndAMinuteAgo.toISOString()}, none in the last 24 hours: ` +
        'OpenCX may not be sending its webhooks here, or may sign them with another secret ' +
        '(or the AI has answered nobody since).',
      fix: expect.stringContaining(
        `add ${opencxWebhookUrl()} with the events conversation.ai_response, conversation.handoff_to_human`,
      ),
    });

    const justNow = new Date();
    await signedOpenCxEventArrived(world(), justNow, 'conversation.ai_response');
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'ok',
      detail: `The last signed OpenCX event, conversation.ai_response, arrived at ${justNow.toISOString()}.`,
    });
  });

  test("the share of OpenCX's 429s the Functions counted: a warning per key, a problem when high", async () => {
    await world().client.sync.v1.services(world().syncServiceSid).syncMaps.create({ uniqueName: USAGE_MAP });
    const items = world().client.sync.v1.services(world().syncServiceSid).syncMaps(USAGE_MAP).syncMapItems;
    const token = String(storedConfig(world()).opencxToken);
    // What a Functions container writes at most once a minute (bridge/opencx-usage.ts).
    await items.create({
      key: `${Date.now().toString(36)}_a`,
      data: { at: new Date().toISOString(), keys: { [keyId(token)]: { requests: 200, limited: 4 } } },
    });
    expect(byId(await checks(world()), 'opencx_rate_limit')).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining(`${token.slice(-4)}: 4 of 200 (2 %)`),
    });

    await items.create({
      key: `${Date.now().toString(36)}_b`,
      data: { at: new Date().toISOString(), keys: { [keyId(token)]: { requests: 20, limited: 20 } } },
    });
    expect(byId(await checks(world()), 'opencx_rate_limit')).toMatchObject({
      status: 'problem',
      fix: expect.stringMatching(/Add another API key/),
    });
  });

  test("a signing secret copied wrong: OpenCX's deliveries are refused, and the check says so till fixed", async () => {
    const wrongSecret = 'whsec_copied_wrong_from_opencx';
    await noSignedOpenCxEvent(world());
    const { conversationSid } = await world().customerStartsConversation('Hello');
    const attempts = () => opencxDeliveriesFor(world(), conversationSid, AI_RESPONSE_EVENT).flatMap((d) => d.attempts);
    expect(attempts().map((a) => a.status)).toEqual([200]);
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');

    // Nothing was verified with the new secret yet: the earlier delivery no longer counts.
    await adminSaves(world(), wrongSecret);
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^No signed OpenCX event has arrived yet/),
    });

    await world().customerSays(conversationSid, 'Where is my parcel?');
    expect(attempts().map((a) => a.status)).toEqual([200, 401]);
    const refused = await checks(world());
    expect(byId(refused, 'opencx_webhook')).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(
        pattern(
          /^OpenCX's webhook deliveries are being refused: one at \S+ \(signature does not match\), /,
          /and none signed with the saved secret was accepted\./,
        ),
      ),
      fix:
        "The signing secret in the settings does not match OpenCX's (OpenCX → Settings → Integrations → " +
        'Webhooks): copy it again, paste it in the OpenCX settings and click Test & Save.',
    });
    const texts: [string, string][] = [
      ['the checks', JSON.stringify(refused)],
      ['the Functions output', world().functions!.takeOutput()],
      ['the deliveries', JSON.stringify(attempts().map((a) => [a.responseHeaders, a.responseBody]))],
    ];
    expect(findSecrets({ 'saved secret': wrongSecret, "OpenCX's secret": OPENCX_WEBHOOK_SECRET }, texts)).toEqual([]);

    // OpenCX's secret saved again: the refusal was the wrong secret's, the earlier delivery counts again.
    await adminSaves(world());
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');
  });

  test('requests that are no OpenCX answer or handoff are refused without turning the check red', async () => {
    const { conversationSid } = await world().customerStartsConversation('Hello');
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');
    const post = (body: unknown) =>
      fetch(world().opencxWebhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((answer) => answer.status);

    // A scanner's requests.
    for (const body of [{}, { hello: 'world' }, { event: 'ping' }]) expect(await post(body)).toBe(401);
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');

    // What OpenCX sends without the secret: an unsigned AI answer.
    const sessionId = world().sessionFor(conversationSid)!.id;
    const answer = { event: AI_RESPONSE_EVENT, data: { conversation_id: sessionId, message: { content: 'Hi' } } };
    expect(await post(answer)).toBe(401);
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('problem');

    // OpenCX's next signed delivery clears it.
    await world().customerSays(conversationSid, 'Thanks');
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');
  });

  test('a delivery the saved secret signed over 5 minutes ago: the check names its timestamp', async () => {
    const { conversationSid } = await world().customerStartsConversation('Hello');
    const sessionId = world().sessionFor(conversationSid)!.id;
    const rawBody = JSON.stringify({
      event: AI_RESPONSE_EVENT,
      data: { conversation_id: sessionId, message: { id: 'm-late', content: 'Hi' } },
    });
    const signedAt = Math.floor(Date.now() / 1000) - 600;
    const answer = await fetch(world().opencxWebhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signOpencxWebhook(OPENCX_WEBHOOK_SECRET, rawBody, signedAt),
        [TIMESTAMP_HEADER]: String(signedAt),
      },
      body: rawBody,
    });
    expect(answer.status).toBe(401);
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/being refused: one at \S+ \(stale: signed more than 5 minutes away from now\)/),
      fix: expect.stringMatching(
        /^The delivery carries the saved secret's signature, but was signed more than 5 minutes/,
      ),
    });

    // OpenCX's next delivery, signed now, clears it.
    await world().customerSays(conversationSid, 'Thanks');
    expect(byId(await checks(world()), 'opencx_webhook').status).toBe('ok');
  });

  test('no signed event ever: a warning', async () => {
    await noSignedOpenCxEvent(world());
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^No signed OpenCX event has arrived yet/),
    });
  });

  test('a webhook subscribed to events the bridge does not act on only: still a warning', async () => {
    await noSignedOpenCxEvent(world());
    const { conversationSid } = await world().customerStartsConversation('Hello');
    await noSignedOpenCxEvent(world());
    const sessionId = world().sessionFor(conversationSid)!.id;
    const started = JSON.stringify({ event: 'conversation.started', data: { conversation_id: sessionId } });
    const answer = await postSignedOpencx(world(), started, OPENCX_WEBHOOK_SECRET);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ outcome: 'ignored' });
    expect(byId(await checks(world()), 'opencx_webhook')).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/^No signed OpenCX event has arrived yet \(an AI answer or a handoff/),
    });
  });
});

describe("the workflow and the Conversations service Flex uses, from the account's own configuration", () => {
  // The workspace's tasks go through "Inbound messaging"; "Assign to Anyone" and "Voice" are there too.
  const world = withSavedWorld({
    aiReservationTimeout: AI_RESERVATION_TIMEOUT,
    workflowName: 'Inbound messaging',
    handoffFilter: 'missing',
  });
  let anyone = '';
  let voice = '';
  const configurationOf = (sid: string): string => JSON.stringify(workspace(world()).workflows.get(sid)!.configuration);
  const save = (fields: Record<string, string> = {}) =>
    call(world(), 'settings-save', { workspaceSid: world().workspaceSid, ...fields });

  beforeAll(() => {
    anyone = world().addWorkflow('Assign to Anyone');
    voice = world().addWorkflow('Voice');
  });

  test("with several workflows, the check looks at the one Flex's configuration names, and says so", async () => {
    const filters = byId(await checks(world()), 'workflow_filters');
    expect(filters.status).toBe('problem');
    expect(filters.detail).toBe(
      `Workflow "Inbound messaging" (${world().workflowSid}): ` +
        "Flex's configuration names it as its target workflow (taskrouter_target_workflow_sid). " +
        `Workflow "Inbound messaging" (${world().workflowSid}) ` +
        'has no handedOff == true filter, so a task the AI hands off has nowhere to go.',
    );
  });

  // Not "Assign to Anyone": the flow's Send to Flex on the address names another workflow.
  test("a Studio flow's Send to Flex outweighs Flex's target workflow; Apply changes that one", async () => {
    world().flexTargetsWorkflow(anyone);
    const { flowSid } = world().addressRoutesThroughStudio('+15005550006', [world().workflowSid]);
    const filters = byId(await checks(world()), 'workflow_filters');
    expect(filters.detail).toContain(
      `Workflow "Inbound messaging" (${world().workflowSid}): ` +
        `Send to Flex "send_to_flex_1" in Studio flow "Inbound +15005550006" (${flowSid}) ` +
        `for address +15005550006 routes to it. Flex's configuration names "Assign to Anyone" (${anyone}) ` +
        'as its target workflow, but messaging does not go there.',
    );
    const before = { anyone: configurationOf(anyone), voice: configurationOf(voice) };

    const result = await apply(world(), { humanQueueSid: world().humanQueueSid });
    expect(result.applied).toEqual(['workflow_filters']);
    expect(workflowFilters(world())[0]).toMatchObject({
      expression: 'handedOff == true',
      targets: [{ queue: world().humanQueueSid }],
    });
    expect({ anyone: configurationOf(anyone), voice: configurationOf(voice) }).toEqual(before);
    expect(byId(result.checks, 'workflow_filters').status).toBe('ok');
  });

  test('conflicting evidence is a problem naming each workflow and its source; nothing is guessed', async () => {
    world().addressRoutesThroughStudio('+15005550007', [voice]);
    const list = await checks(world());
    const filters = byId(list, 'workflow_filters');
    expect(filters.status).toBe('problem');
    expect(filters.detail).toMatch(
      pattern(
        /unclear which one routes your inbound conversations\. Flex's messaging goes to 2 workflows: /,
        /"Inbound messaging" .*\+15005550006.*; "Voice" .*\+15005550007/,
      ),
    );
    expect(filters.fix).toContain('OpenCX settings');
    expect(list.map((c) => c.id)).not.toContain('ai_reservation_timeout');
  });

  test("the admin's saved workflow wins over the account's evidence, the setup form's over both", async () => {
    const missing = await save({ workflowSid: 'WW' + 'e'.repeat(32) });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'not_found', field: 'workflowSid' });

    expect((await save({ workflowSid: voice })).status).toBe(200);
    expect(storedConfig(world()).workflowSid).toBe(voice);
    expect(byId(await checks(world()), 'workflow_filters').detail).toMatch(
      new RegExp(`^Workflow "Voice" \\(${voice}\\): It is the workflow chosen in the OpenCX settings\\.`),
    );
    expect(byId(await checks(world(), { workflowSid: world().workflowSid }), 'workflow_filters').detail).toMatch(
      /^Workflow "Inbound messaging" .*: It is the workflow named in the setup form\./,
    );

    const loaded = await call(world(), 'settings-load');
    expect(loaded.body.settings.workflowSid).toBe(voice);
    expect(loaded.body.routing).toMatchObject({
      workflows: expect.arrayContaining([
        { sid: world().workflowSid, friendlyName: 'Inbound messaging' },
        { sid: anyone, friendlyName: 'Assign to Anyone' },
        { sid: voice, friendlyName: 'Voice' },
      ]),
      inUse: { sid: voice, friendlyName: 'Voice', why: 'It is the workflow chosen in the OpenCX settings.' },
      discovered: { kind: 'conflict' },
    });
  });

  test("a saved Conversations service not Flex's warns, naming Flex's; a save without one takes Flex's", async () => {
    const other = world().conversations.createService('Old chat').sid;
    // Another service than the saved one: saved once the admin confirms the change.
    expect((await save({ conversationsServiceSid: other, workflowSid: voice })).status).toBe(409);
    expect((await save({ conversationsServiceSid: other, workflowSid: voice, confirmChange: 'service' })).status).toBe(
      200,
    );
    const service = byId(await checks(world()), 'conversations_service');
    expect(service).toMatchObject({ status: 'warning', autoFixable: false });
    expect(service.detail).toContain(
      `The saved Conversations service "Old chat" (${other}) is not the one Flex uses: ` +
        `Flex's configuration (chat_service_instance_sid) names "Flex Chat Service" ` +
        `(${world().conversationsServiceSid})`,
    );
    expect(service.fix).toContain(`enter ${world().conversationsServiceSid} as the Conversations service`);

    expect((await save({ workflowSid: voice, confirmChange: 'service' })).status).toBe(200);
    expect(storedConfig(world()).conversationsServiceSid).toBe(world().conversationsServiceSid);
    expect(byId(await checks(world()), 'conversations_service')).toMatchObject({ status: 'ok' });
  });

  test("an Apply naming its workflow reads Flex's configuration only for the checks it answers with", async () => {
    const configurationReads = (since: number): number =>
      restCalls(world(), since).filter((c) => c === 'GET flex-api /v1/Configuration').length;
    let since = lastSeq(world());
    await checks(world(), { workflowSid: voice });
    const byTheChecks = configurationReads(since);
    expect(byTheChecks).toBeGreaterThan(0);
    since = lastSeq(world());
    await apply(world(), { workflowSid: voice });
    expect(configurationReads(since)).toBe(byTheChecks);
  });

  test("without Flex's configuration or a default service, a save must name the Conversations service", async () => {
    world().flex.configuration = undefined;
    world().conversations.defaultServiceSid = null;
    const refused = await save();
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', field: 'conversationsServiceSid' });
    expect(byId(await checks(world()), 'conversations_service')).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('this account has no Flex configuration'),
    });
  });
});

describe('before the settings are saved', () => {
  const world = withSavedWorld({ configured: false, webhooks: false });

  test('the doctor checks the deployment, asks for the settings, and apply writes nothing', async () => {
    const list = await checks(world());
    expect(list).toEqual([
      expect.objectContaining({ id: 'api_urls', status: 'ok' }),
      expect.objectContaining({ id: 'sync_service', status: 'ok' }),
      {
        id: 'config',
        title: 'OpenCX settings',
        status: 'problem',
        detail: expect.any(String),
        fix: expect.stringMatching(/Test & Save/),
        autoFixable: false,
      },
    ]);
    const since = lastSeq(world());
    const result = await apply(world(), { humanQueueSid: world().humanQueueSid });
    expect(result).toEqual({ ok: true, steps: [], applied: [], checks: list });
    expect(setupWrites(world(), since)).toEqual([]);
  });
});
