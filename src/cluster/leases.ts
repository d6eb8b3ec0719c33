import { DuplicateKeyError, type Document, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';

/**
 * Leases: which process runs which runner (a projection, a process manager), as documents of
 * the read-model store, one per runner. Claim, renew and release are conditional writes;
 * whether a lease has run out is decided by the store's clock (`$$NOW`), never by the
 * writer's, so hosts whose clocks disagree still agree on who holds what. Every claim starts
 * a new **epoch**; a holder adds a guard on (owner, epoch) to each of its writes (see Fence),
 * so once another process has taken the lease over, any write of the old holder fails as a
 * whole, however long it was stalled. The caller owns time (when to renew) and retries.
 */

export const LEASES = 'leases';

/** A lease as its holder knows it: (owner, epoch) is its fencing token. */
export type Lease = { runner: string; owner: string; epoch: number };

export type LeaseRecord = Document & {
  /** null once released. */
  owner: string | null;
  epoch: number;
  /** Milliseconds, by the store's clock. */
  expiresAt: number;
  claimedAt?: number;
  renewedAt?: number;
  /** How the holder's runner is doing, as it said at its last renewal (`live`, `catching-up`, `failing: ...`). */
  status?: string;
  caughtUp?: boolean;
  /** Where the holder's runner stood then: ahead of its stored checkpoint while there was nothing for it to write. */
  position?: number;
  /** Writes made under this epoch (each guarded write counts one). */
  writes?: number;
};

/** A lease as read, with whether it is held now by the store's clock. */
export type LeaseState = LeaseRecord & { held: boolean };

export type RunnerReport = { status: string; caughtUp: boolean; position: number };

/** A lease to renew, with what its runner says of itself. */
export type Renewal = { lease: Lease; report?: RunnerReport | undefined };

const NOW = { $toLong: '$$NOW' };
const EXPIRED = { $expr: { $lte: ['$expiresAt', NOW] } };

export class LeaseStore {
  constructor(
    private readonly store: ReadModelStore,
    readonly ttlMs: number,
  ) {}

  private get leases() {
    return this.store.collection<LeaseRecord>(LEASES);
  }

  /**
   * Takes a runner's lease when it is free, this owner's or expired, and nobody claimed it
   * since the caller saw `seenEpoch` (0: never claimed): the new epoch is the next one.
   * Null when another process holds it (the upsert collides with its document).
   */
  async claim(runner: string, owner: string, seenEpoch: number): Promise<Lease | null> {
    const epoch = seenEpoch + 1;
    try {
      await this.leases.updateOne(
        { _id: runner, epoch: seenEpoch, $or: [{ owner: null }, { owner }, EXPIRED] },
        [{ $set: { owner, epoch, expiresAt: { $add: [NOW, this.ttlMs] }, claimedAt: NOW, renewedAt: NOW, status: 'starting', caughtUp: false, writes: 0 } }],
        // A lease lost to a power cut is lost with everything written under it: every process starts again.
        { upsert: true, durable: false },
      );
      return { runner, owner, epoch };
    } catch (error) {
      if (refusedByLease(error)) return null;
      throw error;
    }
  }

  /** Extends the lease from now (the store's clock) and records how its runner is doing; false once it is not this epoch's. */
  async renew(lease: Lease, report?: RunnerReport): Promise<boolean> {
    return (await this.renewAll([{ lease, report }])).length === 0;
  }

  /**
   * Renews every lease of a heartbeat in ONE write, with whatever else goes with it (the
   * process's own beat): a transaction per lease made an idle process write about ten times
   * a second. Each renewal is filtered on its token, so one taken over renews nothing and
   * leaves the others alone; those are told by reading the leases back (a renewal matched iff
   * its lease still bears its token: nobody else writes a token, and none is taken over before
   * it runs out). Resolves with the leases refused.
   */
  async renewAll(renewals: readonly Renewal[], alongside: readonly WriteOperation[] = []): Promise<Lease[]> {
    if (renewals.length === 0 && alongside.length === 0) return [];
    const update = (report?: RunnerReport) => [{ $set: { expiresAt: { $add: [NOW, this.ttlMs] }, renewedAt: NOW, ...(report ?? {}) } }];
    const operations: WriteOperation[] = renewals.map(({ lease, report }) => ({ collection: LEASES, updateOne: { filter: token(lease), update: update(report) } }));
    await this.store.bulkWrite([...operations, ...alongside], { durable: false });
    if (renewals.length === 0) return [];
    const stored = await this.leases.find({ _id: { $in: renewals.map((r) => r.lease.runner) } }, { projection: { owner: 1, epoch: 1 } });
    const byRunner = new Map(stored.map((l) => [l._id, l]));
    return renewals.map((r) => r.lease).filter((lease) => !bearsToken(byRunner.get(lease.runner), lease));
  }

  /** Gives leases back at once (in one write); those taken over meanwhile are left alone. */
  async release(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.store.bulkWrite(
      leases.map((lease) => ({
        collection: LEASES,
        updateOne: { filter: token(lease), update: { $set: { owner: null, expiresAt: 0, status: 'released', caughtUp: false } } },
      })),
      { durable: false },
    );
  }

  /** Every lease, and whether it is held now by the store's clock. */
  async list(): Promise<LeaseState[]> {
    return this.leases.aggregate<LeaseState>([
      { $addFields: { held: { $and: [{ $ne: [{ $ifNull: ['$owner', null] }, null] }, { $gt: ['$expiresAt', NOW] }] } } },
      { $sort: { _id: 1 } },
    ]);
  }
}

const token = (lease: Lease) => ({ _id: lease.runner, owner: lease.owner, epoch: lease.epoch });

/** Whether a lease as stored is still `lease`'s epoch (its owner and epoch): false once released, taken over or gone. */
export const bearsToken = (stored: Pick<LeaseRecord, 'owner' | 'epoch'> | undefined, lease: Lease): boolean =>
  stored?.owner === lease.owner && stored.epoch === lease.epoch;

/**
 * The guard a holder writes with each batch, inside the same atomic bulk write: an upsert
 * filtered on its token. While the lease is this epoch's it counts a write (a real change,
 * so that on MongoDB a transaction racing a takeover conflicts on this document); once it is
 * not, the upsert collides with the lease's document and the whole write fails.
 */
export const leaseGuard = (lease: Lease): WriteOperation => ({
  collection: LEASES,
  updateOne: { filter: token(lease), update: { $inc: { writes: 1 } }, upsert: true },
});

/** Whether a write failed on a lease guard (another process took the lease over, or it was given up). */
export const refusedByLease = (error: unknown): error is DuplicateKeyError => error instanceof DuplicateKeyError && error.collection === LEASES;

/** What a runner under leases needs: guards for its writes, and whom to tell when one is refused. */
export type Fence = {
  /**
   * Guards to add to a write: each fails the whole write once its lease is no longer this
   * epoch's. `runners`: the guards of those runners' leases only (a write that touches only
   * their documents and checkpoints); all of them when absent.
   */
  guards(runners?: ReadonlySet<string>): WriteOperation[];
  /** Whether a failed write was refused by one of these guards (rather than failing for another reason). */
  refuses(error: unknown): error is DuplicateKeyError;
  /** A write was refused by a guard: the runner stops, and the holder gives up what it lost. */
  refused(error: DuplicateKeyError): void;
};

export const fenceOf = (leases: readonly Lease[], refused: (error: DuplicateKeyError) => void): Fence => ({
  guards: (runners) => (runners ? leases.filter((lease) => runners.has(lease.runner)) : leases).map(leaseGuard),
  refuses: refusedByLease,
  refused,
});
