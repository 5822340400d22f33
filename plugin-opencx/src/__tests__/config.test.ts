import { functionsBaseUrl, opencxSessionUrl } from '../config';

describe('config', () => {
  it('links a session into the OpenCX inbox, URL-encoded', () => {
    expect(opencxSessionUrl('3f2a-41')).toBe('https://app.open.cx/inbox/3f2a-41');
    expect(opencxSessionUrl('a/b c')).toBe('https://app.open.cx/inbox/a%2Fb%20c');
  });

  it('reads the Functions URL from FLEX_APP_OPENCX_FUNCTIONS_URL, without trailing slashes', () => {
    expect(functionsBaseUrl({ FLEX_APP_OPENCX_FUNCTIONS_URL: ' https://opencx-1234-dev.twil.io// ' })).toBe('https://opencx-1234-dev.twil.io');
    expect(functionsBaseUrl({ FLEX_APP_OPENCX_FUNCTIONS_URL: '  ' })).toBeUndefined();
    expect(functionsBaseUrl({})).toBeUndefined();
  });
});
