import type { ReadModelCollection, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { OLD_SHAPE, storeNow, upgradeJobs, type JobDocument } from './job-documents.js';
import { JOB_LANES, laneFilter, type JobLane, type LaneSlots } from './job-lanes.js';

export type StoreSearchDeps = {
  jobs: ReadModelCollection<JobDocument>;
  readModels: ReadModelStore;
  lanes: LaneSlots;
  /** The ids of the jobs this process runs now. */
  running: () => string[];
  /** Claims a job and runs it in the background; false when another process got it first. `orphan`: its claimant died. */
  begin: (job: JobDocument, orphan: boolean) => Promise<boolean>;
  /**
   * The processes of the shop alive now, whose claims hold; undefined when not known, or when
   * the list does not name this process (the store answered partly, or it has not beaten yet).
   */
  live: () => Promise<string[] | undefined>;
};

/**
 * Searches the store for due jobs, with a bound read from the store's clock just before:
 * plain comparisons, which indexes serve (the claims compare with the store's clock as they
 * write). Resolves with when the earliest job not yet due falls due, by this process's clock
 * (`now` its time at the start; Infinity: none).
 */
export const searchStore = async (deps: StoreSearchDeps, now: number): Promise<number> => {
  const storeTime = await storeNow(deps.jobs);
  if (storeTime === undefined) {
    for (const lane of JOB_LANES) deps.lanes.waitingInStore(lane, undefined); // no jobs at all
    return Number.POSITIVE_INFINITY;
  }
  const old = await deps.jobs.find(OLD_SHAPE, { limit: 500 });
  if (old.length > 0) await upgradeJobs(deps.readModels, old, now);
  try {
    // Not knowing who is alive takes no claim over, and holds back nothing else.
    await searchLanes(deps, storeTime, now, await deps.live().catch(() => undefined));
  } catch (error) {
    // Not known now: what the last search found no longer counts (it would only grow), as a measure that fails admits a checkout.
    for (const lane of JOB_LANES) deps.lanes.waitingInStore(lane, undefined);
    throw error;
  }
  const [next] = await deps.jobs.find({ dueAt: { $gt: storeTime } }, { sort: { dueAt: 1 }, limit: 1, projection: { dueAt: 1 } });
  return next ? now + (next.dueAt - storeTime) : Number.POSITIVE_INFINITY;
};

/**
 * The due jobs in the store, lane by lane, at `storeTime` (the store's clock; `now` is this
 * process's at the same moment):
 * - as many as the lane has free slots: unclaimed ones (or whose claim ran out), then
 *   orphans, still claimed by a process no longer among `live` (it died; undefined: none are
 *   taken). The claims are conditional, so one process gets each;
 * - since when the oldest of those it left (no free slot) has waited, by this process's
 *   clock, told to `lanes.waitingInStore`. It counts in how far behind the lane is
 *   (JobRunner.behindMs, and so admission control) as the local queue's jobs do: due charges
 *   found in the store (after a restart, or a takeover from a process that died) otherwise
 *   waited unseen.
 * Lane by lane: the due jobs of a lane whose slots are held (a mail server that hangs) do not
 * hide another's. When nothing due waits at all (at rest, and whenever the local queues keep
 * up), one or two reads say so, not two per lane.
 */
export const searchLanes = async (deps: StoreSearchDeps, storeTime: number, now: number, live: string[] | undefined): Promise<void> => {
  const unclaimed = { dueAt: { $lte: storeTime }, lockedUntil: { $lte: storeTime } };
  const orphaned = live ? { dueAt: { $lte: storeTime }, lockedUntil: { $gt: storeTime }, owner: { $nin: live } } : undefined;
  if (!(await anyOf(deps, unclaimed)) && !(orphaned && (await anyOf(deps, orphaned)))) {
    for (const lane of JOB_LANES) deps.lanes.waitingInStore(lane, undefined);
    return;
  }
  for (const lane of JOB_LANES) {
    let oldest = await take(deps, lane, { ...unclaimed, ...laneFilter(lane) }, false);
    if (orphaned) oldest = Math.min(oldest, await take(deps, lane, { ...orphaned, ...laneFilter(lane) }, true));
    deps.lanes.waitingInStore(lane, Number.isFinite(oldest) ? now - Math.max(0, storeTime - oldest) : undefined);
  }
};

/** Starts as many jobs matching `filter` as the lane has free slots; resolves with when the oldest it left fell due (the store's clock; Infinity: none). */
const take = async (deps: StoreSearchDeps, lane: JobLane, filter: Record<string, unknown>, orphan: boolean): Promise<number> => {
  const free = Math.max(0, deps.lanes.free(lane));
  // One more than it can start: the one after them is the oldest left.
  const found = await deps.jobs.find({ ...filter, _id: { $nin: deps.running() } }, { sort: { dueAt: 1 }, limit: free + 1 });
  for (const job of found.slice(0, free)) await deps.begin(job, orphan);
  return found[free]?.dueAt ?? Number.POSITIVE_INFINITY;
};

const anyOf = async (deps: StoreSearchDeps, filter: Record<string, unknown>): Promise<boolean> =>
  (await deps.jobs.find({ ...filter, _id: { $nin: deps.running() } }, { limit: 1, projection: { _id: 1 } })).length > 0;
