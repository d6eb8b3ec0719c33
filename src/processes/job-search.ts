import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import type { JobDocument } from './job-documents.js';
import { JOB_LANES, laneFilter, type JobLane, type LaneSlots } from './job-lanes.js';

export type LaneSearchDeps = {
  jobs: ReadModelCollection<JobDocument>;
  lanes: LaneSlots;
  /** The ids of the jobs this process runs now. */
  running: () => string[];
  /** Claims a job and runs it in the background; false when another process got it first. `orphan`: its claimant died. */
  begin: (job: JobDocument, orphan: boolean) => Promise<boolean>;
};

/**
 * One search of the store, lane by lane, at `storeTime` (the store's clock; `now` is this
 * process's at the same moment):
 * - as many due jobs as the lane has free slots: unclaimed ones (or whose claim ran out),
 *   then orphans, still claimed by a process no longer among `live` (it died; undefined: the
 *   list is not to be trusted, and none are taken). The claims are conditional, so one
 *   process gets each;
 * - then, when the lane may have left some behind (no free slot, or as many found as it
 *   had), since when the oldest of them has waited, by this process's clock, told to
 *   `lanes.waitingInStore`. It counts in how far behind the lane is (JobRunner.behindMs, and
 *   so admission control) as the local queue's jobs do: due charges found in the store (after
 *   a restart, or a takeover from a process that died) otherwise waited unseen.
 * Lane by lane: the due jobs of a lane whose slots are held (a mail server that hangs) do not
 * hide another's.
 */
export const searchLanes = async (deps: LaneSearchDeps, storeTime: number, now: number, live: string[] | undefined): Promise<void> => {
  for (const lane of JOB_LANES) {
    const unclaimed = { dueAt: { $lte: storeTime }, lockedUntil: { $lte: storeTime }, ...laneFilter(lane) };
    const orphaned = live ? { lockedUntil: { $gt: storeTime }, owner: { $nin: live }, ...laneFilter(lane) } : undefined;
    let left = await take(deps, lane, unclaimed, false);
    if (orphaned) left = (await take(deps, lane, orphaned, true)) || left;
    const oldest = left ? Math.min(await oldestDue(deps, unclaimed), orphaned ? await oldestDue(deps, orphaned) : Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    deps.lanes.waitingInStore(lane, Number.isFinite(oldest) ? now - Math.max(0, storeTime - oldest) : undefined);
  }
};

/** Starts as many jobs matching `filter` as the lane has free slots; true when it may have left some. */
const take = async (deps: LaneSearchDeps, lane: JobLane, filter: Record<string, unknown>, orphan: boolean): Promise<boolean> => {
  const free = deps.lanes.free(lane);
  if (free <= 0) return true;
  const found = await deps.jobs.find({ ...filter, _id: { $nin: deps.running() } }, { sort: { dueAt: 1 }, limit: free });
  for (const job of found) await deps.begin(job, orphan);
  return found.length === free;
};

/** When the oldest job matching `filter` that this process does not run fell due (the store's clock; Infinity: none). */
const oldestDue = async (deps: LaneSearchDeps, filter: Record<string, unknown>): Promise<number> => {
  const [oldest] = await deps.jobs.find({ ...filter, _id: { $nin: deps.running() } }, { sort: { dueAt: 1 }, limit: 1, projection: { dueAt: 1 } });
  return oldest?.dueAt ?? Number.POSITIVE_INFINITY;
};
