// Every Function under seeded random and malformed input, in one warm twilio-run, after a normal
// conversation with a settings save, load and setup check. Then no response, header or log line
// may carry a secret, in any encoding. FUZZ_ITERATIONS raises the count (default 150), FUZZ_SEED
// replays a run. What a case expects, and the one 5xx allowed, are defined in test/harness/fuzz.ts.
import twilio from 'twilio';
import { answeredByFunction, type FuzzExchange, fuzzFunctions, type FuzzReport, judge, summary } from '../harness/fuzz';
import { CONFIG_DOCUMENT } from '../../functions/common/config';
import { findSecrets } from '../harness/secret-scan';
import { OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import { DEFAULT_API_KEY } from '../simulators/opencx/opencx-simulator';
import { type FunctionAnswer, postForm, postSigned, postSignedOpencx } from './helpers';

jest.setTimeout(120000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 150);
/** What the admin pastes in the settings view in this run. */
const ORG_TOKEN = 'ocx_live_fuzz_org_token_5d1e';
const WEBHOOK_SECRET = 'whsec_fuzz_signing_secret_91ab';
/** A further key of the organisation, saved beside the main one. */
const EXTRA_KEY = 'ocx_live_fuzz_extra_key_7c3f';

let world: World;
const adminAnswers: FunctionAnswer[] = [];
const reproducerAnswers: string[] = [];
let conversationSid = '';
let aiRepliesBeforeFuzz = 0;
/** A conversation the AI still holds during the fuzz: replays of its deliveries must change nothing. */
let aiHeldSid = '';
let aiHeldBefore = { replies: 0, contactMessages: 0, sessions: 0 };
let report: FuzzReport;

const aiReplies = (sid: string) =>
  world.transcript(sid).filter((m) => (m.attributes.opencx as { role?: string } | undefined)?.role === 'ai').length;

/** What the customer and OpenCX saw of the conversation the AI holds. */
function aiHeldFacts() {
  const session = world.sessionFor(aiHeldSid);
  return {
    replies: aiReplies(aiHeldSid),
    contactMessages: session ? world.contactMessages(session.id).length : 0,
    sessions: [...world.opencx.sessions.values()].filter((s) => s.custom_data?.flex_conversation_sid === aiHeldSid)
      .length,
  };
}

async function admin(endpoint: string, fields: Record<string, string> = {}): Promise<FunctionAnswer> {
  const Token = world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
  const answer = await postForm(world.functions!.url, `/admin/${endpoint}`, { Token, ...fields });
  adminAnswers.push(answer);
  return answer;
}

/**
 * Product defects this fuzzer finds, excused here so the rest of the run stays strict while each is
 * fixed. Each gets a reproducer below marked `test.failing`: fixing the defect makes it fail, and
 * then its entry goes. None is open.
 */
const KNOWN_DEFECTS: { defect: string; covers: (exchange: FuzzExchange) => boolean }[] = [];

beforeAll(async () => {
  world = await World.start({ runtimeMode: 'warm', opencx: { apiKeys: [DEFAULT_API_KEY, ORG_TOKEN, EXTRA_KEY] } });
});
afterAll(() => world?.stop());

test('a normal conversation after Test & Save, a settings load and a setup check', async () => {
  const saved = await admin('settings-save', {
    opencxToken: ORG_TOKEN,
    opencxExtraTokens: EXTRA_KEY,
    opencxWebhookSecret: WEBHOOK_SECRET,
    workspaceSid: world.workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    aiQueueSid: world.aiQueueSid,
  });
  expect(saved.status).toBe(200);
  world.opencx.configureWebhook({ url: world.opencxWebhookUrl, secret: WEBHOOK_SECRET });
  expect((await admin('settings-load')).body.settings).toMatchObject({
    configured: true,
    opencxWebhookSecretSet: true,
  });
  expect((await admin('setup-check')).status).toBe(200);

  world.opencx.ai
    .reply('Hello! What is your order number?')
    .reply('It ships tomorrow.')
    .reply({ type: 'handoff', summary: 'Wants a refund', sentiment: 'neutral' });
  const started = await world.customerStartsConversation('Where is my order?');
  conversationSid = started.conversationSid;
  await world.customerSays(conversationSid, 'Order 1234');
  await world.customerSays(conversationSid, 'I want a refund');
  await world.humanAgentAccepts(started.taskSid);

  aiRepliesBeforeFuzz = aiReplies(conversationSid);
  expect(aiRepliesBeforeFuzz).toBe(2);

  world.opencx.ai.reply('Yes, we ship to Norway.').reply('And to Iceland too.');
  aiHeldSid = (await world.customerStartsConversation('Do you ship to Norway?')).conversationSid;
  await world.customerSays(aiHeldSid, 'And to Iceland?');
  aiHeldBefore = aiHeldFacts();
  expect(aiHeldBefore).toEqual({ replies: 2, contactMessages: 2, sessions: 1 });
  expect(world.task(started.taskSid).attributes).toMatchObject({ handedOff: true });
  expect(world.opencx.webhookDeliveries.filter((d) => d.attempts.some((a) => a.status === 200)).length).toBeGreaterThan(
    2,
  );
});

// Every forged or unsigned request is refused.
test(`fuzzer (seed ${SEED}, ${ITERATIONS} requests): no crash, no unhandled 5xx, forgeries refused`, async () => {
  report = await fuzzFunctions(world, WEBHOOK_SECRET, { seed: SEED, iterations: ITERATIONS });

  const unexcused = report.exchanges.filter((e) => !KNOWN_DEFECTS.some((known) => known.covers(e))).flatMap(judge);
  expect(unexcused).toEqual([]);
  expect(summary(report)).toMatch(/ 0 crashes, /);
  expect(summary(report)).toMatch(/forged or unsigned refused \(100\.0 %\)/);
  expect(report.exchanges).toHaveLength(ITERATIONS);
  expect(report.counts.refused).toBeGreaterThan(ITERATIONS / 4);
  expect(report.counts.ignored).toBeGreaterThan(ITERATIONS / 5);
  for (const endpoint of ['webhook', 'opencx-webhook', 'admin', 'agent']) {
    expect(
      report.exchanges.filter((e) => e.fuzzCase.endpoint === endpoint && e.fuzzCase.expectation === 'refused').length,
    ).toBeGreaterThan(0);
    // An agent's fuzzed request names no task they hold: a clear 4xx of the Function's own.
    const handled = (status: number | null) =>
      endpoint === 'agent' ? status !== null && status < 500 : status === 200;
    expect(
      report.exchanges.filter(
        (e) =>
          e.fuzzCase.endpoint === endpoint &&
          e.fuzzCase.expectation === 'ignored' &&
          handled(e.status) &&
          answeredByFunction(e),
      ).length,
    ).toBeGreaterThan(0);
  }
  // The one allowed 5xx was met: a Sync outage got the "retry me" answer.
  expect(report.exchanges.some((e) => e.fuzzCase.expectation === 'transient' && e.status === 503)).toBe(true);
  // Replays of real deliveries changed nothing the customer or OpenCX sees (the next test replays
  // every delivery of the conversation the AI holds).
  const replays = report.exchanges.filter((e) => e.fuzzCase.kind === 'replay of a real delivery');
  expect(replays.length).toBeGreaterThan(0);
  expect(aiReplies(conversationSid)).toBe(aiRepliesBeforeFuzz);
  expect(aiHeldFacts()).toEqual(aiHeldBefore);
});

test('every real delivery of a conversation the AI holds, replayed validly signed, changes nothing', async () => {
  const base = `${world.functions!.url}/webhook`;
  const twilioDeliveries = world.twilio.webhooks.filter(
    (d) => (d.url === base || d.url.startsWith(`${base}?`)) && JSON.stringify(d.params).includes(aiHeldSid),
  );
  // The AI's offer and the customer's two messages, at least.
  expect(twilioDeliveries.length).toBeGreaterThanOrEqual(3);
  for (const d of twilioDeliveries) {
    const replayed = await fetch(d.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': twilio.getExpectedTwilioSignature(world.twilio.authToken, d.url, d.params),
      },
      body: new URLSearchParams(d.params).toString(),
    });
    expect([d.params.EventType, replayed.status]).toEqual([d.params.EventType, 200]);
  }
  const sessionId = world.sessionFor(aiHeldSid)!.id;
  const opencxDeliveries = world.opencx.webhookDeliveries.filter((d) => d.rawBody.includes(sessionId));
  expect(opencxDeliveries.length).toBeGreaterThanOrEqual(2);
  for (const d of opencxDeliveries)
    expect((await postSignedOpencx(world, d.rawBody, WEBHOOK_SECRET)).status).toBeLessThan(300);
  await world.settle();

  expect(aiHeldFacts()).toEqual(aiHeldBefore);
});

test('after the fuzzer the runtime still serves a customer', async () => {
  world.opencx.ai.reply('Still here.');
  const { conversationSid: fresh } = await world.customerStartsConversation('Anyone there?');
  expect(world.postedAsAi(fresh).map((m) => m.body)).toEqual(['Still here.']);
  const excused = report.exchanges
    .filter((e) => KNOWN_DEFECTS.some((known) => known.covers(e)))
    .flatMap((e) => e.violations);
  expect(
    world.twilio.violations
      .map((v) => `${v.method} ${v.path}: ${v.problems.join('; ')}`)
      .filter((v) => !excused.includes(v)),
  ).toEqual([]);
});

describe('defects the fuzzer found, reproduced', () => {
  async function postOpencx(conversationId: string): Promise<{ status: number; violations: number }> {
    const violationsBefore = world.twilio.violations.length;
    const body = JSON.stringify({
      event: 'conversation.handoff_to_human',
      organization_id: 'org',
      data: { conversation_id: conversationId, summary: 'x', user_sentiment: 'neutral' },
    });
    const response = await postSignedOpencx(world, body, WEBHOOK_SECRET);
    reproducerAnswers.push(await response.text());
    await world.settle();
    return { status: response.status, violations: world.twilio.violations.length - violationsBefore };
  }

  test.each(['a/b', 'a\u0000b\u0007c\u001b[31m\r\n'])(
    'a signed OpenCX handoff for session id %j is ignored with a 2xx, and Twilio sees no invalid request',
    async (conversationId) => {
      expect(await postOpencx(conversationId)).toEqual({ status: 200, violations: 0 });
    },
  );

  // JSON.parse reads it, JSON.stringify overflows the stack on it: the handler must answer, not die with the runtime.
  test.each([
    ['OpenCX webhook', () => world.opencxWebhookUrl, 400],
    ['Twilio webhook', () => world.webhookUrl, 403],
  ])(
    'a JSON body nested 20,000 deep to the %s gets a clear refusal, and the runtime goes on',
    async (_, url, status) => {
      const deep = `{"event":"conversation.ai_response","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const response = await fetch(url(), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: deep,
      });
      reproducerAnswers.push(await response.text());
      expect(response.status).toBe(status);
      const after = await fetch(world.opencxWebhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ event: 'conversation.ai_response', data: { conversation_id: 'x' } }),
      });
      reproducerAnswers.push(await after.text());
      expect(after.status).toBe(401);
    },
  );

  test('unsigned and malformed posts to the OpenCX webhook make no extra reads of the settings', async () => {
    const settingsReads = () =>
      world.twilio.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/Documents/${CONFIG_DOCUMENT}`))
        .length;
    const before = settingsReads();
    const junk: Record<string, string>[] = [
      {},
      { 'X-OpenCX-Signature': 'x', 'X-OpenCX-Timestamp': 'soon' },
      { 'X-OpenCX-Signature': 'x' },
    ];
    for (const headers of junk) {
      const response = await fetch(world.opencxWebhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ event: 'conversation.ai_response', data: { conversation_id: 'x' } }),
      });
      reproducerAnswers.push(await response.text());
      expect(response.status).toBe(401);
    }
    await world.settle();
    // At most the warm container's own refresh of its cached copy.
    expect(settingsReads() - before).toBeLessThanOrEqual(1);
  });

  test('a signed AI reservation for a task and conversation that do not exist: no 5xx, no OpenCX session', async () => {
    const sessionsBefore = world.opencx.sessions.size;
    const params = {
      EventType: 'reservation.created',
      Sid: 'EV' + '7'.repeat(32),
      AccountSid: world.twilio.accountSid,
      WorkspaceSid: world.workspaceSid,
      TaskSid: 'WT' + '7'.repeat(32),
      TaskAttributes: JSON.stringify({ channelType: 'web', conversationSid: 'CH' + '7'.repeat(32) }),
      TaskAssignmentStatus: 'reserved',
      ReservationSid: 'WR' + '7'.repeat(32),
      WorkerSid: world.aiWorkerSid,
    };
    const response = await postSigned(world, params);
    reproducerAnswers.push(await response.text());
    await world.settle();
    expect(response.status).toBeLessThan(500);
    expect(world.opencx.sessions.size).toBe(sessionsBefore);
  });
});

// The secrets: the org token, the webhook secret, the Twilio auth token.
test('no response body, header or log line carries a secret, in any encoding', () => {
  const texts: [string, string][] = [
    ['Functions output', world.functions!.output()],
    ...adminAnswers.map((a, i): [string, string] => [`admin answer ${i}`, JSON.stringify([...a.headers]) + a.text]),
    ...report.exchanges.map((e): [string, string] => [`fuzz #${e.fuzzCase.index}`, JSON.stringify(e.headers) + e.body]),
    ...reproducerAnswers.map((text, i): [string, string] => [`reproducer ${i}`, text]),
    ...world.twilio.webhooks.map((d): [string, string] => [
      `Twilio delivery ${d.seq}`,
      JSON.stringify(d.responseHeaders ?? {}) + (d.responseBody ?? ''),
    ]),
    ...world.opencx.webhookDeliveries.flatMap((d) =>
      d.attempts.map((a, i): [string, string] => [
        `OpenCX delivery ${d.id}/${i}`,
        JSON.stringify(a.responseHeaders ?? {}) + (a.responseBody ?? ''),
      ]),
    ),
  ];
  // The secrets were in play: saved by the admin, used against OpenCX, signing its webhooks.
  expect(world.sync.document(world.syncServiceSid, 'opencx_config')?.data).toMatchObject({
    opencxToken: ORG_TOKEN,
    opencxExtraTokens: [EXTRA_KEY],
    opencxWebhookSecret: WEBHOOK_SECRET,
  });
  expect(world.twilio.webhooks.filter((d) => d.responseBody && d.responseHeaders).length).toBeGreaterThan(5);
  const secrets = {
    'org token': ORG_TOKEN,
    'first org token': DEFAULT_API_KEY,
    'further key': EXTRA_KEY,
    'webhook secret': WEBHOOK_SECRET,
    'first webhook secret': OPENCX_WEBHOOK_SECRET,
    'Twilio auth token': world.twilio.authToken,
  };
  // The scan sees a secret where one is: in the form the admin posted.
  expect(
    findSecrets(secrets, [["the admin's form", new URLSearchParams({ opencxToken: ORG_TOKEN }).toString()]]),
  ).not.toEqual([]);
  expect(findSecrets(secrets, texts)).toEqual([]);
});
