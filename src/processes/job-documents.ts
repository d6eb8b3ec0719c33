import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelCollection, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import type { Job, JobKind } from './process-manager.js';

/**
 * Jobs as stored, and the times in them. Processes on different hosts do not agree on the
 * time, so whatever decides who may run a job is a time by the **store's** clock (`$$NOW`,
 * in milliseconds), as for leases (src/cluster/leases.ts):
 * - `dueAt`: when the job falls due by the store's clock. It is written by the store, as its
 *   now at the write plus the delay its scheduler gave the job, from its event to its `runAt`
 *   (see dueIn): a charge or an email scheduled at the time of its event is due at once,
 *   however the clocks of the process that recorded the event, the one that scheduled the
 *   job and the store disagree; a timer (a payment's 15 minutes) runs that long after it was
 *   written, by the store's clock. A process manager running behind the log (catching up
 *   after an outage) thus starts a timer late by as much, never early.
 * - `lockedUntil`: until when a claim holds, by the store's clock (0: not claimed). A claim
 *   sets it from `$$NOW` and is conditional on the job being due and unclaimed by `$$NOW`.
 * - `runAt` stays what the scheduler meant (ISO, the domain's time): what people and reports read.
 * A job written by the previous version (ISO `lockedUntil`, no `dueAt`) is converted at the
 * first sight of a runner (see upgradeJobs): nothing is lost or stuck by an upgrade.
 */

export const JOBS = 'jobs';
export const PARKED_JOBS = 'parked_jobs';
/** Parked jobs an operator discarded: each as it was parked, with who discarded it, when and why (see src/operations/parked.ts). */
export const DISCARDED_JOBS = 'discarded_jobs';

export type JobDocument = Document & {
  kind: JobKind;
  /** When it is meant to run, in the domain's time (ISO). */
  runAt: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: string;
  /** When it falls due by the store's clock (ms). */
  dueAt: number;
  /** Until when it is claimed by the store's clock (ms); 0 when it is not. */
  lockedUntil: number;
  /** The process whose claim it is (or was last). */
  owner?: string;
  /** The claim's id: what the claimant's later writes are conditional on. */
  claim?: string;
  lastError?: string;
};

/**
 * A claim written with a job as it is scheduled (see jobWrites): `owner`'s, with the id
 * `claim`, for `leaseMs` from the store's now. A process that writes a job due at once and
 * runs it itself takes the claim in the same write, not in a write of its own after it.
 */
export type Claimant = { owner: string; claim: string; leaseMs: number };

/** A job as its scheduler hands it over: `dueInMs` after now it falls due; claimed as it is written when `claimedBy` is given. */
export type ScheduledJob = Job & { dueInMs: number; claimedBy?: Claimant };

/** The store's clock in milliseconds, inside a filter or a pipeline. */
export const NOW = { $toLong: '$$NOW' };
/** Due by the store's clock. */
const DUE = { $lte: ['$dueAt', NOW] };
/** Not claimed, or its claim ran out, by the store's clock. */
const UNCLAIMED = { $lte: ['$lockedUntil', NOW] };
/** How long until a job is due and unclaimed, by the store's clock (ms; 0 or less: now). */
export const untilFree = { $subtract: [{ $max: ['$dueAt', '$lockedUntil'] }, NOW] };

/** Values a pipeline sets as they are (a string starting with `$` would read a field). */
export const literals = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { $literal: value }]));

/**
 * A claim of a job, until the store's now plus `leaseMs`: conditional on the job being due
 * and unclaimed by the store's clock, or, for an orphan (its claimant died), on the claim
 * being the one found, however long it had left.
 */
export const claimOn = (job: JobDocument, orphan: boolean, claimant: { owner: string; claim: string }, leaseMs: number) => ({
  filter: orphan
    ? { _id: job._id, owner: job.owner ?? null, lockedUntil: job.lockedUntil, $expr: DUE }
    : { _id: job._id, $expr: { $and: [DUE, UNCLAIMED] } },
  update: [{ $set: { lockedUntil: { $add: [NOW, leaseMs] }, ...literals(claimant) } }],
});

/**
 * A claim renewed for a whole lease from the store's now, on the condition that it is still
 * this claimant's and has not run out by the store's clock (else another process may hold the
 * job, or take it at its next search).
 */
export const renewOn = (id: string, claimant: { owner: string; claim: string }, leaseMs: number) => ({
  filter: { _id: id, owner: claimant.owner, claim: claimant.claim, $expr: { $gt: ['$lockedUntil', NOW] } },
  update: [{ $set: { lockedUntil: { $add: [NOW, leaseMs] } } }],
});

/**
 * The delay a scheduler gave a job: from `since` (the time of the event that scheduled it)
 * to its `runAt`, never less than 0. Both are times of the domain, so no process's clock is
 * compared with another's: a charge or an email meant for its event's time is due at once
 * when written; a payment's timeout 15 minutes later.
 */
export const dueIn = (runAt: string, since: number): number => {
  const delay = Date.parse(runAt) - since;
  return Number.isFinite(delay) ? Math.max(0, delay) : 0;
};

/** The `dueAt` of a job inserted by jobWrites, for the next write of the same bulk write to set from the store's clock. */
const UNSET = -1;

/**
 * Schedules a job: one job per id, ever (a redelivered event cannot schedule a second charge
 * or email). Two writes, to go in one bulk write: an upsert that inserts the job unless it is
 * there, then its `dueAt` set from the store's clock, on the job just inserted only, and with
 * it the claim of `claimedBy` (a job that was there already keeps its own, or none).
 */
export const jobWrites = (job: ScheduledJob, createdAt: string): WriteOperation[] => {
  const fields = { kind: job.kind, runAt: job.runAt, payload: job.payload, attempts: 0, createdAt, dueAt: UNSET, lockedUntil: 0 };
  const claim = job.claimedBy ? { lockedUntil: { $add: [NOW, job.claimedBy.leaseMs] }, ...literals({ owner: job.claimedBy.owner, claim: job.claimedBy.claim }) } : {};
  return [
    { collection: JOBS, updateOne: { filter: { _id: job.id }, update: { $setOnInsert: fields }, upsert: true } },
    { collection: JOBS, updateOne: { filter: { _id: job.id, dueAt: UNSET }, update: [{ $set: { dueAt: { $add: [NOW, job.dueInMs] }, ...claim } }] } },
  ];
};

/** Takes a job out of the queue (a process manager cancelled it): a job running now finishes as it would have. */
export const cancelWrite = (id: string): WriteOperation => ({ collection: JOBS, deleteOne: { filter: { _id: id } } });

/** A job document as the previous version wrote it (times as ISO strings, no `dueAt`). */
export const isOldShape = (doc: Document): boolean => typeof doc.dueAt !== 'number';

/** Jobs in the previous version's shape, which runners convert before anything else (see upgradeJobs). */
export const OLD_SHAPE = { dueAt: { $exists: false } };

/**
 * Converts jobs of the previous version's shape (see upgradeJobs), in one write. Their ISO
 * times were by some process's clock: they become delays from `now` (this process's clock),
 * counted by the store's clock from the write on. A claim still running keeps what remained
 * of it; an empty one becomes 0. Each conversion is conditional on the job as read, so two
 * runners converting at once convert it once.
 */
export const upgradeJobs = async (store: ReadModelStore, docs: readonly Document[], now: number): Promise<void> => {
  const writes = docs.filter(isOldShape).map((doc): WriteOperation => {
    const locked = doc.lockedUntil;
    const lockedUntil = typeof locked === 'number' ? locked : typeof locked === 'string' && locked ? { $add: [NOW, dueIn(locked, now)] } : 0;
    const runAt = typeof doc.runAt === 'string' ? doc.runAt : '';
    return {
      collection: JOBS,
      updateOne: { filter: { _id: doc._id, ...OLD_SHAPE, lockedUntil: locked ?? null }, update: [{ $set: { dueAt: { $add: [NOW, dueIn(runAt, now)] }, lockedUntil } }] },
    };
  });
  if (writes.length > 0) await store.bulkWrite(writes);
};

/**
 * The store's clock now (ms), read with a document of the collection; undefined when it has
 * none (then there is nothing to compare with it either). A bound read before a query is at
 * most the store's clock during it: a search with it may miss what falls due meanwhile (found
 * at the next), never take what is not due.
 */
export const storeNow = async (collection: ReadModelCollection): Promise<number | undefined> => {
  const [row] = await collection.aggregate<{ now: number }>([{ $limit: 1 }, { $project: { _id: 0, now: NOW } }]);
  return row?.now;
};

/**
 * Two writes for a bulk write that make it fail as a whole (DuplicateKeyError on `collection`)
 * when a document `id` is there, and change nothing when it is not: a guard that it is absent,
 * checked at the write (a read before it could be out of date by then).
 */
export const absentGuard = (collection: string, id: string): WriteOperation[] => [
  { collection, insertOne: { document: { _id: id, absentGuard: true } } },
  { collection, deleteOne: { filter: { _id: id, absentGuard: true } } },
];

/**
 * Puts a parked job back in the queue, due at once by any clock, with fresh attempts. Not one
 * discarded meanwhile (between the read and the write): a discarded job must not run.
 */
export const requeueParkedJob = async (store: ReadModelStore, id: string, now: Date): Promise<void> => {
  const parked = await store.collection<JobDocument>(PARKED_JOBS).findOne({ _id: id });
  if (!parked) throw new NotFoundError(`no parked job ${id}`);
  const { parkedAt: _parkedAt, owner: _owner, claim: _claim, ...job } = parked as JobDocument & { parkedAt?: string };
  const requeued: JobDocument = { ...job, attempts: 0, runAt: now.toISOString(), dueAt: 0, lockedUntil: 0 };
  try {
    await store.bulkWrite([
      ...absentGuard(DISCARDED_JOBS, id),
      { collection: JOBS, insertOne: { document: requeued } },
      { collection: PARKED_JOBS, deleteOne: { filter: { _id: id } } },
    ]);
  } catch (error) {
    if (error instanceof DuplicateKeyError && error.collection === DISCARDED_JOBS) throw new NotFoundError(`no parked job ${id}: discarded`);
    if (error instanceof DuplicateKeyError) throw new ConflictError(`job ${id} is queued already`);
    throw error;
  }
};

/**
 * Schedules jobs outside a process manager's write (the simulated carrier's reports): each
 * once, ever, as jobWrites does; a job written again (a retry) changes nothing.
 */
export const scheduleJobs = async (store: ReadModelStore, jobs: readonly ScheduledJob[], createdAt: string): Promise<void> => {
  if (jobs.length > 0) await store.bulkWrite(jobs.flatMap((job) => jobWrites(job, createdAt)));
};
