// What the setup command line prints and the exit status it ends with, from an operation's answer.
import type { Check } from '../../functions/admin-lib/setup/check';
import type { StepReport } from '../../functions/admin-lib/setup/steps';
import type { Command } from './options';

/** The answers of checkSetup, applySetup, undoSetup and uninstallSetup, as far as the CLI reads them. */
export interface SetupAnswer {
  checks?: Check[];
  steps?: StepReport[];
  backupId?: string;
  restored?: { backupId: string; at: string; by: string };
  complete?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_NOT_OK = 1;
export const EXIT_ERROR = 2;
/** Nothing was wrong with the request: another setup change held the lock, or Twilio failed for a while. */
export const EXIT_TRY_AGAIN = 3;

/**
 * 0 when everything is OK: the check found no problem; no step failed (and apply left no problem,
 * uninstall, or an undo that restored an apply, left nothing behind).
 */
export function exitStatus(command: Command, answer: SetupAnswer): number {
  if (command === 'check') return (answer.checks ?? []).some((c) => c.status === 'problem') ? EXIT_NOT_OK : EXIT_OK;
  const steps = answer.steps ?? [];
  const failed = steps.some((s) => s.status === 'failed');
  const incomplete =
    (command === 'uninstall' && answer.complete !== true) ||
    (command === 'undo' && answer.restored !== undefined && answer.complete === false) ||
    (command === 'apply' && !setUpAfterApply(answer));
  return failed || incomplete ? EXIT_NOT_OK : EXIT_OK;
}

/**
 * A skipped step (a URL elsewhere without --replace-callback-url, no --human-queue) leaves the setup
 * unfinished: automation running apply must not go on as if it were done. The checks after the writes
 * say so, by the problems apply fixes (with an option, if it needs one); without them (they could not
 * run), a skipped step does. A problem only the admin or traffic settles (no signing secret yet, a
 * busy hour's rate limit) is the check's to report, not apply's.
 */
function setUpAfterApply(answer: SetupAnswer): boolean {
  if (answer.checks) return !answer.checks.some((c) => c.status === 'problem' && c.autoFixable);
  return !(answer.steps ?? []).some((s) => s.status === 'skipped');
}

/** The options that let apply fix a check the admin must decide on. */
const CONFIRM_OPTION: Record<NonNullable<Check['confirm']>, string> = { replaceCallbackUrl: '--replace-callback-url' };
const NEEDS_OPTION: Record<NonNullable<Check['needs']>, string> = { humanQueueSid: '--human-queue WQ…' };

function checkLines(check: Check): string[] {
  const lines = [`[${check.status}] ${check.title}`, `    ${check.detail}`];
  if (check.fix) lines.push(`    Fix: ${check.fix}`);
  if (check.status !== 'ok' && check.autoFixable) {
    const option = check.confirm ? CONFIRM_OPTION[check.confirm] : check.needs ? NEEDS_OPTION[check.needs] : undefined;
    lines.push(option ? `    apply fixes this with ${option}` : '    apply fixes this');
  }
  return lines;
}

const stepLines = (step: StepReport): string[] => [`[${step.status}] ${step.title}`, `    ${step.detail}`];

/** Entries one after another, a blank line between them. */
const entries = <T>(items: readonly T[], lines: (item: T) => string[]): string[] =>
  items.flatMap((item, i) => [...(i ? [''] : []), ...lines(item)]);

/** Statuses that read as nouns in a tally ("2 problems"); the others are adjectives ("2 applied"). */
const NOUNS = new Set(['problem', 'warning']);

function tally<T>(items: readonly T[], statusOf: (item: T) => string, order: readonly string[]): string {
  const counts = order
    .map((status) => [status, items.filter((item) => statusOf(item) === status).length] as const)
    .filter(([, n]) => n > 0);
  return counts.length
    ? counts.map(([status, n]) => `${n} ${n > 1 && NOUNS.has(status) ? `${status}s` : status}`).join(', ')
    : 'none';
}

function checksSection(heading: string, checks: readonly Check[]): string[] {
  return [
    `${heading}: ${tally(checks, (c) => c.status, ['problem', 'warning', 'ok'])}`,
    '',
    ...entries(checks, checkLines),
  ];
}

function stepsSection(heading: string, steps: readonly StepReport[]): string[] {
  return [
    `${heading}: ${tally(steps, (s) => s.status, ['failed', 'applied', 'unchanged', 'skipped'])}`,
    '',
    ...entries(steps, stepLines),
  ];
}

/** The readable report of an answer, for an admin at a terminal. */
export function formatReport(command: Command, answer: SetupAnswer): string {
  const sections: string[][] = [];
  if (command === 'undo' && !answer.restored) sections.push(['Nothing to undo: no apply has been backed up.']);
  if (answer.restored)
    sections.push([
      answer.complete === false
        ? `Undo of the backup ${answer.restored.backupId} of ${answer.restored.at} (by ${answer.restored.by}) ` +
          'is not complete: what it kept, and why, is in the steps below.'
        : `Restored the backup ${answer.restored.backupId} of ${answer.restored.at} (by ${answer.restored.by}).`,
    ]);
  if (answer.steps?.length) sections.push(stepsSection(`${command} steps`, answer.steps));
  if (answer.backupId) sections.push([`Backup ${answer.backupId}: undo puts back what this apply changed.`]);
  if (command === 'uninstall')
    sections.push([
      answer.complete ? 'Uninstall complete.' : 'Uninstall is not complete: run it again later (see the steps above).',
    ]);
  if (answer.checks)
    sections.push(checksSection(command === 'check' ? 'Setup check' : `Setup check after ${command}`, answer.checks));
  return sections.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}
