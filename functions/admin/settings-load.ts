// The plugin's OpenCX settings view (admins only): the stored settings, the org token masked, the
// webhook signing secret only as "saved or not", the URL to paste into OpenCX, and once saved the
// workspace's workflows with the one the setup uses and why.
import { BridgeState } from '../bridge/state';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { settingsView } from '../admin-lib/settings';
import { readWorkflowsView } from '../admin-lib/setup/account-discovery';
import { opencxWebhookUrlOf } from '../admin-lib/setup/facts';

export const handler = pluginEndpoint({ name: 'settings-load', role: 'admin' }, async (call) => {
  const state = new BridgeState(call.twilio.sync, syncServiceSid(call.context));
  const { fields: stored, revision } = await state.storedConfigRevision();
  // With the revision: a save from this view is refused once these settings change (settings-save).
  const settings = settingsView(stored, opencxWebhookUrlOf(call), revision);
  call.trace.configured = settings.configured;
  const routing =
    settings.configured && stored.workspaceSid
      ? await readWorkflowsView(call.twilio, stored.workspaceSid, stored.workflowSid)
      : undefined;
  return { settings, routing: routing ?? null };
});
