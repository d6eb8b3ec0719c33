import { DueQueue } from './due-queue.js';
import type { JobKind } from './process-manager.js';

/**
 * Job lanes: each kind of job runs in a lane with slots of its own, by what it waits on.
 * Jobs that hang in one lane hold no slot of another: a mail server that does not answer
 * fills the `mail` lane, and charges still start at once in `payments`.
 *
 * - payments: the payment provider's calls and the payment's timers; an order waits on
 *   these between checkout and Confirmed (ORDER_LANES).
 * - carrier: bookings with the carrier and its reports.
 * - mail: emails to customers and admins.
 * - shop: the shop's own work, calling nothing outside (renewals, erasure, invoice expiry);
 *   it also takes a kind no lane names (a job of a later version), which then fails and is
 *   parked as before.
 */
export type JobLane = 'payments' | 'carrier' | 'mail' | 'shop';

export const JOB_LANES: readonly JobLane[] = ['payments', 'carrier', 'mail', 'shop'];

const LANE_OF: Record<JobKind, JobLane> = {
  'charge-payment': 'payments',
  'expire-payment': 'payments',
  'reconcile-payment': 'payments',
  'refund-payment': 'payments',
  'book-shipment': 'carrier',
  'carrier-webhook': 'carrier',
  'send-notification': 'mail',
  'notify-stock': 'mail',
  'notify-admins': 'mail',
  'renew-subscription': 'shop',
  'erase-customer': 'shop',
  'expire-invoices': 'shop',
};

/** The lanes an order waits on between checkout and Confirmed: how far behind they are counts for admission. */
export const ORDER_LANES: readonly JobLane[] = ['payments'];

/** Slots a process gives each lane unless told otherwise: payments as many as every job had before the lanes. */
export const DEFAULT_LANE_SLOTS: Readonly<Record<JobLane, number>> = { payments: 16, carrier: 8, mail: 8, shop: 4 };

/**
 * Attempts at a job of each lane before it is parked, unless told otherwise (the back-off
 * doubles from 200 ms to a minute: 10 attempts take about 2 minutes). Emails get 30, about
 * half an hour with a mail server that times each send out: a mail outage of minutes delays
 * them, and needs no one to requeue them.
 */
export const DEFAULT_LANE_ATTEMPTS: Readonly<Record<JobLane, number>> = { payments: 10, carrier: 10, mail: 30, shop: 10 };

/** The lane of a kind (`shop` for one no lane names). */
export const laneOf = (kind: string): JobLane => (Object.hasOwn(LANE_OF, kind) ? LANE_OF[kind as JobKind] : 'shop');

/** A filter on a job's `kind` that matches the jobs of one lane (the `shop` lane: every kind the others do not name). */
export const laneFilter = (lane: JobLane): { kind: { $in: string[] } | { $nin: string[] } } => {
  const kinds = (Object.keys(LANE_OF) as JobKind[]).filter((kind) => LANE_OF[kind] === lane);
  if (lane !== 'shop') return { kind: { $in: kinds } };
  return { kind: { $nin: (Object.keys(LANE_OF) as JobKind[]).filter((kind) => LANE_OF[kind] !== 'shop') } };
};

/**
 * One process's lanes: for each, the jobs it knows of by when they fall due, its slots (how
 * many run, how many may), and since when the oldest due job its last search left in the
 * store has waited.
 */
export class LaneSlots {
  private readonly queues = new Map<JobLane, DueQueue>();
  private readonly busy = new Map<JobLane, number>();
  private readonly storedSince = new Map<JobLane, number>();
  private readonly slots: Record<JobLane, number>;

  /** `slots`: one number for every lane, or some lanes' own (the others keep DEFAULT_LANE_SLOTS). */
  constructor(slots: number | Partial<Record<JobLane, number>> = {}) {
    this.slots = typeof slots === 'number' ? { payments: slots, carrier: slots, mail: slots, shop: slots } : { ...DEFAULT_LANE_SLOTS, ...slots };
    for (const lane of JOB_LANES) {
      if (!Number.isInteger(this.slots[lane]) || this.slots[lane] < 1) throw new Error(`a job lane needs at least one slot (${lane}: ${this.slots[lane]})`);
      this.queues.set(lane, new DueQueue());
      this.busy.set(lane, 0);
    }
  }

  /** A job of `kind` falls due at `at` (a job known already keeps the latest time). */
  add(kind: string, id: string, at: number): void {
    this.addTo(laneOf(kind), id, at);
  }

  addTo(lane: JobLane, id: string, at: number): void {
    this.queue(lane).add(id, at);
  }

  /** Removes and returns an id of `lane` due at `now`, if any. */
  takeDue(lane: JobLane, now: number): string | undefined {
    return this.queue(lane).takeDue(now);
  }

  /** The earliest time a job of `lane` falls due (Infinity: none known). */
  next(lane: JobLane): number {
    return this.queue(lane).next();
  }

  free(lane: JobLane): number {
    return this.slots[lane] - this.busy.get(lane)!;
  }

  /** The lanes with a free slot. */
  open(): JobLane[] {
    return JOB_LANES.filter((lane) => this.free(lane) > 0);
  }

  /** A job of `kind` started; the slot is its own until `released`. */
  taken(kind: string): void {
    const lane = laneOf(kind);
    this.busy.set(lane, this.busy.get(lane)! + 1);
  }

  released(kind: string): void {
    const lane = laneOf(kind);
    this.busy.set(lane, this.busy.get(lane)! - 1);
  }

  /**
   * Since when (this process's clock) the oldest due job that the last search of the store
   * left there for want of a slot has waited; undefined: none (see searchLanes). It stands
   * until the next search, which comes soon after a slot of the lane is free again.
   */
  waitingInStore(lane: JobLane, since: number | undefined): void {
    if (since === undefined) this.storedSince.delete(lane);
    else this.storedSince.set(lane, since);
  }

  /**
   * Whether a slot of the lane of `kind` that comes free at `now` should bring the next search
   * forward: the last search left due jobs of the lane in the store, and the local queue has
   * none due to take the slot (jobs told of and due, timers say, are in both: the queue starts
   * them without a search).
   */
  searchFor(kind: string, now: number): boolean {
    const lane = laneOf(kind);
    return this.storedSince.has(lane) && this.next(lane) > now;
  }

  /**
   * How long the earliest due job of these lanes has waited to start (0 when none waits): of
   * the local queue, and of those the last search left in the store (up to a search old: one
   * that another process started meanwhile counts until then).
   */
  behindMs(now: number, lanes: readonly JobLane[] = JOB_LANES): number {
    return Math.max(0, ...lanes.map((lane) => now - Math.min(this.next(lane), this.storedSince.get(lane) ?? Number.POSITIVE_INFINITY)));
  }

  private queue(lane: JobLane): DueQueue {
    return this.queues.get(lane)!;
  }
}
