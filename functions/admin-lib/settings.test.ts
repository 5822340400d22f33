import { parseConfig } from '../common/config';
import { OpenCxError } from '../common/opencx-client';
import { adminErrorOf } from './admin-error.testing';
import { aiWorkerAttributes, configDocument, maskToken, missingResource, opencxFailure, parseSaveForm, SaveForm, settingsView, tokenToSave } from './settings';

const WS = 'WS' + '1'.repeat(32);
const IS = 'IS' + '2'.repeat(32);
const WQ = 'WQ' + 'a'.repeat(32);
const TOKEN = 'ocx_live_abcdefgh_f3a9';

const form = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  Token: 'flex-token',
  opencxToken: TOKEN,
  workspaceSid: WS,
  conversationsServiceSid: IS,
  aiQueueSid: WQ,
  aiAuthorName: 'Acme Bot',
  ...over,
});

describe('maskToken', () => {
  it('shows only the last 4 characters behind a fixed mask', () => {
    expect(maskToken(TOKEN)).toBe('••••••••f3a9');
  });

  it('shows nothing of a short token and null for none', () => {
    expect(maskToken('abcdefghijk')).toBe('••••••••');
    expect(maskToken(undefined)).toBeNull();
    expect(maskToken('')).toBeNull();
  });
});

describe('parseSaveForm', () => {
  it('reads a complete form, trimmed', () => {
    expect(parseSaveForm(form({ opencxToken: ` ${TOKEN} `, aiAuthorName: ' Acme Bot ' }))).toEqual({
      opencxToken: TOKEN,
      workspaceSid: WS,
      conversationsServiceSid: IS,
      aiQueueSid: WQ,
      aiAuthorName: 'Acme Bot',
    });
  });

  it('leaves out a blank or missing token (keep the saved one) and queue, and defaults the author name', () => {
    for (const blank of [undefined, '', '   ']) {
      expect(parseSaveForm(form({ opencxToken: blank, aiQueueSid: blank, aiAuthorName: blank }))).toEqual({
        opencxToken: undefined,
        workspaceSid: WS,
        conversationsServiceSid: IS,
        aiQueueSid: undefined,
        aiAuthorName: 'AI Support Agent',
      });
    }
  });

  it.each([
    ['workspaceSid', undefined],
    ['workspaceSid', 'WS123'],
    ['workspaceSid', IS],
    ['conversationsServiceSid', ''],
    ['conversationsServiceSid', 'IS' + 'z'.repeat(32)],
    ['aiQueueSid', 'WW' + 'a'.repeat(32)],
    ['aiAuthorName', 'Acme\nBot'],
    ['aiAuthorName', 'Acme\rBot'],
    ['aiAuthorName', 'x'.repeat(65)],
    ['opencxToken', 'two words'],
    ['opencxToken', 'x'.repeat(513)],
    ['opencxToken', ['a', 'b']],
  ])('refuses %s = %j with a 400 on that field', (field, value) => {
    const error = adminErrorOf(() => parseSaveForm(form({ [field]: value })));
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', field });
    expect(error.message).not.toBe('');
  });

  it('accepts an author name of exactly 64 characters', () => {
    expect(parseSaveForm(form({ aiAuthorName: 'x'.repeat(64) })).aiAuthorName).toHaveLength(64);
  });
});

describe('tokenToSave', () => {
  const parsed = (over: Record<string, unknown> = {}): SaveForm => parseSaveForm(form(over));

  it('takes the posted token over the saved one', () => {
    expect(tokenToSave(parsed(), { opencxToken: 'ocx_live_old' })).toBe(TOKEN);
  });

  it('keeps the saved token when none is posted', () => {
    expect(tokenToSave(parsed({ opencxToken: '' }), { opencxToken: 'ocx_live_old' })).toBe('ocx_live_old');
  });

  it('asks for a token when none is posted nor saved', () => {
    expect(adminErrorOf(() => tokenToSave(parsed({ opencxToken: '' }), {}))).toMatchObject({ status: 400, field: 'opencxToken', message: 'Enter the OpenCX API key' });
  });
});

describe('configDocument and settingsView', () => {
  const provisioned = { opencxToken: TOKEN, aiWorkerSid: 'WK1', orgName: 'Acme', now: new Date('2026-05-01T10:00:00.000Z') };

  it('stores exactly what parseConfig reads, plus orgName and updatedAt', () => {
    const document = configDocument(parseSaveForm(form()), provisioned);
    expect(document).toEqual({
      opencxToken: TOKEN,
      workspaceSid: WS,
      aiWorkerSid: 'WK1',
      conversationsServiceSid: IS,
      aiAuthorName: 'Acme Bot',
      aiQueueSid: WQ,
      orgName: 'Acme',
      updatedAt: '2026-05-01T10:00:00.000Z',
    });
    expect(parseConfig(document)).toEqual({ opencxToken: TOKEN, workspaceSid: WS, aiWorkerSid: 'WK1', conversationsServiceSid: IS, aiAuthorName: 'Acme Bot', aiQueueSid: WQ });
  });

  it('leaves the queue out when none was given', () => {
    expect(configDocument(parseSaveForm(form({ aiQueueSid: '' })), provisioned)).not.toHaveProperty('aiQueueSid');
  });

  it('shows a saved document with the token masked and never the token itself', () => {
    const view = settingsView(configDocument(parseSaveForm(form()), provisioned));
    expect(view).toEqual({
      configured: true,
      opencxTokenMasked: '••••••••f3a9',
      workspaceSid: WS,
      conversationsServiceSid: IS,
      aiQueueSid: WQ,
      aiAuthorName: 'Acme Bot',
      aiWorkerSid: 'WK1',
      orgName: 'Acme',
      updatedAt: '2026-05-01T10:00:00.000Z',
    });
    expect(JSON.stringify(view)).not.toContain(TOKEN);
  });

  it('shows an incomplete document as not configured', () => {
    expect(settingsView({ opencxToken: TOKEN, workspaceSid: WS })).toMatchObject({ configured: false, opencxTokenMasked: '••••••••f3a9', aiWorkerSid: null, aiAuthorName: 'AI Support Agent' });
  });
});

describe('opencxFailure', () => {
  it.each([401, 403])('turns %i into "OpenCX rejected this token" on opencxToken', (status) => {
    expect(opencxFailure(new OpenCxError(`OpenCX GET /org answered ${status}`, status)).toBody()).toEqual({
      ok: false,
      error: { code: 'opencx_token_rejected', message: 'OpenCX rejected this token', field: 'opencxToken' },
    });
  });

  it.each([
    ['a 5xx', new OpenCxError('answered 503', 503)],
    ['a 429 after retries', new OpenCxError('answered 429', 429)],
    ['a timeout', new OpenCxError('timed out', undefined)],
    ['a network error', new OpenCxError('ECONNREFUSED', undefined)],
  ])('turns %s into a 502 opencx_unavailable, the cause kept for the log', (_case, error) => {
    expect(opencxFailure(error)).toMatchObject({ status: 502, code: 'opencx_unavailable', field: undefined, detail: error.message });
  });

  it('treats anything that is not an OpenCX answer as an internal error', () => {
    expect(opencxFailure(new TypeError('boom'))).toMatchObject({ status: 500, code: 'internal_error' });
  });
});

describe('missingResource', () => {
  const parsed = parseSaveForm(form());

  it('is undefined when everything exists', () => {
    expect(missingResource(parsed, { workspace: true, queue: true, conversationsService: true })).toBeUndefined();
    expect(missingResource(parseSaveForm(form({ aiQueueSid: '' })), { workspace: true, conversationsService: true })).toBeUndefined();
  });

  it('names the first missing resource in form order, with its SID', () => {
    expect(missingResource(parsed, { workspace: false, queue: false, conversationsService: false })).toMatchObject({
      status: 400,
      field: 'workspaceSid',
      message: `Workspace ${WS} not found in this account`,
    });
    expect(missingResource(parsed, { workspace: true, queue: false, conversationsService: false })).toMatchObject({
      field: 'aiQueueSid',
      message: `Queue ${WQ} not found in workspace ${WS}`,
    });
    expect(missingResource(parsed, { workspace: true, queue: true, conversationsService: false })).toMatchObject({
      field: 'conversationsServiceSid',
      message: `Conversations service ${IS} not found in this account`,
    });
  });
});

describe('aiWorkerAttributes', () => {
  it('marks the worker for the AI queue, named as the AI posts, with the opencx_ai skill', () => {
    expect(aiWorkerAttributes('Acme Bot')).toEqual({ opencx_ai: true, full_name: 'Acme Bot', routing: { skills: ['opencx_ai'] } });
  });
});
