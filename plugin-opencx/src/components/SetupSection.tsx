// "Twilio setup": the setup doctor's checks, "Apply fixes" for those the Functions can fix,
// "Undo last apply", and "Uninstall" behind a confirmation; each write shows its steps' reports.
import React, { useEffect, useRef, useState } from 'react';
import { Box } from '@twilio-paste/core/box';
import { Button } from '@twilio-paste/core/button';
import { Heading } from '@twilio-paste/core/heading';
import { ScreenReaderOnly } from '@twilio-paste/core/screen-reader-only';
import { Stack } from '@twilio-paste/core/stack';
import { Text } from '@twilio-paste/core/text';
import { useUID } from '@twilio-paste/core/uid-library';

import type {
  Failure,
  RestoredBackup,
  SettingsClient,
  SetupCheck,
  SetupRevisions,
  StepReport,
} from '../api/settingsClient';
import {
  isAutoFixable,
  NO_APPLY_SEEN,
  needsHumanQueue,
  needsReplaceConfirmation,
  QUEUE_SID,
  revisionsAfter,
} from '../domain/setup';
import { leftUnfinished } from '../api/functionsRequest';
import { absoluteTime } from '../domain/time';
import { format, strings } from '../strings';
import { OutcomeAlert } from './OutcomeAlert';
import { CodeField } from './SettingsFields';
import { checkBadge, ConsentCheckbox, SetupItem, SetupList, StepList } from './SetupItems';
import { UndoConfirmation, UninstallConfirmation } from './SetupConfirmations';
import { useFocusAfterBusy } from './useFocusAfterBusy';

export interface SetupSectionProps {
  client: SettingsClient;
  /** The signed-in admin's Flex token. */
  token: string;
  /** Each increase runs the check once (0: not yet). */
  checkRequest: number;
  /** Changes when the admin comes back to the view: checks shown are checked again, the setup may have changed. */
  visit?: number;
  /**
   * After an Apply, Undo or Uninstall that went through: they may have changed the stored settings (the AI
   * queue Apply created or Undo deleted, Uninstall's delete), which a form filled before would put back.
   */
  onSettingsChanged?: () => void;
  /** An Apply, Undo or Uninstall starts: until it answers, a read of the settings may already see its writes. */
  onSettingsChanging?: () => void;
  /** The one that started was refused before it wrote anything: a change seen since is not its. */
  onSettingsUnchanged?: () => void;
}

type Busy = 'check' | 'apply' | 'undo' | 'uninstall';
/**
 * `keepReport`: a check that follows a write leaves that write's report on screen. `background`: a check nobody
 * pressed a button for (after a load, a save, a return to the view), which leaves the keyboard focus alone.
 */
type RunOptions = { keepReport?: boolean; background?: boolean };
type Outcome = { kind: 'done' | 'warning' | 'failed'; message: string };
/** The steps the last Apply, Undo or Uninstall reported, under their list's label. */
type Report = { label: string; steps: StepReport[] };
/** The Apply Undo would undo: its backup, and when and by whom when the answer said. */
type Undoable = Pick<RestoredBackup, 'backupId'> & Partial<RestoredBackup>;

const BUSY_TEXT: Record<Busy, string> = {
  check: strings.setupChecking,
  apply: strings.setupApplying,
  undo: strings.setupUndoing,
  uninstall: strings.setupUninstalling,
};

const networkFailure = (kind: Busy): Failure => ({
  ok: false,
  error: {
    code: 'network_error',
    message: kind === 'check' ? strings.settingsNetworkError : strings.functionsUnreachableWrite,
  },
});

/** "All 9 checks pass", or how many need attention. */
function summaryOf(checks: readonly SetupCheck[]): string {
  const passed = checks.filter((c) => c.status === 'ok').length;
  return passed === checks.length
    ? format(strings.setupAllOk, { count: checks.length })
    : format(strings.setupNeedsAttention, { count: checks.length - passed, total: checks.length });
}

const APPLY_FAILED = { template: strings.setupApplyFailed, unfinished: strings.setupApplyUnfinished };

/** A write's failure in the admin's words: refused (nothing done), or unfinished (some of it may be). */
const failure = (error: Failure['error'], texts: { template: string; unfinished: string }): Outcome => ({
  kind: 'failed',
  message: format(leftUnfinished(error) ? texts.unfinished : texts.template, { message: error.message }),
});

function CheckItem({ check }: { check: SetupCheck }): JSX.Element {
  return (
    <SetupItem badge={checkBadge(check.status)} title={check.title} detail={check.detail} data-check={check.id}>
      {check.status !== 'ok' && check.fix ? (
        <Text as="p" margin="space0" marginTop="space20">
          <Text as="span" fontWeight="fontWeightSemibold">
            {strings.setupFixLabel}
          </Text>{' '}
          {check.fix}
        </Text>
      ) : null}
    </SetupItem>
  );
}

/** An error naming how many steps failed, whatever the others did; undefined when none did. */
function failedStepsOutcome(steps: readonly StepReport[], template: string): Outcome | undefined {
  const failed = steps.filter((step) => step.status === 'failed').length;
  return failed > 0 ? { kind: 'failed', message: format(template, { failed, total: steps.length }) } : undefined;
}

function appliedOutcome(steps: readonly StepReport[]): Outcome {
  const failed = failedStepsOutcome(steps, strings.setupApplyStepsFailed);
  if (failed) return failed;
  const titles = steps.filter((step) => step.status === 'applied').map((step) => step.title);
  const done =
    titles.length === 0 ? strings.setupAppliedNothing : format(strings.setupApplied, { list: titles.join(', ') });
  // A step left undone (a question not answered, a filter held back) is not a success to show in green.
  const skipped = steps.filter((step) => step.status === 'skipped').map((step) => step.title);
  if (skipped.length > 0)
    return { kind: 'warning', message: `${done} ${format(strings.setupAppliedSkipped, { list: skipped.join(', ') })}` };
  return { kind: 'done', message: done };
}

function undoneOutcome(
  steps: readonly StepReport[],
  restored: RestoredBackup | undefined,
  complete?: boolean,
): Outcome {
  const failed = failedStepsOutcome(steps, strings.setupUndoStepsFailed);
  if (failed) return failed;
  if (!restored) return { kind: 'done', message: strings.setupUndoNothing };
  if (complete === false) return { kind: 'warning', message: strings.setupUndoIncomplete };
  const when = new Date(restored.at);
  const at = Number.isNaN(when.getTime()) ? restored.at : absoluteTime(when);
  return {
    kind: 'done',
    message: format(restored.by ? strings.setupUndoneBy : strings.setupUndone, { at, by: restored.by }),
  };
}

function uninstalledOutcome(steps: readonly StepReport[], complete: boolean, keepSyncData: boolean): Outcome {
  const failed = failedStepsOutcome(steps, strings.setupUninstallStepsFailed);
  if (failed) return failed;
  if (!complete) return { kind: 'warning', message: strings.setupUninstallIncomplete };
  const sync = keepSyncData ? strings.setupUninstalledSyncKept : strings.setupUninstalledSyncDeleted;
  return { kind: 'done', message: `${strings.setupUninstalled} ${sync}` };
}

/** The setup doctor: "Check setup" lists what is wrong, "Apply fixes" fixes what the Functions can. */
export function SetupSection({
  client,
  token,
  checkRequest,
  visit = 0,
  onSettingsChanged,
  onSettingsChanging,
  onSettingsUnchanged,
}: SetupSectionProps): JSX.Element {
  const [checks, setChecks] = useState<SetupCheck[]>();
  const [busy, setBusy] = useState<Busy>();
  const [background, setBackground] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [report, setReport] = useState<Report>();
  // What a check the admin asked for found, for screen readers (the list shows it on screen).
  const [found, setFound] = useState<string>();
  const [confirmingUninstall, setConfirmingUninstall] = useState(false);
  /** Open, with the Apply it names (none seen: undefined): Undo undoes that one, whatever a check found since. */
  const [confirmingUndo, setConfirmingUndo] = useState<{ apply?: Undoable }>();
  // What the check saw, posted back by Apply so it refuses to overwrite a Console edit made since.
  const revisions = useRef<SetupRevisions>({});
  /** The Apply Undo would undo, as the last answer named it: Undo names it back, its confirmation when and by whom. */
  const undoable = useRef<Undoable>();
  const [humanQueueSid, setHumanQueueSid] = useState('');
  const [humanQueueError, setHumanQueueError] = useState<string>();
  const [replaceConfirmed, setReplaceConfirmed] = useState(false);
  const mounted = useRef(true);
  // Each button Paste disables while its action runs gets the keyboard focus back when it is done.
  // Not after a check in the background: the focus it finds on the page was never on Check setup.
  const checkButton = useFocusAfterBusy<HTMLButtonElement>(busy === 'check' && !background);
  // Once everything is fixed, Apply fixes is disabled: Check setup takes the focus.
  const applyButton = useFocusAfterBusy<HTMLButtonElement>(busy === 'apply', checkButton);
  const undoButton = useFocusAfterBusy<HTMLButtonElement>(busy === 'undo');
  const uninstallButton = useFocusAfterBusy<HTMLButtonElement>(busy === 'uninstall');
  // Only the newest request's answer is shown.
  const latest = useRef(0);
  // What runs now, and whether a check a settings save asked for waits for that write to finish.
  const running = useRef<Busy>();
  const checkAfterWrite = useRef(false);
  const humanQueueId = useUID();
  const headingId = useUID();

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function run<T extends { ok: true; checks?: SetupCheck[] }>(
    kind: Busy,
    call: () => Promise<T | Failure>,
    { keepReport = false, background: inBackground = false }: RunOptions = {},
  ): Promise<T | Failure | undefined> {
    const id = ++latest.current;
    running.current = kind;
    if (kind !== 'check') onSettingsChanging?.();
    setBackground(inBackground);
    setFound(undefined);
    setBusy(kind);
    if (!keepReport) {
      setOutcome(undefined);
      setReport(undefined);
    }
    setHumanQueueError(undefined);
    const result = await call().catch(() => networkFailure(kind));
    if (!mounted.current || id !== latest.current) return undefined;
    running.current = undefined;
    // The checks first (React 17 renders each update after an await on its own): the button whose busy
    // state ends finds itself enabled or not as the new checks leave it, before it takes the focus back.
    if (result.ok && result.checks) setChecks(result.checks);
    setBusy(undefined);
    // A write whose own check could not run: the checks on screen predate it, so check now.
    if (kind !== 'check' && result.ok && !result.checks && kind !== 'uninstall') checkAfterWrite.current = true;
    // One that may have been done, in part or whole, though it failed: so may the settings it changes. An Undo
    // refused for another Apply since: the check names the Apply to undo now.
    if (kind !== 'check' && !result.ok && (leftUnfinished(result.error) || result.error.code === 'setup_changed')) {
      checkAfterWrite.current = true;
      if (leftUnfinished(result.error)) onSettingsChanged?.();
    }
    if (kind !== 'check' && !result.ok && !leftUnfinished(result.error)) onSettingsUnchanged?.();
    if (kind !== 'check' && checkAfterWrite.current) {
      checkAfterWrite.current = false;
      void check({ keepReport: true });
    }
    return result;
  }

  /** Shows a write's steps, and its error when the request itself failed. */
  function showSteps(
    result: { ok: true; steps: StepReport[]; revisions?: SetupRevisions } | Failure,
    label: string,
    failed: { template: string; unfinished: string },
    outcomeOf: (steps: StepReport[]) => Outcome,
  ): void {
    if (!result.ok) {
      setOutcome(failure(result.error, failed));
      return;
    }
    revisions.current = revisionsAfter(revisions.current, result.steps, result.revisions ?? {});
    setReport({ label, steps: result.steps });
    setOutcome(outcomeOf(result.steps));
  }

  const check = async (options: RunOptions = {}): Promise<void> => {
    const result = await run('check', () => client.checkSetup(token), options);
    if (!result) return;
    if (result.ok) {
      revisions.current = result.revisions ?? {};
      undoable.current = result.undoable;
      if (!options.background && result.checks)
        setFound(format(strings.setupChecked, { summary: summaryOf(result.checks) }));
    } else setOutcome({ kind: 'failed', message: format(strings.setupCheckFailed, { message: result.error.message }) });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs per check request only, not when the token refreshes
  useEffect(() => {
    if (checkRequest <= 0) return;
    // A check now would hide what Apply, Undo or Uninstall is about to report.
    if (running.current && running.current !== 'check') checkAfterWrite.current = true;
    else void check({ background: true });
  }, [checkRequest]);

  // A write running reports, then checks, by itself; the report of the last one stays on screen.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each return to the view only
  useEffect(() => {
    if (visit > 0 && checks && !running.current) void check({ keepReport: true, background: true });
  }, [visit]);

  const askHumanQueue = checks?.some(needsHumanQueue) === true;
  const askReplace = checks?.some(needsReplaceConfirmation) === true;
  // A confirmation is for what the admin read: once a check no longer asks it, or asks it of another URL, it goes.
  const replaceAsked = checks
    ?.filter(needsReplaceConfirmation)
    .map((c) => `${c.id}\n${c.detail}`)
    .join('\n');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset whenever what is asked changes
  useEffect(() => setReplaceConfirmed(false), [replaceAsked]);
  const fixable = checks?.some(isAutoFixable) === true;

  const apply = async (): Promise<void> => {
    const queueSid = askHumanQueue ? humanQueueSid.trim() : '';
    if (queueSid && !QUEUE_SID.test(queueSid)) {
      setHumanQueueError(strings.setupHumanQueueInvalid);
      setOutcome({ kind: 'failed', message: strings.setupApplyFailedField });
      document.getElementById(humanQueueId)?.focus();
      return;
    }
    const result = await run('apply', () =>
      client.applySetup(token, {
        ...(queueSid ? { humanQueueSid: queueSid } : {}),
        ...(askReplace && replaceConfirmed ? { replaceCallbackUrl: true } : {}),
        revisions: revisions.current,
      }),
    );
    if (!result) return;
    if (result.ok) {
      // Functions that do not say which Apply Undo would undo now: this one when it kept a backup.
      undoable.current = result.undoable ?? (result.backupId ? { backupId: result.backupId } : undoable.current);
      // An Undo confirmation left open names this Apply now: the admin made it, here.
      setConfirmingUndo((open) => open && { apply: undoable.current });
      setReplaceConfirmed(false); // a confirmation is for one apply
      showSteps(result, strings.setupStepsApplyLabel, APPLY_FAILED, appliedOutcome);
      onSettingsChanged?.();
      return;
    }
    const { field, message } = result.error;
    if (field === 'humanQueueSid') {
      setHumanQueueError(message);
      document.getElementById(humanQueueId)?.focus();
    }
    setOutcome(
      field === 'humanQueueSid'
        ? { kind: 'failed', message: strings.setupApplyFailedField }
        : failure(result.error, APPLY_FAILED),
    );
  };

  const undo = async (shown: Undoable | undefined): Promise<void> => {
    setConfirmingUndo(undefined);
    // The Apply the confirmation named, or none: an Apply another admin made since is then not undone.
    const result = await run('undo', () => client.undoSetup(token, shown?.backupId ?? NO_APPLY_SEEN));
    if (!result) return;
    if (result.ok) undoable.current = result.undoable;
    const undoFailed = { template: strings.setupUndoFailed, unfinished: strings.setupUndoUnfinished };
    showSteps(result, strings.setupStepsUndoLabel, undoFailed, (steps) =>
      undoneOutcome(steps, result.ok ? result.restored : undefined, result.ok ? result.complete : undefined),
    );
    if (result.ok) onSettingsChanged?.();
  };

  const uninstall = async (keepSyncData: boolean): Promise<void> => {
    setConfirmingUninstall(false);
    const result = await run('uninstall', () => client.uninstallSetup(token, { keepSyncData }));
    if (!result) return;
    if (result.ok) {
      // The checks described what uninstall removed; the next check shows what is left.
      setChecks(undefined);
      revisions.current = {};
      undoable.current = undefined;
    }
    const uninstallFailed = { template: strings.setupUninstallFailed, unfinished: strings.setupUninstallUnfinished };
    showSteps(result, strings.setupStepsUninstallLabel, uninstallFailed, (steps) =>
      uninstalledOutcome(steps, result.ok && result.complete, keepSyncData),
    );
    if (result.ok) onSettingsChanged?.();
  };

  return (
    <Box
      as="section"
      aria-labelledby={headingId}
      marginTop="space120"
      paddingTop="space80"
      borderTopStyle="solid"
      borderTopWidth="borderWidth10"
      borderTopColor="colorBorderWeak"
    >
      <Heading as="h2" variant="heading30" id={headingId}>
        {strings.setupTitle}
      </Heading>
      <Text as="p" marginBottom="space60">
        {strings.setupIntro}
      </Text>

      <Stack orientation="vertical" spacing="space60">
        {/* First: Stack keys its children by position, and a question above that comes and goes with an
            action would mount the status region again, which a screen reader then does not announce. */}
        <OutcomeAlert outcome={outcome} />

        {/* Each block above the buttons is there even when empty: one coming or going would move the buttons
            to another position, which Stack mounts again, dropping the keyboard focus of the one pressed. */}
        <Box>
          {checks ? (
            <>
              <Text as="p" marginBottom="space30" fontWeight="fontWeightSemibold">
                {summaryOf(checks)}
              </Text>
              <SetupList label={strings.setupChecksLabel}>
                {checks.map((item) => (
                  <CheckItem key={item.id} check={item} />
                ))}
              </SetupList>
            </>
          ) : null}
        </Box>

        <Box>
          {askHumanQueue || humanQueueError ? (
            <CodeField
              id={humanQueueId}
              name="humanQueueSid"
              label={strings.setupHumanQueueLabel}
              help={strings.setupHumanQueueHelp}
              error={humanQueueError}
              placeholder="WQ…"
              value={humanQueueSid}
              onChange={(event) => setHumanQueueSid(event.target.value)}
            />
          ) : null}
        </Box>

        <Box>
          {askReplace ? (
            <ConsentCheckbox
              name="replaceCallbackUrl"
              checked={replaceConfirmed}
              onChange={setReplaceConfirmed}
              label={strings.setupReplaceUrl}
              help={strings.setupReplaceUrlHelp}
            />
          ) : null}
        </Box>

        <Box>
          {report ? (
            <StepList
              label={report.label}
              steps={report.steps}
              onCheckAgain={() => void check()}
              checkDisabled={busy !== undefined}
            />
          ) : null}
        </Box>

        <Box display="flex" alignItems="center" columnGap="space40" rowGap="space30" flexWrap="wrap">
          <Button
            ref={checkButton}
            variant="secondary"
            onClick={() => void check()}
            loading={busy === 'check'}
            disabled={busy !== undefined && busy !== 'check'}
          >
            {strings.setupCheck}
          </Button>
          <Button
            ref={applyButton}
            variant="primary"
            onClick={() => void apply()}
            loading={busy === 'apply'}
            disabled={(busy !== undefined && busy !== 'apply') || !fixable}
          >
            {strings.setupApply}
          </Button>
          <Button
            ref={undoButton}
            variant="secondary"
            onClick={() => {
              setConfirmingUninstall(false);
              setConfirmingUndo({ apply: undoable.current });
            }}
            loading={busy === 'undo'}
            disabled={busy !== undefined && busy !== 'undo'}
          >
            {strings.setupUndo}
          </Button>
          <Button
            ref={uninstallButton}
            variant="destructive_secondary"
            onClick={() => {
              setConfirmingUndo(undefined);
              setConfirmingUninstall(true);
            }}
            loading={busy === 'uninstall'}
            disabled={busy !== undefined && busy !== 'uninstall'}
          >
            {strings.setupUninstall}
          </Button>
          {/* Always there, so what it says is announced: what runs, then what a check the admin asked for found. */}
          <Box as="span" role="status">
            {busy ? (
              <Text as="span" color="colorTextWeak">
                {BUSY_TEXT[busy]}
              </Text>
            ) : found ? (
              <ScreenReaderOnly>{found}</ScreenReaderOnly>
            ) : null}
          </Box>
        </Box>

        {confirmingUndo ? (
          <UndoConfirmation
            apply={
              confirmingUndo.apply?.at ? { at: confirmingUndo.apply.at, by: confirmingUndo.apply.by ?? '' } : undefined
            }
            waiting={busy !== undefined}
            onConfirm={() => void undo(confirmingUndo.apply)}
            onCancel={() => {
              setConfirmingUndo(undefined);
              undoButton.current?.focus();
            }}
          />
        ) : null}
        {confirmingUninstall ? (
          <UninstallConfirmation
            waiting={busy !== undefined}
            onConfirm={(keepSyncData) => void uninstall(keepSyncData)}
            onCancel={() => {
              setConfirmingUninstall(false);
              uninstallButton.current?.focus();
            }}
          />
        ) : null}
      </Stack>
    </Box>
  );
}
