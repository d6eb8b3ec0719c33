import type { Fence } from '../cluster/leases.js';
import { ConflictError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';

/**
 * Who rebuilds which projection: a claim per projection in the `rebuilds` collection, renewed
 * by a heartbeat and taken over once it is older than STALE_MS (its process died or stalled).
 * Each claim takes the next epoch, and every write of the rebuild (its documents, its
 * checkpoints, the swap) carries a guard on that epoch, like a runner's lease: a rebuild that
 * stalled past its claim and wakes after another took it over can write nothing, and fails.
 */

export type RebuildStatus = Document & {
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  heartbeatAt: string;
  finishedAt?: string;
  position: number;
  head: number;
  events: number;
  /** The collections the rebuild holding the claim writes (recorded before it writes anything). */
  collection?: string;
  error?: string;
  owner: string;
  /** Incremented by each claim: the writes of a rebuild are conditional on its own. */
  epoch?: number;
};

export const REBUILDS = 'rebuilds';
/** A rebuild whose heartbeat (every second while it runs) is older than this was interrupted: its process died or stalled. */
const STALE_MS = 15_000;

/** The projections whose rebuild is still marked running but was interrupted (its heartbeat stopped): to be started again. */
export const interruptedRebuilds = (statuses: readonly RebuildStatus[], now: Date): string[] =>
  statuses.filter((s) => s.status === 'running' && Date.parse(s.heartbeatAt) < now.getTime() - STALE_MS).map((s) => s._id);

/**
 * The claims of one rebuild: its epochs, the fence for its writes, whether another process
 * took one over, and the collections the previous holders of these claims recorded as theirs.
 */
export type Claim = { names: string[]; epochs: Map<string, number>; fence: Fence; lost: () => boolean; previousTargets: string[] };

export class TakenOver extends Error {
  constructor(names: readonly string[]) {
    super(`the rebuild of ${names.join(', ')} was taken over by another process (it stalled past its claim)`);
  }
}

export class RebuildClaims {
  constructor(
    private readonly store: ReadModelStore,
    private readonly owner: string,
  ) {}

  private get rebuilds() {
    return this.store.collection<RebuildStatus>(REBUILDS);
  }

  /** Marks the projections as being rebuilt by this process, each at its next epoch; one still running elsewhere is a conflict. */
  async claim(names: readonly string[]): Promise<Claim> {
    const now = new Date();
    const claimed: string[] = [];
    for (const name of names) {
      const stale = new Date(now.getTime() - STALE_MS).toISOString();
      const fresh = { status: 'running', startedAt: now.toISOString(), heartbeatAt: now.toISOString(), position: 0, head: 0, events: 0, owner: this.owner };
      try {
        await this.rebuilds.updateOne(
          { _id: name, $or: [{ status: { $ne: 'running' } }, { heartbeatAt: { $lt: stale } }] },
          { $set: fresh, $inc: { epoch: 1 }, $unset: { finishedAt: '', error: '' } },
          { upsert: true },
        );
        claimed.push(name);
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        await this.release(claimed);
        throw new ConflictError(await this.runningElsewhere(name, now));
      }
    }
    const mine = await this.rebuilds.find({ _id: { $in: claimed }, owner: this.owner });
    const previousTargets = mine.flatMap((status) => (status.collection ? [status.collection] : []));
    return { ...fenced(claimed, new Map(mine.map((status) => [status._id, status.epoch ?? 0]))), previousTargets };
  }

  /**
   * Why a claim is refused, with what tells a rebuild at work from one whose process was killed
   * (kill -9, a crash) a moment ago: both are "running" until their claim goes stale.
   */
  private async runningElsewhere(name: string, now: Date): Promise<string> {
    const holder = await this.rebuilds.findOne({ _id: name });
    const silent = holder ? Math.max(0, Math.round((now.getTime() - Date.parse(holder.heartbeatAt)) / 1000)) : 0;
    return (
      `a rebuild of ${name} is already running (started ${holder?.startedAt ?? '?'}, last heard from ${silent} s ago); ` +
      `one whose process was killed can be claimed again ${STALE_MS / 1000} s after it was last heard from (a running server then starts it again itself)`
    );
  }

  /**
   * Records the collection each projection is rebuilt into, before anything is written there:
   * a later holder of the claim rebuilds past it, so that a holder that stalled (whose writes
   * through load() carry no guard) can only ever write into a collection of its own.
   */
  async record(claim: Claim, targets: Record<string, string>): Promise<void> {
    for (const name of claim.names) {
      const recorded = await this.rebuilds.updateOne(mineNow(name, this.owner, claim), { $set: { collection: targets[name]! } });
      if (recorded.matchedCount === 0) throw new TakenOver(claim.names);
    }
  }

  private async release(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.rebuilds.updateMany({ _id: { $in: names }, owner: this.owner }, { $set: { status: 'done' } });
  }

  async heartbeat(claim: Claim, progress: { position: number; head: number; events: number }): Promise<void> {
    // Not fsynced: a heartbeat lost to a power cut is one that the next one replaces.
    await Promise.all(
      claim.names.map((name) =>
        this.rebuilds.updateOne(mineNow(name, this.owner, claim), { $set: { ...progress, heartbeatAt: new Date().toISOString() } }, { durable: false }),
      ),
    ).catch(() => undefined);
  }

  /**
   * Gives the claims up as a dead process would: still running, the heartbeat past stale, so that
   * the holder of the projections starts the rebuild again at its next look (every few seconds).
   */
  async handOver(claim: Claim): Promise<void> {
    const heartbeatAt = new Date(Date.now() - 2 * STALE_MS).toISOString();
    for (const name of claim.names) await this.rebuilds.updateOne({ ...mineNow(name, this.owner, claim), status: 'running' }, { $set: { heartbeatAt } });
  }

  /** Records how the rebuild ended, where its claim still stands (a claim taken over is the new holder's to record). */
  async finish(claim: Claim, outcome: Record<string, unknown>): Promise<void> {
    for (const operation of this.finishing(claim, outcome)) await this.rebuilds.updateOne(operation.updateOne.filter, operation.updateOne.update);
  }

  /** The writes of finish(), for a write that records the outcome together with what it did (the swap). */
  finishing(claim: Claim, outcome: Record<string, unknown>) {
    const finishedAt = new Date().toISOString();
    return claim.names.map((name) => ({ collection: REBUILDS, updateOne: { filter: mineNow(name, this.owner, claim), update: { $set: { ...outcome, finishedAt } } } }));
  }
}

const mineNow = (name: string, owner: string, claim: Claim) => ({ _id: name, owner, epoch: claim.epochs.get(name) });

/** Guards that fail a whole write once any of the claims is another epoch's (the upsert then collides with the claim's _id). */
const fenced = (names: string[], epochs: Map<string, number>): Omit<Claim, 'previousTargets'> => {
  let lost = false;
  const guards = (): WriteOperation[] =>
    names.map((name) => ({ collection: REBUILDS, updateOne: { filter: { _id: name, epoch: epochs.get(name), status: 'running' }, update: { $inc: { writes: 1 } }, upsert: true } }));
  const fence: Fence = {
    guards,
    refuses: (error: unknown): error is DuplicateKeyError => error instanceof DuplicateKeyError && error.collection === REBUILDS,
    refused: () => {
      lost = true;
    },
  };
  return { names, epochs, fence, lost: () => lost };
};
