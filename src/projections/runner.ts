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
    for (const { projection, collection } of this.targets.values()) {
      for (const index of projection.indexes ?? []) await this.deps.readModels.collection(collection).createIndex(index);
    }
    this.follower.start(this.position, (events) => this.apply(events));
  }

  /** Stops following the log; with writeBehind, then writes what is held and the checkpoints. */
  async stop(): Promise<void> {
    await this.follower.stop();
    if (this.options.writeBehind !== undefined && this.position > 0) await this.flush(this.dirty.size + this.recurring.size, true);
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
   * Writes the `count` least recently changed held documents, recurring ones last (unless
   * they fill more than 60% of writeBehind); `withCheckpoints`: then every checkpoint, durably.
   */
  private async flush(count: number, withCheckpoints: boolean): Promise<void> {
    const limit = this.options.writeBehind ?? 0;
    let writes: WriteOperation[] = [];
    const writeOut = async (from: Map<string, Held>, n: number) => {
      for (const [key, { collection, id, doc }] of from) {
        if (n-- <= 0) break;
        writes.push(doc ? { collection, replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } } : { collection, deleteOne: { filter: { _id: id } } });
        from.delete(key);
        this.ghosts.add(key);
        count -= 1;
        if (writes.length >= 5000) {
          await this.deps.readModels.bulkWrite(writes, { durable: false });
          writes = [];
        }
      }
    };
    await writeOut(this.recurring, Math.min(count, this.recurring.size - Math.floor(limit * 0.6)));
    await writeOut(this.dirty, count);
    await writeOut(this.recurring, count);
    // Forget the oldest keys written out, a batch at a time.
    if (this.ghosts.size > 2 * limit) this.ghosts = new Set([...this.ghosts].slice(-limit));
    if (withCheckpoints) await this.deps.readModels.bulkWrite([...writes, ...this.checkpointWrites(this.position)]);
    else if (writes.length > 0) await this.deps.readModels.bulkWrite(writes, { durable: false });
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
      if (this.dirty.size > 0 || this.recurring.size > 0) {
        for (const id of ids) {
          const held = this.dirty.get(heldKey(collection, id)) ?? this.recurring.get(heldKey(collection, id));
          if (held) known.set(id, held.doc);
        }
      }
      const missing = [...ids].filter((id) => !known.has(id));
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

/** writeBehind: a changed document not written yet (doc null: deleted). */
type Held = { collection: string; id: string; doc: Document | null };

const heldKey = (collection: string, id: string) => `${collection}\u0000${id}`;
