import { apiUrlVerdict } from '../../common/deployment-guard';
import { apiUrlsCheck, deploymentChecks, syncServiceCheck } from './deployment-checks';
import { DEFAULT_SYNC_SERVICE, LOCAL_DEPLOYMENT, OWN_SYNC_SERVICE } from './fixtures.testing';
import { pattern } from '../../common/pattern.testing';

const DEPLOYED = 'opencx-flex-4821-dev.twil.io';
const SIMULATOR_URLS = { TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', OPENCX_API_URL: 'http://127.0.0.1:4020' };

describe('apiUrlsCheck', () => {
  it('is ok locally, whatever the URLs', () => {
    expect(apiUrlsCheck(LOCAL_DEPLOYMENT)).toMatchObject({
      id: 'api_urls',
      status: 'ok',
      detail: expect.stringMatching(/localhost:3000, not on Twilio Serverless/),
      autoFixable: false,
    });
  });

  it("is ok deployed with the services' own URLs", () => {
    expect(apiUrlsCheck({ domainName: DEPLOYED, apiUrls: apiUrlVerdict({ DOMAIN_NAME: DEPLOYED }) })).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/only to Twilio's and OpenCX's own https/),
    });
  });

  it('is a problem deployed with a simulator URL, naming each variable, its origin and the fix', () => {
    const check = apiUrlsCheck({
      domainName: DEPLOYED,
      apiUrls: apiUrlVerdict({ DOMAIN_NAME: DEPLOYED, ...SIMULATOR_URLS }),
    });
    expect(check).toEqual({
      id: 'api_urls',
      title: 'Twilio and OpenCX API URLs',
      status: 'problem',
      detail: expect.stringMatching(
        pattern(
          /TWILIO_API_BASE_URL points to http:\/\/127\.0\.0\.1:4010 .*/,
          /OPENCX_API_URL points to http:\/\/127\.0\.0\.1:4020 .*send no request there/,
        ),
      ),
      fix:
        "Remove TWILIO_API_BASE_URL and OPENCX_API_URL from the Functions' environment (.env) and deploy again; " +
        'set ALLOW_CUSTOM_API_URLS=true only if requests are meant to go there.',
      autoFixable: false,
    });
  });

  it('warns when ALLOW_CUSTOM_API_URLS lets the credentials go to a custom URL', () => {
    const check = apiUrlsCheck({
      domainName: DEPLOYED,
      apiUrls: apiUrlVerdict({
        DOMAIN_NAME: DEPLOYED,
        OPENCX_API_URL: 'https://opencx-proxy.example.com',
        ALLOW_CUSTOM_API_URLS: 'true',
      }),
    });
    expect(check).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(
        pattern(
          /OPENCX_API_URL points to https:\/\/opencx-proxy\.example\.com .*/,
          /ALLOW_CUSTOM_API_URLS=true lets the Functions send the OpenCX API key there/,
        ),
      ),
      fix: expect.stringMatching(/remove OPENCX_API_URL and ALLOW_CUSTOM_API_URLS/),
    });
  });
});

describe('syncServiceCheck', () => {
  it("is ok with a service of the integration's own", () => {
    expect(syncServiceCheck({ syncServiceSid: OWN_SYNC_SERVICE.sid, syncService: OWN_SYNC_SERVICE })).toMatchObject({
      id: 'sync_service',
      status: 'ok',
      detail: expect.stringContaining(`"OpenCX for Flex" (${OWN_SYNC_SERVICE.sid})`),
    });
  });

  it('is a problem when SYNC_SERVICE_SID is not set, with how to create one', () => {
    expect(syncServiceCheck({})).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/SYNC_SERVICE_SID is not set/),
      fix: expect.stringMatching(/Create a Sync service .*set SYNC_SERVICE_SID .*deploy again/),
    });
  });

  it('is a problem when the service is not in the account', () => {
    expect(syncServiceCheck({ syncServiceSid: OWN_SYNC_SERVICE.sid })).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/not in this account/),
      fix: expect.stringMatching(/Create a Sync service/),
    });
  });

  it("is a problem when it is the default service Flex agents' tokens can read", () => {
    expect(syncServiceCheck({ syncServiceSid: 'default', syncService: DEFAULT_SYNC_SERVICE })).toMatchObject({
      status: 'problem',
      detail: expect.stringMatching(/default Sync service "Default Service" .*every Flex agent's token can read/),
      fix: expect.stringMatching(/Create a Sync service .*Test & Save, with new OpenCX API keys/),
    });
  });
});

describe('deploymentChecks', () => {
  it('gives the API URLs check, then the Sync service check', () => {
    expect(deploymentChecks(LOCAL_DEPLOYMENT).map((check) => [check.id, check.status])).toEqual([
      ['api_urls', 'ok'],
      ['sync_service', 'ok'],
    ]);
  });
});
