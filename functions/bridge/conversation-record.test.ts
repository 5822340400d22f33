import { parseConfig } from '../common/config';
import {
  answerInFlight,
  configToRecord,
  type ConversationRecord,
  isAbandonedClaim,
  isStaleClaim,
  recordedConfigFor,
  shouldRecordConfig,
  STALE_CLAIM_MS,
  startAnswer,
} from './conversation-record';

const CLAIMED_AT = 1_700_000_000_000;
const claim = (over: Partial<ConversationRecord> = {}): ConversationRecord => ({
  workspaceSid: 'WS1',
  taskSid: 'WT1',
  phase: 'ai',
  claimedAt: CLAIMED_AT,
  ...over,
});

describe('isAbandonedClaim', () => {
  it('a claim without a session the offer timer did not take over within a minute is abandoned', () => {
    expect(isAbandonedClaim(claim(), CLAIMED_AT + 60_000)).toBe(false);
    expect(isAbandonedClaim(claim(), CLAIMED_AT + 60_001)).toBe(true);
    expect(isAbandonedClaim(claim({ sessionId: 'session-1' }), CLAIMED_AT + 3_600_000)).toBe(false);
  });
});

describe("an answer OpenCX's webhook is posting", () => {
  const held = claim({ sessionId: 's1' });

  it('is marked only while the AI holds the conversation in its session', () => {
    expect(startAnswer(held, 's1', 'ans_s1_m7')).toEqual({ ...held, answering: 'ans_s1_m7' });
    expect(startAnswer(claim({ sessionId: 's1', phase: 'handoff' }), 's1', 'ans_s1_m7')).toBeUndefined();
    expect(startAnswer(claim({ sessionId: 's2' }), 's1', 'ans_s1_m7')).toBeUndefined();
  });

  it('is waited for by a watchdog until the conversation shows it, and once only', () => {
    const posting = { ...held, answering: 'ans_s1_m7' };
    expect(answerInFlight(posting, new Set())).toBe('ans_s1_m7');
    expect(answerInFlight(posting, new Set(['ans_s1_m7']))).toBeUndefined();
    expect(answerInFlight(posting, new Set(), 'ans_s1_m7')).toBeUndefined();
    expect(answerInFlight(posting, new Set(), 'ans_s1_m6')).toBe('ans_s1_m7');
    expect(answerInFlight(held, new Set())).toBeUndefined();
    // Resumed in a new session after a hand-back: the earlier session's answer is not waited for.
    expect(answerInFlight({ ...posting, sessionId: 's2' }, new Set())).toBeUndefined();
  });
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

describe('the settings a record carries', () => {
  const config = parseConfig({
    opencxToken: 'ocx_live_x',
    workspaceSid: 'WS1',
    aiWorkerSid: 'WK1',
    conversationsServiceSid: 'IS1',
    opencxWebhookSecret: 'whsec',
    configVersion: 'v1',
  })!;
  const recorded = configToRecord(config)!;

  it('are the settings without the webhook secret', () => {
    expect(recorded).toMatchObject({ opencxToken: 'ocx_live_x', configVersion: 'v1' });
    expect(JSON.stringify(recorded)).not.toContain('whsec');
  });

  it('serve only an event whose URL names their version', () => {
    expect(recordedConfigFor(claim({ config: recorded }), 'v1')).toBe(recorded);
    expect(recordedConfigFor(claim({ config: recorded }), 'v2')).toBeUndefined();
    expect(recordedConfigFor(claim({ config: recorded }), undefined)).toBeUndefined();
    expect(recordedConfigFor(claim(), 'v1')).toBeUndefined();
  });

  it('are not kept for settings without a version, or too large for a Sync item', () => {
    expect(configToRecord({ ...config, configVersion: '' })).toBeUndefined();
    const translations = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-${i}`, 'n'.repeat(320)]));
    expect(configToRecord({ ...config, customerHandoffNoteTranslations: translations })).toBeUndefined();
  });

  it('are put on the record when the event names the saved version and the record has another', () => {
    expect(shouldRecordConfig(claim(), config, 'v1')).toBe(true);
    expect(shouldRecordConfig(claim({ config: { ...recorded, configVersion: 'v0' } }), config, 'v1')).toBe(true);
    expect(shouldRecordConfig(claim({ config: recorded }), config, 'v1')).toBe(false);
    // An event from a URL registered before the save: its version is not the document's.
    expect(shouldRecordConfig(claim(), config, 'v0')).toBe(false);
    expect(shouldRecordConfig(undefined, config, 'v1')).toBe(false);
  });
});
