// Reads what the deployment checks look at; the decisions are in deployment-checks.ts.
import { apiUrlVerdict } from '../../common/deployment-guard';
import type { AdminEnv, PluginCall } from '../plugin-endpoint';
import type { DeploymentFacts } from './deployment-checks';

/** The Functions' environment, and one Sync read: the service SYNC_SERVICE_SID names. */
export async function readDeploymentFacts(call: PluginCall<AdminEnv>): Promise<DeploymentFacts> {
  const syncServiceSid = call.context.SYNC_SERVICE_SID?.trim() || undefined;
  return {
    domainName: call.context.DOMAIN_NAME,
    apiUrls: apiUrlVerdict(call.context),
    syncServiceSid,
    syncService: syncServiceSid ? await call.twilio.sync.fetchService(syncServiceSid) : undefined,
  };
}
