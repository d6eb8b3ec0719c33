import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { Signal } from '../infrastructure/signal.js';
import type { Job, JobKind } from './process-manager.js';

/**
 * Durable jobs: calls to the outside world (payment provider, mail) and timers, stored
 * in the read-model store by the process managers in the same write as their
 * checkpoint, so a job is never lost and never scheduled twice. A job is claimed with a
 * lease before it runs (several processes may share the store), deleted when its handler
 * succeeds, retried with back-off when it fails, and parked, visible to admins, when it
 * keeps failing. Handlers must be idempotent: a crash can run a job again.
 */

export const JOBS = 'jobs';
export const PARKED_JOBS = 'parked_jobs';

export type JobDocument = Document & {
  kind: JobKind;
  runAt: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: string;
  lockedUntil: string;
  lastError?: string;
};

/** A job as this runner claimed it: `owner` and `lockedUntil` are what its claim wrote. */
type ClaimedJob = JobDocument & { owner: string };

export type JobHandler = (payload: Record<string, unknown>) => Promise<void>;
export type JobHandlers = Record<JobKind, JobHandler>;

/** Puts a parked job back in the queue, to run now with fresh attempts. */
export const requeueParkedJob = async (store: ReadModelStore, id: string, now: Date): Promise<void> => {
  const parked = await store.collection<JobDocument>(PARKED_JOBS).findOne({ _id: id });
  if (!parked) throw new NotFoundError(`no parked job ${id}`);
  const { parkedAt: _parkedAt, ...job } = parked as JobDocument & { parkedAt?: string };
  const requeued: JobDocument = { ...job, attempts: 0, runAt: now.toISOString(), lockedUntil: '' };
  try {
    await store.bulkWrite([
      { collection: JOBS, insertOne: { document: requeued } },
      { collection: PARKED_JOBS, deleteOne: { filter: { _id: id } } },
    ]);
  } catch (error) {
    if (error instanceof DuplicateKeyError) throw new ConflictError(`job ${id} is queued already`);
    throw error;
  }
};

export const jobDocument = (job: Job, now: string): JobDocument => ({
  _id: job.id,
  kind: job.kind,
  runAt: job.runAt,
  payload: job.payload,
  attempts: 0,
  createdAt: now,
  lockedUntil: '',
});

export type JobRunnerOptions = {
  concurrency?: number;
  maxAttempts?: number;
  /** How long a claimed job stays claimed: longer than any handler runs. */
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
};

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
  private readonly due = new DueQueue();
  private readonly owner: string;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lastSearch = Number.NEGATIVE_INFINITY;
  /** When the earliest job found by the last search that was not yet due falls due. */
  private nextFound = Number.POSITIVE_INFINITY;

  constructor(
    private readonly deps: { readModels: ReadModelStore; logger: Logger; clock: () => Date },
    private readonly handlers: JobHandlers,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.owner = options.owner ?? randomUUID();
  }

  start(): void {
    this.stopped = false;
    this.lastSearch = Number.NEGATIVE_INFINITY;
    this.loop = this.run();
  }

  /** New jobs were scheduled: those passed in run when due without a search; a call without any searches the store now. */
  wake(jobs?: ReadonlyArray<Pick<Job, 'id' | 'runAt'>>): void {
    if (jobs) for (const job of jobs) this.due.add(job.id, Date.parse(job.runAt));
    else this.lastSearch = Number.NEGATIVE_INFINITY;
    this.wakeUp.notify();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.notify();
    await this.loop;
    await Promise.allSettled(this.running.values());
  }

  private get collection() {
    return this.deps.readModels.collection<JobDocument>(JOBS);
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 16;
  }

  private get pollMs(): number {
    return this.options.pollMs ?? 1000;
  }

  private async run(): Promise<void> {
    // MongoDB finds due jobs by this index; the embedded store keeps it as a hash index.
    await this.collection.createIndex({ keys: { runAt: 1 } }).catch(() => undefined);
    while (!this.stopped) {
      try {
        await this.startKnownJobs();
        const now = this.deps.clock().getTime();
        // Every pollMs, and when a job found by the last search falls due.
        if (now - this.lastSearch >= this.pollMs || this.nextFound <= now) await this.search();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'looking for due jobs failed');
      }
      await this.sleep(this.msUntilNextLook());
    }
  }

  private free(): number {
    return this.concurrency - this.running.size;
  }

  /** Starts the due jobs of the local queue, each fetched and claimed by its id. */
  private async startKnownJobs(): Promise<void> {
    const now = this.deps.clock();
    while (this.free() > 0) {
      const id = this.due.takeDue(now.getTime());
      if (id === undefined) return;
      if (this.running.has(id)) continue;
      const job = await this.collection.findOne({ _id: id });
      if (!job) continue; // done already, or parked
      const at = Math.max(Date.parse(job.runAt), Date.parse(job.lockedUntil || job.runAt));
      if (at > now.getTime()) {
        this.due.add(id, at); // rescheduled, or leased by another process: look again then
        continue;
      }
      await this.begin(job, now.toISOString());
    }
  }

  /** Searches the store for due jobs (and notes when the next one falls due). */
  private async search(): Promise<void> {
    const now = this.deps.clock();
    this.lastSearch = now.getTime();
    const iso = now.toISOString();
    const free = this.free();
    if (free > 0) {
      const due = await this.collection.find(
        { runAt: { $lte: iso }, lockedUntil: { $lte: iso }, _id: { $nin: [...this.running.keys()] } },
        { sort: { runAt: 1 }, limit: free },
      );
      for (const job of due) await this.begin(job, iso);
    }
    await this.reclaimOrphans(iso);
    const [next] = await this.collection.find({ runAt: { $gt: iso } }, { sort: { runAt: 1 }, limit: 1, projection: { runAt: 1 } });
    this.nextFound = next ? Date.parse(next.runAt) : Number.POSITIVE_INFINITY;
  }

  /**
   * Jobs still claimed by a process that is no longer alive: claimed again now (the claim is
   * conditional as any, so one process gets each). A process is alive while it beats; one
   * only stalled finds its claim gone when it wakes, as after a claim that ran out.
   */
  private async reclaimOrphans(iso: string): Promise<void> {
    const free = this.free();
    if (!this.options.liveOwners || free <= 0) return;
    const live = await this.options.liveOwners();
    // Not seen ourselves: the list is not to be trusted (the store answered partly, or we have not beaten yet).
    if (!live.includes(this.owner)) return;
    const orphans = await this.collection.find(
      { lockedUntil: { $gt: iso }, owner: { $nin: live }, _id: { $nin: [...this.running.keys()] } },
      { sort: { runAt: 1 }, limit: free },
    );
    for (const job of orphans) await this.begin(job, iso);
  }

  /** Claims a job and runs it in the background; nothing when another process claimed it first. */
  private async begin(job: JobDocument, now: string): Promise<void> {
    if (this.running.has(job._id)) return;
    const claimed = await this.claim(job, now);
    if (!claimed) return;
    const run = this.execute(claimed).finally(() => {
      this.running.delete(job._id);
      this.wakeUp.notify();
    });
    this.running.set(job._id, run);
  }

  /** Takes the lease: the job as claimed (its `lockedUntil` and owner are the claim), or undefined when another process took it first. */
  private async claim(job: JobDocument, now: string): Promise<ClaimedJob | undefined> {
    const lockedUntil = new Date(Date.parse(now) + (this.options.leaseMs ?? 120_000)).toISOString();
    const result = await this.collection.updateOne(
      { _id: job._id, lockedUntil: job.lockedUntil },
      { $set: { lockedUntil, owner: this.owner } },
      { durable: false },
    );
    return result.modifiedCount === 1 ? { ...job, lockedUntil, owner: this.owner } : undefined;
  }

  /** Still this runner's claim: not run out and taken by another runner (this one stalled past it) since. */
  private claimOf(job: ClaimedJob) {
    return { _id: job._id, owner: job.owner, lockedUntil: job.lockedUntil };
  }

  private async execute(job: ClaimedJob): Promise<void> {
    try {
      await this.handlers[job.kind](job.payload);
      // Done is done, whoever holds the claim now: a runner that took it over meanwhile finds the effect made (handlers are idempotent).
      await this.collection.deleteOne({ _id: job._id }, { durable: false });
    } catch (error) {
      await this.failed(job, error).catch((e: unknown) => this.deps.logger.error({ err: e }, 'could not record a job failure'));
    }
  }

  /**
   * Records a failure, only while the claim is still this runner's: one that stalled past its
   * claim must not put back in the queue (or park) a job another runner is running now, which
   * would let a third run it at the same time.
   */
  private async failed(job: ClaimedJob, error: unknown): Promise<void> {
    const attempts = job.attempts + 1;
    const lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const now = this.deps.clock();
    if (attempts >= (this.options.maxAttempts ?? 10)) return this.park(job, attempts, lastError, error, now);
    const runAt = new Date(now.getTime() + Math.min(60_000, (this.options.retryBaseMs ?? 200) * 2 ** attempts));
    const result = await this.collection.updateOne(this.claimOf(job), { $set: { attempts, lastError, runAt: runAt.toISOString(), lockedUntil: '' } });
    if (result.matchedCount === 0) return this.claimLost(job, error);
    this.deps.logger.warn({ err: error, jobId: job._id, attempts }, 'job failed; will retry');
    this.due.add(job._id, runAt.getTime());
  }

  /**
   * Parked first, then taken out of the queue under the claim; a claim lost meanwhile takes the
   * parked copy back. A crash in between leaves the job both queued and parked: it runs again,
   * which handlers bear; it is never lost.
   */
  private async park(job: ClaimedJob, attempts: number, lastError: string, error: unknown, now: Date): Promise<void> {
    const parkedAt = now.toISOString();
    const { owner: _owner, ...fields } = job;
    const parked = { ...fields, attempts, lastError, parkedAt, lockedUntil: '' };
    await this.deps.readModels.collection(PARKED_JOBS).replaceOne({ _id: job._id }, parked, { upsert: true });
    const { deletedCount } = await this.collection.deleteOne(this.claimOf(job));
    if (deletedCount === 0) {
      await this.deps.readModels.collection(PARKED_JOBS).deleteOne({ _id: job._id, parkedAt });
      return this.claimLost(job, error);
    }
    this.deps.logger.error({ err: error, jobId: job._id }, 'job parked');
  }

  private claimLost(job: ClaimedJob, error: unknown): void {
    this.deps.logger.warn({ err: error, jobId: job._id }, 'job failed after its claim ran out: left to the runner that holds it now');
  }

  /** Until the next local job falls due, the next search, or (when every slot is busy) a job finishing. */
  private msUntilNextLook(): number {
    const now = this.deps.clock().getTime();
    const nextSearch = this.lastSearch + this.pollMs;
    if (this.free() <= 0) return Math.max(0, nextSearch - now);
    const next = Math.min(this.due.next(), nextSearch, this.nextFound);
    return Math.max(0, Math.min(this.pollMs, next - now));
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.wakeUp.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}

/** Job ids by the time they fall due (a binary min-heap); an id added again keeps its latest time. */
export class DueQueue {
  private readonly heap: Array<{ at: number; id: string }> = [];
  private readonly latest = new Map<string, number>();

  add(id: string, at: number): void {
    this.latest.set(id, at);
    this.heap.push({ at, id });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.at <= this.heap[i]!.at) break;
      [this.heap[parent], this.heap[i]] = [this.heap[i]!, this.heap[parent]!];
      i = parent;
    }
  }

  /** The earliest time anything falls due (Infinity when empty). */
  next(): number {
    this.dropStale();
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns an id due at `now`, if any. */
  takeDue(now: number): string | undefined {
    if (this.next() > now) return undefined;
    const { id } = this.pop()!;
    this.latest.delete(id);
    return id;
  }

  get size(): number {
    return this.latest.size;
  }

  /** Entries superseded by a later add of the same id. */
  private dropStale(): void {
    while (this.heap.length > 0 && this.latest.get(this.heap[0]!.id) !== this.heap[0]!.at) this.pop();
  }

  private pop(): { at: number; id: string } | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < this.heap.length && this.heap[l]!.at < this.heap[smallest]!.at) smallest = l;
        if (r < this.heap.length && this.heap[r]!.at < this.heap[smallest]!.at) smallest = r;
        if (smallest === i) break;
        [this.heap[smallest], this.heap[i]] = [this.heap[i]!, this.heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
