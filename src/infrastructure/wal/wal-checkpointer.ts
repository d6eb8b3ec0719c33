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
  /** Starting the WAL over under steady writes (see WalRestart); without it the WAL starts over only when writes pause. */
  restart?: WalRestart;
};

/** Frames by default: about 16 MB of WAL (4 KB pages). Each held checkpoint pauses the writes for a few ms (2-9 ms at 100 orders/s here), so not too often. */
export const WAL_RESTART_FRAMES = 4000;

/**
 * The store's side of starting its WAL over. SQLite starts the WAL from its beginning when
 * a write begins after a checkpoint copied every frame; under steady writes a checkpoint
 * never catches up with them (frames are added while it copies), and the WAL grew by
 * megabytes a second until the writes paused. A WAL that only grows costs every commit:
 * each fsync also writes the file's new size to the file system's journal, and took twice
 * as long as one that overwrites frames already in the file (ext4, under load). So once a
 * checkpoint finds `afterFrames` frames in the WAL, the next one runs with the store's
 * writes held: they queue (off the event loop) for that one checkpoint, which copies what
 * was added since the last, and the first write after it starts the WAL over.
 */
export type WalRestart = {
  /** Frames in the WAL at which the next checkpoint holds the writes. */
  afterFrames: number;
  /** Holds the store's writes: they queue; resolves once none of them is on its way. */
  hold: () => Promise<void>;
  /** Lets the held writes go. */
  release: () => void;
};

/** The restart of a store whose writes `writes` queues and can hold (GroupCommit, WriteLockQueue). */
export const restartHolding = (writes: { hold(): Promise<void>; release(): void }, afterFrames = WAL_RESTART_FRAMES): WalRestart => ({
  afterFrames,
  hold: () => writes.hold(),
  release: () => writes.release(),
});

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
 * The thread starts with the first checkpoint and keeps the process alive only while it
 * holds the store's writes (they wait for its reply).
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  /** The store's writes are held for the checkpoint on its way (see WalRestart). */
  private holding = false;
  /** Frames at which the next checkpoint holds the writes: further out after one that did not start the WAL over. */
  private restartAt: number;
  private lastLog = 0;
  /** Checkpoints done, those run with the writes held, and the last one's figures (tests and diagnostics). */
  checkpoints = 0;
  held = 0;
  last: CheckpointReply | undefined;

  constructor(private readonly options: WalCheckpointerOptions) {
    this.restartAt = options.restart?.afterFrames ?? Infinity;
  }

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
    this.letGo();
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
    worker.on('message', (reply: CheckpointReply) => this.replied(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the WAL checkpoint thread of ${this.options.path} stopped (exit code ${code})`)));
    // After the listeners: a 'message' listener refs the worker's port again, and kept the process alive for good.
    worker.unref();
    return worker;
  }

  private replied(reply: CheckpointReply): void {
    this.running = false;
    this.checkpoints += 1;
    this.last = reply;
    const wasHeld = this.letGo();
    // A reply can still come after close() (terminate() does not stop one on its way): it starts nothing.
    if (this.stopped) return;
    if ('error' in reply) return this.fail(new Error(`WAL checkpoint of ${this.options.path} failed: ${reply.error}`));
    // Another process was checkpointing (busy, -1 frames): nothing is known of the WAL, so the
    // restarts' pacing is left as it was (it read as a WAL started over, and undid the spacing).
    if (reply.log < 0) return void (this.again && this.committed());
    this.paceRestarts(reply, wasHeld);
    if (!wasHeld && reply.log >= this.restartAt) return this.holdAndRun();
    // Commits meanwhile, or frames a reader still needed: another checkpoint shortly.
    if (this.again || reply.checkpointed < reply.log) this.committed();
  }

  /**
   * The WAL only shrinks (in frames) when it started over. A held checkpoint after which it
   * did not (a reader of another process still on the WAL) is tried again only once as many
   * frames again were added, not at every checkpoint.
   */
  private paceRestarts(reply: { log: number }, wasHeld: boolean): void {
    const afterFrames = this.options.restart?.afterFrames;
    if (afterFrames === undefined) return;
    if (reply.log < this.lastLog) this.restartAt = afterFrames;
    else if (wasHeld) this.restartAt = reply.log + afterFrames;
    this.lastLog = reply.log;
  }

  /** The next checkpoint, at once, with the store's writes held until it is done. */
  private holdAndRun(): void {
    const restart = this.options.restart!;
    this.holding = true;
    this.running = true;
    this.again = false;
    this.held += 1;
    // Writes wait for this checkpoint's reply: the process stays until they are let go (letGo unrefs it again).
    this.worker?.ref();
    const checkpoint = () => {
      if (this.stopped || !this.worker) return void this.letGo();
      this.worker.postMessage('checkpoint');
    };
    // However the wait for the batch on its way ended (hold() rejects if answering it threw), none is
    // on its way now: the checkpoint runs, and its reply lets the writes go. Else they stayed held.
    void restart.hold().then(checkpoint, checkpoint);
  }

  /** Releases the store's writes if they are held; true if they were. */
  private letGo(): boolean {
    if (!this.holding) return false;
    this.holding = false;
    this.worker?.unref();
    this.options.restart?.release();
    return true;
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.letGo();
    this.stopped = true;
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.options.failed(error);
  }
}
