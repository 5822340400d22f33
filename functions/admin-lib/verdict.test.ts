import { adminErrorOf } from './admin-error.testing';
import { MAX_VERDICT_COMMENT, parseVerdictForm, verdictNote, verdictNoteKey, verdictOf } from './verdict';

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

describe('verdictNoteKey', () => {
  const form = { taskSid: 'WT1', needed: true, summaryRight: false };
  const at = (iso: string) => new Date(iso);

  it('is the same for the same verdict sent again later, and not for a changed one or another task', () => {
    const key = verdictNoteKey('WT1', verdictOf(form, 'WK1', at('2026-12-05T10:00:00Z')));
    expect(verdictNoteKey('WT1', verdictOf(form, 'WK1', at('2026-12-05T10:05:00Z')))).toBe(key);
    expect(verdictNoteKey('WT1', verdictOf({ ...form, comment: 'x' }, 'WK1', at('2026-12-05T10:00:00Z')))).not.toBe(
      key,
    );
    expect(verdictNoteKey('WT1', verdictOf({ ...form, needed: false }, 'WK1', at('2026-12-05T10:00:00Z')))).not.toBe(
      key,
    );
    expect(verdictNoteKey('WT2', verdictOf(form, 'WK1', at('2026-12-05T10:00:00Z')))).not.toBe(key);
    expect(verdictNoteKey('WT1', verdictOf(form, 'WK2', at('2026-12-05T10:00:00Z')))).not.toBe(key);
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
