// The settings Functions the Flex plugin calls, in twilio-run against the simulators: what an
// admin sees and what ends up in TaskRouter and Sync.
import { STATE_MAPS } from '../../functions/bridge/state';
import { DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE, parseConfig } from '../../functions/common/config';
import { startFunctionsRuntime } from '../harness/functions-runtime';
import { BRIDGE_EVENTS, CONVERSATION_FILTERS, World } from '../harness/world';
import { DEFAULT_ORG_ID, DEFAULT_ORG_NAME } from '../simulators/opencx/opencx-simulator';
import { type FunctionAnswer, lastSeq, postForm, restCalls, writesSetupLock } from './helpers';

jest.setTimeout(60000);

/** The org token the admin pastes; masked it must read "••••••••f3a9". */
const ORG_TOKEN = 'ocx_live_admin_secret_f3a9';
/** The OpenCX webhook signing secret the admin pastes; it never comes back. */
const WEBHOOK_SECRET = 'whsec_opencx_signing_7c21';
const NOTE = 'Connecting you with a member of our team.';
const HANDBACK_NOTE = "You're chatting with our AI assistant again.";
const OTHER_URL = 'https://opencx-sandbox-1234.twil.io/webhook';
const MASKED = '••••••••f3a9';
/** Further keys of the same organisation, for OpenCX's per-key rate limit. */
const SECOND_TOKEN = 'ocx_live_second_secret_b2b2';
const REVOKED_TOKEN = 'ocx_live_revoked_secret_d4d4';
const SPARE_TOKEN = 'ocx_live_spare_secret_e5e5';
const UNKNOWN_WORKSPACE = 'WS' + 'a'.repeat(32);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every answer, Functions output and Flex token of the file, to prove no secret ever leaves. */
const answers: FunctionAnswer[] = [];
const functionsOutputs: string[] = [];
const flexTokens: string[] = [];

/**
 * A contact center that never ran the integration: no AI worker, no
 * settings, no timer workspace (the harness may seed one for the bridge).
 */
async function freshContactCenter(): Promise<World> {
  const world = await World.start({ configured: false, seedAiWorker: false, opencx: { apiKeys: [ORG_TOKEN] } });
  for (const timer of timerWorkspaces(world)) world.taskrouter.deleteWorkspace(timer.sid);
  return world;
}

async function stop(world: World | undefined): Promise<void> {
  functionsOutputs.push(world?.functions?.output() ?? '');
  await world?.stop();
}

/** A fresh contact center for the describe block that calls it; no simulator contract is broken by any test. */
function withFreshContactCenter(): () => World {
  let world: World;
  beforeAll(async () => {
    world = await freshContactCenter();
  });
  afterAll(() => stop(world));
  afterEach(() => {
    expect(world.twilio.violations).toEqual([]);
  });
  return () => world;
}

function flexToken(world: World, roles = ['admin'], expiresInSeconds?: number): string {
  const token = world.iam.issueToken({
    identity: roles.includes('admin') ? 'admin@example.com' : 'agent@example.com',
    roles,
    expiresInSeconds,
  });
  flexTokens.push(token);
  return token;
}

async function call(
  world: World,
  endpoint: 'settings-save' | 'settings-load' | 'setup-check' | 'setup-apply' | 'setup-undo' | 'setup-uninstall',
  fields: Record<string, string | undefined>,
  baseUrl = world.functions!.url,
) {
  const answer = await postForm(baseUrl, `/admin/${endpoint}`, fields);
  answers.push(answer);
  return answer;
}

/** What the settings view shows an admin. */
async function loadSettings(world: World): Promise<Record<string, unknown>> {
  const answer = await call(world, 'settings-load', { Token: flexToken(world) });
  expect(answer.status).toBe(200);
  expect(answer.body.ok).toBe(true);
  return answer.body.settings as Record<string, unknown>;
}

const saveForm = (
  world: World,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> => ({
  Token: flexToken(world),
  opencxToken: ORG_TOKEN,
  workspaceSid: world.workspaceSid,
  conversationsServiceSid: world.conversationsServiceSid,
  aiQueueSid: world.aiQueueSid,
  aiAuthorName: 'Acme Assistant',
  ...overrides,
});

const storedConfig = (world: World) =>
  world.sync.document(world.syncServiceSid, 'opencx_config')?.data as Record<string, unknown> | undefined;
/** The stored settings' `revision` as load answers it: Sync's revision and the config version. */
const storedRevision = (world: World) => {
  const document = world.sync.document(world.syncServiceSid, 'opencx_config')!;
  return `${document.revision}.${document.data.configVersion}`;
};
/** The settings a first save leaves alone when the form does not send them, and the URL for OpenCX. */
const newSettingsAsFirstShown = (world: World) => ({
  opencxExtraTokens: [],
  opencxWebhookSecretSet: false,
  opencxWebhookUrl: `${world.functions!.url}/opencx-webhook`,
  customerHandoffNote: NOTE,
  customerHandoffNoteTranslations: {},
  customerHandbackNote: HANDBACK_NOTE,
  customerHandbackNoteTranslations: {},
  customerIdleCloseNote: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
  aiAnswerTimeoutSeconds: 60,
  aiIdleCloseMinutes: 0,
});
const timerWorkspaces = (world: World) =>
  [...world.taskrouter.workspaces.values()].filter((ws) => ws.friendlyName === 'OpenCX timers');
const flexWorkspace = (world: World) => world.taskrouter.workspace(world.workspaceSid);
const conversationsWebhook = (world: World) =>
  world.conversations.services.get(world.conversationsServiceSid)!.webhooks;
/** This deployment's webhook as a save registers it: with the saved config version. */
const versionedWebhook = (world: World) => `${world.webhookUrl}?cv=${storedConfig(world)!.configVersion}`;
/**
 * A save whose write of the settings is held until `meanwhile` has changed the stored document
 * to `changes` (another writer between the save's read and its own write); its answer.
 */
async function saveWhileSettingsChange(
  world: World,
  form: Record<string, string | undefined>,
  changes: Record<string, unknown>,
): Promise<Awaited<ReturnType<typeof call>>> {
  const documentWrite = /\/Documents\/opencx_config$/;
  const writes = () => world.twilio.requests.filter((r) => r.method === 'POST' && documentWrite.test(r.path)).length;
  const writesBefore = writes();
  let open!: () => void;
  world.twilio.addFault({ method: 'POST', path: documentWrite, times: 1, until: new Promise<void>((r) => (open = r)) });
  try {
    const saving = call(world, 'settings-save', form);
    await world.until(() => writes() > writesBefore, "the save's write of the settings");
    await world.client.sync.v1
      .services(world.syncServiceSid)
      .documents('opencx_config')
      .update({ data: { ...storedConfig(world), ...changes } });
    open();
    return await saving;
  } finally {
    open();
  }
}
/** TaskRouter creates the Functions made since `since`: workspaces, queues, workflows, workers. */
const creates = (world: World, since: number) =>
  restCalls(world, since).filter((c) =>
    /^POST taskrouter \/v1\/Workspaces(\/\{WorkspaceSid\}\/(TaskQueues|Workflows|Workers))?$/.test(c),
  );
const existingStateMaps = (world: World) => STATE_MAPS.filter((map) => world.sync.map(world.syncServiceSid, map));
const failure = (code: string, message: string | RegExp, field?: string) => ({
  ok: false,
  error: {
    code,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    ...(field ? { field } : {}),
  },
});

describe('refused requests: one error shape, nothing stored', () => {
  let world: World;
  beforeAll(async () => {
    world = await freshContactCenter();
  });
  afterAll(() => stop(world));
  afterEach(() => {
    world.opencx.faults.clear();
    expect(storedConfig(world)).toBeUndefined();
    expect(world.aiWorkers()).toEqual([]);
    expect(existingStateMaps(world)).toEqual([]);
    expect(timerWorkspaces(world)).toEqual([]);
    expect(world.twilio.violations).toEqual([]);
  });

  test('an agent (not an admin) gets 403 forbidden from both Functions', async () => {
    for (const endpoint of ['settings-save', 'settings-load'] as const) {
      const answer = await call(world, endpoint, saveForm(world, { Token: flexToken(world, ['agent']) }));
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual(failure('forbidden', 'Only Flex admins can use the OpenCX settings'));
    }
  });

  test.each([
    ['missing', undefined, 'missing_token', /no Flex token/],
    ['unknown', 'not.a.real.flex.token', 'invalid_token', /not valid/],
  ])('a %s Flex token gets 403', async (_case, token, code, message) => {
    const answer = await call(world, 'settings-save', saveForm(world, { Token: token }));
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(failure(code, message));
  });

  test('an expired Flex token gets 403 asking to reload Flex', async () => {
    const answer = await call(world, 'settings-save', saveForm(world, { Token: flexToken(world, ['admin'], -60) }));
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(failure('invalid_token', 'Your Flex session has expired; reload Flex and try again'));
  });

  test('a token OpenCX does not know: 400 on opencxToken, "OpenCX rejected this token"', async () => {
    const answer = await call(world, 'settings-save', saveForm(world, { opencxToken: 'ocx_live_wrong_key_0000' }));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(failure('opencx_token_rejected', 'OpenCX rejected this token', 'opencxToken'));
  });

  test.each([
    ['main key', { opencxToken: 'ocx_live_wrong_key_0000' }, 'OpenCX rejected this token', 'opencxToken'],
    [
      'further key',
      { opencxExtraTokens: REVOKED_TOKEN },
      'OpenCX rejected the further key ••••••••d4d4',
      'opencxExtraTokens',
    ],
  ])("a %s OpenCX refuses is reported before a Twilio check's failure", async (_, fields, message, field) => {
    world.twilio.addFault({ method: 'GET', path: '/v1/Workspaces/{Sid}', status: 500 });
    try {
      const answer = await call(world, 'settings-save', saveForm(world, fields));
      expect(world.twilio.requests.some((r) => r.fault && r.template === '/v1/Workspaces/{Sid}')).toBe(true);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(failure('opencx_token_rejected', message, field));
    } finally {
      world.twilio.clearFaults();
    }
  });

  test('OpenCX down (503 on /org): 502 opencx_unavailable, try again later', async () => {
    world.opencx.faults.add({ path: '/org', status: 503 });
    const answer = await call(world, 'settings-save', saveForm(world));
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual(failure('opencx_unavailable', /could not be reached.*nothing was saved/));
  });

  test('a workspace that is not in the account: 400 on workspaceSid naming it', async () => {
    const answer = await call(
      world,
      'settings-save',
      saveForm(world, { workspaceSid: UNKNOWN_WORKSPACE, aiQueueSid: undefined }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      failure('not_found', `Workspace ${UNKNOWN_WORKSPACE} not found in this account`, 'workspaceSid'),
    );
  });

  test('a queue of another workspace: 400 on aiQueueSid', async () => {
    const other = world.taskrouter.createWorkspace({ friendlyName: 'Other' });
    const otherQueue = world.taskrouter.createTaskQueue(other.sid, { friendlyName: 'Elsewhere' }).sid;
    const answer = await call(world, 'settings-save', saveForm(world, { aiQueueSid: otherQueue }));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      failure('not_found', `Queue ${otherQueue} not found in workspace ${world.workspaceSid}`, 'aiQueueSid'),
    );
  });

  test('a queue whose Target Workers exclude the AI workers: 400 on aiQueueSid, and nothing is saved', async () => {
    const before = storedConfig(world);
    const humans = world.taskrouter.createTaskQueue(world.workspaceSid, {
      friendlyName: 'Humans only',
      targetWorkers: 'opencx_ai != true',
    }).sid;
    const answer = await call(world, 'settings-save', saveForm(world, { aiQueueSid: humans }));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      failure(
        'invalid_input',
        `Queue "Humans only" (${humans}) has Target Workers "opencx_ai != true", which exclude the AI workers. ` +
          'Pick a queue whose Target Workers are "opencx_ai == true", or leave the AI queue empty and Apply ' +
          'creates one.',
        'aiQueueSid',
      ),
    );
    expect(storedConfig(world)).toEqual(before);
  });

  test('a Conversations service that is not in the account: 400 on conversationsServiceSid', async () => {
    const answer = await call(
      world,
      'settings-save',
      saveForm(world, { conversationsServiceSid: 'IS' + 'b'.repeat(32) }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ ok: false, error: { code: 'not_found', field: 'conversationsServiceSid' } });
  });

  test.each([
    ['workspaceSid', 'WS123'],
    ['conversationsServiceSid', 'IS123'],
    ['workflowSid', 'WQ' + 'c'.repeat(32)],
    ['aiQueueSid', 'WW' + 'c'.repeat(32)],
    ['aiAuthorName', 'Acme\nAssistant'],
    ['aiAuthorName', 'x'.repeat(65)],
    ['opencxToken', 'two words'],
    ['opencxWebhookSecret', 'whsec two words'],
    ['customerHandoffNote', 'x'.repeat(321)],
    ['customerHandoffNoteTranslations', '{"es": "Un momento."'],
    ['customerHandoffNoteTranslations', '{"es_MX": "Un momento."}'],
    ['customerHandoffNoteTranslations', `{"es": "${'x'.repeat(321)}"}`],
    ['customerHandbackNote', 'x'.repeat(321)],
    ['customerHandbackNoteTranslations', '{"es_MX": "Hola de nuevo."}'],
    ['aiAnswerTimeoutSeconds', '14'],
    ['aiAnswerTimeoutSeconds', '601'],
    ['aiAnswerTimeoutSeconds', 'a minute'],
    ['aiIdleCloseMinutes', '5'],
    ['customerIdleCloseNote', 'x'.repeat(161)],
  ])('a malformed %s (%j) gets 400 invalid_input on that field', async (field, value) => {
    const answer = await call(world, 'settings-save', saveForm(world, { [field]: value }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field, message: expect.any(String) },
    });
  });

  test('no opencxToken and none saved yet: 400 "Enter the OpenCX API key"', async () => {
    const answer = await call(world, 'settings-save', saveForm(world, { opencxToken: undefined }));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(failure('invalid_input', 'Enter the OpenCX API key', 'opencxToken'));
  });

  test('a human worker already named "OpenCX AI": 400 ai_worker_conflict, no second worker', async () => {
    const human = world.taskrouter.createWorker(world.workspaceSid, {
      friendlyName: 'OpenCX AI',
      attributes: { role: 'agent' },
    });
    try {
      const answer = await call(world, 'settings-save', saveForm(world));
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(failure('ai_worker_conflict', new RegExp(human.sid)));
      expect(
        [...world.taskrouter.workspace(world.workspaceSid).workers.values()].filter(
          (w) => w.friendlyName === 'OpenCX AI',
        ),
      ).toHaveLength(1);
    } finally {
      world.taskrouter.deleteWorker(world.workspaceSid, human.sid);
    }
  });

  test('load before any save: configured false, nothing to show but the defaults and the URL for OpenCX', async () => {
    expect(await loadSettings(world)).toEqual({
      configured: false,
      opencxTokenMasked: null,
      ...newSettingsAsFirstShown(world),
      workspaceSid: null,
      conversationsServiceSid: null,
      aiQueueSid: null,
      workflowSid: null,
      aiAuthorName: 'AI Support Agent',
      aiWorkerSid: null,
      aiWorkerSids: [],
      aiPeakConversations: 50,
      orgName: null,
      updatedAt: null,
      revision: null,
    });
  });

  test('without SYNC_SERVICE_SID: 500 with a generic message, the reason in the log', async () => {
    const { SYNC_SERVICE_SID: _unset, ...env } = world.functionsEnv();
    const runtime = await startFunctionsRuntime(env);
    try {
      const answer = await call(world, 'settings-save', saveForm(world), runtime.url);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual(failure('server_misconfigured', /not fully set up/));
      expect(answer.text).not.toContain('SYNC_SERVICE_SID');
      expect(runtime.output()).toContain('SYNC_SERVICE_SID is not set');
    } finally {
      functionsOutputs.push(runtime.output());
      await runtime.stop();
    }
  });

  test('CORS: the preflight is answered 204 for any origin, and every answer carries the CORS headers', async () => {
    const preflight = await fetch(`${world.functions!.url}/admin/settings-save`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://flex.twilio.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Content-Type');

    for (const answer of [
      await call(world, 'settings-load', { Token: flexToken(world) }),
      await call(world, 'settings-load', {}),
    ]) {
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.headers.get('access-control-allow-methods')).toBe('OPTIONS, POST');
      expect(answer.headers.get('access-control-allow-headers')).toBe('Content-Type');
      expect(answer.headers.get('content-type')).toContain('application/json');
    }
  });
});

describe('an admin saves: the AI worker, the state maps and the config document', () => {
  const world = withFreshContactCenter();
  let firstWorkerSid: string;

  test('the first save answers 200 with the masked settings and provisions everything', async () => {
    const answer = await call(world(), 'settings-save', saveForm(world()));

    expect(answer.status).toBe(200);
    const [worker] = world().aiWorkers();
    firstWorkerSid = worker.sid;
    const settings = {
      configured: true,
      opencxTokenMasked: MASKED,
      ...newSettingsAsFirstShown(world()),
      workspaceSid: world().workspaceSid,
      conversationsServiceSid: world().conversationsServiceSid,
      aiQueueSid: world().aiQueueSid,
      workflowSid: null,
      aiAuthorName: 'Acme Assistant',
      aiWorkerSid: worker.sid,
      aiWorkerSids: [worker.sid],
      aiPeakConversations: 50,
      orgName: DEFAULT_ORG_NAME,
      updatedAt: expect.stringMatching(ISO_TIME),
      revision: storedRevision(world()),
    };
    expect(answer.body).toEqual({ ok: true, settings, workerCreated: true, timerWorkspaceCreated: true });

    const stored = storedConfig(world())!;
    const [timer] = timerWorkspaces(world());
    expect(stored).toEqual({
      opencxToken: ORG_TOKEN,
      workspaceSid: world().workspaceSid,
      aiWorkerSid: worker.sid,
      aiWorkerSids: [worker.sid],
      aiDrainingWorkerSids: [],
      aiPeakConversations: 50,
      conversationsServiceSid: world().conversationsServiceSid,
      aiAuthorName: 'Acme Assistant',
      aiQueueSid: world().aiQueueSid,
      customerHandoffNote: NOTE,
      customerHandoffNoteTranslations: {},
      customerHandbackNote: HANDBACK_NOTE,
      customerHandbackNoteTranslations: {},
      customerIdleCloseNote: DEFAULT_CUSTOMER_IDLE_CLOSE_NOTE,
      aiAnswerTimeoutSeconds: 60,
      aiIdleCloseMinutes: 0,
      timerWorkspaceSid: timer.sid,
      timerWorkflowSid: [...timer.workflows.keys()][0],
      configVersion: expect.stringMatching(/^[0-9a-z]+$/),
      orgName: DEFAULT_ORG_NAME,
      orgId: DEFAULT_ORG_ID,
      updatedAt: answer.body.settings.updatedAt,
    });
    expect(parseConfig(stored)).toMatchObject({ aiWorkerSid: worker.sid, opencxToken: ORG_TOKEN });

    expect(world().aiWorkers()).toHaveLength(1);
    expect(worker.friendlyName).toBe('OpenCX AI');
    expect(worker.attributes).toEqual({
      opencx_ai: true,
      full_name: 'Acme Assistant',
      routing: { skills: ['opencx_ai'] },
    });
    const workspace = world().taskrouter.workspace(world().workspaceSid);
    expect(world().taskrouter.findActivity(workspace, worker.activitySid)?.friendlyName).toBe('Available');
    const channels = Object.fromEntries(
      worker.channels.map((c) => [c.taskChannelUniqueName, { capacity: c.capacity, available: c.available }]),
    );
    expect(channels).toMatchObject({
      chat: { capacity: 50, available: true },
      sms: { capacity: 50, available: true },
      voice: { available: false },
    });

    expect(existingStateMaps(world())).toEqual(STATE_MAPS);
    // Sharded: 64 conversation maps, 16 session maps, 8 claim maps, 32 insight maps.
    expect(STATE_MAPS).toHaveLength(120);
    expect(STATE_MAPS).toEqual(
      expect.arrayContaining(['opencx_conversations_63', 'opencx_sessions_15', 'opencx_dedup_7', 'opencx_insights_31']),
    );
  });

  // The workspace sends task.canceled to the webhook.
  test('the first save creates the timer workspace: a queue no worker matches, a workflow to it', () => {
    const timers = timerWorkspaces(world());
    expect(timers).toHaveLength(1);
    const [timer] = timers;
    const queues = [...timer.taskQueues.values()];
    expect(queues.map((q) => [q.friendlyName, q.targetWorkers])).toEqual([['OpenCX timers', 'opencx_timer == true']]);
    const workflows = [...timer.workflows.values()];
    expect(workflows.map((w) => [w.sid, w.friendlyName, w.configuration])).toEqual([
      [
        storedConfig(world())!.timerWorkflowSid,
        'OpenCX timers',
        { task_routing: { filters: [], default_filter: { queue: queues[0].sid } } },
      ],
    ]);
    expect(timer).toMatchObject({ eventCallbackUrl: versionedWebhook(world()), eventsFilter: 'task.canceled' });
    expect(timer.workers.size).toBe(0);
  });

  test('the save puts the new config version on the webhooks that point here, keeping their events', () => {
    expect(flexWorkspace(world())).toMatchObject({
      eventCallbackUrl: versionedWebhook(world()),
      eventsFilter: BRIDGE_EVENTS,
    });
    expect(conversationsWebhook(world())).toMatchObject({
      postWebhookUrl: versionedWebhook(world()),
      method: 'POST',
      filters: CONVERSATION_FILTERS,
    });
  });

  test('the saved settings drive the bridge: the new AI worker answers a customer under the chosen name', async () => {
    world().opencx.ai.reply('Hello from Acme!');
    const { conversationSid } = await world().customerStartsConversation('Hi there');
    expect(
      world()
        .transcript(conversationSid)
        .map((m) => [m.author, m.body]),
    ).toContainEqual(['Acme Assistant', 'Hello from Acme!']);
  });

  // The save registers its new config version.
  test('a second save without opencxToken keeps the token, worker and timer workspace', async () => {
    const before = storedConfig(world())!;
    const since = lastSeq(world());
    const answer = await call(
      world(),
      'settings-save',
      saveForm(world(), { opencxToken: undefined, aiQueueSid: undefined, aiAuthorName: 'Acme Bot' }),
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      ok: true,
      workerCreated: false,
      timerWorkspaceCreated: false,
      settings: { opencxTokenMasked: MASKED, aiWorkerSid: firstWorkerSid, aiQueueSid: null, aiAuthorName: 'Acme Bot' },
    });
    expect(creates(world(), since)).toEqual([]);
    expect(
      world()
        .aiWorkers()
        .map((w) => w.sid),
    ).toEqual([firstWorkerSid]);
    expect(timerWorkspaces(world()).map((ws) => ws.sid)).toEqual([before.timerWorkspaceSid]);
    expect(storedConfig(world())).toMatchObject({
      timerWorkspaceSid: before.timerWorkspaceSid,
      timerWorkflowSid: before.timerWorkflowSid,
    });
    expect(storedConfig(world())!.configVersion).not.toBe(before.configVersion);
    for (const url of [
      flexWorkspace(world()).eventCallbackUrl,
      conversationsWebhook(world()).postWebhookUrl,
      timerWorkspaces(world())[0].eventCallbackUrl,
    ]) {
      expect(url).toBe(versionedWebhook(world()));
    }
    const stored = storedConfig(world())!;
    expect(stored).toMatchObject({ opencxToken: ORG_TOKEN, aiWorkerSid: firstWorkerSid, aiAuthorName: 'Acme Bot' });
    expect(stored).not.toHaveProperty('aiQueueSid');
  });

  test('load shows what was saved, the token only masked', async () => {
    expect(await loadSettings(world())).toEqual({
      configured: true,
      opencxTokenMasked: MASKED,
      ...newSettingsAsFirstShown(world()),
      workspaceSid: world().workspaceSid,
      conversationsServiceSid: world().conversationsServiceSid,
      aiQueueSid: null,
      workflowSid: null,
      aiAuthorName: 'Acme Bot',
      aiWorkerSid: firstWorkerSid,
      aiWorkerSids: [firstWorkerSid],
      aiPeakConversations: 50,
      orgName: DEFAULT_ORG_NAME,
      updatedAt: storedConfig(world())!.updatedAt,
      revision: storedRevision(world()),
    });
  });

  // The bridge answers the saved service's customers only: those of the AI's conversations would go unanswered.
  test('another Conversations service is saved only once the admin confirms the change', async () => {
    const other = world().conversations.createService('Another chat service').sid;
    const unconfirmed = await call(world(), 'settings-save', saveForm(world(), { conversationsServiceSid: other }));
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body).toEqual(
      failure(
        'change_not_confirmed',
        new RegExp(`^The AI leaves Conversations service ${world().conversationsServiceSid} for ${other}:`),
        'conversationsServiceSid',
      ),
    );
    expect(storedConfig(world())).toMatchObject({ conversationsServiceSid: world().conversationsServiceSid });

    const confirmed = saveForm(world(), { conversationsServiceSid: other, confirmChange: 'service' });
    expect((await call(world(), 'settings-save', confirmed)).status).toBe(200);
    expect(storedConfig(world())).toMatchObject({ conversationsServiceSid: other });
    // Back, for the tests that follow: the same confirmation.
    const back = saveForm(world(), { confirmChange: 'service' });
    expect((await call(world(), 'settings-save', back)).status).toBe(200);
  });

  test('an AI worker an admin deleted is replaced by one new worker on the next save', async () => {
    world().taskrouter.deleteWorker(world().workspaceSid, firstWorkerSid);
    const answer = await call(world(), 'settings-save', saveForm(world()));
    expect(answer.status).toBe(200);
    expect(answer.body.workerCreated).toBe(true);
    const workers = world().aiWorkers();
    expect(workers).toHaveLength(1);
    expect(workers[0].sid).not.toBe(firstWorkerSid);
    expect(storedConfig(world())!.aiWorkerSid).toBe(workers[0].sid);
  });

  test('a worker left behind without a config document (an interrupted save) is adopted, not duplicated', async () => {
    const [worker] = world().aiWorkers();
    await world().client.sync.v1.services(world().syncServiceSid).documents('opencx_config').remove();
    const answer = await call(world(), 'settings-save', saveForm(world()));
    expect(answer.status).toBe(200);
    expect(answer.body.workerCreated).toBe(false);
    expect(
      world()
        .aiWorkers()
        .map((w) => w.sid),
    ).toEqual([worker.sid]);
    expect(storedConfig(world())!.aiWorkerSid).toBe(worker.sid);
  });
});

describe("the OpenCX webhook secret, the customer's handoff note and the AI answer timeout", () => {
  const world = withFreshContactCenter();

  test('a save stores them, and load shows them, the secret only as "saved"', async () => {
    const fields = {
      opencxWebhookSecret: WEBHOOK_SECRET,
      customerHandoffNote: 'One moment, a colleague will be with you shortly.',
      customerHandoffNoteTranslations:
        '{"es": "Un momento, un compañero le atenderá enseguida.", "pt-br": "Um momento, por favor."}',
      aiAnswerTimeoutSeconds: '90',
      aiIdleCloseMinutes: '45',
      customerIdleCloseNote: ' Closed for now: write again any time. ',
    };
    const answer = await call(world(), 'settings-save', saveForm(world(), fields));
    expect(answer.status).toBe(200);

    const shown = {
      opencxWebhookSecretSet: true,
      customerHandoffNote: 'One moment, a colleague will be with you shortly.',
      customerHandoffNoteTranslations: {
        es: 'Un momento, un compañero le atenderá enseguida.',
        'pt-BR': 'Um momento, por favor.',
      },
      aiAnswerTimeoutSeconds: 90,
      aiIdleCloseMinutes: 45,
      customerIdleCloseNote: 'Closed for now: write again any time.',
    };
    expect(answer.body.settings).toMatchObject(shown);
    expect(await loadSettings(world())).toMatchObject(shown);
    const { opencxWebhookSecretSet: _shownOnly, ...stored } = shown;
    expect(storedConfig(world())).toMatchObject({ ...stored, opencxWebhookSecret: WEBHOOK_SECRET });
    expect(parseConfig(storedConfig(world()))).toMatchObject({ ...stored, opencxWebhookSecret: WEBHOOK_SECRET });
  });

  test('a save without those fields keeps them; an empty note means no note', async () => {
    const kept = await call(world(), 'settings-save', saveForm(world(), { opencxToken: undefined }));
    expect(kept.status).toBe(200);
    expect(storedConfig(world())).toMatchObject({
      opencxWebhookSecret: WEBHOOK_SECRET,
      aiAnswerTimeoutSeconds: 90,
      aiIdleCloseMinutes: 45,
      customerIdleCloseNote: 'Closed for now: write again any time.',
      customerHandoffNoteTranslations: { es: expect.any(String), 'pt-BR': expect.any(String) },
    });

    const silent = await call(
      world(),
      'settings-save',
      saveForm(world(), {
        customerHandoffNote: '',
        customerHandoffNoteTranslations: '',
        customerIdleCloseNote: '',
        opencxWebhookSecret: '',
      }),
    );
    expect(silent.status).toBe(200);
    expect(await loadSettings(world())).toMatchObject({
      opencxWebhookSecretSet: true,
      customerIdleCloseNote: '',
      customerHandoffNote: '',
      customerHandoffNoteTranslations: {},
      aiAnswerTimeoutSeconds: 90,
    });
  });

  test('settings stored, then the webhooks cannot be told: the save says so, and the check shows it', async () => {
    expect((await call(world(), 'settings-save', saveForm(world()))).status).toBe(200);
    const before = storedConfig(world())!;
    expect(flexWorkspace(world()).eventCallbackUrl).toBe(`${world().webhookUrl}?cv=${before.configVersion}`);
    world().twilio.addFault({
      method: 'POST',
      path: new RegExp(`/v1/Workspaces/${world().workspaceSid}$`),
      status: 400,
      code: 20001,
      times: 1,
    });
    const answer = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Acme Desk' }));

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, webhooksNotUpdated: true, settings: { aiAuthorName: 'Acme Desk' } });
    const saved = storedConfig(world())!;
    expect(saved).toMatchObject({ aiAuthorName: 'Acme Desk' });
    expect(saved.configVersion).not.toBe(before.configVersion);
    expect(flexWorkspace(world()).eventCallbackUrl).toBe(`${world().webhookUrl}?cv=${before.configVersion}`);

    const check = await call(world(), 'setup-check', { Token: flexToken(world()) });
    expect(
      (check.body.checks as { id: string; status: string; detail: string }[]).find((c) => c.id === 'workspace_events'),
    ).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/carries settings version .* and the last save is/),
    });
  });

  test('a refused field stores nothing: the saved settings stay as they were', async () => {
    const before = storedConfig(world());
    const answer = await call(
      world(),
      'settings-save',
      saveForm(world(), { opencxWebhookSecret: 'whsec_new_secret', aiAnswerTimeoutSeconds: '5' }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      failure(
        'invalid_input',
        'The AI answer timeout must be a whole number of seconds from 15 to 600',
        'aiAnswerTimeoutSeconds',
      ),
    );
    expect(storedConfig(world())).toEqual(before);
  });

  test('a webhook registered elsewhere, or not at all, is left to Apply fixes', async () => {
    await world().client.taskrouter.v1.workspaces(world().workspaceSid).update({ eventCallbackUrl: OTHER_URL });
    await world()
      .client.conversations.v1.services(world().conversationsServiceSid)
      .configuration.webhooks()
      .update({ postWebhookUrl: '', filters: [] });
    const answer = await call(world(), 'settings-save', saveForm(world()));
    expect(answer.status).toBe(200);
    expect(flexWorkspace(world()).eventCallbackUrl).toBe(OTHER_URL);
    expect(conversationsWebhook(world()).postWebhookUrl ?? '').toBe('');
    expect(timerWorkspaces(world())[0].eventCallbackUrl).toBe(versionedWebhook(world()));
  });
});

describe("the organisation's further OpenCX keys", () => {
  const world = withFreshContactCenter();

  test('Test & Save checks each key with OpenCX, stores them, and shows each only as a masked hint', async () => {
    world().opencx.addApiKey(SECOND_TOKEN);
    const orgCalls = world().opencx.requests.length;
    const answer = await call(world(), 'settings-save', saveForm(world(), { opencxExtraTokens: ` ${SECOND_TOKEN} ` }));
    expect(answer.status).toBe(200);
    expect(
      world()
        .opencx.requests.slice(orgCalls)
        .filter((r) => r.path === '/org'),
    ).toHaveLength(2);
    expect(storedConfig(world())).toMatchObject({ opencxToken: ORG_TOKEN, opencxExtraTokens: [SECOND_TOKEN] });
    const shown = [{ id: expect.stringMatching(/^[0-9a-f]{12}$/), masked: '••••••••b2b2' }];
    expect(answer.body.settings.opencxExtraTokens).toEqual(shown);
    expect(await loadSettings(world())).toMatchObject({ opencxTokenMasked: MASKED, opencxExtraTokens: shown });
  });

  test('a key OpenCX refuses is named by its hint, nothing stored; removing a key by id keeps the others', async () => {
    const before = storedConfig(world());
    const refused = await call(
      world(),
      'settings-save',
      saveForm(world(), { opencxToken: undefined, opencxExtraTokens: REVOKED_TOKEN }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(
      failure('opencx_token_rejected', 'OpenCX rejected the further key ••••••••d4d4', 'opencxExtraTokens'),
    );
    expect(storedConfig(world())).toEqual(before);

    const removed = await call(
      world(),
      'settings-save',
      saveForm(world(), { opencxToken: undefined, opencxExtraTokensKept: '' }),
    );
    expect(removed.status).toBe(200);
    expect(storedConfig(world())).not.toHaveProperty('opencxExtraTokens');
    expect(removed.body.settings.opencxExtraTokens).toEqual([]);
  });

  test('a saved key OpenCX is rate-limiting does not block the save that adds a spare key', async () => {
    const spare = SPARE_TOKEN;
    world().opencx.addApiKey(spare);
    // The main key's minute is used up, as at a busy hour: OpenCX answers it 429 until the minute passes.
    for (let i = 0; i < 100; i++)
      await fetch(`${world().opencx.url}/org`, { headers: { authorization: `Bearer ${ORG_TOKEN}` } });
    try {
      const limited = await fetch(`${world().opencx.url}/org`, { headers: { authorization: `Bearer ${ORG_TOKEN}` } });
      expect(limited.status).toBe(429);
      const answer = await call(
        world(),
        'settings-save',
        saveForm(world(), { opencxToken: undefined, opencxExtraTokens: spare }),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ ok: true, opencxKeysUnchecked: 1 });
      expect(storedConfig(world())).toMatchObject({
        opencxToken: ORG_TOKEN,
        opencxExtraTokens: [spare],
        orgName: DEFAULT_ORG_NAME,
        orgId: DEFAULT_ORG_ID,
      });
      // A new main key is another matter: OpenCX must say whose it is.
      const replaced = await call(world(), 'settings-save', saveForm(world(), { opencxToken: spare }));
      expect(replaced.status).toBe(200);
      expect(replaced.body).not.toHaveProperty('opencxKeysUnchecked');
      const refused = await call(world(), 'settings-save', saveForm(world(), { opencxToken: ORG_TOKEN }));
      expect(refused.status).toBe(502);
      expect(refused.body).toEqual(failure('opencx_unavailable', /rate-limiting this API key \(429\)/));
    } finally {
      world().opencx.resetRateLimits();
    }
  });

  test('the setup check warns of a further key OpenCX revoked since it was saved, by its hint', async () => {
    world().opencx.addApiKey(SECOND_TOKEN);
    // The main key is the organisation's own (the test before may have left another).
    const saved = await call(world(), 'settings-save', saveForm(world(), { opencxExtraTokens: SECOND_TOKEN }));
    expect(saved.status).toBe(200);
    const tokenCheck = async () =>
      ((await call(world(), 'setup-check', { Token: flexToken(world()) })).body.checks as { id: string }[]).find(
        (c) => c.id === 'opencx_token',
      );
    const before = world().opencx.requests.length;
    expect(await tokenCheck()).toMatchObject({ status: 'ok', detail: expect.stringContaining('and its further keys') });
    // One look per key.
    expect(
      world()
        .opencx.requests.slice(before)
        .filter((r) => r.path === '/org'),
    ).toHaveLength(2);

    world().opencx.revokeApiKey(SECOND_TOKEN);
    expect(await tokenCheck()).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('••••••••b2b2 is rejected (revoked or rotated?)'),
    });
  });
});

test('no answer and no Functions output ever carries the org token, the webhook secret or a Flex token', () => {
  const output = functionsOutputs.join('\n');
  expect(output).toContain('"event":"settings-save","outcome":"ok"');
  expect(output).toContain('"event":"settings-save","outcome":"refused"');
  expect(output).toContain('"event":"settings-load","outcome":"ok"');
  const everything = [...answers.map((answer) => answer.text), output].join('\n');
  expect(answers.some((answer) => answer.body.settings?.opencxWebhookSecretSet === true)).toBe(true);
  for (const secret of [
    ORG_TOKEN,
    SECOND_TOKEN,
    REVOKED_TOKEN,
    SPARE_TOKEN,
    WEBHOOK_SECRET,
    'whsec_new_secret',
    'whsec two words',
    ...flexTokens,
  ])
    expect(everything).not.toContain(secret);
});

describe('a save while something else writes the settings', () => {
  const world = withFreshContactCenter();

  test("keeps what Apply noted meanwhile (the AI queue it created), and the admin's own change", async () => {
    expect((await call(world(), 'settings-save', saveForm(world()))).status).toBe(200);
    // Apply notes the AI queue it created, in between the save's read and its write.
    const answer = await saveWhileSettingsChange(world(), saveForm(world(), { aiAuthorName: 'Acme Helper' }), {
      aiQueueCreatedSid: world().aiQueueSid,
    });

    expect(answer.status).toBe(200);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Acme Helper', aiQueueCreatedSid: world().aiQueueSid });
  });
});

describe('two admins: a save from settings changed since it was loaded', () => {
  const world = withFreshContactCenter();
  const changed = failure('settings_changed', /^The settings were changed since you opened them .*reload them/);

  test("a form filled before another admin's save is refused (409), nothing written; reloaded, it saves", async () => {
    const before = await loadSettings(world());
    expect(before.revision).toBeNull();
    // The other admin's first save, while this admin's form is still the unsaved one.
    expect((await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Other Bot' }))).status).toBe(200);
    const theirs = await loadSettings(world());
    const stored = storedConfig(world());
    const since = lastSeq(world());
    const opencxBefore = world().opencx.requests.length;

    const refused = await call(
      world(),
      'settings-save',
      saveForm(world(), { aiAuthorName: 'Mine', settingsRevision: String(before.revision ?? '') }),
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(changed);
    expect(storedConfig(world())).toEqual(stored);
    // Refused before anything was checked or written: no write to Twilio but the setup lock's, no OpenCX call.
    const writes = world().twilio.requests.filter(
      (r) => r.seq > since && r.method !== 'GET' && r.product !== 'iam' && !writesSetupLock(r),
    );
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /v1/Services/${world().syncServiceSid}/Documents/opencx_setup_lock`,
    ]);
    expect(world().opencx.requests.length).toBe(opencxBefore);

    // The other admin saves again (a new note): a form of their first save is now stale too.
    const second = await call(
      world(),
      'settings-save',
      saveForm(world(), {
        aiAuthorName: 'Other Bot',
        customerHandoffNote: 'One moment.',
        settingsRevision: String(theirs.revision),
      }),
    );
    expect(second.status).toBe(200);
    expect(second.body.settings.revision).toBe(storedRevision(world()));
    expect(
      (await call(world(), 'settings-save', saveForm(world(), { settingsRevision: String(theirs.revision) }))).body,
    ).toEqual(changed);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Other Bot', customerHandoffNote: 'One moment.' });

    // Reloaded, the form carries the stored revision and saves; its answer's revision is the next save's.
    const reloaded = await loadSettings(world());
    expect(reloaded.revision).toBe(second.body.settings.revision);
    const mine = await call(
      world(),
      'settings-save',
      saveForm(world(), { aiAuthorName: 'Mine', settingsRevision: String(reloaded.revision) }),
    );
    expect(mine.status).toBe(200);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Mine', customerHandoffNote: 'One moment.' });
    const again = await call(
      world(),
      'settings-save',
      saveForm(world(), { aiAuthorName: 'Mine again', settingsRevision: String(mine.body.settings.revision) }),
    );
    expect(again.status).toBe(200);
  });

  test('a form loaded before Apply noted the AI queue it created is refused: it would drop that queue', async () => {
    const loaded = await loadSettings(world());
    await world()
      .client.sync.v1.services(world().syncServiceSid)
      .documents('opencx_config')
      .update({ data: { ...storedConfig(world()), aiQueueCreatedSid: world().aiQueueSid } });

    const answer = await call(
      world(),
      'settings-save',
      saveForm(world(), { aiQueueSid: '', settingsRevision: String(loaded.revision) }),
    );

    expect(answer.body).toEqual(changed);
    expect(storedConfig(world())).toMatchObject({
      aiQueueSid: world().aiQueueSid,
      aiQueueCreatedSid: world().aiQueueSid,
    });
  });

  test('a form loaded before Uninstall deleted the settings is refused, even once they are saved again', async () => {
    const loaded = await loadSettings(world());
    await world().client.sync.v1.services(world().syncServiceSid).documents('opencx_config').remove();
    expect(
      (await call(world(), 'settings-save', saveForm(world(), { settingsRevision: String(loaded.revision) }))).body,
    ).toEqual(changed);
    expect(storedConfig(world())).toBeUndefined();

    // Saved again from scratch: Sync's revision of the new document starts over, the config version does not.
    expect((await call(world(), 'settings-save', saveForm(world(), { settingsRevision: '' }))).status).toBe(200);
    expect(
      (await call(world(), 'settings-save', saveForm(world(), { settingsRevision: String(loaded.revision) }))).body,
    ).toEqual(changed);
  });

  test("a write between the save's read and its own is kept: 409, the form's values not written", async () => {
    const loaded = await loadSettings(world());
    const answer = await saveWhileSettingsChange(
      world(),
      saveForm(world(), { aiAuthorName: 'Late Bot', settingsRevision: String(loaded.revision) }),
      { aiAuthorName: 'Meanwhile Bot' },
    );

    expect(answer.body).toEqual(changed);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Meanwhile Bot' });
  });

  test("the save's own write, its answer lost, is recognised as its own: saved, not refused", async () => {
    const loaded = await loadSettings(world());
    const since = lastSeq(world());
    // Sync writes the settings, then the answer is lost: the retry's If-Match meets the save's own revision.
    world().twilio.addFault({ method: 'POST', path: /\/Documents\/opencx_config$/, after: 500, times: 1 });
    const saved = await call(
      world(),
      'settings-save',
      saveForm(world(), { aiAuthorName: 'Lost Answer Bot', settingsRevision: String(loaded.revision) }),
    );
    expect(saved.status).toBe(200);
    const writes = world().twilio.requests.filter(
      (r) => r.seq > since && r.method === 'POST' && r.path.endsWith('/Documents/opencx_config'),
    );
    expect(writes.map((r) => [r.processedStatus ?? r.status, r.status])).toEqual([
      [200, 500],
      [412, 412],
    ]);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Lost Answer Bot' });
    expect(saved.body.settings).toMatchObject({ aiAuthorName: 'Lost Answer Bot', revision: storedRevision(world()) });
  });

  test('a form that sends no revision (an older plugin) saves over whatever is stored, as before', async () => {
    const answer = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Old Plugin Bot' }));
    expect(answer.status).toBe(200);
    expect(storedConfig(world())).toMatchObject({ aiAuthorName: 'Old Plugin Bot' });
  });
});

describe('one setup change at a time: the setup lock', () => {
  const world = withFreshContactCenter();
  const lockDocument = (w: World) => w.sync.document(w.syncServiceSid, 'opencx_setup_lock');
  const lockWrites = (w: World, since: number) => w.twilio.requests.filter((r) => r.seq > since && writesSetupLock(r));
  /** `ttl`: Sync's own time to live for it (seconds), as the lock's writer sets it. */
  const seedLock = (w: World, expiresAt: Date, ttl?: number) =>
    w.sync.createDocument(w.syncServiceSid, {
      uniqueName: 'opencx_setup_lock',
      data: { id: 'another-run', operation: 'Apply fixes', by: 'cli:SK0001', expiresAt: expiresAt.toISOString() },
      ttl,
    });
  const busy = failure('setup_busy', /^Another setup change is in progress.*; try again in a moment$/);

  test('two first saves at once: one creates the timer workspace, the other is told to wait (setup_busy)', async () => {
    // The first save is held as it creates the timer workspace, after finding none to adopt.
    let open!: () => void;
    world().twilio.addFault({
      method: 'POST',
      product: 'taskrouter',
      path: '/v1/Workspaces',
      times: 1,
      until: new Promise<void>((resolve) => (open = resolve)),
    });
    const workspaceCreates = () =>
      world().twilio.requests.filter((r) => r.method === 'POST' && r.path === '/v1/Workspaces').length;
    let first: FunctionAnswer;
    let second: FunctionAnswer;
    try {
      const saving = call(world(), 'settings-save', saveForm(world()));
      await world().until(() => workspaceCreates() > 0, "the first save's create of the timer workspace");
      second = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Second Admin' }));
      open();
      first = await saving;
    } finally {
      open();
    }

    expect(second.status).toBe(409);
    expect(second.body).toEqual(busy);
    expect(second.body.error.message).toContain('(Test & Save by admin@example.com)');
    expect(first.status).toBe(200);
    expect(timerWorkspaces(world()).map((ws) => ws.sid)).toEqual([storedConfig(world())!.timerWorkspaceSid]);
    expect(storedConfig(world())!.aiAuthorName).toBe('Acme Assistant');
    expect(lockDocument(world())).toBeUndefined();
    // Once the first is done, the second admin's save goes through.
    expect((await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Second Admin' }))).status).toBe(
      200,
    );
    expect(timerWorkspaces(world())).toHaveLength(1);
  });

  test('a save that fails releases the lock: the next one goes through', async () => {
    const since = lastSeq(world());
    world().twilio.addFault({ method: 'POST', path: /\/Documents\/opencx_config$/, status: 500, times: 20 });
    let failed: FunctionAnswer;
    try {
      failed = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Never Stored' }));
    } finally {
      world().twilio.clearFaults();
    }
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual(failure('twilio_unavailable', /^Twilio failed or did not answer in time/));
    expect(lockWrites(world(), since)).toHaveLength(1);
    expect(lockDocument(world())).toBeUndefined();

    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Acme Helper' }));
    expect(saved.status).toBe(200);
    expect(storedConfig(world())!.aiAuthorName).toBe('Acme Helper');
  });

  test('a save that ran out of time gives the lock back: its admin is not kept out by it', async () => {
    expect((await call(world(), 'settings-save', saveForm(world()))).status).toBe(200);
    // The settings write never answers: the save spends its whole budget waiting for it.
    let open!: () => void;
    world().twilio.addFault({
      method: 'POST',
      path: /\/Documents\/opencx_config$/,
      status: 503,
      until: new Promise<void>((resolve) => (open = resolve)),
    });
    let failed: FunctionAnswer;
    try {
      failed = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Never Stored' }));
    } finally {
      open();
      world().twilio.clearFaults();
    }
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('twilio_unavailable');
    expect(lockDocument(world())).toBeUndefined();

    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Acme Helper' }));
    expect(saved.status).toBe(200);
  });

  test('a live lock refuses every write operation, which writes nothing; load and the check still run', async () => {
    // Held for an hour: the Functions judge it by the real clock, and a busy machine may take a while.
    const held = seedLock(world(), new Date(Date.now() + 3_600_000));
    const authorBefore = storedConfig(world())?.aiAuthorName;
    const since = lastSeq(world());
    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Blocked' }));
    expect(saved.status).toBe(409);
    expect(saved.body).toEqual(
      failure('setup_busy', 'Another setup change is in progress (Apply fixes by cli:SK0001); try again in a moment'),
    );
    for (const [endpoint, fields] of [
      ['setup-apply', {}],
      ['setup-undo', {}],
      ['setup-uninstall', { confirm: 'uninstall' }],
    ] as const) {
      const refused = await call(world(), endpoint, { Token: flexToken(world()), ...fields });
      expect([endpoint, refused.status, refused.body]).toEqual([endpoint, 409, busy]);
    }
    for (const endpoint of ['settings-load', 'setup-check'] as const)
      expect((await call(world(), endpoint, { Token: flexToken(world()) })).status).toBe(200);

    const writes = world().twilio.requests.filter((r) => r.seq > since && r.method !== 'GET' && r.product !== 'iam');
    // Four attempts to create the lock, each refused.
    expect(writes.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
      Array(4).fill(`POST /v1/Services/${world().syncServiceSid}/Documents 409`),
    );
    expect(lockDocument(world())?.revision).toBe(held.revision);
    expect(storedConfig(world())?.aiAuthorName).toBe(authorBefore);
    await world().client.sync.v1.services(world().syncServiceSid).documents('opencx_setup_lock').remove();
  });

  test('an expired lock (its Function killed before releasing it) is taken over with If-Match', async () => {
    seedLock(world(), new Date(Date.now() - 1000));
    const since = lastSeq(world());
    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'After Takeover' }));
    expect(saved.status).toBe(200);
    const takeover = lockWrites(world(), since).filter((r) => r.path.endsWith('/opencx_setup_lock'));
    expect(takeover).toHaveLength(1);
    expect(takeover[0].headers['if-match']).toBeDefined();
    expect(lockDocument(world())).toBeUndefined();
  });

  test("a lock expired by its writer's clock alone (a terminal running behind) is put back: setup_busy", async () => {
    // The terminal's clock is ten minutes behind: its `expiresAt` is past, Sync keeps the lock a minute more.
    const data = seedLock(world(), new Date(Date.now() - 540_000), 60).data;
    const authorBefore = storedConfig(world())?.aiAuthorName;
    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Too Soon' }));
    expect(saved.status).toBe(409);
    expect(saved.body).toEqual(busy);
    expect(storedConfig(world())?.aiAuthorName).toBe(authorBefore);
    expect(lockDocument(world())?.data).toEqual(data);
    // Once Sync's time to live is over, the lock is gone and the next save goes through.
    world().advance(61_000);
    const after = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'In Time' }));
    expect(after.status).toBe(200);
    expect(storedConfig(world())?.aiAuthorName).toBe('In Time');
  });

  test("a lock create whose answer was lost is recognised as the save's own", async () => {
    const since = lastSeq(world());
    // Sync creates the lock, then the answer is lost: the retry meets the lock, with this save's id.
    world().twilio.addFault({ method: 'POST', path: /\/Documents$/, after: 500, times: 1 });
    const saved = await call(world(), 'settings-save', saveForm(world(), { aiAuthorName: 'Lost Answer' }));
    expect(saved.status).toBe(200);
    const creates = lockWrites(world(), since);
    expect(creates.map((r) => [r.processedStatus ?? r.status, r.status])).toEqual([
      [201, 500],
      [409, 409],
    ]);
    expect(storedConfig(world())!.aiAuthorName).toBe('Lost Answer');
    expect(lockDocument(world())).toBeUndefined();
  });
});
