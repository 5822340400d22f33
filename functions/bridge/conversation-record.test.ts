import { ConversationRecord, isStaleClaim, STALE_CLAIM_MS } from './conversation-record';

const CLAIMED_AT = 1_700_000_000_000;
const claim = (over: Partial<ConversationRecord> = {}): ConversationRecord => ({
  workspaceSid: 'WS1',
  taskSid: 'WT1',
  phase: 'ai',
  claimedAt: CLAIMED_AT,
  ...over,
});

describe('isStaleClaim', () => {
  it('a claim without a session is fresh up to 15 s, stale after', () => {
    expect(STALE_CLAIM_MS).toBe(15000);
    expect(isStaleClaim(claim(), CLAIMED_AT)).toBe(false);
    expect(isStaleClaim(claim(), CLAIMED_AT + 15000)).toBe(false);
    expect(isStaleClaim(claim(), CLAIMED_AT + 15001)).toBe(true);
    expect(isStaleClaim(claim(), CLAIMED_AT + 3_600_000)).toBe(true);
  });

  it('a record with a session is never stale, however old', () => {
    expect(isStaleClaim(claim({ sessionId: 'session-1' }), CLAIMED_AT + 3_600_000)).toBe(false);
  });
});
