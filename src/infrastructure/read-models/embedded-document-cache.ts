import { LruCache } from '../lru-cache.js';
import type { Document } from './read-model-store.js';

/**
 * Documents of collections not held whole, read lately by id, and ids looked up lately and not
 * found (null): a projection's batch looks up every document it is about to write, and those
 * of a new order are not there yet. A write of this connection to an id known here puts what it
 * wrote in its place, so the next batch finds it without reading the file; another
 * connection's change drops the ids the change log names (`forgetIds`) or, when it does not name
 * them, everything held of the collection (`forgetAll`).
 */
export class DocumentCache {
  private readonly lru: LruCache<string, Document | null>;
  /**
   * A generation per collection, part of its documents' keys: raised by forgetAll, so that
   * nothing cached of it before is found again (those entries age out of the LRU).
   */
  private readonly generations = new Map<string, number>();
  /** Documents cached per collection since its generation last moved, and how many entries of older generations the cache may still hold. */
  private readonly cachedSince = new Map<string, number>();
  private stale = 0;

  constructor(private readonly capacity: number) {
    this.lru = new LruCache(capacity);
  }

  /** The document (null: known not to be there), or undefined when nothing is known of it. */
  get(name: string, id: string): Document | null | undefined {
    return this.lru.get(this.key(name, id));
  }

  remember(name: string, id: string, doc: Document | null): void {
    this.lru.set(this.key(name, id), doc);
    this.cachedSince.set(name, (this.cachedSince.get(name) ?? 0) + 1);
  }

  /** What this connection wrote, in place of what was known of the id (nothing is added for ids nobody read). */
  written(name: string, id: string, doc: Document | null): void {
    const key = this.key(name, id);
    if (this.lru.get(key) !== undefined) this.lru.set(key, doc);
  }

  /** Whether anything of the collection may be held. */
  holds(name: string): boolean {
    return (this.cachedSince.get(name) ?? 0) > 0;
  }

  forgetIds(name: string, ids: Iterable<string>): void {
    for (const id of ids) this.lru.delete(this.key(name, id));
  }

  forgetAll(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    this.stale += this.cachedSince.get(name) ?? 0;
    this.cachedSince.delete(name);
    // Entries of an older generation hold memory until the LRU drops them: past a quarter of it, the cache starts over.
    if (this.stale > this.capacity / 4) {
      this.lru.clear();
      this.cachedSince.clear();
      this.stale = 0;
    }
  }

  private key(collection: string, id: string): string {
    return `${collection}\u0000${this.generations.get(collection) ?? 0}\u0000${id}`;
  }
}
