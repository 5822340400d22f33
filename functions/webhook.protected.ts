// The bridge's Twilio webhook: TaskRouter workspace events (the Flex workspace and our timer
// workspace) and Conversations post-event webhooks.
// verify signature → classify → load our record and the config → decide (pure) → perform.
import '@twilio-labs/serverless-runtime-types';
import { pendingCoveringWatchdog, rearmTimer, UnwatchedAnswer } from './bridge/actions/answer';
import {
  checkOrigin,
  conversationOf,
  type Decision,
  decide,
  needsNoAction,
  rearmDelaySeconds,
  type TimerSettings,
  timerToRearm,
  watchdogAfterFailure,
} from './bridge/decide';
import { recordedConfigFor, shouldRecordConfig } from './bridge/conversation-record';
import { type BridgeEvent, classifyEvent } from './bridge/events';
import type { KnownRecord } from './bridge/deps';
import { type OfferRoute, offerRouteOf } from './bridge/offer-queue';
import { perform } from './bridge/perform';
import {
  bridgeDeps,
  bridgeIo,
  flushUsage,
  overtimeIo,
  refusedApiUrls,
  reply,
  type WebhookEvent,
  type WebhookHandler,
} from './bridge/runtime';
import { timersByName } from './admin-lib/timer-workspace';
import type { TaskRouterApi } from './common/twilio';
import { type BridgeConfig, CONFIG_VERSION_PARAM, WEBHOOK_PATH } from './common/config';
import { logEvent } from './common/log';
import { isConversationSid } from './common/task-attributes';
import { Deadline } from './common/retry';
import { deploymentUrl, isValidTwilioSignature } from './common/signature';

export type { BridgeEnv } from './bridge/runtime';

/**
 * Conversations gives up at 5 s and a Function is killed at 10 s (TaskRouter allows 15 s). The
 * margin covers the runtime's start-up, which the deadline does not see. TaskRouter's leaves a
 * failure at its deadline (a request running over it too) the whole budget for the timer that
 * tries again (answer.ts `rearmBudgetMs`: 9.7 s, less 0.3 s of overrun and the timer's 0.8 s).
 */
const BUDGET_MS = { conversations: 4300, taskrouter: 8600 } as const;

export const handler: WebhookHandler = async (context, event, callback) => {
  const started = Date.now();
  // The config version rides on the registered URL's query, which the runtime merges into the event.
  const { [CONFIG_VERSION_PARAM]: configVersion, ...params } = event;
  const version = typeof configVersion === 'string' ? configVersion : undefined;
  // Logged before the signature is checked: bounded, so an unsigned caller cannot write long lines.
  const eventType = typeof params.EventType === 'string' ? params.EventType.slice(0, 80) : 'unknown';
  // Before the signature: deployed, `.protected` lets only Twilio's signed requests in anyway.
  if (refusedApiUrls(context, { event: eventType }, callback)) return;
  const signed = isValidTwilioSignature({
    domainName: context.DOMAIN_NAME,
    path:
      version === undefined ? context.PATH : `${context.PATH}?${CONFIG_VERSION_PARAM}=${encodeURIComponent(version)}`,
    authToken: context.AUTH_TOKEN,
    signature: headerOf(event, 'x-twilio-signature'),
    params,
  });
  if (!signed) {
    logEvent({ event: eventType, outcome: 'forbidden', reason: 'missing or invalid X-Twilio-Signature' }, 'warn');
    return reply(callback, 403, { outcome: 'forbidden', reason: 'missing or invalid X-Twilio-Signature' });
  }

  const classified = classifyEvent(params);
  if (!classified.ok) {
    logEvent({ event: eventType, outcome: 'ignored', reason: classified.reason }, 'warn');
    return reply(callback, 200, { outcome: 'ignored', reason: classified.reason });
  }
  const bridgeEvent = classified.event;
  if (bridgeEvent.surface === 'opencx')
    return reply(callback, 400, { outcome: 'ignored', reason: 'not a Twilio event' });
  if (needsNoAction(bridgeEvent)) {
    logEvent({ event: bridgeEvent.type, outcome: 'ignored', reason: `${bridgeEvent.type} needs no action` });
    return reply(callback, 200, { outcome: 'ignored', reason: `${bridgeEvent.type} needs no action` });
  }
  const deadline = new Deadline(BUDGET_MS[bridgeEvent.surface]);
  const io = bridgeIo(context, deadline);
  const conversationSid = conversationOf(bridgeEvent);
  const trace = {
    event: bridgeEvent.type,
    eventSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.eventSid : undefined,
    workspaceSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.workspaceSid : undefined,
    taskSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.taskSid : undefined,
    reservationSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.reservationSid : undefined,
    workerSid: bridgeEvent.surface === 'taskrouter' ? bridgeEvent.workerSid : undefined,
    messageSid: bridgeEvent.surface === 'conversations' ? bridgeEvent.message?.sid : undefined,
    retryCount: bridgeEvent.surface === 'conversations' && bridgeEvent.retryCount ? bridgeEvent.retryCount : undefined,
    conversationSid,
  };

  let config: BridgeConfig | undefined;
  let known: KnownRecord | undefined;
  let recordRead = false;
  let decision: Decision | undefined;
  let offerRoute: OfferRoute | undefined;
  let routeRead: Promise<OfferRoute | undefined> | undefined;
  try {
    routeRead = offerRouteOf(bridgeEvent, io.twilio.taskrouter);
    // The record carries the settings of the version the event names: then no config document is read.
    known = isConversationSid(conversationSid) ? await io.state.conversation(conversationSid) : undefined;
    recordRead = true;
    config = recordedConfigFor(known?.record, version) ?? (await io.state.loadConfig({ version }));
    if (!config) {
      logEvent(
        { ...trace, outcome: 'ignored', reason: 'OpenCX is not configured yet (save the settings in Flex)' },
        'warn',
      );
      return reply(callback, 200, { outcome: 'ignored', reason: 'not configured' });
    }
    const refusal = checkOrigin(bridgeEvent, config, context.ACCOUNT_SID, known?.record);
    if (refusal) {
      logEvent({ ...trace, outcome: 'refused', reason: refusal }, 'warn');
      return reply(callback, 403, { outcome: 'refused', reason: refusal });
    }
    if (known && conversationSid && shouldRecordConfig(known.record, config, version))
      known = await io.state.recordConfig(conversationSid, config, known);
    offerRoute = await routeRead;
    decision = decide(bridgeEvent, { config, record: known?.record, offerRoute });
    const result = await perform(decision, known, bridgeDeps(context, io, config, deadline, trace, started));
    await flushUsage(io);
    logEvent({ ...trace, sessionId: result.sessionId ?? known?.record.sessionId, ...result, ms: Date.now() - started });
    return reply(callback, 200, result);
  } catch (error) {
    // TaskRouter does not retry this event, nor Conversations by default: a timer does, with a short budget of its own.
    const retry = overtimeIo(context, started);
    // The failure may have come before the settings were read. The record's copy, even of an older
    // version, names the timer workspace, and leaves the timer the budget a failing read would take;
    // with Sync down, so do the settings this container read last.
    let timers: TimerSettings | undefined;
    if (retry && !config) {
      // A container that has read no settings, with Sync down: the timer workspace a save made, found by
      // its name (beside the read, on the same short budget), still retries a TaskRouter event.
      const byName =
        known?.record.config === undefined
          ? timersFor(bridgeEvent, retry.twilio.taskrouter, deploymentUrl(context.DOMAIN_NAME, WEBHOOK_PATH))
          : undefined;
      // A slow Sync must not spend the timer's budget: past a short wait, the settings read last.
      const last = retry.state.lastKnownConfig();
      config =
        known?.record.config ??
        (await quickly(retry.state.loadConfig({ version }), CONFIG_LOOKUP_MS)) ??
        // Only for an event they would let through: a save may have moved the workspace since.
        (last && !checkOrigin(bridgeEvent, last, context.ACCOUNT_SID, known?.record) ? last : undefined);
      if (!config && byName) timers = await quickly(byName, TIMERS_LOOKUP_MS);
    }
    const timed = config?.timerWorkspaceSid && config.timerWorkflowSid ? config : undefined;
    // Where the failure left the conversation (a handoff begun) sets how soon the watchdog looks.
    const looked =
      retry && (timed ?? timers) && bridgeEvent.surface === 'conversations'
        ? await quickly(retry.state.conversation(bridgeEvent.conversationSid).then((now) => ({ now })))
        : undefined;
    const now = looked?.now;
    // A failure before the decision (reading the record or the settings): decided now, for the watchdog.
    const decidedOn = known ?? now;
    const decided =
      decision ?? (timed && decidedOn ? decide(bridgeEvent, { config: timed, record: decidedOn.record }) : undefined);
    const watchdog = watchdogAfterFailure(
      bridgeEvent,
      decided,
      { decidedOn: decidedOn?.record, now: now?.record, unread: !recordRead && looked === undefined },
      config,
    );
    const watchdogHome = timed ?? timers;
    if (retry && watchdogHome && watchdog) {
      // Through an outage of Sync, one watchdog per conversation: one still waiting decides this message too.
      const watchedBy = await quickly(
        pendingCoveringWatchdog(armingTaskRouter(context, started, retry), watchdogHome, watchdog.attributes),
        COVERING_LOOKUP_MS,
      );
      const timerSid = watchedBy
        ? undefined
        : await rearmTimer(
            armingTaskRouter(context, started, retry),
            watchdogHome,
            watchdog.attributes,
            watchdog.afterSeconds,
          ).catch(() => {
            if (watchdogHome === timers) timersFound = undefined;
            return undefined;
          });
      // Still a 503: a retry the Conversations service has (when it has one) comes sooner than the timer.
      logEvent(
        { ...trace, outcome: 'failed', error: String(error), timerSid, watchedBy, ms: Date.now() - started },
        'error',
      );
      return reply(callback, 503, { outcome: 'failed', reason: 'temporary failure' });
    }
    const unwatched = error instanceof UnwatchedAnswer ? error : undefined;
    // An offer's timer carries its route, read even when the failure came before the decision.
    offerRoute ??= routeRead && (await quickly(routeRead));
    const rearm =
      unwatched?.watchdog ?? timerToRearm(bridgeEvent, config ?? timers, offerRoute, Date.now(), known?.record);
    const timerHome = timed ?? timers;
    if (retry && rearm && timerHome) {
      // The usual wait while the AI holds the conversation; soon for a handoff the failure cut short.
      const phase = unwatched && (await quickly(retry.state.conversation(unwatched.conversationSid)))?.record.phase;
      const afterSeconds =
        unwatched && timed && (phase ?? 'ai') === 'ai' ? timed.aiAnswerTimeoutSeconds : rearmDelaySeconds(rearm);
      const timerSid = await rearmTimer(
        armingTaskRouter(context, started, retry),
        timerHome,
        rearm,
        afterSeconds,
      ).catch(() => {
        // Found by its name, it may have been deleted since (Uninstall, then a save made another).
        if (timerHome === timers) timersFound = undefined;
        return undefined;
      });
      if (timerSid) {
        const result = {
          outcome: 'timer-armed',
          timerSid,
          reason: 'this could not be done now; a timer tries again',
        };
        logEvent({ ...trace, ...result, error: String(error), ms: Date.now() - started }, 'warn');
        // An offer's retry, where TaskRouter has one, comes sooner than its timer, which then finds it done.
        return reply(callback, rearm.opencxTimer === 'offer' ? 503 : 200, result);
      }
    }
    // A Twilio/OpenCX failure we could not absorb. 503 is what Conversations' retry (when the
    // service has one) acts on; every action is safe to run again.
    logEvent({ ...trace, outcome: 'failed', error: String(error), ms: Date.now() - started }, 'error');
    return reply(callback, 503, { outcome: 'failed', reason: 'temporary failure' });
  }
};

/** TaskRouter on a budget of its own for arming a timer: the lookups before it may have spent the first one's. */
function armingTaskRouter(
  context: Parameters<WebhookHandler>[0],
  started: number,
  retry: { twilio: { taskrouter: TaskRouterApi } },
): TaskRouterApi {
  return (overtimeIo(context, started) ?? retry).twilio.taskrouter;
}

/** How long a failed event waits for the settings, so a slow Sync leaves its timer the rest of the budget. */
const CONFIG_LOOKUP_MS = 300;
/** How long a failed event waits for the timer workspace to be found by its name, after its settings read failed. */
const TIMERS_LOOKUP_MS = 300;
/** How long a message met by a Sync outage waits to learn of its conversation's watchdog before arming its own. */
const COVERING_LOOKUP_MS = 300;
/** The timer workspace this container found by its name: it does not move. */
let timersFound: TimerSettings | undefined;
type TimerWorkspaceLookup = Pick<TaskRouterApi, 'findWorkspaceByName' | 'listWorkflowRouting'>;

/**
 * The timer workspace found by its name, for an event that may need a timer (a TaskRouter event, or
 * a participant's message: its watchdog); undefined for others.
 */
function timersFor(
  event: BridgeEvent,
  taskrouter: TimerWorkspaceLookup,
  webhookUrl: string,
): Promise<TimerSettings | undefined> | undefined {
  const timerless =
    event.surface === 'conversations'
      ? !event.message?.participantSid
      : event.type === 'reservation.created' && !event.workerIsAi;
  if (timerless) return undefined;
  if (timersFound) return Promise.resolve(timersFound);
  return timersByName(taskrouter, webhookUrl).then(
    (found) => {
      timersFound = found;
      return found;
    },
    () => undefined,
  );
}

/** What `read` gives within a short wait, so the timer that follows keeps most of its budget; else undefined. */
function quickly<T>(read: Promise<T>, ms = 250): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([read.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

function headerOf(event: WebhookEvent, name: string): string | undefined {
  const value = event.request?.headers?.[name];
  return typeof value === 'string' ? value : undefined;
}
