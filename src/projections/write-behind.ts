import type { Document, LoadedDocument, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';

/**
 * What a rebuild (or a verification) holds back (RunnerOptions.writeBehind): up to `limit`
 * changed documents in memory between batches, handing the least recently changed to the
 * store's load() when there are more, and all of them at the end. A SKU's stock level
 * changes in every batch of a shop's history: it is then written a few times, not once per
 * batch. Nothing of it matches a checkpoint until the end, so only a runner that starts
 * over when interrupted may use it.
 */
export class WriteBehind {
  /** Changed documents not handed out yet (null: deleted), least recently changed first. */
  private readonly dirty = new Map<string, Held>();
  /**
   * Documents changed again after they were handed out (a product, touched by order after
   * order, unlike an order's own documents, busy for a while and then done): held apart,
   * least recently changed first, and handed out only beyond 60% of the limit.
   */
  private readonly recurring = new Map<string, Held>();
  /** Keys handed out lately, oldest first (about `limit` of them). */
  private ghosts = new Set<string>();
  /** Documents handed to load() and not written yet: read from memory meanwhile. */
  private readonly loading = new Map<string, Held>();
  /** Loads on their way, oldest first. */
  private loads: Array<Promise<void>> = [];
  /** `fresh`: the keys of every document handed out (a document not in it is not stored). */
  private readonly handedOut: KeyFilter | undefined;

  /**
   * `fresh`: the collections started empty and nothing else writes them, so a document never
   * handed out is known not to be stored, and need not be looked up.
   */
  constructor(
    private readonly store: ReadModelStore,
    private readonly limit: number,
    fresh: boolean,
  ) {
    this.handedOut = fresh ? new KeyFilter() : undefined;
  }

  /** The document as held or on its way to the store (null: deleted), or undefined when neither. */
  get(collection: string, id: string): Document | null | undefined {
    if (this.dirty.size === 0 && this.recurring.size === 0 && this.loading.size === 0) return undefined;
    const key = heldKey(collection, id);
    return (this.dirty.get(key) ?? this.recurring.get(key) ?? this.loading.get(key))?.doc;
  }

  /** The documents held or on their way to the store whose `field` equals `value` (not the deleted ones). */
  matching(collection: string, field: string, value: unknown): Document[] {
    const found = new Map<string, Document>();
    for (const held of [...this.loading.values(), ...this.dirty.values(), ...this.recurring.values()]) {
      if (held.collection !== collection) continue;
      // A later map holds the newer version: dirty and recurring are newer than what is loading.
      if (held.doc && held.doc[field] === value) found.set(held.id, held.doc);
      else found.delete(held.id);
    }
    return [...found.values()];
  }

  /** False when the store cannot hold the document (fresh collections, never handed out): no need to look. */
  mayBeStored(collection: string, id: string): boolean {
    return this.handedOut?.mayHave(heldKey(collection, id)) ?? true;
  }

  /** Keeps a batch's changes, handing the least recently changed out beyond the limit. */
  async hold(changes: Iterable<LoadedDocument>): Promise<void> {
    for (const held of changes) {
      const key = heldKey(held.collection, held.id);
      // To the back of its map: changed just now.
      if (this.recurring.delete(key) || this.ghosts.delete(key)) this.recurring.set(key, held);
      else {
        this.dirty.delete(key);
        this.dirty.set(key, held);
      }
    }
    const size = this.dirty.size + this.recurring.size;
    // Down to three quarters of the limit, so that writes go out in batches.
    if (size > this.limit) await this.handOut(size - Math.floor(this.limit * 0.75));
  }

  /** Hands out everything held and waits until the store has written it all. */
  async drain(): Promise<void> {
    await this.handOut(this.dirty.size + this.recurring.size);
    await this.settleLoads(0);
  }

  /** Hands the `count` least recently changed documents to load(), recurring ones last (unless they fill more than 60%). */
  private async handOut(count: number): Promise<void> {
    // The store writes one load while the next waits; a load that failed fails this call
    // before anything is taken out of the maps.
    await this.settleLoads(1);
    const batch: Array<[string, Held]> = [];
    const take = (from: Map<string, Held>, n: number) => {
      for (const entry of from) {
        if (n-- <= 0 || count <= 0) break;
        batch.push(entry);
        from.delete(entry[0]);
        count -= 1;
      }
    };
    take(this.recurring, this.recurring.size - Math.floor(this.limit * 0.6));
    take(this.dirty, count);
    take(this.recurring, count);
    for (let i = 0; i < batch.length; i += LOAD_SIZE) this.send(batch.slice(i, i + LOAD_SIZE));
    // Forget the oldest keys handed out, a batch at a time.
    if (this.ghosts.size > 2 * this.limit) this.ghosts = new Set([...this.ghosts].slice(-this.limit));
  }

  /**
   * Hands documents to load() and goes on while the store writes them. A load that fails
   * gives its documents back to `dirty` (unless changed since), and the next call that
   * waits for it fails with it (the runner folds that batch again).
   */
  private send(chunk: Array<[string, Held]>): void {
    for (const [key, held] of chunk) {
      this.loading.set(key, held);
      this.ghosts.add(key);
      this.handedOut?.add(key);
    }
    const load = this.store.load(chunk.map(([, held]) => held)).then(
      () => {
        for (const [key, held] of chunk) if (this.loading.get(key) === held) this.loading.delete(key);
      },
      (error: unknown) => {
        for (const [key, held] of chunk) {
          if (this.loading.get(key) !== held) continue;
          this.loading.delete(key);
          if (!this.dirty.has(key) && !this.recurring.has(key)) this.dirty.set(key, held);
        }
        throw error;
      },
    );
    load.catch(() => undefined); // the failure is thrown where the load is awaited: settleLoads
    this.loads.push(load);
  }

  /** Waits until at most `pending` loads are on their way; throws the failure of a load that failed. */
  private async settleLoads(pending: number): Promise<void> {
    while (this.loads.length > pending) await this.loads.shift();
  }
}

/** Documents per load (a transaction of the embedded store). */
const LOAD_SIZE = 5000;

/** A changed document not written yet (doc null: deleted). */
type Held = LoadedDocument;

const heldKey = (collection: string, id: string) => `${collection}\u0000${id}`;

/**
 * A Bloom filter of 8 Mbit (1 MB, whatever the number of keys): `mayHave` is true for every
 * key added, and for about 0.25% of the others at 500,000 keys (they are merely looked up).
 */
export class KeyFilter {
  private readonly bits = new Uint32Array(KEY_FILTER_BITS / 32);

  add(key: string): void {
    const [a, b] = hashPair(key);
    for (let i = 0; i < 4; i += 1) {
      const bit = (a + Math.imul(i, b)) & (KEY_FILTER_BITS - 1);
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  mayHave(key: string): boolean {
    const [a, b] = hashPair(key);
    for (let i = 0; i < 4; i += 1) {
      const bit = (a + Math.imul(i, b)) & (KEY_FILTER_BITS - 1);
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

const KEY_FILTER_BITS = 1 << 23;

/** Two 32-bit hashes of a key (FNV-1a from two offsets, each mixed by MurmurHash3's finalizer), for double hashing. */
const hashPair = (key: string): [number, number] => {
  let a = 0x811c9dc5;
  let b = 0x3c6ef372;
  for (let i = 0; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return [mix(a), mix(b) | 1];
};

const mix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};
