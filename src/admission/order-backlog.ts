import { UnavailableError } from '../domain/shared/errors.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import { within } from '../infrastructure/within.js';
import type { Member, MemberLoad } from '../cluster/members.js';
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
 * How far behind, the larger of two measures, each taken where it is known exactly:
 * - the saga: the age of the oldest event it has still to read (none: 0). The process that
 *   runs it measures it from where its runner stands; the others read what it told at its
 *   last heartbeat (cluster_processes.sagaBehindMs). A position reported with a renewal is up
 *   to a heartbeat old, and the events after it look unread when they are not: measured from
 *   it, a process with a quiet saga beside it refused a lone shopper (a probe: 10 of 10 with
 *   LEASE_MS 30 s). Only when no process runs the saga, or its holder has not been heard from
 *   for two heartbeats (stopped, or stalled), or its holder told nothing of it (it took the
 *   saga over after its last beat), is it measured from the saga's stored position: an upper
 *   bound, and nobody may be moving it.
 * - the jobs: how long the earliest due job of a process's payments lane has waited to start
 *   (JobRunner.behindMs(ORDER_LANES): this process's now, the others' as told at their last
 *   beat). The charge is a job: a saga that keeps up schedules charges that wait behind full
 *   slots, and an order whose charge starts too late fails just the same (a probe: the saga
 *   within 5 s of the log, 12,245 of 13,363 orders failed so). The other lanes (emails, the
 *   carrier) have slots of their own and hold no order back (src/processes/job-lanes.ts), so
 *   they do not count: a mail server that hangs refuses no checkout.
 * Measured at most every `refreshMs`, shared by the checkouts that ask meanwhile: one read of
 * the processes (and of the log, where the saga runs), not one per checkout.
 * A measure that fails (the store unreachable) admits: the checkout then meets the store
 * itself, and answers for it. On EventStoreDB the events' times are the server's clock: the
 * hosts must keep time (NTP), or the skew adds to the measure.
 */

/** How long a checkout waits for a measure on its way before it goes on with the last one. */
const MEASURE_WITHIN_MS = 250;

/** The saga this gate watches. */
export const ORDER_SAGA = 'order-saga';

/** Refused at the door: the saga is too far behind for another order to be paid in time. */
export class OrdersBackloggedError extends UnavailableError {}

export type BacklogDeps = {
  /** The order saga's runner, while it runs in this process. */
  localSaga: () => { checkpoint: number } | undefined;
  /** Where the shop's runners stand and who holds them (ClusterView.runners). */
  runners: () => Promise<RunnerState[]>;
  /** The live processes of the shop, this one among them, with what each told at its last beat. */
  members: () => Promise<Member[]>;
  /** This process's id among them. */
  self: string;
  /** How far behind this process's job runner is now in the lanes orders wait on (JobRunner.behindMs(ORDER_LANES)). */
  jobsBehindMs: () => number;
  eventStore: Pick<EventStore, 'readAll'>;
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
  /** How often the processes beat (LEASE_HEARTBEAT_MS): a holder not heard from for two of them is not trusted to report. */
  heartbeatMs: number;
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
    // The checkouts of one measure are refused together: told to come back over three seconds, not all in the same one.
    const spread = this.refused % 3;
    this.refused += 1;
    const seconds = Math.round(backlog.behindMs / 1000);
    throw new OrdersBackloggedError(
      `the shop is taking orders faster than it can process them (about ${seconds} s behind): nothing was placed; try again shortly`,
      Math.min(30, retryAfterSeconds(backlog.behindMs, this.options.limitMs) + spread),
    );
  }

  /**
   * The backlog as last measured, measured again once older than `refreshMs` (undefined: the
   * measure failed). A measure the store is slow to answer is not waited for beyond
   * MEASURE_WITHIN_MS: the checkout goes on with the last one (none: admitted), and the
   * measure, still on its way, serves those that come after it.
   */
  current(): Promise<Backlog | undefined> {
    const now = this.now();
    if (this.last && now - this.last.measuredAt < (this.options.refreshMs ?? 250)) return Promise.resolve(this.last);
    this.measuring ??= this.measure(now).finally(() => (this.measuring = undefined));
    return within(this.measuring, MEASURE_WITHIN_MS).catch(() => this.last);
  }

  /**
   * What this process tells with its heartbeat: its job runner, and the saga if it runs here
   * (null otherwise: a process that has just taken the saga over tells nothing of it until
   * its next beat, and the others measure it from its stored position meanwhile).
   */
  async local(): Promise<MemberLoad> {
    return { jobsBehindMs: this.deps.jobsBehindMs(), sagaBehindMs: (await this.sagaBehind(this.now())) ?? null };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async measure(now: number): Promise<Backlog | undefined> {
    try {
      const [members, sagaMs] = await Promise.all([this.deps.members(), this.sagaBehind(now)]);
      const others = members.filter((member) => member._id !== this.deps.self);
      const jobsMs = Math.max(this.deps.jobsBehindMs(), ...others.map((member) => member.jobsBehindMs ?? 0));
      const saga = sagaMs ?? (await this.sagaAsTold(members, others, now));
      const behindMs = Math.max(saga, jobsMs);
      // A time that did not parse, a report that is no number: unmeasured, which admits (never a refusal with Retry-After NaN).
      this.last = Number.isFinite(behindMs) ? { behindMs, sagaMs: saga, jobsMs, measuredAt: now } : undefined;
      return this.last;
    } catch {
      this.last = undefined;
      return undefined;
    }
  }

  /** Measured here, where the saga runs (undefined: it runs elsewhere, or nowhere). */
  private async sagaBehind(now: number): Promise<number | undefined> {
    const saga = this.deps.localSaga();
    return saga ? this.unreadAge(saga.checkpoint, now) : undefined;
  }

  /**
   * As its holder told at its last beat, if it told one (it ran the saga then) and has beaten
   * within two heartbeats; else measured from the saga's stored position. Not listed at all
   * (no such runner in this shop): nothing behind.
   */
  private async sagaAsTold(members: readonly Member[], others: readonly Member[], now: number): Promise<number> {
    const saga = (await this.deps.runners()).find((runner) => runner.name === ORDER_SAGA);
    if (!saga) return 0;
    const holder = others.find((member) => member._id === saga.owner);
    // Beats are stamped by the store's clock: compared with the latest of any process, never with this one's.
    const latest = Math.max(...members.map((member) => member.lastSeenAt));
    const told = holder && latest - holder.lastSeenAt <= 2 * this.options.heartbeatMs ? holder.sagaBehindMs : undefined;
    return typeof told === 'number' ? told : this.unreadAge(saga.position, now);
  }

  /** The age of the first event after `position` (0: none). */
  private async unreadAge(position: number, now: number): Promise<number> {
    // readAll starts AT a position, and only an event's own is one on every store (EventStoreDB's are byte offsets).
    const next = (await this.deps.eventStore.readAll({ fromPosition: position, maxCount: 2 })).find((event) => event.position > position);
    return next ? Math.max(0, now - Date.parse(next.recordedAt)) : 0;
  }
}

/** Long enough for the saga to work off what it is behind by beyond the limit, and at least a second; at most half a minute. */
export const retryAfterSeconds = (behindMs: number, limitMs: number) => Math.min(30, Math.max(1, Math.ceil((behindMs - limitMs) / 1000)));
