import QuickLRU from 'quick-lru';

/**
 * A map that forgets its least recently used entries beyond `capacity`, approximately:
 * quick-lru's two generations (hashlru), each a Map of at most half the capacity. A read finds
 * its entry in the newer one, or moves it there from the older; once the newer is full it
 * becomes the older and the older is dropped whole. So it holds at most `capacity` entries,
 * and an entry read or written within the last half-capacity of writes is always kept.
 *
 * Why not a Map that re-inserts each key it reads (exact LRU, as before): under steady churn
 * its deleted slots make every read slower (0.3 to 2.6 µs against 0.07 to 0.15), about 2% of a
 * command (the token cache, the folded-stream cache, the document cache are read per request).
 * Nor lru-cache: it preallocates its lists at `max`, so its clear() costs as much (0.3 ms for
 * 100,000), and the stores clear these caches whenever another process commits.
 */
export class LruCache<K, V> {
  private readonly entries: QuickLRU<K, V>;

  constructor(capacity: number) {
    this.entries = new QuickLRU<K, V>({ maxSize: Math.max(1, Math.ceil(capacity / 2)) });
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
