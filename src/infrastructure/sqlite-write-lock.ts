/**
 * Writing to a SQLite file that other processes write to, without waiting for its lock on
 * the event loop. better-sqlite3 is synchronous: a write that finds the file locked waits in
 * SQLite's busy handler, and with a long busy_timeout the whole process waits with it (no
 * request answered, not even /health). A process of the shop stopped while it holds the lock
 * (SIGSTOP, a frozen VM, a long GC pause in a transaction) would freeze every other one.
 *
 * So a connection waits in the busy handler for a short slice only (BUSY_SLICE_MS); a write
 * that still finds the file locked is tried again later, from a timer, with a growing pause,
 * until `maxWaitMs` have passed: then it fails with SQLite's own SQLITE_BUSY error. While a
 * write of this connection waits, the ones after it queue behind it, so this process's writes
 * keep their order. When nothing waits, a write runs at once, in the caller's turn.
 */

/**
 * How long a statement may wait inside SQLite for a lock it needs (the connection's
 * busy_timeout): reads, opening, a checkpoint's truncation. A write transaction asks for the
 * write lock without waiting at all (inImmediateTransaction): SQLite's busy handler sleeps on
 * the thread, 1, 2, 5, 10 ms at a time, and on the event loop that is a stop of the whole
 * process while another one commits.
 */
export const BUSY_SLICE_MS = 25;

/** Retries of a write that found the lock held that come on the next turn of the loop, before the timers. */
const NEXT_TURN_TRIES = 3;
/** Then retries every millisecond, about as long as the busy handler's slice would have polled. */
const EVERY_MS_TRIES = 20;

/**
 * The wait before retry `attempt` (0, 1, ...) of a write that found the file's write lock
 * held: the next turn of the event loop for the first few (another process holds the lock
 * for one commit, well under a millisecond but for its fsync), then 1 ms for about as long as
 * SQLite's busy handler would have polled (it tries at 1, 2, 5, 10 ms and on), then a timer
 * of 2, 4, 8 ms and on, up to 100 ms (one stopped while it holds it). Returns its cancel.
 */
export const afterLockPause = (attempt: number, retry: () => void): (() => void) => {
  if (attempt < NEXT_TURN_TRIES) {
    const immediate = setImmediate(retry);
    return () => clearImmediate(immediate);
  }
  const doubling = attempt - NEXT_TURN_TRIES - EVERY_MS_TRIES;
  const timer = setTimeout(retry, doubling < 0 ? 1 : Math.min(2 ** (doubling + 1), 100));
  return () => clearTimeout(timer);
};

/** How long a write waits for the lock in all, by default (the busy_timeout these files had). */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

/** Whether SQLite refused because another connection holds the lock (SQLITE_BUSY and its extended codes). */
export const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/** Whether the store's disk is full (SQLite's SQLITE_FULL, or the file system's ENOSPC). */
export const isFull = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || (typeof code === 'string' && code.startsWith('SQLITE_FULL'));
};

/** A write the store refused for now (locked by another process, its disk full): nothing was done, and the same write goes through later. Never a reason to park. */
export const refusedForNow = (error: unknown): boolean => isBusy(error) || isFull(error);

/**
 * Runs `step`, a part of opening a file (its journal mode, its schema), again while another
 * connection holds the file (SQLITE_BUSY), for up to `maxWaitMs`. SQLite answers some of
 * these at once, without its busy handler (a change of journal mode, or a WAL index another
 * process is building as it opens the file at the same moment), so a busy_timeout alone does
 * not cover processes of one DATA_DIR starting together. `step` must be safe to run again
 * (pragmas, CREATE ... IF NOT EXISTS). Blocks the thread meanwhile: for opening only.
 */
export const whileBusy = <T>(step: () => T, maxWaitMs = DEFAULT_LOCK_WAIT_MS): T => {
  const deadline = Date.now() + maxWaitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      return step();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
  }
};

export class WriteLockQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly gates: Array<() => void> = [];

  constructor(private readonly maxWaitMs = DEFAULT_LOCK_WAIT_MS) {}

  /** Runs `write` (one transaction) now if the file is free and nothing of ours waits; else once the lock comes free. */
  run<R>(write: () => R): Promise<R> {
    if (this.waiting === 0) {
      try {
        return Promise.resolve(write());
      } catch (error) {
        if (!isBusy(error)) return Promise.reject(error);
      }
    }
    this.waiting += 1;
    const turn = this.tail.then(() => this.whenFree(write));
    this.tail = turn.catch(() => undefined);
    return turn.finally(() => (this.waiting -= 1));
  }

  /**
   * Runs a write that another connection of this process commits (the loader thread's), in
   * this queue's order: the writes queued before it go first, and those that come meanwhile
   * wait for it without trying the file (which it holds), then go in order, before anything
   * queued after them.
   */
  runElsewhere<R>(write: () => Promise<R>): Promise<R> {
    this.waiting += 1;
    const turn = this.tail.then(write);
    this.tail = turn.catch(() => undefined);
    return turn.finally(() => (this.waiting -= 1));
  }

  /**
   * Holds the writes after those already queued (see WalRestart): they queue behind it as
   * behind another process's lock. Resolves once the ones before it are done.
   */
  hold(): Promise<void> {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const before = this.tail;
    this.waiting += 1;
    this.tail = before.then(() => gate);
    this.gates.push(() => {
      this.waiting -= 1;
      open();
    });
    return before.then(() => undefined);
  }

  /** Lets the writes held by the oldest hold() go. */
  release(): void {
    this.gates.shift()?.();
  }

  private async whenFree<R>(write: () => R): Promise<R> {
    const deadline = Date.now() + this.maxWaitMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return write();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise<void>((resolve) => afterLockPause(attempt, resolve));
    }
  }
}
