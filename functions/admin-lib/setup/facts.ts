// Reads what the setup checks look at, all at once; the decisions are in doctor.ts and the files it imports.
import { recentUsage, USAGE_WINDOW_MS } from '../../bridge/opencx-usage';
import { BridgeState } from '../../bridge/state';
import {
  AI_PEAK_CONVERSATIONS,
  aiPoolOf,
  aiWorkersOf,
  type BridgeConfig,
  newestWebhookHealth,
  OPENCX_WEBHOOK_HEALTH_DOCUMENTS,
  OPENCX_WEBHOOK_REFUSED_DOCUMENT,
  readWebhookRefusal,
  WEBHOOK_PATH,
  withConfigVersion,
} from '../../common/config';
import { apiUrlVerdict, guardedApiUrl } from '../../common/deployment-guard';
import { everyObject } from '../../common/shards';
import { OpenCxClient, OpenCxError } from '../../common/opencx-client';
import { secretFingerprint } from '../../common/opencx-signature';
import { keyId } from '../../common/opencx-rate-limit';
import { Deadline } from '../../common/retry';
import { deploymentUrl } from '../../common/signature';
import {
  type FlexConfigurationFacts,
  type TaskQueueSummary,
  type TaskRouterApi,
  type TwilioApis,
  undefinedIfNotFound,
} from '../../common/twilio';
import { tasksHeldBy } from '../ai-worker';
import { type AdminEnv, type PluginCall, syncServiceSid } from '../plugin-endpoint';
import { AI_WORKER_CHANNELS, AI_WORKER_EXPRESSION, maskToken, opencxFailure } from '../settings';
import { readConversationsServiceFacts, readFlexConfiguration, readWorkflowDiscovery } from './account-discovery';
import { aiQueueFor } from './ai-queue';
import type { AiPoolFacts, PoolWorkerFacts } from './ai-worker-check';
import type { Check } from './check';
import { readDeploymentFacts } from './deployment-facts';
import { notConfiguredChecks, type SetupFacts, setupChecks } from './doctor';
import {
  OPENCX_WEBHOOK_PATH,
  type OpenCxTokenState,
  type OpenCxUsageFacts,
  type OpenCxWebhookFacts,
} from './opencx-checks';
import type { TimerWorkspaceFacts } from './webhooks';
import type { RoutingFacts } from './workflow';

/** OpenCX gets at most this much of the request's budget: a slow OpenCX makes a warning, not a timeout. */
const OPENCX_BUDGET_MS = 3000;

/** Undefined also when SYNC_SERVICE_SID is not set: the `sync_service` check says so. */
export const loadConfig = async (call: PluginCall<AdminEnv>): Promise<BridgeConfig | undefined> =>
  call.context.SYNC_SERVICE_SID?.trim()
    ? new BridgeState(call.twilio.sync, syncServiceSid(call.context)).loadConfig({ fresh: true })
    : undefined;

/** This deployment's webhook, without a config version. */
export const webhookUrlOf = (call: PluginCall<AdminEnv>): string =>
  deploymentUrl(call.context.DOMAIN_NAME, WEBHOOK_PATH);

/**
 * This deployment's webhook as it should be registered with
 * TaskRouter and Conversations: with the saved config version.
 */
export const registeredWebhookUrl = (call: PluginCall<AdminEnv>, config: Pick<BridgeConfig, 'configVersion'>): string =>
  withConfigVersion(webhookUrlOf(call), config.configVersion);

/** Where OpenCX must post its webhooks. */
export const opencxWebhookUrlOf = (call: PluginCall<AdminEnv>): string =>
  deploymentUrl(call.context.DOMAIN_NAME, OPENCX_WEBHOOK_PATH);

/**
 * The workspace's routing, with which workflow to look at. The account's configuration is read
 * for the workflow only when neither the form nor the settings name one and there are several.
 */
export async function readRouting(
  twilio: TwilioApis,
  config: BridgeConfig,
  workflowSid: string | undefined,
  /** Called only when discovery needs it: an unused read would cost a call, and its failure nobody awaits. */
  flexConfiguration: () => Promise<FlexConfigurationFacts | undefined> = () => readFlexConfiguration(twilio),
): Promise<RoutingFacts> {
  const { taskrouter } = twilio;
  const [workflows, queues] = await Promise.all([
    taskrouter.listWorkflowRouting(config.workspaceSid),
    taskrouter.listTaskQueues(config.workspaceSid),
  ]);
  const savedWorkflowSid = config.workflowSid;
  const discovery =
    !workflowSid && !savedWorkflowSid && workflows.length > 1
      ? await readWorkflowDiscovery(twilio, await flexConfiguration(), workflows)
      : undefined;
  return {
    workflows,
    queues,
    aiQueueSid: config.aiQueueSid,
    aiWorkerSids: aiWorkersOf(config),
    workflowSid,
    savedWorkflowSid,
    discovery,
  };
}

async function opencxTokenState(call: PluginCall<AdminEnv>, token: string): Promise<OpenCxTokenState> {
  if (apiUrlVerdict(call.context).refused.some((url) => url.variable === 'OPENCX_API_URL')) return { kind: 'not_sent' };
  const opencx = new OpenCxClient({
    token,
    baseUrl: guardedApiUrl(call.context, 'OPENCX_API_URL'),
    attemptTimeoutMs: OPENCX_BUDGET_MS,
  });
  try {
    const org = await opencx.getOrg(new Deadline(Math.min(OPENCX_BUDGET_MS, call.deadline.remaining())));
    return { kind: 'valid', orgName: org.name, orgId: org.id };
  } catch (error) {
    const failure = opencxFailure(error);
    if (failure.code === 'internal_error') throw failure;
    if (failure.code === 'opencx_token_rejected') return { kind: 'rejected' };
    return {
      kind: 'unavailable',
      ...(error instanceof OpenCxError && error.status === 429 ? { rateLimited: true } : {}),
    };
  }
}

async function opencxWebhookFacts(call: PluginCall<AdminEnv>, config: BridgeConfig): Promise<OpenCxWebhookFacts> {
  const [refused, ...health] = await Promise.all(
    [OPENCX_WEBHOOK_REFUSED_DOCUMENT, ...everyObject(OPENCX_WEBHOOK_HEALTH_DOCUMENTS)].map((name) =>
      call.twilio.sync.fetchDocument(syncServiceSid(call.context), name),
    ),
  );
  // Only notes made under the saved secret count.
  const fingerprint = secretFingerprint(config.opencxWebhookSecret ?? '');
  return {
    secretSaved: !!config.opencxWebhookSecret,
    url: opencxWebhookUrlOf(call),
    health: newestWebhookHealth(
      health.map((document) => document?.data),
      fingerprint,
    ),
    refused: readWebhookRefusal(refused?.data, fingerprint),
    now: new Date(),
  };
}

/** One Sync read: the counts the Functions wrote (bridge/opencx-usage.ts), for the saved keys. */
async function opencxUsageFacts(call: PluginCall<AdminEnv>, config: BridgeConfig): Promise<OpenCxUsageFacts> {
  const usage = recentUsage(
    await new BridgeState(call.twilio.sync, syncServiceSid(call.context)).opencxUsage(),
    Date.now(),
  );
  const keys = [config.opencxToken, ...(config.opencxExtraTokens ?? [])].map((token) => ({
    masked: maskToken(token)!,
    ...(usage[keyId(token)] ?? { requests: 0, limited: 0 }),
  }));
  return { minutes: USAGE_WINDOW_MS / 60_000, keys };
}

async function timerWorkspaceFacts(
  taskrouter: TaskRouterApi,
  config: BridgeConfig,
): Promise<TimerWorkspaceFacts | undefined> {
  const sid = config.timerWorkspaceSid;
  if (!sid) return undefined;
  const [callback, workflows] = await Promise.all([
    taskrouter.fetchWorkspaceCallback(sid),
    taskrouter.listWorkflowRouting(sid),
  ]);
  return callback && { sid, callback, workflowFound: workflows.some((w) => w.sid === config.timerWorkflowSid) };
}

/**
 * Each saved AI worker with its channels' assigned tasks and capacity; a draining one whose channels
 * show none also with what its reservations hold (unknown if they cannot be read).
 */
export async function aiPoolFacts(
  taskrouter: TaskRouterApi,
  config: BridgeConfig,
  aiQueue?: Promise<TaskQueueSummary | undefined>,
): Promise<AiPoolFacts> {
  const [pool, draining] = await Promise.all([
    Promise.all(
      aiPoolOf(config).map(async (sid) => ({
        sid,
        routing: await taskrouter.fetchWorkerRouting(config.workspaceSid, sid),
      })),
    ),
    closedWorkerFacts(taskrouter, config.workspaceSid, config.aiDrainingWorkerSids ?? []),
  ]);
  const queueHeld = aiQueue && (await aiQueueHeld(taskrouter, config.workspaceSid, aiQueue));
  return {
    peak: config.aiPeakConversations ?? AI_PEAK_CONVERSATIONS.default,
    pool,
    draining,
    ...(queueHeld && { queueHeld }),
  };
}

/** Workers taking no new task, each with what it holds by its channels and reservations (unknown if unread). */
async function closedWorkerFacts(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  sids: readonly string[],
): Promise<PoolWorkerFacts[]> {
  return Promise.all(
    sids.map(async (sid) => {
      const routing = await taskrouter.fetchWorkerRouting(workspaceSid, sid);
      if (!routing) return { sid, routing };
      const held = await tasksHeldBy(taskrouter, workspaceSid, sid, routing.channels).catch(() => undefined);
      return held === undefined ? { sid, routing } : { sid, routing, held };
    }),
  );
}

/**
 * The AI workers (marked `opencx_ai`) in each workspace the stored settings named before, with what
 * they hold; a workspace gone has none, one that cannot be read is reported so.
 */
async function formerAiWorkerFacts(call: PluginCall<AdminEnv>): Promise<NonNullable<AiPoolFacts['former']>> {
  const { taskrouter } = call.twilio;
  const stored = await new BridgeState(call.twilio.sync, syncServiceSid(call.context)).storedConfig();
  return Promise.all(
    (stored.aiFormerWorkspaceSids ?? []).map(async (workspaceSid) => {
      try {
        const marked = await undefinedIfNotFound(taskrouter.listWorkersMatching(workspaceSid, AI_WORKER_EXPRESSION));
        const sids = (marked ?? []).map((worker) => worker.sid);
        return { workspaceSid, workers: await closedWorkerFacts(taskrouter, workspaceSid, sids) };
      } catch {
        return { workspaceSid };
      }
    }),
  );
}

/** Per AI task channel, the AI queue's tasks a worker holds; undefined without a queue or its statistics. */
async function aiQueueHeld(
  taskrouter: TaskRouterApi,
  workspaceSid: string,
  aiQueue: Promise<TaskQueueSummary | undefined>,
): Promise<Record<string, number> | undefined> {
  const queue = await aiQueue.catch(() => undefined);
  if (!queue) return undefined;
  const channels = Object.keys(AI_WORKER_CHANNELS);
  const held = await Promise.all(
    channels.map((channel) => taskrouter.queueTasksHeld(workspaceSid, queue.sid, channel).catch(() => undefined)),
  );
  return Object.fromEntries(channels.flatMap((channel, i) => (held[i] === undefined ? [] : [[channel, held[i]]])));
}

export async function readSetupFacts(
  call: PluginCall<AdminEnv>,
  config: BridgeConfig,
  workflowSid: string | undefined,
): Promise<SetupFacts> {
  const { twilio } = call;
  const flexConfiguration = readFlexConfiguration(twilio);
  const routing = readRouting(twilio, config, workflowSid, () => flexConfiguration);
  const facts = await allOf({
    deployment: readDeploymentFacts(call),
    opencx: opencxTokenState(call, config.opencxToken),
    opencxFurtherKeys: Promise.all(
      (config.opencxExtraTokens ?? []).map(async (token) => ({
        hint: maskToken(token)!,
        state: await opencxTokenState(call, token),
      })),
    ),
    opencxWebhook: opencxWebhookFacts(call, config),
    opencxUsage: opencxUsageFacts(call, config),
    workspace: twilio.taskrouter.fetchWorkspaceCallback(config.workspaceSid),
    conversationsWebhook: twilio.conversations.fetchWebhook(config.conversationsServiceSid),
    conversationsService: flexConfiguration.then((flex) =>
      readConversationsServiceFacts(twilio, flex, config.conversationsServiceSid),
    ),
    timerWorkspace: timerWorkspaceFacts(twilio.taskrouter, config),
    aiPool: Promise.all([
      aiPoolFacts(
        twilio.taskrouter,
        config,
        routing.then((facts) => aiQueueFor(facts.queues, config.aiQueueSid)),
      ),
      formerAiWorkerFacts(call),
    ]).then(([pool, former]) => (former.length > 0 ? { ...pool, former } : pool)),
    routing,
  });
  return { ...facts, config, webhookUrl: registeredWebhookUrl(call, config) };
}

/** Promise.all over an object: each key with what its promise resolved to. */
async function allOf<T extends Record<string, unknown>>(pending: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(pending).map(async ([key, value]) => [key, await value]));
  return Object.fromEntries(entries);
}

/** Every check (only the config check while the settings are not saved); their outcome goes to the log line. */
export async function runChecks(
  call: PluginCall<AdminEnv>,
  config: BridgeConfig | undefined,
  workflowSid: string | undefined,
): Promise<Check[]> {
  const checks = config
    ? setupChecks(await readSetupFacts(call, config, workflowSid))
    : notConfiguredChecks(await readDeploymentFacts(call));
  call.trace.problems = checks.filter((c) => c.status === 'problem').map((c) => c.id);
  call.trace.warnings = checks.filter((c) => c.status === 'warning').map((c) => c.id);
  return checks;
}
