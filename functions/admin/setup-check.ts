// The setup doctor (admins only): what is missing or wrong between this deployment, TaskRouter,
// Conversations and OpenCX, each problem with the sentence that fixes it, and the revision of
// each resource Apply may write. Reads only.
import { pluginEndpoint } from '../admin-lib/plugin-endpoint';
import { checkSetup } from '../admin-lib/setup/operations';

export const handler = pluginEndpoint({ name: 'setup-check', role: 'admin' }, checkSetup);
