// Twilio's webhooks to this deployment: the workspace's event callback, the Conversations
// service's post-event webhook and the timer workspace's callback; how far each is from what the
// bridge needs, and what Apply writes.
import {
  RETIRED_CONVERSATION_EVENTS,
  SUBSCRIBED_CONVERSATION_EVENTS,
  SUBSCRIBED_TASKROUTER_EVENTS,
} from '../../bridge/events';
import {
  anotherDeployment,
  type BridgeConfig,
  configVersionOf,
  pointsHere,
  withoutConfigVersion,
} from '../../common/config';
import type { ConversationsWebhook, WorkspaceCallback } from '../../common/twilio';
import { TIMER_EVENTS, TIMER_WORKSPACE_NAME } from '../timer-workspace';
import { type Check, check, type CheckStatus, fine, fixable, listed, manual, type Verdict } from './check';

export interface TimerWorkspaceFacts {
  sid: string;
  callback: WorkspaceCallback;
  /** The saved timer workflow is in the workspace. */
  workflowFound: boolean;
}

type Destination = 'unset' | 'this' | 'elsewhere';

/** How far a webhook registration is from what the bridge needs. */
interface SubscriptionGap {
  where: Destination;
  /** Needed events it does not subscribe. */
  missing: string[];
  methodOk: boolean;
  /** It points here, with another config version than the saved one. */
  outdated: boolean;
}

/** The events of a comma-separated EventsFilter; undefined when there is none (TaskRouter then sends every event). */
export function parseEventsFilter(filter: string | null): string[] | undefined {
  const events = (filter ?? '')
    .split(',')
    .map((event) => event.trim())
    .filter(Boolean);
  return events.length > 0 ? events : undefined;
}

/** `subscribed` undefined: every event is sent. */
function subscriptionGap(
  url: string | null,
  subscribed: readonly string[] | undefined,
  webhookUrl: string,
  required: readonly string[],
  methodOk = true,
): SubscriptionGap {
  const where = !url ? 'unset' : pointsHere(url, webhookUrl) ? 'this' : 'elsewhere';
  return {
    where,
    missing: subscribed === undefined ? [] : required.filter((event) => !subscribed.includes(event)),
    methodOk,
    outdated: where === 'this' && configVersionOf(url!) !== configVersionOf(webhookUrl),
  };
}

/**
 * Whether a workspace callback (`required`: its events) or the Conversations webhook, as a backup
 * holds it, brings this deployment every event it needs: here, subscribed, and with POST.
 */
export function bringsEventsHere(
  registration:
    | { kind: 'workspace_callback'; eventCallbackUrl: string | null; eventsFilter: string | null }
    | { kind: 'conversations_webhook'; postWebhookUrl: string | null; method: string | null; filters: string[] },
  webhookUrl: string,
  required: readonly string[] = SUBSCRIBED_TASKROUTER_EVENTS,
): boolean {
  const gap =
    registration.kind === 'workspace_callback'
      ? subscriptionGap(
          registration.eventCallbackUrl,
          parseEventsFilter(registration.eventsFilter),
          webhookUrl,
          required,
        )
      : subscriptionGap(
          registration.postWebhookUrl,
          registration.filters,
          webhookUrl,
          SUBSCRIBED_CONVERSATION_EVENTS,
          isPost(registration.method),
        );
  return gap.where === 'this' && gap.missing.length === 0 && gap.methodOk;
}

/** A URL elsewhere is replaced only when the admin confirmed it. */
function needsWrite(gap: SubscriptionGap, replaceCallbackUrl: boolean): boolean {
  if (gap.where === 'elsewhere') return replaceCallbackUrl;
  return gap.where === 'unset' || gap.missing.length > 0 || !gap.methodOk || gap.outdated;
}

/** The admin's events first, in their order, then those the bridge still needs. */
function mergedEvents(subscribed: readonly string[] | undefined, required: readonly string[]): string[] {
  const kept = subscribed ?? [];
  return [...kept, ...required.filter((event) => !kept.includes(event))];
}

const versionLabel = (url: string): string =>
  configVersionOf(url) ? `settings version ${configVersionOf(url)}` : 'no settings version';

/**
 * A registration here with an old config version: events still arrive,
 * but cannot tell a warm Function that its cached settings are current.
 */
function outdatedVerdict(what: string, current: string, webhookUrl: string): Verdict {
  return fixable(
    `${what} go to this deployment, but the URL carries ${versionLabel(current)} ` +
      `and the last save is ${versionLabel(webhookUrl)}, so a warm Function cannot ` +
      'tell from an event whether its cached settings are current.',
    'Apply fixes: it registers the URL again with the current settings version.',
  );
}

function elsewhereVerdict(what: string, current: string, registeredUrl: string): Verdict {
  const webhookUrl = withoutConfigVersion(registeredUrl);
  // Replacing it would leave that deployment's AI workers taking chats it never hears of.
  if (anotherDeployment(current, registeredUrl))
    return manual(
      `${what} go to another deployment of this integration (${withoutConfigVersion(current)}), ` +
        `not to this one (${webhookUrl}): the AI here never sees them. Apply leaves them to it.`,
      'Uninstall that deployment first, or save this one with another workspace or Conversations service. ' +
        'If that deployment is gone, clear its URL in the Twilio Console, then apply setup here.',
    );
  return {
    detail:
      `${what} go to ${current}, not to this deployment (${webhookUrl}): ` +
      'they reach another environment or org, and the AI here never sees them.',
    fix:
      `If ${current} is not in use, confirm replacing it and apply setup: it registers ${webhookUrl} instead. ` +
      'A URL copied from another environment must never be reused.',
    autoFixable: true,
    confirm: 'replaceCallbackUrl',
  };
}

export function workspaceEventsCheck(
  workspaceSid: string,
  workspace: WorkspaceCallback | undefined,
  registeredUrl: string,
): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('workspace_events', 'TaskRouter event callback', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  if (!workspace) {
    return verdict(
      'problem',
      manual(
        `Workspace ${workspaceSid} is not in this Twilio account.`,
        'Open the OpenCX settings and save them with your Flex workspace (Flex Console → Configuration → Workspace).',
      ),
    );
  }
  const required = SUBSCRIBED_TASKROUTER_EVENTS;
  const gap = subscriptionGap(
    workspace.eventCallbackUrl,
    parseEventsFilter(workspace.eventsFilter),
    registeredUrl,
    required,
  );
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable(
        'The workspace sends its events nowhere, so the AI is never offered a task.',
        `Apply fixes: it sets the Event Callback URL to ${webhookUrl} and subscribes ${listed(required)}.`,
      ),
    );
  }
  if (gap.where === 'elsewhere')
    return verdict('problem', elsewhereVerdict('The workspace events', workspace.eventCallbackUrl!, webhookUrl));
  if (gap.missing.length > 0) {
    return verdict(
      'problem',
      fixable(
        `The Event Callback URL is right, but its event filter leaves out ${listed(gap.missing)}, ` +
          'so the bridge misses those steps of a conversation.',
        `Apply fixes: it adds ${listed(gap.missing)} to the event filter and keeps the events already subscribed.`,
      ),
    );
  }
  if (gap.outdated)
    return verdict('warning', outdatedVerdict('The workspace events', workspace.eventCallbackUrl!, registeredUrl));
  return verdict('ok', fine(`The workspace sends ${listed(required)} to ${webhookUrl}.`));
}

/**
 * What apply writes to a workspace's event callback (the Flex workspace, or with `required` the
 * timer workspace), or undefined when nothing needs (or may) change.
 */
export function workspaceCallbackUpdate(
  current: WorkspaceCallback,
  webhookUrl: string,
  replaceCallbackUrl: boolean,
  required: readonly string[] = SUBSCRIBED_TASKROUTER_EVENTS,
): { eventCallbackUrl: string; eventsFilter: string } | undefined {
  const subscribed = parseEventsFilter(current.eventsFilter);
  const gap = subscriptionGap(current.eventCallbackUrl, subscribed, webhookUrl, required);
  if (!needsWrite(gap, replaceCallbackUrl)) return undefined;
  return { eventCallbackUrl: webhookUrl, eventsFilter: mergedEvents(subscribed, required).join(',') };
}

const isPost = (method: string | null): boolean => (method ?? 'POST').toUpperCase() === 'POST';

/**
 * The service's pre-event webhook when it is called with another Method than POST, else undefined.
 * A Conversations service has one Method for both its webhooks: the bridge's post-event webhook
 * needs POST, and writing it would change how Twilio calls the admin's pre-event webhook too, whose
 * handler may take only GET. Apply never does that silently; the admin settles it.
 */
export const preWebhookOnOtherMethod = (webhook: ConversationsWebhook): string | undefined =>
  webhook.preWebhookUrl && !isPost(webhook.method) ? webhook.preWebhookUrl : undefined;

/** Why the webhook is left as it is while its pre-event webhook is on GET, and what the admin can do. */
export function preWebhookMethodVerdict(
  serviceSid: string,
  webhook: ConversationsWebhook,
  registeredUrl: string,
): Verdict {
  const pre = webhook.preWebhookUrl!;
  const webhookUrl = withoutConfigVersion(registeredUrl);
  const post = !webhook.postWebhookUrl
    ? 'The Conversations service has no post-event webhook, so customer messages never reach the AI.'
    : pointsHere(webhook.postWebhookUrl, registeredUrl)
      ? `The post-event webhook points at ${webhookUrl} but is called with ${webhook.method}.`
      : `The Conversations events go to ${webhook.postWebhookUrl}, not to this deployment (${webhookUrl}).`;
  return manual(
    `${post} The service's webhooks share one Method, ${webhook.method}, which its pre-event webhook ${pre} ` +
      'uses: the bridge needs POST, and setting it would change how Twilio calls that webhook too, ' +
      'so Apply leaves the Conversations webhook as it is.',
    `If ${pre} accepts POST, set the webhooks' Method to POST in the Twilio Console (Conversations → ` +
      `Manage → Services → ${serviceSid} → Webhooks), or remove the pre-event webhook; then apply setup.`,
  );
}

export function conversationsWebhookCheck(
  serviceSid: string,
  webhook: ConversationsWebhook | undefined,
  registeredUrl: string,
): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check =>
    check('conversations_webhook', 'Conversations webhook', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  if (!webhook) {
    return verdict(
      'problem',
      manual(
        `Conversations service ${serviceSid} is not in this Twilio account.`,
        'Open the OpenCX settings and save them with your Flex Conversations service.',
      ),
    );
  }
  if (preWebhookOnOtherMethod(webhook))
    return verdict('problem', preWebhookMethodVerdict(serviceSid, webhook, registeredUrl));
  const required = SUBSCRIBED_CONVERSATION_EVENTS;
  const gap = subscriptionGap(webhook.postWebhookUrl, webhook.filters, registeredUrl, required, isPost(webhook.method));
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable(
        'The Conversations service has no post-event webhook, so customer messages never reach the AI. ' +
          'Registering only the TaskRouter webhook is the most common setup mistake.',
        `Apply fixes: it registers ${webhookUrl} on the Conversations service for ${listed(required)}.`,
      ),
    );
  }
  if (gap.where === 'elsewhere')
    return verdict('problem', elsewhereVerdict('The Conversations events', webhook.postWebhookUrl!, webhookUrl));
  if (gap.missing.length > 0 || !gap.methodOk) {
    const wrong = [
      ...(gap.missing.length > 0 ? [`does not subscribe ${listed(gap.missing)}`] : []),
      ...(gap.methodOk ? [] : [`uses ${webhook.method} instead of POST`]),
    ];
    return verdict(
      'problem',
      fixable(
        `The webhook URL is right but it ${wrong.join(' and ')}, so some customer messages never reach the AI.`,
        "Apply fixes: it subscribes the missing events with POST and keeps the admin's own filters.",
      ),
    );
  }
  if (gap.outdated)
    return verdict('warning', outdatedVerdict('The Conversations events', webhook.postWebhookUrl!, registeredUrl));
  const retired = retiredIn(webhook.filters);
  if (retired.length > 0)
    return verdict(
      'warning',
      fixable(
        `The Conversations service posts ${listed(required)} to ${webhookUrl}, and also ${listed(retired)}, ` +
          'which this version ignores: every new conversation and participant costs a Function invocation.',
        `Apply fixes: it unsubscribes ${listed(retired)} and keeps the other filters.`,
      ),
    );
  return verdict('ok', fine(`The Conversations service posts ${listed(required)} to ${webhookUrl}.`));
}

/** The retired events a webhook here still subscribes. */
const retiredIn = (filters: readonly string[]): string[] =>
  RETIRED_CONVERSATION_EVENTS.filter((event) => filters.includes(event));

/**
 * What apply writes to the Conversations service webhook, or undefined when nothing needs (or may)
 * change: never while a pre-event webhook uses another Method (preWebhookOnOtherMethod).
 */
export function conversationsWebhookUpdate(
  current: ConversationsWebhook,
  webhookUrl: string,
  replaceCallbackUrl: boolean,
): { postWebhookUrl: string; method: 'POST'; filters: string[] } | undefined {
  if (preWebhookOnOtherMethod(current)) return undefined;
  const gap = subscriptionGap(
    current.postWebhookUrl,
    current.filters,
    webhookUrl,
    SUBSCRIBED_CONVERSATION_EVENTS,
    isPost(current.method),
  );
  const retired = gap.where === 'this' ? retiredIn(current.filters) : [];
  if (!needsWrite(gap, replaceCallbackUrl) && retired.length === 0) return undefined;
  const kept = current.filters.filter((event) => !(RETIRED_CONVERSATION_EVENTS as readonly string[]).includes(event));
  return {
    postWebhookUrl: webhookUrl,
    method: 'POST',
    filters: mergedEvents(kept, SUBSCRIBED_CONVERSATION_EVENTS),
  };
}

/**
 * The Conversations webhook Uninstall puts back: `before` (as the integration found it), over a
 * pre-event webhook added since. The service has one Method and one event list for both: that
 * webhook keeps its Method and its events (pre-event ones `before` did not have). The one there at
 * install gets `before`'s Method back (an earlier version's Apply set POST under it).
 */
export function conversationsWebhookRestore<
  T extends { method: string | null; filters: string[]; preWebhookUrl?: string | null },
>(before: T, current: ConversationsWebhook): T {
  if (!current.preWebhookUrl) return before;
  const added = current.filters.filter((event) => isPreEvent(event) && !before.filters.includes(event));
  // The same one as at install (an older backup did not record it: its pre-event events tell).
  const hadOne =
    before.preWebhookUrl !== undefined
      ? before.preWebhookUrl === current.preWebhookUrl
      : before.filters.some(isPreEvent);
  return {
    ...before,
    method: hadOne ? before.method : (current.method ?? before.method),
    filters: [...before.filters, ...added],
  };
}

/** A pre-event webhook's event (`onMessageAdd`), not a post-event one (`onMessageAdded`). */
const isPreEvent = (event: string): boolean => /^on[A-Z]/.test(event) && !event.endsWith('ed');

/**
 * What a settings save writes to the workspace: only a callback that already points here, now with
 * the new config version. Unset or elsewhere is left to apply.
 */
export function workspaceCallbackAfterSave(
  current: WorkspaceCallback,
  webhookUrl: string,
): ReturnType<typeof workspaceCallbackUpdate> {
  return pointsHere(current.eventCallbackUrl, webhookUrl)
    ? workspaceCallbackUpdate(current, webhookUrl, false)
    : undefined;
}

/** The same for the Conversations service webhook. */
export function conversationsWebhookAfterSave(
  current: ConversationsWebhook,
  webhookUrl: string,
): ReturnType<typeof conversationsWebhookUpdate> {
  return pointsHere(current.postWebhookUrl, webhookUrl)
    ? conversationsWebhookUpdate(current, webhookUrl, false)
    : undefined;
}

const saveAgain =
  'Open the OpenCX settings and click Test & Save: ' +
  `it creates the "${TIMER_WORKSPACE_NAME}" workspace, queue and workflow.`;

export function timerWorkspaceCheck(
  config: BridgeConfig,
  timer: TimerWorkspaceFacts | undefined,
  registeredUrl: string,
): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('timer_workspace', 'AI answer timer', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  const stuck = 'so a slow AI answer is never timed out: the conversation waits until the customer writes again.';
  if (!config.timerWorkspaceSid)
    return verdict('problem', manual(`No timer workspace is saved in the settings, ${stuck}`, saveAgain));
  if (!timer)
    return verdict(
      'problem',
      manual(
        `The timer workspace ${config.timerWorkspaceSid} saved in the settings is not in this Twilio account, ${stuck}`,
        saveAgain,
      ),
    );
  const name = `The timer workspace ${timer.sid}`;
  // Adopted by an earlier save from another deployment of the integration: its timers are that one's.
  if (anotherDeployment(timer.callback.eventCallbackUrl, registeredUrl))
    return verdict(
      'problem',
      manual(
        `${name} sends its timers to another deployment of this integration ` +
          `(${withoutConfigVersion(timer.callback.eventCallbackUrl)}), which uses it, ${stuck}`,
        'Test & Save the settings again: this deployment then makes a timer workspace of its own. ' +
          "Never point that workspace's callback here: the other deployment's timers would stop.",
      ),
    );
  if (!timer.workflowFound) {
    return verdict(
      'problem',
      manual(
        `${name} no longer has the timer workflow saved in the settings ` +
          `(${config.timerWorkflowSid ?? 'none'}), ${stuck}`,
        saveAgain,
      ),
    );
  }
  const gap = subscriptionGap(
    timer.callback.eventCallbackUrl,
    parseEventsFilter(timer.callback.eventsFilter),
    registeredUrl,
    TIMER_EVENTS,
  );
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable(
        `${name} sends its events nowhere, ${stuck}`,
        `Apply fixes: it sets its Event Callback URL to ${webhookUrl} for ${listed(TIMER_EVENTS)}.`,
      ),
    );
  }
  if (gap.where === 'elsewhere')
    return verdict(
      'problem',
      elsewhereVerdict(`The events of ${name}`, timer.callback.eventCallbackUrl!, registeredUrl),
    );
  if (gap.missing.length > 0) {
    return verdict(
      'problem',
      fixable(
        `${name} does not send ${listed(TIMER_EVENTS)}, ${stuck}`,
        `Apply fixes: it adds ${listed(TIMER_EVENTS)} to its event filter.`,
      ),
    );
  }
  if (gap.outdated)
    return verdict(
      'warning',
      outdatedVerdict(`The events of ${name}`, timer.callback.eventCallbackUrl!, registeredUrl),
    );
  return verdict(
    'ok',
    fine(
      `${name} sends ${listed(TIMER_EVENTS)} to ${webhookUrl}: ` +
        `an AI answer that has not come after ${config.aiAnswerTimeoutSeconds} s ` +
        'hands the conversation to humans.',
    ),
  );
}
