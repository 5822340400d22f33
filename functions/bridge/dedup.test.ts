import { locationOf } from '../common/shards';
import { answerKey, DEDUP_SHARDS, DEDUP_TTL_SECONDS, messageClaimKey } from './dedup';
import { CLAIM_MAPS } from './state';

describe('messageClaimKey', () => {
  it('is the message SID: a Twilio retry of the same message has the same key', () => {
    expect(messageClaimKey('IM00000000000000000000000000000001')).toBe(
      messageClaimKey('IM00000000000000000000000000000001'),
    );
  });

  it('two messages with the same text in the same second have different keys', () => {
    expect(messageClaimKey('IM00000000000000000000000000000001')).not.toBe(
      messageClaimKey('IM00000000000000000000000000000002'),
    );
  });
});

describe('the claim maps', () => {
  it('remember claims for one hour', () => {
    expect(DEDUP_TTL_SECONDS).toBe(3600);
  });

  it('keep the eight maps and the shard of every key they had before sharding moved to common/shards', () => {
    expect(CLAIM_MAPS).toEqual({ base: 'opencx_dedup', count: DEDUP_SHARDS, retired: [] });
    expect(DEDUP_SHARDS).toBe(8);
    // sha256('msg_IM1') starts with 019655aa: 0x019655aa % 8 = 2, where the first sharding put it.
    expect(locationOf(CLAIM_MAPS, messageClaimKey('IM1'))).toBe('opencx_dedup_2');
  });
});

describe('answerKey', () => {
  test('an id that is not a plain token is hashed into a Sync key, the same on both paths', () => {
    for (const id of ['msg:1.2', '../m', 'm'.repeat(1000), '1e+21']) {
      const key = answerKey('s1', { answerId: id, text: 'Hi' });
      expect(key).toMatch(/^ans_s1_h[0-9a-f]{32}$/);
      expect(answerKey('s1', { answerId: id, text: 'Other text' })).toBe(key);
    }
    expect(answerKey('s1', { answerId: 'msg:1', text: 'Hi' })).not.toBe(
      answerKey('s1', { answerId: 'msg:2', text: 'Hi' }),
    );
    expect(answerKey('s1', { answerId: 'm-1_A', text: 'Hi' })).toBe('ans_s1_m-1_A');
  });

  test('is the same for the fast path and the webhook of one answer', () => {
    expect(answerKey('s1', { answerId: 'm1', text: 'Hi' })).toBe(answerKey('s1', { answerId: 'm1', text: 'Hi' }));
    expect(answerKey('s1', { text: 'Hi' })).toBe(answerKey('s1', { text: 'Hi' }));
  });

  test('without an id, the same words sent at another time are another answer; the id alone names one', () => {
    expect(answerKey('s1', { text: 'Hi', at: 1 })).toBe(answerKey('s1', { text: 'Hi', at: 1 }));
    expect(answerKey('s1', { text: 'Hi', at: 1 })).not.toBe(answerKey('s1', { text: 'Hi', at: 2 }));
    expect(answerKey('s1', { text: 'Hi', at: 1 })).not.toBe(answerKey('s1', { text: 'Hi' }));
    expect(answerKey('s1', { answerId: 'm1', text: 'Hi', at: 1 })).toBe('ans_s1_m1');
  });

  test('differs between answers and sessions', () => {
    expect(answerKey('s1', { answerId: 'm1', text: 'Hi' })).not.toBe(answerKey('s1', { answerId: 'm2', text: 'Hi' }));
    expect(answerKey('s1', { text: 'Hi' })).not.toBe(answerKey('s2', { text: 'Hi' }));
  });
});
