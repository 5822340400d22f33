// The bridge's one webhook: TaskRouter workspace events and Conversations post-event webhooks.
// verify signature → classify → load config and our record → decide (pure) → perform.
import '@twilio-labs/serverless-runtime-types';
import type { Context, ServerlessCallback } from '@twilio-labs/serverless-runtime-types/types';
import { checkOrigin, conversationOf, decide, needsNoAction } from './bridge/decide';
import { classifyEvent } from './bridge/events';
import { perform } from './bridge/perform';
import { BridgeState } from './bridge/state';
import { logEvent } from './common/log';
import { OpenCxClient } from './common/opencx-client';
import { Deadline } from './common/retry';
import { isValidTwilioSignature } from './common/signature';
import { createTwilioApis } from './common/twilio';

export interface BridgeEnv {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  /** The integration's own Sync service (config, conversation map, dedup maps). */
  SYNC_SERVICE_SID: string;
  TWILIO_API_BASE_URL?: string;
  OPENCX_API_URL?: string;
  [key: string]: string | undefined;
}

type WebhookEvent = Record<string, unknown> & { request?: { headers?: Record<string, string> } };

/** Conversations times out at 5 s; a Function is killed at 10 s (TaskRouter allows 15 s). The
 * margin covers the runtime start-up, which the deadline does not see. */
const BUDGET_MS = { conversations: 4000, taskrouter: 9000 } as const;
const HANDOFF_RESERVE_MS = 1500;

function reply(callback: ServerlessCallback, status: number, body: Record<string, unknown>): void {
  const response = new Twilio.Response();
  response.setStatusCode(status);
  response.appendHeader('Content-Type', 'application/json');
  response.setBody(body);
  callback(null, response);
}

export const handler = async (context: Context<BridgeEnv>, event: WebhookEvent, callback: ServerlessCallback): Promise<void> => {
  const started = Date.now();
  const eventType = typeof event.EventType === 'string' ? event.EventType : 'unknown';
  const signed = isValidTwilioSignature({
    domainName: context.DOMAIN_NAME,
    path: context.PATH,
    authToken: context.AUTH_TOKEN,
    signature: event.request?.headers?.['x-twilio-signature'],
    params: event,
  });
  if (!signed) {
    logEvent({ event: eventType, outcome: 'forbidden', reason: 'missing or invalid X-Twilio-Signature' }, 'warn');
    return reply(callback, 403, { outcome: 'forbidden', reason: 'missing or invalid X-Twilio-Signature' });
  }

  const classified = classifyEvent(event);
  if (!classified.ok) {
    logEvent({ event: eventType, outcome: 'ignored', reason: classified.reason }, 'warn');
    return reply(callback, 200, { outcome: 'ignored', reason: classified.reason });
  }
  const bridgeEvent = classified.event;
  if (needsNoAction(bridgeEvent)) {
    logEvent({ event: bridgeEvent.type, outcome: 'ignored', reason: `${bridgeEvent.type} needs no action` });
    return reply(callback, 200, { outcome: 'ignored', reason: `${bridgeEvent.type} needs no action` });
  }
  const deadline = new Deadline(BUDGET_MS[bridgeEvent.surface]);
  const twilio = createTwilioApis(context, deadline);
  const state = new BridgeState(twilio.sync, context.SYNC_SERVICE_SID);
  const conversationSid = conversationOf(bridgeEvent);
  const trace = {
    event: bridgeEvent.type,
    eventSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.eventSid : undefined,
    taskSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.taskSid : undefined,
    reservationSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.reservationSid : undefined,
    workerSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.workerSid : undefined,
    messageSid: bridgeEvent.surface === 'conversations' ? bridgeEvent.message?.sid : undefined,
    retryCount: bridgeEvent.surface === 'conversations' && bridgeEvent.retryCount ? bridgeEvent.retryCount : undefined,
    conversationSid,
  };

  try {
    const config = await state.loadConfig();
    if (!config) {
      logEvent({ ...trace, outcome: 'ignored', reason: 'OpenCX is not configured yet (save the settings in Flex)' }, 'warn');
      return reply(callback, 200, { outcome: 'ignored', reason: 'not configured' });
    }
    const refusal = checkOrigin(bridgeEvent, config, context.ACCOUNT_SID);
    if (refusal) {
      logEvent({ ...trace, outcome: 'refused', reason: refusal }, 'warn');
      return reply(callback, 403, { outcome: 'refused', reason: refusal });
    }
    const record = conversationSid?.startsWith('CH') ? await state.conversation(conversationSid) : undefined;
    const decision = decide(bridgeEvent, { config, record });
    const opencx = new OpenCxClient({ token: config.opencxToken, baseUrl: context.OPENCX_API_URL });
    const result = await perform(decision, record, {
      config,
      twilio,
      opencx,
      state,
      deadline,
      handoffReserveMs: HANDOFF_RESERVE_MS,
      now: () => new Date(),
      warn: (message, fields) => logEvent({ ...trace, outcome: 'warning', reason: message, ...fields }, 'warn'),
    });
    logEvent({ ...trace, sessionId: result.sessionId ?? record?.sessionId, ...result, ms: Date.now() - started });
    return reply(callback, 200, result);
  } catch (error) {
    // A Twilio/OpenCX failure we could not absorb: 500 so Twilio retries; dedup makes that safe.
    logEvent({ ...trace, outcome: 'failed', error: String(error), ms: Date.now() - started }, 'error');
    return reply(callback, 500, { outcome: 'failed', reason: 'temporary failure; Twilio will retry' });
  }
};
