import {
  countResponse,
  emptyTally,
  flushDue,
  flushOpencxUsage,
  noteOpencxResponse,
  recentUsage,
  USAGE_FLUSH_EVERY_MS,
  USAGE_WINDOW_MS,
  usageItemKey,
  type UsageItem,
} from './opencx-usage';

const T0 = Date.parse('2026-12-02T07:00:00Z');

describe('counting OpenCX requests and 429s per key', () => {
  it('counts every answer of a key and the 429s among them', () => {
    const tally = emptyTally(T0);
    countResponse(tally, 'k1', 201);
    countResponse(tally, 'k1', 429);
    countResponse(tally, 'k2', undefined);
    expect(tally.keys).toEqual({ k1: { requests: 2, limited: 1 }, k2: { requests: 1, limited: 0 } });
  });
});

describe('flushDue: at most one Sync write a minute per container, none per relayed message', () => {
  const counted = (status: number, since = T0) => {
    const tally = emptyTally(since);
    countResponse(tally, 'k1', status);
    return tally;
  };

  it('does not write a young tally without a 429 (the common case costs no call)', () => {
    expect(flushDue(counted(201), undefined, T0 + 5_000)).toBe(false);
    expect(flushDue(emptyTally(T0), undefined, T0 + USAGE_FLUSH_EVERY_MS)).toBe(false);
  });

  it('writes a minute of counts, and a 429 at once', () => {
    expect(flushDue(counted(201), undefined, T0 + USAGE_FLUSH_EVERY_MS)).toBe(true);
    expect(flushDue(counted(429), undefined, T0 + 1)).toBe(true);
  });

  it('never writes twice within a minute, 429 or not', () => {
    expect(flushDue(counted(429), T0, T0 + USAGE_FLUSH_EVERY_MS - 1)).toBe(false);
    expect(flushDue(counted(429), T0, T0 + USAGE_FLUSH_EVERY_MS)).toBe(true);
  });
});

describe('recentUsage: what the setup check sums', () => {
  const item = (minutesAgo: number, keys: UsageItem['keys']) => ({
    at: new Date(T0 - minutesAgo * 60_000).toISOString(),
    keys,
  });

  it('sums the items written within the window, by key', () => {
    const items = [
      item(1, { k1: { requests: 10, limited: 2 } }),
      item(5, { k1: { requests: 5, limited: 0 }, k2: { requests: 3, limited: 3 } }),
      item(20, { k1: { requests: 100, limited: 50 } }),
    ];
    expect(recentUsage(items, T0)).toEqual({ k1: { requests: 15, limited: 2 }, k2: { requests: 3, limited: 3 } });
    expect(USAGE_WINDOW_MS).toBe(15 * 60_000);
  });

  it('skips what it cannot read', () => {
    expect(
      recentUsage(
        [null, 'x', { at: 'yesterday', keys: {} }, item(1, { k1: { requests: 'many', limited: 1 } as never })],
        T0,
      ),
    ).toEqual({
      k1: { requests: 0, limited: 1 },
    });
  });

  it('names items so that a descending listing starts with the newest', () => {
    expect(usageItemKey(T0 + 1, 'b') > usageItemKey(T0, 'a')).toBe(true);
    expect(usageItemKey(T0, 'a')).toMatch(/^[0-9a-z]{10}_a$/);
  });
});

describe("this container's tally", () => {
  it('writes a 429 at once, then nothing for a minute; a failed write is counted again', async () => {
    const writes: UsageItem[] = [];
    noteOpencxResponse('k1', 429);
    await flushOpencxUsage(async () => Promise.reject(new Error('Sync down')), T0);
    noteOpencxResponse('k1', 201);
    await flushOpencxUsage(async (_key, written) => void writes.push(written), T0 + 1000);
    expect(writes).toEqual([]);
    await flushOpencxUsage(async (_key, written) => void writes.push(written), T0 + USAGE_FLUSH_EVERY_MS);
    expect(writes).toEqual([
      { at: new Date(T0 + USAGE_FLUSH_EVERY_MS).toISOString(), keys: { k1: { requests: 2, limited: 1 } } },
    ]);
  });
});
