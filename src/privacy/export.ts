import { cartStream } from '../domain/cart/cart.js';
import { customerStream, normalizeEmail } from '../domain/customer/customer.js';
import { walletStream } from '../domain/customer/wallet.js';
import { inventoryStream } from '../domain/inventory/inventory.js';
import { orderStream } from '../domain/ordering/order.js';
import { paymentStream } from '../domain/payment/payment.js';
import { reviewStream } from '../domain/reviews/review.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import { shipmentStream } from '../domain/shipping/shipment.js';
import { subscriptionStream } from '../domain/subscriptions/subscription.js';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { TurnBudget } from '../infrastructure/turn-budget.js';
import { claimStreamsOf, type EmailIndex } from './email-index.js';
import { NOTIFICATIONS, type StoredNotification } from '../commands/notifications.js';
import { getCart, type CartView } from '../projections/carts/carts.js';
import { getCustomerProfile, type CustomerProfile } from '../projections/customer-profiles/customer-profiles.js';
import { toOrder, type OrderView } from '../projections/orders/orders.js';
import { listPaymentMethods, type PaymentMethodsView } from '../projections/payment-methods/payment-methods.js';
import type { PaymentView } from '../projections/payments/payments.js';
import { toReview, type ReviewView } from '../projections/reviews/reviews.js';
import { toShipment, type ShipmentView } from '../projections/shipments/shipments.js';
import type { StockLevel } from '../projections/stock-levels/stock-levels.js';
import { toSubscription, type SubscriptionView } from '../projections/subscriptions/subscriptions.js';
import { CREDENTIAL_FIELDS } from './credentials.js';

/**
 * The data export (GDPR art. 20): everything the shop holds about one customer, as one JSON
 * document. A function of the ports: the read models give the current state of each thing
 * (profile, orders, ...), the event store the history of every stream that is the customer's
 * own, read through the EventStore port like every other reader (personal fields come out
 * of it in clear). Erased values read as the store gives them ('[erased]').
 *
 * Withheld, on purpose: credentials, which are the shop's means of acting, not data about the
 * customer: the payment provider's tokens (`token`, in the wallet, the order's payment method,
 * the payment) and the password hash (`passwordHash`). They are removed at any depth of
 * every event's data (WITHHELD_FIELDS); the export lists their names in `withheld`. So is the
 * token of a password reset's link, in the text of its email (`withoutResetToken`).
 *
 * Large histories are streamed, never capped: the read-model part is gathered first (one
 * customer's documents), then written a document at a time, each let go once written; then the
 * events are read a page at a time (`pageSize` events, one stream after another, each in
 * revision order) and written as they come. The writer waits while the client does not read
 * (data-export.ts), so memory stays bounded by the read-model part and a page, whatever the
 * history's length. The embedded stores answer at once, so the reading gives the event loop a
 * turn every 10 ms of it (TurnBudget): one export of a customer with 1,800 orders held every
 * other request for 1.3 s.
 */

export const WITHHELD_FIELDS: readonly string[] = CREDENTIAL_FIELDS;

/** What `withheld` names: the fields, and the token of a password reset's link in the text of its email. */
export const WITHHELD: readonly string[] = [...WITHHELD_FIELDS, 'notifications[].text: the token of a password reset link'];

/** Events read per page of a stream. */
export const EXPORT_PAGE_SIZE = 500;

export type ExportDeps = {
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  currency: string;
  /** Names the email's claim stream (a keyed hash of the address). */
  emails: EmailIndex;
  /** Events per read of a stream (EXPORT_PAGE_SIZE unless set). */
  pageSize?: number;
  /** How long the reading runs before it gives the event loop a turn (TurnBudget's 10 ms unless set). */
  turnSliceMs?: number;
};

export type ExportedEvent = { stream: string; revision: number; type: string; recordedAt: string; data: Record<string, unknown> };

export type BackInStockRequest = { productId: string; sku: string; requestedAt: string; status: 'Waiting' };

/** A prepared export: the file name to offer, and the document as JSON text in chunks. */
export type CustomerExport = { filename: string; chunks: () => AsyncGenerator<string> };

/** Null when the customer has no profile (unknown, or not yet in the read models). */
export const prepareExport = async (deps: ExportDeps, customerId: string, now: Date): Promise<CustomerExport | null> => {
  const budget = new TurnBudget(deps.turnSliceMs);
  // The read models' part is read at once (tens of ms for thousands of orders): exports that start together take turns at it.
  await budget.turn();
  const gathered = await gatherState(deps, customerId, budget);
  if (!gathered) return null;
  const { streams, shared } = gathered;
  // Written field by field (each let go of once written) and document by document.
  const fields: Array<[string, unknown]> = Object.entries({ exportedAt: now.toISOString(), customerId, withheld: WITHHELD, ...gathered.state });
  async function* chunks(): AsyncGenerator<string> {
    let separator = '{';
    for (let field = fields.shift(); field; field = fields.shift()) {
      const [name, value] = field;
      if (value === undefined) continue; // as JSON.stringify leaves such a field out
      if (!Array.isArray(value)) {
        yield `${separator}${JSON.stringify(name)}:${JSON.stringify(value)}`;
      } else {
        yield `${separator}${JSON.stringify(name)}:[`;
        for (const [i, item] of (value as unknown[]).entries()) {
          yield `${i === 0 ? '' : ','}${JSON.stringify(item)}`;
          await budget.pause();
        }
        yield ']';
      }
      separator = ',';
    }
    yield ',"events":[';
    let first = true;
    for await (const event of customerEvents(deps, customerId, streams, shared)) {
      yield `${first ? '' : ','}${JSON.stringify(event)}`;
      first = false;
      await budget.pause();
    }
    yield ']}';
  }
  return { filename: `export-${now.toISOString().slice(0, 10)}.json`, chunks };
};

/** The read models' part, and the names of the streams whose events are the customer's. */
const gatherState = async (deps: ExportDeps, customerId: string, budget: TurnBudget) => {
  const { readModels } = deps;
  const profile = await getCustomerProfile(readModels.collection<CustomerProfile>('customers'), customerId);
  if (!profile) return null;
  const own = { customerId };
  const byDate = { sort: { createdAt: 1 as const, _id: 1 as const }, readonly: true };
  const [wallet, cart, orders, payments, shipments, reviews, subscriptions, notifications] = await Promise.all([
    listPaymentMethods(readModels.collection<PaymentMethodsView>('payment_methods'), customerId),
    getCart(readModels.collection<CartView>('carts'), customerId, deps.currency),
    readModels.collection<OrderView>('orders').find(own, byDate),
    readModels.collection<PaymentView>('payments').find(own, { sort: { _id: 1 }, readonly: true }),
    readModels.collection<ShipmentView>('shipments').find(own, { sort: { _id: 1 }, readonly: true }),
    readModels.collection<ReviewView>('reviews').find(own, byDate),
    readModels.collection<SubscriptionView>('subscriptions').find(own, byDate),
    readModels.collection<StoredNotification>(NOTIFICATIONS).find(own, { sort: { _id: 1 }, readonly: true }),
  ]);
  await budget.pause();
  const inventory = await backInStockRequests(deps, customerId, budget);
  const state = {
    profile,
    paymentMethods: wallet.items,
    cart,
    orders: orders.map(toOrder),
    payments: payments.map(({ paymentId, orderId, status, amount, refunded, failureReason, refundReason }) => ({ paymentId, orderId, status, amount, refunded, failureReason, refundReason })),
    shipments: shipments.map(toShipment),
    reviews: reviews.map((review) => ({ ...toReview(review), orderId: review.orderId })),
    subscriptions: subscriptions.map(toSubscription),
    notifications: notifications.map(toNotification),
    backInStockRequests: inventory.waiting,
  };
  const streams = [
    customerStream(customerId),
    walletStream(customerId),
    cartStream(customerId),
    ...orders.map((o) => orderStream(o.orderId)),
    ...payments.map((p) => paymentStream(String(p.paymentId))),
    ...shipments.map((s) => shipmentStream(String(s.shipmentId))),
    ...subscriptions.map((s) => subscriptionStream(String(s.subscriptionId))),
    ...reviews.map((r) => reviewStream(String(r.reviewId))),
  ];
  // Streams shared with others, of which only the customer's events are theirs: the email's claim
  // (claimed again by whoever registers the address after an erasure), the SKUs' notify-me requests.
  const email = normalizeEmail(profile.email);
  const shared = [...(await claimStreamsOf(deps.emails, email)), ...inventory.skus.map(inventoryStream)];
  return { state, streams, shared };
};

const RESET_REQUESTED = 'CustomerPasswordResetRequested';

/**
 * A password reset's link sets a new password: a credential, as the provider tokens are, and
 * withheld with them (a black-box probe took an account over with a bearer token alone: it asked
 * for a reset of the account's address, read the link from the export, and set a password). The
 * mail's copy in the outbox keeps it (it is the mailbox); the export says it is withheld.
 */
const withoutResetToken = (text: string) => text.replace(/([?&]token=)[^\s&#]+/g, `$1${WITHHELD_TOKEN}`);

/** What stands in an exported reset link for its token. */
export const WITHHELD_TOKEN = '[withheld]';

const toNotification = (doc: StoredNotification) => ({
  notificationId: doc._id,
  type: doc.type,
  to: doc.to,
  subject: doc.subject,
  text: doc.type === RESET_REQUESTED ? withoutResetToken(doc.text) : doc.text,
  orderId: doc.orderId ?? null,
  ...(doc.productId === undefined ? {} : { productId: doc.productId }),
  ...(doc.sku === undefined ? {} : { sku: doc.sku }),
  ...(doc.subscriptionId === undefined ? {} : { subscriptionId: doc.subscriptionId }),
  status: doc.status,
  sentAt: doc.sentAt ?? null,
});

/**
 * Notify-me requests still waiting. They live on the SKUs' inventory streams, shared by every
 * shopper: only the SKUs someone waits for (`waiting` > 0 in stock_levels) are read. A request
 * that was answered is in the notifications (the back-in-stock email), not here.
 */
const backInStockRequests = async (deps: ExportDeps, customerId: string, budget: TurnBudget) => {
  const levels = await deps.readModels.collection<StockLevel>('stock_levels').find({ waiting: { $gt: 0 } }, { sort: { _id: 1 }, readonly: true });
  const waiting: BackInStockRequest[] = [];
  const skus: string[] = [];
  for (const level of levels) {
    let request: BackInStockRequest | null = null;
    let asked = false;
    for await (const event of pagesOf(deps, inventoryStream(level.sku))) {
      if (event.type === 'BackInStockRequested' && event.data.customerId === customerId) {
        request = { productId: String(event.data.productId), sku: String(event.data.sku), requestedAt: String(event.data.requestedAt), status: 'Waiting' };
        asked = true;
      }
      if (event.type === 'InventoryBackInStock' && (event.data.notify as unknown[]).includes(customerId)) request = null;
      if (event.type === 'BackInStockWithdrawn' && event.data.customerId === customerId) request = null;
      await budget.pause();
    }
    if (request) waiting.push(request);
    if (asked) skus.push(level.sku);
  }
  return { waiting, skus };
};

/** Every event of the customer's own streams, then theirs of the streams they share with others. */
async function* customerEvents(deps: ExportDeps, customerId: string, streams: readonly string[], shared: readonly string[]): AsyncGenerator<ExportedEvent> {
  for (const stream of streams) {
    for await (const event of pagesOf(deps, stream)) yield exported(event);
  }
  for (const stream of shared) {
    for await (const event of pagesOf(deps, stream)) {
      if (event.data.customerId === customerId) yield exported(event);
    }
  }
}

/** A stream's events, upcast, read `pageSize` at a time. */
async function* pagesOf(deps: ExportDeps, stream: string): AsyncGenerator<RecordedEvent> {
  const pageSize = deps.pageSize ?? EXPORT_PAGE_SIZE;
  let fromRevision = 0;
  for (;;) {
    const page = await deps.eventStore.readStream(stream, { fromRevision, maxCount: pageSize });
    for (const event of page) yield deps.schema.upcast(event);
    if (page.length < pageSize) return;
    fromRevision = page[page.length - 1]!.revision + 1;
  }
}

const exported = (event: RecordedEvent): ExportedEvent => ({
  stream: event.streamName,
  revision: event.revision,
  type: event.type,
  recordedAt: event.recordedAt,
  data: withoutCredentials(event.data) as Record<string, unknown>,
});

/** The data without the WITHHELD_FIELDS, at any depth. */
export const withoutCredentials = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutCredentials);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !WITHHELD_FIELDS.includes(key)).map(([key, v]) => [key, withoutCredentials(v)]));
};
