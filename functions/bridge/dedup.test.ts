import { DEDUP_SHARDS, DEDUP_TTL_SECONDS, dedupShard, messageClaimKey } from './dedup';

describe('messageClaimKey', () => {
  it('is the message SID: a Twilio retry of the same message has the same key', () => {
    expect(messageClaimKey('IM00000000000000000000000000000001')).toBe(messageClaimKey('IM00000000000000000000000000000001'));
  });

  it('two messages with the same text in the same second have different keys', () => {
    expect(messageClaimKey('IM00000000000000000000000000000001')).not.toBe(messageClaimKey('IM00000000000000000000000000000002'));
  });
});

describe('dedupShard', () => {
  it('spreads keys over every shard', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => dedupShard(messageClaimKey(`IM${String(i).padStart(32, '0')}`))));
    expect([...shards].sort()).toEqual(Array.from({ length: DEDUP_SHARDS }, (_, i) => i));
  });

  it('is stable for a key', () => {
    expect(dedupShard('ans_session_1')).toBe(dedupShard('ans_session_1'));
  });

  it('remembers claims for one hour', () => {
    expect(DEDUP_TTL_SECONDS).toBe(3600);
  });
});
