import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A long piece of work over the embedded stores, which answer synchronously, runs as one
 * unbroken chain of promises: it holds the event loop, and every other request waits, for its
 * whole length (a probe: one data export of 1,800 orders held the process for 1.3 s). Work that
 * calls `pause()` between its steps gives the loop a turn once `sliceMs` have passed since its
 * last one, so others wait for a slice at most.
 */
/** How long such work runs before it gives the loop a turn. */
export const TURN_SLICE_MS = 10;

export class TurnBudget {
  private since = performance.now();

  constructor(private readonly sliceMs = TURN_SLICE_MS) {}

  /** A turn of the event loop for the others, when this work has run a slice since its last. */
  async pause(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
