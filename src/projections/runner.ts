import type { Logger } from 'pino';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { CheckpointPacer } from '../infrastructure/event-store/checkpoint-pacer.js';
import { LogFollower, RewindTo, type FollowerStatus } from '../infrastructure/event-store/log-follower.js';
import { DuplicateKeyError, type Document, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { projectionVersion, type Projection } from './projection.js';

/**
 * Runs projections from their stored checkpoints (see LogFollower for catch-up and live).
 * - Each batch writes the changed documents and every projection's checkpoint in ONE
 *   atomic bulk write, so a crash can neither skip an event nor apply one twice; and each
 *   document remembers the position of the last event applied to it, so an event that does
 *   reach a projection twice changes nothing.
 * - A projection's checkpoint also names the collection it writes (`products`,
 *   `products__v2`, ...). A rebuild fills a new collection and swaps it in by rewriting that
 *   checkpoint; every write of this runner is guarded on its checkpoint still naming its
 *   collection, so after a swap its next write fails as a whole, and it reloads its
 *   checkpoints and follows the log again from where the rebuilt collection stands.
 */

export type RunnerDeps = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  logger: Logger;
};

export type RunnerOptions = {
  batchSize?: number;
  /** Collection holding the checkpoints (one document per projection). */
  checkpoints?: string;
  /** Collections to write instead of the ones the checkpoints name (rebuilds, verification). */
  targets?: Readonly<Record<string, string>>;
  /** Ignore events after this position (rebuilds and verification stop there). */
  until?: number;
  /** Called after every batch with the position reached and the events read so far. */
  onProgress?: (position: number, events: number) => void;
  /**
   * Rebuilds and verification only: keep up to this many changed documents in memory
   * between batches, writing the least recently changed when there are more, and all of
   * them with the checkpoints on stop(). A SKU's stock level changes in every batch of a
   * shop's history: it is then written once, not once per batch. What is written before
   * stop() has no checkpoint to match it, so a live runner must never use this (an
   * interrupted rebuild starts over).
   */
  writeBehind?: number;
  /**
   * With writeBehind: the targets start empty when every checkpoint is at 0, and nothing but
   * this runner writes them, so a document it never wrote out is known not to exist and is
   * not looked up. Rebuilds and verification fill collections of their own; a live runner
   * must not say so.
   */
  fresh?: boolean;
};

export type Checkpoint = Document & {
  position: number;
  logical: string;
  collection: string;
  updatedAt: string;
  /** The projection's version that folded this collection (absent: 1). */
  version?: number;
};

export const CHECKPOINTS = 'checkpoints';

/** `version`: the projection's version that folded the collection this target writes. */
type Target = { projection: Projection; collection: string; position: number; version: number };

export class ProjectionRunner {
  private targets = new Map<string, Target>();
  private readonly follower: LogFollower;
  private readonly pacer = new CheckpointPacer();
  private position = 0;
  private read = 0;
  /** writeBehind: changed documents not written yet (null: deleted), least recently changed first. */
  private readonly dirty = new Map<string, Held>();
  /**
   * writeBehind: documents changed again after they were written out (a product, touched by
   * order after order, unlike an order's own documents, busy for a while and then done): held
   * apart, least recently changed first, and written out only beyond 60% of writeBehind.
   */
  private readonly recurring = new Map<string, Held>();
  /** writeBehind: keys written out lately, oldest first (about writeBehind of them). */
  private ghosts = new Set<string>();
  /** writeBehind: documents handed to the store's load() and not written yet. */
  private readonly loading = new Map<string, Held>();
  /** writeBehind: loads on their way, oldest first. */
  private loads: Array<Promise<void>> = [];
  /** fresh: the keys of every document written out (a document not in it does not exist). */
  private writtenOut: KeyFilter | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.follower = new LogFollower(deps.eventStore, deps.logger, options.batchSize ?? 500);
    for (const projection of projections) {
      const collection = options.targets?.[projection.name] ?? projection.collection;
      this.targets.set(projection.name, { projection, collection, position: 0, version: projectionVersion(projection) });
    }
  }

  /** Loads checkpoints, creates indexes and starts following the log in the background. */
  async start(): Promise<void> {
    await this.loadCheckpoints();
    const fromScratch = [...this.targets.values()].every((t) => t.position === 0);
    if (this.options.fresh && this.options.writeBehind !== undefined && fromScratch) this.writtenOut = new KeyFilter();
    for (const { projection, collection } of this.targets.values()) {
      for (const index of projection.indexes ?? []) await this.deps.readModels.collection(collection).createIndex(index);
    }
    this.follower.start(this.position, (events) => this.apply(events));
  }

  /** Stops following the log; with writeBehind, then writes what is held and the checkpoints. */
  async stop(): Promise<void> {
    await this.follower.stop();
    if (this.options.writeBehind !== undefined && this.position > 0) await this.flush(this.dirty.size + this.recurring.size, true);
    else if (this.pacer.behind) await this.writeDeferredCheckpoints();
  }

  /** A clean stop writes the checkpoint the pacer left behind (unless a rebuild swapped a collection in meanwhile). */
  private async writeDeferredCheckpoints(): Promise<void> {
    try {
      await this.deps.readModels.bulkWrite(this.checkpointWrites(this.position), { durable: false });
      this.pacer.written();
    } catch (error) {
      if (!(error instanceof DuplicateKeyError && error.collection === this.checkpointCollection)) throw error;
    }
  }

  /** The position every projection of this runner has reached. */
  get checkpoint(): number {
    return this.position;
  }

  get status(): FollowerStatus {
    return this.follower.status;
  }

  get caughtUp(): boolean {
    return this.follower.caughtUp;
  }

  get lastError(): string | undefined {
    return this.follower.lastError;
  }

  /** Events read from the log by this runner (for progress reports). */
  get eventsRead(): number {
    return this.read;
  }

  checkpointOf(name: string): number | undefined {
    return this.targets.get(name)?.position;
  }

  /**
   * Projections whose collection was folded by another version of them (after start): their
   * documents may lack what this version's queries read, until a rebuild replaces them.
   */
  get outdated(): string[] {
    return [...this.targets.values()].filter((t) => t.version !== projectionVersion(t.projection)).map((t) => t.projection.name);
  }

  /** The collection a projection writes now. */
  collectionOf(name: string): string | undefined {
    return this.targets.get(name)?.collection;
  }

  /** Resolves true once every projection has processed `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.position >= position ? Promise.resolve(true) : this.follower.waitFor(position, timeoutMs);
  }

  /** Folds a batch into documents and writes them with every checkpoint, atomically. */
  async apply(recorded: readonly RecordedEvent[]): Promise<void> {
    const until = this.options.until ?? Number.MAX_SAFE_INTEGER;
    const events = recorded.filter((e) => e.position > this.position && e.position <= until).map((e) => this.deps.schema.upcast(e));
    if (events.length === 0) return;
    const documents = await this.prefetch(events);
    const changed = new Map<string, Set<string>>();
    for (const { projection, collection, position: from } of this.targets.values()) {
      const docs = documents.get(collection)!;
      for (const event of events) {
        if (event.position <= from || !projection.eventTypes.includes(event.type)) continue;
        for (const id of projection.documentIds(event)) {
          const current = docs.get(id) ?? null;
          if (current && (current._position as number) >= event.position) continue;
          const next = projection.evolve(current, event);
          docs.set(id, next ? { ...next, _id: id, _position: event.position } : null);
          const ids = changed.get(collection) ?? new Set<string>();
          changed.set(collection, ids.add(id));
        }
      }
    }
    const last = events[events.length - 1]!.position;
    if (this.options.writeBehind !== undefined) await this.holdBack(documents, changed);
    else if (changed.size > 0 || !this.pacer.mayDefer(events.length)) {
      await this.write([...this.documentWrites(documents, changed), ...this.checkpointWrites(last)]);
      this.pacer.written();
    }
    for (const target of this.targets.values()) target.position = Math.max(target.position, last);
    this.position = last;
    this.read += events.length;
    this.options.onProgress?.(last, this.read);
  }

  /** writeBehind: keeps the batch's changes in memory, writing out the oldest beyond the limit. */
  private async holdBack(documents: Map<string, Map<string, Document | null>>, changed: Map<string, Set<string>>): Promise<void> {
    for (const [collection, ids] of changed) {
      for (const id of ids) {
        const key = heldKey(collection, id);
        const held: Held = { collection, id, doc: documents.get(collection)!.get(id) ?? null };
        // To the back of its map: changed just now.
        if (this.recurring.delete(key) || this.ghosts.delete(key)) this.recurring.set(key, held);
        else {
          this.dirty.delete(key);
          this.dirty.set(key, held);
        }
      }
    }
    const limit = this.options.writeBehind!;
    const size = this.dirty.size + this.recurring.size;
    // Down to three quarters of the limit, so that writes go out in batches.
    if (size > limit) await this.flush(size - Math.floor(limit * 0.75), false);
  }

  /**
   * Hands the `count` least recently changed held documents to the store's load(), recurring
   * ones last (unless they fill more than 60% of writeBehind); `withCheckpoints`: then waits
   * for every load and writes every checkpoint, durably.
   */
  private async flush(count: number, withCheckpoints: boolean): Promise<void> {
    const limit = this.options.writeBehind ?? 0;
    // The store writes one load while the next waits; a load that failed fails this flush
    // before it takes anything out of the maps.
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
    take(this.recurring, this.recurring.size - Math.floor(limit * 0.6));
    take(this.dirty, count);
    take(this.recurring, count);
    for (let i = 0; i < batch.length; i += LOAD_SIZE) this.send(batch.slice(i, i + LOAD_SIZE));
    // Forget the oldest keys written out, a batch at a time.
    if (this.ghosts.size > 2 * limit) this.ghosts = new Set([...this.ghosts].slice(-limit));
    if (withCheckpoints) {
      await this.settleLoads(0);
      await this.deps.readModels.bulkWrite(this.checkpointWrites(this.position));
    }
  }

  /**
   * Hands documents to the store's load() and goes on folding while it writes them; they are
   * read from memory until written. A load that fails gives its documents back to `dirty`
   * (unless changed since), and the batch that is folding fails with it, to be retried.
   */
  private send(chunk: Array<[string, Held]>): void {
    for (const [key, held] of chunk) {
      this.loading.set(key, held);
      this.ghosts.add(key);
      this.writtenOut?.add(key);
    }
    const load = this.deps.readModels.load(chunk.map(([, held]) => held)).then(
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

  /** Writes a batch; when a rebuild swapped a collection in meanwhile, reloads and rewinds instead. */
  private async write(operations: WriteOperation[]): Promise<void> {
    try {
      // Documents and checkpoint are derived from the log: consistent, not each one fsynced.
      await this.deps.readModels.bulkWrite(operations, { durable: false });
    } catch (error) {
      if (!(error instanceof DuplicateKeyError && error.collection === this.checkpointCollection)) throw error;
      await this.loadCheckpoints();
      this.deps.logger.info({ position: this.position }, 'a rebuilt read model was swapped in: following the log again from its position');
      throw new RewindTo(this.position);
    }
  }

  private async loadCheckpoints(): Promise<void> {
    const stored = await this.deps.readModels
      .collection<Checkpoint>(this.checkpointCollection)
      .find({ _id: { $in: [...this.targets.keys()] } });
    for (const target of this.targets.values()) {
      const checkpoint = stored.find((c) => c._id === target.projection.name);
      target.position = checkpoint?.position ?? 0;
      // A collection started from scratch is folded by this version; else the checkpoint says which.
      target.version = checkpoint && checkpoint.position > 0 ? (checkpoint.version ?? 1) : projectionVersion(target.projection);
      if (!this.options.targets) target.collection = checkpoint?.collection ?? target.projection.collection;
    }
    this.position = Math.min(...[...this.targets.values()].map((t) => t.position));
  }

  /** Loads, in one query per collection, every document the batch will touch. */
  private async prefetch(events: RecordedEvent[]): Promise<Map<string, Map<string, Document | null>>> {
    const wanted = new Map<string, Set<string>>();
    for (const { projection, collection } of this.targets.values()) {
      const ids = wanted.get(collection) ?? new Set<string>();
      wanted.set(collection, ids);
      for (const event of events) {
        if (projection.eventTypes.includes(event.type)) for (const id of projection.documentIds(event)) ids.add(id);
      }
    }
    const documents = new Map<string, Map<string, Document | null>>();
    for (const [collection, ids] of wanted) {
      const known = new Map<string, Document | null>();
      // Held back (writeBehind): newer than what the store has.
      if (this.dirty.size > 0 || this.recurring.size > 0 || this.loading.size > 0) {
        for (const id of ids) {
          const key = heldKey(collection, id);
          const held = this.dirty.get(key) ?? this.recurring.get(key) ?? this.loading.get(key);
          if (held) known.set(id, held.doc);
        }
      }
      const missing: string[] = [];
      for (const id of ids) if (!known.has(id) && (!this.writtenOut || this.writtenOut.mayHave(heldKey(collection, id)))) missing.push(id);
      const found = missing.length > 0 ? await this.deps.readModels.collection(collection).find({ _id: { $in: missing } }, { readonly: true }) : [];
      for (const doc of found) known.set(doc._id, doc);
      documents.set(collection, known);
    }
    return documents;
  }

  private documentWrites(
    documents: Map<string, Map<string, Document | null>>,
    changed: Map<string, Set<string>>,
  ): WriteOperation[] {
    const writes: WriteOperation[] = [];
    for (const [collection, ids] of changed) {
      for (const id of ids) {
        const doc = documents.get(collection)!.get(id);
        writes.push(
          doc
            ? { collection, replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } }
            : { collection, deleteOne: { filter: { _id: id } } },
        );
      }
    }
    return writes;
  }

  /** One guarded write per projection: it only lands while the checkpoint still names this collection. */
  private checkpointWrites(position: number): WriteOperation[] {
    const updatedAt = new Date().toISOString();
    return [...this.targets.values()].map(({ projection, collection, position: own, version }) => {
      const at = Math.max(own, position);
      const replacement: Checkpoint = { _id: projection.name, logical: projection.collection, collection, position: at, updatedAt, version };
      return {
        collection: this.checkpointCollection,
        replaceOne: { filter: { _id: projection.name, collection }, replacement, upsert: true },
      };
    });
  }

  private get checkpointCollection(): string {
    return this.options.checkpoints ?? CHECKPOINTS;
  }
}

/** writeBehind: documents per load (a transaction of the embedded store). */
const LOAD_SIZE = 5000;

/** writeBehind: a changed document not written yet (doc null: deleted). */
type Held = { collection: string; id: string; doc: Document | null };

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
