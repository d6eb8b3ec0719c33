import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { Signal } from '../infrastructure/signal.js';
import { within } from '../infrastructure/within.js';
import { ClaimsAtOnce, type HeldClaim } from './claims-at-once.js';
import { keepClaim } from './claim-keeper.js';
import { JobCompletions } from './job-completions.js';
import { DEFAULT_LANE_ATTEMPTS, laneOf, LaneSlots, ORDER_LANES, type JobLane } from './job-lanes.js';
import { onPath, type CriticalPath } from '../infrastructure/critical-path.js';
import { searchStore, type StoreSearchDeps } from './job-search.js';
import { claimOn, isOldShape, JOBS, renewOn, untilFree, upgradeJobs, type Claimant, type JobDocument } from './job-documents.js';
import { recordFailure, type ClaimedJob } from './job-failures.js';
import type { JobHandlers, JobRunnerOptions, WokenJob } from './job-runner-types.js';
import { RepeatedFailures } from './repeated-failures.js';

export { DueQueue } from './due-queue.js';
export type { JobHandler, JobHandlers, JobRunnerOptions, WokenJob } from './job-runner-types.js';
export { JOB_LANES, ORDER_LANES, type JobLane } from './job-lanes.js';
export { DISCARDED_JOBS, dueIn, JOBS, jobWrites, PARKED_JOBS, requeueParkedJob, scheduleJobs, type Claimant, type JobDocument, type ScheduledJob } from './job-documents.js';

/**
 * Durable jobs: calls to the outside world (payment provider, mail) and timers, stored
 * in the read-model store by the process managers in the same write as their
 * checkpoint, so a job is never lost and never scheduled twice. A job is claimed with a
 * lease before it runs (several processes may share the store), deleted when its handler
 * succeeds, retried with back-off when it fails, and parked, visible to admins, when it
 * keeps failing. Handlers must be idempotent: a crash can run a job again.
 * When a job falls due and until when a claim holds are times by the store's clock (see
 * job-documents.ts): processes whose clocks disagree still agree on who may run a job.
 */

/**
 * Runs jobs as they fall due. Jobs this process schedules are handed to `wake(jobs)` and
 * kept in a local due-queue: each is fetched and claimed by id when its time comes, with
 * no search of the store. The store is searched every `pollMs` as well, for jobs scheduled
 * by other processes, left by a crash, or put back by an admin.
 *
 * Claims and completions are written without an fsync (WriteOptions.durable): a power cut
 * can only make a job run again, which every handler must bear anyway.
 */
export class JobRunner {
  private readonly wakeUp = new Signal();
  private readonly running = new Map<string, Promise<void>>();
  /** The jobs this process knows of by when they fall due, and the slots, lane by lane. */
  private readonly lanes: LaneSlots;
  private readonly completions = new JobCompletions(() => this.collection);
  /** Jobs of the local queue written with this runner's claim (see claimAtOnce). */
  private readonly claimedAtOnce: ClaimsAtOnce;
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lastSearch = Number.NEGATIVE_INFINITY;
  /** A slot came free in a lane whose last search left due jobs in the store: search again soon, not a pollMs later. */
  private searchSoon = false;
  /** When the earliest job found by the last search that was not yet due falls due. */
  private nextFound = Number.POSITIVE_INFINITY;

  constructor(
    /** `criticalPath`: the jobs of the lanes an order waits on run as critical work, the others once it is clear (see CriticalPath). */
    private readonly deps: { readModels: ReadModelStore; logger: Logger; clock: () => Date; criticalPath?: CriticalPath },
    private readonly handlers: JobHandlers,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.owner = options.owner ?? randomUUID();
    this.leaseMs = options.leaseMs ?? 120_000;
    this.pollMs = options.pollMs ?? 1000;
    this.lanes = new LaneSlots(options.concurrency);
    this.claimedAtOnce = new ClaimsAtOnce(this.owner);
  }

  start(): void {
    this.stopped = false;
    this.lastSearch = Number.NEGATIVE_INFINITY;
    this.loop = this.run();
  }

  /** New jobs were scheduled: those passed in run when due without a search; a call without any searches the store now. */
  wake(jobs?: ReadonlyArray<WokenJob>): void {
    if (this.stopped) return void this.claimedAtOnce.letGo(jobs ?? [], this.deps.readModels, this.deps.logger);
    const now = this.deps.clock().getTime();
    if (jobs) {
      for (const job of jobs) {
        this.lanes.add(job.kind, job.id, job.dueInMs === undefined ? Date.parse(job.runAt) : now + job.dueInMs);
        this.claimedAtOnce.note(job);
      }
    } else this.lastSearch = Number.NEGATIVE_INFINITY;
    this.wakeUp.notify();
  }

  /**
   * A claim for a job that this runner is to run as soon as it is written (due at once), to be
   * written with it (see jobWrites), then handed to wake(): the job then runs without a claim
   * of its own, one write less. Held like any claim: searches (here and elsewhere) leave it
   * alone while this process lives, and take it over once it has died (see searchLanes).
   * None once stopping: the job is written unclaimed, for the others' searches.
   */
  claimAtOnce(): Claimant | undefined {
    if (this.stopped) return undefined;
    return { owner: this.owner, claim: randomUUID(), leaseMs: this.leaseMs };
  }

  /**
   * Starts nothing more and waits for the jobs running here, at most `stopGraceMs` (a silent
   * mail server holds a send up to about 70 s). Call it before this process leaves the live
   * ones: until then no other takes over what runs here (an email marked `uncertain`, a charge
   * made twice at once). Past the grace, the others take them over once it has left.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.notify();
    await this.loop;
    // Not started, and now never to be here: free for the others' next search at once, not after the grace.
    await this.claimedAtOnce.release(this.deps.readModels, this.deps.logger);
    const graceMs = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    await within(Promise.allSettled(this.running.values()), graceMs).catch(() => {
      this.deps.logger.warn({ jobs: [...this.running.keys()], graceMs }, 'stopping with jobs still running: the other processes take them over once this one has left');
    });
  }

  /**
   * How far behind this runner is in `lanes` (all of them unless given): how long the earliest
   * job of their queues has been due without being started (0 when none is due). A lane's slots
   * all busy, its due jobs wait here; a charge that waits past the order's payment time fails
   * the order (see src/admission/order-backlog.ts, which asks for ORDER_LANES). 0 once stopping.
   */
  behindMs(lanes?: readonly JobLane[]): number {
    if (this.stopped) return 0; // what it knew of is the others' to find and measure
    return this.lanes.behindMs(this.deps.clock().getTime(), lanes);
  }

  private get collection() {
    return this.deps.readModels.collection<JobDocument>(JOBS);
  }

  private async run(): Promise<void> {
    // MongoDB finds due jobs (and those of the previous version's shape, without one) by these: a
    // lane's search by kind and dueAt, so that a backlog in one lane is not walked by the others'.
    await this.collection.createIndex({ keys: { dueAt: 1 } }).catch(() => undefined);
    await this.collection.createIndex({ keys: { kind: 1, dueAt: 1 } }).catch(() => undefined);
    const failures = new RepeatedFailures(this.deps.logger, 'looking for due jobs failed');
    while (!this.stopped) {
      try {
        await this.startKnownJobs();
        const now = this.deps.clock().getTime();
        // Every pollMs, when a job found by the last search falls due, and soon after a slot came free for one it left.
        if (now >= this.nextSearch() || this.nextFound <= now) await this.search();
        failures.recovered();
      } catch (error) {
        failures.report(error);
      }
      await this.sleep(this.msUntilNextLook());
    }
  }

  /**
   * Starts the due jobs of the local queues, lane by lane while it has a free slot, each fetched
   * and claimed by its id. One that is not due by the store's clock, or claimed by another
   * process, is looked at again when the store says it will be (a wait measured by the store:
   * this process's clock may disagree).
   */
  private async startKnownJobs(): Promise<void> {
    for (const lane of this.lanes.open()) await this.startKnownIn(lane);
  }

  private async startKnownIn(lane: JobLane): Promise<void> {
    while (this.lanes.free(lane) > 0) {
      const now = this.deps.clock().getTime();
      const id = this.lanes.takeDue(lane, now);
      if (id === undefined) return;
      const atOnce = this.claimedAtOnce.take(id);
      if (this.running.has(id)) continue;
      try {
        await this.startKnown(id, now, atOnce);
      } catch (error) {
        // The store failed on the way: the job stays known (and, written with our claim, ours), tried again in a moment.
        this.lanes.addTo(lane, id, now + RETRY_KNOWN_MS);
        if (atOnce) this.claimedAtOnce.putBack(id, atOnce);
        throw error;
      }
    }
  }

  private async startKnown(id: string, now: number, atOnce: HeldClaim | undefined): Promise<void> {
    let job = await this.collection.findOne({ _id: id });
    if (job && isOldShape(job)) {
      await upgradeJobs(this.deps.readModels, [job], now);
      job = await this.collection.findOne({ _id: id });
    }
    if (!job) return; // done already, or parked
    // Still the claim it was written with: it runs as it is, fresh. One that waited here a
    // tenth of a claim's length or more (its lane was full) runs only once renewed while it
    // still holds: run out, another process may take it at its next search, and both run it.
    if (atOnce !== undefined && job.owner === this.owner && job.claim === atOnce.claim) {
      const claimant = { owner: this.owner, claim: atOnce.claim };
      if (performance.now() - atOnce.at < this.leaseMs / 10 || (await this.renew(claimant, id))) return this.runClaimed({ ...job, ...claimant });
      job = await this.collection.findOne({ _id: id }); // ran out: claimed as any job, if nobody else has it
      if (!job) return;
    }
    if (await this.begin(job)) return;
    const wait = await this.waitFor(id);
    if (wait !== undefined) this.lanes.add(job.kind, id, now + Math.max(1, wait));
  }

  /** How long until a job is due and unclaimed, by the store's clock; undefined when it is gone. */
  private async waitFor(id: string): Promise<number | undefined> {
    const [row] = await this.collection.aggregate<{ wait: number }>([{ $match: { _id: id } }, { $project: { wait: untilFree } }]);
    return row?.wait;
  }

  /** Searches the store (see searchStore), and notes when the next job it found falls due. */
  private async search(): Promise<void> {
    const now = this.deps.clock().getTime();
    this.lastSearch = now;
    this.searchSoon = false;
    this.nextFound = await searchStore(this.searchDeps, now);
  }

  private get searchDeps(): StoreSearchDeps {
    const live = async () => {
      const owners = await this.options.liveOwners?.();
      return owners?.includes(this.owner) ? owners : undefined;
    };
    return { jobs: this.collection, readModels: this.deps.readModels, lanes: this.lanes, running: () => [...this.running.keys()], begin: (job, orphan) => this.begin(job, orphan), live };
  }

  /** Renews a claim of this runner's for a whole lease if it still holds by the store's clock; false when it ran out. */
  private async renew(claimant: { owner: string; claim: string }, id: string): Promise<boolean> {
    const { filter, update } = renewOn(id, claimant, this.leaseMs);
    return (await this.collection.updateOne(filter, update, { durable: false })).modifiedCount === 1;
  }

  /** Claims a job and runs it in the background; false when it could not claim it (not due, claimed by another process). */
  private async begin(job: JobDocument, orphan = false): Promise<boolean> {
    if (this.running.has(job._id)) return true;
    const claimed = await this.claim(job, orphan);
    if (!claimed) return false;
    this.runClaimed(claimed);
    return true;
  }

  /** Runs a job this runner holds the claim of, in the background. */
  private runClaimed(job: ClaimedJob): void {
    this.lanes.taken(job.kind);
    const run = this.execute(job).finally(() => {
      this.running.delete(job._id);
      this.lanes.released(job.kind);
      if (this.lanes.searchFor(job.kind, this.deps.clock().getTime())) this.searchSoon = true;
      this.wakeUp.notify();
    });
    this.running.set(job._id, run);
  }

  /** Takes the lease (see claimOn): the job as claimed, or undefined when it is not due by the store's clock or another process holds it. */
  private async claim(job: JobDocument, orphan: boolean): Promise<ClaimedJob | undefined> {
    const claim = randomUUID();
    const { filter, update } = claimOn(job, orphan, { owner: this.owner, claim }, this.leaseMs);
    const result = await this.collection.updateOne(filter, update, { durable: false });
    return result.modifiedCount === 1 ? { ...job, owner: this.owner, claim } : undefined;
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const kept = keepClaim(() => this.renew(job, job._id), this.leaseMs, this.deps.logger, job);
    try {
      try {
        await onPath(this.deps.criticalPath, ORDER_LANES.includes(laneOf(job.kind)), () => this.handlers[job.kind](job.payload));
      } finally {
        kept.stop();
      }
      // Done is done, whoever holds the claim now: a runner that took it over meanwhile finds the effect made (handlers are idempotent).
      await this.completions.done(job._id);
    } catch (error) {
      await this.failed(job, error).catch((e: unknown) => this.deps.logger.error({ err: e }, 'could not record a job failure'));
    }
  }

  private async failed(job: ClaimedJob, error: unknown): Promise<void> {
    const { readModels, logger } = this.deps;
    const deps = { jobs: this.collection, readModels, logger, now: this.deps.clock(), maxAttempts: this.options.maxAttempts ?? DEFAULT_LANE_ATTEMPTS[laneOf(job.kind)], retryBaseMs: this.options.retryBaseMs ?? 200 };
    const dueAgain = await recordFailure(deps, job, error);
    if (dueAgain !== undefined) this.lanes.add(job.kind, job._id, dueAgain);
  }

  /** Until the next local job of a lane with a free slot falls due, the next search, or (when every slot is busy) a job finishing. */
  private msUntilNextLook(): number {
    const now = this.deps.clock().getTime();
    const nextSearch = this.nextSearch();
    const open = this.lanes.open();
    if (open.length === 0) return Math.max(0, nextSearch - now);
    const next = Math.min(...open.map((lane) => this.lanes.next(lane)), nextSearch, this.nextFound);
    return Math.max(0, Math.min(this.pollMs, next - now));
  }

  /** When to search next: a pollMs after the last, or SEARCH_SOON_MS after it once a slot came free for a job it left in the store. */
  private nextSearch(): number {
    return this.lastSearch + (this.searchSoon ? Math.min(SEARCH_SOON_MS, this.pollMs) : this.pollMs);
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.wakeUp.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}

/** How long stop() waits for the jobs running here unless told (JobRunnerOptions.stopGraceMs). */
const DEFAULT_STOP_GRACE_MS = 15_000;

/** How soon a job of the local queue is looked at again after the store failed on its way to start. */
const RETRY_KNOWN_MS = 250;

/** The shortest time between two searches while jobs the last one left in the store wait for the slots that come free. */
const SEARCH_SOON_MS = 20;
