import type { Logger } from 'pino';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { CheckpointPacer } from '../infrastructure/event-store/checkpoint-pacer.js';
import type { Fence } from '../cluster/leases.js';
import type { CriticalPath } from '../infrastructure/critical-path.js';
import { LogFollower, RewindTo, StopFollowing, type FollowerStatus } from '../infrastructure/event-store/log-follower.js';
import {
  DuplicateKeyError,
  loadOperation,
  type Document,
  type ReadModelStore,
  type WriteOperation,
} from '../infrastructure/read-models/read-model-store.js';
import { projectionVersion, type Projection } from './projection.js';
import { EventRoutes, foldBatch } from './batch-fold.js';
import { changedDocuments, prefetchBatch } from './batch-documents.js';
import { DeferredCheckpoints } from './deferred-checkpoints.js';
import { WriteBehind } from './write-behind.js';

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
 * - Under leases (several processes), every write also carries the guards of the leases it
 *   runs under (see Fence): once another process has taken one over, the write fails as a
 *   whole and the runner stops.
 */

export type RunnerDeps = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  logger: Logger;
  /**
   * Told when this runner found a collection swapped in by a rebuild of another process (the
   * CLI's): the queries of this process must read the new collections from now on, before this
   * runner writes its next batch there and a reader that waited for it reads (ProjectionViews).
   */
  swapped?: () => void;
  /** The process's critical path (see CriticalPath): live batches are folded once the order saga's work of the moment is done. */
  criticalPath?: CriticalPath;
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
   * between batches (see WriteBehind), and write the checkpoints on stop(), after every
   * document. What is written before stop() has no checkpoint to match it, so a live runner
   * must never use this (an interrupted rebuild starts over).
   */
  writeBehind?: number;
  /**
   * With writeBehind: the targets start empty when every checkpoint is at 0, and nothing but
   * this runner writes them, so a document it never wrote out is known not to exist and is
   * not looked up. Rebuilds and verification fill collections of their own; a live runner
   * must not say so.
   */
  fresh?: boolean;
  /** The leases this runner runs under: every write carries their guards (see Fence). */
  fence?: Fence;
};

export type Checkpoint = Document & {
  position: number;
  logical: string;
  collection: string;
  updatedAt: string;
  /** The projection's version that folded this collection (absent: 1). */
  version?: number;
  /** The id of the event at `position`, when the runner wrote it after folding that event: which log it folded (see checkLineage). */
  eventId?: string;
};

export const CHECKPOINTS = 'checkpoints';

/** `version`: the projection's version that folded the collection this target writes. */
type Target = { projection: Projection; collection: string; position: number; version: number };

export class ProjectionRunner {
  private targets = new Map<string, Target>();
  /** Which targets handle each event type. */
  private readonly routes: EventRoutes<Target>;
  private readonly follower: LogFollower;
  private readonly pacer = new CheckpointPacer();
  private readonly deferred: DeferredCheckpoints;
  private position = 0;
  /** The last event folded: its id goes with a checkpoint at its position. */
  private lastFolded: { position: number; id: string } | undefined;
  private read = 0;
  /** writeBehind (rebuilds, verification): what is held back, from start(). */
  private held: WriteBehind | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    readonly projections: readonly Projection[],
    private readonly options: RunnerOptions = {},
  ) {
    this.follower = new LogFollower(deps.eventStore, deps.logger, options.batchSize ?? 500, deps.criticalPath && { path: deps.criticalPath });
    for (const projection of projections) {
      const collection = options.targets?.[projection.name] ?? projection.collection;
      this.targets.set(projection.name, { projection, collection, position: 0, version: projectionVersion(projection) });
    }
    this.routes = new EventRoutes([...this.targets.values()]);
    this.deferred = new DeferredCheckpoints(this.pacer.intervalMs, () => this.pacer.behind, () =>
      this.writeDeferredCheckpoints().catch((error: unknown) => deps.logger.warn({ err: error }, 'writing the checkpoints left behind failed; the next batch writes them')),
    );
  }

  /** Loads checkpoints, creates indexes and starts following the log in the background. */
  async start(): Promise<void> {
    await this.loadCheckpoints();
    if (this.options.writeBehind !== undefined) {
      const fromScratch = [...this.targets.values()].every((t) => t.position === 0);
      this.held = new WriteBehind(this.deps.readModels, this.options.writeBehind, this.options.fresh === true && fromScratch);
    }
    for (const { projection, collection } of this.targets.values()) {
      for (const index of projection.indexes ?? []) await this.deps.readModels.collection(collection).createIndex(index);
    }
    this.follower.start(this.position, (events) => this.deferred.batch(() => this.apply(events)));
  }

  /** Stops following the log; with writeBehind, then writes what is held and the checkpoints. */
  async stop(): Promise<void> {
    await this.follower.stop();
    await this.deferred.stop();
    if (this.held && this.position > 0) {
      await this.held.drain();
      await this.deps.readModels.bulkWrite(this.guarded(this.checkpointWrites(this.position)));
    } else if (this.pacer.behind) await this.writeDeferredCheckpoints();
  }

  /** A clean stop, or a quiet second (DeferredCheckpoints), writes the checkpoints the pacer left behind (unless a rebuild swapped a collection in meanwhile). */
  private async writeDeferredCheckpoints(): Promise<void> {
    try {
      await this.deps.readModels.bulkWrite(this.guarded(this.checkpointWrites(this.position)), { durable: false });
      this.pacer.written();
    } catch (error) {
      // A lease taken over meanwhile: the checkpoint is the new holder's to write.
      if (this.options.fence?.refuses(error)) return;
      if (!(error instanceof DuplicateKeyError && error.collection === this.checkpointCollection)) throw error;
    }
  }

  /** The leases' guards first (of `only` those projections, else of all): a write refused by one stops before staging anything else. */
  private guarded(operations: WriteOperation[], only?: ReadonlySet<string>): WriteOperation[] {
    return this.options.fence ? [...this.options.fence.guards(only), ...operations] : operations;
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

  /** The error behind `lastError`, with its causes (see LogFollower.lastFailure). */
  get lastFailure(): unknown {
    return this.follower.lastFailure;
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
    const events: RecordedEvent[] = [];
    for (const event of recorded) if (event.position > this.position && event.position <= until) events.push(this.deps.schema.upcast(event));
    if (events.length === 0) return;
    const routed = this.routes.route(events);
    const documents = await prefetchBatch(this.deps.readModels, this.held, this.targets.values(), routed);
    const changed = foldBatch(routed, documents);
    const last = events[events.length - 1]!.position;
    this.lastFolded = { position: last, id: events[events.length - 1]!.id };
    if (this.held) {
      for (const [collection, ids] of changed) {
        const docs = documents.get(collection)!;
        for (const id of ids) this.held.hold(collection, id, docs.get(id) ?? null);
      }
      await this.held.handOutExcess();
    }
    else {
      // A projection given none of the batch's events may leave its checkpoint behind, as the
      // whole runner may when the batch changed nothing (CheckpointPacer): only the projections
      // given events then write theirs, under their own leases' guards. The others' are written
      // at the pacer's pace, and at a clean stop.
      const every = !this.pacer.mayDefer(events.length);
      if (every || changed.size > 0) {
        const given = new Set(routed.map((share) => share.target.projection.name));
        const only = every || given.size === this.targets.size ? undefined : given;
        await this.write([...Array.from(changedDocuments(documents, changed), loadOperation), ...this.checkpointWrites(last, only)], only);
        if (!only) this.pacer.written();
      }
    }
    for (const target of this.targets.values()) target.position = Math.max(target.position, last);
    this.position = last;
    this.read += events.length;
    this.options.onProgress?.(last, this.read);
  }

  /**
   * Writes a batch; when a rebuild swapped a collection in meanwhile, reloads and rewinds
   * instead; when a lease was taken over, stops (its new holder carries on).
   */
  private async write(operations: WriteOperation[], only?: ReadonlySet<string>): Promise<void> {
    try {
      // Documents and checkpoint are derived from the log: consistent, not each one fsynced.
      await this.deps.readModels.bulkWrite(this.guarded(operations, only), { durable: false });
    } catch (error) {
      if (this.options.fence?.refuses(error)) {
        this.options.fence.refused(error);
        throw new StopFollowing(`a write was refused: ${error.message} (another process took the lease over)`);
      }
      if (!(error instanceof DuplicateKeyError && error.collection === this.checkpointCollection)) throw error;
      await this.loadCheckpoints();
      this.deps.swapped?.();
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

  /** One guarded write per projection (of `only` those, else of all): it only lands while the checkpoint still names this collection. */
  private checkpointWrites(position: number, only?: ReadonlySet<string>): WriteOperation[] {
    const updatedAt = new Date().toISOString();
    const written = [...this.targets.values()].filter((target) => !only || only.has(target.projection.name));
    return written.map(({ projection, collection, position: own, version }) => {
      const at = Math.max(own, position);
      const eventId = this.lastFolded?.position === at ? this.lastFolded.id : undefined;
      const replacement: Checkpoint = { _id: projection.name, logical: projection.collection, collection, position: at, updatedAt, version, ...(eventId ? { eventId } : {}) };
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
