// Reads what the setup checks look at, all at once; the decisions are in setup.ts.
import { BridgeState } from '../bridge/state';
import type { BridgeConfig } from '../common/config';
import { OpenCxClient } from '../common/opencx-client';
import { Deadline } from '../common/retry';
import { deploymentUrl } from '../common/signature';
import type { TaskRouterApi } from '../common/twilio';
import { AdminEnv, PluginCall, syncServiceSid } from './plugin-endpoint';
import { opencxFailure } from './settings';
import { Check, notConfiguredChecks, OpenCxTokenState, RoutingFacts, SetupFacts, setupChecks, WEBHOOK_PATH } from './setup';

/** OpenCX gets at most this much of the request's budget: a slow OpenCX makes a warning, not a timeout. */
const OPENCX_BUDGET_MS = 3000;

export const loadConfig = (call: PluginCall<AdminEnv>): Promise<BridgeConfig | undefined> => new BridgeState(call.twilio.sync, syncServiceSid(call.context)).loadConfig({ fresh: true });

/** This deployment's webhook, as it should be registered with TaskRouter and Conversations. */
export const webhookUrlOf = (call: PluginCall<AdminEnv>): string => deploymentUrl(call.context.DOMAIN_NAME, WEBHOOK_PATH);

export async function readRouting(taskrouter: TaskRouterApi, config: BridgeConfig, workflowSid: string | undefined): Promise<RoutingFacts> {
  const [workflows, queues] = await Promise.all([taskrouter.listWorkflowRouting(config.workspaceSid), taskrouter.listTaskQueues(config.workspaceSid)]);
  return { workflows, queues, aiQueueSid: config.aiQueueSid, aiWorkerSid: config.aiWorkerSid, workflowSid };
}

async function opencxTokenState(call: PluginCall<AdminEnv>, token: string): Promise<OpenCxTokenState> {
  const opencx = new OpenCxClient({ token, baseUrl: call.context.OPENCX_API_URL, attemptTimeoutMs: OPENCX_BUDGET_MS });
  try {
    const org = await opencx.getOrg(new Deadline(Math.min(OPENCX_BUDGET_MS, call.deadline.remaining())));
    return { kind: 'valid', orgName: org.name };
  } catch (error) {
    const failure = opencxFailure(error);
    if (failure.code === 'internal_error') throw failure;
    return { kind: failure.code === 'opencx_token_rejected' ? 'rejected' : 'unavailable' };
  }
}

export async function readSetupFacts(call: PluginCall<AdminEnv>, config: BridgeConfig, workflowSid: string | undefined): Promise<SetupFacts> {
  const { twilio } = call;
  const [opencx, workspace, conversationsWebhook, aiWorker, routing] = await Promise.all([
    opencxTokenState(call, config.opencxToken),
    twilio.taskrouter.fetchWorkspaceCallback(config.workspaceSid),
    twilio.conversations.fetchWebhook(config.conversationsServiceSid),
    twilio.taskrouter.fetchWorkerRouting(config.workspaceSid, config.aiWorkerSid),
    readRouting(twilio.taskrouter, config, workflowSid),
  ]);
  return { config, webhookUrl: webhookUrlOf(call), opencx, workspace, conversationsWebhook, aiWorker, routing };
}

/** Every check (only the config check while the settings are not saved); their outcome goes to the log line. */
export async function runChecks(call: PluginCall<AdminEnv>, config: BridgeConfig | undefined, workflowSid: string | undefined): Promise<Check[]> {
  const checks = config ? setupChecks(await readSetupFacts(call, config, workflowSid)) : notConfiguredChecks();
  call.trace.problems = checks.filter((c) => c.status === 'problem').map((c) => c.id);
  call.trace.warnings = checks.filter((c) => c.status === 'warning').map((c) => c.id);
  return checks;
}
