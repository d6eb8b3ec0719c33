import type { Logger } from 'pino';
import type { ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { refusedForNow } from '../infrastructure/sqlite-write-lock.js';
import { literals, NOW, PARKED_JOBS, type JobDocument } from './job-documents.js';

/** A job as a runner claimed it: `owner` and `claim` are what its claim wrote. */
export type ClaimedJob = JobDocument & { owner: string; claim: string };

export type FailureDeps = {
  jobs: ReadModelCollection<JobDocument>;
  readModels: ReadModelStore;
  logger: Logger;
  now: Date;
  maxAttempts: number;
  retryBaseMs: number;
};

/** Still the runner's claim: not run out and taken by another runner (this one stalled past it) since. */
export const claimOf = (job: ClaimedJob) => ({ _id: job._id, claim: job.claim });

/**
 * Records a job's failure, only while the claim is still the runner's: one that stalled past
 * its claim must not put back in the queue (or park) a job another runner is running now,
 * which would let a third run it at the same time. Resolves to when the job is due again by
 * the runner's clock (ms), or undefined when it was parked or the claim was lost.
 */
export const recordFailure = async (deps: FailureDeps, job: ClaimedJob, error: unknown): Promise<number | undefined> => {
  // A store that refused for now (its disk full, locked by another process) is no fault of the
  // job: not counted as an attempt, so a full disk for a while parks nothing; retried with back-off.
  const forNow = refusedForNow(error);
  const attempts = forNow ? job.attempts : job.attempts + 1;
  const lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (!forNow && attempts >= deps.maxAttempts) return park(deps, job, attempts, lastError, error);
  const delay = Math.min(60_000, deps.retryBaseMs * 2 ** Math.max(1, attempts));
  // Due again after the back-off by the store's clock; `runAt` says when by this process's, for people.
  const retry = { attempts, lastError, runAt: new Date(deps.now.getTime() + delay).toISOString() };
  const result = await deps.jobs.updateOne(claimOf(job), [{ $set: { ...literals(retry), dueAt: { $add: [NOW, delay] }, lockedUntil: 0 } }]);
  if (result.matchedCount === 0) return claimLost(deps, job, error);
  deps.logger.warn({ err: error, jobId: job._id, attempts }, 'job failed; will retry');
  return deps.now.getTime() + delay;
};

/**
 * Parked first, then taken out of the queue under the claim; a claim lost meanwhile takes the
 * parked copy back. A crash in between leaves the job both queued and parked: it runs again,
 * which handlers bear; it is never lost.
 */
const park = async (deps: FailureDeps, job: ClaimedJob, attempts: number, lastError: string, error: unknown): Promise<undefined> => {
  const parkedAt = deps.now.toISOString();
  // Times by the store's clock and the claim mean nothing once parked (a requeue sets them anew).
  const { owner: _owner, claim: _claim, dueAt: _dueAt, lockedUntil: _lockedUntil, ...fields } = job;
  const parked = { ...fields, attempts, lastError, parkedAt };
  await deps.readModels.collection(PARKED_JOBS).replaceOne({ _id: job._id }, parked, { upsert: true });
  const { deletedCount } = await deps.jobs.deleteOne(claimOf(job));
  if (deletedCount === 0) {
    await deps.readModels.collection(PARKED_JOBS).deleteOne({ _id: job._id, parkedAt });
    return claimLost(deps, job, error);
  }
  deps.logger.error({ err: error, jobId: job._id }, 'job parked');
  return undefined;
};

const claimLost = (deps: FailureDeps, job: ClaimedJob, error: unknown): undefined => {
  deps.logger.warn({ err: error, jobId: job._id }, 'job failed after its claim ran out: left to the runner that holds it now');
  return undefined;
};
