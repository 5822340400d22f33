// The one place the Functions make Twilio clients. With TWILIO_API_BASE_URL set (local sandbox,
// tests), every `https://<host>.twilio.com/<path>` request goes to `<base>/<host>/<path>`.
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';

export interface TwilioCredentials {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  TWILIO_API_BASE_URL?: string;
}

export type TwilioClient = ReturnType<typeof twilio>;

const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)\.twilio\.com(\/.*)?$/i;

export function rewriteTwilioUrl(uri: string, baseUrl: string | undefined): string {
  if (!baseUrl) return uri;
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  return `${baseUrl.replace(/\/+$/, '')}/${match[1]}${match[2] ?? ''}`;
}

class BaseUrlRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 8000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
  }
}

export function createTwilioClient(env: TwilioCredentials): TwilioClient {
  const baseUrl = env.TWILIO_API_BASE_URL?.trim();
  return twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, {
    httpClient: baseUrl ? new BaseUrlRequestClient(baseUrl) : new RequestClient({ timeout: 8000 }),
  });
}
