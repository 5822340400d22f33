import { adminErrorOf } from './admin-error.testing';
import { authorize, authorizeTaskHolder, flexToken, readElsewhere, syncServiceSid } from './plugin-endpoint';

const valid = { valid: true, identity: 'admin@example.com', roles: ['admin', 'supervisor'] };

describe('authorize', () => {
  it('lets a valid token through and names the caller', () => {
    expect(authorize(valid, 'admin')).toEqual({ identity: 'admin@example.com', roles: ['admin', 'supervisor'] });
    expect(authorize({ ...valid, roles: ['agent'] }, undefined)).toEqual({
      identity: 'admin@example.com',
      roles: ['agent'],
    });
  });

  it('refuses a caller without the role with 403 forbidden', () => {
    expect(adminErrorOf(() => authorize({ ...valid, roles: ['agent', 'supervisor'] }, 'admin')).toBody()).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings' },
    });
  });

  it('lets any of several roles through, names them in the refusal, and carries the worker SID the token names', () => {
    const supervisor = { ...valid, roles: ['supervisor'], workerSid: 'WK1' };
    expect(authorize(supervisor, ['admin', 'supervisor'], 'the AI insights')).toEqual({
      identity: 'admin@example.com',
      roles: ['supervisor'],
      workerSid: 'WK1',
    });
    expect(
      adminErrorOf(() =>
        authorize({ ...valid, roles: ['agent'] }, ['admin', 'supervisor'], 'the AI insights'),
      ).toBody(),
    ).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins and supervisors can use the AI insights' },
    });
  });

  it('refuses an invalid token with 403, saying when it has expired', () => {
    expect(adminErrorOf(() => authorize({ valid: false, code: 20101, roles: [] }, 'admin'))).toMatchObject({
      status: 403,
      code: 'invalid_token',
      message: expect.stringMatching(/not valid/),
    });
    expect(adminErrorOf(() => authorize({ valid: false, code: 20104, roles: [] }, undefined))).toMatchObject({
      status: 403,
      code: 'invalid_token',
      message: expect.stringMatching(/expired/),
    });
  });
});

describe('flexToken', () => {
  it('reads the Token form field', () => {
    expect(flexToken({ Token: ' abc.def ' })).toBe('abc.def');
  });

  it.each([undefined, '', '  ', ['a', 'b']])('refuses %j with 403 missing_token', (token) => {
    expect(adminErrorOf(() => flexToken({ Token: token }))).toMatchObject({ status: 403, code: 'missing_token' });
  });
});

describe('syncServiceSid', () => {
  it('reads SYNC_SERVICE_SID', () => {
    expect(syncServiceSid({ ACCOUNT_SID: 'AC1', AUTH_TOKEN: 't', SYNC_SERVICE_SID: ' IS1 ' })).toBe('IS1');
  });

  it('is a 500 with a generic message when unset, the reason for the log only', () => {
    const error = adminErrorOf(() => syncServiceSid({ ACCOUNT_SID: 'AC1', AUTH_TOKEN: 't' }));
    expect(error).toMatchObject({ status: 500, code: 'server_misconfigured', detail: 'SYNC_SERVICE_SID is not set' });
    expect(error.message).not.toContain('SYNC_SERVICE_SID');
  });
});

describe('authorizeTaskHolder', () => {
  const accepted = [{ sid: 'WR1', workerSid: 'WK_alice' }];

  it('lets the worker holding the task through, with their reservation', () => {
    expect(authorizeTaskHolder({ identity: 'alice', roles: ['agent'], workerSid: 'WK_alice' }, accepted)).toEqual({
      sid: 'WR1',
      workerSid: 'WK_alice',
    });
  });

  it.each([
    ['another worker', { identity: 'bob', roles: ['agent'], workerSid: 'WK_bob' }, accepted],
    ['a caller who is no worker (a supervisor)', { identity: 'sup', roles: ['supervisor', 'admin'] }, accepted],
    [
      'anyone, when nobody holds the task (it is in wrap-up)',
      { identity: 'alice', roles: ['agent'], workerSid: 'WK_alice' },
      [],
    ],
  ])('refuses %s with 403 not_task_holder', (_who, caller, reservations) => {
    expect(adminErrorOf(() => authorizeTaskHolder(caller, reservations)).toBody()).toEqual({
      ok: false,
      error: { code: 'not_task_holder', message: 'Only the agent who holds this task can do this' },
    });
  });
});

describe('readElsewhere: a task in a workspace the settings no longer name', () => {
  const config = { workspaceSid: 'WS_NOW', timerWorkspaceSid: 'WS_TIMERS' };
  const taskrouter = { listWorkspaceSids: async () => ['WS_NOW', 'WS_TIMERS', 'WS_BEFORE', 'WS_OTHER'] };

  it('is read in the other workspaces, not the timers', async () => {
    const read = jest.fn(async (ws: string) => (ws === 'WS_BEFORE' ? { ws } : undefined));
    await expect(readElsewhere(config, taskrouter, read)).resolves.toEqual({ ws: 'WS_BEFORE' });
    expect(read.mock.calls.map(([ws]) => ws)).toEqual(['WS_BEFORE', 'WS_OTHER']);
  });

  it('is found though a read failed in another workspace; found nowhere, that failure is thrown', async () => {
    const failing = async (ws: string) => {
      if (ws === 'WS_OTHER') throw new Error('Twilio answered 503');
      return ws === 'WS_BEFORE' ? { ws } : undefined;
    };
    await expect(readElsewhere(config, taskrouter, failing)).resolves.toEqual({ ws: 'WS_BEFORE' });
    const nowhere = async (ws: string) => {
      if (ws === 'WS_OTHER') throw new Error('Twilio answered 503');
      return undefined;
    };
    await expect(readElsewhere(config, taskrouter, nowhere)).rejects.toThrow('503');
    await expect(readElsewhere(config, taskrouter, async () => undefined)).resolves.toBeUndefined();
  });
});
