// Apply's steps and their runner. Each step reads its resource, refuses it when it changed since
// the admin's check, decides (the pure decisions in webhooks.ts and workflow.ts), stores a backup
// and writes. Steps of one stage run in parallel; a stage starts when the one before has ended.
import { anotherDeployment, type BridgeConfig, withoutConfigVersion } from '../../common/config';
import { mayHaveBeenProcessed } from '../../common/twilio/base';
import type { ConversationsWebhook, TaskRouterApi, TwilioApis, WorkspaceCallback } from '../../common/twilio';
import { TIMER_EVENTS } from '../timer-workspace';
import {
  failureReason,
  MadeThenFailedError,
  type Revisions,
  type ResourceBackup,
  revisionOf,
  type SettledStep,
  type SetupStep,
  type StepPlan,
  type StepReport,
} from './steps';
import {
  conversationsWebhookUpdate,
  preWebhookMethodVerdict,
  preWebhookOnOtherMethod,
  workspaceCallbackUpdate,
} from './webhooks';
import { aiUnroutedAfterApply, type RoutingFacts } from './workflow';
import { type AiRoutingDeps, aiQueueStep, workflowFiltersStep } from './ai-routing-steps';
import { aiWorkerStep } from './ai-worker-step';

/** What the standard steps need to know. */
export interface ApplyPlanInput {
  twilio: TwilioApis;
  workspaceSid: string;
  conversationsServiceSid: string;
  timerWorkspaceSid?: string;
  /** This deployment's webhook with the saved config version. */
  webhookUrl: string;
  replaceCallbackUrl: boolean;
  routing: RoutingFacts;
  humanQueueSid?: string;
  config: BridgeConfig;
  /** Notes the AI queue Apply created in the settings. */
  recordCreatedQueue(queueSid: string): Promise<void>;
  /** TaskRouter for what is settled after the last stage, within a budget the stages could not use up. */
  settlingTaskrouter?: () => TaskRouterApi;
}

/**
 * Stores a backup before its step writes; resolves, once stored, to what to call after the write:
 * `true` once written, `false` when the write certainly did not happen (Undo then leaves it alone),
 * `'undone'` when the step's settle took all of it back (the backup is forgotten: nothing to undo).
 */
export type BackupWriter = (backup: ResourceBackup) => Promise<(written: boolean | 'undone') => Promise<void>>;

/** Why Apply leaves a registration of another deployment alone, confirmed or not. */
const ANOTHER_DEPLOYMENT = (url: string): string =>
  `another deployment of this integration (${withoutConfigVersion(url)}), which serves this account's ` +
  'conversations with its own AI workers: left to it. Uninstall that deployment first; if it is gone, ' +
  'clear this URL in the Twilio Console and apply setup again.';

const write = (detail: string, backup: ResourceBackup, run: () => Promise<void>): StepPlan => ({
  kind: 'write',
  detail,
  backup,
  write: run,
});
const unchanged = (detail: string): StepPlan => ({ kind: 'unchanged', detail });
const skipped = (detail: string): StepPlan => ({ kind: 'skipped', detail });

function workspaceCallbackStep(
  input: ApplyPlanInput,
  id: 'workspace_events' | 'timer_workspace',
  title: string,
  workspaceSid: string,
  required?: readonly string[],
): SetupStep<WorkspaceCallback> {
  const { twilio, webhookUrl, replaceCallbackUrl } = input;
  return {
    id,
    title,
    read: () => twilio.taskrouter.fetchWorkspaceCallback(workspaceSid),
    plan(current) {
      if (!current) return skipped(`Workspace ${workspaceSid} is not in this Twilio account.`);
      // Each deployment has a timer workspace of its own: taking another's would stop its timers.
      if (id === 'timer_workspace' && anotherDeployment(current.eventCallbackUrl, webhookUrl))
        return skipped(
          'Its timers go to another deployment of this integration ' +
            `(${withoutConfigVersion(current.eventCallbackUrl)}): left to it. ` +
            'Test & Save the settings again to make this deployment a timer workspace of its own.',
        );
      // Even confirmed: that deployment's AI workers would keep taking chats nobody there hears of.
      if (anotherDeployment(current.eventCallbackUrl, webhookUrl))
        return skipped(`The events go to ${ANOTHER_DEPLOYMENT(current.eventCallbackUrl)}`);
      const update = workspaceCallbackUpdate(current, webhookUrl, replaceCallbackUrl, required);
      if (!update) {
        return current.eventCallbackUrl &&
          withoutConfigVersion(current.eventCallbackUrl) !== withoutConfigVersion(webhookUrl)
          ? skipped(`The event callback goes to ${current.eventCallbackUrl}; it is replaced only when you confirm it.`)
          : unchanged('The event callback already points here with every event the bridge needs.');
      }
      const backup: ResourceBackup = {
        kind: 'workspace_callback',
        workspaceSid,
        eventCallbackUrl: current.eventCallbackUrl,
        eventsFilter: current.eventsFilter,
      };
      return write(
        `Event callback set to ${withoutConfigVersion(update.eventCallbackUrl)} for ` +
          `${update.eventsFilter.split(',').join(', ')}.`,
        backup,
        () => twilio.taskrouter.setWorkspaceCallback(workspaceSid, update),
      );
    },
  };
}

function conversationsWebhookStep(input: ApplyPlanInput): SetupStep<ConversationsWebhook> {
  const { twilio, conversationsServiceSid: serviceSid, webhookUrl, replaceCallbackUrl } = input;
  return {
    id: 'conversations_webhook',
    title: 'Conversations webhook',
    read: () => twilio.conversations.fetchWebhook(serviceSid),
    plan(current) {
      if (!current) return skipped(`Conversations service ${serviceSid} is not in this Twilio account.`);
      if (preWebhookOnOtherMethod(current)) {
        const { detail, fix } = preWebhookMethodVerdict(serviceSid, current, webhookUrl);
        return skipped(`Not written. ${detail} ${fix}`);
      }
      if (anotherDeployment(current.postWebhookUrl, webhookUrl))
        return skipped(`The post-event webhook goes to ${ANOTHER_DEPLOYMENT(current.postWebhookUrl)}`);
      const update = conversationsWebhookUpdate(current, webhookUrl, replaceCallbackUrl);
      if (!update) {
        return current.postWebhookUrl &&
          withoutConfigVersion(current.postWebhookUrl) !== withoutConfigVersion(webhookUrl)
          ? skipped(
              `The post-event webhook goes to ${current.postWebhookUrl}; it is replaced only when you confirm it.`,
            )
          : unchanged('The post-event webhook already points here with every event the bridge needs.');
      }
      const backup: ResourceBackup = {
        kind: 'conversations_webhook',
        serviceSid,
        postWebhookUrl: current.postWebhookUrl,
        method: current.method,
        filters: current.filters,
        preWebhookUrl: current.preWebhookUrl ?? null,
      };
      return write(
        `Post-event webhook set to ${withoutConfigVersion(update.postWebhookUrl)} for ${update.filters.join(', ')}.`,
        backup,
        () => twilio.conversations.setWebhook(serviceSid, update),
      );
    },
  };
}

/**
 * Apply's steps, stage by stage: the webhooks are set before the AI workers are made Available, and the
 * AI queue exists before the workflow step writes a filter targeting it.
 */
export function applySteps(input: ApplyPlanInput): SetupStep[][] {
  const routing: AiRoutingDeps = {
    taskrouter: input.twilio.taskrouter,
    config: input.config,
    routing: input.routing,
    humanQueueSid: input.humanQueueSid,
    recordCreatedQueue: input.recordCreatedQueue,
  };
  return [
    [
      workspaceCallbackStep(input, 'workspace_events', 'TaskRouter event callback', input.workspaceSid),
      conversationsWebhookStep(input),
      ...(input.timerWorkspaceSid
        ? [
            workspaceCallbackStep(
              input,
              'timer_workspace',
              'Watchdog timer workspace',
              input.timerWorkspaceSid,
              TIMER_EVENTS,
            ),
          ]
        : []),
      aiQueueStep(routing),
    ] as SetupStep[],
    // Made Available only once the offers they get reach this deployment.
    [
      aiWorkerStep(
        input.twilio.taskrouter,
        input.config,
        (earlier) =>
          aiUnroutedAfterApply(
            input.routing,
            input.humanQueueSid,
            earlier.some((step) => step.id === 'ai_queue' && step.status === 'applied'),
          ),
        input.settlingTaskrouter,
      ),
    ] as SetupStep[],
    [workflowFiltersStep(routing)] as SetupStep[],
  ];
}

/** Each step's resource revision as it is now, for the check to hand to a later Apply. */
export async function readRevisions(stages: SetupStep[][]): Promise<Revisions> {
  const steps = stages.flat();
  const read = await Promise.all(
    steps.map((step) =>
      step.read().then(
        (resource) => revisionOf(resource ?? null),
        () => undefined,
      ),
    ),
  );
  return Object.fromEntries(steps.flatMap((step, i) => (read[i] === undefined ? [] : [[step.id, read[i]]])));
}

export { failureReason };

export const CHANGED_SINCE_CHECK = 'changed since the check';

/**
 * A step's report, and its backup's note of what the write left, to make once the step is settled
 * (`undone`: its settle took the whole write back).
 */
interface StepRun {
  report: StepReport;
  note: (undone?: boolean) => Promise<void>;
}

const NOTHING_TO_NOTE = async (): Promise<void> => undefined;

async function runStep(
  step: SetupStep,
  revisions: Revisions | undefined,
  saveBackup: BackupWriter,
  earlier: readonly StepReport[],
): Promise<StepRun> {
  const report = (status: StepReport['status'], detail: string): StepReport => ({
    id: step.id,
    title: step.title,
    status,
    detail,
  });
  const unwritten = (status: StepReport['status'], detail: string): StepRun => ({
    report: report(status, detail),
    note: NOTHING_TO_NOTE,
  });
  let plan: StepPlan;
  try {
    const current = await step.read();
    plan = step.plan(current, earlier);
    const seen = revisions?.[step.id];
    // Changed and now as wanted (a retried Apply whose first answer was lost): nothing to refuse.
    if (seen !== undefined && revisionOf(current ?? null) !== seen && plan.kind !== 'unchanged') {
      const why = 'someone edited it in the Console or another Apply ran';
      const detail = `Not written: it ${CHANGED_SINCE_CHECK} (${why}). Run the check again, then apply.`;
      return { report: { ...report('failed', detail), reason: 'changed_since_check' }, note: NOTHING_TO_NOTE };
    }
  } catch (error) {
    return unwritten('failed', `Could not read it: ${failureReason(error)}`);
  }
  if (plan.kind !== 'write') return unwritten(plan.kind, plan.detail);
  let written: (written: boolean | 'undone') => Promise<void>;
  try {
    written = await saveBackup(plan.backup);
  } catch (error) {
    return unwritten('failed', `Not written, because its backup could not be stored: ${failureReason(error)}`);
  }
  const noted =
    (made: boolean) =>
    (undone = false) =>
      written(undone ? 'undone' : made).catch(() => undefined);
  try {
    await plan.write();
  } catch (error) {
    // A write Twilio refused changed nothing: Undo must not put back over a later edit of the admin's.
    if (error instanceof MadeThenFailedError)
      return { report: report('failed', `${error.message}. Undo removes what was made.`), note: noted(true) };
    // A write that may have landed is read back: the revision it left, or the backup's if it did not land.
    return {
      report: report(
        'failed',
        `Could not write it: ${failureReason(error)}. Its backup is kept; nothing else depends on it.`,
      ),
      note: noted(mayHaveBeenProcessed(error)),
    };
  }
  return { report: report('applied', plan.doneDetail?.() ?? plan.detail), note: noted(true) };
}

/**
 * Runs every stage in order and reports every step, failed ones included. A step with `settle` is
 * settled once the last stage has ended, in stage order, before its backup's note is made (or the
 * backup forgotten, when the settle took the whole write back).
 */
export async function runSteps(
  stages: SetupStep[][],
  revisions: Revisions | undefined,
  saveBackup: BackupWriter,
): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const unsettled: { index: number; step: SetupStep; note: StepRun['note'] }[] = [];
  for (const stage of stages) {
    const earlier = [...reports];
    const runs = await Promise.all(
      stage.map(async (step) => {
        const run = await runStep(step, revisions, saveBackup, earlier);
        if (!step.settle) await run.note();
        return run;
      }),
    );
    runs.forEach((run, i) => {
      if (stage[i].settle) unsettled.push({ index: reports.length, step: stage[i], note: run.note });
      reports.push(run.report);
    });
  }
  for (const { index, step, note } of unsettled) {
    const own = reports[index];
    const settled = await step.settle!(own, [...reports]).catch(
      (error: unknown): SettledStep => ({
        report: {
          ...own,
          status: 'failed',
          detail: `${own.detail} What the later steps left could not be settled: ${failureReason(error)}`,
        },
        undone: false,
      }),
    );
    reports[index] = settled.report;
    await note(settled.undone);
  }
  return reports;
}
