// The setup doctor, decided without I/O: each check is a pure function of what was read from
// Twilio and OpenCX, and each "Apply setup" change is computed from a fresh read of the
// resource it writes. The setup the admin would otherwise do by hand: both webhooks at this
// deployment, the workspace events the bridge acts on, and a `handedOff == true` filter above
// the AI's filter.
import { CONVERSATION_EVENTS, SUBSCRIBED_TASKROUTER_EVENTS } from '../bridge/events';
import type { BridgeConfig } from '../common/config';
import type { ConversationsWebhook, TaskQueueSummary, WorkerRouting, WorkflowSummary, WorkspaceCallback } from '../common/twilio-client';
import { AdminError, invalidInput } from './admin-error';
import { AI_WORKER_SKILL, formText, sidPattern } from './settings';

/** The bridge's one webhook Function, for both TaskRouter and Conversations. */
export const WEBHOOK_PATH = '/webhook';
/** Flex's default workflow, the one apply fixes when the workspace has several. */
export const DEFAULT_WORKFLOW_NAME = 'Assign to Anyone';
export const HANDOFF_FILTER_NAME = 'OpenCX: handed off to humans';
export const HANDOFF_EXPRESSION = 'handedOff == true';
const TASK_CHANNEL = 'chat';

export type CheckId = 'config' | 'opencx_token' | 'ai_worker' | 'workspace_events' | 'conversations_webhook' | 'workflow_filters' | 'ai_queue';
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
}

export type OpenCxTokenState = { kind: 'valid'; orgName: string } | { kind: 'rejected' } | { kind: 'unavailable' };

/** Everything the checks look at, read at once. */
export interface SetupFacts {
  config: BridgeConfig;
  /** Where this deployment's webhook is, as it should be registered. */
  webhookUrl: string;
  opencx: OpenCxTokenState;
  /** Undefined: the workspace does not exist. */
  workspace?: WorkspaceCallback;
  /** Undefined: the Conversations service does not exist. */
  conversationsWebhook?: ConversationsWebhook;
  /** Undefined: the AI worker does not exist. */
  aiWorker?: WorkerRouting;
  routing: RoutingFacts;
}

export interface RoutingFacts {
  workflows: WorkflowSummary[];
  queues: TaskQueueSummary[];
  aiQueueSid?: string;
  aiWorkerSid: string;
  /** The workflow the admin named (form field `workflowSid`). */
  workflowSid?: string;
}

/** The fields both setup Functions read. */
export interface SetupForm {
  workflowSid?: string;
  humanQueueSid?: string;
  replaceCallbackUrl: boolean;
}

type Verdict = Pick<Check, 'detail' | 'fix' | 'autoFixable' | 'confirm'>;
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

/** Every check, in the order an admin fixes things. Those that need the workspace are left out while it is missing. */
export function setupChecks(facts: SetupFacts): Check[] {
  const { config } = facts;
  const checks = [
    configCheck(true),
    opencxTokenCheck(facts.opencx),
    workspaceEventsCheck(config.workspaceSid, facts.workspace, facts.webhookUrl),
    conversationsWebhookCheck(config.conversationsServiceSid, facts.conversationsWebhook, facts.webhookUrl),
  ];
  if (!facts.workspace) return checks;
  return [
    ...checks,
    aiWorkerCheck(config.aiWorkerSid, facts.aiWorker),
    workflowFiltersCheck(facts.routing),
    ...(config.aiQueueSid ? [aiQueueCheck(config.aiQueueSid, facts.routing.queues)] : []),
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

export function aiWorkerCheck(aiWorkerSid: string, worker: WorkerRouting | undefined): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('ai_worker', 'AI worker', status, v);
  if (!worker) {
    return verdict(
      'problem',
      manual(
        `The AI worker ${aiWorkerSid} saved in the settings is not in the workspace any more, so no task can be offered to the AI.`,
        'Open the OpenCX settings and click Test & Save: it creates a new AI worker.',
      ),
    );
  }
  const name = `"${worker.friendlyName}" (${worker.sid})`;
  if (!worker.available) {
    return verdict(
      'problem',
      manual(`${name} is in the "${worker.activityName}" activity, which is not available: TaskRouter offers it no task.`, `In TaskRouter → Workers, set ${name} to Available.`),
    );
  }
  const chat = worker.channels.find((channel) => channel.taskChannel === TASK_CHANNEL);
  if (!chat || !chat.available || chat.capacity <= 0) {
    const state = !chat ? 'has no chat channel' : !chat.available ? 'has its chat channel closed' : 'has a chat capacity of 0';
    return verdict(
      'problem',
      manual(`${name} ${state}, so it cannot take any conversation.`, `In TaskRouter → Workers → ${name} → Channels, make chat available with a capacity of 50.`),
    );
  }
  return verdict('ok', fine(`${name} is ${worker.activityName} and takes up to ${chat.capacity} conversations at once.`));
}

// --- Webhooks ---

type Destination = 'unset' | 'this' | 'elsewhere';

/** How far a webhook registration is from what the bridge needs. */
interface SubscriptionGap {
  where: Destination;
  /** Needed events it does not subscribe. */
  missing: string[];
  methodOk: boolean;
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
function subscriptionGap(url: string | null, subscribed: readonly string[] | undefined, webhookUrl: string, required: readonly string[], methodOk = true): SubscriptionGap {
  return {
    where: !url ? 'unset' : url === webhookUrl ? 'this' : 'elsewhere',
    missing: subscribed === undefined ? [] : required.filter((event) => !subscribed.includes(event)),
    methodOk,
  };
}

/** A URL elsewhere is replaced only when the admin confirmed it. */
function needsWrite(gap: SubscriptionGap, replaceCallbackUrl: boolean): boolean {
  if (gap.where === 'elsewhere') return replaceCallbackUrl;
  return gap.where === 'unset' || gap.missing.length > 0 || !gap.methodOk;
}

/** The admin's events first, in their order, then those the bridge still needs. */
function mergedEvents(subscribed: readonly string[] | undefined, required: readonly string[]): string[] {
  const kept = subscribed ?? [];
  return [...kept, ...required.filter((event) => !kept.includes(event))];
}

const listed = (events: readonly string[]): string => events.join(', ');

function elsewhereVerdict(what: string, current: string, webhookUrl: string): Verdict {
  return {
    detail: `${what} go to ${current}, not to this deployment (${webhookUrl}): they reach another environment or org, and the AI here never sees them.`,
    fix: `If ${current} is not in use, confirm replacing it and apply setup: it registers ${webhookUrl} instead. A URL copied from another environment must never be reused.`,
    autoFixable: true,
    confirm: 'replaceCallbackUrl',
  };
}

export function workspaceEventsCheck(workspaceSid: string, workspace: WorkspaceCallback | undefined, webhookUrl: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('workspace_events', 'TaskRouter event callback', status, v);
  if (!workspace) {
    return verdict(
      'problem',
      manual(`Workspace ${workspaceSid} is not in this Twilio account.`, 'Open the OpenCX settings and save them with your Flex workspace (Flex Console → Configuration → Workspace).'),
    );
  }
  const required = SUBSCRIBED_TASKROUTER_EVENTS;
  const gap = subscriptionGap(workspace.eventCallbackUrl, parseEventsFilter(workspace.eventsFilter), webhookUrl, required);
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
  return verdict('ok', fine(`The workspace sends ${listed(required)} to ${webhookUrl}.`));
}

/** What apply writes to the workspace, or undefined when nothing needs (or may) change. */
export function workspaceCallbackUpdate(current: WorkspaceCallback, webhookUrl: string, replaceCallbackUrl: boolean): { eventCallbackUrl: string; eventsFilter: string } | undefined {
  const subscribed = parseEventsFilter(current.eventsFilter);
  const gap = subscriptionGap(current.eventCallbackUrl, subscribed, webhookUrl, SUBSCRIBED_TASKROUTER_EVENTS);
  if (!needsWrite(gap, replaceCallbackUrl)) return undefined;
  return { eventCallbackUrl: webhookUrl, eventsFilter: mergedEvents(subscribed, SUBSCRIBED_TASKROUTER_EVENTS).join(',') };
}

const isPost = (method: string | null): boolean => (method ?? 'POST').toUpperCase() === 'POST';

export function conversationsWebhookCheck(serviceSid: string, webhook: ConversationsWebhook | undefined, webhookUrl: string): Check {
  const verdict = (status: CheckStatus, v: Verdict): Check => check('conversations_webhook', 'Conversations webhook', status, v);
  if (!webhook) {
    return verdict(
      'problem',
      manual(`Conversations service ${serviceSid} is not in this Twilio account.`, 'Open the OpenCX settings and save them with your Flex Conversations service.'),
    );
  }
  const required = CONVERSATION_EVENTS;
  const gap = subscriptionGap(webhook.postWebhookUrl, webhook.filters, webhookUrl, required, isPost(webhook.method));
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

// --- Workflow ---

type Filter = Record<string, unknown>;

/**
 * The queues that serve the AI: the one in the settings, and every queue whose TargetWorkers
 * mentions `opencx_ai` (the AI worker's attribute and skill).
 */
export function aiQueueSids(queues: readonly TaskQueueSummary[], aiQueueSid: string | undefined): Set<string> {
  const mentionsAi = (expression: string): boolean => expression.includes(AI_WORKER_SKILL);
  return new Set([...(aiQueueSid ? [aiQueueSid] : []), ...queues.filter((queue) => mentionsAi(queue.targetWorkers)).map((queue) => queue.sid)]);
}

export const isHandedOffFilter = (filter: Filter): boolean => /\bhandedOff\s*==\s*true\b/.test(String(filter.expression ?? ''));

/** A filter routes to the AI when a target is an AI queue, names the AI worker, or has a worker expression mentioning `opencx_ai`. */
export function routesToAi(filter: Filter, aiQueues: ReadonlySet<string>, aiWorkerSid: string): boolean {
  const targets = Array.isArray(filter.targets) ? (filter.targets as unknown[]) : [];
  return targets.some((target) => {
    const t = (target ?? {}) as Record<string, unknown>;
    return aiQueues.has(String(t.queue)) || t.known_worker_sid === aiWorkerSid || String(t.expression ?? '').includes(AI_WORKER_SKILL);
  });
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
    ai: filters.findIndex((filter) => !isHandedOffFilter(filter) && routesToAi(filter, aiQueues, routing.aiWorkerSid)),
  };
}

export type WorkflowChoice = { workflow: WorkflowSummary } | { reason: string; fix: string };

/** The workflow named in the form, else the workspace's only one, else the one named "Assign to Anyone". */
export function chooseWorkflow(workflows: readonly WorkflowSummary[], workflowSid: string | undefined): WorkflowChoice {
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
      fixable(
        `${workflow} has no ${HANDOFF_EXPRESSION} filter, so a task the AI hands off has nowhere to go.`,
        `Choose your human agents' queue and apply setup: it adds the filter "${HANDOFF_FILTER_NAME}" (${HANDOFF_EXPRESSION} → that queue) at the top of the workflow.`,
      ),
    );
  }
  if (routesToAi(filters[handedOff], aiQueueSids(routing.queues, routing.aiQueueSid), routing.aiWorkerSid)) {
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
