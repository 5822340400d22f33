// One-click setup (admins only): registers this deployment's webhook (with the saved config
// version) on the workspace, the Conversations service and the timer workspace, and fixes the
// workflow's filters. Each step reports applied, unchanged, skipped or failed; each resource is
// backed up before it is written and refused when it changed since the admin's check. Then every
// check runs again.
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { applySetup } from '../admin-lib/setup/operations';

export const handler = pluginEndpoint({ name: 'setup-apply', role: 'admin' }, applySetup);
