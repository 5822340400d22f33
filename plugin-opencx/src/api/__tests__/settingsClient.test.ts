import { createSettingsClient, type FetchLike } from '../settingsClient';

const BASE = 'https://opencx-1234-dev.twil.io';
const SETTINGS = {
  configured: true,
  opencxTokenMasked: '••••••••1234',
  workspaceSid: 'WS1',
  conversationsServiceSid: 'IS1',
  aiQueueSid: null,
  aiAuthorName: 'Acme Bot',
  aiWorkerSid: 'WK1',
  orgName: 'Acme',
};

function answering(status: number, body: unknown) {
  const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
    status,
    json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
  }));
  return fetch;
}

const sent = (fetch: jest.Mock) => {
  const [url, init] = fetch.mock.calls[0];
  return { url, init, fields: Object.fromEntries(new URLSearchParams(init.body)) };
};

describe('settings client', () => {
  it('loads with a form-encoded POST carrying the Flex token, and no preflight-triggering header', async () => {
    const fetch = answering(200, { ok: true, settings: SETTINGS });
    const result = await createSettingsClient({ baseUrl: `${BASE}/`, fetch }).load('flex-token');

    expect(result).toEqual({ ok: true, settings: SETTINGS });
    const { url, init, fields } = sent(fetch);
    expect(url).toBe(`${BASE}/admin/settings-load`);
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(fields).toEqual({ Token: 'flex-token' });
  });

  it('saves every field, the new OpenCX token included', async () => {
    const fetch = answering(200, { ok: true, settings: SETTINGS, workerCreated: true });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', {
      opencxToken: ' ocx_live_abc ',
      aiQueueSid: ' WQ1 ',
      aiAuthorName: 'Acme Bot',
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
    });

    expect(result).toEqual({ ok: true, settings: SETTINGS, workerCreated: true });
    const { url, fields } = sent(fetch);
    expect(url).toBe(`${BASE}/admin/settings-save`);
    expect(fields).toEqual({
      Token: 'flex-token',
      opencxToken: 'ocx_live_abc',
      aiQueueSid: 'WQ1',
      aiAuthorName: 'Acme Bot',
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
    });
  });

  it('leaves the OpenCX token out when empty, so the saved one is kept', async () => {
    const fetch = answering(200, { ok: true, settings: SETTINGS, workerCreated: false });
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).save('flex-token', {
      opencxToken: '  ',
      aiQueueSid: '',
      aiAuthorName: 'Acme Bot',
      workspaceSid: 'WS1',
      conversationsServiceSid: 'IS1',
    });

    expect(result).toMatchObject({ ok: true, workerCreated: false });
    expect(sent(fetch).fields).not.toHaveProperty('opencxToken');
    expect(sent(fetch).fields.aiQueueSid).toBe('');
  });

  it('passes on a field error', async () => {
    const fetch = answering(400, { ok: false, error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken' } });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toEqual({
      ok: false,
      error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken', status: 400 },
    });
  });

  it('passes on a 403 without a field, and drops a field it does not know', async () => {
    const forbidden = answering(403, { ok: false, error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings' } });
    expect(await createSettingsClient({ baseUrl: BASE, fetch: forbidden }).load('t')).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Only Flex admins can use the OpenCX settings', status: 403 },
    });

    const odd = answering(400, { ok: false, error: { code: 'invalid_input', message: 'Bad', field: 'somethingElse' } });
    const result = await createSettingsClient({ baseUrl: BASE, fetch: odd }).load('t');
    expect(result.ok === false && result.error.field).toBeUndefined();
  });

  it('fills in missing settings fields', async () => {
    const fetch = answering(200, { ok: true, settings: { configured: false } });
    expect(await createSettingsClient({ baseUrl: BASE, fetch }).load('t')).toEqual({
      ok: true,
      settings: {
        configured: false,
        opencxTokenMasked: null,
        workspaceSid: null,
        conversationsServiceSid: null,
        aiQueueSid: null,
        aiAuthorName: 'AI Support Agent',
        aiWorkerSid: null,
        orgName: null,
      },
    });
  });

  it.each([
    ['a body that is not JSON', 502, 'not json'],
    ['an answer without settings', 200, { ok: true }],
    ['an error without a message', 500, { ok: false, error: { code: 'x' } }],
  ])('reports %s as an unexpected answer', async (_case, status, body) => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(async () => ({
      status,
      json: async () => (typeof body === 'string' ? JSON.parse(body) : body),
    }));
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
    expect(result).toMatchObject({ ok: false, error: { code: 'unexpected_response', message: expect.stringContaining('unexpected') } });
  });

  it('reports a network failure', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(() => Promise.reject(new TypeError('Failed to fetch')));
    const result = await createSettingsClient({ baseUrl: BASE, fetch }).load('t');
    expect(result).toMatchObject({ ok: false, error: { code: 'network_error', message: expect.stringContaining('could not be reached') } });
  });
});
