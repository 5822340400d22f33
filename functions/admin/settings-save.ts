// "Test & Save" (admins only): check the form, the OpenCX keys (all of one organisation) and the
// Twilio resources (without a Conversations service in the form, the one Flex uses), then size the
// AI worker pool to the peak, provision the state maps and the watchdog's timer workspace, and
// store the config document with a new config version. Nothing is stored unless every check passed.
// Then the new version goes onto the webhook URLs that point here, so every Function reads the new
// settings from the next event on. A save that changes the workspace then retires the AI workers of
// the one it left as a shrink retires surplus ones: closed at once, deleted once they hold no task
// (by a later save, for those still holding one). Like Apply, Undo and Uninstall, it holds the setup
// lock while it runs.
import { AdminError, invalidInput } from '../admin-lib/admin-error';
import { ensureAiPool, openNewAiWorkers, retireFormerAiWorkers } from '../admin-lib/ai-worker';
import { type AdminEnv, type PluginCall, pluginEndpoint, syncServiceSid } from '../admin-lib/plugin-endpoint';
import { withSetupLock } from '../admin-lib/setup-lock';
import { registerConfigVersion } from '../admin-lib/setup/registrations';
import {
  configDocument,
  extraTokensToSave,
  formerToRetire,
  missingResource,
  type KeyCheck,
  opencxCheckBudgetMs,
  organisationOfKeys,
  parseSaveForm,
  peakToSave,
  settingsChanged,
  settingsChangedSince,
  translationsOverBudget,
  unconfirmedLiveChange,
  settingsView,
  storedPool,
  tokenToSave,
  workspaceLeft,
} from '../admin-lib/settings';
import { resolveFlexConversationsService } from '../admin-lib/setup/account-discovery';
import { opencxWebhookUrlOf, registeredWebhookUrl, webhookUrlOf } from '../admin-lib/setup/facts';
import { aiQueueRefusal } from '../admin-lib/setup/workflow';
import { ensureTimerWorkspace } from '../admin-lib/timer-workspace';
import { DEFAULT_SYNC_SERVICE_NAME } from '../admin-lib/setup/deployment-checks';
import { aiIsRouted } from '../bridge/ai-worker';
import { BridgeState, forgetCachedConfig } from '../bridge/state';
import {
  aiPoolSize,
  anotherDeployment,
  type ConfigDocument,
  newConfigVersion,
  pointsHere,
  withoutConfigVersion,
} from '../common/config';
import { guardedApiUrl } from '../common/deployment-guard';
import { OpenCxClient } from '../common/opencx-client';
import { Deadline } from '../common/retry';
import type { TwilioApis } from '../common/twilio';

/** One OpenCX attempt at most; every attempt shares the checks' budget (opencxCheckBudgetMs). */
const OPENCX_ATTEMPT_MS = 4000;

export const handler = pluginEndpoint({ name: 'settings-save', role: 'admin' }, (call) =>
  withSetupLock(call, 'Test & Save', () => save(call)),
);

async function save(call: PluginCall<AdminEnv>): Promise<Record<string, unknown>> {
  const { context, event, twilio, deadline, trace } = call;
  const form = parseSaveForm(event);
  const serviceSid = syncServiceSid(context);
  const state = new BridgeState(twilio.sync, serviceSid);
  const [storedNow, service] = await Promise.all([state.storedConfigRevision(), twilio.sync.fetchService(serviceSid)]);
  // Every Flex agent's token can read the default service: the keys and the secret must never go there.
  if (service?.uniqueName === DEFAULT_SYNC_SERVICE_NAME)
    throw new AdminError(
      500,
      'server_misconfigured',
      "The OpenCX Functions keep their settings in the account's default Sync service, which Flex agents can read: " +
        'nothing was saved. Check setup says how to fix it.',
      undefined,
      `SYNC_SERVICE_SID names the default Sync service ${serviceSid}`,
    );
  // A SID of no service (a typo, another account's): refused before TaskRouter is touched.
  if (!service)
    throw new AdminError(
      500,
      'server_misconfigured',
      "The OpenCX Functions' Sync service (SYNC_SERVICE_SID) is not in this account: nothing was saved. " +
        'Check setup says how to fix it.',
      undefined,
      `SYNC_SERVICE_SID ${serviceSid} names no Sync service of the account`,
    );
  let { fields: stored, revision } = storedNow;
  Object.assign(trace, {
    workspaceSid: form.workspaceSid,
    tokenKept: form.opencxToken === undefined,
    webhookSecretKept: form.opencxWebhookSecret === undefined,
    settingsRevisionChecked: form.settingsRevision !== undefined,
  });
  // Before any check or write: the admin's form would put back what it was filled with.
  const refused = settingsChangedSince(form, stored, revision) ?? translationsOverBudget(form, stored);
  if (refused) throw refused;
  const opencxToken = tokenToSave(form, stored);

  const opencxExtraTokens = extraTokensToSave(form, stored, opencxToken);
  trace.extraKeys = opencxExtraTokens.length;
  const conversationsServiceSid = form.conversationsServiceSid ?? (await flexServiceOf(call.twilio));
  trace.conversationsServiceFromFlex = form.conversationsServiceSid === undefined;

  const opencx = new OpenCxClient({
    token: opencxToken,
    baseUrl: guardedApiUrl(context, 'OPENCX_API_URL'),
    attemptTimeoutMs: OPENCX_ATTEMPT_MS,
  });
  // Retries included: a slow OpenCX must not leave too little time for the writes that follow.
  const opencxDeadline = new Deadline(opencxCheckBudgetMs(deadline.remaining()));
  const checkKey = (token: string): Promise<KeyCheck> =>
    opencx
      .withToken(token)
      .getOrg(opencxDeadline)
      .then(
        (found) => ({ token, org: found }),
        (error: unknown) => ({ token, error }),
      );
  const [{ org, unchecked }, workspaceCallback, queue, workflows, conversationsService] = await allInOrder([
    // Every key's problem rejects here, so it is reported before any Twilio check's.
    Promise.all([checkKey(opencxToken), Promise.all(opencxExtraTokens.map(checkKey))]).then(([main, extras]) =>
      organisationOfKeys(main, extras, stored),
    ),
    twilio.taskrouter.fetchWorkspaceCallback(form.workspaceSid),
    form.aiQueueSid ? twilio.taskrouter.fetchTaskQueue(form.workspaceSid, form.aiQueueSid) : Promise.resolve(undefined),
    form.workflowSid ? twilio.taskrouter.listWorkflowRouting(form.workspaceSid) : Promise.resolve(undefined),
    twilio.conversations.serviceExists(conversationsServiceSid),
  ] as const);
  trace.keysUnchecked = unchecked;
  const workflow = workflows?.some((w) => w.sid === form.workflowSid);
  const missing = missingResource(
    { ...form, conversationsServiceSid },
    {
      workspace: workspaceCallback !== undefined,
      queue: form.aiQueueSid ? !!queue : undefined,
      workflow,
      conversationsService,
    },
  );
  if (missing) throw missing;
  const refusedQueue = queue && aiQueueRefusal(queue);
  if (refusedQueue) throw refusedQueue;
  const unconfirmed = unconfirmedLiveChange({ ...form, conversationsServiceSid }, stored, org);
  if (unconfirmed) throw unconfirmed;
  // Another environment of this integration serves the workspace: sizing the pool here would adopt its
  // AI workers, and close or delete those beyond this save's peak.
  const served = workspaceCallback!.eventCallbackUrl;
  if (anotherDeployment(served, webhookUrlOf(call)))
    throw new AdminError(
      409,
      'served_by_another_deployment',
      `The workspace's events go to another deployment of this integration (${withoutConfigVersion(served)}), ` +
        'which runs AI workers there: saving here would take them over. Choose another workspace, or uninstall ' +
        'that deployment first; if it is gone, clear its event callback URL in the Twilio Console and save again.',
      'workspaceSid',
    );

  // Until Apply points the workspace's events here, nothing would answer a chat offered to the AI; until a
  // workflow routes chats to the AI (an Undo restored one), it would only be offered chats it declines.
  const savedPool = storedPool(stored);
  const serves =
    pointsHere(workspaceCallback!.eventCallbackUrl, webhookUrlOf(call)) &&
    (await aiIsRouted(twilio.taskrouter, form.workspaceSid, {
      aiQueueSid: form.aiQueueSid ?? stored.aiQueueSid,
      aiWorkerSids: [...savedPool.pool, ...savedPool.draining],
    }).catch(() => true));
  // Beside the pool, as a shrink deletes its draining workers: those of workspaces earlier saves left.
  const [pool, formerLeft] = await allInOrder([
    ensureAiPool(
      twilio.taskrouter,
      form.workspaceSid,
      savedPool,
      aiPoolSize(peakToSave(form, stored)),
      form.aiAuthorName,
      serves,
    ),
    Promise.all(
      formerToRetire(stored, form.workspaceSid).map((sid) =>
        retireFormerAiWorkers(twilio.taskrouter, sid, webhookUrlOf(call)),
      ),
    ),
  ] as const);
  const stillFormer = formerLeft.filter((former) => former !== undefined);
  Object.assign(trace, {
    aiWorkerSids: pool.pool,
    workersCreated: pool.created,
    workersDraining: pool.draining,
    workersRemoved: pool.removed,
    workersAwaitingApply: pool.awaitingApply,
  });
  const now = new Date();
  const configVersion = newConfigVersion(now, Math.random, stored.configVersion);
  const webhookUrl = registeredWebhookUrl(call, { configVersion });
  const [mapsCreated, timer] = await allInOrder([
    state.createStateMaps(),
    ensureTimerWorkspace(twilio.taskrouter, stored, webhookUrl),
  ] as const);
  Object.assign(trace, {
    mapsCreated,
    timerWorkspaceSid: timer.workspaceSid,
    timerCreated: timer.created,
    configVersion,
  });

  const provisioned = {
    opencxToken,
    conversationsServiceSid,
    opencxExtraTokens,
    aiWorkerSids: pool.pool,
    aiDrainingWorkerSids: pool.draining,
    aiFormerWorkspaceSids: stillFormer.map((former) => former.workspaceSid),
    timerWorkspaceSid: timer.workspaceSid,
    timerWorkflowSid: timer.workflowSid,
    orgName: org.name,
    orgId: org.id,
    configVersion,
    now,
  };
  // Over the revision read: a concurrent write (Apply noting the queue it made, another admin) is read and kept.
  let document = configDocument(form, stored, provisioned);
  // The workspace the document leaves, if it names another than the settings did.
  let left = workspaceLeft(stored, form.workspaceSid);
  let saved: Partial<ConfigDocument> = document;
  let written = await state.saveConfigOver(document, revision);
  for (let attempt = 1; written === undefined; attempt++) {
    ({ fields: stored, revision } = await state.storedConfigRevision());
    if (stored.configVersion === configVersion) {
      // This save's own write, its answer lost (with anything written after it).
      saved = stored;
      written = revision;
      break;
    }
    // The admin's form was filled from the settings first read, which changed since.
    if (form.settingsRevision !== undefined) throw settingsChanged();
    if (attempt >= 3)
      throw new AdminError(
        409,
        'settings_changed',
        'The settings kept changing while saving: reload them and save again',
      );
    document = configDocument(form, stored, provisioned);
    left = workspaceLeft(stored, form.workspaceSid);
    saved = document;
    written = await state.saveConfigOver(document, revision);
  }
  forgetCachedConfig();
  // The settings are stored: a failure from here on is reported with them, not as a failed save.
  // Only now are the AI workers of the workspace left closed: had the save failed, the settings would
  // still name that workspace, and the AI must go on serving it. The settings name them as former
  // workers, so what this cannot finish the next save does.
  const registering = registerConfigVersion(twilio, document, webhookUrl).catch((error: unknown) => {
    trace.registrationError = String(error);
    return undefined;
  });
  // AI workers the settings did not name are opened only once the workspace's callback carries this
  // version: a save that failed before would have left them taking chats, and a warm container would
  // judge their offers by the settings it read before (another workspace, or a pool without them), and
  // refuse or ignore them, each chat left to the reservation's timeout. Not at all when that failed: the
  // next save opens them.
  const [registered, leftBehind, notOpened] = await Promise.all([
    registering,
    left && retireFormerAiWorkers(twilio.taskrouter, left.workspaceSid, webhookUrlOf(call), left.workerSids),
    registering.then((done) =>
      done
        ? openNewAiWorkers(twilio.taskrouter, form.workspaceSid, pool.toOpen)
        : (pool.toOpen ?? []).map((worker) => worker.sid),
    ),
  ]);
  const formerAiWorkers = [...(leftBehind ? [leftBehind] : []), ...stillFormer];
  Object.assign(trace, {
    registered,
    ...(formerAiWorkers.length > 0 ? { formerAiWorkers } : {}),
    // The next save opens them; the answer says so.
    ...(notOpened.length > 0 ? { workersNotOpened: notOpened } : {}),
  });
  return {
    settings: settingsView(saved, opencxWebhookUrlOf(call), written),
    workerCreated: pool.created.length > 0,
    ...(pool.awaitingApply.length > 0 ? { aiWorkersAwaitApply: true } : {}),
    ...(notOpened.length > 0 ? { aiWorkersNotOpened: true } : {}),
    timerWorkspaceCreated: timer.created.includes('workspace'),
    ...(unchecked > 0 ? { opencxKeysUnchecked: unchecked } : {}),
    ...(registered ? {} : { webhooksNotUpdated: true }),
    ...(formerAiWorkers.length > 0 ? { formerAiWorkers } : {}),
  };
}

/** The Conversations service Flex uses; a 400 on the field when the account names none. */
async function flexServiceOf(twilio: TwilioApis): Promise<string> {
  const resolved = await resolveFlexConversationsService(twilio);
  if (!resolved) {
    throw invalidInput(
      'conversationsServiceSid',
      "Flex's configuration names no Conversations service and the account has no default one: " +
        'enter the SID of your Flex Conversations service',
    );
  }
  return resolved.sid;
}

/** All at once, like Promise.all; when several fail, the first in argument order wins, not the fastest. */
async function allInOrder<T extends readonly unknown[]>(
  promises: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
