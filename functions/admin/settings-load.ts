// The plugin's OpenCX settings view (admins only): the stored settings, the org token masked, the
// webhook signing secret only as "saved or not", and the URL to paste into OpenCX.
import { BridgeState } from '../bridge/state';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { settingsView } from '../admin-lib/settings';
import { opencxWebhookUrlOf } from '../admin-lib/setup/facts';

export const handler = pluginEndpoint({ name: 'settings-load', role: 'admin' }, async (call) => {
  const settings = settingsView(await new BridgeState(call.twilio.sync, syncServiceSid(call.context)).storedConfig(), opencxWebhookUrlOf(call));
  call.trace.configured = settings.configured;
  return { settings };
});
