import { aiWorkerTest } from './ai-worker';
import type { ConversationRecord } from './conversation-record';
import {
  AI_UNAVAILABLE,
  aiReservationsToReject,
  clipped,
  finishedHandoff,
  handoffAttributes,
  handoffEngagement,
  handoffTime,
  type HandoffFacts,
  noteLanded,
  recordedEngagementClaim,
  recordedHandoffOccasion,
  noteStillOwed,
  toHandoffSentiment,
  toLanguageTag,
} from './handoff';
import { customerNote } from './customer-note';

const facts = (over: Partial<HandoffFacts> = {}): HandoffFacts => ({
  reason: 'AI requested human handoff',
  summary: 'Customer wants a refund for order 1234.',
  sentiment: 'angry',
  language: 'de',
  at: new Date(Date.UTC(2026, 2, 1, 10, 0, 5, 123)),
  ...over,
});

describe('toHandoffSentiment (OpenCX → Flex vocabulary)', () => {
  it.each([
    ['angry', 'negative'],
    ['happy', 'positive'],
    ['neutral', 'neutral'],
    ['ANGRY', 'negative'],
    ['Happy', 'positive'],
  ])('%s → %s', (opencx, flex) => {
    expect(toHandoffSentiment(opencx)).toBe(flex);
  });

  it.each<[string, string | null | undefined]>([
    ['an unknown word', 'furious'],
    ['another unknown word', 'sad'],
    ['empty', ''],
    ['null', null],
    ['undefined', undefined],
  ])('anything else (%s) → neutral', (_label, value) => {
    expect(toHandoffSentiment(value)).toBe('neutral');
  });
});

describe('toLanguageTag (BCP-47 or und)', () => {
  it.each([
    ['en', 'en'],
    ['de', 'de'],
    ['pt-BR', 'pt-BR'],
    ['zh-Hant-TW', 'zh-Hant-TW'],
    ['fil', 'fil'],
    ['en_US', 'en-US'],
    ['  fr-CA ', 'fr-CA'],
  ])('%j → %j', (input, tag) => {
    expect(toLanguageTag(input)).toBe(tag);
  });

  it.each<[string | null | undefined]>([
    [undefined],
    [null],
    [''],
    ['   '],
    ['English'],
    ['e'],
    ['123'],
    ['en-'],
    ['en US'],
    ['de-DE-'],
  ])('%j → und', (input) => {
    expect(toLanguageTag(input)).toBe('und');
  });
});

describe('handoffAttributes', () => {
  it('writes all six handoff attributes, with an ISO 8601 timestamp', () => {
    const attributes = handoffAttributes(facts());
    expect(attributes).toEqual({
      handedOff: true,
      handoffReason: 'AI requested human handoff',
      handoffSummary: 'Customer wants a refund for order 1234.',
      handoffSentiment: 'negative',
      handoffLanguage: 'de',
      handoffTimestamp: '2026-03-01T10:00:05.123Z',
    });
    expect(new Date(attributes.handoffTimestamp).getTime()).toBe(Date.UTC(2026, 2, 1, 10, 0, 5, 123));
  });

  it('adds the OpenCX session id only when known', () => {
    expect(handoffAttributes(facts({ sessionId: 'session-9' })).opencxSessionId).toBe('session-9');
    expect('opencxSessionId' in handoffAttributes(facts())).toBe(false);
  });

  it('uses und, neutral and an empty summary when OpenCX gave nothing', () => {
    const attributes = handoffAttributes({ reason: AI_UNAVAILABLE, at: new Date(0) });
    expect(attributes).toEqual({
      handedOff: true,
      handoffReason: AI_UNAVAILABLE,
      handoffSummary: '',
      handoffSentiment: 'neutral',
      handoffLanguage: 'und',
      handoffTimestamp: '1970-01-01T00:00:00.000Z',
    });
  });

  it('trims the summary', () => {
    expect(handoffAttributes(facts({ summary: '  Needs a refund.\n' })).handoffSummary).toBe('Needs a refund.');
    expect(handoffAttributes(facts({ summary: '   ' })).handoffSummary).toBe('');
  });

  it('maps the sentiment and normalises the language', () => {
    const attributes = handoffAttributes(facts({ sentiment: 'happy', language: 'en_GB' }));
    expect(attributes.handoffSentiment).toBe('positive');
    expect(attributes.handoffLanguage).toBe('en-GB');
  });
});

describe('customerNote (what the customer reads at a handoff)', () => {
  const settings = {
    customerHandoffNote: 'Connecting you with a member of our team.',
    customerHandoffNoteTranslations: {
      es: 'Le ponemos con nuestro equipo.',
      'pt-BR': 'Conectando você à nossa equipe.',
    },
  };

  it('is the default note, never the summary or the sentiment', () => {
    const attributes = handoffAttributes(facts());
    const note = customerNote(settings, 'handoff', attributes.handoffLanguage);
    expect(note).toBe('Connecting you with a member of our team.');
    expect(note).not.toContain(attributes.handoffSummary);
    expect(note).not.toMatch(/sentiment|negative/i);
  });

  it('is the translation for the language, by full tag, then by primary subtag, case-insensitively', () => {
    expect(customerNote(settings, 'handoff', 'es-MX')).toBe('Le ponemos con nuestro equipo.');
    expect(customerNote(settings, 'handoff', 'pt-br')).toBe('Conectando você à nossa equipe.');
    expect(customerNote(settings, 'handoff', 'pt-PT')).toBe('Connecting you with a member of our team.');
    expect(customerNote(settings, 'handoff', 'und')).toBe('Connecting you with a member of our team.');
  });

  it('is empty (no note) when the admin emptied it', () => {
    expect(customerNote({ customerHandoffNote: '', customerHandoffNoteTranslations: {} }, 'handoff', 'en')).toBe('');
  });
});

describe('aiReservationsToReject', () => {
  const config = {
    workspaceSid: 'WS1',
    aiWorkerSid: 'WK_AI',
    aiWorkerSids: ['WK_AI', 'WK_AI2'],
    aiDrainingWorkerSids: ['WK_OLD'],
  };
  const pool = aiWorkerTest(config, 'WS1');
  const pending = [
    { sid: 'WR_AI', workerSid: 'WK_AI' },
    { sid: 'WR_HUMAN', workerSid: 'WK_HUMAN' },
    { sid: 'WR_DRAINING', workerSid: 'WK_OLD' },
  ];

  test("the AI pool's pending reservations, not a human's", () => {
    expect(aiReservationsToReject(pending, 'WR_AI', pool)).toEqual(['WR_AI', 'WR_DRAINING']);
  });

  test('a stale recorded reservation does not hide the pending one TaskRouter lists', () => {
    expect(aiReservationsToReject([pending[0]], 'WR_OLDER_OFFER', pool)).toEqual(['WR_AI', 'WR_OLDER_OFFER']);
  });

  test('the recorded reservation counts when the list missed it (an offer made after the read)', () => {
    expect(aiReservationsToReject([], 'WR_NEWER_OFFER', pool)).toEqual(['WR_NEWER_OFFER']);
  });

  test('none listed and none recorded: nothing to reject', () => {
    expect(aiReservationsToReject([pending[1]], undefined, pool)).toEqual([]);
  });

  test("in a workspace the settings left since the conversation began: that workspace's AI workers", () => {
    const left = aiWorkerTest(config, 'WS0', ['WK_LEFT']);
    const there = [...pending, { sid: 'WR_LEFT', workerSid: 'WK_LEFT' }];
    expect(aiReservationsToReject(there, 'WR_RECORDED', left)).toEqual(['WR_LEFT', 'WR_RECORDED']);
  });
});

describe("finishing a handoff: routed only once the customer's note is in", () => {
  const handingOff = (handoff: Partial<NonNullable<ConversationRecord['handoff']>> = {}): ConversationRecord => ({
    workspaceSid: 'WS1',
    taskSid: 'WT1',
    sessionId: 'S1',
    phase: 'handoff',
    claimedAt: 0,
    handoff: { reason: 'AI requested human handoff', at: '2026-03-01T10:00:00.000Z', ...handoff },
  });

  const routed = { reason: 'AI requested human handoff', at: '2026-03-01T10:00:00.000Z', routed: true };

  test.each(['posted', 'none'] as const)('a note %s marks it routed, the note in', (noted) => {
    expect(finishedHandoff(handingOff(), noted)?.handoff).toEqual({ ...routed, noteIn: true });
  });

  test("a note another Function claimed marks it routed, the note not known in: that Function's post may fail", () => {
    expect(finishedHandoff(handingOff(), 'already')?.handoff).toEqual(routed);
  });

  test.each(['failed', 'unsure'] as const)('a note %s leaves it to the next event', (noted) => {
    expect(finishedHandoff(handingOff(), noted)).toBeUndefined();
  });

  test("a note owed and found claimed by another Function is not counted: that Function's post may have failed", () => {
    expect(finishedHandoff(handingOff({ noteOwed: true, noteAttempt: 1 }), 'already')).toBeUndefined();
  });

  test('posting an owed note clears the debt and its attempt', () => {
    expect(finishedHandoff(handingOff({ noteOwed: true, noteAttempt: 2 }), 'posted')?.handoff).toEqual({
      ...routed,
      noteIn: true,
    });
  });

  test('a handoff routed already is not written again', () => {
    expect(finishedHandoff(handingOff({ routed: true }), 'already')).toBeUndefined();
  });

  test('a failed note reopens a handoff another finish marked routed, and records the debt and next attempt', () => {
    expect(noteStillOwed(handingOff({ routed: true }), 1)?.handoff).toMatchObject({
      routed: false,
      noteOwed: true,
      noteAttempt: 1,
    });
    expect(noteStillOwed({ ...handingOff(), phase: 'human' }, 1)).toBeUndefined();
    // Never an attempt already made: a late failure of an earlier one.
    expect(noteStillOwed(handingOff({ noteAttempt: 3 }), 2)?.handoff).toMatchObject({ noteAttempt: 3 });
  });

  test('a failure after another Function got the note in changes nothing', () => {
    expect(noteStillOwed(handingOff({ noteIn: true }), 1)).toBeUndefined();
    expect(noteStillOwed(handingOff({ routed: true, noteIn: true }), 1)).toBeUndefined();
  });

  test('the note in while the routing is not finished: recorded once, the debt cleared', () => {
    expect(noteLanded(handingOff({ noteOwed: true, noteAttempt: 1 }))?.handoff).toEqual({
      reason: 'AI requested human handoff',
      at: '2026-03-01T10:00:00.000Z',
      noteIn: true,
    });
    expect(noteLanded(handingOff({ noteIn: true }))).toBeUndefined();
    expect(noteLanded(handingOff({ routed: true }))).toBeUndefined();
  });
});

describe('clipped (what the task and the record keep of a handoff text)', () => {
  const max = { characters: 5, bytes: 100 };

  it('keeps a text within the limits as is, trimmed', () => {
    expect(clipped('  Needs a refund. ', { characters: 20, bytes: 100 })).toBe('Needs a refund.');
    expect(clipped(undefined, max)).toBeUndefined();
  });

  it('cuts a longer one to the limit with an ellipsis, never inside an emoji', () => {
    expect(clipped('abcdefghij', max)).toBe('abcd…');
    const cut = clipped('😀'.repeat(10), max);
    expect(cut).toBe(`${'😀'.repeat(4)}…`);
  });

  it('cuts by bytes too: a script of several bytes a character fills the room sooner', () => {
    const cut = clipped('返品をお願いします。注文番号は１２３４です。', { characters: 100, bytes: 30 });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(30);
    expect(cut).toBe('返品をお願いします…');
  });
});

describe('handoffTime (one engagement hands off once)', () => {
  const claimedAt = Date.parse('2026-03-01T10:00:00.000Z');
  const now = '2026-03-01T10:05:00.000Z';

  it('takes the time of a handoff the task carries since the AI claimed the conversation', () => {
    const carried = { handedOff: true, handoffTimestamp: '2026-03-01T10:02:00.000Z' };
    expect(handoffTime(carried, claimedAt, now)).toBe('2026-03-01T10:02:00.000Z');
  });

  it('keeps its own time for a task without one, one from before the claim, or handed back', () => {
    expect(handoffTime({}, claimedAt, now)).toBe(now);
    expect(handoffTime({ handedOff: true, handoffTimestamp: '2026-03-01T09:00:00.000Z' }, claimedAt, now)).toBe(now);
    expect(handoffTime({ handedOff: false, handoffTimestamp: '2026-03-01T10:02:00.000Z' }, claimedAt, now)).toBe(now);
  });
});

describe('handoffEngagement (one customer note per AI engagement)', () => {
  const claimedAt = Date.parse('2026-03-01T10:00:00.000Z');

  it('is the same for every handoff of one claim, whatever their times', () => {
    expect(handoffEngagement({ taskSid: 'WT1', claimedAt })).toBe(handoffEngagement({ taskSid: 'WT1', claimedAt }));
  });

  it("differs for the AI's claim after a handback, and for a handback no AI worker took (its invited task)", () => {
    const first = handoffEngagement({ taskSid: 'WT1', claimedAt });
    expect(handoffEngagement({ taskSid: 'WT2', claimedAt: claimedAt + 60_000 })).not.toBe(first);
    expect(handoffEngagement({ taskSid: 'WT2', claimedAt })).not.toBe(first);
  });
});

describe("recordedHandoffOccasion (what a recorded handoff's note is claimed by)", () => {
  const record = { taskSid: 'WT1', claimedAt: Date.parse('2026-03-01T10:00:00.000Z') };
  const at = '2026-03-01T10:02:00.000Z';

  it('is the engagement for a handoff recorded with its note claimed per engagement', () => {
    const handoff = { reason: 'AI unavailable', at, oncePer: 'engagement' as const };
    expect(recordedHandoffOccasion({ ...record, handoff }, at)).toBe(handoffEngagement(record));
  });

  it('is the handoff time for a handoff recorded before, as its first attempt claimed the note', () => {
    expect(recordedHandoffOccasion({ ...record, handoff: { reason: 'AI unavailable', at } }, at)).toBe(at);
  });
});

describe('recordedEngagementClaim (since when the invites of a recorded handoff are its own)', () => {
  const claimedAt = Date.parse('2026-03-01T10:00:00.000Z');
  const at = '2026-03-01T10:30:00.000Z';

  it("is the AI's claim for a handoff of the engagement", () => {
    const handoff = { reason: 'AI unavailable', at, oncePer: 'engagement' as const };
    expect(recordedEngagementClaim({ claimedAt, handoff })).toBe(claimedAt);
  });

  it('is the handback for a handback no AI worker took: the invite of the handoff before it is not its own', () => {
    const untakenHandbackAt = '2026-03-01T10:20:00.000Z';
    const handoff = { reason: 'AI unavailable', at, oncePer: 'engagement' as const, untakenHandbackAt };
    expect(recordedEngagementClaim({ claimedAt, handoff })).toBe(Date.parse(untakenHandbackAt));
  });

  it('is none for a handoff recorded before invites were made once per engagement', () => {
    expect(recordedEngagementClaim({ claimedAt, handoff: { reason: 'AI unavailable', at } })).toBeUndefined();
  });
});
