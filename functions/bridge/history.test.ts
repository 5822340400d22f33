import { withHandoff } from './handoff';
import {
  HANDBACK_REASON,
  historyAtHandback,
  historyAtHandoff,
  MAX_HISTORY_ENTRIES,
  readHistory,
  withEntry,
} from './history';

const T0 = '2026-03-02T09:50:00.000Z';
const T1 = '2026-03-02T09:55:00.000Z';
const T2 = '2026-03-02T10:00:00.000Z';

describe('readHistory', () => {
  it('keeps well-formed entries and leaves the rest out', () => {
    const attributes = {
      opencxHistory: [
        { to: 'ai', at: T0 },
        { to: 'robot', at: T1 },
        { to: 'human' },
        'x',
        null,
        { to: 'human', at: T1, reason: 'Angry', by: 7 },
      ],
    };
    expect(readHistory(attributes)).toEqual([
      { to: 'ai', at: T0 },
      { to: 'human', at: T1, reason: 'Angry' },
    ]);
    expect(readHistory({ opencxHistory: 'not a list' })).toEqual([]);
    expect(readHistory({})).toEqual([]);
  });
});

describe('historyAtHandoff and historyAtHandback', () => {
  it('a first handoff starts with the AI since the task was created', () => {
    expect(historyAtHandoff({}, { at: T1, reason: 'AI unavailable' }, T0)).toEqual([
      { to: 'ai', at: T0 },
      { to: 'human', at: T1, reason: 'AI unavailable' },
    ]);
    expect(historyAtHandoff({}, { at: T1, reason: 'AI unavailable' })).toEqual([
      { to: 'human', at: T1, reason: 'AI unavailable' },
    ]);
  });

  it('AI → human → AI → human', () => {
    const first = { opencxHistory: historyAtHandoff({}, { at: T1, reason: 'Refund' }, T0) };
    const back = {
      opencxHistory: historyAtHandback(first, { at: T2, agentName: 'Alice', instruction: 'Collect the address' }),
    };
    const again = historyAtHandoff(
      back,
      { at: '2026-03-02T10:05:00.000Z', reason: 'Outside the delivery area' },
      '2026-03-02T10:00:01.000Z',
    );
    expect(again.map((e) => [e.to, e.reason ?? ''])).toEqual([
      ['ai', ''],
      ['human', 'Refund'],
      ['ai', HANDBACK_REASON],
      ['human', 'Outside the delivery area'],
    ]);
    expect(again[2]).toMatchObject({ by: 'Alice', instruction: 'Collect the address' });
  });

  it('the same entry twice is one (a handoff being finished), and the oldest give way past the cap', () => {
    const once = withEntry([], { to: 'human', at: T1 });
    expect(withEntry(once, { to: 'human', at: T1 })).toBe(once);
    const many = Array.from({ length: MAX_HISTORY_ENTRIES + 5 }, (_, i) => ({
      to: 'ai' as const,
      at: `2026-03-02T10:${String(i).padStart(2, '0')}:00.000Z`,
    }));
    const capped = many.reduce((history, entry) => withEntry(history, entry), [] as ReturnType<typeof readHistory>);
    expect(capped).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(capped.at(-1)).toEqual(many.at(-1));
  });
});

describe('withHandoff (the attributes a handoff writes)', () => {
  it("merges the handoff, keeps everyone else's attributes, and adds the history", () => {
    const task = { attributes: { conversationSid: 'CH1', customer: { tier: 'gold' } }, dateCreated: T0 };
    expect(withHandoff(task, { handedOff: true, handoffReason: 'Refund', handoffTimestamp: T1 })).toEqual({
      conversationSid: 'CH1',
      customer: { tier: 'gold' },
      handedOff: true,
      handoffReason: 'Refund',
      handoffTimestamp: T1,
      opencxHistory: [
        { to: 'ai', at: T0 },
        { to: 'human', at: T1, reason: 'Refund' },
      ],
    });
  });

  it('adds no history for a write that is not a handoff', () => {
    expect(withHandoff({ attributes: { a: 1 } }, {})).toEqual({ a: 1 });
  });

  it("a handoff of the AI's on a task it once declined can be judged: the decline's mark goes", () => {
    const declined = withHandoff(
      { attributes: { conversationSid: 'CH1' }, dateCreated: T0 },
      { handedOff: true, handoffReason: 'AI cannot handle this task', handoffTimestamp: T1, opencxDeclined: true },
    );
    expect(declined).toMatchObject({ opencxDeclined: true });
    const handedOff = withHandoff(
      { attributes: declined },
      { handedOff: true, handoffReason: 'Refund', handoffTimestamp: T1 },
    );
    expect(handedOff).not.toHaveProperty('opencxDeclined');
    expect(handedOff).toMatchObject({ handoffReason: 'Refund' });
  });
});
