import { DEDUP_SHARDS, DEDUP_TTL_SECONDS, dedupKey, dedupShard } from './dedup';

const CONVERSATION = 'CH00000000000000000000000000000001';
const AT = Date.UTC(2026, 2, 1, 10, 0, 5, 0);

describe('dedupKey', () => {
  it('is stable for the same conversation, body and send time', () => {
    expect(dedupKey(CONVERSATION, 'Where is my order?', AT)).toBe(dedupKey(CONVERSATION, 'Where is my order?', AT));
  });

  it('is a hex digest, not the message itself', () => {
    const key = dedupKey(CONVERSATION, 'my card number is 4111', AT);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('4111');
  });

  it('differs when the conversation differs', () => {
    expect(dedupKey(CONVERSATION, 'hi', AT)).not.toBe(dedupKey('CH00000000000000000000000000000002', 'hi', AT));
  });

  it('differs when the body differs (even by case or whitespace)', () => {
    expect(dedupKey(CONVERSATION, 'hi', AT)).not.toBe(dedupKey(CONVERSATION, 'Hi', AT));
    expect(dedupKey(CONVERSATION, 'hi', AT)).not.toBe(dedupKey(CONVERSATION, 'hi ', AT));
  });

  it('differs when the send second differs', () => {
    expect(dedupKey(CONVERSATION, 'hi', AT)).not.toBe(dedupKey(CONVERSATION, 'hi', AT + 1000));
    expect(dedupKey(CONVERSATION, 'hi', AT + 999)).not.toBe(dedupKey(CONVERSATION, 'hi', AT + 1000));
  });

  it('is the same within the same second', () => {
    expect(dedupKey(CONVERSATION, 'hi', AT)).toBe(dedupKey(CONVERSATION, 'hi', AT + 1));
    expect(dedupKey(CONVERSATION, 'hi', AT)).toBe(dedupKey(CONVERSATION, 'hi', AT + 999));
  });

  it('does not confuse the body with the conversation', () => {
    expect(dedupKey('CH1', '2', AT)).not.toBe(dedupKey('CH12', '', AT));
  });
});

describe('dedupShard', () => {
  it('uses 8 shards and a 1-hour TTL', () => {
    expect(DEDUP_SHARDS).toBe(8);
    expect(DEDUP_TTL_SECONDS).toBe(3600);
  });

  it('is an integer in 0..7, the same for the same key', () => {
    for (let i = 0; i < 200; i++) {
      const key = dedupKey(CONVERSATION, `message ${i}`, AT);
      const shard = dedupShard(key);
      expect(Number.isInteger(shard)).toBe(true);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(8);
      expect(dedupShard(key)).toBe(shard);
    }
  });

  it('spreads keys over every shard, none taking much more than its share', () => {
    const counts = new Array<number>(8).fill(0);
    const total = 4000;
    for (let i = 0; i < total; i++) counts[dedupShard(dedupKey(`CH${i}`, 'hello', AT + i * 1000))]++;
    for (const count of counts) {
      expect(count).toBeGreaterThan(total / 8 / 2);
      expect(count).toBeLessThan((total / 8) * 1.5);
    }
  });
});
