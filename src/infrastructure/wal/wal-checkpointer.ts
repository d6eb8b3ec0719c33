import { Worker } from 'node:worker_threads';

/** What a checkpoint did (SQLite's own figures: frames in the WAL, frames copied), or why it failed. */
export type CheckpointReply = { busy: number; log: number; checkpointed: number } | { error: string };

export type WalCheckpointerOptions = {
  /** The database file. */
  path: string;
  /** The store connection's synchronous setting, which the checkpoint's syncs follow. */
  synchronous: 'FULL' | 'NORMAL';
  /** How long after a commit the checkpoint runs (the commits meanwhile join it). Default 200 ms. */
  delayMs?: number;
  /** The thread failed: the store's connection checkpoints again itself (its wal_autocheckpoint), so the WAL cannot grow without end. */
  failed: (error: Error) => void;
};

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit
 * that takes the WAL past 1000 pages, on the connection that commits: on the store's own
 * connection that is the event loop's thread, held for the copy of the pages and two fsyncs
 * (the WAL's and the file's), several to tens of milliseconds in which no request is
 * answered; under load it came back every fraction of a second and made most of the p99.
 * Here the store's connection has `wal_autocheckpoint = 0`, and a thread of its own with a
 * connection of its own runs a PASSIVE checkpoint a moment after commits (one for all the
 * commits of that moment): it blocks neither the store's writes nor its reads, and the next
 * write starts the WAL over once every frame is copied. A crash at any point is SQLite's
 * ordinary recovery: the WAL holds every commit until a checkpoint has copied it.
 * The thread starts with the first checkpoint and never keeps the process alive.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  /** Checkpoints done, and the last one's figures (tests and diagnostics). */
  checkpoints = 0;
  last: CheckpointReply | undefined;

  constructor(private readonly options: WalCheckpointerOptions) {}

  /** The store's connection committed: a checkpoint follows shortly. */
  committed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.run(), this.options.delayMs ?? 200);
    this.timer.unref();
  }

  /** Stops the thread (a checkpoint on its way is abandoned: SQLite takes it up at the next one, or at close). */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private run(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.running = true;
    this.again = false;
    (this.worker ??= this.spawn()).postMessage('checkpoint');
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./wal-checkpoint-thread.js', import.meta.url), {
      workerData: { path: this.options.path, synchronous: this.options.synchronous },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => {
      this.running = false;
      this.checkpoints += 1;
      this.last = reply;
      if ('error' in reply) return this.fail(new Error(`WAL checkpoint of ${this.options.path} failed: ${reply.error}`));
      // Commits meanwhile, or frames a reader still needed: another checkpoint shortly.
      if (this.again || reply.checkpointed < reply.log) this.committed();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the WAL checkpoint thread of ${this.options.path} stopped (exit code ${code})`)));
    return worker;
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.options.failed(error);
  }
}
