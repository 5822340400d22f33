// What the bridge's two Functions share: the environment, the JSON answer, and wiring one
// handler's dependencies (one Twilio module, one OpenCX client, Sync state, a deadline).
import '@twilio-labs/serverless-runtime-types';
import type { Context, ServerlessCallback } from '@twilio-labs/serverless-runtime-types/types';
import { type BridgeConfig, WEBHOOK_PATH } from '../common/config';
import { apiUrlVerdict, describeRefused, guardedApiUrl } from '../common/deployment-guard';
import { logEvent } from '../common/log';
import { OpenCxClient } from '../common/opencx-client';
import { deploymentUrl } from '../common/signature';
import { Deadline } from '../common/retry';
import { createTwilioApis, type TwilioApis } from '../common/twilio';
import { rearmBudgetMs } from './actions/answer';
import type { BridgeDeps } from './deps';
import { flushOpencxUsage, noteOpencxResponse } from './opencx-usage';
import { BridgeState } from './state';

export interface BridgeEnv {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  /** The integration's own Sync service (config, conversation and session maps, claims). */
  SYNC_SERVICE_SID: string;
  TWILIO_API_BASE_URL?: string;
  OPENCX_API_URL?: string;
  /** Caps how long a handler waits for OpenCX before the answer is left to OpenCX's webhook (ms). */
  OPENCX_ANSWER_WAIT_MS?: string;
  [key: string]: string | undefined;
}

export type WebhookEvent = Record<string, unknown> & { request?: { headers?: Record<string, unknown> } };

/** One of the bridge's webhooks, as the Twilio runtime calls it. */
export type WebhookHandler = (
  context: Context<BridgeEnv>,
  event: WebhookEvent,
  callback: ServerlessCallback,
) => Promise<void>;

/** Kept free after the AI call: a handoff is three round trips, a reply one or two. */
export const AFTER_ANSWER_RESERVE_MS = 1300;
const DEFAULT_MAX_ANSWER_WAIT_MS = 8000;

export function reply(callback: ServerlessCallback, status: number, body: Record<string, unknown>): void {
  const response = new Twilio.Response();
  response.setStatusCode(status);
  response.appendHeader('Content-Type', 'application/json');
  response.setBody(body);
  callback(null, response);
}

/**
 * A deployed Function whose TWILIO_API_BASE_URL or OPENCX_API_URL is not the service's own sends
 * nothing (common/deployment-guard.ts): one error line says why, and the answer is 503, true is
 * returned. Nothing is lost: the customer's message stays in the conversation, a configured retry
 * (TaskRouter's `rp=5xx`, OpenCX's redelivery) acts on a 503 once the environment is fixed, and
 * Twilio's Console Debugger shows every failed delivery where a 200 would hide the outage.
 */
export function refusedApiUrls(
  context: Context<BridgeEnv>,
  trace: { event: string; [field: string]: unknown },
  callback: ServerlessCallback,
): boolean {
  const { refused } = apiUrlVerdict(context);
  if (refused.length === 0) return false;
  logEvent({ ...trace, outcome: 'refused', reason: describeRefused(refused) }, 'error');
  reply(callback, 503, { outcome: 'failed', reason: 'temporary failure' });
  return true;
}

/** The Twilio module and our Sync state for one event handled within `deadline`. */
export function bridgeIo(context: Context<BridgeEnv>, deadline: Deadline): { twilio: TwilioApis; state: BridgeState } {
  const twilio = createTwilioApis(context, deadline);
  return { twilio, state: new BridgeState(twilio.sync, context.SYNC_SERVICE_SID) };
}

/**
 * The Twilio module and our state with a short budget of their own, for a step that must still
 * happen after the handler's deadline ran out (arming a timer); undefined when the Function that
 * started at `started` has too little of its 10 s left.
 */
export function overtimeIo(context: Context<BridgeEnv>, started: number): ReturnType<typeof bridgeIo> | undefined {
  const budget = rearmBudgetMs(Date.now() - started);
  return budget > 0 ? bridgeIo(context, new Deadline(budget)) : undefined;
}

/** Writes this container's count of OpenCX requests and 429s when it is due (at most once a minute). */
export function flushUsage(io: { state: BridgeState }): Promise<void> {
  return flushOpencxUsage((key, item) => io.state.noteOpencxUsage(key, item));
}

/** Everything an action needs. */
export function bridgeDeps(
  context: Context<BridgeEnv>,
  io: { twilio: TwilioApis; state: BridgeState },
  config: BridgeConfig,
  deadline: Deadline,
  trace: Record<string, unknown>,
  /** When the Function started (Date.now), for the last step's budget. */
  started: number,
): BridgeDeps {
  const configuredWait = Number(context.OPENCX_ANSWER_WAIT_MS);
  const { twilio, state } = io;
  const lastStep = () => {
    const budget = rearmBudgetMs(Date.now() - started);
    return budget > deadline.remaining() ? createTwilioApis(context, new Deadline(budget)) : twilio;
  };
  return {
    config,
    twilio,
    lastStep,
    lastStepState: () => {
      const apis = lastStep();
      return apis === twilio ? state : new BridgeState(apis.sync, context.SYNC_SERVICE_SID);
    },
    opencx: new OpenCxClient({
      token: config.opencxToken,
      extraTokens: config.opencxExtraTokens,
      affinity: typeof trace.conversationSid === 'string' ? trace.conversationSid : undefined,
      baseUrl: guardedApiUrl(context, 'OPENCX_API_URL'),
      onResponse: noteOpencxResponse,
    }),
    state,
    deadline,
    afterAnswerReserveMs: AFTER_ANSWER_RESERVE_MS,
    maxAnswerWaitMs: configuredWait > 0 ? configuredWait : DEFAULT_MAX_ANSWER_WAIT_MS,
    now: () => new Date(),
    warn: (message, fields) =>
      logEvent(
        { event: String(trace.event ?? 'bridge'), ...trace, outcome: 'warning', reason: message, ...fields },
        'warn',
      ),
    webhookUrl: deploymentUrl(context.DOMAIN_NAME, WEBHOOK_PATH),
    reloadConfig: () => state.loadConfig({ fresh: true }),
  };
}
