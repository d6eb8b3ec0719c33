import { UnavailableError } from '../domain/shared/errors.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { RunnerState } from '../cluster/view.js';

/**
 * Admission control for checkouts: a new order is taken only while the order saga keeps up.
 *
 * A checkout answers at once and leaves payment, stock and shipping to the saga, which
 * follows the log. Offered more orders than it can carry for a while, the saga falls behind,
 * and an order it reaches later than its payment may wait (PAYMENT_TIMEOUT_MS, from the
 * order's creation) fails as `payment-timeout`: under sustained overload nearly every order
 * taken failed that way (a probe of 60 shoppers on two processes for 100 s: 16,309 of
 * 19,779). Refusing the checkouts that come while the saga is far behind (503, nothing
 * placed, `Retry-After`) keeps the orders that are taken payable.
 *
 * How far behind, the larger of two measures:
 * - the saga: the age of the oldest event it has still to read (none: 0), from where it
 *   stands wherever it runs (this process's runner, or what its holder reported at its last
 *   renewal) and that event's time in the log;
 * - the jobs: how long the earliest due job of a process's job runner has waited to start
 *   (JobRunner.behindMs: this process's now, the others' as told at their last beat). The
 *   charge is a job: a saga that keeps up schedules charges that wait behind full slots, and
 *   an order whose charge starts too late fails just the same (a probe: the saga within 5 s
 *   of the log, 12,245 of 13,363 orders failed so).
 * Measured at most every `refreshMs`, shared by the checkouts that ask meanwhile: one read of
 * the log and of the processes, not one per checkout.
 * A measure that fails (the store unreachable) admits: the checkout then meets the store
 * itself, and answers for it.
 */

/** The saga this gate watches. */
export const ORDER_SAGA = 'order-saga';

/** Refused at the door: the saga is too far behind for another order to be paid in time. */
export class OrdersBackloggedError extends UnavailableError {}

export type BacklogDeps = {
  /** Where the shop's runners stand (ClusterView.runners). */
  runners: () => Promise<RunnerState[]>;
  eventStore: Pick<EventStore, 'readAll'>;
  /** How far behind each live process's job runner is (this one's now, the others' as last told). */
  jobsBehind: () => Promise<number[]>;
  /**
   * Wall-clock milliseconds, as the log records its events' times (Date.now by default): not
   * the shop's clock, which tests may set to another day.
   */
  now?: () => number;
};

export type BacklogOptions = {
  /** Checkouts are refused while the saga is more than this far behind; 0 admits every checkout. */
  limitMs: number;
  /** How long one measure answers for. */
  refreshMs?: number;
};

/** `behindMs`: the larger of `sagaMs` and `jobsMs`. */
export type Backlog = { behindMs: number; sagaMs: number; jobsMs: number; measuredAt: number };

export class OrderBacklog {
  private last: Backlog | undefined;
  private measuring: Promise<Backlog | undefined> | undefined;
  /** Checkouts refused since the process started (a counter in /metrics). */
  refused = 0;

  constructor(
    private readonly deps: BacklogDeps,
    private readonly options: BacklogOptions,
  ) {}

  get limitMs(): number {
    return this.options.limitMs;
  }

  /** Throws OrdersBackloggedError while the saga, or a job runner, is further behind than the limit. */
  async admit(): Promise<void> {
    if (this.options.limitMs <= 0) return;
    const backlog = await this.current();
    if (!backlog || backlog.behindMs <= this.options.limitMs) return;
    this.refused += 1;
    const seconds = Math.round(backlog.behindMs / 1000);
    throw new OrdersBackloggedError(
      `the shop is taking orders faster than it can process them (about ${seconds} s behind): nothing was placed; try again shortly`,
      retryAfterSeconds(backlog.behindMs, this.options.limitMs),
    );
  }

  /** The backlog as last measured, measured again once older than `refreshMs` (undefined: the measure failed). */
  current(): Promise<Backlog | undefined> {
    const now = (this.deps.now ?? Date.now)();
    if (this.last && now - this.last.measuredAt < (this.options.refreshMs ?? 250)) return Promise.resolve(this.last);
    this.measuring ??= this.measure(now).finally(() => (this.measuring = undefined));
    return this.measuring;
  }

  private async measure(now: number): Promise<Backlog | undefined> {
    try {
      const [sagaMs, jobs] = await Promise.all([this.sagaBehind(now), this.deps.jobsBehind()]);
      if (sagaMs === undefined) return undefined;
      const jobsMs = Math.max(0, ...jobs);
      this.last = { behindMs: Math.max(sagaMs, jobsMs), sagaMs, jobsMs, measuredAt: now };
      return this.last;
    } catch {
      this.last = undefined;
      return undefined;
    }
  }

  private async sagaBehind(now: number): Promise<number | undefined> {
    const saga = (await this.deps.runners()).find((runner) => runner.name === ORDER_SAGA);
    if (!saga) return undefined;
    // readAll starts AT a position, and only an event's own is one on every store (EventStoreDB's are byte offsets).
    const next = (await this.deps.eventStore.readAll({ fromPosition: saga.position, maxCount: 2 })).find((event) => event.position > saga.position);
    return next ? Math.max(0, now - Date.parse(next.recordedAt)) : 0;
  }
}

/** Long enough for the saga to work off what it is behind by beyond the limit, and at least a second; at most half a minute. */
export const retryAfterSeconds = (behindMs: number, limitMs: number) => Math.min(30, Math.max(1, Math.ceil((behindMs - limitMs) / 1000)));
