import type { OrderCancelled, OrderEvent, OrderLine, OrderStatus, ShippingAddress } from '../../domain/ordering/order.js';
import type { PaymentEvent } from '../../domain/payment/payment.js';
import type { Money } from '../../domain/shared/types.js';
import type { ShipmentPrepared } from '../../domain/shipping/shipment.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, Filter, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import { CUSTOMER_ERASED, customersDocuments, erasedLeaves, INVOICES_EXPIRED } from '../erased-fields.js';
import type { Projection } from '../projection.js';
import type { ShipmentView } from '../shipments/shipments.js';

/**
 * An order as its owner and the back office see it, with payment, shipment and status history.
 * `payment` and `shipment` copy the payments and shipments read models: every event that
 * changes the status there changes it here, folded the same way (see operations/invariants).
 */
export type OrderView = Document & {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  shippingAddress: ShippingAddress;
  payment: { paymentId: string; status: 'Pending' | 'Captured' | 'Failed' | 'Refunded' };
  shipment: { shipmentId: string; status: ShipmentView['status']; trackingNumber: string | null } | null;
  failureReason: string | null;
  history: Array<{ status: OrderStatus; at: string }>;
  /** Revision of the order stream: the ETag of the order. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Set when the customer was erased: the order stays, with its amounts, lines and statuses, as a former customer's. */
  customerErased?: true;
};

type Handled = OrderEvent | PaymentEvent | ShipmentPrepared;

const STATUS_OF: Partial<Record<OrderEvent['type'], OrderStatus>> = {
  OrderPaid: 'Paid',
  OrderConfirmed: 'Confirmed',
  OrderShipped: 'Shipped',
  OrderDelivered: 'Delivered',
  OrderFailed: 'Failed',
  OrderCancelled: 'Cancelled',
};

const evolve = (current: OrderView | null, recorded: RecordedEvent): OrderView | null => {
  const event = recorded as unknown as Handled;
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  // Not the order's own events: neither its revision nor its updatedAt move.
  // An erased customer's orders keep no copy of the address: the invoice is read from the log
  // (the audit) under the invoice key until its retention ends; the read model holds none meanwhile.
  if (recorded.type === CUSTOMER_ERASED) return current && { ...current, customerErased: true, shippingAddress: erasedLeaves(current.shippingAddress) };
  // The invoice key is gone: the log itself now reads the address as erased.
  if (recorded.type === INVOICES_EXPIRED) return current && { ...current, shippingAddress: erasedLeaves(current.shippingAddress) };
  if (event.type === 'OrderCreated') {
    const { orderId, customerId, paymentId, lines, total, shippingAddress, createdAt } = event.data;
    return {
      _id: orderId, orderId, customerId, status: 'Pending', lines, total, shippingAddress,
      payment: { paymentId, status: 'Pending' }, shipment: null, failureReason: null,
      history: [{ status: 'Pending', at: createdAt }], revision: recorded.revision, createdAt, updatedAt: createdAt,
    };
  }
  if (!current) return null;
  const doc = { ...current, updatedAt: at };
  switch (event.type) {
    case 'PaymentProcessed':
      return { ...doc, payment: { ...doc.payment, status: 'Captured' } };
    case 'PaymentFailed':
      return { ...doc, payment: { ...doc.payment, status: 'Failed' } };
    case 'PaymentRefunded':
      return { ...doc, payment: { ...doc.payment, status: 'Refunded' } };
    case 'ShipmentPrepared': {
      // Prepared after the order was cancelled (the saga had confirmed it first): cancelled all the same.
      const status = doc.shipment?.status === 'Cancelled' ? 'Cancelled' : 'Preparing';
      return { ...doc, shipment: { shipmentId: event.data.shipmentId, status, trackingNumber: null } };
    }
    case 'OrderAmended':
      return { ...doc, shippingAddress: event.data.shippingAddress, revision: recorded.revision };
    // Placed in the moment of its customer's erasure (after CustomerErased scrubbed the others): scrubbed the same.
    case 'OrderCustomerErased':
      return { ...doc, customerErased: true, shippingAddress: erasedLeaves(doc.shippingAddress), revision: recorded.revision };
    case 'OrderShipped':
    case 'OrderDelivered': {
      const shipment = event.type === 'OrderShipped'
        ? { shipmentId: event.data.shipmentId, status: 'Shipped' as const, trackingNumber: event.data.trackingNumber }
        : { ...doc.shipment!, status: 'Delivered' as const };
      return withStatus({ ...doc, shipment }, event.type, at, recorded.revision);
    }
    case 'OrderFailed':
      return withStatus({ ...doc, failureReason: event.data.reason }, event.type, at, recorded.revision);
    case 'OrderCancelled':
      return withStatus({ ...doc, shipment: cancelledShipment(doc, event.data) }, event.type, at, recorded.revision);
    case 'OrderPaid':
    case 'OrderConfirmed':
      return withStatus(doc, event.type, at, recorded.revision);
    default:
      return doc;
  }
};

const withStatus = (doc: OrderView, type: OrderEvent['type'], at: string, revision: number): OrderView => {
  const status = STATUS_OF[type]!;
  return { ...doc, status, history: [...doc.history, { status, at }], revision };
};

/**
 * A confirmed order has a shipment on its way to being prepared, prepared or not yet: the
 * cancellation cancels it, as the shipments read model shows. An order cancelled earlier has none.
 */
const cancelledShipment = (doc: OrderView, cancelled: OrderCancelled['data']): OrderView['shipment'] => {
  if (!doc.shipment && cancelled.previousStatus !== 'Confirmed') return doc.shipment;
  return { shipmentId: cancelled.shipmentId, status: 'Cancelled', trackingNumber: doc.shipment?.trackingNumber ?? null };
};

const EVENT_TYPES: Handled['type'][] = [
  'OrderCreated', 'OrderPaid', 'OrderConfirmed', 'OrderShipped', 'OrderDelivered', 'OrderFailed', 'OrderCancelled', 'OrderAmended', 'OrderCustomerErased',
  'PaymentProcessed', 'PaymentFailed', 'PaymentRefunded', 'ShipmentPrepared',
];

export const ordersProjection: Projection<OrderView> = {
  name: 'orders',
  collection: 'orders',
  eventTypes: [...EVENT_TYPES, CUSTOMER_ERASED, INVOICES_EXPIRED],
  documentIds: (event) => (event.type === CUSTOMER_ERASED || event.type === INVOICES_EXPIRED ? [] : [String(event.data.orderId)]),
  documentsWhere: customersDocuments(CUSTOMER_ERASED, INVOICES_EXPIRED),
  evolve,
  indexes: [{ keys: { customerId: 1 } }, { keys: { status: 1 } }],
  version: 2, // 2: a cancellation cancels the order's shipment
};

// ------------------------------------------------------------------ queries

export const toOrder = (doc: OrderView) => ({
  orderId: doc.orderId,
  customerId: doc.customerId,
  status: doc.status,
  lines: doc.lines,
  total: doc.total,
  shippingAddress: doc.shippingAddress,
  payment: doc.payment,
  shipment: doc.shipment,
  failureReason: doc.failureReason,
  history: doc.history,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
  ...(doc.customerErased ? { formerCustomer: true } : {}),
});

/** An order, only for its owner or an admin: anybody else is told it does not exist. */
export const getOrder = async (orders: ReadModelCollection<OrderView>, orderId: string, viewer: { customerId: string; admin: boolean }) => {
  const doc = await orders.findOne({ _id: orderId });
  if (!doc || (!viewer.admin && doc.customerId !== viewer.customerId)) return undefined;
  return { order: toOrder(doc), revision: doc.revision };
};

export const listOrders = async (
  orders: ReadModelCollection<OrderView>,
  query: { customerId?: string; status?: OrderStatus; page: number; pageSize: number },
) => {
  const filter: Filter = {};
  if (query.customerId) filter.customerId = query.customerId;
  if (query.status) filter.status = query.status;
  return paged(orders, filter, { createdAt: -1 }, query, toOrder);
};
