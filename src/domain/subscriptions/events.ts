import type { OrderLine, OrderPaymentMethod, ShippingAddress } from '../ordering/order.js';
import type { DomainEvent } from '../shared/types.js';

/**
 * A subscription's facts (`subscription-<uuid>`). Renewals are numbered from 1; a renewal
 * is tried at most RENEWAL_ATTEMPTS times (the first try and two retries a day apart), each
 * try an order of its own. Every event that moves the schedule names the next renewal and
 * when it falls due, so the process manager schedules it from the event alone.
 */

export type SubscriptionItem = { productId: string; quantity: number };
export type SubscriptionStatus = 'Active' | 'Paused' | 'PastDue' | 'Cancelled';

/** The renewal an event schedules next: its number and when it falls due. */
type Next = { nextRenewal: number; nextRenewalAt: string };

export type SubscriptionCreated = DomainEvent<
  'SubscriptionCreated',
  {
    subscriptionId: string;
    customerId: string;
    items: SubscriptionItem[];
    intervalDays: number;
    shippingAddress: ShippingAddress;
    paymentMethodId: string;
    createdAt: string;
  } & Next
>;

/** A try of a renewal: the order it places (the renewal event is that order's cause), at the day's prices. */
export type SubscriptionRenewed = DomainEvent<
  'SubscriptionRenewed',
  {
    subscriptionId: string;
    customerId: string;
    renewal: number;
    attempt: number;
    orderId: string;
    paymentId: string;
    shipmentId: string;
    lines: OrderLine[];
    shippingAddress: ShippingAddress;
    paymentMethod: OrderPaymentMethod;
    renewedAt: string;
  } & Next
>;

export type RenewalFailureReason = 'payment-declined' | 'payment-timeout' | 'out-of-stock' | 'customer-erased' | 'products-unavailable' | 'payment-method-removed';

/** A try that failed: `retryAt` when it is tried again, null when it is not (the last try, or the subscription is not active). */
export type SubscriptionRenewalFailed = DomainEvent<
  'SubscriptionRenewalFailed',
  {
    subscriptionId: string;
    customerId: string;
    renewal: number;
    attempt: number;
    orderId: string | null;
    reason: RenewalFailureReason;
    retryAt: string | null;
    failedAt: string;
  } & Next
>;

/** `reason`: the last try's (absent in events of the version before, which said payment for every reason). */
export type SubscriptionPastDue = DomainEvent<'SubscriptionPastDue', { subscriptionId: string; customerId: string; renewal: number; reason?: RenewalFailureReason; pastDueAt: string }>;

export type SubscriptionChanged = DomainEvent<
  'SubscriptionChanged',
  {
    subscriptionId: string;
    customerId: string;
    items: SubscriptionItem[];
    intervalDays: number;
    shippingAddress: ShippingAddress;
    paymentMethodId: string;
    changedAt: string;
  } & Next
>;

export type SubscriptionPaused = DomainEvent<'SubscriptionPaused', { subscriptionId: string; customerId: string; pausedAt: string }>;
export type SubscriptionResumed = DomainEvent<'SubscriptionResumed', { subscriptionId: string; customerId: string; resumedAt: string } & Next>;
export type SubscriptionRenewalSkipped = DomainEvent<
  'SubscriptionRenewalSkipped',
  { subscriptionId: string; customerId: string; skippedRenewal: number; skippedAt: string } & Next
>;
export type SubscriptionCancelled = DomainEvent<
  'SubscriptionCancelled',
  { subscriptionId: string; customerId: string; previousStatus: SubscriptionStatus; cancelledBy: string; cancelledAt: string }
>;

export type SubscriptionEvent =
  | SubscriptionCreated
  | SubscriptionRenewed
  | SubscriptionRenewalFailed
  | SubscriptionPastDue
  | SubscriptionChanged
  | SubscriptionPaused
  | SubscriptionResumed
  | SubscriptionRenewalSkipped
  | SubscriptionCancelled;

export const SUBSCRIPTION_EVENT_TYPES: readonly SubscriptionEvent['type'][] = [
  'SubscriptionCreated',
  'SubscriptionRenewed',
  'SubscriptionRenewalFailed',
  'SubscriptionPastDue',
  'SubscriptionChanged',
  'SubscriptionPaused',
  'SubscriptionResumed',
  'SubscriptionRenewalSkipped',
  'SubscriptionCancelled',
];

/** The first try and two retries, a day apart. */
export const RENEWAL_ATTEMPTS = 3;
export const MAX_SUBSCRIPTION_ITEMS = 20;
/** Subscriptions a customer may hold that are not cancelled (each renews into orders, jobs and emails). */
export const MAX_OPEN_SUBSCRIPTIONS = 50;
export const MAX_INTERVAL_DAYS = 365;
