// Sync allows about 20 reads and 20 writes a second per object (a map counts as one object), so
// state whose traffic grows with the contact center is spread over a fixed number of objects.
import { createHash } from 'node:crypto';

/**
 * A family of Sync objects holding one kind of state. `count` is fixed: a key's shard is a hash of
 * the key, so it never moves while the count stays. To change the count, move the old count into
 * `retired`: reads that miss fall back to the retired layouts, so no item is lost; drop a retired
 * count once its items have expired or ended.
 */
export interface ShardedObjects {
  base: string;
  count: number;
  /** Earlier counts whose items may still exist, newest first. 1 is the unsharded object named `base`. */
  retired: readonly number[];
}

/** The shard of `key` among `count`: the first 32 bits of its SHA-256, modulo the count. */
export function shardOf(key: string, count: number): number {
  return parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % count;
}

/** One object's name: the base alone for an unsharded layout, `<base>_<shard>` otherwise. */
export function shardName(base: string, count: number, shard: number): string {
  return count === 1 ? base : `${base}_${shard}`;
}

/** Where `key` lives now. */
export function locationOf(objects: ShardedObjects, key: string): string {
  return shardName(objects.base, objects.count, shardOf(key, objects.count));
}

/** Where `key` may have been written under a retired count, newest first, other than where it lives now. */
export function earlierLocationsOf(objects: ShardedObjects, key: string): string[] {
  const now = locationOf(objects, key);
  const earlier = objects.retired.map((count) => shardName(objects.base, count, shardOf(key, count)));
  return [...new Set(earlier)].filter((name) => name !== now);
}

/** Every object of the current layout. */
export function currentObjects(objects: ShardedObjects): string[] {
  return Array.from({ length: objects.count }, (_, shard) => shardName(objects.base, objects.count, shard));
}

/** Every object that may hold items: the current layout's and the retired layouts'. */
export function everyObject(objects: ShardedObjects): string[] {
  const retired = objects.retired.flatMap((count) =>
    Array.from({ length: count }, (_, shard) => shardName(objects.base, count, shard)),
  );
  return [...new Set([...currentObjects(objects), ...retired])];
}
