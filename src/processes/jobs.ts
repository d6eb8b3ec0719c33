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
  /** How often to look for jobs scheduled by other processes. */
  pollMs?: number;
  /** First retry delay; it doubles with every attempt, up to a minute. */
  retryBaseMs?: number;
};

export class JobRunner {
  private readonly wakeUp = new Signal();
  private readonly running = new Map<string, Promise<void>>();
  private readonly owner = randomUUID();
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { readModels: ReadModelStore; logger: Logger; clock: () => Date },
    private readonly handlers: JobHandlers,
    private readonly options: JobRunnerOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  /** Looks for due jobs now (new jobs were scheduled, or one finished). */
  wake(): void {
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

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.startDueJobs();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'looking for due jobs failed');
      }
      const full = this.running.size >= (this.options.concurrency ?? 16);
      // When every slot is busy, a finishing job wakes the loop.
      await this.sleep(full ? (this.options.pollMs ?? 1000) : await this.msUntilNextJob());
    }
  }

  private async startDueJobs(): Promise<void> {
    const free = (this.options.concurrency ?? 16) - this.running.size;
    if (free <= 0) return;
    const now = this.deps.clock().toISOString();
    const due = await this.collection.find(
      { runAt: { $lte: now }, lockedUntil: { $lte: now }, _id: { $nin: [...this.running.keys()] } },
      { sort: { runAt: 1 }, limit: free },
    );
    for (const job of due) {
      if (!(await this.claim(job, now))) continue;
      const run = this.execute(job).finally(() => {
        this.running.delete(job._id);
        this.wakeUp.notify();
      });
      this.running.set(job._id, run);
    }
  }

  /** Takes the lease; false when another process took it first. */
  private async claim(job: JobDocument, now: string): Promise<boolean> {
    const lockedUntil = new Date(Date.parse(now) + (this.options.leaseMs ?? 120_000)).toISOString();
    const result = await this.collection.updateOne(
      { _id: job._id, lockedUntil: job.lockedUntil },
      { $set: { lockedUntil, owner: this.owner } },
    );
    return result.modifiedCount === 1;
  }

  private async execute(job: JobDocument): Promise<void> {
    try {
      await this.handlers[job.kind](job.payload);
      await this.collection.deleteOne({ _id: job._id });
    } catch (error) {
      await this.failed(job, error).catch((e: unknown) => this.deps.logger.error({ err: e }, 'could not record a job failure'));
    }
  }

  private async failed(job: JobDocument, error: unknown): Promise<void> {
    const attempts = job.attempts + 1;
    const lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const now = this.deps.clock();
    if (attempts >= (this.options.maxAttempts ?? 10)) {
      this.deps.logger.error({ err: error, jobId: job._id }, 'job parked');
      const parked = { ...job, attempts, lastError, parkedAt: now.toISOString(), lockedUntil: '' };
      await this.deps.readModels.bulkWrite([
        { collection: PARKED_JOBS, replaceOne: { filter: { _id: job._id }, replacement: parked, upsert: true } },
        { collection: JOBS, deleteOne: { filter: { _id: job._id } } },
      ]);
      return;
    }
    this.deps.logger.warn({ err: error, jobId: job._id, attempts }, 'job failed; will retry');
    const runAt = new Date(now.getTime() + Math.min(60_000, (this.options.retryBaseMs ?? 200) * 2 ** attempts)).toISOString();
    await this.collection.updateOne({ _id: job._id }, { $set: { attempts, lastError, runAt, lockedUntil: '' } });
  }

  private async msUntilNextJob(): Promise<number> {
    const poll = this.options.pollMs ?? 1000;
    const [next] = await this.collection
      .find({ _id: { $nin: [...this.running.keys()] } }, { sort: { runAt: 1 }, limit: 1 })
      .catch(() => []);
    if (!next) return poll;
    const at = Math.max(Date.parse(next.runAt), Date.parse(next.lockedUntil || next.runAt));
    return Math.max(0, Math.min(poll, at - this.deps.clock().getTime()));
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.wakeUp.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}
