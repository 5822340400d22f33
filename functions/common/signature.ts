// X-Twilio-Signature check with the twilio library. The local runtime does not enforce
// `.protected`, so every webhook Function checks for itself.
import twilio from 'twilio';
import { CONFIG_VERSION_PARAM, withConfigVersion } from './config';

export interface SignedRequest {
  domainName: string;
  path: string;
  authToken: string;
  signature: string | undefined;
  params: Record<string, unknown>;
}

const LOCAL_DOMAIN = /^(localhost|127\.0\.0\.1)(:\d+)?$/;

/** The URLs Twilio may have signed: https in production, http for a local runtime. */
export function candidateUrls(domainName: string, path: string): string[] {
  const urls = [`https://${domainName}${path}`];
  if (LOCAL_DOMAIN.test(domainName)) urls.push(`http://${domainName}${path}`);
  return urls;
}

/** The URL to register with Twilio: https, or http for a local runtime (twilio-run serves no TLS). */
export function deploymentUrl(domainName: string, path: string): string {
  return `${LOCAL_DOMAIN.test(domainName) ? 'http' : 'https'}://${domainName}${path}`;
}

export function isValidTwilioSignature(request: SignedRequest): boolean {
  if (!request.signature || !request.authToken) return false;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.params)) {
    if (key === 'request') continue;
    // Twilio posts a form of single strings: a repeated or bracketed field (parsed to an array or
    // object), or a JSON body, is not a request it signed, whatever signature it carries.
    if (typeof value !== 'string') return false;
    params[key] = value;
  }
  // The runtime merges the query into the params: a config version came on the URL Twilio signed.
  const { [CONFIG_VERSION_PARAM]: version, ...posted } = params;
  const path = version === undefined ? request.path : withConfigVersion(request.path, version);
  return candidateUrls(request.domainName, path).some((url) =>
    twilio.validateRequest(request.authToken, request.signature!, url, version === undefined ? params : posted),
  );
}
