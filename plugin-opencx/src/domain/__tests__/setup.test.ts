import type { StepReport } from '../../api/settingsClient';
import { changedSinceCheck, revisionsAfter } from '../setup';

const step = (id: string, status: StepReport['status'], detail = ''): StepReport => ({ id, title: id, status, detail });

describe('setup reports', () => {
  it.each([
    ['The workflow changed since the check; run the check again.', true],
    ['Workflow WW1 Changed since the setup check: check again before applying.', true],
    ['Twilio answered 500.', false],
    ['The check failed.', false],
  ])('reads %p as a refusal over a change since the check: %p', (detail, expected) => {
    expect(changedSinceCheck(step('workflow_filters', 'failed', detail))).toBe(expected);
  });

  it('takes only a failed step as refused, whatever its detail says', () => {
    expect(changedSinceCheck(step('workflow_filters', 'skipped', 'Nothing changed since the check.'))).toBe(false);
  });

  it('forgets the revisions of the resources a write applied, and keeps the others', () => {
    const revisions = { workspace_events: 'r1', conversations_webhook: 'r2', workflow_filters: 'r3' };
    const steps = [
      step('workspace_events', 'applied'),
      step('conversations_webhook', 'failed'),
      step('workflow_filters', 'unchanged'),
      step('timer_workspace', 'applied'),
    ];

    expect(revisionsAfter(revisions, steps)).toEqual({ conversations_webhook: 'r2', workflow_filters: 'r3' });
    expect(revisions).toEqual({ workspace_events: 'r1', conversations_webhook: 'r2', workflow_filters: 'r3' });
    expect(revisionsAfter(revisions, [])).toEqual(revisions);
  });
});
