// The setup doctor (admins only): what is missing or wrong between this deployment, TaskRouter,
// Conversations and OpenCX, each problem with the sentence that fixes it. Reads only.
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { parseSetupForm } from '../admin-lib/setup/form';
import { loadConfig, runChecks } from '../admin-lib/setup/facts';

export const handler = pluginEndpoint({ name: 'setup-check', role: 'admin' }, async (call) => {
  const form = parseSetupForm(call.event);
  return { checks: await runChecks(call, await loadConfig(call), form.workflowSid) };
});
