// The production guards, in twilio-run against the simulators: Functions that see a twil.io domain
// (as deployed) send no request to a simulator URL (a developer's .env deployed by mistake) unless
// ALLOW_CUSTOM_API_URLS says so; and the setup check names a Sync service Flex agents could read.
import { findSecrets } from '../harness/secret-scan';
import type { World } from '../harness/world';
import { DEFAULT_API_KEY } from '../simulators/opencx/opencx-simulator';
import { type FunctionAnswer, lastSeq, postForm, restCalls, withWorld } from './helpers';
import { pattern } from '../../functions/common/pattern.testing';

jest.setTimeout(60000);

const DEPLOYED = 'opencx-flex-4821-dev.twil.io';

const adminToken = (world: World): string => world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] });
const setupCheck = (world: World): Promise<FunctionAnswer> =>
  postForm(world.functions!.url, '/admin/setup-check', { Token: adminToken(world) });
const checkById = (answer: FunctionAnswer, id: string) =>
  (answer.body.checks as { id: string; status: string; detail: string; fix?: string }[]).find(
    (check) => check.id === id,
  );
/** An admin's Test & Save of the world's resources, with `fields` on top. */
const settingsSave = (world: World, fields: Record<string, string> = {}): Promise<FunctionAnswer> =>
  postForm(world.functions!.url, '/admin/settings-save', {
    Token: adminToken(world),
    workspaceSid: world.workspaceSid,
    conversationsServiceSid: world.conversationsServiceSid,
    aiAuthorName: 'AI Support Agent',
    ...fields,
  });

/** The error lines the Functions printed since the last look. */
const errorLines = (world: World) => world.takeLogs().filter((line) => line.level === 'error');

/** Nothing in the Functions' output betrays the Twilio auth token or the OpenCX key. */
function expectNoSecretsIn(world: World): void {
  expect(
    findSecrets({ authToken: world.twilio.authToken, opencxKey: DEFAULT_API_KEY }, [
      ['functions output', world.functions!.output()],
    ]),
  ).toEqual([]);
}

describe("deployed with a developer's simulator URLs", () => {
  const world = withWorld({ deployedDomain: DEPLOYED });

  test('a customer message: the webhook answers 503 with one error line; nothing reaches Twilio, OpenCX', async () => {
    world().takeLogs();
    const since = lastSeq(world());
    const { conversationSid } = await world().customerStartsConversation('Where is my order?');

    const deliveries = world().twilio.webhooks.filter((delivery) => delivery.url.startsWith(world().webhookUrl));
    expect(deliveries.length).toBeGreaterThan(0);
    // On a loaded machine a forked Function may answer after Twilio's 5 s: then its answer is late.
    expect(deliveries.map((delivery) => delivery.status ?? delivery.lateStatus)).toEqual(deliveries.map(() => 503));
    expect(restCalls(world(), since)).toEqual([]);
    expect(world().opencx.requests).toEqual([]);
    // Nothing is lost: the message stays in the conversation for when the environment is fixed.
    expect(
      world()
        .transcript(conversationSid)
        .map((m) => m.body),
    ).toEqual(['Where is my order?']);

    const lines = errorLines(world());
    expect(lines.every((line) => line.outcome === 'refused')).toBe(true);
    expect(lines).toHaveLength(deliveries.length);
    expect(String(lines[0].reason)).toMatch(
      pattern(
        /^TWILIO_API_BASE_URL points to http:\/\/127\.0\.0\.1:\d+ /,
        /\(not https and not a Twilio host \(\*\.twilio\.com\)\); /,
        /OPENCX_API_URL points to http:\/\/127\.0\.0\.1:\d+ .*ALLOW_CUSTOM_API_URLS=true/,
      ),
    );
    expectNoSecretsIn(world());
  });

  test("OpenCX's webhook is answered 503 before the signing secret is read from Sync", async () => {
    const since = lastSeq(world());
    const response = await fetch(`${world().functions!.url}/opencx-webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ event: 'conversation.ai_response' }),
    });
    expect(response.status).toBe(503);
    expect(restCalls(world(), since)).toEqual([]);
    expect(errorLines(world())).toEqual([
      expect.objectContaining({ event: 'conversation.ai_response', origin: 'opencx', outcome: 'refused' }),
    ]);
  });

  test('the admin Functions answer 500 unsafe_api_url without checking the Flex token with Twilio', async () => {
    const since = lastSeq(world());
    const answer = await setupCheck(world());
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      ok: false,
      error: {
        code: 'unsafe_api_url',
        message: expect.stringMatching(/TWILIO_API_BASE_URL and OPENCX_API_URL .*ALLOW_CUSTOM_API_URLS=true/),
      },
    });
    expect(answer.text).not.toContain('127.0.0.1');
    expect(restCalls(world(), since)).toEqual([]);
    expect(errorLines(world())).toEqual([
      expect.objectContaining({
        event: 'setup-check',
        code: 'unsafe_api_url',
        reason: expect.stringMatching(/TWILIO_API_BASE_URL points to http:\/\/127\.0\.0\.1/),
      }),
    ]);
    expectNoSecretsIn(world());
  });
});

describe('deployed with ALLOW_CUSTOM_API_URLS=true', () => {
  const world = withWorld({ deployedDomain: DEPLOYED, functionsEnv: { ALLOW_CUSTOM_API_URLS: 'true' } });

  test('the AI answers as usual', async () => {
    const { conversationSid } = await world().customerStartsConversation('Where is my order?');
    expect(world().postedAsAi(conversationSid).length).toBeGreaterThan(0);
  });

  test('the setup check warns that the credentials go to custom URLs', async () => {
    const answer = await setupCheck(world());
    expect(answer.status).toBe(200);
    expect(checkById(answer, 'api_urls')).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(
        pattern(
          /TWILIO_API_BASE_URL points to http:\/\/127\.0\.0\.1:\d+ .*/,
          /ALLOW_CUSTOM_API_URLS=true lets the Functions send the Twilio credentials and the OpenCX API key there/,
        ),
      ),
    });
    expect(checkById(answer, 'sync_service')).toMatchObject({ status: 'ok' });
  });
});

describe('the Sync service the settings live in', () => {
  describe('SYNC_SERVICE_SID not set', () => {
    const world = withWorld({ functionsEnv: { SYNC_SERVICE_SID: '' } });

    test('the setup check names the problem, with the fix, instead of failing', async () => {
      const answer = await setupCheck(world());
      expect(answer.status).toBe(200);
      expect((answer.body.checks as { id: string; status: string }[]).map((check) => [check.id, check.status])).toEqual(
        [
          ['api_urls', 'ok'],
          ['sync_service', 'problem'],
          ['config', 'problem'],
        ],
      );
      expect(checkById(answer, 'sync_service')).toMatchObject({
        detail: expect.stringMatching(/SYNC_SERVICE_SID is not set/),
        fix: expect.stringMatching(/Create a Sync service/),
      });
    });
  });

  describe('SYNC_SERVICE_SID naming no service of the account', () => {
    const world = withWorld({ functionsEnv: { SYNC_SERVICE_SID: `IS${'0'.repeat(32)}` } });

    test('Test & Save is refused before any write: 500, nothing created in TaskRouter', async () => {
      const workersBefore = world().aiWorkers().length;
      const since = lastSeq(world());
      world().takeLogs();
      const answer = await settingsSave(world());

      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({
        ok: false,
        error: { code: 'server_misconfigured', message: expect.stringMatching(/SYNC_SERVICE_SID.*nothing was saved/) },
      });
      expect(restCalls(world(), since).filter((call) => !call.startsWith('GET'))).toEqual([
        'POST iam /v1/Accounts/{AccountSid}/Tokens/validate',
        'POST sync /v1/Services/{ServiceSid}/Documents',
      ]);
      expect(world().aiWorkers()).toHaveLength(workersBefore);
      expect(errorLines(world()).map((line) => line.reason ?? line.error)).toEqual([
        expect.stringMatching(/SYNC_SERVICE_SID IS0{32} names no Sync service/),
      ]);
    });
  });

  describe("the account's default service, which Flex agents' tokens read", () => {
    const world = withWorld({ settingsInDefaultSyncService: true });

    test('the setup check is a problem, though the settings are found there', async () => {
      const answer = await setupCheck(world());
      expect(answer.status).toBe(200);
      expect(checkById(answer, 'sync_service')).toMatchObject({
        status: 'problem',
        detail: expect.stringMatching(
          /default Sync service "Default Service" \(IS[0-9a-f]{32}\), which every Flex agent's token can read/,
        ),
        fix: expect.stringMatching(/Create a Sync service/),
      });
      expect(checkById(answer, 'config')).toMatchObject({ status: 'ok' });
    });

    test('Test & Save writes no key there: 500, nothing saved, the log says why', async () => {
      const before = world().sync.document(world().syncServiceSid, 'opencx_config')!.revision;
      const since = lastSeq(world());
      world().takeLogs();
      const answer = await settingsSave(world(), { opencxToken: 'ocx_live_a_new_key_for_the_default_service' });

      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({
        ok: false,
        error: {
          code: 'server_misconfigured',
          message: expect.stringMatching(/default Sync service.*nothing was saved/),
        },
      });
      expect(world().sync.document(world().syncServiceSid, 'opencx_config')!.revision).toBe(before);
      // Only the token's validation and the setup lock (taken and given back): nothing of the save.
      expect(restCalls(world(), since).filter((call) => !call.startsWith('GET'))).toEqual([
        'POST iam /v1/Accounts/{AccountSid}/Tokens/validate',
        'POST sync /v1/Services/{ServiceSid}/Documents',
        'DELETE sync /v1/Services/{ServiceSid}/Documents/{Sid}',
      ]);
      expect(errorLines(world()).map((line) => line.reason ?? line.error)).toEqual([
        expect.stringMatching(/SYNC_SERVICE_SID names the default Sync service/),
      ]);
      expect(JSON.stringify(world().takeLogs())).not.toContain('ocx_live_a_new_key_for_the_default_service');
    });
  });
});
