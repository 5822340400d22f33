import {
  ANSWER_WAITS,
  activitySince,
  idleTimerAttributes,
  idleVerdict,
  newestActivity,
  readIdleTimer,
  silenceBegan,
} from './idle';

const MINUTE = 60_000;

describe('idleVerdict', () => {
  it('closes once nobody wrote for the whole time', () => {
    expect(idleVerdict(0, 30 * MINUTE, 30)).toEqual({ close: true });
    expect(idleVerdict(0, 31 * MINUTE, 30)).toEqual({ close: true });
  });

  it('looks again when the time since the newest message is up', () => {
    expect(idleVerdict(10 * MINUTE, 30 * MINUTE, 30)).toEqual({ close: false, afterSeconds: 600 });
    expect(idleVerdict(0, 30 * MINUTE - 1500, 30)).toEqual({ close: false, afterSeconds: 60 });
  });
});

describe('the idle timer attributes', () => {
  it('round-trips, and refuses a timer without its conversation, session or time', () => {
    const timer = { conversationSid: 'CH1', sessionId: 's-1', interactionSid: 'KD1', channelSid: 'UO1', since: 7 };
    expect(readIdleTimer(idleTimerAttributes(timer))).toEqual(timer);
    expect(readIdleTimer({ conversationSid: 'CH1', sessionId: 's-1', since: 7, interactionSid: 3 })).toEqual({
      conversationSid: 'CH1',
      sessionId: 's-1',
      since: 7,
    });
    expect(readIdleTimer({ conversationSid: 'CH1', since: 7 })).toBeUndefined();
    expect(readIdleTimer(undefined)).toBeUndefined();
  });
});

describe('newestActivity and customerWroteSince (the messages a check reads, newest first)', () => {
  const message = (index: number, author: string, role?: string) => ({
    sid: `IM${index}`,
    author,
    body: `message ${index}`,
    attributes: role ? { opencx: { role } } : {},
    sentAt: index * MINUTE,
    index,
    hasMedia: false,
  });

  it("skips our note that the chat is closed: a check tried again after a failed close doesn't count it", () => {
    const newestFirst = [message(3, 'AI', 'idle-close-note'), message(2, 'AI', 'ai'), message(1, 'customer')];
    expect(newestActivity(newestFirst)?.index).toBe(2);
    expect(newestActivity([message(3, 'customer')])?.index).toBe(3);
    expect(newestActivity([])).toBeUndefined();
    // A customer's own message dressed as our note is the customer's: they are writing.
    const dressed = { ...message(3, 'customer', 'idle-close-note'), participantSid: 'MB1' };
    expect(newestActivity([dressed, message(1, 'customer')])?.index).toBe(3);
  });

  it('finds activity after the message the check decided on, never an older one or our close note', () => {
    const decidedOn = message(2, 'AI', 'ai');
    const after = [message(4, 'customer'), message(3, 'AI', 'idle-close-note'), decidedOn, message(1, 'customer')];
    expect(activitySince(after, decidedOn)?.index).toBe(4);
    expect(activitySince(after.slice(1), decidedOn)).toBeUndefined();
    expect(activitySince([message(1, 'customer')], undefined)?.index).toBe(1);
    // A long answer to the customer's message, in parts, may be all a three-message read finds of it.
    const parts = [message(7, 'AI', 'ai'), message(6, 'AI', 'ai'), message(5, 'AI', 'ai')];
    expect(activitySince(parts, decidedOn)?.index).toBe(7);
    expect(activitySince([message(5, 'AI', 'idle-close-note'), decidedOn], decidedOn)).toBeUndefined();
  });
});

describe('silenceBegan', () => {
  test("a customer message the AI has not answered starts the silence only after the watchdog's waits", () => {
    expect(silenceBegan(1_000, false, 600)).toBe(1_000);
    expect(silenceBegan(1_000, true, 600)).toBe(1_000 + ANSWER_WAITS * 600_000);
    // Ten minutes of silence since the customer's unanswered message close nothing.
    expect(idleVerdict(silenceBegan(0, true, 600), 10 * 60_000, 10)).toEqual({ close: false, afterSeconds: 1200 });
  });
});
