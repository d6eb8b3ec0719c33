import type { ShippingAddress } from '../../domain/ordering/order.js';
import {
  SUBSCRIPTION_EVENT_TYPES,
  type RenewalFailureReason,
  type SubscriptionEvent,
  type SubscriptionItem,
  type SubscriptionStatus,
} from '../../domain/subscriptions/subscription.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, Filter, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import type { OrderView } from '../orders/orders.js';
import { paged, type Page } from '../paging.js';
import { CUSTOMER_ERASED, customersDocuments, erasedLeaves } from '../erased-fields.js';
import type { Projection } from '../projection.js';

/**
 * A subscription as its customer and the back office see it, with every try of every renewal
 * (the order it placed, or why it placed none). The status of each renewal's order is read
 * from the orders read model when the subscription is asked for.
 */
export type SubscriptionView = Document & {
  subscriptionId: string;
  customerId: string;
  status: SubscriptionStatus;
  items: SubscriptionItem[];
  intervalDays: number;
  shippingAddress: ShippingAddress;
  paymentMethodId: string;
  /** When the next renewal falls due; null unless active. */
  nextRenewalAt: string | null;
  /** The next renewal's due time, kept while paused or past due (shown again on resume). */
  scheduledAt: string;
  renewals: RenewalView[];
  /** Revision of the subscription stream: its ETag. */
  revision: number;
  createdAt: string;
  updatedAt: string;
};

export type RenewalView = { renewal: number; attempt: number; orderId: string | null; at: string; failureReason: RenewalFailureReason | null; retryAt: string | null };

const evolve = (current: SubscriptionView | null, recorded: RecordedEvent): SubscriptionView | null => {
  // An erased customer's subscriptions keep their ids, items and statuses (the erasure cancels them); their standing address is the customer's.
  if (recorded.type === CUSTOMER_ERASED) return current && { ...current, shippingAddress: erasedLeaves(current.shippingAddress) };
  const event = recorded as unknown as SubscriptionEvent;
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  if (event.type === 'SubscriptionCreated') {
    const { subscriptionId, customerId, items, intervalDays, shippingAddress, paymentMethodId, nextRenewalAt, createdAt } = event.data;
    return {
      _id: subscriptionId, subscriptionId, customerId, status: 'Active', items, intervalDays, shippingAddress, paymentMethodId,
      nextRenewalAt, scheduledAt: nextRenewalAt, renewals: [], revision: recorded.revision, createdAt, updatedAt: createdAt,
    };
  }
  if (!current) return null;
  const doc: SubscriptionView = { ...current, revision: recorded.revision, updatedAt: at };
  switch (event.type) {
    case 'SubscriptionRenewed': {
      const { renewal, attempt, orderId, nextRenewalAt, renewedAt } = event.data;
      return scheduled({ ...doc, renewals: withTry(doc.renewals, { renewal, attempt, orderId, at: renewedAt, failureReason: null, retryAt: null }) }, nextRenewalAt);
    }
    case 'SubscriptionRenewalFailed': {
      const { renewal, attempt, orderId, reason, retryAt, failedAt, nextRenewalAt } = event.data;
      const tried = doc.renewals.find((r) => r.renewal === renewal && r.attempt === attempt);
      const failed = { renewal, attempt, orderId, at: tried?.at ?? failedAt, failureReason: reason, retryAt };
      return scheduled({ ...doc, renewals: withTry(doc.renewals, failed) }, nextRenewalAt);
    }
    case 'SubscriptionChanged': {
      const { items, intervalDays, shippingAddress, paymentMethodId, nextRenewalAt } = event.data;
      return scheduled({ ...doc, items, intervalDays, shippingAddress, paymentMethodId }, nextRenewalAt);
    }
    case 'SubscriptionResumed':
      return scheduled({ ...doc, status: 'Active' }, event.data.nextRenewalAt);
    case 'SubscriptionRenewalSkipped':
      return scheduled(doc, event.data.nextRenewalAt);
    case 'SubscriptionPaused':
      return { ...doc, status: 'Paused', nextRenewalAt: null };
    case 'SubscriptionPastDue':
      return { ...doc, status: 'PastDue', nextRenewalAt: null };
    case 'SubscriptionCancelled':
      return { ...doc, status: 'Cancelled', nextRenewalAt: null };
  }
};

const scheduled = (doc: SubscriptionView, at: string): SubscriptionView => ({ ...doc, scheduledAt: at, nextRenewalAt: doc.status === 'Active' ? at : null });

/** One entry per try: applied twice (a redelivery), the try is there once. */
const withTry = (renewals: RenewalView[], entry: RenewalView) => [...renewals.filter((r) => r.renewal !== entry.renewal || r.attempt !== entry.attempt), entry];

export const subscriptionsProjection: Projection<SubscriptionView> = {
  name: 'subscriptions',
  collection: 'subscriptions',
  eventTypes: [...SUBSCRIPTION_EVENT_TYPES, CUSTOMER_ERASED],
  documentIds: (event) => (event.type === CUSTOMER_ERASED ? [] : [String(event.data.subscriptionId)]),
  documentsWhere: customersDocuments(CUSTOMER_ERASED),
  evolve,
  indexes: [{ keys: { customerId: 1 } }, { keys: { status: 1 } }],
};

// ------------------------------------------------------------------ queries

export const toSubscription = (doc: SubscriptionView) => {
  const { subscriptionId, customerId, status, items, intervalDays, shippingAddress, paymentMethodId, nextRenewalAt, renewals, createdAt, updatedAt } = doc;
  return { subscriptionId, customerId, status, items, intervalDays, shippingAddress, paymentMethodId, nextRenewalAt, renewals, createdAt, updatedAt };
};

/** A subscription with its renewals and their orders, only for its owner or an admin: anybody else is told it does not exist. */
export const getSubscription = async (
  collections: { subscriptions: ReadModelCollection<SubscriptionView>; orders: ReadModelCollection<OrderView> },
  subscriptionId: string,
  viewer: { customerId: string; admin: boolean },
) => {
  const doc = await collections.subscriptions.findOne({ _id: subscriptionId });
  if (!doc || (!viewer.admin && doc.customerId !== viewer.customerId)) return undefined;
  const ids = doc.renewals.flatMap((r) => (r.orderId ? [r.orderId] : []));
  const orders = ids.length === 0 ? [] : await collections.orders.find({ _id: { $in: ids } }, { projection: { _id: 1, status: 1, total: 1 } });
  const renewals = doc.renewals.map((r) => {
    const order = r.orderId ? orders.find((o) => o._id === r.orderId) : undefined;
    return { ...r, order: r.orderId ? { orderId: r.orderId, status: order?.status ?? 'Pending', total: order?.total ?? null } : null };
  });
  return { subscription: { ...toSubscription(doc), renewals }, revision: doc.revision };
};

export const listSubscriptions = (
  subscriptions: ReadModelCollection<SubscriptionView>,
  query: { customerId?: string; status?: SubscriptionStatus } & Page,
) => {
  const filter: Filter = {};
  if (query.customerId) filter.customerId = query.customerId;
  if (query.status) filter.status = query.status;
  return paged(subscriptions, filter, { createdAt: -1 }, query, toSubscription);
};
