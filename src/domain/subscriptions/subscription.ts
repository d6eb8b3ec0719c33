import { sameAddress } from '../customer/customer.js';
import type { OrderLine, OrderPaymentMethod, ShippingAddress } from '../ordering/order.js';
import { ConflictError, IllegalStateError, NotFoundError } from '../shared/errors.js';
import type { Decider } from '../shared/types.js';
import { checkInterval, checkItems } from './rules.js';
import {
  RENEWAL_ATTEMPTS,
  type RenewalFailureReason,
  type SubscriptionEvent,
  type SubscriptionItem,
  type SubscriptionStatus,
} from './events.js';

export * from './events.js';

/**
 * The subscription decider (seed 002, the Cancel Subscription flow): renewals, retries of a
 * failed renewal, pause, resume, skip, change and cancel. Pure: `now` and the length of a
 * subscription day (`dayMs`, SUBSCRIPTION_DAY_MS) arrive inside the commands. A renewal job
 * that comes late, twice, or for a renewal that was skipped or moved decides nothing.
 */

// ------------------------------------------------------------------ state

export type Subscription =
  | { status: 'None' }
  | {
      status: SubscriptionStatus;
      subscriptionId: string;
      customerId: string;
      items: SubscriptionItem[];
      intervalDays: number;
      shippingAddress: ShippingAddress;
      paymentMethodId: string;
      /** The next regular renewal. */
      next: { renewal: number; at: string };
      /** The last try: its order awaited (`placed`), or its retry due at `at` (`retrying`). */
      current: { renewal: number; attempt: number; state: 'placed' | 'retrying'; at: string } | null;
      /** The tries whose order failed (`<renewal>:<attempt>`): each failure is recorded once. */
      failed: string[];
    };

type Held = Exclude<Subscription, { status: 'None' }>;

export const initialState = (): Subscription => ({ status: 'None' });

export const evolve = (state: Subscription, event: SubscriptionEvent): Subscription => {
  if (event.type === 'SubscriptionCreated') {
    const { subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, nextRenewal, nextRenewalAt } = event.data;
    return { status: 'Active', subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, next: { renewal: nextRenewal, at: nextRenewalAt }, current: null, failed: [] };
  }
  if (state.status === 'None') return state;
  switch (event.type) {
    case 'SubscriptionRenewed': {
      const { renewal, attempt, renewedAt, nextRenewal, nextRenewalAt } = event.data;
      return { ...state, next: { renewal: nextRenewal, at: nextRenewalAt }, current: { renewal, attempt, state: 'placed', at: renewedAt } };
    }
    case 'SubscriptionRenewalFailed': {
      const { renewal, attempt, retryAt, orderId, nextRenewal, nextRenewalAt } = event.data;
      const failed = orderId ? [...state.failed, tryKey(renewal, attempt)] : state.failed;
      // A superseded renewal's failure leaves the newer renewal's try as it is.
      const superseded = state.current !== null && state.current.renewal > renewal;
      const current = superseded ? state.current : retryAt ? { renewal, attempt: attempt + 1, state: 'retrying' as const, at: retryAt } : null;
      // The next renewal it names: moved on when a regular try failed before placing its order
      // (nothing to sell, the method removed). Left where it was, a change, a retry or a resume
      // named that renewal again, and its job, already run, never came back: no renewal ever again.
      return { ...state, current, failed, next: { renewal: nextRenewal, at: nextRenewalAt } };
    }
    case 'SubscriptionPastDue':
      return { ...state, status: 'PastDue' };
    case 'SubscriptionChanged': {
      const { items, intervalDays, shippingAddress, paymentMethodId, nextRenewal, nextRenewalAt } = event.data;
      return { ...state, items, intervalDays, shippingAddress, paymentMethodId, next: { renewal: nextRenewal, at: nextRenewalAt } };
    }
    case 'SubscriptionPaused':
      return { ...state, status: 'Paused' };
    case 'SubscriptionResumed':
      return { ...state, status: 'Active', next: { renewal: event.data.nextRenewal, at: event.data.nextRenewalAt } };
    case 'SubscriptionRenewalSkipped':
      return { ...state, next: { renewal: event.data.nextRenewal, at: event.data.nextRenewalAt } };
    case 'SubscriptionCancelled':
      return { ...state, status: 'Cancelled', current: null };
  }
};

// ------------------------------------------------------------------ commands

type Clocked = { now: string; dayMs: number };

export type CreateSubscription = {
  type: 'CreateSubscription';
  subscriptionId: string;
  customerId: string;
  items: SubscriptionItem[];
  intervalDays: number;
  shippingAddress: ShippingAddress;
  paymentMethodId: string;
} & Clocked;

/**
 * A try of a renewal, as its job found the world: the lines at the day's prices (none when
 * no product of it is sold any more) and the saved method's token (null when it was removed).
 */
export type RenewSubscription = {
  type: 'RenewSubscription';
  renewal: number;
  attempt: number;
  /** When the job meant it to run: a job for a moved or skipped renewal is stale. */
  dueAt: string;
  order: { orderId: string; paymentId: string; shipmentId: string };
  lines: OrderLine[];
  paymentMethod: OrderPaymentMethod | null;
  /** A line the catalog has not enough of (the job looked): the try fails without an order, so nothing is charged and refunded. */
  outOfStock?: boolean;
} & Clocked;

/** The order of a try failed (the process manager saw OrderFailed). */
export type RecordRenewalFailure = { type: 'RecordRenewalFailure'; renewal: number; attempt: number; orderId: string; reason: RenewalFailureReason } & Clocked;

export type ChangeSubscription = {
  type: 'ChangeSubscription';
  items?: SubscriptionItem[];
  intervalDays?: number;
  shippingAddress?: ShippingAddress;
  paymentMethodId?: string;
} & Clocked;

export type PauseSubscription = { type: 'PauseSubscription'; now: string };
export type ResumeSubscription = { type: 'ResumeSubscription' } & Clocked;
export type SkipRenewal = { type: 'SkipRenewal' } & Clocked;
export type CancelSubscription = { type: 'CancelSubscription'; by: string; now: string };

export type SubscriptionCommand =
  | CreateSubscription
  | RenewSubscription
  | RecordRenewalFailure
  | ChangeSubscription
  | PauseSubscription
  | ResumeSubscription
  | SkipRenewal
  | CancelSubscription;

export const decide = (command: SubscriptionCommand, state: Subscription): SubscriptionEvent[] => {
  if (command.type === 'CreateSubscription') return create(command, state);
  if (state.status === 'None') throw new NotFoundError('subscription not found');
  const { subscriptionId, customerId } = state;
  switch (command.type) {
    case 'RenewSubscription':
      return renew(command, state);
    case 'RecordRenewalFailure':
      return renewalFailed(command, state);
    case 'ChangeSubscription':
      return change(command, state);
    case 'PauseSubscription':
      if (state.status !== 'Active') throw illegal(state, 'paused');
      return [{ type: 'SubscriptionPaused', data: { subscriptionId, customerId, pausedAt: command.now } }];
    case 'ResumeSubscription':
      return resume(command, state);
    case 'SkipRenewal': {
      if (state.status !== 'Active') throw illegal(state, 'skipped');
      const next = { nextRenewal: state.next.renewal + 1, nextRenewalAt: addMs(state.next.at, days(state.intervalDays, command.dayMs)) };
      return [{ type: 'SubscriptionRenewalSkipped', data: { subscriptionId, customerId, skippedRenewal: state.next.renewal, ...next, skippedAt: command.now } }];
    }
    case 'CancelSubscription': {
      // Cancelling twice changes nothing.
      if (state.status === 'Cancelled') return [];
      const data = { subscriptionId, customerId, previousStatus: state.status, cancelledBy: command.by, cancelledAt: command.now };
      return [{ type: 'SubscriptionCancelled', data }];
    }
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

const create = (command: CreateSubscription, state: Subscription): SubscriptionEvent[] => {
  if (state.status !== 'None') throw new ConflictError('the subscription already exists');
  const { subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, now, dayMs } = command;
  checkItems(items);
  checkInterval(intervalDays);
  const nextRenewalAt = addMs(now, days(intervalDays, dayMs));
  return [
    { type: 'SubscriptionCreated', data: { subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, nextRenewal: 1, nextRenewalAt, createdAt: now } },
  ];
};

/**
 * The try a renewal's job places. A regular renewal that falls due while the one before waits for
 * its retry (an interval of a day or two: the retry falls due with it) takes that retry's place
 * and its count, so that failures in a row reach the last try and the subscription goes past due
 * whatever its interval. Before, the newer renewal started the count again at its first try, and a
 * subscription renewing daily with a card that keeps failing never went past due.
 */
export const tryOf = (state: Subscription, renewal: number, attempt: number, dueAt: string): number => {
  if (state.status === 'None') return attempt;
  const { next, current } = state;
  const regular = attempt === 1 && next.renewal === renewal && next.at === dueAt;
  return regular && current?.state === 'retrying' && current.renewal < renewal ? current.attempt : attempt;
};

const renew = (command: RenewSubscription, state: Held): SubscriptionEvent[] => {
  const { renewal, dueAt, now, dayMs } = command;
  if (state.status !== 'Active') return [];
  const { next, current } = state;
  const regular = command.attempt === 1 && next.renewal === renewal && next.at === dueAt;
  const retry = command.attempt > 1 && current?.state === 'retrying' && current.renewal === renewal && current.attempt === command.attempt && current.at === dueAt;
  if (!regular && !retry) return [];
  const attempt = tryOf(state, renewal, command.attempt, dueAt);
  // The next one an interval on; after an outage longer than that, an interval from now (one order, not one per period missed).
  const following = regular
    ? { nextRenewal: renewal + 1, nextRenewalAt: later(addMs(dueAt, days(state.intervalDays, dayMs)), addMs(now, days(state.intervalDays, dayMs)), now) }
    : { nextRenewal: next.renewal, nextRenewalAt: next.at };
  const moved = { ...state, next: { renewal: following.nextRenewal, at: following.nextRenewalAt } };
  if (command.lines.length === 0) return failure(moved, renewal, attempt, null, 'products-unavailable', command, following);
  if (!command.paymentMethod) return failure(moved, renewal, attempt, null, 'payment-method-removed', command, following);
  if (command.outOfStock === true) return failure(moved, renewal, attempt, null, 'out-of-stock', command, following);
  const { subscriptionId, customerId, shippingAddress } = state;
  const { lines, paymentMethod, order } = command;
  return [
    { type: 'SubscriptionRenewed', data: { subscriptionId, customerId, renewal, attempt, ...order, lines, shippingAddress, paymentMethod, ...following, renewedAt: now } },
  ];
};

/**
 * The order of a try failed. The try in flight is retried (see failure). A try of a renewal
 * the next one overtook meanwhile (a short interval, a slow payment) is recorded without a
 * retry, the newer renewal being under way; its last try's failure still makes the
 * subscription past due. A failure recorded already, or of a try never placed, decides nothing.
 */
const renewalFailed = (command: RecordRenewalFailure, state: Held): SubscriptionEvent[] => {
  const { renewal, attempt, orderId, reason } = command;
  const { current } = state;
  if (state.failed.includes(tryKey(renewal, attempt)) || !current) return [];
  if (current.renewal === renewal) {
    if (current.state !== 'placed' || current.attempt !== attempt) return [];
    return failure(state, renewal, attempt, orderId, reason, command);
  }
  if (current.renewal < renewal) return [];
  return failure(state, renewal, attempt, orderId, reason, command, undefined, false);
};

/** A try failed: tried again a day later, unless it was the last try (PastDue) or the subscription is no longer active. */
const failure = (
  state: Held,
  renewal: number,
  attempt: number,
  orderId: string | null,
  reason: RenewalFailureReason,
  clock: Clocked,
  next?: { nextRenewal: number; nextRenewalAt: string },
  retry = true,
): SubscriptionEvent[] => {
  const { subscriptionId, customerId } = state;
  const last = attempt >= RENEWAL_ATTEMPTS;
  const retryAt = last || !retry || state.status !== 'Active' ? null : addMs(clock.now, clock.dayMs);
  const scheduled = next ?? { nextRenewal: state.next.renewal, nextRenewalAt: state.next.at };
  const events: SubscriptionEvent[] = [
    { type: 'SubscriptionRenewalFailed', data: { subscriptionId, customerId, renewal, attempt, orderId, reason, retryAt, failedAt: clock.now, ...scheduled } },
  ];
  if (last && state.status === 'Active') events.push({ type: 'SubscriptionPastDue', data: { subscriptionId, customerId, renewal, reason, pastDueAt: clock.now } });
  return events;
};

const change = (command: ChangeSubscription, state: Held): SubscriptionEvent[] => {
  if (state.status === 'Cancelled') throw illegal(state, 'changed');
  const items = command.items ?? state.items;
  const intervalDays = command.intervalDays ?? state.intervalDays;
  const shippingAddress = command.shippingAddress ?? state.shippingAddress;
  const paymentMethodId = command.paymentMethodId ?? state.paymentMethodId;
  checkItems(items);
  checkInterval(intervalDays);
  const same =
    JSON.stringify(items) === JSON.stringify(state.items) &&
    intervalDays === state.intervalDays &&
    sameAddress(shippingAddress, state.shippingAddress) &&
    paymentMethodId === state.paymentMethodId;
  if (same) return [];
  // A new interval counts from the renewal before the next one (never due in the past: then now).
  const anchor = Date.parse(state.next.at) - days(state.intervalDays, command.dayMs);
  const at = intervalDays === state.intervalDays ? state.next.at : later(new Date(anchor + days(intervalDays, command.dayMs)).toISOString(), command.now);
  const { subscriptionId, customerId } = state;
  return [
    {
      type: 'SubscriptionChanged',
      data: { subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, nextRenewal: state.next.renewal, nextRenewalAt: at, changedAt: command.now },
    },
  ];
};

/**
 * Paused: the next renewal stays when it is still ahead, else it is an interval from now. Past
 * due: the next renewal is placed at once, with the payment method the customer set meanwhile.
 */
const resume = (command: ResumeSubscription, state: Held): SubscriptionEvent[] => {
  if (state.status !== 'Paused' && state.status !== 'PastDue') throw illegal(state, 'resumed');
  const { now, dayMs } = command;
  const at = state.status === 'PastDue' ? now : Date.parse(state.next.at) > Date.parse(now) ? state.next.at : addMs(now, days(state.intervalDays, dayMs));
  const { subscriptionId, customerId } = state;
  return [{ type: 'SubscriptionResumed', data: { subscriptionId, customerId, nextRenewal: state.next.renewal, nextRenewalAt: at, resumedAt: now } }];
};

const illegal = (state: Held, what: string) => new IllegalStateError(`a subscription that is ${state.status === 'PastDue' ? 'past due' : state.status.toLowerCase()} cannot be ${what}`);

const tryKey = (renewal: number, attempt: number) => `${renewal}:${attempt}`;
const days = (count: number, dayMs: number) => count * dayMs;
const addMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
/** `at`, unless it is not after `now`: then `instead`. */
const later = (at: string, instead: string, now?: string) => (Date.parse(at) > Date.parse(now ?? instead) ? at : instead);

export const subscriptionDecider: Decider<Subscription, SubscriptionCommand, SubscriptionEvent> = { initialState, evolve, decide };

export const subscriptionStream = (subscriptionId: string) => `subscription-${subscriptionId}`;
