import { idleTimerAttributes, idleVerdict, readIdleTimer } from './idle';

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
