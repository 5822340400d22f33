import { classifyOpencxEvents, isLateAnswer, LATE_ANSWER_MS, type OpencxClassification } from './opencx-events';

/** The one event a payload carries. */
function classifyOpencxEvent(body: unknown): OpencxClassification {
  const events = classifyOpencxEvents(body);
  expect(events).toHaveLength(1);
  return events[0];
}

describe('classifyOpencxEvents', () => {
  test('a data list carries an event per element, each classified on its own', () => {
    const events = classifyOpencxEvents({
      event: 'conversation.ai_response',
      data: [
        { conversation_id: 's-1', message: { id: 'm-1', content: 'First' } },
        { conversation_id: 's-2' },
        { conversation_id: 's-3', response: 'Third', message_id: 'm-3' },
      ],
    });
    expect(events).toEqual([
      { ok: true, event: expect.objectContaining({ sessionId: 's-1', answerId: 'm-1', text: 'First' }) },
      { ok: false, reason: 'conversation.ai_response for s-2 carries no answer text' },
      { ok: true, event: expect.objectContaining({ sessionId: 's-3', answerId: 'm-3', text: 'Third' }) },
    ]);
    expect(classifyOpencxEvents({ event: 'conversation.handoff_to_human', data: [] })).toEqual([
      { ok: false, reason: 'conversation.handoff_to_human with an empty data list' },
    ]);
  });

  test('an AI answer carries the session, the answer id and the text', () => {
    const result = classifyOpencxEvent({
      event: 'conversation.ai_response',
      organization_id: 'org',
      data: {
        conversation_id: 's-1',
        message: { id: 'm-9', content: 'It ships today.', type: 'text' },
        timestamp: '2026-12-02T10:00:00Z',
      },
    });
    expect(result).toEqual({
      ok: true,
      event: {
        kind: 'ai-answer',
        type: 'conversation.ai_response',
        sessionId: 's-1',
        answerId: 'm-9',
        text: 'It ships today.',
        at: Date.parse('2026-12-02T10:00:00Z'),
      },
    });
  });

  test.each([
    ['a slash', '../m'],
    ['a colon and a dot', 'msg:2026.12.05'],
    ['1,000 characters', 'm'.repeat(1000)],
  ])('an AI answer whose message id has %s is kept: the id only names it', (_, id) => {
    const result = classifyOpencxEvent({
      event: 'conversation.ai_response',
      data: { conversation_id: 's-1', message: { id, content: 'It ships today.' } },
    });
    expect(result).toEqual({ ok: true, event: expect.objectContaining({ answerId: id, text: 'It ships today.' }) });
  });

  test('a handoff carries the reason in words, the summary, sentiment and language', () => {
    const result = classifyOpencxEvent({
      event: 'conversation.handoff_to_human',
      data: {
        conversation_id: 's-1',
        reason: 'ai_is_forbidden_from_handling_this_topic',
        summary: 'Legal question',
        user_sentiment: 'angry',
        language: 'de',
        timestamp: '2026-03-01T10:00:00.000Z',
      },
    });
    expect(result).toEqual({
      ok: true,
      event: {
        kind: 'ai-handoff',
        type: 'conversation.handoff_to_human',
        sessionId: 's-1',
        reason: 'Topic the AI may not handle',
        summary: 'Legal question',
        sentiment: 'angry',
        language: 'de',
        at: Date.parse('2026-03-01T10:00:00.000Z'),
      },
    });
    // A time that is not one is left out.
    const untimed = classifyOpencxEvent({
      event: 'conversation.handoff_to_human',
      data: { conversation_id: 's-1', timestamp: 'yesterday' },
    });
    expect(untimed).toMatchObject({ ok: true, event: { kind: 'ai-handoff' } });
    expect(untimed.ok && 'at' in untimed.event).toBe(false);
  });

  test.each(['constructor', '__proto__', 'toString', 'no_such_reason'])(
    'a handoff reason OpenCX never published (%s) reads as the AI asking for a human',
    (reason) => {
      const result = classifyOpencxEvent({
        event: 'conversation.handoff_to_human',
        data: { conversation_id: 's-1', reason },
      });
      expect(result).toMatchObject({ ok: true, event: { kind: 'ai-handoff', reason: 'AI requested human handoff' } });
    },
  );

  test('a data list of one (an older published shape) and a `response` text are accepted', () => {
    const result = classifyOpencxEvent({
      event: 'conversation.ai_response',
      data: [{ conversation_id: 's-2', response: 'Hello', message_id: 7 }],
    });
    expect(result).toEqual({
      ok: true,
      event: { kind: 'ai-answer', type: 'conversation.ai_response', sessionId: 's-2', answerId: '7', text: 'Hello' },
    });
  });

  test('an answer older than its claim is kept is late; one without a usable time never is', () => {
    const answer = (timestamp: unknown) =>
      classifyOpencxEvent({
        event: 'conversation.ai_response',
        data: { conversation_id: 's-1', message: { id: 'm-1', content: 'Hi' }, timestamp },
      });
    const at = Date.parse('2026-12-02T10:00:00Z');
    const event = answer('2026-12-02T10:00:00Z');
    if (!event.ok) throw new Error(event.reason);
    expect(isLateAnswer(event.event, at + LATE_ANSWER_MS)).toBe(false);
    expect(isLateAnswer(event.event, at + LATE_ANSWER_MS + 1)).toBe(true);
    // Below the claim's hour, with room for clocks that disagree.
    expect(LATE_ANSWER_MS).toBe(50 * 60 * 1000);
    for (const timestamp of [undefined, 'yesterday', 1733130000]) {
      const undated = answer(timestamp);
      if (!undated.ok) throw new Error(undated.reason);
      expect(undated.event).not.toHaveProperty('at');
      expect(isLateAnswer(undated.event, at + 10 * LATE_ANSWER_MS)).toBe(false);
    }
    const handoff = classifyOpencxEvent({
      event: 'conversation.handoff_to_human',
      data: { conversation_id: 's-1', timestamp: '2020-01-01T00:00:00Z' },
    });
    if (!handoff.ok) throw new Error(handoff.reason);
    expect(isLateAnswer(handoff.event, at)).toBe(false);
  });

  test('other event types are recognised and not handled', () => {
    expect(classifyOpencxEvent({ event: 'csat.requested', data: {} })).toEqual({
      ok: true,
      event: { kind: 'not-handled', type: 'csat.requested' },
    });
  });

  test.each([
    ['not an object', 'hello', /not a JSON object/],
    ['no event type', { data: {} }, /no event type/],
    ['no data', { event: 'conversation.ai_response' }, /without a data object/],
    ['no session', { event: 'conversation.ai_response', data: { message: { content: 'x' } } }, /conversation_id/],
    [
      'a session id with a slash',
      { event: 'conversation.handoff_to_human', data: { conversation_id: 'a/b' } },
      /not an OpenCX session id/,
    ],
    [
      'a session id with control characters',
      { event: 'conversation.handoff_to_human', data: { conversation_id: 'a\u0000b\u001b[31m\r\n' } },
      /not an OpenCX session id/,
    ],
    [
      'a session id of 60,000 characters',
      { event: 'conversation.ai_response', data: { conversation_id: 'x'.repeat(60_000), response: 'Hi' } },
      /not an OpenCX session id/,
    ],
    [
      'no text',
      { event: 'conversation.ai_response', data: { conversation_id: 's', message: { content: '  ' } } },
      /no answer text/,
    ],
  ])('malformed (%s) is refused with a reason', (_, body, reason) => {
    const result = classifyOpencxEvent(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});
