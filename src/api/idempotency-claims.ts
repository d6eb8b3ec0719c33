import type { Logger } from 'pino';
import type { Document, ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';

/**
 * Keeps the claims this process's keyed requests hold on their Idempotency-Keys (see
 * idempotency.ts): each is renewed every third of `claimMs` until its request answers, one
 * small write (not durable) per renewal and none for a request that answers within a third
 * of a claim. A claim's record is `{ _id, claim, claimedUntil, ... }`; the answer stored in
 * its place has no `claim`, so a renewal never extends what is no longer a claim.
 *
 * A renewal that finds the claim gone (this process stalled past it, and a repeat took the
 * key) stops renewing and says so: the repeat runs, and the command handler's derived event
 * ids keep the two from appending twice.
 */
export class ClaimRenewals<T extends Document> {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly records: ReadModelCollection<T>,
    private readonly claimMs: number,
    private readonly logger?: Logger,
  ) {}

  /** Starts renewing the claim `claim` on the key `id`; `end` stops it. */
  keep(id: string, claim: string, reqId: unknown): NodeJS.Timeout {
    const timer: NodeJS.Timeout = setInterval(() => void this.renew(timer, id, claim, reqId), this.claimMs / 3);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  end(timer: NodeJS.Timeout): void {
    clearInterval(timer);
    this.timers.delete(timer);
  }

  /** Stops every renewal (the process is going away). */
  stop(): void {
    for (const timer of this.timers) this.end(timer);
  }

  private async renew(timer: NodeJS.Timeout, id: string, claim: string, reqId: unknown): Promise<void> {
    const claimedUntil = new Date(Date.now() + this.claimMs).toISOString();
    try {
      const { matchedCount } = await this.records.updateOne({ _id: id, claim }, { $set: { claimedUntil } }, { durable: false });
      // Not found after the request answered (its answer replaced the claim meanwhile) is how a claim ends.
      if (matchedCount > 0 || !this.timers.has(timer)) return;
      this.end(timer);
      this.logger?.warn({ reqId }, 'a running request lost its claim on its Idempotency-Key: a repeat may run meanwhile');
    } catch (error) {
      this.logger?.error({ err: error, reqId }, 'could not renew a claim on an Idempotency-Key');
    }
  }
}
