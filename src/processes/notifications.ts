import type { OrderCancelled, OrderCreated, OrderDelivered, OrderShipped } from '../domain/ordering/order.js';
import type { PaymentFailed, PaymentRefunded } from '../domain/payment/payment.js';
import type { Money } from '../domain/shared/types.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { STOCK_ALERTS } from '../domain/inventory/stock-alerts.js';
import type { ShipmentBookingRefused, ShipmentDeliveryFailed } from '../domain/shipping/shipment.js';
import { nothing, occurredAt, type Job, type ProcessManager, type Reaction } from './process-manager.js';
import { accountNoticeJob, ACCOUNT_NOTICES, isAccountNotice } from './account-notifications.js';
import { isStockAlert, stockAlertJob } from './stock-notifications.js';
import { isSubscriptionNotice, subscriptionNoticeJob, SUBSCRIPTION_NOTICES } from './subscription-notifications.js';

/**
 * One email per fact: each notifying event schedules exactly one job, whose id is the
 * event's; a redelivered event cannot schedule a second one. Stock alerts go to the admins
 * (and back in stock to the shoppers waiting): ./stock-notifications.ts.
 */

/**
 * OrderDelivered asks for a review of what was delivered (seed 003: reviews react to fulfilment).
 * A failed delivery (the carrier's report) is told to the customer and to every admin.
 */
export const NOTIFYING_EVENTS = ['OrderCreated', 'PaymentFailed', 'OrderShipped', 'OrderDelivered', 'OrderCancelled', 'PaymentRefunded', 'ShipmentDeliveryFailed'] as const;

/** Told to the admins alone: a refusal may come from the booking job, long after the dispatch answered 202. */
export const ADMIN_ONLY_EVENTS = ['ShipmentBookingRefused'] as const;

/** A message to every admin account (./admin-notices.ts), one job per event. */
export type AdminNotice = { noticeId: string; type: string; orderId: string | null; subject: string; text: string };

export type NotificationPayload = {
  notificationId: string;
  type: string;
  customerId: string;
  /** The order it is about; null for a stock alert, which is about a product. */
  orderId: string | null;
  productId?: string;
  sku?: string;
  /** The subscription it is about (its confirmation, past due, cancelled). */
  subscriptionId?: string;
  subject: string;
  text: string;
  /** A password reset's: the request whose link the mail is given as it is sent (./account-notifications.ts). */
  resetRequestId?: string;
};

export const notificationsManager: ProcessManager<Record<string, never>> = {
  name: 'notifications',
  eventTypes: [...NOTIFYING_EVENTS, ...STOCK_ALERTS, ...ADMIN_ONLY_EVENTS, ...SUBSCRIPTION_NOTICES, ...ACCOUNT_NOTICES],
  // A stock alert is no customer's: its "saga" is its SKU's (the state is empty either way).
  sagaId: (event) => (isStockAlert(event.type) ? `sku:${String(event.data.sku)}` : String(event.data.customerId)),
  initialState: () => ({}),
  react: (state, event) => react(state, event),
};

export const react = (state: Record<string, never>, event: RecordedEvent): Reaction<Record<string, never>> => {
  if (isStockAlert(event.type)) return { state, commands: [], jobs: [stockAlertJob(event)] };
  if ((ADMIN_ONLY_EVENTS as readonly string[]).includes(event.type)) return { state, commands: [], jobs: [adminJob(event, forAdmins(event)!)] };
  if (isSubscriptionNotice(event.type)) return { state, commands: [], jobs: [subscriptionNoticeJob(event)] };
  if (isAccountNotice(event.type)) return { state, commands: [], jobs: [accountNoticeJob(event)] };
  const message = messageFor(event);
  if (!message) return nothing(state);
  const orderId = String(event.data.orderId);
  const payload: NotificationPayload = {
    notificationId: event.id,
    type: event.type,
    customerId: String(event.data.customerId),
    orderId,
    ...message,
  };
  const jobs: Job[] = [{ id: `send-notification:${event.id}`, kind: 'send-notification', runAt: occurredAt(event), payload }];
  const admins = forAdmins(event);
  if (admins) jobs.push(adminJob(event, admins));
  return { state, commands: [], jobs };
};

const adminJob = (event: RecordedEvent, message: { subject: string; text: string }): Job => {
  const payload: AdminNotice = { noticeId: event.id, type: event.type, orderId: String(event.data.orderId), ...message };
  return { id: `notify-admins:${event.id}`, kind: 'notify-admins', runAt: occurredAt(event), payload };
};

const forAdmins = (event: RecordedEvent): { subject: string; text: string } | undefined => {
  if (event.type === 'ShipmentBookingRefused') {
    const { orderId, shipmentId, reason } = event.data as ShipmentBookingRefused['data'];
    return {
      subject: `Carrier refused shipment of order ${shortId(orderId)}`,
      text: `The carrier refused to book shipment ${shipmentId} of order ${orderId}: ${reason}. Correct the address (or hand the parcel over another way) and dispatch it again.`,
    };
  }
  if (event.type !== 'ShipmentDeliveryFailed') return undefined;
  const { orderId, shipmentId, carrierReference, reason } = event.data as ShipmentDeliveryFailed['data'];
  return {
    subject: `Delivery failed: order ${shortId(orderId)}`,
    text: `The carrier could not deliver shipment ${shipmentId} of order ${orderId} (carrier reference ${carrierReference}): ${reason}. The customer is emailed too, unless their account was erased.`,
  };
};

const messageFor = (event: RecordedEvent): { subject: string; text: string } | undefined => {
  const order = shortId(String(event.data.orderId));
  switch (event.type) {
    case 'OrderCreated': {
      const { lines, total } = event.data as OrderCreated['data'];
      const items = lines.map((line) => `  ${line.quantity} × ${line.name} (${line.sku})`).join('\n');
      return { subject: `We received your order ${order}`, text: `Thank you! Your order ${order}:\n${items}\nTotal: ${format(total)}` };
    }
    case 'PaymentFailed': {
      const { reason } = event.data as PaymentFailed['data'];
      // A payment voided by a cancellation is not news: the cancellation email says it all. An erased customer is not written to.
      if (reason === 'voided' || reason === 'customer-erased') return undefined;
      const why = reason === 'timeout' ? 'the payment provider did not answer in time' : 'the payment was declined';
      return { subject: `Payment failed for order ${order}`, text: `We could not take payment for order ${order}: ${why}.` };
    }
    case 'OrderShipped': {
      const { trackingNumber } = event.data as OrderShipped['data'];
      return { subject: `Your order ${order} has shipped`, text: `Your order ${order} is on its way. Tracking number: ${trackingNumber}.` };
    }
    case 'OrderDelivered': {
      const { lines } = event.data as OrderDelivered['data'];
      const products = [...new Map(lines.map((line) => [line.productId, line])).values()];
      const items = products.map((line) => `  ${line.name} (${line.sku})`).join('\n');
      return {
        subject: `Your order ${order} was delivered: how was it?`,
        text: `Your order ${order} has been delivered. Other shoppers would love to hear what you think; rate and review what you received:\n${items}`,
      };
    }
    case 'OrderCancelled': {
      const { cancelledBy } = event.data as OrderCancelled['data'];
      const by = cancelledBy.startsWith('admin') ? 'by our team' : 'as you asked';
      return { subject: `Order ${order} was cancelled`, text: `Your order ${order} was cancelled ${by}. Any payment will be refunded.` };
    }
    case 'ShipmentDeliveryFailed': {
      const { reason } = event.data as ShipmentDeliveryFailed['data'];
      return {
        subject: `We could not deliver your order ${order}`,
        text: `The carrier could not deliver your order ${order}: ${reason}. It will contact you to arrange another delivery; reply to this email if you need help.`,
      };
    }
    case 'PaymentRefunded': {
      const { amount } = event.data as PaymentRefunded['data'];
      return { subject: `Refund for order ${order}`, text: `We refunded ${format(amount)} for order ${order}.` };
    }
    default:
      return undefined;
  }
};

const shortId = (orderId: string) => orderId.slice(0, 8).toUpperCase();

/** Minor units to a display amount, with the currency's own number of decimals (JPY 0, USD 2, KWD 3). */
const format = (money: Money) => {
  const { style, digits } = currencyStyle(money.currency);
  return style.format(money.amount / 10 ** digits);
};

/**
 * One formatter per currency, made once: building an Intl.NumberFormat costs about a hundred
 * times what formatting with one does (it was 1.3% of the saga's busy time, one per email).
 */
const styles = new Map<string, { style: Intl.NumberFormat; digits: number }>();

const currencyStyle = (currency: string) => {
  let known = styles.get(currency);
  if (!known) {
    const style = new Intl.NumberFormat('en', { style: 'currency', currency });
    known = { style, digits: style.resolvedOptions().maximumFractionDigits ?? 2 };
    // A shop's currencies are few (its CURRENCY, and those of past orders): the map stays small.
    styles.set(currency, known);
  }
  return known;
};
