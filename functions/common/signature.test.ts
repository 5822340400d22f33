import twilio from 'twilio';
import { candidateUrls, deploymentUrl, isValidTwilioSignature, type SignedRequest } from './signature';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const PATH = '/webhook';
const PARAMS = {
  EventType: 'task.created',
  AccountSid: 'AC00000000000000000000000000000001',
  WorkspaceSid: 'WS00000000000000000000000000000001',
  TaskAttributes: '{"conversationSid":"CH1","customer":{"tier":"gold"}}',
};

const sign = (url: string, params: Record<string, string> = PARAMS, token = AUTH_TOKEN): string =>
  twilio.getExpectedTwilioSignature(token, url, params);

function request(over: Partial<SignedRequest> = {}): SignedRequest {
  return {
    domainName: 'opencx-bridge-1234-dev.twil.io',
    path: PATH,
    authToken: AUTH_TOKEN,
    signature: sign(`https://opencx-bridge-1234-dev.twil.io${PATH}`),
    params: { ...PARAMS },
    ...over,
  };
}

describe('isValidTwilioSignature', () => {
  it('accepts a request Twilio signed for the https URL of the Function', () => {
    expect(isValidTwilioSignature(request())).toBe(true);
  });

  it('refuses a field that is not one string (repeated, bracketed, JSON), even signed as its JSON text', () => {
    const signedAsText = { ...PARAMS, TaskAttributes: '["x"]' };
    const url = `https://opencx-bridge-1234-dev.twil.io${PATH}`;
    expect(isValidTwilioSignature(request({ signature: sign(url, signedAsText), params: signedAsText }))).toBe(true);
    const repeated = { ...PARAMS, TaskAttributes: ['x'] } as unknown as Record<string, string>;
    expect(isValidTwilioSignature(request({ signature: sign(url, signedAsText), params: repeated }))).toBe(false);
    const nested = { ...PARAMS, TaskAttributes: { conversationSid: 'CH1' } } as unknown as Record<string, string>;
    expect(isValidTwilioSignature(request({ params: nested }))).toBe(false);
  });

  it('accepts a request to the URL with a config version, which the runtime hands over among the params', () => {
    const url = `https://opencx-bridge-1234-dev.twil.io${PATH}?cv=v2`;
    expect(isValidTwilioSignature(request({ signature: sign(url), params: { ...PARAMS, cv: 'v2' } }))).toBe(true);
    expect(isValidTwilioSignature(request({ signature: sign(url), params: { ...PARAMS, cv: 'v3' } }))).toBe(false);
    expect(
      isValidTwilioSignature(
        request({ signature: sign(`https://opencx-bridge-1234-dev.twil.io${PATH}`), params: { ...PARAMS, cv: 'v2' } }),
      ),
    ).toBe(false);
  });

  it('refuses a missing or empty signature', () => {
    expect(isValidTwilioSignature(request({ signature: undefined }))).toBe(false);
    expect(isValidTwilioSignature(request({ signature: '' }))).toBe(false);
  });

  it('refuses when no auth token is configured', () => {
    expect(isValidTwilioSignature(request({ authToken: '' }))).toBe(false);
  });

  it('refuses a signature made with another auth token', () => {
    const forged = sign(`https://opencx-bridge-1234-dev.twil.io${PATH}`, PARAMS, 'ffffffffffffffffffffffffffffffff');
    expect(isValidTwilioSignature(request({ signature: forged }))).toBe(false);
  });

  it('refuses when a parameter was changed, added or removed after signing', () => {
    expect(isValidTwilioSignature(request({ params: { ...PARAMS, WorkspaceSid: 'WS_other' } }))).toBe(false);
    expect(isValidTwilioSignature(request({ params: { ...PARAMS, Extra: '1' } }))).toBe(false);
    const { TaskAttributes: _dropped, ...fewer } = PARAMS;
    expect(isValidTwilioSignature(request({ params: fewer }))).toBe(false);
  });

  it('refuses a signature for another path or another domain', () => {
    expect(isValidTwilioSignature(request({ path: '/admin' }))).toBe(false);
    expect(isValidTwilioSignature(request({ domainName: 'evil.example.com' }))).toBe(false);
  });

  it('ignores the `request` key the Functions runtime adds to the event', () => {
    const params = { ...PARAMS, request: { headers: { 'x-twilio-signature': 'abc' }, cookies: {} } };
    expect(isValidTwilioSignature(request({ params }))).toBe(true);
  });

  it('refuses an http signature on a public domain', () => {
    const domainName = 'opencx-bridge-1234-dev.twil.io';
    expect(isValidTwilioSignature(request({ domainName, signature: sign(`http://${domainName}${PATH}`) }))).toBe(false);
  });

  it.each(['localhost:3000', 'localhost', '127.0.0.1:3000'])(
    'accepts an http signature for the local runtime at %s',
    (domainName) => {
      expect(isValidTwilioSignature(request({ domainName, signature: sign(`http://${domainName}${PATH}`) }))).toBe(
        true,
      );
      expect(isValidTwilioSignature(request({ domainName, signature: sign(`https://${domainName}${PATH}`) }))).toBe(
        true,
      );
    },
  );

  it('refuses an http signature for a domain that merely starts with localhost', () => {
    for (const domainName of ['localhost.evil.com', 'evil-localhost', '127.0.0.1.nip.io']) {
      expect(isValidTwilioSignature(request({ domainName, signature: sign(`http://${domainName}${PATH}`) }))).toBe(
        false,
      );
    }
  });
});

describe('candidateUrls', () => {
  it('is https only for a public domain', () => {
    expect(candidateUrls('example.twil.io', '/webhook')).toEqual(['https://example.twil.io/webhook']);
  });

  it('adds http for localhost', () => {
    expect(candidateUrls('localhost:3000', '/webhook')).toEqual([
      'https://localhost:3000/webhook',
      'http://localhost:3000/webhook',
    ]);
  });
});

describe('deploymentUrl', () => {
  it('is https for a public domain and http for a local runtime', () => {
    expect(deploymentUrl('example.twil.io', '/webhook')).toBe('https://example.twil.io/webhook');
    expect(deploymentUrl('localhost:3000', '/webhook')).toBe('http://localhost:3000/webhook');
    expect(deploymentUrl('127.0.0.1:3000', '/webhook')).toBe('http://127.0.0.1:3000/webhook');
    expect(deploymentUrl('localhost.evil.com', '/webhook')).toBe('https://localhost.evil.com/webhook');
  });
});
