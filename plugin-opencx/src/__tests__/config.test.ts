import { opencxSessionUrl, resolveFunctionsEndpoint } from '../config';

const runtime = (value: unknown) => ({ custom_data: { opencx_functions_domain: value } });
const BUILD = { FLEX_APP_OPENCX_FUNCTIONS_URL: ' https://opencx-1234-dev.twil.io// ' };

describe('config', () => {
  it('links a session into the OpenCX inbox, URL-encoded', () => {
    expect(opencxSessionUrl('3f2a-41')).toBe('https://app.open.cx/inbox/3f2a-41');
    expect(opencxSessionUrl('a/b c')).toBe('https://app.open.cx/inbox/a%2Fb%20c');
  });

  it('takes the Functions domain from the Flex configuration first, as a domain or a URL', () => {
    expect(resolveFunctionsEndpoint(runtime('opencx-1234-prod.twil.io'), BUILD)).toEqual({
      kind: 'configured',
      url: 'https://opencx-1234-prod.twil.io',
      source: 'flexConfiguration',
    });
    expect(resolveFunctionsEndpoint(runtime(' https://opencx-1234-prod.twil.io/ '), {})).toEqual({
      kind: 'configured',
      url: 'https://opencx-1234-prod.twil.io',
      source: 'flexConfiguration',
    });
    expect(resolveFunctionsEndpoint(runtime('http://localhost:3000'), {})).toMatchObject({
      url: 'http://localhost:3000',
    });
  });

  it('sends nothing in clear text off this machine: http:// becomes https:// but for a local sandbox', () => {
    const url = (value: string) => (resolveFunctionsEndpoint(runtime(value), {}) as { url: string }).url;
    expect(url('http://opencx-1234-prod.twil.io/')).toBe('https://opencx-1234-prod.twil.io');
    expect(url('HTTP://localhost.evil.example')).toBe('https://localhost.evil.example');
    expect(url('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(url('http://[::1]:3000')).toBe('http://[::1]:3000');
    expect(
      resolveFunctionsEndpoint(undefined, { FLEX_APP_OPENCX_FUNCTIONS_URL: 'http://functions.example' }),
    ).toMatchObject({ url: 'https://functions.example', source: 'build' });
  });

  it('falls back to FLEX_APP_OPENCX_FUNCTIONS_URL from the build when the Flex configuration has none', () => {
    const built = { kind: 'configured', url: 'https://opencx-1234-dev.twil.io', source: 'build' };
    expect(resolveFunctionsEndpoint(undefined, BUILD)).toEqual(built);
    expect(resolveFunctionsEndpoint({}, BUILD)).toEqual(built);
    expect(resolveFunctionsEndpoint(runtime(''), BUILD)).toEqual(built);
    expect(resolveFunctionsEndpoint(runtime('   '), BUILD)).toEqual(built);
    expect(resolveFunctionsEndpoint(runtime(null), BUILD)).toEqual(built);
  });

  it('is missing when neither names the Functions', () => {
    expect(resolveFunctionsEndpoint({}, {})).toEqual({ kind: 'missing' });
    expect(resolveFunctionsEndpoint(runtime(' '), { FLEX_APP_OPENCX_FUNCTIONS_URL: '  ' })).toEqual({
      kind: 'missing',
    });
  });

  it('ignores a Flex configuration value that is not text', () => {
    expect(resolveFunctionsEndpoint(runtime({ url: 'x' }), BUILD)).toMatchObject({ source: 'build' });
    expect(resolveFunctionsEndpoint(runtime(42), {})).toEqual({ kind: 'missing' });
  });
});
