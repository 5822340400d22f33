// The plugin's OpenCX settings view (admins only): the stored settings, the org token masked.
import { BridgeState } from '../bridge/state';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { settingsView } from '../admin-lib/settings';

export const handler = pluginEndpoint({ name: 'settings-load', role: 'admin' }, async ({ context, twilio, trace }) => {
  const settings = settingsView(await new BridgeState(twilio.sync, syncServiceSid(context)).storedConfig());
  trace.configured = settings.configured;
  return { settings };
});
