import type { Claimant } from './job-documents.js';
import type { JobLane } from './job-lanes.js';
import type { JobKind } from './process-manager.js';

/** What the job runner (jobs.ts) is given and told. */

export type JobHandler = (payload: Record<string, unknown>) => Promise<void>;
export type JobHandlers = Record<JobKind, JobHandler>;

/**
 * What a runner is told of a job just scheduled: its id, when it falls due (in `dueInMs`, else
 * at `runAt` by this process's clock), and the claim written with it (see claimAtOnce), if any.
 */
export type WokenJob = { id: string; kind: JobKind; runAt: string; dueInMs?: number; claimedBy?: Pick<Claimant, 'owner' | 'claim'> };

export type JobRunnerOptions = {
  /** Slots: one number for every lane, or some lanes' own (see job-lanes.ts; DEFAULT_LANE_SLOTS). */
  concurrency?: number | Partial<Record<JobLane, number>>;
  /** Attempts at a job before it is parked, for every lane (else DEFAULT_LANE_ATTEMPTS, by lane). */
  maxAttempts?: number;
  /** How long a claim holds unless renewed: a running job's is, every third of it (see claim-keeper.ts). */
  leaseMs?: number;
  /** How often to search the store for jobs this process was not told about (other processes', after a restart). */
  pollMs?: number;
  /** First retry delay; it doubles with every attempt, up to a minute. */
  retryBaseMs?: number;
  /** This process's id in the shop: the owner its claims record (random unless given). */
  owner?: string;
  /**
   * The processes of the shop alive now (their ids). A job claimed by a process no longer
   * among them (it died) is claimed again at the next search, not a whole lease later.
   */
  liveOwners?: () => Promise<string[]>;
  /**
   * How long stop() waits for the jobs running here (15 s unless given). While it waits this
   * process is still among the live ones, so no other takes them over; past it, stop() returns
   * with them still running, and the others take them over once this process has left.
   */
  stopGraceMs?: number;
};
