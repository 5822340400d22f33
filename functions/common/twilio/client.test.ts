import { RefusedApiUrlError } from '../deployment-guard';
import { createTwilioClient, parseRetryAfter, rewriteTwilioUrl } from './client';

describe('createTwilioClient', () => {
  const credentials = {
    ACCOUNT_SID: 'AC' + '0'.repeat(32),
    AUTH_TOKEN: 'token',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
  };

  it("builds no client, deployed, for a base URL not Twilio's: no request can carry the credentials there", () => {
    expect(() => createTwilioClient({ ...credentials, DOMAIN_NAME: 'opencx-flex-4821-dev.twil.io' })).toThrow(
      RefusedApiUrlError,
    );
  });

  it('builds it locally, or deployed when ALLOW_CUSTOM_API_URLS=true', () => {
    expect(createTwilioClient({ ...credentials, DOMAIN_NAME: 'localhost:3000' })).toBeDefined();
    expect(
      createTwilioClient({
        ...credentials,
        DOMAIN_NAME: 'opencx-flex-4821-dev.twil.io',
        ALLOW_CUSTOM_API_URLS: 'true',
      }),
    ).toBeDefined();
  });
});

describe('rewriteTwilioUrl', () => {
  const BASE = 'http://127.0.0.1:4010';

  it('leaves every URL alone without a base URL', () => {
    expect(rewriteTwilioUrl('https://taskrouter.twilio.com/v1/Workspaces/WS1', undefined)).toBe(
      'https://taskrouter.twilio.com/v1/Workspaces/WS1',
    );
    expect(rewriteTwilioUrl('https://taskrouter.twilio.com/v1/Workspaces/WS1', '')).toBe(
      'https://taskrouter.twilio.com/v1/Workspaces/WS1',
    );
  });

  it.each([
    ['https://taskrouter.twilio.com/v1/Workspaces/WS1/Tasks/WT1', `${BASE}/taskrouter/v1/Workspaces/WS1/Tasks/WT1`],
    [
      'https://conversations.twilio.com/v1/Conversations/CH1/Messages',
      `${BASE}/conversations/v1/Conversations/CH1/Messages`,
    ],
    [
      'https://sync.twilio.com/v1/Services/IS1/Maps/opencx_conversations/Items',
      `${BASE}/sync/v1/Services/IS1/Maps/opencx_conversations/Items`,
    ],
    ['https://flex-api.twilio.com/v1/Interactions/KD1', `${BASE}/flex-api/v1/Interactions/KD1`],
    ['https://iam.twilio.com/v1/Accounts/AC1/Tokens/validate', `${BASE}/iam/v1/Accounts/AC1/Tokens/validate`],
  ])('sends %s to the host-named path under the base', (uri, expected) => {
    expect(rewriteTwilioUrl(uri, BASE)).toBe(expected);
  });

  it('keeps the query string', () => {
    expect(rewriteTwilioUrl('https://taskrouter.twilio.com/v1/Workspaces/WS1/Tasks?PageSize=50&Page=1', BASE)).toBe(
      `${BASE}/taskrouter/v1/Workspaces/WS1/Tasks?PageSize=50&Page=1`,
    );
  });

  it('drops trailing slashes of the base URL', () => {
    expect(rewriteTwilioUrl('https://sync.twilio.com/v1/Services', `${BASE}//`)).toBe(`${BASE}/sync/v1/Services`);
  });

  it('rewrites a bare host', () => {
    expect(rewriteTwilioUrl('https://api.twilio.com', BASE)).toBe(`${BASE}/api`);
  });

  it('leaves URLs that are not Twilio API hosts alone', () => {
    expect(rewriteTwilioUrl('https://api.open.cx/chat/sessions', BASE)).toBe('https://api.open.cx/chat/sessions');
    expect(rewriteTwilioUrl('https://twilio.com.evil.example/v1', BASE)).toBe('https://twilio.com.evil.example/v1');
    expect(rewriteTwilioUrl('http://taskrouter.twilio.com/v1', BASE)).toBe('http://taskrouter.twilio.com/v1');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['1', 1000],
    ['0', 0],
    ['2.5', 2500],
    ['Thu, 01 Jan 2026 00:00:03 GMT', 3000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([[undefined], [''], ['soon'], ['-1'], [['1']]])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
