// "Test & Save" (admins only): check the form, the OpenCX token and the Twilio resources, then
// provision the AI worker and the state maps and store the config document. Nothing is stored
// unless every check passed.
import { ensureAiWorker } from '../admin-lib/ai-worker';
import { pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { configDocument, missingResource, opencxFailure, parseSaveForm, settingsView, tokenToSave } from '../admin-lib/settings';
import { BridgeState } from '../bridge/state';
import { OpenCxClient } from '../common/opencx-client';

/** Leaves time for the Twilio checks and writes after a slow OpenCX. */
const OPENCX_ATTEMPT_MS = 4000;

export const handler = pluginEndpoint({ name: 'settings-save', role: 'admin' }, async ({ context, event, twilio, deadline, trace }) => {
  const form = parseSaveForm(event);
  const state = new BridgeState(twilio.sync, syncServiceSid(context));
  const stored = await state.storedConfig();
  const opencxToken = tokenToSave(form, stored);
  trace.workspaceSid = form.workspaceSid;
  trace.tokenKept = form.opencxToken === undefined;

  const opencx = new OpenCxClient({ token: opencxToken, baseUrl: context.OPENCX_API_URL, attemptTimeoutMs: OPENCX_ATTEMPT_MS });
  const [org, workspace, queue, conversationsService] = await allInOrder([
    opencx.getOrg(deadline).catch((error: unknown) => Promise.reject(opencxFailure(error))),
    twilio.taskrouter.workspaceExists(form.workspaceSid),
    form.aiQueueSid ? twilio.taskrouter.taskQueueExists(form.workspaceSid, form.aiQueueSid) : Promise.resolve(undefined),
    twilio.conversations.serviceExists(form.conversationsServiceSid),
  ] as const);
  const missing = missingResource(form, { workspace, queue, conversationsService });
  if (missing) throw missing;

  const worker = await ensureAiWorker(twilio.taskrouter, form.workspaceSid, stored.aiWorkerSid, form.aiAuthorName);
  Object.assign(trace, { workerSid: worker.sid, workerCreated: worker.created, workerChannels: worker.channels });
  trace.mapsCreated = await state.createStateMaps();
  const document = configDocument(form, { opencxToken, aiWorkerSid: worker.sid, orgName: org.name, now: new Date() });
  await state.saveConfig(document);
  return { settings: settingsView(document), workerCreated: worker.created };
});

/** All at once, like Promise.all; when several fail, the first in argument order wins, not the fastest. */
async function allInOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
