import { isHandedOff, readHandoff, toSentiment, verdictBy } from '../handoff';
import { opencxMessageRole } from '../messages';

const HANDOFF = {
  handedOff: true,
  handoffReason: 'AI requested human handoff',
  handoffSummary: 'Customer wants a refund for order 1042.',
  handoffSentiment: 'negative',
  handoffLanguage: 'en-US',
  handoffTimestamp: '2025-11-21T08:00:00.000Z',
  opencxSessionId: 'sess-1',
};

describe('readHandoff', () => {
  it('reads every handoff attribute', () => {
    expect(readHandoff({ ...HANDOFF, name: 'Ada' })).toEqual({
      reason: 'AI requested human handoff',
      summary: 'Customer wants a refund for order 1042.',
      sentiment: 'negative',
      language: 'en-US',
      handedOffAt: new Date('2025-11-21T08:00:00.000Z'),
      opencxSessionId: 'sess-1',
    });
  });

  it('reads attributes given as a JSON string', () => {
    expect(readHandoff(JSON.stringify(HANDOFF))?.reason).toBe('AI requested human handoff');
  });

  it.each([
    ['not handed off', { ...HANDOFF, handedOff: false }],
    ['handedOff as a string', { ...HANDOFF, handedOff: 'true' }],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an array', [HANDOFF]],
    ['a non-JSON string', '{handedOff: true'],
  ])('is undefined for %s', (_case, attributes) => {
    expect(readHandoff(attributes)).toBeUndefined();
    expect(isHandedOff(attributes)).toBe(false);
  });

  it('leaves out missing, blank, non-text and malformed fields', () => {
    expect(
      readHandoff({
        handedOff: true,
        handoffReason: 7,
        handoffSummary: '   ',
        handoffSentiment: { mood: 'angry' },
        handoffLanguage: 'und',
        handoffTimestamp: 'yesterday-ish',
        opencxSessionId: '',
      }),
    ).toEqual({ sentiment: 'neutral' });
  });
});

describe('verdictBy', () => {
  const [FIRST_AGENT, NEXT_AGENT] = [`WK${'1'.repeat(32)}`, `WK${'2'.repeat(32)}`];
  const withVerdict = (verdict: object) => readHandoff({ ...HANDOFF, opencxVerdict: verdict })!;

  it("is the worker's own verdict, not the one a first agent gave before the task was transferred", () => {
    const handoff = withVerdict({ needed: true, summaryRight: false, by: FIRST_AGENT, at: '2025-11-21T08:05:00Z' });
    expect(verdictBy(handoff, FIRST_AGENT)).toEqual({ needed: true, summaryRight: false, by: FIRST_AGENT });
    expect(verdictBy(handoff, NEXT_AGENT)).toBeUndefined();
  });

  it('is the verdict on the task when it names no worker, or no worker is known', () => {
    expect(verdictBy(withVerdict({ needed: true, summaryRight: true }), NEXT_AGENT)).toEqual({
      needed: true,
      summaryRight: true,
    });
    expect(verdictBy(withVerdict({ needed: true, summaryRight: true, by: FIRST_AGENT }), undefined)).toMatchObject({
      needed: true,
    });
  });
});

describe('toSentiment', () => {
  it.each([
    ['positive', 'positive'],
    ['Negative', 'negative'],
    ['neutral', 'neutral'],
    ['happy', 'positive'],
    ['angry', 'negative'],
    ['ecstatic', 'neutral'],
    [undefined, 'neutral'],
    [3, 'neutral'],
  ])('%p → %s', (value, expected) => {
    expect(toSentiment(value)).toBe(expected);
  });
});

describe('opencxMessageRole', () => {
  it.each([
    [{ opencx: { role: 'ai', sessionId: 's' } }, 'ai'],
    [{ opencx: { role: 'handoff-note' } }, 'handoff-note'],
    [{ opencx: { role: 'handback-note' } }, 'handback-note'],
    [{ opencx: { role: 'idle-close-note' } }, 'idle-close-note'],
    [JSON.stringify({ opencx: { role: 'ai' } }), 'ai'],
    [{ opencx: JSON.stringify({ role: 'ai' }) }, 'ai'],
    [{ opencx: { role: 'customer' } }, undefined],
    [{ role: 'ai' }, undefined],
    [{ opencx: 'ai' }, undefined],
    [{}, undefined],
    [null, undefined],
    ['not json', undefined],
    [undefined, undefined],
  ])('%p → %p', (attributes, expected) => {
    expect(opencxMessageRole(attributes)).toBe(expected);
  });
});
