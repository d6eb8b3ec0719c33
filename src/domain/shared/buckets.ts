/**
 * An immutable map for aggregates that remember many entries (a hot SKU's open
 * reservations), as plain JSON so it snapshots as is. Entries are spread over up to 64
 * buckets by a hash of their key: a change copies one bucket and the bucket index instead
 * of every entry, so folding a stream stays linear in its length. Empty buckets are left out.
 */
export type Buckets<V> = Readonly<Record<string, Readonly<Record<string, V>>>>;

const BUCKETS = 64;

/** FNV-1a over the key's UTF-16 code units: stable across processes and versions. */
const bucketOf = (key: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return String((hash >>> 0) % BUCKETS);
};

export const emptyBuckets = <V>(): Buckets<V> => ({});

export const bucketGet = <V>(buckets: Buckets<V>, key: string): V | undefined => {
  const bucket = buckets[bucketOf(key)];
  return bucket && Object.prototype.hasOwnProperty.call(bucket, key) ? bucket[key] : undefined;
};

export const bucketSet = <V>(buckets: Buckets<V>, key: string, value: V): Buckets<V> => {
  const b = bucketOf(key);
  return { ...buckets, [b]: { ...buckets[b], [key]: value } };
};

export const bucketDelete = <V>(buckets: Buckets<V>, key: string): Buckets<V> => {
  const b = bucketOf(key);
  const bucket = buckets[b];
  if (!bucket || !Object.prototype.hasOwnProperty.call(bucket, key)) return buckets;
  const { [key]: _removed, ...rest } = bucket;
  if (Object.keys(rest).length > 0) return { ...buckets, [b]: rest };
  const { [b]: _empty, ...others } = buckets;
  return others;
};

export const bucketEntries = <V>(buckets: Buckets<V>): Array<[string, V]> =>
  Object.values(buckets).flatMap((bucket) => Object.entries(bucket));

export const bucketSize = <V>(buckets: Buckets<V>): number =>
  Object.values(buckets).reduce((sum, bucket) => sum + Object.keys(bucket).length, 0);
