import type { Document, ReadModelStore, WriteOperation } from '../infrastructure/read-models/read-model-store.js';

/**
 * The processes of a shop: each registers itself and beats (by the store's clock) as often as
 * it renews its leases; one not seen for a lease's length is gone. Balancing counts the live
 * ones; `GET /api/v1/admin/cluster` lists them.
 */

export const MEMBERS = 'cluster_processes';

export type Member = Document & {
  pid: number;
  host: string;
  /** The HTTP port, once listening. */
  port: number | null;
  startedAt: string;
  /** The LEASE_MS it runs with (absent for processes of older versions). */
  leaseMs?: number;
  /**
   * How far behind its job runner's payments lane (absent from versions before the lanes: all
   * its jobs) and the order saga (null: it did not run the saga) were at its last beat; absent
   * for processes of older versions.
   */
  jobsBehindMs?: number;
  sagaBehindMs?: number | null;
  /** Milliseconds, by the store's clock. */
  lastSeenAt: number;
  expiresAt: number;
};

/** What a process tells with each beat of how far behind it is (see src/admission/order-backlog.ts). */
export type MemberLoad = { jobsBehindMs: number; sagaBehindMs: number | null };

export type Self = { id: string; pid: number; host: string; startedAt: string };

const NOW = { $toLong: '$$NOW' };
/** Members gone for this long are forgotten (each restart registers a new one). */
const FORGET_AFTER_MS = 3600_000;

export class Membership {
  private port: number | null = null;

  constructor(
    private readonly store: ReadModelStore,
    private readonly ttlMs: number,
    readonly self: Self,
  ) {}

  private get members() {
    return this.store.collection<Member>(MEMBERS);
  }

  listening(port: number): void {
    this.port = port;
  }

  /** Registers this process, or says it is still alive, until a lease's length from now. */
  async beat(load?: MemberLoad): Promise<void> {
    await this.store.bulkWrite([this.beatOperation(load)], { durable: false });
  }

  /** The beat as a write of its own, to go with the heartbeat's renewals (see LeaseStore.renewAll); with what this process tells of its load. */
  beatOperation(load: MemberLoad = { jobsBehindMs: 0, sagaBehindMs: null }): WriteOperation {
    const { id, ...fields } = this.self;
    return {
      collection: MEMBERS,
      updateOne: { filter: { _id: id }, update: [{ $set: { ...fields, port: this.port, leaseMs: this.ttlMs, jobsBehindMs: load.jobsBehindMs, sagaBehindMs: load.sagaBehindMs, lastSeenAt: NOW, expiresAt: { $add: [NOW, this.ttlMs] } } }], upsert: true },
    };
  }

  /** The processes seen within a lease's length, this one included once it has beaten. */
  live(): Promise<Member[]> {
    return this.members.find({ $expr: { $gt: ['$expiresAt', NOW] } }, { sort: { startedAt: 1, _id: 1 } });
  }

  /** A clean stop: gone at once, not a lease's length later. */
  async leave(): Promise<void> {
    await this.members.deleteOne({ _id: this.self.id });
  }

  /**
   * Live processes that run with another LEASE_MS than this one. The shop still works, but a
   * process with a shorter one counts the others' leases as expired early and takes their work
   * over while they still hold it (each takeover fences the holder: work moves back and forth).
   */
  mismatched(members: readonly Member[]): Member[] {
    return members.filter((m) => m._id !== this.self.id && m.leaseMs !== undefined && m.leaseMs !== this.ttlMs);
  }

  async forgetGone(): Promise<void> {
    await this.members.deleteMany({ $expr: { $lt: ['$expiresAt', { $subtract: [NOW, FORGET_AFTER_MS] }] } }, { durable: false });
  }
}
