import { cliSettings, credentialsInDotenv, parseArguments, UsageError } from './options';

describe('parseArguments', () => {
  test('a command with its options, in any order, with values apart or after =', () => {
    expect(
      parseArguments(['--json', 'apply', '--workflow', 'WW1', '--human-queue=WQ2', '--replace-callback-url']),
    ).toEqual({
      command: 'apply',
      json: true,
      workflowSid: 'WW1',
      humanQueueSid: 'WQ2',
      replaceCallbackUrl: true,
      keepSyncData: false,
      yes: false,
    });
    expect(parseArguments(['uninstall', '--yes', '--keep-sync-data', '--domain', 'opencx-1.twil.io'])).toMatchObject({
      command: 'uninstall',
      yes: true,
      keepSyncData: true,
      domain: 'opencx-1.twil.io',
    });
  });

  test('--help wins over everything else', () => {
    expect(parseArguments(['check', '--help'])).toBe('help');
    expect(parseArguments(['-h'])).toBe('help');
  });

  test.each([
    [[], 'Name a command'],
    [['check', 'apply'], 'One command at a time, not check apply'],
    [['install'], 'Unknown command install'],
    [['check', '--verbose'], 'Unknown option --verbose'],
    [['check', '--json=yes'], 'Unknown option --json'],
    [['check', '--workflow'], '--workflow needs a value'],
    [['check', '--workflow', '--json'], '--workflow needs a value'],
    [['check', '--domain='], '--domain needs a value'],
  ])('%j is a usage error: %s', (args, message) => {
    expect(() => parseArguments(args)).toThrow(new UsageError(message));
  });
});

test("names the command line's credentials found in .env, which a deploy would upload", () => {
  expect(credentialsInDotenv({ ACCOUNT_SID: 'AC1', AUTH_TOKEN: 't', SYNC_SERVICE_SID: 'IS1' })).toEqual([]);
  // The key's SID is no secret; its secret and an auth token are.
  expect(credentialsInDotenv({ TWILIO_API_KEY: 'SK1', TWILIO_API_SECRET: 's', TWILIO_AUTH_TOKEN: ' ' })).toEqual([
    'TWILIO_API_SECRET',
  ]);
});

describe('cliSettings', () => {
  const account = 'AC' + 'a'.repeat(32);
  const base = { TWILIO_ACCOUNT_SID: account, DOMAIN_NAME: 'opencx-1234-dev.twil.io', SYNC_SERVICE_SID: 'IS1' };

  test('an API key signs in; the process environment wins over .env', () => {
    const settings = cliSettings(
      {},
      { ...base, TWILIO_API_KEY: 'SKdotenv', TWILIO_API_SECRET: 'from-file' },
      { TWILIO_API_KEY: 'SKenv', TWILIO_API_SECRET: 'from-env' },
    );
    expect(settings.apiKey).toEqual({ sid: 'SKenv', secret: 'from-env' });
    expect(settings.env).toMatchObject({
      ACCOUNT_SID: account,
      AUTH_TOKEN: '',
      DOMAIN_NAME: 'opencx-1234-dev.twil.io',
      SYNC_SERVICE_SID: 'IS1',
    });
  });

  test("the auth token is accepted too, as the Functions' own .env names it", () => {
    const settings = cliSettings({}, { ACCOUNT_SID: account, AUTH_TOKEN: 'token', DOMAIN_NAME: 'x.twil.io' }, {});
    expect(settings.apiKey).toBeUndefined();
    expect(settings.env).toMatchObject({ ACCOUNT_SID: account, AUTH_TOKEN: 'token' });
  });

  test('--domain wins over DOMAIN_NAME, and a pasted URL is reduced to its domain', () => {
    const env = { ...base, TWILIO_AUTH_TOKEN: 'token' };
    expect(cliSettings({ domain: 'https://opencx-9-prod.twil.io/' }, env, {}).env.DOMAIN_NAME).toBe(
      'opencx-9-prod.twil.io',
    );
    expect(cliSettings({}, { ...env, DOMAIN_NAME: 'https://opencx-1234-dev.twil.io' }, {}).env.DOMAIN_NAME).toBe(
      'opencx-1234-dev.twil.io',
    );
  });

  test.each([
    [{ DOMAIN_NAME: 'x.twil.io', TWILIO_AUTH_TOKEN: 't' }, /Set TWILIO_ACCOUNT_SID/],
    [{ ...base }, /Set TWILIO_API_KEY and TWILIO_API_SECRET \(or TWILIO_AUTH_TOKEN\)/],
    [{ ...base, TWILIO_API_KEY: 'SK1' }, /TWILIO_API_KEY is set without TWILIO_API_SECRET/],
    [{ ...base, TWILIO_AUTH_TOKEN: 't', DOMAIN_NAME: ' ' }, /--domain/],
  ])('missing credentials or domain are a usage error naming what to set (%#)', (variables, message) => {
    expect(() => cliSettings({}, variables, {})).toThrow(message);
  });

  test('an error never carries a secret', () => {
    const secret = 'super-secret-value';
    try {
      cliSettings({}, { TWILIO_API_SECRET: secret, TWILIO_ACCOUNT_SID: account }, {});
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
    expect.assertions(1);
  });
});
