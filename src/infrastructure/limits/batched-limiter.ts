import type { Limiter } from './limit-store.js';

/**
 * A limit that runs on every request, counted in a shared store without a store write per
 * request: a process takes up to `batch` of a key's points from the store at once (one
 * write) and spends them from memory. The store never hands out more than `points` in a
 * window, so all processes together never let more through than the limit. What a process
 * took and did not spend is lost to the others until the window ends: with n processes a
 * client may be refused up to (n − 1) × (batch − 1) requests early. A batch of 1 counts
 * every request in the store, exactly.
 */

export type Allowance = { allowed: true; remaining: number } | { allowed: false; msBeforeNext: number };

type Share = {
  /** Points taken from the store and not spent yet. */
  left: number;
  /** What the store had left for the key when this share was taken. */
  remaining: number;
  /** When the store's window for the key ends. */
  endsAt: number;
};

const SWEEP_EVERY = 1000;

export class BatchedLimiter {
  private readonly shares = new Map<string, Share>();
  /** One take at a time per key: requests that arrive meanwhile wait for it. */
  private readonly taking = new Map<string, Promise<void>>();
  private takes = 0;

  constructor(
    private readonly store: Limiter,
    private readonly points: number,
    private readonly batch: number,
    private readonly now: () => number = Date.now,
  ) {}

  async consume(key: string): Promise<Allowance> {
    // Ends: every take either leaves a point to spend or finds the window spent.
    for (;;) {
      const share = this.current(key);
      if (share && share.left > 0) {
        share.left -= 1;
        return { allowed: true, remaining: share.remaining + share.left };
      }
      if (share && share.remaining === 0) return { allowed: false, msBeforeNext: share.endsAt - this.now() };
      await this.take(key);
    }
  }

  private current(key: string): Share | undefined {
    const share = this.shares.get(key);
    if (share && share.endsAt <= this.now()) {
      this.shares.delete(key);
      return undefined;
    }
    return share;
  }

  private take(key: string): Promise<void> {
    let taking = this.taking.get(key);
    if (!taking) {
      taking = this.takeFromStore(key).finally(() => this.taking.delete(key));
      this.taking.set(key, taking);
    }
    return taking;
  }

  private async takeFromStore(key: string): Promise<void> {
    if (++this.takes % SWEEP_EVERY === 0) this.sweep();
    // A penalty never refuses: it says how many points the window held before this batch.
    const answer = await this.store.penalty(key, this.batch);
    const before = answer.consumedPoints - this.batch;
    const granted = Math.min(this.batch, Math.max(0, this.points - before));
    const endsAt = this.now() + Math.max(answer.msBeforeNext, 1);
    this.shares.set(key, { left: granted, remaining: Math.max(0, this.points - answer.consumedPoints), endsAt });
  }

  /** Forgets the shares whose window ended: keys seen once are not kept for ever. */
  private sweep(): void {
    const now = this.now();
    for (const [key, share] of this.shares) if (share.endsAt <= now) this.shares.delete(key);
  }
}
