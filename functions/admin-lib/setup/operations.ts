// The four setup operations, shared by the admin Functions (functions/admin/setup-*.ts) and the
// command line: check, apply, undo and uninstall. Each takes one admin call and answers the body
// the plugin and the CLI read (docs/admin-api.md). Apply, Undo and Uninstall hold the setup lock.
import { BridgeState } from '../../bridge/state';
import {
  aiPoolOf,
  aiWorkersOf,
  anotherDeployment,
  type BridgeConfig,
  CONFIG_DOCUMENT,
  pointsHere,
  withoutConfigVersion,
} from '../../common/config';
import { type ConversationsWebhook, undefinedIfNotFound } from '../../common/twilio';
import { AdminError, invalidInput } from '../admin-error';
import { retireAiWorkers, takenByAnotherDeployment, tasksHeldBy } from '../ai-worker';
import { type AdminEnv, type PluginCall, syncServiceSid } from '../plugin-endpoint';
import { AI_WORKER_EXPRESSION, formText } from '../settings';
import { SETUP_LOCK_DOCUMENT, withSetupLock } from '../setup-lock';
import { applySteps, type ApplyPlanInput, failureReason, readRevisions, runSteps } from './apply';
import {
  type ApplyBackup,
  describeResource,
  isAsBackedUp,
  readResource,
  workersUndo,
  resourceKey,
  restoreResource,
  SetupBackups,
  undoRevisionOf,
} from './backups';
import type { PoolWorkerState } from './ai-worker-step';
import type { Check, CheckId } from './check';
import { loadConfig, readRouting, registeredWebhookUrl, runChecks, webhookUrlOf } from './facts';
import { parseSetupForm, type SetupForm } from './form';
import { type Revisions, revisionOf, type StepReport } from './steps';
import { bringsEventsHere, conversationsWebhookRestore } from './webhooks';
import { TIMER_EVENTS } from '../timer-workspace';
import { aiQueueSids } from './expressions';
import { humanQueueProblem, type RoutingFacts, workflowRoutesToAi, workflowWithoutIntegration } from './workflow';
import { createdAiQueue } from './ai-routing-steps';

type Call = PluginCall<AdminEnv>;

const backupsOf = (call: Call): SetupBackups => new SetupBackups(call.twilio.sync, syncServiceSid(call.context));

async function applyInput(
  call: Call,
  config: BridgeConfig,
  form: SetupForm,
  routing?: RoutingFacts,
): Promise<ApplyPlanInput> {
  return {
    twilio: call.twilio,
    workspaceSid: config.workspaceSid,
    conversationsServiceSid: config.conversationsServiceSid,
    timerWorkspaceSid: config.timerWorkspaceSid,
    webhookUrl: registeredWebhookUrl(call, config),
    replaceCallbackUrl: form.replaceCallbackUrl,
    routing: routing ?? (await readRouting(call.twilio, config, form.workflowSid)),
    humanQueueSid: form.humanQueueSid,
    config,
    recordCreatedQueue: (queueSid) =>
      new BridgeState(call.twilio.sync, syncServiceSid(call.context)).recordCreatedAiQueue(queueSid),
  };
}

type AfterCheck = { checks: Check[]; revisions: Revisions };

/** Every check, and the revision of each resource Apply may write, for Apply to refuse a resource changed since. */
/**
 * The check after a write: when it cannot run, the write's report still goes back (without
 * checks; the plugin then runs a check of its own) rather than a 500 that hides what was written.
 */
async function checksAfterWrite(call: Call, form: SetupForm): Promise<Partial<AfterCheck>> {
  try {
    return await checksAndRevisions(call, await loadConfig(call), form);
  } catch (error) {
    call.trace.checkAfterWriteError = String(error);
    return {};
  }
}

async function checksAndRevisions(call: Call, config: BridgeConfig | undefined, form: SetupForm): Promise<AfterCheck> {
  if (!config) return { checks: await runChecks(call, config, form.workflowSid), revisions: {} };
  const [checks, revisions] = await Promise.all([
    runChecks(call, config, form.workflowSid),
    applyInput(call, config, form).then((input) => readRevisions(applySteps(input))),
  ]);
  return { checks, revisions };
}

/** The Apply an Undo would undo now, for the admin to name it (`backupId`) when they click Undo. */
type Undoable = { undoable?: { backupId: string; at: string; by: string } };

const undoableOf = (apply: ApplyBackup | undefined): Undoable =>
  apply ? { undoable: { backupId: apply.applyId, at: apply.at, by: apply.by } } : {};

export async function checkSetup(call: Call): Promise<AfterCheck & Undoable> {
  const form = parseSetupForm(call.event);
  const [after, applies] = await Promise.all([
    checksAndRevisions(call, await loadConfig(call), form),
    // Without it the plugin's Undo names none (`none`), which is refused while an Apply exists.
    // None without a Sync service, which the checks report.
    Promise.resolve()
      .then(() => backupsOf(call).applies())
      .catch(() => []),
  ]);
  return { ...after, ...undoableOf(applies.at(-1)) };
}

function parseRevisions(event: Record<string, unknown>): Revisions | undefined {
  const text = formText(event, 'revisions');
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidInput('revisions', 'Expected the revisions of the check, as JSON');
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  ) {
    throw invalidInput('revisions', 'Expected the revisions of the check, as JSON');
  }
  return parsed as Revisions;
}

const appliedIds = (steps: readonly StepReport[]): CheckId[] =>
  steps.filter((step) => step.status === 'applied').map((step) => step.id);

/** What putting back the AI workers after Apply's last stage may take: two round trips to TaskRouter. */
const SETTLE_BUDGET_MS = 1500;

/** One-click setup: every step reported; a backup of each resource before it is written; then every check again. */
export const applySetup = (call: Call): Promise<Record<string, unknown>> =>
  withSetupLock(call, 'Apply fixes', () => apply(call));

async function apply(call: Call): Promise<Record<string, unknown>> {
  const form = parseSetupForm(call.event);
  const revisions = parseRevisions(call.event);
  const config = await loadConfig(call);
  if (!config) return { steps: [], applied: [], checks: await runChecks(call, config, form.workflowSid) };

  // The form is checked against the workspace before anything is written.
  const routing = await readRouting(call.twilio, config, form.workflowSid);
  const refused = formProblem(form, routing, config);
  if (refused) throw refused;

  const now = new Date();
  const backups = backupsOf(call);
  const applyId = await backups.nextApplyId(now);
  // Kept back from the stages: a request that hangs in the last one must not leave the workers it
  // would put back Available for want of time.
  call.deadline.shorten(SETTLE_BUDGET_MS);
  let settledApart = false;
  const settlingTaskrouter = () => {
    if (call.deadline.remaining() >= SETTLE_BUDGET_MS) return call.twilio.taskrouter;
    settledApart = true;
    return call.twilioWithin(SETTLE_BUDGET_MS).taskrouter;
  };
  let steps: StepReport[];
  try {
    steps = await runSteps(
      applySteps({ ...(await applyInput(call, config, form, routing)), settlingTaskrouter }),
      revisions,
      backups.writer(applyId, call.caller.identity, now, call.twilio),
    );
  } finally {
    if (!settledApart) call.deadline.giveBack(SETTLE_BUDGET_MS);
  }
  const applied = appliedIds(steps);
  // The settings read again: the AI queue step may have recorded the queue it created. The
  // revisions are those of what Apply left, for the next Apply without a new check.
  const [after, applies] = await Promise.all([checksAfterWrite(call, form), backups.applies().catch(() => undefined)]);
  // Undo undoes this Apply while it keeps a backup: of a step applied, or of a write that failed but may
  // have landed; not of one its settle took back whole. Unread, as its steps tell.
  const kept = applies ? applies.at(-1)?.applyId === applyId : applied.length > 0;
  Object.assign(call.trace, {
    applied,
    failed: steps.filter((step) => step.status === 'failed').map((step) => step.id),
    ...(kept ? { backupId: applyId } : {}),
  });
  return {
    steps,
    applied,
    ...(kept ? { backupId: applyId } : {}),
    ...(applies ? undoableOf(applies.at(-1)) : {}),
    ...after,
  };
}

function formProblem(form: SetupForm, routing: RoutingFacts, config: BridgeConfig): AdminError | undefined {
  if (form.workflowSid && !routing.workflows.some((w) => w.sid === form.workflowSid)) {
    return new AdminError(
      400,
      'not_found',
      `Workflow ${form.workflowSid} not found in workspace ${config.workspaceSid}`,
      'workflowSid',
    );
  }
  return form.humanQueueSid ? humanQueueProblem(form.humanQueueSid, routing, config.workspaceSid) : undefined;
}

const STEP_OF_BACKUP: Record<string, CheckId> = {
  workflow: 'workflow_filters',
  conversations_webhook: 'conversations_webhook',
  ai_queue: 'ai_queue',
  ai_workers: 'ai_worker',
};
/** The check a restored resource belongs to; the timer workspace's callback is the timer check's. */
const stepIdOf = (backup: Backup, config: Pick<BridgeConfig, 'timerWorkspaceSid'> | undefined): CheckId =>
  backup.kind === 'workspace_callback' && backup.workspaceSid === config?.timerWorkspaceSid
    ? 'timer_workspace'
    : (STEP_OF_BACKUP[backup.kind] ?? 'workspace_events');

/**
 * Puts back every resource the last Apply wrote, exactly as it was, unless it changed since that
 * Apply (then it is left alone and reported). The Apply's backups are forgotten once every
 * resource is back, so the next Undo goes one Apply further back.
 */
/** The `backupId` of an Undo clicked when the admin's check found no Apply to undo: another admin's is not undone. */
export const NO_APPLY_SEEN = 'none';

export const undoSetup = (call: Call): Promise<Record<string, unknown>> =>
  withSetupLock(call, 'Undo', () => undo(call));

async function undo(call: Call): Promise<Record<string, unknown>> {
  const form = parseSetupForm(call.event);
  const backups = backupsOf(call);
  const applies = await backups.applies();
  const last = applies.at(-1);
  // A retried click (its answer lost) or a second admin's: the Apply they saw is undone already,
  // and undoing the one before it would take away what an earlier Apply set up.
  if (form.backupId !== undefined && form.backupId !== (last?.applyId ?? NO_APPLY_SEEN))
    throw new AdminError(
      409,
      'setup_changed',
      form.backupId === NO_APPLY_SEEN && last
        ? `Your Undo named no Apply, and ${last.by} applied fixes at ${last.at}. Check the setup again to see ` +
            'what Undo would undo.'
        : 'The Apply you meant to undo was undone already, or another Apply came after it. Check the setup again.',
    );
  const config = await loadConfig(call);
  if (!last) return { steps: [], ...(await checksAndRevisions(call, config, form)) };
  // The AI queue Apply created goes once the workflow no longer targets it.
  const [queues, others] = [
    last.resources.filter((r) => r.backup.kind === 'ai_queue'),
    last.resources.filter((r) => r.backup.kind !== 'ai_queue'),
  ];
  const version = config?.configVersion;
  // The settings' timer workspace, and the AI pool now (a worker a smaller pool drains is left alone).
  const timers = { timerWorkspaceSid: config?.timerWorkspaceSid, pool: config ? aiPoolOf(config) : [] };
  // Taking the events away from this deployment would leave the AI's running conversations unanswered.
  const webhookUrl = webhookUrlOf(call);
  // Pointing here is not enough: a callback put back without an event the bridge needs, or on GET, loses it too.
  const takesEventsAway = (backup: Backup): boolean =>
    (backup.kind === 'workspace_callback' || backup.kind === 'conversations_webhook') &&
    !bringsEventsHere(
      backup,
      webhookUrl,
      backup.kind === 'workspace_callback' && backup.workspaceSid === config?.timerWorkspaceSid
        ? TIMER_EVENTS
        : undefined,
    );
  // Read before the workflow is put back, as the settings are: a failure after it must not keep the webhooks.
  const former =
    config && others.some((r) => takesEventsAway(r.backup))
      ? await formerWorkspaces(call, config).catch(() => undefined)
      : [];
  // The workflow first: while it still routes chats to the AI, the events stay here too.
  const workflows = others.flatMap((resource) => (resource.backup.kind === 'workflow' ? [resource] : []));
  const workflowSteps = await Promise.all(workflows.map((resource) => undoResource(call, resource, version, timers)));
  const unrestored = workflows.flatMap(({ backup }, i) =>
    workflowSteps[i].status === 'failed' && backup.kind === 'workflow' ? [backup.workflowSid] : [],
  );
  // Looked at once the workflow sends no new chat to the AI: one offered it until then counts too.
  const [routesToAi, keep] = await Promise.all([
    stillRoutesToAi(call, config, unrestored),
    config !== undefined && others.some((r) => takesEventsAway(r.backup)) && aiHoldsConversations(call, config, former),
  ]);
  // What chats the workflow routes to the AI need: the events here, and AI workers that serve.
  const servesAi = (backup: Backup): boolean => takesEventsAway(backup) || backup.kind === 'ai_workers';
  const rest = others.filter((resource) => resource.backup.kind !== 'workflow');
  const restSteps = await Promise.all(
    rest.map((resource) =>
      keep && takesEventsAway(resource.backup)
        ? kept(resource.backup, timers, KEPT_FOR_CONVERSATIONS)
        : routesToAi && servesAi(resource.backup)
          ? kept(resource.backup, timers, KEPT_FOR_WORKFLOW)
          : undoResource(call, resource, version, timers),
    ),
  );
  const steps = [...workflowSteps, ...restSteps];
  const queueSteps = await Promise.all(queues.map((resource) => undoResource(call, resource, version, timers)));
  steps.push(...queueSteps);
  // The workspace's events no longer come here: pool workers that backup does not put back (a save
  // since added them, open) would take chats nobody answers until their reservations time out.
  // Only when the restored callback no longer brings the offers here (not one short of another event).
  const eventsTaken = rest.some(
    ({ backup }, i) =>
      backup.kind === 'workspace_callback' &&
      backup.workspaceSid === config?.workspaceSid &&
      !bringsEventsHere(backup, webhookUrl, ['reservation.created']) &&
      restSteps[i].status === 'applied',
  );
  if (config && eventsTaken) {
    const parked = await parkWorkersAddedSince(call, config, rest);
    if (parked) steps.push(parked);
  }
  const state = new BridgeState(call.twilio.sync, syncServiceSid(call.context));
  const createdQueue = queueSteps.some((step) => step.status === 'applied')
    ? (await state.storedConfig())?.aiQueueCreatedSid
    : undefined;
  if (createdQueue) {
    await state.forgetCreatedAiQueue(createdQueue).catch((error: unknown) => {
      steps.push({
        id: 'ai_queue',
        title: 'AI queue in the settings',
        status: 'failed',
        detail:
          `The queue is deleted but the settings still name it: ${failureReason(error)}. ` +
          'Clear the AI queue in the settings.',
      });
    });
  }
  const restored = !keep && !routesToAi && steps.every((step) => step.status !== 'failed');
  if (restored) await backups.discard(last.applyId);
  Object.assign(call.trace, { backupId: last.applyId, restored });
  return {
    steps,
    restored: { backupId: last.applyId, at: last.at, by: last.by },
    complete: restored,
    ...undoableOf(restored ? applies.at(-2) : last),
    ...(await checksAfterWrite(call, form)),
  };
}

/**
 * After an Undo took the workspace's events away: each Available pool worker the Apply's backup does
 * not put back (a save since added it, open, as events came here) goes to the workspace's timeout
 * activity, as a worker a save makes before Apply; the next Apply opens it again. None: nothing to do.
 */
async function parkWorkersAddedSince(
  call: Call,
  config: BridgeConfig,
  restored: readonly { backup: Backup }[],
): Promise<StepReport | undefined> {
  const { taskrouter } = call.twilio;
  const backedUp = new Set(
    restored.flatMap(({ backup }) => (backup.kind === 'ai_workers' ? backup.workers.map((w) => w.workerSid) : [])),
  );
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: 'ai_worker',
    title: 'AI workers added since that Apply',
    status,
    detail,
  });
  try {
    const added = aiPoolOf(config).filter((sid) => !backedUp.has(sid));
    const workers = await Promise.all(added.map((sid) => taskrouter.fetchWorker(config.workspaceSid, sid)));
    const open = workers.filter((worker) => worker?.available);
    if (open.length === 0) return undefined;
    const [workspace, activities] = await Promise.all([
      taskrouter.fetchWorkspace(config.workspaceSid),
      taskrouter.listActivities(config.workspaceSid),
    ]);
    const unavailable =
      activities.find((a) => a.sid === workspace?.timeoutActivitySid && !a.available) ??
      activities.find((a) => !a.available);
    const names = open.map((worker) => `"${worker!.friendlyName}" (${worker!.sid})`).join(', ');
    if (!unavailable)
      return report('failed', `The workspace has no unavailable activity to put ${names} in: set them Offline.`);
    await Promise.all(
      open.map((worker) => taskrouter.updateWorkerActivity(config.workspaceSid, worker!.sid, unavailable.sid)),
    );
    return report(
      'applied',
      `Set to ${unavailable.friendlyName}: ${names}, Available since a save after that Apply, would take chats ` +
        'no event tells this deployment of. Apply setup opens them again.',
    );
  } catch (error) {
    return report(
      'failed',
      `Could not set the AI workers added since that Apply unavailable (${failureReason(error)}): ` +
        'chats offered to them wait until their reservations time out. Set them Offline in TaskRouter.',
    );
  }
}

/**
 * Whether an AI worker holds conversations (or cannot be read, so it may): those of the pool, draining
 * ones, and any other worker marked `opencx_ai` (a save cut short left it out of the settings), in the
 * settings' workspace and in those a save left, whose conversations the AI still answers from here.
 */
async function aiHoldsConversations(
  call: Call,
  config: BridgeConfig,
  /** Undefined when the stored settings could not be read: they may name one whose conversations the AI holds. */
  former: readonly string[] | undefined,
): Promise<boolean> {
  const named = [...aiPoolOf(config), ...(config.aiDrainingWorkerSids ?? [])];
  if (!former) return true;
  const webhookUrl = webhookUrlOf(call);
  const held = await Promise.all([
    aiHoldsConversationsIn(call, config.workspaceSid, named),
    ...former.map(async (workspaceSid) => {
      // Another deployment serves it now: the AI workers marked there are that one's.
      const taken = await takenByAnotherDeployment(call.twilio.taskrouter, workspaceSid, webhookUrl).catch(
        () => undefined,
      );
      return taken === undefined || (!taken && (await aiHoldsConversationsIn(call, workspaceSid, [])));
    }),
  ]);
  return held.includes(true);
}

/** The workspaces the settings named before whose AI workers may still hold tasks. */
async function formerWorkspaces(call: Call, config: BridgeConfig): Promise<string[]> {
  const stored = await new BridgeState(call.twilio.sync, syncServiceSid(call.context)).storedConfig();
  return (stored.aiFormerWorkspaceSids ?? []).filter((sid) => sid !== config.workspaceSid);
}

async function aiHoldsConversationsIn(call: Call, workspaceSid: string, named: string[]): Promise<boolean> {
  const { taskrouter } = call.twilio;
  // A workspace deleted since holds nothing.
  const marked = await undefinedIfNotFound(taskrouter.listWorkersMatching(workspaceSid, AI_WORKER_EXPRESSION)).then(
    (workers) => workers ?? [],
    () => undefined,
  );
  if (!marked) return true;
  const sids = [...new Set([...named, ...marked.map((worker) => worker.sid)])];
  const held = await Promise.all(
    sids.map(async (sid) => {
      try {
        const worker = await taskrouter.fetchWorkerRouting(workspaceSid, sid);
        return worker ? (await tasksHeldBy(taskrouter, workspaceSid, sid, worker.channels)) > 0 : false;
      } catch {
        return true;
      }
    }),
  );
  return held.includes(true);
}

/** The workspace's workflows, and what routes to the AI: its queues and its workers, draining ones included. */
async function aiRoutingOf(call: Call, config: BridgeConfig) {
  const { taskrouter } = call.twilio;
  const [workflows, queues] = await Promise.all([
    taskrouter.listWorkflowRouting(config.workspaceSid),
    taskrouter.listTaskQueues(config.workspaceSid),
  ]);
  return {
    workflows,
    aiQueues: aiQueueSids(queues, config.aiQueueSid),
    aiWorkerSids: aiWorkersOf(config),
  };
}

/** Whether one of these workflows routes tasks to the AI (or cannot be read, so it may). */
async function stillRoutesToAi(call: Call, config: BridgeConfig | undefined, workflowSids: string[]): Promise<boolean> {
  if (!config || workflowSids.length === 0) return false;
  try {
    const { workflows, aiQueues, aiWorkerSids } = await aiRoutingOf(call, config);
    return workflows
      .filter((workflow) => workflowSids.includes(workflow.sid))
      .some((workflow) => workflowRoutesToAi(workflow.configuration, aiQueues, aiWorkerSids));
  } catch {
    return true;
  }
}

const KEPT_FOR_CONVERSATIONS =
  'Kept while the AI holds conversations: without it they would go unanswered. ' +
  'Undo again once they have ended; the rest is restored.';
const KEPT_FOR_WORKFLOW =
  'Kept while the workflow could not be put back: it still routes chats to the AI, which would go ' +
  'unanswered without this. Undo again once the workflow is restored (or its AI filter removed in the Console).';

function kept(backup: Backup, timers: Pick<BridgeConfig, 'timerWorkspaceSid'>, detail: string): StepReport {
  return { id: stepIdOf(backup, timers), title: `Undo: ${describeResource(backup)}`, status: 'skipped', detail };
}

async function undoResource(
  call: Call,
  { backup, afterRevision, notWritten, unknownAfter, workerRevisions }: ApplyBackup['resources'][number],
  configVersion: string | undefined,
  timers: Pick<BridgeConfig, 'timerWorkspaceSid'> & { pool?: readonly string[] },
): Promise<StepReport> {
  const pool = timers.pool ?? [];
  const what = describeResource(backup);
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: stepIdOf(backup, timers),
    title: `Undo: ${what}`,
    status,
    detail,
  });
  if (notWritten) return report('skipped', `Nothing to restore: that Apply could not write ${what}.`);
  try {
    const current = await readResource(call.twilio, backup);
    if (current === undefined) return report('skipped', `Not restored: ${what} is not in the account any more.`);
    // Backups stored before versions were left out of the revision carry the full one.
    const edited =
      afterRevision !== undefined && ![undoRevisionOf(current), revisionOf(current)].includes(afterRevision);
    // Apply's read-back failed: the resource as it is may be a later edit, and restoring it would lose it.
    if ((edited || unknownAfter) && isAsBackedUp(backup, current))
      return report('unchanged', 'Already as it was before that Apply.');
    const someGone = backup.kind === 'ai_workers' && (current as PoolWorkerState[]).some((worker) => worker.missing);
    // Workers are judged one by one (by whether each still serves, without their revisions).
    if (backup.kind === 'ai_workers' && (edited || someGone || unknownAfter))
      return undoWorkers(call, backup, current as PoolWorkerState[], pool, workerRevisions, report);
    if (unknownAfter)
      return report(
        'failed',
        `Not restored: how that Apply left ${what} is not known (reading it back failed), so an edit since ` +
          'cannot be told apart from it, and restoring it could lose that edit. Restore it by hand if you mean to.',
      );
    if (edited) {
      return report(
        'failed',
        `Not restored: ${what} changed after that Apply, and restoring it would lose that edit. ` +
          'Restore it by hand if you mean to.',
      );
    }
    await restoreResource(call.twilio, backup, configVersion);
    return report('applied', `Restored ${what} as it was before that Apply.`);
  } catch (error) {
    return report('failed', `Could not restore ${what}: ${failureReason(error)}`);
  }
}

async function undoWorkers(
  call: Call,
  backup: Extract<Backup, { kind: 'ai_workers' }>,
  read: PoolWorkerState[],
  pool: readonly string[],
  workerRevisions: Record<string, string> | undefined,
  report: (status: StepReport['status'], detail: string) => StepReport,
): Promise<StepReport> {
  const { restore, gone, left, edited } = workersUndo(backup, read, pool, workerRevisions);
  if (restore.workers.length > 0) await restoreResource(call.twilio, restore);
  const said = [
    ...(restore.workers.length > 0 ? [`Restored ${describeResource(restore)} as they were before that Apply.`] : []),
    ...(gone.length > 0 ? [`Not in the account any more: ${gone.join(', ')}.`] : []),
    ...(left.length > 0
      ? [`No longer in the AI pool (a smaller pool was saved), left as they are: ${left.join(', ')}.`]
      : []),
    ...(edited.length > 0
      ? [`Not restored, changed after that Apply: ${edited.join(', ')}. Restore them by hand if you mean to.`]
      : []),
  ];
  const status = edited.length > 0 ? 'failed' : restore.workers.length > 0 ? 'applied' : 'skipped';
  return report(status, said.join(' '));
}

function parseUninstallForm(event: Record<string, unknown>): { keepSyncData: boolean } {
  if (formText(event, 'confirm') !== 'uninstall')
    throw invalidInput(
      'confirm',
      'Uninstall removes the integration from this account: send confirm=uninstall to go ahead',
    );
  const keep = formText(event, 'keepSyncData');
  if (keep !== undefined && keep !== 'true' && keep !== 'false')
    throw invalidInput('keepSyncData', 'Expected true or false');
  return { keepSyncData: keep === 'true' };
}

/**
 * Removes what the integration added. New tasks stop going to the AI first (its filters, its
 * workers); while an AI worker still holds conversations, the webhooks, the timer workspace and
 * the Sync data stay so those conversations still end in a handoff: run it again later.
 */
export const uninstallSetup = (call: Call): Promise<Record<string, unknown>> =>
  withSetupLock(call, 'Uninstall', () => uninstall(call));

async function uninstall(call: Call): Promise<Record<string, unknown>> {
  const { keepSyncData } = parseUninstallForm(call.event);
  const config = await loadConfig(call);
  if (!config) {
    const steps = keepSyncData ? [] : [await removeSyncData(call)];
    return { steps, complete: steps.every((step) => step.status !== 'failed') };
  }
  const elsewhere = await servedByAnotherDeployment(call, config);
  if (elsewhere) {
    call.trace.complete = false;
    return { steps: [elsewhere], complete: false };
  }
  // The oldest for the workflows (as before the first Apply); both for the registrations, whose newest
  // backup not pointing here wins: beyond a thousand stored items each read leaves the other end out,
  // and an Apply that found a registration pointing here already backed nothing up.
  const backups = backupsOf(call);
  const [applies, newest] = await Promise.all([backups.applies('oldest'), backups.applies('newest')]);
  const bothEnds = [...applies, ...newest];
  // Filters first: a workflow that still routes to the AI queue needs its workers, or new chats wait there for nobody.
  const removal = await removeFilters(call, config, applies);
  const filters = removal.steps;
  const keptWorkers = (detail: string): StepReport[] => [
    { id: 'ai_worker', title: 'AI workers', status: 'skipped', detail },
  ];
  const workers = filters.some((step) => step.status === 'failed')
    ? keptWorkers('Kept: the workflow still routes conversations to them. Run uninstall again.')
    : removal.stillToAi.length > 0
      ? keptWorkers(
          `Kept, serving: ${removal.stillToAi.join('; ')} still route${removal.stillToAi.length === 1 ? 's' : ''} ` +
            'tasks to the AI, which would wait there for nobody without them (see Workflow filters). ' +
            'Run uninstall again once no filter of yours routes to the AI.',
        )
      : await removeAiWorkers(call, config);
  // A worker that could not be removed may still hold conversations; filters that stay may route new ones to it.
  const busy =
    workers.some((step) => step.status === 'skipped' || step.status === 'failed') ||
    filters.some((step) => step.status === 'failed' || step.status === 'skipped');
  const kept = (id: CheckId, title: string): StepReport => ({
    id,
    title,
    status: 'skipped',
    detail:
      'Kept while AI workers may still hold conversations or a workflow still routes to them (or a step above ' +
      'failed), so those conversations still end in a handoff. Run uninstall again once they are done.',
  });
  if (busy) {
    const steps = [
      ...filters,
      ...workers,
      kept('workspace_events', 'TaskRouter event callback'),
      kept('conversations_webhook', 'Conversations webhook'),
      kept('timer_workspace', 'Watchdog timer workspace'),
      kept('config', 'OpenCX data in Sync'),
    ];
    call.trace.complete = false;
    return { steps, complete: false };
  }
  const registrations = await Promise.all([
    restoreRegistration(call, 'workspace_events', 'TaskRouter event callback', bothEnds, {
      kind: 'workspace_callback',
      workspaceSid: config.workspaceSid,
      eventCallbackUrl: null,
      eventsFilter: null,
    }),
    restoreRegistration(call, 'conversations_webhook', 'Conversations webhook', bothEnds, {
      kind: 'conversations_webhook',
      serviceSid: config.conversationsServiceSid,
      postWebhookUrl: null,
      method: null,
      filters: [],
    }),
    removeTimerWorkspace(call, config),
    removeCreatedAiQueue(call, config, bothEnds),
  ]);
  const steps = [...filters, ...workers, ...registrations];
  // The Sync data goes last: a failure above leaves the settings for the next attempt.
  if (!keepSyncData && steps.every((step) => step.status !== 'failed')) steps.push(await removeSyncData(call));
  const complete = steps.every((step) => step.status !== 'failed' && step.status !== 'skipped');
  call.trace.complete = complete;
  return { steps, complete };
}

/**
 * The workspace's events or the Conversations webhook go to another deployment of this integration
 * (the same webhook Function elsewhere: another environment sharing the account). It uses the AI
 * workers, filters and timers Uninstall would remove: nothing is removed, and the admin is told why.
 */
async function servedByAnotherDeployment(call: Call, config: BridgeConfig): Promise<StepReport | undefined> {
  const webhookUrl = webhookUrlOf(call);
  const registrations = [
    {
      id: 'workspace_events' as const,
      title: 'TaskRouter event callback',
      backup: {
        kind: 'workspace_callback',
        workspaceSid: config.workspaceSid,
        eventCallbackUrl: null,
        eventsFilter: null,
      },
    },
    {
      id: 'conversations_webhook' as const,
      title: 'Conversations webhook',
      backup: {
        kind: 'conversations_webhook',
        serviceSid: config.conversationsServiceSid,
        postWebhookUrl: null,
        method: null,
        filters: [],
      },
    },
  ] satisfies { id: CheckId; title: string; backup: Backup }[];
  for (const { id, title, backup } of registrations) {
    let current: { eventCallbackUrl?: string | null; postWebhookUrl?: string | null } | undefined;
    try {
      current = (await readResource(call.twilio, backup)) as typeof current;
    } catch (error) {
      const reason = failureReason(error);
      return { id, title, status: 'failed', detail: `Could not read where it goes (${reason}): nothing was removed.` };
    }
    const url = current?.eventCallbackUrl ?? current?.postWebhookUrl ?? null;
    if (anotherDeployment(url, webhookUrl))
      return {
        id,
        title,
        status: 'failed',
        detail:
          `It goes to another deployment of this integration (${withoutConfigVersion(url)}), which still uses ` +
          'the AI workers, workflow filters and timers Uninstall removes: nothing was removed. Uninstall from that ' +
          'deployment; if it is gone, clear this URL in the Console and run Uninstall again here.',
      };
  }
  return undefined;
}

/**
 * The AI queue Apply created (recorded in the settings), never a
 * queue of the admin's; the filters targeting it are gone by now.
 */
async function removeCreatedAiQueue(
  call: Call,
  config: BridgeConfig,
  applies: readonly ApplyBackup[],
): Promise<StepReport> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: 'ai_queue',
    title: 'AI queue',
    status,
    detail,
  });
  try {
    const state = new BridgeState(call.twilio.sync, syncServiceSid(call.context));
    // An Apply that created the queue but could not note it in the settings: found as Undo finds it.
    const created = applies.some((apply) => apply.resources.some((r) => r.backup.kind === 'ai_queue'));
    const sid =
      (await state.storedConfig()).aiQueueCreatedSid ??
      (created ? (await createdAiQueue(call.twilio, config.workspaceSid))?.sid : undefined);
    if (!sid) return report('unchanged', 'The integration created no AI queue.');
    const outcome = await call.twilio.taskrouter.deleteTaskQueue(config.workspaceSid, sid);
    if (outcome === 'busy')
      return report('failed', `TaskRouter refused to delete the AI queue ${sid}: tasks or a workflow still use it.`);
    // Settings kept for a later install must not name a queue that is gone: the next save would be refused.
    const forgotten = await state.forgetCreatedAiQueue(sid).then(
      () => undefined,
      (error: unknown) => failureReason(error),
    );
    if (forgotten)
      return report(
        'failed',
        `The AI queue ${sid} is deleted but the settings still name it: ${forgotten}. ` +
          'Clear the AI queue in the settings.',
      );
    return report(
      outcome === 'gone' ? 'unchanged' : 'applied',
      outcome === 'gone'
        ? `The AI queue ${sid} was already deleted.`
        : `Deleted the AI queue ${sid} the integration created.`,
    );
  } catch (error) {
    return report('failed', `Could not delete the AI queue: ${failureReason(error)}`);
  }
}

type Backup = ApplyBackup['resources'][number]['backup'];

/** The oldest backup of a resource: what it was before the integration first wrote it. */
function firstBackup(applies: readonly ApplyBackup[], like: Backup): Backup | undefined {
  const key = resourceKey(like);
  return applies.flatMap((apply) => apply.resources.map((r) => r.backup)).find((backup) => resourceKey(backup) === key);
}

/**
 * What a registration was the last time Apply took it over: its newest backup that does not point
 * here. The admin may have changed it since an earlier Apply (another vendor, or removed it).
 */
function lastBackupBefore(applies: readonly ApplyBackup[], like: Backup, webhookUrl: string): Backup | undefined {
  const key = resourceKey(like);
  return applies
    .flatMap((apply) => apply.resources.map((r) => r.backup))
    .filter((backup) => resourceKey(backup) === key && !pointsHere(backupUrl(backup), webhookUrl))
    .at(-1);
}

/** Uninstall's workflow steps, and the admin's filters that still route to the AI. */
interface FilterRemoval {
  steps: StepReport[];
  /** `"filter" in workflow "name"`, for each filter of the admin's (or default filter) routing to the AI. */
  stillToAi: string[];
}

/**
 * Each workflow without the filters the integration added; byte-equal to the first backup when
 * that is all Apply changed. A filter of the admin's that still routes to the AI (read as the
 * check reads it) is never removed: its workflow keeps the integration's handedOff filter (else a
 * handed-off task would match the admin's filter again and go back to the AI), and its step is
 * skipped, saying what the admin must do.
 */
async function removeFilters(
  call: Call,
  config: BridgeConfig,
  applies: readonly ApplyBackup[],
): Promise<FilterRemoval> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: 'workflow_filters',
    title: 'Workflow filters',
    status,
    detail,
  });
  try {
    const { workflows, aiQueues, aiWorkerSids } = await aiRoutingOf(call, config);
    const plans = workflows
      .map((workflow) => ({
        workflow,
        plan: workflowWithoutIntegration(workflow.configuration, aiQueues, aiWorkerSids),
      }))
      .filter(({ plan }) => plan.changed || plan.keptHandoff || plan.stillToAi.length > 0);
    const stillToAi = plans.flatMap(({ workflow, plan }) =>
      plan.stillToAi.map((filter) => `${filter} in workflow "${workflow.friendlyName}"`),
    );
    if (plans.length === 0)
      return { steps: [report('unchanged', 'No workflow has a filter the integration added.')], stillToAi };
    const steps = await Promise.all(
      plans.map(async ({ workflow, plan }): Promise<StepReport> => {
        const name = `workflow "${workflow.friendlyName}"`;
        try {
          if (plan.changed) await writeWorkflow(call, config, applies, workflow.sid, plan.configuration);
        } catch (error) {
          return report('failed', `Could not change ${name}: ${failureReason(error)}`);
        }
        if (plan.stillToAi.length === 0)
          return report('applied', `Removed the integration's filters from ${name}; its other filters are kept.`);
        const [filters, many] = [plan.stillToAi.join(', '), plan.stillToAi.length > 1];
        const done = plan.changed ? `Removed the integration's AI filter from ${name}. ` : '';
        const kept = plan.keptHandoff
          ? ` ${plan.keptHandoff} stays above ${many ? 'them' : 'it'}, so handed-off tasks still go to humans.`
          : '';
        return report(
          'skipped',
          `${done}In ${name}, ${filters} of yours still route${many ? '' : 's'} tasks to the AI, so the AI ` +
            `workers stay.${kept} In TaskRouter → Workflows → "${workflow.friendlyName}", point ${filters} at a ` +
            `human queue (or remove ${many ? 'them' : 'it'}), then run uninstall again.`,
        );
      }),
    );
    return { steps, stillToAi };
  } catch (error) {
    return { steps: [report('failed', `Could not read the workflows: ${failureReason(error)}`)], stillToAi: [] };
  }
}

/** The workflow as Uninstall leaves it; the first backup's text byte for byte when that is what it comes to. */
async function writeWorkflow(
  call: Call,
  config: BridgeConfig,
  applies: readonly ApplyBackup[],
  workflowSid: string,
  configuration: Record<string, unknown>,
): Promise<void> {
  const { taskrouter } = call.twilio;
  const first = firstBackup(applies, {
    kind: 'workflow',
    workspaceSid: config.workspaceSid,
    workflowSid,
    configuration: '',
  });
  // Chats waiting in the AI's queue are routed again: no AI worker will take them once uninstalled.
  if (first?.kind === 'workflow' && revisionOf(JSON.parse(first.configuration)) === revisionOf(configuration)) {
    await taskrouter.setWorkflowConfigurationText(
      config.workspaceSid,
      workflowSid,
      first.configuration,
      'waiting-tasks-too',
    );
  } else {
    await taskrouter.setWorkflowConfiguration(config.workspaceSid, workflowSid, configuration, 'waiting-tasks-too');
  }
}

/**
 * Closes each AI worker to new tasks, then deletes it if it holds none, by its channels and its
 * reservations read once closed; one that does is reported. TaskRouter would delete a worker with
 * pending reservations (the AI's conversations) and route those tasks on without the handoff context,
 * so a held task keeps the worker. The AI workers left in workspaces the settings named before go too.
 */
async function removeAiWorkers(call: Call, config: BridgeConfig): Promise<StepReport[]> {
  const { taskrouter } = call.twilio;
  const former = await formerWorkspaces(call, config);
  const webhookUrl = webhookUrlOf(call);
  // A workspace left since that another deployment serves now: the AI workers there are its own.
  const formerSteps = await Promise.all(
    former.map(async (workspaceSid): Promise<StepReport | undefined> => {
      const title = `AI workers in workspace ${workspaceSid}`;
      try {
        const taken = await takenByAnotherDeployment(taskrouter, workspaceSid, webhookUrl);
        if (!taken) return undefined;
        const detail =
          `Its events go to another deployment of this integration (${withoutConfigVersion(taken)}), ` +
          'whose AI workers they are: left as they are.';
        return { id: 'ai_worker', title, status: 'unchanged', detail };
      } catch (error) {
        const detail =
          `Could not read where its events go (${failureReason(error)}): nothing was removed there. ` +
          'Run uninstall again.';
        return { id: 'ai_worker', title, status: 'failed', detail };
      }
    }),
  );
  const workspaces = [
    { workspaceSid: config.workspaceSid, named: aiWorkersOf(config) },
    ...former.filter((_, i) => !formerSteps[i]).map((workspaceSid) => ({ workspaceSid, named: [] })),
  ];
  // Also the AI workers the settings do not name: a save cut short after creating them left them.
  const retired = await Promise.all(
    workspaces.map(async ({ workspaceSid, named }) => ({
      workspaceSid,
      ...(await retireAiWorkers(taskrouter, workspaceSid, named)),
    })),
  );
  const left = formerSteps.filter((step) => step !== undefined);
  return [
    ...left,
    ...retired.flatMap(({ workspaceSid, workers, listingError }) => {
      const where = workspaceSid === config.workspaceSid ? '' : ` in workspace ${workspaceSid}`;
      const steps = workers.map((worker): StepReport => {
        const report = (status: StepReport['status'], detail: string): StepReport => ({
          id: 'ai_worker',
          title: `AI worker ${worker.sid}${where}`,
          status,
          detail,
        });
        if (worker.outcome === 'deleted') return report('applied', 'Deleted.');
        if (worker.outcome === 'gone') return report('unchanged', 'Already deleted.');
        if (worker.outcome === 'failed') return report('failed', `Could not delete it: ${failureReason(worker.error)}`);
        return report(
          'skipped',
          'It still holds conversations: its channels are closed so it takes no new one. ' +
            'Run uninstall again once they end.',
        );
      });
      // A listing that failed may hide one holding conversations: a failed step, so what they need stays.
      if (listingError === undefined) return steps;
      const failed: StepReport = {
        id: 'ai_worker',
        title: `AI workers${where}`,
        status: 'failed',
        detail:
          `Could not list the workers marked ${AI_WORKER_EXPRESSION}${where}: ${failureReason(listingError)}. ` +
          'One the settings do not name may still hold conversations. Run uninstall again.',
      };
      return [...steps, failed];
    }),
  ];
}

/** A registration pointing here goes back to what it was before the integration (removed when it was unset). */
async function restoreRegistration(
  call: Call,
  id: CheckId,
  title: string,
  applies: readonly ApplyBackup[],
  unset: Backup,
): Promise<StepReport> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({ id, title, status, detail });
  const webhookUrl = webhookUrlOf(call);
  try {
    const current = (await readResource(call.twilio, unset)) as
      | ({ eventCallbackUrl?: string | null } & Partial<ConversationsWebhook>)
      | undefined;
    const url = current?.eventCallbackUrl ?? current?.postWebhookUrl ?? null;
    if (!current || !pointsHere(url, webhookUrl))
      return report('unchanged', 'It does not point at this deployment; left as it is.');
    const last = lastBackupBefore(applies, unset, webhookUrl) ?? unset;
    const before =
      last.kind === 'conversations_webhook' ? conversationsWebhookRestore(last, current as ConversationsWebhook) : last;
    await restoreResource(call.twilio, before);
    const was = backupUrl(before);
    return report(
      'applied',
      [
        was
          ? `Restored to ${withoutConfigVersion(was)}, as it was before the integration.`
          : 'Removed; it was unset before the integration.',
        ...preWebhookKept(last, before),
      ].join(' '),
    );
  } catch (error) {
    return report('failed', `Could not restore it: ${failureReason(error)}`);
  }
}

/** What a restore of the Conversations webhook left as it was for the pre-event webhook added since. */
function preWebhookKept(backup: Backup, restored: Backup): string[] {
  if (backup.kind !== 'conversations_webhook' || restored.kind !== 'conversations_webhook') return [];
  const events = restored.filters.filter((event) => !backup.filters.includes(event));
  return [
    ...(events.length > 0 ? [`The pre-event webhook keeps its events: ${events.join(', ')}.`] : []),
    ...(backup.postWebhookUrl && (restored.method ?? 'POST') !== (backup.method ?? 'POST')
      ? [
          `The Method stays ${restored.method}, which the pre-event webhook uses: ` +
            `the restored webhook was called with ${backup.method ?? 'POST'} before.`,
        ]
      : []),
  ];
}

const backupUrl = (backup: Backup): string | null =>
  backup.kind === 'workspace_callback'
    ? backup.eventCallbackUrl
    : backup.kind === 'conversations_webhook'
      ? backup.postWebhookUrl
      : null;

async function removeTimerWorkspace(call: Call, config: BridgeConfig): Promise<StepReport> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: 'timer_workspace',
    title: 'Watchdog timer workspace',
    status,
    detail,
  });
  if (!config.timerWorkspaceSid) return report('unchanged', 'There is none.');
  try {
    // Adopted by its name, it may be another deployment's (another environment on this account):
    // deleting it would delete that deployment's timers.
    const callback = await call.twilio.taskrouter.fetchWorkspaceCallback(config.timerWorkspaceSid);
    const url = callback?.eventCallbackUrl ?? null;
    const webhookUrl = webhookUrlOf(call);
    if (anotherDeployment(url, webhookUrl))
      return report(
        'skipped',
        `Its timers go to another deployment of this integration (${withoutConfigVersion(url)}), which uses it: ` +
          'left in place.',
      );
    const outcome = await call.twilio.taskrouter.deleteWorkspace(config.timerWorkspaceSid);
    return outcome === 'deleted'
      ? report('applied', `Deleted workspace ${config.timerWorkspaceSid} with its timers.`)
      : report('unchanged', 'Already deleted.');
  } catch (error) {
    return report('failed', `Could not delete workspace ${config.timerWorkspaceSid}: ${failureReason(error)}`);
  }
}

/**
 * Every document and map of the integration (named `opencx_…`) in its Sync service, the settings
 * last; the setup lock stays until this Uninstall releases it.
 */
async function removeSyncData(call: Call): Promise<StepReport> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: 'config',
    title: 'OpenCX data in Sync',
    status,
    detail,
  });
  const { sync } = call.twilio;
  const service = syncServiceSid(call.context);
  try {
    const ours = (name: string) => name.startsWith('opencx_');
    const [documents, maps] = await Promise.all([sync.listDocumentNames(service), sync.listMapNames(service)]);
    const others = [
      ...documents
        .filter(ours)
        .filter((name) => name !== CONFIG_DOCUMENT && name !== SETUP_LOCK_DOCUMENT)
        .map((name) => () => sync.deleteDocument(service, name)),
      ...maps.filter(ours).map((name) => () => sync.deleteMap(service, name)),
    ];
    await inBatches(others, 10);
    await sync.deleteDocument(service, CONFIG_DOCUMENT);
    return report('applied', `Deleted the settings and ${others.length} other Sync objects of the integration.`);
  } catch (error) {
    return report('failed', `Could not delete all of it: ${failureReason(error)}. Run uninstall again.`);
  }
}

async function inBatches(tasks: readonly (() => Promise<unknown>)[], size: number): Promise<void> {
  for (let i = 0; i < tasks.length; i += size) await Promise.all(tasks.slice(i, i + size).map((task) => task()));
}
