// Uninstall (admins only, with confirm=uninstall): removes what the integration added to the account.
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { uninstallSetup } from '../admin-lib/setup/operations';

export const handler = pluginEndpoint({ name: 'setup-uninstall', role: 'admin' }, uninstallSetup);
