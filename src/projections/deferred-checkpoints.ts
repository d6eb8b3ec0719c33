/**
 * Writes the checkpoints a projection runner left behind (see CheckpointPacer) once the
 * pacer's interval has passed with no batch that wrote them: on a quiet shop the last batch
 * may have written only its own projections' checkpoints, and the others must not stand
 * behind for good (a restart, other processes' read-your-writes, the invariants' snapshot and
 * the operators' lists read them). Never while a batch is handled: a batch first waits for
 * such a write on its way, and a timer that fires during a batch is armed again after it.
 */
export class DeferredCheckpoints {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private inBatch = false;

  /** `write` writes every checkpoint and never rejects (it reports its own failures). */
  constructor(
    private readonly intervalMs: number,
    private readonly behind: () => boolean,
    private readonly write: () => Promise<void>,
  ) {}

  /** Handles a batch (after any write of these on its way), then arms the timer if checkpoints were left behind. */
  async batch(handle: () => Promise<void>): Promise<void> {
    await this.writing;
    this.inBatch = true;
    try {
      await handle();
    } finally {
      this.inBatch = false;
    }
    this.arm();
  }

  /** No more timer; waits for a write on its way. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private arm(): void {
    if (this.timer || !this.behind()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inBatch || !this.behind()) return;
      this.writing = this.write().finally(() => (this.writing = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }
}
