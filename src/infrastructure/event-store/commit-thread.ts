import { Worker } from 'node:worker_threads';
import { failureError, type AppendFailure, type AppendOutcome, type AppendRequest } from './sqlite-commit.js';

/** A batch as sent: its appends as one JSON text (a string crosses to the thread as one copy; a structured clone of many small objects costs the event loop several times more). */
export type CommitRequest = { id: number; requests: string; recordedAt: string };
export type CommitReply = { id: number; outcomes?: string; failure?: AppendFailure };

type Waiter = { resolve: (outcomes: AppendOutcome[]) => void; reject: (error: Error) => void };

/**
 * The embedded event store's group commits, made by a thread of its own with a connection of
 * its own to the file. better-sqlite3 is synchronous: a commit on the store's connection
 * holds the event loop for the whole fsync (about a millisecond on a good disk, several on a
 * slow one), when no request is answered, no projection folds and no saga reacts. Here the
 * event loop goes on meanwhile, and the appends made in the meantime form the next batch.
 * Batches are committed in the order sent, one after the other. The thread starts with the
 * first batch and keeps the process alive only while a batch is on its way.
 */
export class CommitThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();

  /** `bell`: the commit bell's file, rung by the thread after each commit that wrote anything (see CommitBell). */
  constructor(
    private readonly path: string,
    private readonly bell?: string,
  ) {}

  /** The outcome of each append, once the batch is durable; rejects when the transaction failed as a whole (nothing of it written). */
  commit(requests: AppendRequest[], recordedAt: string): Promise<AppendOutcome[]> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<AppendOutcome[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, requests: JSON.stringify(requests), recordedAt } satisfies CommitRequest);
    });
  }

  /** Stops the thread (the store waits for its batch on the way first). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./commit-thread-worker.js', import.meta.url), {
      workerData: { path: this.path, ...(this.bell ? { bell: this.bell } : {}) },
      // It holds a batch of events at a time: a small heap keeps the process's memory down.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    worker.on('message', ({ id, outcomes, failure }: CommitReply) => {
      const waiter = this.take(id);
      if (!waiter) return;
      if (outcomes !== undefined) waiter.resolve(JSON.parse(outcomes) as AppendOutcome[]);
      else waiter.reject(failureError(failure!));
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      // Whether such a batch was committed is unknown: its appends fail, and trying them again finds them (their ids) if it was.
      for (const id of [...this.waiting.keys()]) this.take(id)?.reject(error);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the event store's commit thread stopped (exit code ${code})`)));
    // After the listeners: a 'message' listener refs the worker's port again (the batches ref it while they wait).
    worker.unref();
    return worker;
  }

  private take(id: number): Waiter | undefined {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    return waiter;
  }
}
