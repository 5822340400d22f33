// Keeps a deployed Function from sending credentials to a simulator. TWILIO_API_BASE_URL and
// OPENCX_API_URL point the Functions at the local simulators; deployed with a developer's `.env`,
// they would send the Twilio credentials and the OpenCX API key there. On Twilio Serverless (a
// `*.twil.io` domain) only https URLs of Twilio's and OpenCX's own hosts are used, unless
// ALLOW_CUSTOM_API_URLS=true says a custom one is meant. Locally (twilio-run, tests) every URL is used as set.

export const ALLOW_CUSTOM_API_URLS = 'ALLOW_CUSTOM_API_URLS';

/** The environment the rule reads: a Function's context has all of it. */
export interface ApiUrlSettings {
  /** The Function's domain, e.g. `opencx-1234-dev.twil.io` or `localhost:3000`. */
  DOMAIN_NAME?: string;
  TWILIO_API_BASE_URL?: string;
  OPENCX_API_URL?: string;
  ALLOW_CUSTOM_API_URLS?: string;
}

export type ApiUrlVariable = 'TWILIO_API_BASE_URL' | 'OPENCX_API_URL';

const DESTINATIONS: Record<
  ApiUrlVariable,
  { service: string; hosts: string; isOwnHost: (host: string) => boolean; credentials: string }
> = {
  TWILIO_API_BASE_URL: {
    service: 'Twilio',
    hosts: '*.twilio.com',
    isOwnHost: (host) => host === 'twilio.com' || host.endsWith('.twilio.com'),
    credentials: 'the Twilio credentials',
  },
  OPENCX_API_URL: {
    service: 'OpenCX',
    hosts: 'api.open.cx',
    isOwnHost: (host) => host === 'open.cx' || host.endsWith('.open.cx'),
    credentials: 'the OpenCX API key',
  },
};

/** A base URL a deployed Function must not send credentials to. */
export interface UnsafeApiUrl {
  variable: ApiUrlVariable;
  /** Scheme, host and port only: a URL's user, password, path and query never reach a log. */
  origin: string;
  /** Why, e.g. "not https and not a Twilio host (*.twilio.com)". */
  reason: string;
  /** What would be sent there. */
  credentials: string;
}

export interface ApiUrlVerdict {
  /** Running on Twilio Serverless. */
  deployed: boolean;
  /** ALLOW_CUSTOM_API_URLS=true. */
  customAllowed: boolean;
  /** The URLs that are not the services' own (only looked for when deployed). */
  unsafe: UnsafeApiUrl[];
  /** The unsafe URLs no request may go to: deployed, and not allowed. */
  refused: UnsafeApiUrl[];
}

/** A Twilio Serverless domain (`<service>-<digits>[-<environment>].twil.io`), with or without a port. */
export function isTwilioServerlessDomain(domainName: string | undefined): boolean {
  const host = (domainName ?? '').trim().toLowerCase().replace(/:\d+$/, '');
  return host === 'twil.io' || host.endsWith('.twil.io');
}

/** Why `url` is not the service's own https endpoint; undefined when it is. */
export function unsafeApiUrl(variable: ApiUrlVariable, url: string): UnsafeApiUrl | undefined {
  const destination = DESTINATIONS[variable];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { variable, origin: 'an unreadable URL', reason: 'not a URL', credentials: destination.credentials };
  }
  const reasons = [
    ...(parsed.protocol === 'https:' ? [] : ['not https']),
    ...(destination.isOwnHost(parsed.hostname.toLowerCase())
      ? []
      : [`not ${article(destination.service)} ${destination.service} host (${destination.hosts})`]),
  ];
  if (reasons.length === 0) return undefined;
  return { variable, origin: parsed.origin, reason: reasons.join(' and '), credentials: destination.credentials };
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** The rule, without I/O. Unset or blank URLs are the services' own defaults. */
export function apiUrlVerdict(settings: ApiUrlSettings): ApiUrlVerdict {
  const deployed = isTwilioServerlessDomain(settings.DOMAIN_NAME);
  const customAllowed = settings.ALLOW_CUSTOM_API_URLS?.trim().toLowerCase() === 'true';
  const variables: ApiUrlVariable[] = ['TWILIO_API_BASE_URL', 'OPENCX_API_URL'];
  const unsafe = deployed
    ? variables.flatMap((variable) => {
        const url = settings[variable]?.trim();
        const found = url ? unsafeApiUrl(variable, url) : undefined;
        return found ? [found] : [];
      })
    : [];
  return { deployed, customAllowed, unsafe, refused: customAllowed ? [] : unsafe };
}

/** One line for the log and the admin: which variable, where it points, why nothing is sent there. */
export function describeRefused(refused: readonly UnsafeApiUrl[]): string {
  const each = refused.map((url) => `${url.variable} points to ${url.origin} (${url.reason})`);
  return (
    `${each.join('; ')}: a deployed Function sends no request there, ` +
    `so ${refused.map((url) => url.credentials).join(' and ')} cannot leak. ` +
    `Remove ${refused.map((url) => url.variable).join(' and ')} from the Functions' environment and deploy ` +
    `again, or set ${ALLOW_CUSTOM_API_URLS}=true if that URL is meant.`
  );
}

/** Thrown before any request would go to a refused URL. */
export class RefusedApiUrlError extends Error {
  constructor(readonly refused: UnsafeApiUrl[]) {
    super(describeRefused(refused));
    this.name = 'RefusedApiUrlError';
  }
}

/**
 * The base URL set in `variable`, trimmed (undefined when unset). Throws RefusedApiUrlError, naming
 * every refused URL, when a deployed Function must not use this one.
 */
export function guardedApiUrl(settings: ApiUrlSettings, variable: ApiUrlVariable): string | undefined {
  const { refused } = apiUrlVerdict(settings);
  if (refused.some((url) => url.variable === variable)) throw new RefusedApiUrlError(refused);
  return settings[variable]?.trim() || undefined;
}
