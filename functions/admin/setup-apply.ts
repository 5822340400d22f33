// One-click setup (admins only): registers this deployment's webhook (with the saved config
// version) on the workspace, the Conversations service and the timer workspace, and puts a
// handedOff filter above the AI's filter. Each resource is read right before it is written and
// written only when it needs it, so a second apply writes nothing. Then every check runs again.
import { AdminError } from '../admin-lib/admin-error';
import { AdminEnv, PluginCall, pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { Registration, updateConversationsWebhook, updateTimerCallback, updateWorkspaceCallback, written } from '../admin-lib/setup/registrations';
import { parseSetupForm, SetupForm } from '../admin-lib/setup/form';
import { conversationsWebhookUpdate, workspaceCallbackUpdate } from '../admin-lib/setup/webhooks';
import { chooseWorkflow, humanQueueProblem, RoutingFacts, workflowConfigurationUpdate } from '../admin-lib/setup/workflow';
import { loadConfig, readRouting, registeredWebhookUrl, runChecks } from '../admin-lib/setup/facts';
import type { BridgeConfig } from '../common/config';

export const handler = pluginEndpoint({ name: 'setup-apply', role: 'admin' }, async (call) => {
  const form = parseSetupForm(call.event);
  const config = await loadConfig(call);
  if (!config) return { applied: [], checks: await runChecks(call, config, form.workflowSid) };

  // The form is checked against the workspace before anything is written.
  const routing = await readRouting(call.twilio.taskrouter, config, form.workflowSid);
  const refused = formProblem(form, routing, config);
  if (refused) throw refused;

  const webhookUrl = registeredWebhookUrl(call, config);
  const replace = form.replaceCallbackUrl;
  const { twilio } = call;
  const registrations: Registration[] = [
    ['workspace_events', updateWorkspaceCallback(twilio, config.workspaceSid, (current) => workspaceCallbackUpdate(current, webhookUrl, replace))],
    ['conversations_webhook', updateConversationsWebhook(twilio, config.conversationsServiceSid, (current) => conversationsWebhookUpdate(current, webhookUrl, replace))],
    ...(config.timerWorkspaceSid ? [['timer_workspace', updateTimerCallback(twilio, config.timerWorkspaceSid, webhookUrl, replace)] as Registration] : []),
    ['workflow_filters', applyWorkflowFilters(call, config, routing, form.humanQueueSid)],
  ];
  const applied = await written(registrations);
  call.trace.applied = applied;
  return { applied, checks: await runChecks(call, config, form.workflowSid) };
});

function formProblem(form: SetupForm, routing: RoutingFacts, config: BridgeConfig): AdminError | undefined {
  if (form.workflowSid && !routing.workflows.some((w) => w.sid === form.workflowSid)) {
    return new AdminError(400, 'not_found', `Workflow ${form.workflowSid} not found in workspace ${config.workspaceSid}`, 'workflowSid');
  }
  return form.humanQueueSid ? humanQueueProblem(form.humanQueueSid, routing, config.workspaceSid) : undefined;
}

async function applyWorkflowFilters(call: PluginCall<AdminEnv>, config: BridgeConfig, routing: RoutingFacts, humanQueueSid: string | undefined): Promise<boolean> {
  const choice = chooseWorkflow(routing.workflows, routing.workflowSid);
  if (!('workflow' in choice)) return false;
  const configuration = workflowConfigurationUpdate(choice.workflow, routing, humanQueueSid);
  if (configuration) await call.twilio.taskrouter.setWorkflowConfiguration(config.workspaceSid, choice.workflow.sid, configuration);
  return !!configuration;
}
