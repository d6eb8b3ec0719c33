import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * Watches a running shop's log from outside (its events.db, read-only: WAL readers never
 * block its writers) for the end of each order's saga: the time its OrderConfirmed is seen
 * committed, or that it failed or was cancelled. Polled every `pollMs` (2 ms) with one
 * indexed range read of the new rows, which costs the shop nothing and rounds a latency up
 * by at most the interval. Works alike for WORKERS=1 and WORKERS=2 (one file).
 */

type Outcome = { at: number; confirmed: boolean };

export class SagaWatch {
  private readonly db: Database.Database;
  private readonly newEnds: Database.Statement<[number], { position: number; stream_name: string; type: string }>;
  private readonly head: Database.Statement<[], number | null>;
  private position: number;
  private readonly seen = new Map<string, Outcome>();
  private readonly waiting = new Map<string, (outcome: Outcome) => void>();
  private readonly confirmed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Orders confirmed and later failed or cancelled (they did not stay Confirmed). */
  unconfirmedAfterwards = 0;

  constructor(dataDir: string, private readonly pollMs = 2) {
    this.db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
    this.newEnds = this.db.prepare(`SELECT position, stream_name, type FROM events WHERE position > ? AND type IN ('OrderConfirmed', 'OrderFailed', 'OrderCancelled') ORDER BY position`);
    this.head = this.db.prepare('SELECT max(position) FROM events').pluck() as never;
    this.position = this.headPosition();
    this.timer = setInterval(() => this.poll(), this.pollMs);
  }

  /** The log's head position (events appended so far). */
  headPosition(): number {
    return this.head.get() ?? 0;
  }

  /** When the order's saga ended (performance.now()), and whether it ended Confirmed; undefined after `timeoutMs`. */
  outcome(orderId: string, timeoutMs: number): Promise<Outcome | undefined> {
    const known = this.seen.get(orderId);
    if (known) {
      this.seen.delete(orderId);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(orderId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(orderId, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.db.close();
  }

  private poll(): void {
    const at = performance.now();
    for (const row of this.newEnds.all(this.position)) {
      this.position = row.position;
      const orderId = row.stream_name.slice('order-'.length);
      const outcome = { at, confirmed: row.type === 'OrderConfirmed' };
      if (this.confirmed.has(orderId)) {
        if (!outcome.confirmed) this.unconfirmedAfterwards += 1;
        continue;
      }
      if (outcome.confirmed) this.confirmed.add(orderId);
      const waiter = this.waiting.get(orderId);
      if (waiter) {
        this.waiting.delete(orderId);
        waiter(outcome);
      } else if (!this.seen.has(orderId)) this.seen.set(orderId, outcome);
    }
  }
}
