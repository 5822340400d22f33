import {
  apiUrlVerdict,
  describeRefused,
  guardedApiUrl,
  isTwilioServerlessDomain,
  RefusedApiUrlError,
} from './deployment-guard';

const DEPLOYED = 'opencx-flex-4821-dev.twil.io';

describe('isTwilioServerlessDomain', () => {
  it.each([
    [DEPLOYED, true],
    ['OPENCX-FLEX-4821.TWIL.IO', true],
    [`${DEPLOYED}:443`, true],
    ['localhost:3000', false],
    ['127.0.0.1:3000', false],
    ['abc.ngrok.io', false],
    ['twil.io.example.com', false],
    ['eviltwil.io', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (domain, deployed) => {
    expect(isTwilioServerlessDomain(domain)).toBe(deployed);
  });
});

describe('apiUrlVerdict', () => {
  it('uses every URL as set when not deployed (twilio-run, tests)', () => {
    const verdict = apiUrlVerdict({
      DOMAIN_NAME: 'localhost:3000',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      OPENCX_API_URL: 'http://127.0.0.1:4020',
    });
    expect(verdict).toEqual({ deployed: false, customAllowed: false, unsafe: [], refused: [] });
  });

  it("accepts, deployed, the default URLs and the services' own https hosts", () => {
    expect(apiUrlVerdict({ DOMAIN_NAME: DEPLOYED }).refused).toEqual([]);
    expect(apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, TWILIO_API_BASE_URL: '  ', OPENCX_API_URL: '' }).refused).toEqual([]);
    expect(
      apiUrlVerdict({
        DOMAIN_NAME: DEPLOYED,
        TWILIO_API_BASE_URL: 'https://edge.dublin.twilio.com',
        OPENCX_API_URL: 'https://api.open.cx/',
      }).refused,
    ).toEqual([]);
    expect(apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, OPENCX_API_URL: 'https://eu.api.open.cx' }).refused).toEqual([]);
  });

  it('refuses, deployed, a simulator URL with each reason, naming only its origin', () => {
    const verdict = apiUrlVerdict({
      DOMAIN_NAME: DEPLOYED,
      TWILIO_API_BASE_URL: 'http://dev:s3cret@192.168.1.20:4010/base?key=abc',
      OPENCX_API_URL: 'https://opencx-sim.example.com',
    });
    expect(verdict.refused).toEqual([
      {
        variable: 'TWILIO_API_BASE_URL',
        origin: 'http://192.168.1.20:4010',
        reason: 'not https and not a Twilio host (*.twilio.com)',
        credentials: 'the Twilio credentials',
      },
      {
        variable: 'OPENCX_API_URL',
        origin: 'https://opencx-sim.example.com',
        reason: 'not an OpenCX host (api.open.cx)',
        credentials: 'the OpenCX API key',
      },
    ]);
    expect(JSON.stringify(verdict)).not.toMatch(/s3cret|key=abc|\/base/);
  });

  it('refuses http to the right host, look-alike hosts and unreadable URLs', () => {
    const refused = (url: string) =>
      apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, OPENCX_API_URL: url }).refused.map((u) => u.reason);
    expect(refused('http://api.open.cx')).toEqual(['not https']);
    expect(refused('https://api.open.cx.evil.example')).toEqual(['not an OpenCX host (api.open.cx)']);
    expect(refused('https://notopen.cx')).toEqual(['not an OpenCX host (api.open.cx)']);
    expect(refused('127.0.0.1:4020')).toHaveLength(1);
    expect(refused('not a url')).toEqual(['not a URL']);
    expect(
      apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, TWILIO_API_BASE_URL: 'https://twilio.com.evil.example' }).refused,
    ).toHaveLength(1);
  });

  it('lets ALLOW_CUSTOM_API_URLS=true through, still telling which URLs are custom', () => {
    const settings = { DOMAIN_NAME: DEPLOYED, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' };
    expect(apiUrlVerdict({ ...settings, ALLOW_CUSTOM_API_URLS: ' TRUE ' })).toMatchObject({
      deployed: true,
      customAllowed: true,
      refused: [],
      unsafe: [{ variable: 'TWILIO_API_BASE_URL' }],
    });
    expect(apiUrlVerdict({ ...settings, ALLOW_CUSTOM_API_URLS: 'yes' }).refused).toHaveLength(1);
    expect(apiUrlVerdict({ ...settings, ALLOW_CUSTOM_API_URLS: 'false' }).refused).toHaveLength(1);
  });
});

describe('guardedApiUrl', () => {
  it('gives the URL as set, or undefined for the default', () => {
    expect(
      guardedApiUrl(
        { DOMAIN_NAME: 'localhost:3000', TWILIO_API_BASE_URL: ' http://127.0.0.1:4010 ' },
        'TWILIO_API_BASE_URL',
      ),
    ).toBe('http://127.0.0.1:4010');
    expect(guardedApiUrl({ DOMAIN_NAME: DEPLOYED }, 'OPENCX_API_URL')).toBeUndefined();
  });

  it('throws for a refused URL, and only for the variable asked about', () => {
    const settings = { DOMAIN_NAME: DEPLOYED, OPENCX_API_URL: 'http://127.0.0.1:4020' };
    expect(() => guardedApiUrl(settings, 'OPENCX_API_URL')).toThrow(RefusedApiUrlError);
    expect(guardedApiUrl(settings, 'TWILIO_API_BASE_URL')).toBeUndefined();
  });

  it('names every refused URL in what it throws', () => {
    const settings = {
      DOMAIN_NAME: DEPLOYED,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      OPENCX_API_URL: 'http://127.0.0.1:4020',
    };
    expect(() => guardedApiUrl(settings, 'TWILIO_API_BASE_URL')).toThrow(
      expect.objectContaining({
        refused: [
          expect.objectContaining({ variable: 'TWILIO_API_BASE_URL' }),
          expect.objectContaining({ variable: 'OPENCX_API_URL' }),
        ],
      }),
    );
  });
});

describe('describeRefused', () => {
  it('says which variable, where it points, why, and the fix in one line', () => {
    const line = describeRefused(
      apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' }).refused,
    );
    expect(line).toBe(
      'TWILIO_API_BASE_URL points to http://127.0.0.1:4010 (not https and not a Twilio host (*.twilio.com)): ' +
        'a deployed Function sends no request there, so the Twilio credentials cannot leak. ' +
        "Remove TWILIO_API_BASE_URL from the Functions' environment and deploy again, " +
        'or set ALLOW_CUSTOM_API_URLS=true if that URL is meant.',
    );
    expect(line).not.toMatch(/\n/);
  });
});
