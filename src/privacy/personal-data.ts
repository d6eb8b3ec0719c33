import type { CartEvent } from '../domain/cart/cart.js';
import type { ProductEvent } from '../domain/catalog/product.js';
import type { CustomerEvent } from '../domain/customer/customer.js';
import type { EmailClaimEvent } from '../domain/customer/email-claim.js';
import type { WalletEvent } from '../domain/customer/wallet.js';
import type { InventoryEvent } from '../domain/inventory/inventory.js';
import type { StockAlertEvent } from '../domain/inventory/stock-alerts.js';
import type { OrderEvent } from '../domain/ordering/order.js';
import type { PaymentEvent } from '../domain/payment/payment.js';
import type { ReviewEvent } from '../domain/reviews/review.js';
import type { ShipmentEvent } from '../domain/shipping/shipment.js';
import type { ShopIdentityEvent } from '../domain/shop/identity.js';
import type { SubscriptionEvent } from '../domain/subscriptions/events.js';
import type { KeyPurpose } from './key-store.js';

/**
 * The inventory of personal data in the log: every field of every event type the shop
 * appends, classified. `plain` fields are stored as they are (ids, amounts, statuses,
 * times, product data); `profile` and `invoice` fields are sealed, at every string or number
 * leaf, with that purpose's key of the customer the event's `customerId` names (see
 * key-store.ts for what each key covers and when it is destroyed). An object or list may
 * be classified as a whole or field by field (an address's id stays plain, its lines do not).
 *
 * The table's type lists every field of every event type: adding an event type to a
 * domain union, or a field to an event, without classifying it here fails to compile.
 * At run time the event store refuses to append an event type or field missing here
 * (`UnclassifiedDataError`), so nothing personal reaches the log unnoticed.
 * What the read models hold is listed in `personal-read-models.ts`.
 */

export type Leaf = 'plain' | KeyPurpose;

/** A classification of a value: one leaf for all of it, or one per field, or one for each element of a list. */
export type Classification = Leaf | { readonly [field: string]: Classification } | { readonly each: Classification };

type Shape<T> = Leaf | (T extends readonly (infer U)[] ? { readonly each: Shape<U> } : T extends object ? { readonly [K in keyof T]-?: Shape<NonNullable<T[K]>> } : never);

export type ShopEvent =
  | CartEvent
  | ProductEvent
  | CustomerEvent
  | EmailClaimEvent
  | WalletEvent
  | InventoryEvent
  | StockAlertEvent
  | OrderEvent
  | PaymentEvent
  | ReviewEvent
  | ShipmentEvent
  | ShopIdentityEvent
  | SubscriptionEvent;

type Inventory = { readonly [E in ShopEvent as E['type']]: { readonly [K in keyof E['data']]-?: Shape<NonNullable<E['data'][K]>> } };

const _ = 'plain';
const profile = 'profile';
const invoice = 'invoice';
const address = { line1: invoice, city: invoice, postalCode: invoice, country: invoice } as const;
const profileAddress = { line1: profile, city: profile, postalCode: profile, country: profile } as const;
const reviewFacts = { reviewId: _, productId: _, customerId: _, authorName: profile, rating: _, text: profile } as const;
const reported = { shipmentId: _, orderId: _, customerId: _, carrierEventId: _, carrierReference: _, occurredAt: _ } as const;
const next = { nextRenewal: _, nextRenewalAt: _ } as const;

export const PERSONAL_DATA_IN_EVENTS: Inventory = {
  // accounts: the customer's own stream, the email claim, the wallet
  CustomerRegistered: { customerId: _, email: profile, name: profile, passwordHash: profile, role: _, registeredAt: _, phone: profile },
  CustomerAddressAdded: { customerId: _, address: { addressId: _, ...profileAddress }, addedAt: _ },
  CustomerAddressRemoved: { customerId: _, addressId: _, removedAt: _ },
  CustomerRoleChanged: { customerId: _, role: _, changedAt: _ },
  CustomerSignedOut: { customerId: _, signedOutAt: _ },
  CustomerPasswordResetRequested: { customerId: _, requestId: _, requestedAt: _, expiresAt: _ },
  CustomerPasswordChanged: { customerId: _, passwordHash: profile, changedAt: _, via: _ },
  CustomerErased: { customerId: _, erasedAt: _, by: _ },
  CustomerInvoicesExpired: { customerId: _, expiredAt: _ },
  CustomerEmailReleased: { customerId: _, releasedAt: _ },
  CustomerEmailClaimed: { email: profile, customerId: _, claimedAt: _ },
  PaymentMethodSaved: { customerId: _, paymentMethodId: _, token: profile, brand: _, last4: profile, label: profile, isDefault: _, savedAt: _ },
  PaymentMethodRemoved: { customerId: _, paymentMethodId: _, removedAt: _ },
  DefaultPaymentMethodChanged: { customerId: _, paymentMethodId: _, changedAt: _ },
  // the log's identity (src/domain/shop/identity.ts)
  ShopIdentityAssigned: { shopId: _ },
  // catalog, stock, carts: no person in them but the customer's id
  ProductCreated: { productId: _, sku: _, name: _, description: _, brand: _, category: _, price: _, createdAt: _ },
  ProductUpdated: { productId: _, changes: _, updatedAt: _ },
  ProductPriceChanged: { productId: _, price: _, previousPrice: _, changedAt: _ },
  InventoryItemRegistered: { sku: _, productId: _, registeredAt: _ },
  StockReceived: { sku: _, productId: _, quantity: _, receivedAt: _ },
  InventoryAdjusted: { sku: _, productId: _, delta: _, reason: _, adjustedAt: _ },
  StockAdjusted: { sku: _, productId: _, delta: _, reason: _, adjustedAt: _ },
  StockReserved: { sku: _, productId: _, orderId: _, quantity: _, reservedAt: _ },
  StockReservationFailed: { sku: _, productId: _, orderId: _, requested: _, available: _, failedAt: _ },
  StockReleased: { sku: _, productId: _, orderId: _, quantity: _, releasedAt: _ },
  StockDispatched: { sku: _, productId: _, orderId: _, quantity: _, dispatchedAt: _ },
  LowStockThresholdSet: { sku: _, productId: _, threshold: _, setAt: _ },
  StockLevelLow: { sku: _, productId: _, available: _, threshold: _, detectedAt: _ },
  InventoryOutOfStock: { sku: _, productId: _, detectedAt: _ },
  InventoryBackInStock: { sku: _, productId: _, available: _, notify: _, detectedAt: _ },
  BackInStockRequested: { sku: _, productId: _, customerId: _, requestedAt: _ },
  BackInStockWithdrawn: { sku: _, productId: _, customerId: _, reason: _, withdrawnAt: _ },
  CartItemAdded: { customerId: _, productId: _, sku: _, name: _, quantity: _, unitPrice: _, addedAt: _ },
  CartItemQuantityChanged: { customerId: _, productId: _, quantity: _, changedAt: _ },
  CartItemRemoved: { customerId: _, productId: _, removedAt: _ },
  CartItemRepriced: { customerId: _, productId: _, unitPrice: _, previousPrice: _, repricedAt: _ },
  CartCheckedOut: { customerId: _, orderId: _, lines: _, checkedOutAt: _ },
  // orders: the address is the invoice's; the payment token the customer's
  OrderCreated: {
    orderId: _,
    customerId: _,
    paymentId: _,
    shipmentId: _,
    lines: _,
    total: _,
    shippingAddress: address,
    paymentMethod: { token: profile, paymentMethodId: _ },
    createdAt: _,
    subscription: _,
    cartCheckouts: _,
  },
  OrderPaid: { orderId: _, customerId: _, paymentId: _, paidAt: _ },
  OrderConfirmed: { orderId: _, customerId: _, confirmedAt: _ },
  OrderShipped: { orderId: _, customerId: _, shipmentId: _, trackingNumber: _, lines: _, shippedAt: _, carrierReference: _, labelUrl: _ },
  OrderDelivered: { orderId: _, customerId: _, shipmentId: _, lines: _, deliveredAt: _ },
  OrderFailed: { orderId: _, customerId: _, reason: _, failedAt: _, subscription: _ },
  OrderCancelled: { orderId: _, customerId: _, shipmentId: _, cancelledBy: _, previousStatus: _, cancelledAt: _ },
  OrderAmended: { orderId: _, customerId: _, shipmentId: _, shippingAddress: address, amendedAt: _ },
  OrderCustomerErased: { orderId: _, customerId: _, shipmentId: _, status: _, erasedAt: _ },
  PaymentRequested: { paymentId: _, orderId: _, customerId: _, amount: _, token: profile, requestedAt: _, expiresAt: _ },
  PaymentProcessed: { paymentId: _, orderId: _, customerId: _, amount: _, providerReference: _, processedAt: _ },
  PaymentFailed: { paymentId: _, orderId: _, customerId: _, reason: _, failedAt: _ },
  PaymentCapturedLate: { paymentId: _, orderId: _, customerId: _, amount: _, providerReference: _, capturedAt: _ },
  PaymentRefundRequested: { paymentId: _, orderId: _, customerId: _, amount: _, reason: _, requestedAt: _ },
  PaymentRefunded: { paymentId: _, orderId: _, customerId: _, amount: _, providerReference: _, reason: _, refundedAt: _ },
  ShipmentPrepared: { shipmentId: _, orderId: _, customerId: _, lines: _, shippingAddress: address, preparedAt: _ },
  ShipmentBookingRequested: { shipmentId: _, orderId: _, customerId: _, attempt: _, amendments: _, requestedAt: _ },
  // A carrier's reason may quote the address it could not serve.
  ShipmentBookingRefused: { shipmentId: _, orderId: _, customerId: _, attempt: _, reason: invoice, refusedAt: _ },
  ShipmentInTransit: reported,
  ShipmentDelivered: reported,
  ShipmentDeliveryFailed: { ...reported, reason: invoice },
  // reviews: the author's name and their own words
  ReviewSubmitted: { ...reviewFacts, orderId: _, submittedAt: _ },
  ReviewRevised: { ...reviewFacts, orderId: _, previousRating: _, revisedAt: _ },
  // subscriptions: the customer's standing address and the token of each renewal
  SubscriptionCreated: { subscriptionId: _, customerId: _, items: _, intervalDays: _, shippingAddress: profileAddress, paymentMethodId: _, createdAt: _, ...next },
  SubscriptionRenewed: {
    subscriptionId: _,
    customerId: _,
    renewal: _,
    attempt: _,
    orderId: _,
    paymentId: _,
    shipmentId: _,
    lines: _,
    shippingAddress: profileAddress,
    paymentMethod: { token: profile, paymentMethodId: _ },
    renewedAt: _,
    ...next,
  },
  SubscriptionRenewalFailed: { subscriptionId: _, customerId: _, renewal: _, attempt: _, orderId: _, reason: _, retryAt: _, failedAt: _, ...next },
  SubscriptionPastDue: { subscriptionId: _, customerId: _, renewal: _, reason: _, pastDueAt: _ },
  SubscriptionChanged: { subscriptionId: _, customerId: _, items: _, intervalDays: _, shippingAddress: profileAddress, paymentMethodId: _, changedAt: _, ...next },
  SubscriptionPaused: { subscriptionId: _, customerId: _, pausedAt: _ },
  SubscriptionResumed: { subscriptionId: _, customerId: _, resumedAt: _, ...next },
  SubscriptionRenewalSkipped: { subscriptionId: _, customerId: _, skippedRenewal: _, skippedAt: _, ...next },
  SubscriptionCancelled: { subscriptionId: _, customerId: _, previousStatus: _, cancelledBy: _, cancelledAt: _ },
};

/** The classification of an event type's data, or undefined when the type is not in the inventory. */
export const classificationOf = (type: string): Readonly<Record<string, Classification>> | undefined =>
  Object.hasOwn(PERSONAL_DATA_IN_EVENTS, type) ? (PERSONAL_DATA_IN_EVENTS as Record<string, Record<string, Classification>>)[type] : undefined;
