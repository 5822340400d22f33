// The setup doctor, decided without I/O: each check is a pure function of what was read from
// Twilio and OpenCX, and each "Apply setup" change is computed from a fresh read of the
// resource it writes. The setup the admin would otherwise do by hand: both webhooks at this
// deployment, the workspace events the bridge acts on, and a `handedOff == true` filter above
// the AI's filter. Two more checks report TaskRouter settings that are the admin's call: a
// reservation timeout long enough for an AI conversation, and human queues without the AI worker.
// The webhook URLs carry the config version (`?cv=`): a URL pointing here with an old version is a
// warning Apply fixes. The timer workspace and OpenCX's webhooks are checked too.
import { CONVERSATION_EVENTS, SUBSCRIBED_TASKROUTER_EVENTS } from '../bridge/events';
import { AI_WORKER_CHANNEL_CAPACITY, aiPoolSize, BridgeConfig, configVersionOf, OpenCxWebhookHealth, withoutConfigVersion } from '../common/config';
import type { ConversationsWebhook, TaskQueueSummary, WorkerRouting, WorkflowRouting, WorkflowSummary, WorkspaceCallback } from '../common/twilio';
import { AdminError, invalidInput } from './admin-error';
import { heldTasks } from './ai-pool';
import { AI_WORKER_SKILL, formText, sidPattern } from './settings';
import { TIMER_EVENTS, TIMER_WORKSPACE_NAME } from './timer-workspace';

/** The bridge's one webhook Function, for both TaskRouter and Conversations. */
export const WEBHOOK_PATH = '/webhook';
/** The Function OpenCX posts its webhooks to. */
export const OPENCX_WEBHOOK_PATH = '/opencx-webhook';
/** The OpenCX webhook events the bridge needs. */
export const OPENCX_WEBHOOK_EVENTS = ['conversation.ai_response', 'conversation.handoff_to_human'] as const;
/** A signed OpenCX event older than this makes the OpenCX webhook check a warning. */
export const OPENCX_WEBHOOK_QUIET_MS = 24 * 60 * 60 * 1000;
/** Flex's default workflow, the one apply fixes when the workspace has several. */
export const DEFAULT_WORKFLOW_NAME = 'Assign to Anyone';
export const HANDOFF_FILTER_NAME = 'OpenCX: handed off to humans';
export const HANDOFF_EXPRESSION = 'handedOff == true';
const TASK_CHANNEL = 'chat';
/** TaskRouter's TaskReservationTimeout when a workflow sets none. */
export const DEFAULT_RESERVATION_TIMEOUT_S = 120;
/** Below this, TaskRouter times the AI's reservation out in the middle of ordinary conversations. */
export const MIN_AI_RESERVATION_TIMEOUT_S = 600;
/** What the fix suggests: an hour, longer than nearly every AI conversation. */
export const SUGGESTED_AI_RESERVATION_TIMEOUT_S = 3600;
/** The AI pool's share of slots in use (on its busiest channel) from which the check warns. */
export const AI_POOL_BUSY_SHARE = 0.8;

export type CheckId =
  | 'config'
  | 'opencx_token'
  | 'opencx_webhook'
  | 'opencx_rate_limit'
  | 'ai_worker'
  | 'workspace_events'
  | 'conversations_webhook'
  | 'timer_workspace'
  | 'workflow_filters'
  | 'ai_queue'
  | 'ai_reservation_timeout'
  | 'ai_worker_queues';
export type CheckStatus = 'ok' | 'problem' | 'warning';

export interface Check {
  id: CheckId;
  status: CheckStatus;
  /** What is checked; the same whatever the outcome. */
  title: string;
  /** What was found. */
  detail: string;
  /** What to do about it; absent when ok. */
  fix?: string;
  /** Apply setup can fix it. */
  autoFixable: boolean;
  /** Apply fixes it only with this form field set to `true`: it replaces a URL someone else may use. */
  confirm?: 'replaceCallbackUrl';
  /** Apply fixes it only with this form field filled in (the human agents' queue). */
  needs?: 'humanQueueSid';
}

/** The share of OpenCX requests answered 429 at which the rate limit check is a problem. */
export const RATE_LIMITED_PROBLEM_SHARE = 0.1;

/** OpenCX requests and 429s per saved key over the last minutes, as the Functions counted them. */
export interface OpenCxUsageFacts {
  minutes: number;
  /** The main key first, each by its masked hint. */
  keys: { masked: string; requests: number; limited: number }[];
}

export type OpenCxTokenState = { kind: 'valid'; orgName: string } | { kind: 'rejected' } | { kind: 'unavailable' };

/** Everything the checks look at, read at once. */
export interface SetupFacts {
  config: BridgeConfig;
  /** This deployment's webhook as it should be registered: with the saved config version. */
  webhookUrl: string;
  opencx: OpenCxTokenState;
  opencxWebhook: OpenCxWebhookFacts;
  opencxUsage: OpenCxUsageFacts;
  /** Undefined: no timer workspace saved, or it does not exist. */
  timerWorkspace?: TimerWorkspaceFacts;
  /** Undefined: the workspace does not exist. */
  workspace?: WorkspaceCallback;
  /** Undefined: the Conversations service does not exist. */
  conversationsWebhook?: ConversationsWebhook;
  aiPool: AiPoolFacts;
  routing: RoutingFacts;
}

/** A saved AI worker as TaskRouter shows it; `routing` undefined when it is not in the workspace. */
export interface PoolWorkerFacts {
  sid: string;
  routing?: WorkerRouting;
}

export interface AiPoolFacts {
  /** The expected peak of concurrent AI conversations in the settings. */
  peak: number;
  pool: PoolWorkerFacts[];
  /** Surplus workers the last save closed; deleted by a save once they hold no task. */
  draining: PoolWorkerFacts[];
}

export interface OpenCxWebhookFacts {
  secretSaved: boolean;
  /** Where OpenCX must post: this deployment's OpenCX webhook Function. */
  url: string;
  /** The last verified delivery; undefined when none was recorded. */
  health?: OpenCxWebhookHealth;
  now: Date;
}

export interface TimerWorkspaceFacts {
  sid: string;
  callback: WorkspaceCallback;
  /** The saved timer workflow is in the workspace. */
  workflowFound: boolean;
}

export interface RoutingFacts {
  workflows: WorkflowRouting[];
  queues: TaskQueueSummary[];
  aiQueueSid?: string;
  /** The AI worker pool, draining workers included. */
  aiWorkerSids: readonly string[];
  /** The workflow the admin named (form field `workflowSid`). */
  workflowSid?: string;
}

/** The fields both setup Functions read. */
export interface SetupForm {
  workflowSid?: string;
  humanQueueSid?: string;
  replaceCallbackUrl: boolean;
}

type Verdict = Pick<Check, 'detail' | 'fix' | 'autoFixable' | 'confirm' | 'needs'>;
const check = (id: CheckId, title: string, status: CheckStatus, verdict: Verdict): Check => ({ id, title, status, ...verdict });
const fine = (detail: string): Verdict => ({ detail, autoFixable: false });
const manual = (detail: string, fix: string): Verdict => ({ detail, fix, autoFixable: false });
const fixable = (detail: string, fix: string): Verdict => ({ detail, fix, autoFixable: true });

export function parseSetupForm(form: Record<string, unknown>): SetupForm {
  const sid = (field: string, prefix: string, what: string): string | undefined => {
    const value = formText(form, field);
    if (value !== undefined && !sidPattern(prefix).test(value)) throw invalidInput(field, `Expected ${what} (${prefix} followed by 32 hex characters) or nothing`);
    return value;
  };
  const replace = formText(form, 'replaceCallbackUrl');
  if (replace !== undefined && replace !== 'true' && replace !== 'false') throw invalidInput('replaceCallbackUrl', 'Expected true or false');
  return {
    workflowSid: sid('workflowSid', 'WW', 'a TaskRouter workflow SID'),
    humanQueueSid: sid('humanQueueSid', 'WQ', 'a TaskRouter queue SID'),
    replaceCallbackUrl: replace === 'true',
  };
}

/** Nothing else can be checked before the settings are saved. */
export const notConfiguredChecks = (): Check[] => [configCheck(false)];

/**
 * Every check, in the order an admin fixes things. Those that need the workspace are left out while
 * it is missing; the reservation timeout and human queue checks while the workflow cannot be chosen
 * (the workflow filters check says why).
 */
export function setupChecks(facts: SetupFacts): Check[] {
  const { config } = facts;
  const checks = [
    configCheck(true),
    opencxTokenCheck(facts.opencx),
    opencxWebhookCheck(facts.opencxWebhook),
    opencxRateLimitCheck(facts.opencxUsage),
    workspaceEventsCheck(config.workspaceSid, facts.workspace, facts.webhookUrl),
    conversationsWebhookCheck(config.conversationsServiceSid, facts.conversationsWebhook, facts.webhookUrl),
    timerWorkspaceCheck(config, facts.timerWorkspace, facts.webhookUrl),
  ];
  if (!facts.workspace) return checks;
  const choice = chooseWorkflow(facts.routing.workflows, facts.routing.workflowSid);
  return [
    ...checks,
    aiWorkerCheck(facts.aiPool),
    workflowFiltersCheck(facts.routing),
    ...(config.aiQueueSid ? [aiQueueCheck(config.aiQueueSid, facts.routing.queues)] : []),
    ...('workflow' in choice ? [aiReservationTimeoutCheck(choice.workflow, facts.routing), aiWorkerQueuesCheck(choice.workflow, facts.routing)] : []),
  ];
}

export function configCheck(saved: boolean): Check {
  return saved
    ? check('config', 'OpenCX settings', 'ok', fine('The OpenCX API key, workspace, Conversations service and AI worker are saved.'))
    : check(
        'config',
        'OpenCX settings',
        'problem',
        manual(
          'The OpenCX settings are not saved (or only in part), so the bridge ignores every event.',
          'Open the OpenCX settings, enter the OpenCX API key, the workspace and the Conversations service, and click Test & Save.',
        ),
      );
}

export function opencxTokenCheck(state: OpenCxTokenState): Check {
  const title = 'OpenCX API key';
  switch (state.kind) {
    case 'valid':
      return check('opencx_token', title, 'ok', fine(`OpenCX accepts the saved API key (organisation "${state.orgName}").`));
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
        manual(
          'OpenCX could not be reached to check the saved API key. While it is unreachable, conversations go to humans with the reason "AI unavailable".',
          'Run the check again in a minute.',
        ),
      );
  }
}

/** Why a saved pool worker takes no conversation, with the fix; undefined when it serves. */
function poolWorkerGap({ sid, routing: worker }: PoolWorkerFacts): { detail: string; fix: string } | undefined {
  if (!worker) {
    return {
      detail: `The AI worker ${sid} saved in the settings is not in the workspace any more.`,
      fix: 'Open the OpenCX settings and click Test & Save: it creates the missing AI workers.',
    };
  }
  const name = `"${worker.friendlyName}" (${worker.sid})`;
  if (!worker.available) {
    return { detail: `${name} is in the "${worker.activityName}" activity, which is not available: TaskRouter offers it no task.`, fix: `In TaskRouter → Workers, set ${name} to Available.` };
  }
  const chat = worker.channels.find((channel) => channel.taskChannel === TASK_CHANNEL);
  if (!chat || !chat.available || chat.capacity <= 0) {
    const state = !chat ? 'has no chat channel' : !chat.available ? 'has its chat channel closed' : 'has a chat capacity of 0';
    return {
      detail: `${name} ${state}, so it cannot take any conversation.`,
      fix: `In TaskRouter → Workers → ${name} → Channels, make chat available with a capacity of ${AI_WORKER_CHANNEL_CAPACITY}.`,
    };
  }
  return undefined;
}

/** Slots in use over slots open, per task channel, across the serving workers (TaskRouter's assigned_tasks and configured_capacity). */
export function poolUtilisation(workers: readonly WorkerRouting[]): { taskChannel: string; assigned: number; capacity: number }[] {
  const channels = new Map<string, { taskChannel: string; assigned: number; capacity: number }>();
  for (const channel of workers.flatMap((worker) => worker.channels).filter((c) => c.available && c.capacity > 0)) {
    const sum = channels.get(channel.taskChannel) ?? { taskChannel: channel.taskChannel, assigned: 0, capacity: 0 };
    channels.set(channel.taskChannel, { ...sum, assigned: sum.assigned + channel.assignedTasks, capacity: sum.capacity + channel.capacity });
  }
  return [...channels.values()];
}

/**
 * The AI worker pool: as many workers as the peak in the settings needs, each Available with
 * chat open; how full it is from TaskRouter's worker channel statistics (a warning from 80 %,
 * when new conversations will soon wait for an AI slot); and the surplus workers still draining.
 */
export function aiWorkerCheck(facts: AiPoolFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('ai_worker', 'AI worker', status, v);
  const wanted = aiPoolSize(facts.peak);
  const gaps = facts.pool.map(poolWorkerGap).filter((gap): gap is { detail: string; fix: string } => gap !== undefined);
  const serving = facts.pool.flatMap(({ routing }) => (routing && !poolWorkerGap({ sid: routing.sid, routing }) ? [routing] : []));
  const size = `${serving.length} of ${wanted} AI worker${wanted === 1 ? '' : 's'} serving (a peak of ${facts.peak} concurrent conversations, ${AI_WORKER_CHANNEL_CAPACITY} a worker)`;
  const usage = poolUtilisation(serving);
  const busiest = usage.reduce<(typeof usage)[number] | undefined>((top, u) => (!top || u.assigned / u.capacity > top.assigned / top.capacity ? u : top), undefined);
  const share = busiest ? busiest.assigned / busiest.capacity : 0;
  const workers = serving.map((worker) => {
    const slots = worker.channels.filter((c) => c.available && c.capacity > 0).map((c) => `${c.taskChannel} ${c.assignedTasks}/${c.capacity}`);
    return `"${worker.friendlyName}" (${worker.sid}) ${worker.activityName}, ${slots.join(', ')}`;
  });
  const draining = facts.draining.flatMap(({ routing }) => (routing ? [`"${routing.friendlyName}" (${routing.sid}) holds ${heldTasks(routing)}`] : []));
  const detail = [
    `${size}: ${workers.join('; ') || 'none'}.`,
    ...usage.map((u) => `${u.taskChannel}: ${u.assigned} of ${u.capacity} slots in use (${Math.round((u.assigned * 100) / u.capacity)} %).`),
    ...(draining.length > 0 ? [`Draining, taking no new conversation, deleted by a save once they hold none: ${draining.join('; ')}.`] : []),
  ].join(' ');
  const missing = wanted - facts.pool.length;
  if (gaps.length > 0 || missing > 0) {
    const found = [...gaps.map((gap) => gap.detail), ...(missing > 0 ? [`The settings keep ${facts.pool.length} AI workers, ${missing} fewer than the peak needs.`] : [])];
    const fixes = [...new Set([...gaps.map((gap) => gap.fix), ...(missing > 0 ? ['Open the OpenCX settings and click Test & Save: it creates the missing AI workers.'] : [])])];
    return verdict('problem', manual(`${found.join(' ')} ${detail}`, fixes.join(' ')));
  }
  if (busiest && share >= AI_POOL_BUSY_SHARE) {
    return verdict(
      'warning',
      manual(
        `The AI pool is ${Math.round(share * 100)} % full on ${busiest.taskChannel}: new conversations will soon wait in the queue for an AI slot. ${detail}`,
        `In the OpenCX settings, raise the peak of concurrent AI conversations (each ${AI_WORKER_CHANNEL_CAPACITY} more adds an AI worker) and click Test & Save.`,
      ),
    );
  }
  return verdict('ok', fine(detail));
}

// --- Webhooks ---

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

/** The registered URL is this deployment's webhook, whatever config version it carries. */
export const pointsHere = (url: string | null, webhookUrl: string): boolean => !!url && withoutConfigVersion(url) === withoutConfigVersion(webhookUrl);

/** The events of a comma-separated EventsFilter; undefined when there is none (TaskRouter then sends every event). */
export function parseEventsFilter(filter: string | null): string[] | undefined {
  const events = (filter ?? '')
    .split(',')
    .map((event) => event.trim())
    .filter(Boolean);
  return events.length > 0 ? events : undefined;
}

/** `subscribed` undefined: every event is sent. */
function subscriptionGap(url: string | null, subscribed: readonly string[] | undefined, webhookUrl: string, required: readonly string[], methodOk = true): SubscriptionGap {
  const where = !url ? 'unset' : pointsHere(url, webhookUrl) ? 'this' : 'elsewhere';
  return {
    where,
    missing: subscribed === undefined ? [] : required.filter((event) => !subscribed.includes(event)),
    methodOk,
    outdated: where === 'this' && configVersionOf(url!) !== configVersionOf(webhookUrl),
  };
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

const listed = (events: readonly string[]): string => events.join(', ');

const versionLabel = (url: string): string => (configVersionOf(url) ? `settings version ${configVersionOf(url)}` : 'no settings version');

/** A registration here with an old config version: events still arrive, but cannot tell a warm Function that its cached settings are current. */
function outdatedVerdict(what: string, current: string, webhookUrl: string): Verdict {
  return fixable(
    `${what} go to this deployment, but the URL carries ${versionLabel(current)} and the last save is ${versionLabel(webhookUrl)}, so a warm Function cannot tell from an event whether its cached settings are current.`,
    'Apply setup: it registers the URL again with the current settings version.',
  );
}

function elsewhereVerdict(what: string, current: string, registeredUrl: string): Verdict {
  const webhookUrl = withoutConfigVersion(registeredUrl);
  return {
    detail: `${what} go to ${current}, not to this deployment (${webhookUrl}): they reach another environment or org, and the AI here never sees them.`,
    fix: `If ${current} is not in use, confirm replacing it and apply setup: it registers ${webhookUrl} instead. A URL copied from another environment must never be reused.`,
    autoFixable: true,
    confirm: 'replaceCallbackUrl',
  };
}

export function workspaceEventsCheck(workspaceSid: string, workspace: WorkspaceCallback | undefined, registeredUrl: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('workspace_events', 'TaskRouter event callback', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  if (!workspace) {
    return verdict(
      'problem',
      manual(`Workspace ${workspaceSid} is not in this Twilio account.`, 'Open the OpenCX settings and save them with your Flex workspace (Flex Console → Configuration → Workspace).'),
    );
  }
  const required = SUBSCRIBED_TASKROUTER_EVENTS;
  const gap = subscriptionGap(workspace.eventCallbackUrl, parseEventsFilter(workspace.eventsFilter), registeredUrl, required);
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable('The workspace sends its events nowhere, so the AI is never offered a task.', `Apply setup: it sets the Event Callback URL to ${webhookUrl} and subscribes ${listed(required)}.`),
    );
  }
  if (gap.where === 'elsewhere') return verdict('problem', elsewhereVerdict('The workspace events', workspace.eventCallbackUrl!, webhookUrl));
  if (gap.missing.length > 0) {
    return verdict(
      'problem',
      fixable(
        `The Event Callback URL is right, but its event filter leaves out ${listed(gap.missing)}, so the bridge misses those steps of a conversation.`,
        `Apply setup: it adds ${listed(gap.missing)} to the event filter and keeps the events already subscribed.`,
      ),
    );
  }
  if (gap.outdated) return verdict('warning', outdatedVerdict('The workspace events', workspace.eventCallbackUrl!, registeredUrl));
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

export function conversationsWebhookCheck(serviceSid: string, webhook: ConversationsWebhook | undefined, registeredUrl: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('conversations_webhook', 'Conversations webhook', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  if (!webhook) {
    return verdict(
      'problem',
      manual(`Conversations service ${serviceSid} is not in this Twilio account.`, 'Open the OpenCX settings and save them with your Flex Conversations service.'),
    );
  }
  const required = CONVERSATION_EVENTS;
  const gap = subscriptionGap(webhook.postWebhookUrl, webhook.filters, registeredUrl, required, isPost(webhook.method));
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable(
        'The Conversations service has no post-event webhook, so customer messages never reach the AI. Registering only the TaskRouter webhook is the most common setup mistake.',
        `Apply setup: it registers ${webhookUrl} on the Conversations service for ${listed(required)}.`,
      ),
    );
  }
  if (gap.where === 'elsewhere') return verdict('problem', elsewhereVerdict('The Conversations events', webhook.postWebhookUrl!, webhookUrl));
  if (gap.missing.length > 0 || !gap.methodOk) {
    const wrong = [...(gap.missing.length > 0 ? [`does not subscribe ${listed(gap.missing)}`] : []), ...(gap.methodOk ? [] : [`uses ${webhook.method} instead of POST`])];
    return verdict(
      'problem',
      fixable(
        `The webhook URL is right but it ${wrong.join(' and ')}, so some customer messages never reach the AI.`,
        'Apply setup: it subscribes the missing events with POST and keeps the filters already there.',
      ),
    );
  }
  if (gap.outdated) return verdict('warning', outdatedVerdict('The Conversations events', webhook.postWebhookUrl!, registeredUrl));
  return verdict('ok', fine(`The Conversations service posts ${listed(required)} to ${webhookUrl}.`));
}

/** What apply writes to the Conversations service webhook, or undefined when nothing needs (or may) change. */
export function conversationsWebhookUpdate(
  current: ConversationsWebhook,
  webhookUrl: string,
  replaceCallbackUrl: boolean,
): { postWebhookUrl: string; method: 'POST'; filters: string[] } | undefined {
  const gap = subscriptionGap(current.postWebhookUrl, current.filters, webhookUrl, CONVERSATION_EVENTS, isPost(current.method));
  if (!needsWrite(gap, replaceCallbackUrl)) return undefined;
  return { postWebhookUrl: webhookUrl, method: 'POST', filters: mergedEvents(current.filters, CONVERSATION_EVENTS) };
}

/**
 * What a settings save writes to the workspace: only a callback that already points here, now with
 * the new config version. Unset or elsewhere is left to apply.
 */
export function workspaceCallbackAfterSave(current: WorkspaceCallback, webhookUrl: string): ReturnType<typeof workspaceCallbackUpdate> {
  return pointsHere(current.eventCallbackUrl, webhookUrl) ? workspaceCallbackUpdate(current, webhookUrl, false) : undefined;
}

/** The same for the Conversations service webhook. */
export function conversationsWebhookAfterSave(current: ConversationsWebhook, webhookUrl: string): ReturnType<typeof conversationsWebhookUpdate> {
  return pointsHere(current.postWebhookUrl, webhookUrl) ? conversationsWebhookUpdate(current, webhookUrl, false) : undefined;
}

// --- The watchdog's timer workspace ---

const saveAgain = `Open the OpenCX settings and click Test & Save: it creates the "${TIMER_WORKSPACE_NAME}" workspace, queue and workflow.`;

export function timerWorkspaceCheck(config: BridgeConfig, timer: TimerWorkspaceFacts | undefined, registeredUrl: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('timer_workspace', 'AI answer timer', status, v);
  const webhookUrl = withoutConfigVersion(registeredUrl);
  const stuck = 'so a slow AI answer is never timed out: the conversation waits until the customer writes again.';
  if (!config.timerWorkspaceSid) return verdict('problem', manual(`No timer workspace is saved in the settings, ${stuck}`, saveAgain));
  if (!timer) return verdict('problem', manual(`The timer workspace ${config.timerWorkspaceSid} saved in the settings is not in this Twilio account, ${stuck}`, saveAgain));
  const name = `The timer workspace "${TIMER_WORKSPACE_NAME}" (${timer.sid})`;
  if (!timer.workflowFound) {
    return verdict('problem', manual(`${name} no longer has the timer workflow saved in the settings (${config.timerWorkflowSid ?? 'none'}), ${stuck}`, saveAgain));
  }
  const gap = subscriptionGap(timer.callback.eventCallbackUrl, parseEventsFilter(timer.callback.eventsFilter), registeredUrl, TIMER_EVENTS);
  if (gap.where === 'unset') {
    return verdict(
      'problem',
      fixable(`${name} sends its events nowhere, ${stuck}`, `Apply setup: it sets its Event Callback URL to ${webhookUrl} for ${listed(TIMER_EVENTS)}.`),
    );
  }
  if (gap.where === 'elsewhere') return verdict('problem', elsewhereVerdict(`The events of ${name}`, timer.callback.eventCallbackUrl!, registeredUrl));
  if (gap.missing.length > 0) {
    return verdict('problem', fixable(`${name} does not send ${listed(TIMER_EVENTS)}, ${stuck}`, `Apply setup: it adds ${listed(TIMER_EVENTS)} to its event filter.`));
  }
  if (gap.outdated) return verdict('warning', outdatedVerdict(`The events of ${name}`, timer.callback.eventCallbackUrl!, registeredUrl));
  return verdict('ok', fine(`${name} sends ${listed(TIMER_EVENTS)} to ${webhookUrl}: an AI answer that has not come after ${config.aiAnswerTimeoutSeconds} s hands the conversation to humans.`));
}

// --- OpenCX's webhooks ---

export function opencxWebhookCheck(facts: OpenCxWebhookFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('opencx_webhook', 'OpenCX webhook', status, v);
  const addWebhook = `In OpenCX → Settings → Integrations → Webhooks, add ${facts.url} with the events ${listed(OPENCX_WEBHOOK_EVENTS)}`;
  if (!facts.secretSaved) {
    return verdict(
      'problem',
      manual(
        'No OpenCX webhook signing secret is saved, so this deployment refuses every OpenCX webhook: an AI answer too slow for the direct reply never reaches the customer, and the conversation goes to humans as "AI unavailable".',
        `${addWebhook}, then paste its signing secret in the OpenCX settings and click Test & Save.`,
      ),
    );
  }
  const { health } = facts;
  if (!health || facts.now.getTime() - Date.parse(health.lastVerifiedAt) > OPENCX_WEBHOOK_QUIET_MS) {
    const last = health ? `The last signed OpenCX event (${health.lastEvent}) arrived at ${health.lastVerifiedAt}` : 'No signed OpenCX event has arrived yet';
    return verdict(
      'warning',
      manual(
        `${last}, none in the last 24 hours: OpenCX may not be sending its webhooks here, or may sign them with another secret (or the AI has answered nobody since).`,
        `${addWebhook}, and check that its signing secret is the one saved in the OpenCX settings.`,
      ),
    );
  }
  return verdict('ok', fine(`The last signed OpenCX event, ${health.lastEvent}, arrived at ${health.lastVerifiedAt}.`));
}

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toLocaleString('en-US')} %`;

/** The recent share of OpenCX requests refused for the rate limit (429): a warning above none, a problem when high. */
export function opencxRateLimitCheck(usage: OpenCxUsageFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('opencx_rate_limit', 'OpenCX rate limit', status, v);
  const requests = usage.keys.reduce((sum, key) => sum + key.requests, 0);
  const limited = usage.keys.reduce((sum, key) => sum + key.limited, 0);
  const keys = usage.keys.length === 1 ? 'the API key' : `${usage.keys.length} API keys`;
  if (limited === 0) {
    return verdict('ok', fine(`OpenCX refused no request for its rate limit in the last ${usage.minutes} minutes (${requests} counted, ${keys}).`));
  }
  const share = limited / Math.max(requests, limited);
  const perKey = usage.keys
    .filter((key) => key.requests > 0)
    .map((key) => `${key.masked}: ${key.limited} of ${key.requests} (${percent(key.limited / key.requests)})`)
    .join('; ');
  return verdict(
    share >= RATE_LIMITED_PROBLEM_SHARE ? 'problem' : 'warning',
    manual(
      `OpenCX answered ${percent(share)} of the requests of the last ${usage.minutes} minutes with 429 (rate limit: 100 a minute per key; ${perKey}). Those customers waited for a resend or went to humans as "AI busy (OpenCX rate limit)".`,
      'Add another API key of the same OpenCX organisation in the OpenCX settings (each carries about 50 conversations at one customer message every 30 seconds), or ask OpenCX support to raise the limit.',
    ),
  );
}

// --- Workflow ---

type Filter = Record<string, unknown>;
/** A target of a workflow filter: `queue`, `expression`, `known_worker_sid`, `timeout`, … */
type Target = Record<string, unknown>;

/**
 * Whom a TaskRouter worker expression (a queue's TargetWorkers, a target's `expression`) selects,
 * as far as the AI worker goes. Read from the text, not evaluated, on purpose:
 * - `everyone`: empty, or `1==1` (spaces optional): every worker, the AI worker included.
 * - `excludes`: it mentions `opencx_ai` only in negated comparisons: `!= true`, `== false`, `NOT`
 *   (as in `'opencx_ai' NOT IN routing.skills`).
 * - `includes`: it mentions `opencx_ai` otherwise: the AI's own queue.
 * - `others`: anything else (`role == 'agent'`, `routing.skills HAS 'support'`): taken to select
 *   other workers. The AI worker has only `opencx_ai`, `full_name` and `routing.skills: ['opencx_ai']`.
 * Each part between AND, OR and parentheses that mentions `opencx_ai` is read on its own.
 */
export type AiMembership = 'everyone' | 'excludes' | 'includes' | 'others';

export function aiMembership(expression: string | undefined): AiMembership {
  const text = expression ?? '';
  if (/^\s*(1\s*==\s*1)?\s*$/.test(text)) return 'everyone';
  const mentions = text.split(/[()]|\bAND\b|\bOR\b/i).filter((part) => part.includes(AI_WORKER_SKILL));
  if (mentions.length === 0) return 'others';
  const negated = (part: string): boolean => /!=\s*true\b|==\s*false\b|\bNOT\b/i.test(part);
  return mentions.every(negated) ? 'excludes' : 'includes';
}

/**
 * The queues that serve the AI: the one in the settings, and every queue whose TargetWorkers
 * mentions `opencx_ai` (the AI worker's attribute and skill), unless only to exclude it.
 */
export function aiQueueSids(queues: readonly TaskQueueSummary[], aiQueueSid: string | undefined): Set<string> {
  return new Set([...(aiQueueSid ? [aiQueueSid] : []), ...queues.filter((queue) => aiMembership(queue.targetWorkers) === 'includes').map((queue) => queue.sid)]);
}

export const isHandedOffFilter = (filter: Filter): boolean => /\bhandedOff\s*==\s*true\b/.test(String(filter.expression ?? ''));

const filterTargets = (filter: Filter): Target[] =>
  Array.isArray(filter.targets) ? filter.targets.filter((t): t is Target => !!t && typeof t === 'object' && !Array.isArray(t)) : [];

/** A target is the AI's when its queue is an AI queue, it names the AI worker, or its worker expression includes `opencx_ai`. */
export function isAiTarget(target: Target, aiQueues: ReadonlySet<string>, aiWorkerSids: readonly string[]): boolean {
  return aiQueues.has(String(target.queue)) || namesAiWorker(target, aiWorkerSids) || aiMembership(String(target.expression ?? '')) === 'includes';
}

const namesAiWorker = (target: Target, aiWorkerSids: readonly string[]): boolean => typeof target.known_worker_sid === 'string' && aiWorkerSids.includes(target.known_worker_sid);

/** A filter routes to the AI when one of its targets is the AI's. */
export function routesToAi(filter: Filter, aiQueues: ReadonlySet<string>, aiWorkerSids: readonly string[]): boolean {
  return filterTargets(filter).some((target) => isAiTarget(target, aiQueues, aiWorkerSids));
}

function taskRouting(configuration: Record<string, unknown>): Record<string, unknown> {
  const routing = configuration.task_routing;
  return routing && typeof routing === 'object' && !Array.isArray(routing) ? (routing as Record<string, unknown>) : {};
}

export function workflowFilters(configuration: Record<string, unknown>): Filter[] {
  const filters = taskRouting(configuration).filters;
  return Array.isArray(filters) ? filters.filter((f): f is Filter => !!f && typeof f === 'object' && !Array.isArray(f)) : [];
}

interface FilterPositions {
  filters: Filter[];
  /** The first handedOff filter, -1 when none. */
  handedOff: number;
  /** The first other filter routing to the AI, -1 when none. */
  ai: number;
}

function filterPositions(workflow: WorkflowSummary, routing: RoutingFacts): FilterPositions {
  const filters = workflowFilters(workflow.configuration);
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  return {
    filters,
    handedOff: filters.findIndex(isHandedOffFilter),
    ai: filters.findIndex((filter) => !isHandedOffFilter(filter) && routesToAi(filter, aiQueues, routing.aiWorkerSids)),
  };
}

export type WorkflowChoice<W extends WorkflowSummary = WorkflowSummary> = { workflow: W } | { reason: string; fix: string };

/** The workflow named in the form, else the workspace's only one, else the one named "Assign to Anyone". */
export function chooseWorkflow<W extends WorkflowSummary>(workflows: readonly W[], workflowSid: string | undefined): WorkflowChoice<W> {
  if (workflowSid) {
    const named = workflows.find((w) => w.sid === workflowSid);
    return named ? { workflow: named } : { reason: `Workflow ${workflowSid} is not in the workspace.`, fix: 'Pick one of the workspace\'s workflows.' };
  }
  if (workflows.length === 1) return { workflow: workflows[0] };
  const standard = workflows.find((w) => w.friendlyName === DEFAULT_WORKFLOW_NAME);
  if (standard) return { workflow: standard };
  return workflows.length === 0
    ? { reason: 'The workspace has no workflow, so no task is routed to anyone.', fix: 'Create the workflow that routes your inbound tasks (Flex creates "Assign to Anyone").' }
    : {
        reason: `The workspace has ${workflows.length} workflows and none is named "${DEFAULT_WORKFLOW_NAME}", so it is unclear which one routes your inbound tasks.`,
        fix: 'Pick the workflow that routes your inbound tasks (workflowSid) and run the check again.',
      };
}

const filterName = (filter: Filter): string => `"${String(filter.filter_friendly_name ?? filter.expression)}"`;

export function workflowFiltersCheck(routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('workflow_filters', 'Workflow filters', status, v);
  const choice = chooseWorkflow(routing.workflows, routing.workflowSid);
  if (!('workflow' in choice)) return verdict('problem', manual(choice.reason, choice.fix));
  const workflow = `Workflow "${choice.workflow.friendlyName}" (${choice.workflow.sid})`;
  const { filters, handedOff, ai } = filterPositions(choice.workflow, routing);
  if (handedOff < 0) {
    return verdict(
      'problem',
      {
        ...fixable(
          `${workflow} has no ${HANDOFF_EXPRESSION} filter, so a task the AI hands off has nowhere to go.`,
          `Choose your human agents' queue and apply setup: it adds the filter "${HANDOFF_FILTER_NAME}" (${HANDOFF_EXPRESSION} → that queue) at the top of the workflow.`,
        ),
        needs: 'humanQueueSid',
      },
    );
  }
  if (routesToAi(filters[handedOff], aiQueueSids(routing.queues, routing.aiQueueSid), routing.aiWorkerSids)) {
    return verdict(
      'problem',
      manual(`${workflow} sends handed-off tasks back to the AI: the filter ${filterName(filters[handedOff])} targets the AI's queue.`, "Point that filter at your human agents' queue."),
    );
  }
  if (ai >= 0 && handedOff > ai) {
    return verdict(
      'problem',
      fixable(
        `In ${workflow}, the AI's filter ${filterName(filters[ai])} comes before ${filterName(filters[handedOff])}. Filters run top to bottom and the first match wins, so a handed-off task goes back to the AI.`,
        `Apply setup: it moves ${filterName(filters[handedOff])} above ${filterName(filters[ai])}.`,
      ),
    );
  }
  if (ai < 0) {
    return verdict(
      'warning',
      manual(
        `No filter of ${workflow} targets the AI (a queue whose workers expression mentions ${AI_WORKER_SKILL}, or the AI queue in the settings), so the AI may never be offered a task.`,
        `Below ${filterName(filters[handedOff])}, add a filter for the channels the AI answers that targets the queue of the OpenCX AI worker.`,
      ),
    );
  }
  return verdict('ok', fine(`In ${workflow}, ${filterName(filters[handedOff])} comes before the AI's filter ${filterName(filters[ai])}.`));
}

/**
 * The workflow configuration apply writes, or undefined when nothing needs (or can) change: a
 * missing handedOff filter is added at the top (it needs the human queue), a misordered one is
 * moved just above the first AI filter. Every other filter and setting is kept as it is.
 */
export function workflowConfigurationUpdate(workflow: WorkflowSummary, routing: RoutingFacts, humanQueueSid: string | undefined): Record<string, unknown> | undefined {
  const { filters, handedOff, ai } = filterPositions(workflow, routing);
  let next: Filter[];
  if (handedOff < 0) {
    if (!humanQueueSid) return undefined;
    next = [{ filter_friendly_name: HANDOFF_FILTER_NAME, expression: HANDOFF_EXPRESSION, targets: [{ queue: humanQueueSid }] }, ...filters];
  } else if (ai >= 0 && handedOff > ai) {
    next = [...filters];
    const [moved] = next.splice(handedOff, 1);
    next.splice(ai, 0, moved);
  } else {
    return undefined;
  }
  return { ...workflow.configuration, task_routing: { ...taskRouting(workflow.configuration), filters: next } };
}

/** The human queue the admin picked must be in the workspace and must not be the AI's. */
export function humanQueueProblem(humanQueueSid: string, routing: RoutingFacts, workspaceSid: string): AdminError | undefined {
  if (!routing.queues.some((queue) => queue.sid === humanQueueSid)) {
    return new AdminError(400, 'not_found', `Queue ${humanQueueSid} not found in workspace ${workspaceSid}`, 'humanQueueSid');
  }
  if (aiQueueSids(routing.queues, routing.aiQueueSid).has(humanQueueSid)) {
    return invalidInput('humanQueueSid', `Queue ${humanQueueSid} is the AI's queue; pick your human agents' queue`);
  }
  return undefined;
}

export function aiQueueCheck(aiQueueSid: string, queues: readonly TaskQueueSummary[]): Check {
  const queue = queues.find((q) => q.sid === aiQueueSid);
  return queue
    ? check('ai_queue', 'AI queue', 'ok', fine(`The AI queue "${queue.friendlyName}" (${queue.sid}) is in the workspace.`))
    : check(
        'ai_queue',
        'AI queue',
        'problem',
        manual(`The AI queue ${aiQueueSid} saved in the settings is not in the workspace.`, 'In the OpenCX settings, pick an existing queue or clear the AI queue, and click Test & Save.'),
      );
}

// --- The AI's reservation timeout ---

/** A positive number of seconds, else undefined. */
const seconds = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

/**
 * How long the AI can keep a conversation. The bridge never accepts the AI's reservation, so it
 * stays pending for the whole AI conversation, and the workflow's TaskReservationTimeout ends it:
 * TaskRouter times it out and routes the task again (the bridge puts the AI worker back and
 * re-engages, but each timeout re-routes the task). A `timeout` on the AI's target bounds it too:
 * past it, the task routed again moves on from the AI's target. A warning when either is under
 * MIN_AI_RESERVATION_TIMEOUT_S; these are TaskRouter settings, the admin's call, never applied.
 */
export function aiReservationTimeoutCheck(workflow: WorkflowRouting, routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('ai_reservation_timeout', 'AI reservation timeout', status, v);
  const name = `Workflow "${workflow.friendlyName}" (${workflow.sid})`;
  const reservation = seconds(workflow.taskReservationTimeout) ?? DEFAULT_RESERVATION_TIMEOUT_S;
  const { filters, ai } = filterPositions(workflow, routing);
  const aiFilter = ai >= 0 ? filters[ai] : undefined;
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  const aiTarget = aiFilter && filterTargets(aiFilter).find((target) => isAiTarget(target, aiQueues, routing.aiWorkerSids));
  const targetTimeout = seconds(aiTarget?.timeout);
  const reservationShort = reservation < MIN_AI_RESERVATION_TIMEOUT_S;
  const targetShort = targetTimeout !== undefined && targetTimeout < MIN_AI_RESERVATION_TIMEOUT_S;
  if (!reservationShort && !targetShort) {
    const target = targetTimeout === undefined ? '' : `, and the AI's target in ${filterName(aiFilter!)} a timeout of ${targetTimeout} s`;
    return verdict(
      'ok',
      fine(`${name} has a Task Reservation Timeout of ${reservation} s${target}: the AI keeps a conversation at least ${Math.min(reservation, targetTimeout ?? reservation)} s before TaskRouter routes the task again.`),
    );
  }
  const found = [
    ...(reservationShort
      ? [
          `${name} times a reservation out after ${reservation} s (Task Reservation Timeout), and the AI's reservation stays pending for the whole conversation (the bridge never accepts it): every ${reservation} s, TaskRouter takes the conversation back and routes the task again (the bridge then puts the AI worker back and carries on).`,
        ]
      : []),
    ...(targetShort
      ? [
          `The AI's target in ${filterName(aiFilter!)} has a timeout of ${targetTimeout} s: once the task has been that long in the filter, routing it again (after a reservation timeout) moves it on from the AI, to the next target, the default filter or out of the workflow.`,
        ]
      : []),
  ];
  const fixes = [
    ...(reservationShort ? [`set Task Reservation Timeout to ${SUGGESTED_AI_RESERVATION_TIMEOUT_S} s (longer than your AI conversations)`] : []),
    ...(targetShort ? [`raise the timeout of the AI's target in ${filterName(aiFilter!)} to ${SUGGESTED_AI_RESERVATION_TIMEOUT_S} s, or remove it`] : []),
  ];
  return verdict('warning', manual(found.join(' '), `In TaskRouter → Workflows → "${workflow.friendlyName}", ${fixes.join(' and ')}.`));
}

// --- The AI worker and the human queues ---

/** Why a target of a handedOff filter would offer the task to the AI worker, or undefined when it would not. */
function offersToAi(target: Target, routing: RoutingFacts, aiQueues: ReadonlySet<string>): { kind: 'ai' | 'everyone'; why: string; queue?: string } | undefined {
  if (target.known_worker_sid !== undefined) return namesAiWorker(target, routing.aiWorkerSids) ? { kind: 'ai', why: 'names the AI worker' } : undefined;
  // A target's own worker expression narrows its queue's workers: unless it matches everyone or
  // includes the AI, the AI worker is not offered the task, whatever the queue.
  if (target.expression !== undefined && !['everyone', 'includes'].includes(aiMembership(String(target.expression)))) return undefined;
  const sid = String(target.queue);
  const queue = routing.queues.find((q) => q.sid === sid);
  const label = queue ? `"${queue.friendlyName}" (${sid})` : sid;
  if (aiQueues.has(sid)) return { kind: 'ai', why: `targets the AI's queue ${label}` };
  if (queue && aiMembership(queue.targetWorkers) === 'everyone') {
    const expression = queue.targetWorkers.trim() ? `"${queue.targetWorkers}"` : '(empty)';
    return { kind: 'everyone', why: `targets queue ${label}, whose Target Workers ${expression} matches every worker, the AI worker included`, queue: `"${queue.friendlyName}"` };
  }
  return undefined;
}

/**
 * The queues the handedOff filters target must leave the AI worker out, or TaskRouter offers a
 * handed-off task back to the AI (see aiMembership for how an expression is read). Not fixable
 * by apply: who is in a queue is the admin's call.
 */
export function aiWorkerQueuesCheck(workflow: WorkflowSummary, routing: RoutingFacts): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('ai_worker_queues', 'AI worker out of the human queues', status, v);
  const name = `Workflow "${workflow.friendlyName}" (${workflow.sid})`;
  const handedOff = workflowFilters(workflow.configuration).filter(isHandedOffFilter);
  if (handedOff.length === 0) {
    return verdict('ok', fine(`${name} has no ${HANDOFF_EXPRESSION} filter yet, so there is no human queue to check (see Workflow filters).`));
  }
  const aiQueues = aiQueueSids(routing.queues, routing.aiQueueSid);
  const found = handedOff.flatMap((filter) =>
    filterTargets(filter).flatMap((target) => {
      const offer = offersToAi(target, routing, aiQueues);
      return offer ? [{ ...offer, filter }] : [];
    }),
  );
  if (found.length === 0) {
    return verdict('ok', fine(`In ${name}, the queues of ${handedOff.map(filterName).join(', ')} leave the AI worker out, so handed-off tasks go to humans only.`));
  }
  const detail = `Handed-off tasks would be offered back to the AI worker: in ${name}, ${found.map((f) => `${filterName(f.filter)} ${f.why}`).join('; ')}.`;
  const pointed = found.find((f) => f.kind === 'ai');
  // Not `opencx_ai != true`: TaskRouter evaluates a comparison with an attribute the worker does
  // not have as false, `!=` included, and human workers have no opencx_ai, so that queue would
  // leave out every human agent too. Selecting by something every human agent has and the AI
  // worker lacks (its attributes are opencx_ai, full_name and routing.skills ['opencx_ai']) is
  // correct; a skill is what Flex admins already assign, and Flex's own skills UI writes routing.skills.
  const queues = [...new Set(found.map((f) => f.queue))].join(', ');
  const fix = pointed
    ? `Point ${filterName(pointed.filter)} at your human agents' queue.`
    : `In TaskRouter → TaskQueues → ${queues}, set Target Workers to an expression only your human agents match, e.g. routing.skills HAS 'support' once every agent has the skill "support" (not opencx_ai != true: TaskRouter evaluates it as false for workers without opencx_ai, so it would leave out your agents too).`;
  return verdict('problem', manual(detail, fix));
}
