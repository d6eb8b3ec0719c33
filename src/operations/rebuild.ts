import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projections/projection.js';
import { ProjectionRunner } from '../projections/runner.js';
import type { ProjectionViews } from '../projections/views.js';
import { RebuildClaims, REBUILDS, TakenOver, type Claim, type RebuildStatus } from './rebuild-claims.js';
import { swapIn } from './rebuild-swap.js';
import { warmReplacements, WARM_WAIT_MS } from './rebuild-warm-up.js';
import { currentCollections, dropLeftovers, dropRetired, isVersionOf, RETIRE_GRACE_MS, versionOf } from './retired-collections.js';

/**
 * Rebuilds read models from the log without taking them down: each selected projection
 * is folded from the start into the next version of its collection (`products__v3`) while
 * the current one keeps serving; once it has caught up with the log, one atomic write
 * points the projections' checkpoints at the new collections, and the live runner (in this
 * process or another) carries on there. The previous collections are dropped after a
 * grace period; leftovers of an interrupted rebuild are dropped by the next one.
 */

export type RebuildDeps = {
  eventStore: EventStore;
  /** The raw store: rebuilds write physical collections. */
  store: ReadModelStore;
  schema: EventSchema;
  logger: Logger;
  projections: readonly Projection[];
  views?: ProjectionViews;
};

export type Progress = { position: number; head: number; events: number; elapsedMs: number };

export type RebuildResult = {
  projections: Array<{ name: string; collection: string; previous: string; position: number }>;
  events: number;
  elapsedMs: number;
  /** Resolves once the previous collections are dropped, after the grace period. */
  retired: Promise<void>;
};

export { REBUILDS, type RebuildStatus } from './rebuild-claims.js';
const REBUILD_CHECKPOINTS = 'rebuild_checkpoints';
/**
 * Changed documents a rebuild holds in memory between batches (see RunnerOptions.writeBehind):
 * an interrupted rebuild starts over, so what it wrote needs no checkpoint. About 22 MB. Held
 * this long, they outlive the young generation and pile up in the old one until a full GC: the
 * rebuild's peak RSS. 7,500 rather than 10,000: 9 MB less at the peak (270-280 MB for the 200k
 * events of the quick benchmark), 3% fewer events/s; 5,000: 30 MB less, 17% fewer events/s.
 */
export const WRITE_BEHIND = 7_500;
/**
 * Events a rebuild reads and folds at a time. Small: a batch's events and documents are alive
 * while it is folded, and each young-generation GC copies whatever is alive; with 2000, GC
 * took about 14% more CPU (and the process 20 MB more) for the same history as with 250. The
 * documents are written out in loads of thousands all the same (see WriteBehind).
 */
export const REBUILD_BATCH = 250;
/** A running rebuild records its progress (and that it is alive) this often. */
const HEARTBEAT_MS = 1000;

/** A rebuild ended by its process's stop. */
class Interrupted extends Error {
  constructor() {
    super('interrupted: the process is stopping');
  }
}

export class Rebuilds {
  private readonly claims: RebuildClaims;
  /** Rebuilds started in the background (start()), until they end. */
  private readonly background = new Set<Promise<unknown>>();
  /** Old collections of rebuilds swapped in, waiting for their grace to pass and be dropped. */
  private readonly retiring = new Set<Promise<void>>();
  private stopping = false;
  /** The stop is the process's, not the rebuild's: what it interrupts is left to be carried on (see stop()). */
  private handingOver = false;
  /** Resolves when stop() is called: a rebuild waiting for its runner ends then, not at its next check. */
  private readonly stopped: Promise<false>;
  private stopNow!: () => void;

  constructor(
    private readonly deps: RebuildDeps,
    private readonly options: { graceMs?: number; warmWaitMs?: number } = {},
  ) {
    this.claims = new RebuildClaims(deps.store, randomUUID());
    this.stopped = new Promise((resolve) => (this.stopNow = () => resolve(false)));
  }

  /** The projections named (or all of them for `all`); unknown names are a 404. */
  select(names: readonly string[]): Projection[] {
    if (names.includes('all')) return [...this.deps.projections];
    const known = new Map(this.deps.projections.map((p) => [p.name, p]));
    // A name given twice is one rebuild of it (claimed twice, the second claim found the first running).
    return [...new Set(names)].map((name) => {
      const projection = known.get(name);
      if (!projection) throw new NotFoundError(`no projection ${name}; known: ${[...known.keys()].join(', ')}`);
      return projection;
    });
  }

  /** Rebuilds and swaps; resolves once the new collections serve (the old ones are dropped later). */
  async run(names: readonly string[], onProgress?: (progress: Progress) => void): Promise<RebuildResult> {
    const selected = this.select(names);
    return this.runClaimed(selected, await this.claims.claim(selected.map((p) => p.name)), onProgress);
  }

  /** Starts a rebuild in the background (the admin API); a rebuild of the same projection already running is a 409. */
  async start(names: readonly string[]): Promise<void> {
    const selected = this.select(names);
    const claim = await this.claims.claim(selected.map((p) => p.name));
    const running = this.runClaimed(selected, claim).catch((error: unknown) => this.deps.logger.error({ err: error }, 'rebuild failed'));
    tracked(this.background, running);
  }

  /**
   * Rebuilds the projections whose read model another version of them folded (see
   * Projection.version), or whose rebuild was cut short (its process died), in the background;
   * one already running elsewhere is left to finish.
   */
  async startOutdated(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    this.deps.logger.warn({ projections: names }, 'read models folded by another version of their projection, or whose rebuild was cut short: rebuilding them');
    try {
      await this.start(names);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.deps.logger.info({ projections: names }, 'a rebuild of these read models is already running');
    }
  }

  /**
   * Interrupts the rebuilds and waits for them, then for the old collections of those swapped in
   * to be dropped (their grace included: other processes may still query them, and what they
   * hold must not outlive them). An operator's interruption (the command line's Ctrl-C) marks
   * each failed: the next one starts over, at once. A server's stop (`handOver`) interrupts
   * rebuilds nobody asked to end (an admin's, an upgrade's): each is left marked running with its
   * heartbeat given up, as a dead process's would be, so that the process holding its projections
   * (another one now, or this one at its next start) carries it on at once, not 15 s later.
   */
  async stop(options: { handOver?: boolean } = {}): Promise<void> {
    this.handingOver = options.handOver ?? false;
    this.stopping = true;
    this.stopNow();
    await Promise.allSettled([...this.background]);
    await Promise.allSettled([...this.retiring]);
  }

  private async runClaimed(selected: Projection[], claim: Claim, onProgress?: (progress: Progress) => void): Promise<RebuildResult> {
    try {
      // Recorded as done by the swap itself.
      const result = await this.rebuild(selected, claim, onProgress);
      const retired = this.dropLater(result.projections.filter((p) => p.previous !== p.collection).map((p) => p.previous));
      tracked(this.retiring, retired);
      return { ...result, retired };
    } catch (caught) {
      const error = claim.fence.refuses(caught) ? new TakenOver(claim.names) : caught;
      if (error instanceof Interrupted && this.handingOver) await this.claims.handOver(claim);
      else await this.claims.finish(claim, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /** Drops what rebuilds of these projections retired and never dropped (see ./retired-collections.ts). */
  dropRetired(names: readonly string[]): Promise<string[]> {
    const projections = this.deps.projections.filter((p) => names.includes(p.name));
    return dropRetired({ store: this.deps.store, logger: this.deps.logger, now: () => new Date() }, projections, this.options.graceMs ?? RETIRE_GRACE_MS).catch((error: unknown) => {
      // Upkeep: looked at again by the next turn (the holder's, the next erasure's).
      this.deps.logger.warn({ err: error }, 'could not drop the read model collections rebuilds retired');
      return [];
    });
  }

  async statuses(): Promise<RebuildStatus[]> {
    return this.deps.store.collection<RebuildStatus>(REBUILDS).find({});
  }

  private async rebuild(selected: Projection[], claim: Claim, onProgress?: (progress: Progress) => void): Promise<RebuildResult> {
    const started = Date.now();
    const current = await currentCollections(this.deps.store, selected);
    const existing = await this.deps.store.listCollections();
    // Past every version there is and every one an earlier holder of the claim recorded, not only
    // the current one: a rebuild that stalled and lost its claim may still write into its own
    // (through load(), which carries no guard); never into ours.
    const taken = [...existing, ...claim.previousTargets];
    const targets = Object.fromEntries(selected.map((p) => [p.name, nextVersion(p.collection, latestVersion(p.collection, current.get(p.name)!, taken))]));
    await this.claims.record(claim, targets);
    await dropLeftovers(this.deps.store, selected, current, targets);
    await this.deps.store.collection(REBUILD_CHECKPOINTS).deleteMany({ _id: { $in: selected.map((p) => p.name) } });
    let head = await this.deps.eventStore.headPosition();
    let progress = { position: 0, head, events: 0 };
    const report = (position: number, events: number) => {
      onProgress?.({ position, head, events, elapsedMs: Date.now() - started });
      progress = { position, head, events };
    };
    const runner = new ProjectionRunner(
      { eventStore: this.deps.eventStore, readModels: this.deps.store, schema: this.deps.schema, logger: this.deps.logger },
      selected,
      { checkpoints: REBUILD_CHECKPOINTS, targets, batchSize: REBUILD_BATCH, writeBehind: WRITE_BEHIND, fresh: true, onProgress: report, fence: claim.fence },
    );
    await runner.start();
    // On a timer, not on progress: a claim whose heartbeat stops is a rebuild cut short, which the holder of its projections starts again.
    const beat = setInterval(() => void this.claims.heartbeat(claim, progress), HEARTBEAT_MS);
    beat.unref();
    let projections: RebuildResult['projections'];
    let events = 0;
    try {
      try {
        // Catch up with the log as it was, then with what was appended meanwhile.
        await this.reach(runner, head, claim);
        head = await this.deps.eventStore.headPosition();
        await this.reach(runner, head, claim);
      } finally {
        await runner.stop();
      }
      events = runner.eventsRead;
      const replacements = selected.map((p) => ({ name: p.name, collection: targets[p.name]!, previous: current.get(p.name)! }));
      await Promise.race([warmReplacements({ ...this.deps, stopping: () => this.stopping }, replacements, this.options.warmWaitMs ?? WARM_WAIT_MS), this.stopped]);
      if (this.stopping) throw new Interrupted();
      if (claim.lost()) throw new TakenOver(claim.names);
      // What was appended while the processes loaded the new collections, folded in by a runner that writes as the live one
      // does (document by document, which the loaded copies follow; a load would have them drop it): the swap's positions
      // are then those of the log's head again, not of before the wait (writes of those seconds went missing from the
      // queries after the swap until the live runner caught up, and a read-your-writes read could miss its own).
      let folded = runner;
      const now = await this.deps.eventStore.headPosition();
      if (now > head) {
        head = now;
        folded = new ProjectionRunner(
          { eventStore: this.deps.eventStore, readModels: this.deps.store, schema: this.deps.schema, logger: this.deps.logger },
          selected,
          { checkpoints: REBUILD_CHECKPOINTS, targets, batchSize: REBUILD_BATCH, fence: claim.fence },
        );
        await folded.start();
        try {
          await this.reach(folded, head, claim);
        } finally {
          await folded.stop();
        }
        events += folded.eventsRead;
      }
      projections = replacements.map((p) => ({ ...p, position: folded.checkpointOf(p.name) ?? 0 }));
    } finally {
      clearInterval(beat);
    }
    await swapIn(this.deps, this.claims, selected, projections, claim, { head, events });
    return { projections, events, elapsedMs: Date.now() - started, retired: Promise.resolve() };
  }

  /** Waits until the runner has read up to `position`; gives up when it keeps failing. */
  private async reach(runner: ProjectionRunner, position: number, claim: Claim): Promise<void> {
    let failingSince: number | undefined;
    const interrupted = () => new Interrupted();
    while (!(await Promise.race([runner.waitFor(position, 1000), this.stopped]))) {
      if (claim.lost()) throw new TakenOver(claim.names);
      if (this.stopping) throw interrupted();
      // With the follower's error as the cause: a damaged file is then named by its code (the CLI's `data:` line).
      if (runner.status === 'failed') throw new Error(`the rebuild failed: ${runner.lastError}`, { cause: runner.lastFailure });
      if (runner.status !== 'failing') failingSince = undefined;
      else if ((failingSince ??= Date.now()) < Date.now() - 30_000) throw new Error(`the rebuild keeps failing: ${runner.lastError}`, { cause: runner.lastFailure });
    }
    // Stopped while the last batch was folded: nothing is swapped in.
    if (this.stopping) throw interrupted();
  }

  /**
   * Queries (in other processes too) may use the old mapping for a moment: drop after a grace period.
   * Held in memory: a process that ends in it leaves them to `dropRetired` (./retired-collections.ts).
   */
  private async dropLater(collections: string[]): Promise<void> {
    if (collections.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, this.options.graceMs ?? RETIRE_GRACE_MS));
    for (const name of collections) {
      await this.deps.store.dropCollection(name).catch((error: unknown) => this.deps.logger.warn({ err: error, name }, 'could not drop an old read model'));
    }
    // The rebuild wrote documents as they stood part-way (an order's address before its customer's erasure scrubbed it):
    // the embedded store's journal keeps those pages, and the old collections', until it is emptied, as an erasure does.
    await this.deps.store.truncateJournal().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not empty the read models\' journal after a rebuild'));
  }
}

/** Keeps `promise` in `set` until it settles (what stop() waits for). */
const tracked = <T>(set: Set<Promise<T>>, promise: Promise<T>): void => {
  set.add(promise);
  void promise.finally(() => set.delete(promise));
};

export const nextVersion = (logical: string, current: string): string => `${logical}__v${versionOf(logical, current) + 1}`;

/** The latest of `current` and every version of `logical` among `existing` collections. */
const latestVersion = (logical: string, current: string, existing: readonly string[]): string =>
  [current, ...existing.filter((name) => isVersionOf(logical, name))].reduce((latest, name) => (versionOf(logical, name) > versionOf(logical, latest) ? name : latest));
