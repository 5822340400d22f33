import { keyId, keysInOrder, MIN_ATTEMPT_AFTER_WAIT_MS, parseRetryAfter, waitFits } from './opencx-rate-limit';

const NOW = Date.parse('2026-12-02T07:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['12', 12_000],
    [' 0 ', 0],
    ['Wed, 02 Dec 2026 07:00:30 GMT', 30_000],
    ['Wed, 02 Dec 2026 06:59:00 GMT', 0],
    ['', undefined],
    [null, undefined],
    ['soon', undefined],
    ['-3', undefined],
  ])('%j → %j ms', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });
});

describe('waitFits', () => {
  it('waits only when an attempt still fits after the wait', () => {
    expect(waitFits(2000, 2000 + MIN_ATTEMPT_AFTER_WAIT_MS)).toBe(true);
    expect(waitFits(2000, 2000 + MIN_ATTEMPT_AFTER_WAIT_MS - 1)).toBe(false);
    expect(waitFits(undefined, 10_000)).toBe(false);
  });
});

describe('keysInOrder', () => {
  const keys = ['k1', 'k2', 'k3'];
  const sids = Array.from({ length: 300 }, (_, i) => `CH${i.toString(16).padStart(32, '0')}`);

  it('puts the conversation’s own key first and every other key after it, each once', () => {
    for (const sid of sids.slice(0, 20)) {
      const order = keysInOrder(keys, sid);
      expect([...order].sort()).toEqual(keys);
      expect(keysInOrder(keys, sid)).toEqual(order);
    }
  });

  it('spreads conversations about evenly over the keys', () => {
    const counts = new Map<string, number>();
    for (const sid of sids) counts.set(keysInOrder(keys, sid)[0], (counts.get(keysInOrder(keys, sid)[0]) ?? 0) + 1);
    for (const key of keys) expect(counts.get(key)).toBeGreaterThan(70);
  });

  it('keeps the saved order without a conversation or with one key', () => {
    expect(keysInOrder(keys, undefined)).toEqual(keys);
    expect(keysInOrder(['only'], 'CH1')).toEqual(['only']);
  });
});

describe('keyId', () => {
  it('names a key by a short digest that does not contain it', () => {
    expect(keyId('ocx_live_secret_1234')).toMatch(/^[0-9a-f]{12}$/);
    expect(keyId('ocx_live_secret_1234')).toBe(keyId('ocx_live_secret_1234'));
    expect(keyId('ocx_live_secret_1234')).not.toBe(keyId('ocx_live_secret_1235'));
  });
});
