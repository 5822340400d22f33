// OpenCX: the saved API key, OpenCX's webhooks to this deployment, and its rate limit.
import type { NotedRefusal, OpenCxWebhookHealth, OpenCxWebhookRefusal } from '../../common/config';
import { type Check, check, type CheckStatus, fine, listed, manual, type Verdict } from './check';

/** The Function OpenCX posts its webhooks to. */
export const OPENCX_WEBHOOK_PATH = '/opencx-webhook';
/** The OpenCX webhook events the bridge needs. */
export const OPENCX_WEBHOOK_EVENTS = ['conversation.ai_response', 'conversation.handoff_to_human'] as const;
/** A signed OpenCX event older than this makes the OpenCX webhook check a warning. */
export const OPENCX_WEBHOOK_QUIET_MS = 24 * 60 * 60 * 1000;

/** The share of OpenCX requests answered 429 at which the rate limit check is a problem. */
export const RATE_LIMITED_PROBLEM_SHARE = 0.1;

/** OpenCX requests and 429s per saved key over the last minutes, as the Functions counted them. */
export interface OpenCxUsageFacts {
  minutes: number;
  /** The main key first, each by its masked hint. */
  keys: { masked: string; requests: number; limited: number }[];
}

/**
 * `not_sent`: OPENCX_API_URL is refused here (the `api_urls` check says why), so the key was not sent to be checked.
 */
export type OpenCxTokenState =
  | { kind: 'valid'; orgName: string; orgId: string }
  | { kind: 'rejected' }
  /** `rateLimited`: OpenCX answered 429, this key is over its limit (it may well be valid). */
  | { kind: 'unavailable'; rateLimited?: boolean }
  | { kind: 'not_sent' };

export interface OpenCxWebhookFacts {
  secretSaved: boolean;
  /** Where OpenCX must post: this deployment's OpenCX webhook Function. */
  url: string;
  /** The last delivery verified by the saved secret; undefined when none was recorded. */
  health?: OpenCxWebhookHealth;
  /** The last delivery the saved secret refused as unsigned or forged; undefined when none was recorded. */
  refused?: OpenCxWebhookRefusal;
  now: Date;
}

/** A further key of the organisation, by its masked hint. */
export interface FurtherKeyState {
  hint: string;
  state: OpenCxTokenState;
}

/** What is wrong with the further keys, one phrase each; another organisation only against a known main one. */
function furtherKeyFaults(furtherKeys: readonly FurtherKeyState[], mainOrgId?: string): string[] {
  return furtherKeys.flatMap(({ hint, state: key }) => {
    if (key.kind === 'rejected') return [`${hint} is rejected (revoked or rotated?)`];
    if (key.kind === 'valid' && mainOrgId !== undefined && key.orgId !== mainOrgId)
      return [`${hint} is of another organisation`];
    return [];
  });
}

const FURTHER_KEY_FIX =
  'In the OpenCX settings, remove those keys from "More API keys of the same organisation" or paste ' +
  'current ones of the same organisation, then click Test & Save.';

export function opencxTokenCheck(state: OpenCxTokenState, furtherKeys: readonly FurtherKeyState[] = []): Check {
  const title = 'OpenCX API key';
  const faults = furtherKeyFaults(furtherKeys, state.kind === 'valid' ? state.orgId : undefined);
  const faultText = `${faults.join('; ')}.`;
  switch (state.kind) {
    case 'valid': {
      const accepted = `OpenCX accepts the saved API key (organisation "${state.orgName}")`;
      if (faults.length === 0) {
        const checked = furtherKeys.filter((k) => k.state.kind === 'valid').length;
        const further =
          checked === furtherKeys.length
            ? ', and its further keys'
            : `, and ${checked} of its ${furtherKeys.length} further keys (OpenCX could not check the others now)`;
        return check('opencx_token', title, 'ok', fine(`${accepted}${furtherKeys.length ? further : ''}.`));
      }
      return check(
        'opencx_token',
        title,
        'warning',
        manual(
          `${accepted}, but not every further key: ${faultText} While the main key is over its ` +
            'rate limit, what those keys would carry waits for a resend or goes to humans.',
          FURTHER_KEY_FIX,
        ),
      );
    }
    case 'rejected':
      return check(
        'opencx_token',
        title,
        'problem',
        manual(
          'OpenCX rejects the saved API key (revoked or rotated?), so the AI cannot answer anyone.',
          'Copy a current API key from the OpenCX dashboard, paste it in the OpenCX settings and click Test & Save.',
        ),
      );
    case 'unavailable':
      return check(
        'opencx_token',
        title,
        'warning',
        state.rateLimited && faults.length > 0
          ? manual(
              'OpenCX is rate-limiting the saved API key (429), so it could not be checked, and not every ' +
                `further key can take over: ${faultText} Meanwhile new messages wait for a resend or go to humans.`,
              FURTHER_KEY_FIX,
            )
          : state.rateLimited
            ? manual(
                'OpenCX is rate-limiting the saved API key (429), so it could not be checked. ' +
                  'While it is over its limit, new messages wait for it or go to humans.',
                'Run the check again once the limit resets (a minute). If it happens often, add another API ' +
                  'key of the same organisation in the settings: each key has its own limit.',
              )
            : manual(
                'OpenCX could not be reached to check the saved API key. ' +
                  'While it is unreachable, conversations go to humans with the reason "AI unavailable".',
                'Run the check again in a minute.',
              ),
      );
    case 'not_sent':
      return check(
        'opencx_token',
        title,
        'warning',
        manual(
          "The saved API key was not checked: OPENCX_API_URL is not OpenCX's " +
            'own address, so this deployment sends nothing to it.',
          'Fix the "Twilio and OpenCX API URLs" check first.',
        ),
      );
  }
}

export function opencxWebhookCheck(facts: OpenCxWebhookFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('opencx_webhook', 'OpenCX webhook', status, v);
  const addWebhook =
    `In OpenCX → Settings → Integrations → Webhooks, add ${facts.url} with the events ` +
    `${listed(OPENCX_WEBHOOK_EVENTS)}`;
  if (!facts.secretSaved) {
    return verdict(
      'problem',
      manual(
        'No OpenCX webhook signing secret is saved, so this deployment refuses every ' +
          'OpenCX webhook: an AI answer too slow for the direct reply never reaches ' +
          'the customer, and the conversation goes to humans as "AI unavailable".',
        `${addWebhook}, then paste its signing secret in the OpenCX settings and click Test & Save.`,
      ),
    );
  }
  const { health, refused } = facts;
  if (refused && (!health || Date.parse(refused.lastRefusedAt) > Date.parse(health.lastVerifiedAt))) {
    const accepted = health
      ? `the last accepted one (${health.lastEvent}) arrived before, at ${health.lastVerifiedAt}`
      : 'none signed with the saved secret was accepted';
    return verdict(
      'problem',
      manual(
        `OpenCX's webhook deliveries are being refused: one at ${refused.lastRefusedAt} (${refused.reason}), ` +
          `and ${accepted}. AI answers too slow for the direct reply and OpenCX's handoffs are lost meanwhile. ` +
          '(If this clears when OpenCX delivers again, the refused request came from elsewhere.)',
        refusalFix(refused.refusal),
      ),
    );
  }
  if (!health || facts.now.getTime() - Date.parse(health.lastVerifiedAt) > OPENCX_WEBHOOK_QUIET_MS) {
    const last = health
      ? `The last signed OpenCX event (${health.lastEvent}) arrived at ${health.lastVerifiedAt}`
      : 'No signed OpenCX event has arrived yet (an AI answer or a handoff: others do not count)';
    return verdict(
      'warning',
      manual(
        `${last}, none in the last 24 hours: OpenCX may not be sending its webhooks here, or may sign them ` +
          'with another secret (or the AI has answered nobody since).',
        `${addWebhook}, and check that its signing secret is the one saved in the OpenCX settings.`,
      ),
    );
  }
  return verdict('ok', fine(`The last signed OpenCX event, ${health.lastEvent}, arrived at ${health.lastVerifiedAt}.`));
}

/** What to do about deliveries refused this way: the secret, or the timestamp of a delivery the saved secret signed. */
function refusalFix(refusal: NotedRefusal | undefined): string {
  switch (refusal) {
    case 'stale':
      return (
        "The delivery carries the saved secret's signature, but was signed more than 5 minutes away from this " +
        "deployment's clock: OpenCX may be sending a delivery again with its first timestamp. If it repeats, " +
        'send OpenCX support the time above.'
      );
    case 'malformed':
      return (
        "The delivery's timestamp header is not a time in seconds, as this deployment reads OpenCX's signature: " +
        'OpenCX may have changed how it signs its webhooks. Send OpenCX support the time above.'
      );
    default:
      return (
        "The signing secret in the settings does not match OpenCX's (OpenCX → Settings → Integrations → " +
        'Webhooks): copy it again, paste it in the OpenCX settings and click Test & Save.'
      );
  }
}

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toLocaleString('en-US')} %`;

/** The recent share of OpenCX requests refused for the rate limit (429): a warning above none, a problem when high. */
export function opencxRateLimitCheck(usage: OpenCxUsageFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('opencx_rate_limit', 'OpenCX rate limit', status, v);
  const requests = usage.keys.reduce((sum, key) => sum + key.requests, 0);
  const limited = usage.keys.reduce((sum, key) => sum + key.limited, 0);
  const keys = usage.keys.length === 1 ? 'the API key' : `${usage.keys.length} API keys`;
  if (limited === 0) {
    return verdict(
      'ok',
      fine(
        'OpenCX refused no request for its rate limit in the last ' +
          `${usage.minutes} minutes (${requests} counted, ${keys}).`,
      ),
    );
  }
  const share = limited / Math.max(requests, limited);
  const perKey = usage.keys
    .filter((key) => key.requests > 0)
    .map((key) => `${key.masked}: ${key.limited} of ${key.requests} (${percent(key.limited / key.requests)})`)
    .join('; ');
  return verdict(
    share >= RATE_LIMITED_PROBLEM_SHARE ? 'problem' : 'warning',
    manual(
      `OpenCX answered ${percent(share)} of the requests of the last ${usage.minutes} minutes ` +
        `with 429 (rate limit: 100 a minute per key; ${perKey}). ` +
        'Those customers waited for a resend or went to humans as "AI busy (OpenCX rate limit)".',
      'Add another API key of the same OpenCX organisation in the OpenCX settings (each carries about 50 ' +
        'conversations at one customer message every 30 seconds), or ask OpenCX support to raise the limit.',
    ),
  );
}
