import { createTwilioClient } from '../../../functions/common/twilio/client';
import { TwilioSimulator } from './simulator';
import { clientFor, signedWith, startWebhookReceiver } from './test-support';

describe('Twilio simulator core', () => {
  let sim: TwilioSimulator;
  const workspace = { sid: 'WS' + 'a'.repeat(32), friendly_name: 'Flex' };

  beforeEach(async () => {
    sim = new TwilioSimulator();
    sim.route('taskrouter', 'GET', '/v1/Workspaces/{Sid}', () => ({ status: 200, body: workspace }));
    sim.route('taskrouter', 'POST', '/v1/Workspaces/{Sid}', (req) => ({
      status: 200,
      body: { ...workspace, friendly_name: req.form.FriendlyName },
    }));
    await sim.start();
  });
  afterEach(() => sim.stop());

  const client = () => clientFor(sim);

  test('serves the twilio library through the base URL rewrite and records the call', async () => {
    const ws = await client().taskrouter.v1.workspaces(workspace.sid).fetch();
    expect(ws.friendlyName).toBe('Flex');
    expect(sim.calls({ product: 'taskrouter', method: 'GET' })).toEqual([
      expect.objectContaining({
        template: '/v1/Workspaces/{Sid}',
        status: 200,
        path: `/v1/Workspaces/${workspace.sid}`,
      }),
    ]);
    expect(sim.requests[0].headers.authorization).toBe('Basic ***');
  });

  test('refuses wrong credentials with 401 / 20003', async () => {
    const bad = clientFor(sim, 'wrong');
    await expect(bad.taskrouter.v1.workspaces(workspace.sid).fetch()).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
  });

  test('accepts an API key of the account in place of the auth token, and refuses a wrong secret', async () => {
    const key = sim.issueApiKey();
    const env = { ACCOUNT_SID: sim.accountSid, AUTH_TOKEN: '', TWILIO_API_BASE_URL: sim.url };
    await expect(
      createTwilioClient(env, undefined, key).taskrouter.v1.workspaces(workspace.sid).fetch(),
    ).resolves.toMatchObject({ friendlyName: 'Flex' });
    const wrong = createTwilioClient(env, undefined, { sid: key.sid, secret: 'wrong' });
    await expect(wrong.taskrouter.v1.workspaces(workspace.sid).fetch()).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
  });

  test('refuses a misspelled parameter and records the violation', async () => {
    const res = await fetch(`${sim.url}/taskrouter/v1/Workspaces/${workspace.sid}`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64'),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'FriendlyNam=x',
    });
    expect(res.status).toBe(400);
    expect(sim.violations[0].problems[0]).toMatch(/unknown parameter FriendlyNam/);
  });

  test('refuses a bad enum value, a bad SID pattern and an unknown path', async () => {
    const auth = {
      Authorization: 'Basic ' + Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64'),
      'Content-Type': 'application/x-www-form-urlencoded',
    };
    const badEnum = await fetch(`${sim.url}/taskrouter/v1/Workspaces/${workspace.sid}`, {
      method: 'POST',
      headers: auth,
      body: 'PrioritizeQueueOrder=sideways',
    });
    expect(badEnum.status).toBe(400);
    const badSid = await fetch(`${sim.url}/taskrouter/v1/Workspaces/XX123`, { headers: auth });
    expect(badSid.status).toBe(404);
    const unknown = await fetch(`${sim.url}/taskrouter/v1/Nope`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(sim.violations.map((v) => v.problems[0])).toEqual([
      expect.stringMatching(/PrioritizeQueueOrder="sideways" is not one of FIFO, LIFO/),
      expect.stringMatching(/does not match/),
      expect.stringMatching(/no taskrouter API path matches/),
    ]);
  });

  test("refuses a PageSize above the spec's maximum: Sync's lists page by 100 at most", async () => {
    const auth = { Authorization: 'Basic ' + Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64') };
    sim.route('sync', 'GET', '/v1/Services/{ServiceSid}/Documents', () => ({ status: 200, body: { documents: [] } }));
    const service = { sid: `IS${'0'.repeat(32)}` };
    const tooMany = await fetch(`${sim.url}/sync/v1/Services/${service.sid}/Documents?PageSize=1000`, {
      headers: auth,
    });
    expect(tooMany.status).toBe(400);
    expect(sim.violations.map((v) => v.problems[0])).toEqual([
      expect.stringMatching(/PageSize=1000 is above its maximum 100/),
    ]);
    const most = await fetch(`${sim.url}/sync/v1/Services/${service.sid}/Documents?PageSize=100`, { headers: auth });
    expect(most.status).toBe(200);
  });

  test("refuses an operation's header with a value outside the spec's (X-Twilio-Webhook-Enabled)", async () => {
    const auth = { Authorization: 'Basic ' + Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64') };
    sim.route(
      'conversations',
      'POST',
      '/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages',
      () => ({
        status: 201,
        body: {},
      }),
    );
    const path = `/conversations/v1/Services/IS${'0'.repeat(32)}/Conversations/CH${'0'.repeat(32)}/Messages`;
    const post = (value: string) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Webhook-Enabled': value },
        body: 'Body=hi',
      });
    expect((await post('yes')).status).toBe(400);
    expect(sim.violations.map((v) => v.problems[0])).toEqual([
      expect.stringMatching(/X-Twilio-Webhook-Enabled="yes" is not one of true, false/),
    ]);
    expect((await post('true')).status).toBe(201);
  });

  test('injects faults per route, a limited number of times', async () => {
    sim.addFault({ product: 'taskrouter', path: '/v1/Workspaces/{Sid}', method: 'GET', status: 503, times: 1 });
    await expect(client().taskrouter.v1.workspaces(workspace.sid).fetch()).rejects.toMatchObject({ status: 503 });
    await expect(client().taskrouter.v1.workspaces(workspace.sid).fetch()).resolves.toMatchObject({
      friendlyName: 'Flex',
    });
    sim.addFault({ path: /Workspaces/, status: 429, times: 1 });
    await expect(client().taskrouter.v1.workspaces(workspace.sid).fetch()).rejects.toMatchObject({
      status: 429,
      code: 20429,
    });
  });

  test('lets the first matching requests pass when told to skip them', async () => {
    sim.addFault({ path: /Workspaces/, status: 503, skip: 1, times: 1 });
    const fetchWorkspace = () => client().taskrouter.v1.workspaces(workspace.sid).fetch();
    await expect(fetchWorkspace()).resolves.toMatchObject({ friendlyName: 'Flex' });
    await expect(fetchWorkspace()).rejects.toMatchObject({ status: 503 });
    await expect(fetchWorkspace()).resolves.toMatchObject({ friendlyName: 'Flex' });
  });

  test('drops the connection when told to', async () => {
    sim.addFault({ path: /Workspaces/, drop: true, times: 1 });
    await expect(client().taskrouter.v1.workspaces(workspace.sid).fetch()).rejects.toThrow();
  });

  test('signs webhooks so that the twilio library validates them', async () => {
    const receiver = await startWebhookReceiver({ path: '/webhook?x=1' });
    const delivery = await sim.deliverWebhook(
      'test',
      receiver.url(),
      { EventType: 'task.created', TaskSid: 'WT1' },
      1000,
    );
    await receiver.close();
    expect(delivery.status).toBe(204);
    const [hook] = receiver.received;
    expect(signedWith(sim.authToken, hook)).toBe(true);
    expect(signedWith('other-token', hook)).toBe(false);
  });
});
