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
  /** A slot per document held, on its way to the store, or handed out lately, by collection and id. */
  private readonly slots = new Map<string, Map<string, Slot>>();
  /** Slots with a document not handed out yet, least recently changed first. */
  private readonly dirty = new Set<Slot>();
  /**
   * Slots changed again after they were handed out (a product, touched by order after
   * order, unlike an order's own documents, busy for a while and then done): held apart,
   * least recently changed first, and handed out only beyond 60% of the limit.
   */
  private readonly recurring = new Set<Slot>();
  /** Slots handed out lately, oldest first (about `limit` of them). */
  private readonly ghosts = new Set<Slot>();
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
    const slot = this.slots.get(collection)?.get(id);
    return slot && newest(slot);
  }

  /** The documents held or on their way to the store whose `field` equals `value` (not the deleted ones). */
  matching(collection: string, field: string, value: unknown): Document[] {
    const found: Document[] = [];
    for (const slot of this.slots.get(collection)?.values() ?? []) {
      const doc = newest(slot);
      if (doc && doc[field] === value) found.push(doc);
    }
    return found;
  }

  /** False when the store cannot hold the document (fresh collections, never handed out): no need to look. */
  mayBeStored(collection: string, id: string): boolean {
    return this.handedOut?.mayHave(collection, id) ?? true;
  }

  /** Keeps a document a batch changed (null: deleted); then handOutExcess() once the batch is held. */
  hold(collection: string, id: string, doc: Document | null): void {
    const slot = this.slotOf(collection, id);
    // To the back of its order: changed just now.
    if (slot.in === this.recurring || (slot.in === undefined && slot.ghost)) {
      if (slot.ghost) this.ghosts.delete(slot);
      slot.ghost = false;
      this.moveToBack(this.recurring, slot);
    } else this.moveToBack(this.dirty, slot);
    slot.doc = doc;
  }

  /** Hands the least recently changed documents out when more than the limit are held. */
  async handOutExcess(): Promise<void> {
    const size = this.dirty.size + this.recurring.size;
    // Down to three quarters of the limit, so that writes go out in batches.
    if (size > this.limit) await this.handOut(size - Math.floor(this.limit * 0.75));
  }

  /** Hands out everything held and waits until the store has written it all. */
  async drain(): Promise<void> {
    await this.handOut(this.dirty.size + this.recurring.size);
    await this.settleLoads(0);
  }

  private slotOf(collection: string, id: string): Slot {
    let slots = this.slots.get(collection);
    if (!slots) this.slots.set(collection, (slots = new Map()));
    let slot = slots.get(id);
    if (!slot) slots.set(id, (slot = { collection, id, doc: undefined, in: undefined, loading: undefined, ghost: false }));
    return slot;
  }

  private moveToBack(order: Set<Slot>, slot: Slot): void {
    order.delete(slot);
    order.add(slot);
    slot.in = order;
  }

  /** Forgets a slot nothing is held, loading or remembered of. */
  private release(slot: Slot): void {
    if (slot.doc === undefined && slot.loading === undefined && !slot.ghost) this.slots.get(slot.collection)?.delete(slot.id);
  }

  /** Hands the `count` least recently changed documents to load(), recurring ones last (unless they fill more than 60%). */
  private async handOut(count: number): Promise<void> {
    // The store writes one load while the next waits; a load that failed fails this call
    // before anything is taken out of the orders.
    await this.settleLoads(1);
    const batch: Slot[] = [];
    const take = (from: Set<Slot>, n: number) => {
      for (const slot of from) {
        if (n-- <= 0 || count <= 0) break;
        batch.push(slot);
        from.delete(slot);
        slot.in = undefined;
        count -= 1;
      }
    };
    take(this.recurring, this.recurring.size - Math.floor(this.limit * 0.6));
    take(this.dirty, count);
    take(this.recurring, count);
    for (let i = 0; i < batch.length; i += LOAD_SIZE) this.send(batch.slice(i, i + LOAD_SIZE));
    // Forget the oldest keys handed out, a batch at a time.
    if (this.ghosts.size > 2 * this.limit) {
      let excess = this.ghosts.size - this.limit;
      for (const slot of this.ghosts) {
        if (excess-- <= 0) break;
        this.ghosts.delete(slot);
        slot.ghost = false;
        this.release(slot);
      }
    }
  }

  /**
   * Hands documents to load() and goes on while the store writes them. A load that fails
   * gives its documents back to `dirty` (unless changed since), and the next call that
   * waits for it fails with it (the runner folds that batch again).
   */
  private send(chunk: Slot[]): void {
    const documents = chunk.map((slot): LoadedDocument => {
      const loading = { collection: slot.collection, id: slot.id, doc: slot.doc ?? null };
      slot.loading = loading;
      slot.doc = undefined;
      if (!slot.ghost) this.ghosts.add(slot);
      slot.ghost = true;
      this.handedOut?.add(slot.collection, slot.id);
      return loading;
    });
    const load = this.store.load(documents).then(
      () => {
        chunk.forEach((slot, i) => {
          if (slot.loading !== documents[i]) return;
          slot.loading = undefined;
          this.release(slot);
        });
      },
      (error: unknown) => {
        chunk.forEach((slot, i) => {
          if (slot.loading !== documents[i]) return;
          slot.loading = undefined;
          if (slot.doc !== undefined) return;
          slot.doc = documents[i]!.doc;
          this.moveToBack(this.dirty, slot);
        });
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

/**
 * A document the write-behind knows of. Looked up by collection and id once per change; the
 * orders (dirty, recurring, ghosts) hold the slot itself, so keeping them costs no key of
 * collection and id put together (and hashed) per change.
 */
type Slot = {
  readonly collection: string;
  readonly id: string;
  /** The newest version not handed out yet (null: deleted), undefined when none. */
  doc: Document | null | undefined;
  /** The order `doc` waits in: dirty or recurring. */
  in: Set<Slot> | undefined;
  /** The version handed to load() and not written yet: read from memory meanwhile. */
  loading: LoadedDocument | undefined;
  /** Handed out lately: changed again, it is recurring. */
  ghost: boolean;
};

/** Held (newer) first, then what is on its way to the store. */
const newest = (slot: Slot): Document | null | undefined => (slot.doc !== undefined ? slot.doc : slot.loading?.doc);

/** Documents per load (a transaction of the embedded store). */
const LOAD_SIZE = 5000;

/**
 * A Bloom filter of 8 Mbit (1 MB, whatever the number of keys): `mayHave` is true for every
 * key added, and for about 0.25% of the others at 500,000 keys (they are merely looked up).
 */
export class KeyFilter {
  private readonly bits = new Uint32Array(KEY_FILTER_BITS / 32);

  add(collection: string, id: string): void {
    const [a, b] = hashPair(collection, id);
    for (let i = 0; i < 4; i += 1) {
      const bit = (a + Math.imul(i, b)) & (KEY_FILTER_BITS - 1);
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  mayHave(collection: string, id: string): boolean {
    const [a, b] = hashPair(collection, id);
    for (let i = 0; i < 4; i += 1) {
      const bit = (a + Math.imul(i, b)) & (KEY_FILTER_BITS - 1);
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

const KEY_FILTER_BITS = 1 << 23;

/** Two 32-bit hashes of a key, collection and id (FNV-1a from two offsets, each mixed by MurmurHash3's finalizer), for double hashing. */
const hashPair = (collection: string, id: string): [number, number] => {
  let a = 0x811c9dc5;
  let b = 0x3c6ef372;
  for (let i = 0; i < collection.length; i += 1) {
    const c = collection.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  // A separator (a character no collection name has): ("ab", "c") and ("a", "bc") differ.
  a = Math.imul(a, 0x01000193);
  b = Math.imul(b, 0x01000193);
  for (let i = 0; i < id.length; i += 1) {
    const c = id.charCodeAt(i);
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
