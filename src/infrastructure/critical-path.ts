/**
 * An order's critical path first. One event loop runs a whole process of the shop: after
 * each commit of the log every follower is woken at once (the projections, the order saga,
 * the other process managers), and the saga's next append went into the group commit only
 * after the others had folded the same events and written their documents, in the same
 * turn: at each of an order's hops (checkout → payment requested → charged → paid and
 * reserved → confirmed) the saga waited for work nobody on that path waits for. So did the
 * payment provider's charge, behind the order's email.
 *
 * Critical followers (the order saga) are tracked: a background follower's live batch (the
 * projections, the other process managers) waits until every live critical follower has
 * handled the same events, and then until no critical work is under way (a critical
 * follower's batch that reacts to something, a job of the lanes an order waits on), looking
 * again a turn of the event loop after such work ends, for the work it handed on (the charge
 * the saga's write wakes). A batch the saga has nothing to do with passes it within the same
 * turn: a shop taking cart commands and no orders folds as soon as before. Background jobs
 * (emails, bookings) wait for the critical work under way likewise. Each wait is
 * `maxWaitMs` at most, so critical work that hangs (or waits for something background) only
 * slows the rest, and under a load that keeps critical work always under way the rest still
 * runs, in larger batches.
 *
 * A scheduling hint within one process, never a lock: nothing is decided by it, and each
 * process has its own (a saga run by another process is nobody's to wait for here).
 */
export class CriticalPath {
  private underWay = 0;
  private readonly waiting = new Set<() => void>();
  private readonly followers = new Set<TrackedFollower>();

  constructor(private readonly maxWaitMs = CRITICAL_WAIT_MS) {}

  /** Whether critical work is under way now. */
  get busy(): boolean {
    return this.underWay > 0;
  }

  /** A critical follower, until the returned function is called: background batches wait for it to pass their events while it is live. */
  track(follower: TrackedFollower): () => void {
    this.followers.add(follower);
    return () => {
      this.followers.delete(follower);
      this.moved();
    };
  }

  /** A tracked follower moved on, or changed its status: whoever waits looks again. */
  moved(): void {
    for (const done of [...this.waiting]) done();
  }

  /** Runs critical work: background work that asks meanwhile waits until it (and any other under way) is over. */
  async critical<T>(work: () => Promise<T>): Promise<T> {
    this.underWay += 1;
    try {
      return await work();
    } finally {
      this.underWay -= 1;
      if (this.underWay === 0) this.moved();
    }
  }

  /**
   * Resolves when background work may run: once every live critical follower has handled
   * the log up to `position` (when given), and no critical work is under way, looked at again
   * a turn after such work ended; `maxWaitMs` at most in all. At once when neither holds.
   */
  async background(position?: number): Promise<void> {
    const deadline = performance.now() + this.maxWaitMs;
    while (position !== undefined && this.behind(position)) if (!(await this.change(deadline))) return;
    while (this.underWay > 0) {
      if (!(await this.change(deadline))) return;
      // What the work that ended handed on (the charge the saga's write wakes) starts in the callbacks after it.
      if (this.underWay === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private behind(position: number): boolean {
    for (const follower of this.followers) if (follower.live() && follower.position() < position) return true;
    return false;
  }

  /** Resolves true at the next change (moved, critical work over), false at the deadline. */
  private change(deadline: number): Promise<boolean> {
    const left = deadline - performance.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (changed: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(changed);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), left);
      this.waiting.add(wake);
    });
  }
}

/** A critical follower as the path sees it: the last position it handled, and whether it is following live. */
export type TrackedFollower = { position: () => number; live: () => boolean };

/** How long background work waits at most for the critical work of the moment. */
export const CRITICAL_WAIT_MS = 50;

/** Runs `work` on the path, as critical or background work; at once when there is no path (tools, rebuilds, tests). */
export const onPath = <T>(path: CriticalPath | undefined, critical: boolean, work: () => Promise<T>): Promise<T> => {
  if (!path) return work();
  return critical ? path.critical(work) : path.background().then(work);
};
