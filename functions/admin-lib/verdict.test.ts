import { adminErrorOf } from './admin-error.testing';
import { MAX_VERDICT_COMMENT, parseVerdictForm, verdictNote, verdictOf } from './verdict';

const TASK = 'WT0123456789abcdef0123456789abcdef';

describe('parseVerdictForm', () => {
  it('reads the task, the two answers and an optional comment', () => {
    expect(
      parseVerdictForm({
        Token: 't',
        taskSid: TASK,
        needed: 'false',
        summaryRight: 'true',
        comment: '  The customer only wanted the opening hours.  ',
      }),
    ).toEqual({
      taskSid: TASK,
      needed: false,
      summaryRight: true,
      comment: 'The customer only wanted the opening hours.',
    });
    expect(parseVerdictForm({ taskSid: TASK, needed: 'true', summaryRight: 'false', comment: ' ' })).toEqual({
      taskSid: TASK,
      needed: true,
      summaryRight: false,
    });
  });

  it.each([
    [{ needed: 'true', summaryRight: 'true' }, 'taskSid'],
    [{ taskSid: 'WR0123456789abcdef0123456789abcdef', needed: 'true', summaryRight: 'true' }, 'taskSid'],
    [{ taskSid: TASK, needed: 'yes', summaryRight: 'true' }, 'needed'],
    [{ taskSid: TASK, needed: 'true' }, 'summaryRight'],
    [{ taskSid: TASK, needed: 'true', summaryRight: 'true', comment: 'x'.repeat(MAX_VERDICT_COMMENT + 1) }, 'comment'],
  ])('refuses %j with 400 invalid_input on %s', (form, field) => {
    expect(adminErrorOf(() => parseVerdictForm(form))).toMatchObject({ status: 400, code: 'invalid_input', field });
  });
});

describe('verdictNote', () => {
  it('says the verdict in words and carries it as flex_verdict_* custom data', () => {
    const verdict = verdictOf(
      { taskSid: TASK, needed: false, summaryRight: true, comment: 'Asked for opening hours only.' },
      'WK1',
      new Date('2026-03-10T12:00:00Z'),
    );
    expect(verdict).toEqual({
      needed: false,
      summaryRight: true,
      comment: 'Asked for opening hours only.',
      by: 'WK1',
      at: '2026-03-10T12:00:00.000Z',
    });
    expect(verdictNote(verdict)).toEqual({
      text:
        "Flex agent's verdict on the handoff: needed: no; summary right: yes. " +
        'Comment: Asked for opening hours only.',
      customData: {
        flex_verdict_needed: false,
        flex_verdict_summary_right: true,
        flex_verdict_by: 'WK1',
        flex_verdict_at: '2026-03-10T12:00:00.000Z',
      },
    });
  });
});
