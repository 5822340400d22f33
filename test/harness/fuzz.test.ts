// The fuzzer's own rules, without a runtime: the same seed gives the same requests, and the judge
// flags each broken rule. The secret scanner finds a secret in every encoding it claims.
import { type FuzzCase, type FuzzExchange, type FuzzFacts, generateCases, judge, Rng, summary } from './fuzz';
import { findSecrets, secretNeedles } from './secret-scan';

const facts: FuzzFacts = {
  baseUrl: 'http://localhost:3000',
  accountSid: 'AC' + '1'.repeat(32),
  authToken: 'a'.repeat(32),
  workspaceSid: 'WS' + '1'.repeat(32),
  timerWorkspaceSid: 'WS' + '2'.repeat(32),
  conversationsServiceSid: 'IS' + '1'.repeat(32),
  aiWorkerSid: 'WK' + '1'.repeat(32),
  humanWorkerSid: 'WK' + '2'.repeat(32),
  opencxWebhookSecret: 'whsec_unit',
  tokens: { admin: 'admin-token', agent: 'agent-token', worker: 'worker-token', expired: 'expired-token' },
  twilioReplays: [{ EventType: 'onMessageAdded', MessageSid: 'IM' + '1'.repeat(32) }],
  opencxReplays: [{ headers: { 'content-type': 'application/json' }, rawBody: '{}' }],
  nowSeconds: () => 1_800_000_000,
};

const exchange = (fuzzCase: Partial<FuzzCase>, answer: Partial<FuzzExchange>): FuzzExchange => ({
  fuzzCase: {
    index: 7,
    endpoint: 'webhook',
    kind: 'k',
    expectation: 'ignored',
    path: '/webhook',
    method: 'POST',
    headers: {},
    ...fuzzCase,
  },
  status: 200,
  headers: {},
  body: '{"outcome":"ignored"}',
  twilioWrites: [],
  opencxCalls: 0,
  violations: [],
  logs: [{ outcome: 'ignored' }],
  ...answer,
});

describe('generateCases', () => {
  test('the same seed gives the same requests; another seed others', () => {
    expect(generateCases(42, 60, facts)).toEqual(generateCases(42, 60, facts));
    expect(generateCases(43, 60, facts)).not.toEqual(generateCases(42, 60, facts));
  });

  test('covers every endpoint and expectation, and both Functions get replays', () => {
    const cases = generateCases(1, 600, facts);
    for (const endpoint of ['webhook', 'opencx-webhook', 'admin', 'agent']) {
      const plugin = endpoint === 'admin' || endpoint === 'agent';
      for (const expectation of plugin ? ['refused', 'ignored'] : ['refused', 'ignored', 'transient']) {
        expect(cases.some((c) => c.endpoint === endpoint && c.expectation === expectation)).toBe(true);
      }
      if (!plugin)
        expect(cases.some((c) => c.endpoint === endpoint && c.kind === 'replay of a real delivery')).toBe(true);
    }
    expect(cases.some((c) => (c.body?.length ?? 0) > 1_000_000)).toBe(true);
  });

  test('an admin token only meets the read-only admin Functions', () => {
    const admin = generateCases(2, 600, facts).filter((c) => c.endpoint === 'admin' && c.expectation === 'ignored');
    expect(admin.length).toBeGreaterThan(0);
    for (const c of admin) expect(['/admin/settings-load', '/admin/setup-check']).toContain(c.path);
  });

  test('Rng gives the same numbers on every machine and Node version', () => {
    const rng = new Rng(7);
    expect([rng.below(1000), rng.below(1000), rng.hex(8), rng.uuid()]).toEqual([
      11,
      61,
      'fb86738b',
      '42c83548-4f3e-4224-ac1e-89af9ed02560',
    ]);
  });
});

describe('judge', () => {
  test('a request left without an answer is a crash', () => {
    expect(judge(exchange({}, { status: null, error: 'ECONNRESET' }))).toEqual([
      expect.stringContaining('crash, no answer (ECONNRESET)'),
    ]);
  });

  test('a 5xx is a finding, except the "retry me" 503 of a webhook under a dependency outage', () => {
    const retryMe = { status: 503, body: '{"outcome":"failed","reason":"temporary failure"}' };
    expect(judge(exchange({ expectation: 'transient' }, retryMe))).toEqual([]);
    expect(judge(exchange({ expectation: 'ignored' }, retryMe))).toEqual([expect.stringContaining('unhandled 503')]);
    expect(judge(exchange({ expectation: 'transient' }, { status: 500, body: '{"outcome":"failed"}' }))).toEqual([
      expect.stringContaining('unhandled 500'),
    ]);
    expect(
      judge(exchange({ expectation: 'transient', endpoint: 'admin' }, { status: 503, body: '{"outcome":"failed"}' })),
    ).toEqual([expect.stringContaining('unhandled 503')]);
  });

  test('a forged request must be refused with a 4xx and change nothing', () => {
    const refused = { expectation: 'refused' as const };
    expect(judge(exchange(refused, { status: 403 }))).toEqual([]);
    expect(judge(exchange(refused, { status: 200 }))).toEqual([expect.stringContaining('not refused, answered 200')]);
    expect(judge(exchange(refused, { status: 403, twilioWrites: ['POST sync /x'] }))).toEqual([
      expect.stringContaining('wrote to Twilio: POST sync /x'),
    ]);
    expect(judge(exchange(refused, { status: 401, opencxCalls: 1 }))).toEqual([
      expect.stringContaining('called OpenCX'),
    ]);
  });

  test('every answer of a Function is logged, a refusal too; the runtime refusing a body is not the Function', () => {
    expect(judge(exchange({}, { logs: [] }))).toEqual([expect.stringContaining('without a log line')]);
    const refusal = { status: 403, body: '{"outcome":"forbidden"}', logs: [] };
    expect(judge(exchange({ expectation: 'refused' }, refusal))).toEqual([
      expect.stringContaining('answered 403 without a log line'),
    ]);
    expect(judge(exchange({}, { status: 413, body: 'PayloadTooLargeError', logs: [] }))).toEqual([]);
  });

  test('a request Twilio would refuse is a finding', () => {
    expect(judge(exchange({}, { violations: ['GET /sync/v1/x: no path'] }))).toEqual([
      expect.stringContaining('request the real API refuses: GET /sync/v1/x'),
    ]);
  });
});

test('summary counts refusals, crashes and the 5xx apart from the deliberate ones', () => {
  const exchanges = [
    exchange({ expectation: 'refused' }, { status: 403 }),
    exchange({ expectation: 'refused' }, { status: 200 }),
    exchange({ expectation: 'transient' }, { status: 503, body: '{"outcome":"failed"}' }),
    exchange({}, { status: 500 }),
    exchange({}, { status: null }),
  ];
  expect(
    summary({
      seed: 9,
      exchanges,
      findings: exchanges.flatMap(judge),
      counts: { refused: 2, ignored: 2, transient: 1 },
    }),
  ).toBe(
    'fuzz seed 9: 5 requests, 1/2 forged or unsigned refused (50.0 %), ' +
      '1 crashes, 1 unhandled 5xx (1 deliberate 503 under a Sync outage), 3 findings',
  );
});

describe('findSecrets', () => {
  const secret = 'ocx_live_key+/=?&é 42';

  test.each(secretNeedles(secret).map(({ encoding }) => encoding))(
    'finds the secret %s inside other text',
    (encoding) => {
      const { needle } = secretNeedles(secret).find((n) => n.encoding === encoding)!;
      expect(findSecrets({ token: secret }, [['answer', `prefix ${needle} suffix`]])).toContainEqual(
        expect.objectContaining({ secretName: 'token', where: 'answer', encoding }),
      );
    },
  );

  test('finds it inside a longer base64 text at any alignment, and in upper-case percent and hex forms', () => {
    for (const prefix of ['', 'a', 'ab']) {
      const text = Buffer.from(`${prefix}{"token":"${secret}"}`).toString('base64');
      expect(findSecrets({ token: secret }, [['header', text]]).length).toBeGreaterThan(0);
    }
    expect(findSecrets({ token: secret }, [['log', encodeURIComponent(secret).toUpperCase()]]).length).toBeGreaterThan(
      0,
    );
    expect(
      findSecrets({ token: secret }, [['log', Buffer.from(secret).toString('hex').toUpperCase()]]).length,
    ).toBeGreaterThan(0);
  });

  test('a masked secret is no leak', () => {
    expect(findSecrets({ token: secret }, [['answer', '{"opencxTokenMasked":"••••••••é 42"}']])).toEqual([]);
  });
});
