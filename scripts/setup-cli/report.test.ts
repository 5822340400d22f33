import type { Check } from '../../functions/admin-lib/setup/check';
import type { StepReport } from '../../functions/admin-lib/setup/steps';
import { exitStatus, formatReport } from './report';

const check = (id: Check['id'], status: Check['status'], extra: Partial<Check> = {}): Check => ({
  id,
  status,
  title: `${id} title`,
  detail: `${id} detail`,
  autoFixable: false,
  ...extra,
});
const step = (id: StepReport['id'], status: StepReport['status']): StepReport => ({
  id,
  status,
  title: `${id} step`,
  detail: `${id} ${status}`,
});

describe('exitStatus', () => {
  test('check: 1 when a check is a problem; warnings are OK', () => {
    expect(exitStatus('check', { checks: [check('config', 'ok'), check('opencx_webhook', 'warning')] })).toBe(0);
    expect(exitStatus('check', { checks: [check('config', 'ok'), check('workspace_events', 'problem')] })).toBe(1);
  });

  test('apply and undo: 1 when a step failed, whatever the checks say', () => {
    expect(
      exitStatus('apply', {
        steps: [step('workspace_events', 'applied'), step('conversations_webhook', 'failed')],
        checks: [check('conversations_webhook', 'ok')],
      }),
    ).toBe(1);
    expect(
      exitStatus('apply', { steps: [step('workspace_events', 'applied'), step('conversations_webhook', 'failed')] }),
    ).toBe(1);
    expect(exitStatus('undo', { steps: [] })).toBe(0);
    expect(exitStatus('undo', { steps: [step('workflow_filters', 'failed')] })).toBe(1);
  });

  test('apply: 1 while a problem is left (a step skipped for want of an option), 0 once none is', () => {
    const skipped = [step('workspace_events', 'skipped'), step('ai_queue', 'unchanged')];
    const needsOption = check('workspace_events', 'problem', { autoFixable: true, confirm: 'replaceCallbackUrl' });
    expect(exitStatus('apply', { steps: skipped, checks: [needsOption] })).toBe(1);
    expect(exitStatus('apply', { steps: skipped, checks: [{ ...needsOption, status: 'warning' }] })).toBe(0);
    // A problem apply cannot fix (the signing secret not pasted yet) is the check's exit status, not apply's.
    expect(exitStatus('apply', { steps: [], checks: [check('opencx_webhook', 'problem')] })).toBe(0);
    // The checks after the writes could not run: a skipped step is taken as a problem left.
    expect(exitStatus('apply', { steps: skipped })).toBe(1);
    expect(exitStatus('apply', { steps: [step('workspace_events', 'applied')] })).toBe(0);
  });

  test('undo: 1 when it restored an apply only in part', () => {
    const restored = { backupId: 'b1', at: '2025-01-01T00:00:00.000Z', by: 'cli:SK1' };
    expect(exitStatus('undo', { steps: [step('workspace_events', 'skipped')], restored, complete: false })).toBe(1);
    expect(exitStatus('undo', { steps: [step('workspace_events', 'applied')], restored, complete: true })).toBe(0);
    expect(
      formatReport('undo', { steps: [step('workspace_events', 'skipped')], restored, complete: false, checks: [] }),
    ).toMatch(/^Undo of the backup b1 of 2025-01-01T00:00:00.000Z \(by cli:SK1\) is not complete/);
  });

  test('uninstall: 1 unless complete with no failed step', () => {
    expect(exitStatus('uninstall', { steps: [step('ai_worker', 'applied')], complete: true })).toBe(0);
    expect(exitStatus('uninstall', { steps: [step('ai_worker', 'skipped')], complete: false })).toBe(1);
    expect(exitStatus('uninstall', { steps: [step('ai_worker', 'failed')], complete: true })).toBe(1);
  });
});

describe('formatReport', () => {
  test('check: a tally, then each check with its status, detail, fix and the apply option it needs', () => {
    const report = formatReport('check', {
      checks: [
        check('config', 'ok'),
        check('workspace_events', 'problem', { fix: 'Register it.', autoFixable: true, confirm: 'replaceCallbackUrl' }),
        check('workflow_filters', 'problem', { fix: 'Add the filter.', autoFixable: true, needs: 'humanQueueSid' }),
        check('opencx_webhook', 'warning', { fix: 'Add the webhook in OpenCX.' }),
      ],
    });
    expect(report).toBe(
      [
        'Setup check: 2 problems, 1 warning, 1 ok',
        '',
        '[ok] config title',
        '    config detail',
        '',
        '[problem] workspace_events title',
        '    workspace_events detail',
        '    Fix: Register it.',
        '    apply fixes this with --replace-callback-url',
        '',
        '[problem] workflow_filters title',
        '    workflow_filters detail',
        '    Fix: Add the filter.',
        '    apply fixes this with --human-queue WQ…',
        '',
        '[warning] opencx_webhook title',
        '    opencx_webhook detail',
        '    Fix: Add the webhook in OpenCX.',
        '',
      ].join('\n'),
    );
  });

  test('apply: the steps, the backup, then the checks after it', () => {
    const report = formatReport('apply', {
      steps: [step('workspace_events', 'applied'), step('conversations_webhook', 'failed')],
      backupId: 'b1',
      checks: [check('config', 'ok')],
    });
    expect(report).toBe(
      [
        'apply steps: 1 failed, 1 applied',
        '',
        '[applied] workspace_events step',
        '    workspace_events applied',
        '',
        '[failed] conversations_webhook step',
        '    conversations_webhook failed',
        '',
        'Backup b1: undo puts back what this apply changed.',
        '',
        'Setup check after apply: 1 ok',
        '',
        '[ok] config title',
        '    config detail',
        '',
      ].join('\n'),
    );
  });

  test('undo with nothing to undo says so; a restore names the backup', () => {
    expect(formatReport('undo', { steps: [], checks: [] })).toMatch(/^Nothing to undo/);
    expect(
      formatReport('undo', {
        steps: [step('workflow_filters', 'applied')],
        restored: { backupId: 'b1', at: '2025-01-01T00:00:00.000Z', by: 'cli:SK1' },
        checks: [],
      }),
    ).toMatch(/^Restored the backup b1 of 2025-01-01T00:00:00.000Z \(by cli:SK1\)\./);
  });

  test('uninstall says whether it is complete', () => {
    expect(formatReport('uninstall', { steps: [step('ai_worker', 'applied')], complete: true })).toContain(
      'Uninstall complete.',
    );
    expect(formatReport('uninstall', { steps: [step('ai_worker', 'skipped')], complete: false })).toContain(
      'Uninstall is not complete: run it again later',
    );
  });
});
