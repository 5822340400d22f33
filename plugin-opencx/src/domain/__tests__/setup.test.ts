import type { StepReport } from '../../api/settingsClient';
import { changedSinceCheck, revisionsAfter } from '../setup';

const step = (id: string, status: StepReport['status'], detail = ''): StepReport => ({ id, title: id, status, detail });
const refused = (id: string): StepReport => ({
  ...step(id, 'failed', 'Not written: it changed since the check.'),
  reason: 'changed_since_check',
});

describe('setup reports', () => {
  it('takes a failed step as refused over a change since the check by its reason, not its words', () => {
    expect(changedSinceCheck(refused('workflow_filters'))).toBe(true);
    expect(
      changedSinceCheck(
        step('workflow_filters', 'failed', 'The workflow changed since the check; run the check again.'),
      ),
    ).toBe(false);
    expect(changedSinceCheck({ ...refused('workflow_filters'), status: 'skipped' })).toBe(false);
  });

  it("takes the revisions a write answered, keeping the check's for a resource refused over a change since it", () => {
    const revisions = { workspace_events: 'r1', conversations_webhook: 'r2', workflow_filters: 'r3' };
    const written = { workspace_events: 'w1', conversations_webhook: 'w2', workflow_filters: 'w3', ai_queue: 'w4' };
    const steps = [
      step('workspace_events', 'applied'),
      refused('conversations_webhook'),
      step('workflow_filters', 'failed', 'Twilio answered 500.'),
    ];

    expect(revisionsAfter(revisions, steps, written)).toEqual({ ...written, conversations_webhook: 'r2' });
    expect(revisionsAfter({}, [refused('ai_queue')], written)).toEqual(written);
    expect(revisions).toEqual({ workspace_events: 'r1', conversations_webhook: 'r2', workflow_filters: 'r3' });
  });

  it('with no revisions from the write, keeps only those of the resources refused as changed since the check', () => {
    const revisions = { workspace_events: 'r1', conversations_webhook: 'r2', workflow_filters: 'r3' };
    const steps = [
      step('workspace_events', 'applied'),
      refused('conversations_webhook'),
      step('workflow_filters', 'unchanged'),
    ];

    expect(revisionsAfter(revisions, steps, {})).toEqual({ conversations_webhook: 'r2' });
    expect(revisionsAfter(revisions, [], {})).toEqual({});
  });
});
