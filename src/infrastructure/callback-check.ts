/**
 * A look at a shared file (has another process committed?) that holds for the rest of the
 * event-loop callback that made it: until that callback and the microtasks it led to are done,
 * and no longer. (A tick queued by a microtask runs once the microtask queue is empty, before
 * the event loop goes on; one queued by the callback itself would run before its microtasks.) Another process's
 * write can reach this one only by I/O (a request from a client it answered, an IPC message,
 * the commit bell), which comes as a callback of its own, so every such callback looks again
 * before it reads.
 *
 * Holding the look for a turn of the event loop instead (reset by setImmediate) was wrong: a
 * turn runs its timers, then its I/O callbacks, then its immediates, so a look made by a timer
 * held for the requests of the same turn. A client that got its answer from another process
 * and asked this one next could read what was there before its own write.
 */
export class CallbackCheck {
  private made = false;
  private readonly over = (): void => {
    this.made = false;
  };
  private readonly afterMicrotasks = (): void => process.nextTick(this.over);

  /** Whether this callback has looked already. */
  get holds(): boolean {
    return this.made;
  }

  /** This callback looks now: the look holds until its microtasks are done. */
  look(): void {
    if (this.made) return;
    this.made = true;
    queueMicrotask(this.afterMicrotasks);
  }

  /** The next read looks again (a commit here, the bell rang). */
  forget(): void {
    this.made = false;
  }
}
