/**
 * An order's critical path first. One event loop runs a whole process of the shop: after
 * each commit of the log every follower is woken at once (the projections, the order saga,
 * the other process managers), and the saga's next append went into the group commit only
 * after the others had folded the same events and written their documents, in the same
 * turn: at each of an order's hops (checkout → payment requested → charged → paid and
 * reserved → confirmed) the saga waited for work nobody on that path waits for. So did the
 * payment provider's charge, behind the order's email.
 *
 * Critical work (the order saga's batches, the jobs of the lanes an order waits on) is
 * counted while under way. Background work (the projections' live batches, the other process
 * managers, the other jobs) takes its turn after a turn of the event loop, which lets the
 * critical work woken with it start first, and then once none is under way: the saga's
 * append is committed first, and the others fold while it waits for the disk. A background
 * turn waits `maxWaitMs` at most, so critical work that hangs (or waits for something
 * background) only slows the rest, and under a load that keeps critical work always under
 * way the rest still runs, in larger batches.
 *
 * A scheduling hint within one process, never a lock: nothing is decided by it, and each
 * process has its own.
 */
export class CriticalPath {
  private underWay = 0;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly maxWaitMs = CRITICAL_WAIT_MS) {}

  /** Whether critical work is under way now. */
  get busy(): boolean {
    return this.underWay > 0;
  }

  /** Runs critical work: background turns asked for meanwhile wait until it (and any other under way) is over. */
  async critical<T>(work: () => Promise<T>): Promise<T> {
    this.underWay += 1;
    try {
      return await work();
    } finally {
      this.underWay -= 1;
      if (this.underWay === 0) this.release();
    }
  }

  /** Resolves when background work may run: after a turn of the event loop, once no critical work is under way (maxWaitMs at most). */
  async background(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.underWay === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.maxWaitMs);
      this.waiting.add(done);
    });
  }

  private release(): void {
    for (const done of [...this.waiting]) done();
  }
}

/** How long background work waits at most for the critical work under way. */
export const CRITICAL_WAIT_MS = 50;

/** Runs `work` on the path, as critical or background work; at once when there is no path (tools, rebuilds, tests). */
export const onPath = <T>(path: CriticalPath | undefined, critical: boolean, work: () => Promise<T>): Promise<T> => {
  if (!path) return work();
  return critical ? path.critical(work) : path.background().then(work);
};
