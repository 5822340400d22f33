// The deployment's own guards, decided without I/O: where the Functions send their credentials
// (a deployed Function refuses a simulator's URL, common/deployment-guard.ts), and whether the
// settings live in a Sync service of the integration's own, out of the Flex agents' reach.
import { ALLOW_CUSTOM_API_URLS, type ApiUrlVerdict, type UnsafeApiUrl } from '../../common/deployment-guard';
import type { SyncServiceSummary } from '../../common/twilio';
import type { Check, CheckId, CheckStatus } from './check';

/** What the deployment checks look at: the Functions' environment, and the Sync service it names. */
export interface DeploymentFacts {
  /** The Function's DOMAIN_NAME. */
  domainName: string;
  apiUrls: ApiUrlVerdict;
  /** SYNC_SERVICE_SID, trimmed; undefined when unset. */
  syncServiceSid?: string;
  /** The service SYNC_SERVICE_SID names; undefined when unset or not in the account. */
  syncService?: SyncServiceSummary;
}

/**
 * The unique name Twilio gives the account's default Sync service,
 * the one Flex agents' tokens grant (docs/twilio-notes.md, Sync).
 */
export const DEFAULT_SYNC_SERVICE_NAME = 'default';

const CREATE_SYNC_SERVICE =
  'Create a Sync service for the integration (Twilio Console → Sync → Services → Create, ' +
  'or `twilio api:sync:v1:services:create --friendly-name "OpenCX for Flex"`), ' +
  "set SYNC_SERVICE_SID to its SID in the Functions' environment and deploy again";

const manualCheck = (id: CheckId, title: string, status: CheckStatus, detail: string, fix?: string): Check => ({
  id,
  title,
  status,
  detail,
  ...(fix ? { fix } : {}),
  autoFixable: false,
});

/** Both deployment checks, first of all: nothing else works while they fail. */
export const deploymentChecks = (facts: DeploymentFacts): Check[] => [apiUrlsCheck(facts), syncServiceCheck(facts)];

const listed = (urls: readonly UnsafeApiUrl[]): string =>
  urls.map((url) => `${url.variable} points to ${url.origin} (${url.reason})`).join('; ');
const variables = (urls: readonly UnsafeApiUrl[]): string => urls.map((url) => url.variable).join(' and ');
const credentials = (urls: readonly UnsafeApiUrl[]): string => urls.map((url) => url.credentials).join(' and ');

/**
 * Deployed (a twil.io domain), the Functions send requests only to Twilio's and OpenCX's own https
 * addresses: a problem when TWILIO_API_BASE_URL or OPENCX_API_URL points elsewhere (nothing is sent
 * there), a warning when ALLOW_CUSTOM_API_URLS lets credentials go there. Locally, always ok.
 */
export function apiUrlsCheck({ domainName, apiUrls }: Pick<DeploymentFacts, 'domainName' | 'apiUrls'>): Check {
  const title = 'Twilio and OpenCX API URLs';
  if (!apiUrls.deployed)
    return manualCheck(
      'api_urls',
      title,
      'ok',
      `The Functions run at ${domainName}, not on Twilio Serverless: ` +
        'TWILIO_API_BASE_URL and OPENCX_API_URL are used as set.',
    );
  if (apiUrls.refused.length > 0) {
    return manualCheck(
      'api_urls',
      title,
      'problem',
      `${listed(apiUrls.refused)}: it looks like a local simulator's, so the Functions send no request there ` +
        `and ${credentials(apiUrls.refused)} stay here. Until it is fixed, the bridge relays nothing.`,
      `Remove ${variables(apiUrls.refused)} from the Functions' environment (.env) and deploy again; ` +
        `set ${ALLOW_CUSTOM_API_URLS}=true only if requests are meant to go there.`,
    );
  }
  if (apiUrls.unsafe.length > 0) {
    return manualCheck(
      'api_urls',
      title,
      'warning',
      `${listed(apiUrls.unsafe)}, and ${ALLOW_CUSTOM_API_URLS}=true lets the Functions send ` +
        `${credentials(apiUrls.unsafe)} there.`,
      `Unless that address is yours and meant, remove ${variables(apiUrls.unsafe)} and ` +
        `${ALLOW_CUSTOM_API_URLS} from the Functions' environment and deploy again.`,
    );
  }
  return manualCheck(
    'api_urls',
    title,
    'ok',
    "The Functions send their requests only to Twilio's and OpenCX's own https addresses.",
  );
}

/** SYNC_SERVICE_SID names a Sync service of the account that is not the default one Flex agents' tokens can read. */
export function syncServiceCheck({
  syncServiceSid,
  syncService,
}: Pick<DeploymentFacts, 'syncServiceSid' | 'syncService'>): Check {
  const title = "The integration's Sync service";
  if (!syncServiceSid) {
    return manualCheck(
      'sync_service',
      title,
      'problem',
      'SYNC_SERVICE_SID is not set, so the settings can be neither saved nor read and the bridge ignores every event.',
      `${CREATE_SYNC_SERVICE}.`,
    );
  }
  if (!syncService) {
    return manualCheck(
      'sync_service',
      title,
      'problem',
      `SYNC_SERVICE_SID names the Sync service ${syncServiceSid}, which is not in this account, ` +
        'so the settings can be neither saved nor read.',
      `${CREATE_SYNC_SERVICE}.`,
    );
  }
  const name = `"${syncService.friendlyName ?? syncService.sid}" (${syncService.sid})`;
  if (syncService.uniqueName === DEFAULT_SYNC_SERVICE_NAME) {
    return manualCheck(
      'sync_service',
      title,
      'problem',
      `SYNC_SERVICE_SID names the account's default Sync service ${name}, which every Flex agent's token can ` +
        'read: agents could read the OpenCX API keys and the webhook signing secret kept there.',
      `${CREATE_SYNC_SERVICE}; then enter the OpenCX settings again and click Test & Save, with new OpenCX API ` +
        'keys and a new webhook signing secret.',
    );
  }
  return manualCheck(
    'sync_service',
    title,
    'ok',
    `The settings are kept in the Sync service ${name}, the integration's own: Flex agents' tokens cannot read it.`,
  );
}
