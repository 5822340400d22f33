// The setup command line (`npm run setup`) as an admin or a CI pipeline runs it: a separate
// process signed in with an API key of the account, against the Twilio and OpenCX simulators,
// running the same operations as the admin Functions in twilio-run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPENCX_WEBHOOK_HEALTH_DOCUMENTS, webhookHealthNote } from '../../functions/common/config';
import { secretFingerprint } from '../../functions/common/opencx-signature';
import { locationOf } from '../../functions/common/shards';
import { OPENCX_WEBHOOK_SECRET, World } from '../harness/world';
import { lastSeq, postForm, postsButSetupLock, restCalls } from './helpers';

jest.setTimeout(60000);

const ROOT = path.resolve(__dirname, '../..');
/** What the setup docs ask for, so that the healthy account has no warning either. */
const AI_RESERVATION_TIMEOUT = 3600;

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node -r ./test/register-ts.cjs scripts/setup-cli.ts …`
 * (what `npm run setup --` runs) in `cwd`, with only `env` set.
 */
function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  command: string[] = [
    process.execPath,
    '-r',
    path.join(ROOT, 'test/register-ts.cjs'),
    path.join(ROOT, 'scripts/setup-cli.ts'),
  ],
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const statuses = (checks: { id: string; status: string }[]): Record<string, string> =>
  Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe('the setup command line', () => {
  let world: World;
  let cwd: string;
  let key: { sid: string; secret: string };
  /**
   * The account comes from `.env`; its key, which a deploy must not upload from `.env`, and the rest
   * from the environment, as a pipeline sets them.
   */
  let env: Record<string, string>;

  const cli = (...args: string[]) => runCli(args, env, cwd);
  const functionsAnswer = async (endpoint: string) => {
    const answer = await postForm(world.functions!.url, `/admin/${endpoint}`, {
      Token: world.iam.issueToken({ identity: 'admin@example.com', roles: ['admin'] }),
    });
    expect(answer.status).toBe(200);
    const { ok, ...payload } = answer.body;
    return payload;
  };

  beforeAll(async () => {
    // No webhook registered yet: the account is broken until apply.
    world = await World.start({ webhooks: false, aiReservationTimeout: AI_RESERVATION_TIMEOUT });
    // A signed OpenCX event arrived recently, so the OpenCX webhook check is ok.
    await world.client.sync.v1.services(world.syncServiceSid).documents.create({
      uniqueName: locationOf(OPENCX_WEBHOOK_HEALTH_DOCUMENTS, 'conversation.ai_response'),
      data: webhookHealthNote('conversation.ai_response', new Date(), secretFingerprint(OPENCX_WEBHOOK_SECRET)),
    });
    key = world.twilio.issueApiKey();
    cwd = mkdtempSync(path.join(tmpdir(), 'setup-cli-'));
    writeFileSync(path.join(cwd, '.env'), `TWILIO_ACCOUNT_SID=${world.twilio.accountSid}\n`);
    env = {
      TWILIO_API_KEY: key.sid,
      TWILIO_API_SECRET: key.secret,
      DOMAIN_NAME: new URL(world.functions!.url).host,
      SYNC_SERVICE_SID: world.syncServiceSid,
      TWILIO_API_BASE_URL: world.twilio.url,
      OPENCX_API_URL: world.opencx.url,
    };
  });
  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await world?.stop();
  });
  afterEach(() => expect(world.twilio.violations).toEqual([]));

  test('check --json on a broken account: just what the setup-check Function answers, and exit status 1', async () => {
    const run = await cli('check', '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const answer = JSON.parse(run.stdout);
    expect(statuses(answer.checks)).toMatchObject({
      workspace_events: 'problem',
      conversations_webhook: 'problem',
      timer_workspace: 'problem',
      opencx_token: 'ok',
      // The seeded AI worker was never repaired by Test & Save or Apply: it lacks the AI's skill.
      ai_worker: 'problem',
    });
    // The CLI never had the auth token: it signed in with the API key.
    expect(answer).toEqual(await functionsAnswer('setup-check'));
  });

  test('the readable report names each problem with its fix, and never prints the secret', async () => {
    const run = await cli('check');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Setup check: 4 problems, \d+ ok/);
    expect(run.stdout).toContain('lacks the "opencx_ai" routing skill');
    expect(run.stdout).toContain('[problem] Conversations webhook');
    expect(run.stdout).toContain(`Fix: Apply fixes: it registers ${world.webhookUrl} on the Conversations service`);
    expect(run.stdout).toContain('    apply fixes this');
    expect(run.stdout + run.stderr).not.toContain(key.secret);
  });

  test('apply fixes it (exit 0), and a second check exits 0 with every check ok', async () => {
    const applied = await cli('apply', '--json');
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const answer = JSON.parse(applied.stdout);
    expect(
      answer.steps.filter((s: { status: string }) => s.status === 'applied').map((s: { id: string }) => s.id),
    ).toEqual(expect.arrayContaining(['workspace_events', 'conversations_webhook', 'timer_workspace']));
    expect(world.taskrouter.workspace(world.workspaceSid).eventCallbackUrl).toMatch(
      new RegExp(`^${world.webhookUrl}\\?cv=`),
    );

    const checked = await cli('check');
    expect(checked.status).toBe(0);
    expect(checked.stdout).toMatch(/^Setup check: \d+ ok\n/);
    expect(statuses(JSON.parse((await cli('check', '--json')).stdout).checks)).toEqual(
      Object.fromEntries(answer.checks.map((c: { id: string }) => [c.id, 'ok'])),
    );
  });

  test('undo puts back what apply changed: exit 0, and the check finds the same problems as before apply', async () => {
    const workspaceBefore = world.taskrouter.workspace(world.workspaceSid).eventCallbackUrl;
    expect(workspaceBefore).toBeTruthy();
    const undone = await cli('undo', '--json');
    expect(undone.stderr).toBe('');
    expect(undone.status).toBe(0);
    const answer = JSON.parse(undone.stdout);
    expect(answer.restored).toMatchObject({ backupId: expect.any(String), by: `cli:${key.sid}` });
    expect(answer.steps.length).toBeGreaterThan(0);
    expect(answer.steps.every((s: { status: string }) => s.status !== 'failed')).toBe(true);
    expect(world.taskrouter.workspace(world.workspaceSid).eventCallbackUrl).toBeFalsy();

    const checked = await cli('check', '--json');
    expect(checked.status).toBe(1);
    expect(statuses(JSON.parse(checked.stdout).checks)).toMatchObject({
      workspace_events: 'problem',
      conversations_webhook: 'problem',
      timer_workspace: 'problem',
    });
  });

  test.each([
    [['frobnicate'], /Unknown command frobnicate/],
    [['check', '--workflow'], /--workflow needs a value/],
    [['check', '--colour'], /Unknown option --colour/],
    [[], /Name a command/],
  ])('bad usage %j exits 2 with the reason, and sends nothing', async (args, reason) => {
    const since = lastSeq(world);
    const run = await cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).toContain('Run with --help');
    expect(restCalls(world, since)).toEqual([]);
  });

  test('a workflow SID of the wrong shape is refused by the same form check as the Functions: exit 2', async () => {
    const run = await cli('check', '--workflow', 'WW123', '--json');
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'invalid_input',
        field: 'workflowSid',
        message: expect.stringMatching(/TaskRouter workflow SID.*\(--workflow\)$/),
      },
    });
    expect(run.stderr).toMatch(/check failed: .*TaskRouter workflow SID.*\(--workflow\)/);
  });

  test('apply while another setup change runs (a save in Flex): exit 3 with setup_busy, nothing written', async () => {
    const lock = world.sync.createDocument(world.syncServiceSid, {
      uniqueName: 'opencx_setup_lock',
      data: {
        id: 'a-save-in-flex',
        operation: 'Test & Save',
        by: 'admin@example.com',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    const since = lastSeq(world);
    try {
      const run = await cli('apply', '--json');
      expect(run.status).toBe(3);
      expect(JSON.parse(run.stdout)).toEqual({
        error: {
          code: 'setup_busy',
          message: 'Another setup change is in progress (Test & Save by admin@example.com); try again in a moment',
        },
      });
      expect(postsButSetupLock(world, since)).toEqual([]);
    } finally {
      await world.client.sync.v1.services(world.syncServiceSid).documents(lock.sid).remove();
    }
  });

  test('a key kept in .env still signs in, with a warning that a deploy would upload it', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'setup-cli-'));
    try {
      writeFileSync(
        path.join(elsewhere, '.env'),
        `TWILIO_ACCOUNT_SID=${world.twilio.accountSid}\nTWILIO_API_KEY=${key.sid}\nTWILIO_API_SECRET="${key.secret}"\n`,
      );
      const { TWILIO_API_KEY: _key, TWILIO_API_SECRET: _secret, ...rest } = env;
      const run = await runCli(['check', '--json'], rest, elsewhere);
      expect(JSON.parse(run.stdout)).toHaveProperty('checks');
      expect(run.stderr).toContain('Warning: .env holds TWILIO_API_SECRET,');
      expect(run.stdout + run.stderr).not.toContain(key.secret);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('a wrong API secret: exit 2 saying Twilio refused the key, without the secret', async () => {
    const run = await runCli(['check', '--json'], { ...env, TWILIO_API_SECRET: 'not-the-secret' }, cwd);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'twilio_credentials_refused',
        message: expect.stringContaining(`Twilio refused the API key ${key.sid}`),
      },
    });
    expect(run.stderr).toContain(
      `Twilio refused the API key ${key.sid} for account ${world.twilio.accountSid} (401, code 20003)`,
    );
    expect(run.stdout + run.stderr).not.toContain('not-the-secret');
  });

  test('no SYNC_SERVICE_SID: exit 1, the check naming the problem with its fix', async () => {
    const { SYNC_SERVICE_SID, ...withoutSync } = env;
    const run = await runCli(['check', '--json'], withoutSync, cwd);
    expect(run.status).toBe(1);
    const { checks } = JSON.parse(run.stdout) as {
      checks: { id: string; status: string; detail: string; fix?: string }[];
    };
    expect(statuses(checks)).toEqual({ api_urls: 'ok', sync_service: 'problem', config: 'problem' });
    expect(checks.find((check) => check.id === 'sync_service')).toMatchObject({
      detail: expect.stringMatching(/SYNC_SERVICE_SID is not set/),
      fix: expect.stringMatching(/Create a Sync service/),
    });
  });

  test('no credentials: exit 2 naming the variables to set', async () => {
    const noDotenv = mkdtempSync(path.join(tmpdir(), 'setup-cli-'));
    try {
      const { TWILIO_API_KEY: _key, TWILIO_API_SECRET: _secret, ...withoutKey } = env;
      const noAccount = await runCli(['check'], withoutKey, noDotenv);
      expect(noAccount.status).toBe(2);
      expect(noAccount.stderr).toMatch(/Set TWILIO_ACCOUNT_SID/);
      const run = await runCli(['check'], { ...withoutKey, TWILIO_ACCOUNT_SID: world.twilio.accountSid }, noDotenv);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/Set TWILIO_API_KEY and TWILIO_API_SECRET \(or TWILIO_AUTH_TOKEN\) in the shell/);
    } finally {
      rmSync(noDotenv, { recursive: true, force: true });
    }
  });

  test('uninstall without --yes refuses, says what it would remove, and writes nothing', async () => {
    const since = lastSeq(world);
    const run = await cli('uninstall');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/uninstall removes .* Run it again with --yes to confirm/);
    expect(restCalls(world, since)).toEqual([]);
  });

  // After it, the check asks for the settings again.
  test('uninstall --yes after an apply removes what the integration added: exit 0, complete', async () => {
    expect((await cli('apply')).status).toBe(0);
    // Uninstall leaves the admin's own filter to the AI alone, and keeps the AI while it routes there.
    const workflow = world.client.taskrouter.v1.workspaces(world.workspaceSid).workflows(world.workflowSid);
    const configuration = JSON.parse((await workflow.fetch()).configuration);
    configuration.task_routing.filters = configuration.task_routing.filters.filter(
      (filter: { filter_friendly_name: string }) => filter.filter_friendly_name !== 'OpenCX AI',
    );
    await workflow.update({ configuration: JSON.stringify(configuration) });
    const run = await cli('uninstall', '--yes');
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Uninstall complete.');
    expect(run.status).toBe(0);
    expect(world.taskrouter.workspace(world.workspaceSid).eventCallbackUrl).toBeFalsy();
    expect(world.aiWorkers()).toEqual([]);
    expect(world.sync.document(world.syncServiceSid, 'opencx_config')).toBeUndefined();

    const checked = await cli('check', '--json');
    expect(checked.status).toBe(1);
    expect(statuses(JSON.parse(checked.stdout).checks)).toEqual({
      api_urls: 'ok',
      sync_service: 'ok',
      config: 'problem',
    });
  });

  test('npm run setup runs it: --help prints the usage with exit 0', async () => {
    const run = await runCli(['--help'], env, ROOT, ['npm', 'run', '--silent', 'setup', '--']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run setup -- <command> \[options\]/);
  });
});
