import {
  currentObjects,
  earlierLocationsOf,
  everyObject,
  locationOf,
  shardName,
  shardOf,
  type ShardedObjects,
} from './shards';

const keys = Array.from({ length: 2000 }, (_, i) => `CH${String(i).padStart(32, '0')}`);

describe('shardOf', () => {
  it('is a fixed function of the key: the same shard on every call and in every process', () => {
    // Pinned values: a change of the hash would move every stored item.
    expect(shardOf('msg_IM1', 8)).toBe(2);
    expect(shardOf('CH00000000000000000000000000000001', 64)).toBe(shardOf('CH00000000000000000000000000000001', 64));
    expect(keys.map((key) => shardOf(key, 64))).toEqual(keys.map((key) => shardOf(key, 64)));
  });

  it('spreads keys evenly: no shard of 64 gets more than twice its share of 2,000 conversations', () => {
    const load = new Array<number>(64).fill(0);
    for (const key of keys) load[shardOf(key, 64)] += 1;
    expect(load.every((n) => n > 0)).toBe(true);
    expect(Math.max(...load)).toBeLessThan((2 * keys.length) / 64);
  });
});

describe('a sharded family of Sync objects', () => {
  const conversations: ShardedObjects = { base: 'opencx_conversations', count: 64, retired: [1] };

  it('names one object per shard; an unsharded layout keeps the bare name', () => {
    expect(currentObjects(conversations)).toHaveLength(64);
    expect(currentObjects(conversations)[0]).toBe('opencx_conversations_0');
    expect(shardName('opencx_conversations', 1, 0)).toBe('opencx_conversations');
    expect(locationOf(conversations, 'CH1')).toBe(`opencx_conversations_${shardOf('CH1', 64)}`);
  });

  it('still finds an item written under a retired count: the unsharded map', () => {
    expect(earlierLocationsOf(conversations, 'CH1')).toEqual(['opencx_conversations']);
    expect(everyObject(conversations)).toEqual([...currentObjects(conversations), 'opencx_conversations']);
  });

  it('a change of count looks where the old count put the key, newest first, never where it lives now', () => {
    const grown: ShardedObjects = { base: 'opencx_dedup', count: 32, retired: [16, 8] };
    for (const key of keys.slice(0, 200)) {
      const earlier = earlierLocationsOf(grown, key);
      const old = [`opencx_dedup_${shardOf(key, 16)}`, `opencx_dedup_${shardOf(key, 8)}`].filter(
        (name, i, all) => all.indexOf(name) === i && name !== locationOf(grown, key),
      );
      expect(earlier).toEqual(old);
    }
    expect(earlierLocationsOf({ base: 'opencx_dedup', count: 8, retired: [] }, 'k')).toEqual([]);
  });
});
