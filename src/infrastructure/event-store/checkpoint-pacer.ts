/**
 * When a batch of events changes nothing for a runner, writing its checkpoint is a
 * transaction (and an fsync) that buys little: after a crash it would only re-read events
 * it ignores. So such checkpoints are written at most every `intervalMs` or `maxEvents`;
 * any batch that does change something writes its checkpoint as usual (a projection
 * runner: the checkpoints of the projections the batch gave events to; the others' wait
 * for the pacer too).
 */
export class CheckpointPacer {
  private lastWrite = Date.now();
  private deferred = 0;

  constructor(
    readonly intervalMs = 1000,
    private readonly maxEvents = 5000,
  ) {}

  /** True when a batch of `events` that changed nothing may leave its checkpoint unwritten. */
  mayDefer(events: number): boolean {
    if (this.deferred + events >= this.maxEvents || Date.now() - this.lastWrite >= this.intervalMs) return false;
    this.deferred += events;
    return true;
  }

  /** Whether a checkpoint was left unwritten since the last write. */
  get behind(): boolean {
    return this.deferred > 0;
  }

  written(): void {
    this.lastWrite = Date.now();
    this.deferred = 0;
  }
}
