import type { TwilioClient } from '../../../functions/common/twilio/client';
import { IamSim, TOKEN_EXPIRED_CODE, TOKEN_INVALID_CODE } from './iam';
import type { TwilioSimulator } from './simulator';
import { clientFor, startSimulator, stopAndExpectNoViolations } from './test-support';

describe('IAM Flex token validation simulator', () => {
  let sim: TwilioSimulator;
  let iam: IamSim;
  let client: TwilioClient;

  beforeEach(async () => {
    iam = new IamSim();
    sim = await startSimulator({ iam });
    client = clientFor(sim);
  });
  afterEach(() => stopAndExpectNoViolations(sim));

  /** The call the Functions make: through our own client, so the base URL rewrite reaches the simulator. */
  async function validate(
    token: string,
    accountSid = sim.accountSid,
  ): Promise<{ statusCode: number; body: Record<string, unknown> }> {
    const response = await client.request({
      method: 'post',
      uri: `https://iam.twilio.com/v1/Accounts/${accountSid}/Tokens/validate`,
      data: { token },
      headers: { 'Content-Type': 'application/json' },
    });
    const body = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
    return { statusCode: response.statusCode, body: body as Record<string, unknown> };
  }

  test('a token it issued is valid, with identity, roles and worker', async () => {
    const token = iam.issueToken({
      identity: 'admin_40example_2Ecom',
      realmUserId: 'admin@example.com',
      roles: ['admin'],
      workerSid: 'WK' + '1'.repeat(32),
    });
    const { statusCode, body } = await validate(token);
    expect(statusCode).toBe(200);
    expect(body).toEqual({
      valid: true,
      code: 0,
      message: null,
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      realm_user_id: 'admin@example.com',
      identity: 'admin_40example_2Ecom',
      roles: ['admin'],
      worker_sid: 'WK' + '1'.repeat(32),
    });
    expect(Date.parse(String(body.expiration))).toBeGreaterThan(sim.clock.now());
    expect(sim.calls({ product: 'iam' })).toEqual([
      expect.objectContaining({ template: '/v1/Accounts/{AccountSid}/Tokens/validate', status: 200, json: { token } }),
    ]);
    expect(sim.violations).toEqual([]);
  });

  test('a token is valid until it expires, in simulated time', async () => {
    const token = iam.issueToken({ identity: 'agent', roles: ['agent'], expiresInSeconds: 60 });
    expect((await validate(token)).body.valid).toBe(true);
    sim.clock.advance(61_000);
    const { statusCode, body } = await validate(token);
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ valid: false, code: TOKEN_EXPIRED_CODE, identity: null, roles: null });
    expect(body.message).toMatch(/expired/i);
  });

  test('an unknown token is not valid', async () => {
    iam.issueToken({ identity: 'agent', roles: ['agent'] });
    const { statusCode, body } = await validate('not-a-flex-token');
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ valid: false, code: TOKEN_INVALID_CODE, worker_sid: null });
  });

  test('another account in the path gets 403 and valid: false', async () => {
    const token = iam.issueToken({ identity: 'agent', roles: ['agent'] });
    const { statusCode, body } = await validate(token, 'AC' + 'f'.repeat(32));
    expect(statusCode).toBe(403);
    expect(body.valid).toBe(false);
  });

  test('a form-encoded body is refused: the endpoint takes JSON', async () => {
    const token = iam.issueToken({ identity: 'agent', roles: ['agent'] });
    const response = await client.request({
      method: 'post',
      uri: `https://iam.twilio.com/v1/Accounts/${sim.accountSid}/Tokens/validate`,
      data: { token },
    });
    expect(response.statusCode).toBe(400);
  });

  test('wrong credentials are refused by the core with 401', async () => {
    const token = iam.issueToken({ identity: 'agent', roles: ['agent'] });
    const stranger = clientFor(sim, 'wrong');
    const response = await stranger.request({
      method: 'post',
      uri: `https://iam.twilio.com/v1/Accounts/${sim.accountSid}/Tokens/validate`,
      data: { token },
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.statusCode).toBe(401);
  });

  test('snapshot() lists token holders without the token strings', () => {
    const token = iam.issueToken({ identity: 'agent', roles: ['agent'] });
    const snapshot = JSON.stringify(sim.snapshot());
    expect(snapshot).toContain('"identity":"agent"');
    expect(snapshot).not.toContain(token);
  });
});
