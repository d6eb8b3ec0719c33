import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long such work runs before it gives the loop a turn. */
export const TURN_SLICE_MS = 10;

/**
 * The turns of the event loop that long reads take between them: one of them a turn, in the
 * order they asked. Each read giving the loop a turn every 10 ms was not enough: the reads that
 * waited all came back in the same turn, and ten data exports at once held every other request
 * for about 100 ms a turn (a probe), twenty for 200.
 */
export class TurnShare {
  private readonly waiting: Array<() => void> = [];
  private waking = false;

  /** Resolves in a later turn of the event loop, once the reads that asked before have had theirs. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.wakeSoon();
    });
  }

  private wakeSoon(): void {
    if (this.waking) return;
    this.waking = true;
    // One read woken a turn: an immediate queued while immediates run waits for the next turn.
    setImmediate(() => {
      this.waking = false;
      const next = this.waiting.shift();
      if (this.waiting.length > 0) this.wakeSoon();
      next?.();
    });
  }
}

/** The process's long reads (data exports, audit reads) share its turns. */
export const LONG_READS = new TurnShare();

/**
 * A long piece of work over the embedded stores, which answer synchronously, runs as one
 * unbroken chain of promises: it holds the event loop, and every other request waits, for its
 * whole length (a probe: one data export of 1,800 orders held the process for 1.3 s). Work that
 * calls `pause()` between its steps gives the loop back once `sliceMs` have passed since its
 * last turn, and goes on in a turn of the `share` of its own, so that others wait for one
 * slice a turn at most, however many such reads run.
 */
export class TurnBudget {
  private since = performance.now();

  constructor(
    private readonly sliceMs = TURN_SLICE_MS,
    private readonly share: TurnShare | undefined = LONG_READS,
  ) {}

  /** A turn of the event loop for the others, when this work has run a slice since its last. */
  async pause(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await this.turn();
  }

  /** Waits for a turn of its own, whatever it ran since its last (before work that cannot pause inside). */
  async turn(): Promise<void> {
    await (this.share ? this.share.next() : nextTurn());
    this.since = performance.now();
  }
}
