// Undo (admins only): puts back every resource the last Apply wrote, exactly as it was.
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { undoSetup } from '../admin-lib/setup/operations';

export const handler = pluginEndpoint({ name: 'setup-undo', role: 'admin' }, undoSetup);
