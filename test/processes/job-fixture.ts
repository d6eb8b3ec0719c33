import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { dueIn, jobWrites, type ScheduledJob } from '../../src/processes/jobs.js';
import type { Job } from '../../src/processes/process-manager.js';

/** Stores jobs as a process manager schedules them: each due as long after now as its runAt is after `now`. */
export const scheduleJobs = async (store: ReadModelStore, jobs: Job[], now = Date.now()): Promise<ScheduledJob[]> => {
  const scheduled = jobs.map((job) => ({ ...job, dueInMs: dueIn(job.runAt, now) }));
  await store.bulkWrite(scheduled.flatMap((job) => jobWrites(job, new Date(now).toISOString())));
  return scheduled;
};

/** A job as the previous version stored it: times as ISO strings, `lockedUntil` '' when not claimed, no `dueAt`. */
export const oldJob = (id: string, runAt: string, claim: { lockedUntil: string; owner?: string } = { lockedUntil: '' }) => ({
  _id: id,
  kind: 'send-notification' as const,
  runAt,
  payload: { n: id },
  attempts: 0,
  createdAt: runAt,
  ...claim,
});
