import type { OrderLine, OrderStatus } from '../domain/ordering/order.js';
import type { Payment } from '../domain/payment/payment.js';
import type { Money } from '../domain/shared/types.js';
import type { OrderView } from '../projections/orders/orders.js';
import type { PaymentView } from '../projections/payments/payments.js';
import type { PurchaseView } from '../projections/purchases/purchases.js';
import type { ShipmentView } from '../projections/shipments/shipments.js';
import { same, shown, viewOf, type Invariant, type Snapshot, type Violation } from './invariants-snapshot.js';

/**
 * Invariants of orders and what their saga touches: payment, shipment, purchases. Those
 * that compare copies hold at every moment; those about outcomes hold once the saga is done
 * with the order (orders in flight are left out, see invariants-snapshot.ts).
 */

const BOUGHT: readonly OrderStatus[] = ['Confirmed', 'Shipped', 'Delivered'];
const GIVEN_UP: readonly OrderStatus[] = ['Failed', 'Cancelled'];

const orders = (s: Snapshot) => viewOf<OrderView>(s, 'orders');
const payments = (s: Snapshot) => viewOf<PaymentView>(s, 'payments');
const shipments = (s: Snapshot) => viewOf<ShipmentView>(s, 'shipments');

const violation = (invariant: string) => (id: string, detail: string): Violation => ({ invariant, id, detail });

const sum = (amounts: readonly Money[]) => amounts.reduce((total, m) => total + m.amount, 0);

// ------------------------------------------------------------------ every moment

const orderTotal: Invariant = {
  name: 'order-total',
  rule: "An order has lines, all in its total's currency, with whole positive quantities and prices in whole minor units, and its total is their sum.",
  reads: ['orders'],
  check: (s) => {
    const found = violation('order-total');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      const { lines, total } = order;
      const bad = lines.find((line) => !wellFormed(line, total.currency));
      const amount = lines.reduce((t, l) => t + l.unitPrice.amount * l.quantity, 0);
      if (lines.length === 0) out.push(found(order._id, 'the order has no lines'));
      else if (bad) out.push(found(order._id, `line ${bad.sku} is ${bad.quantity} × ${shown(bad.unitPrice)} in an order totalled in ${total.currency}`));
      else if (amount !== total.amount) out.push(found(order._id, `total ${total.amount} ${total.currency}, lines sum to ${amount}`));
    }
    return out;
  },
};

const wellFormed = ({ quantity, unitPrice }: OrderLine, currency: string) =>
  Number.isSafeInteger(quantity) && quantity > 0 && Number.isSafeInteger(unitPrice.amount) && unitPrice.amount >= 0 && unitPrice.currency === currency;

const orderLog: Invariant = {
  name: 'order-log',
  rule: "Every order of the log is in the orders read model (and no other), with the status, revision, lines, total and shipping address of its stream.",
  reads: ['orders'],
  check: (s) => {
    const found = violation('order-log');
    const out: Violation[] = [];
    for (const [orderId, facts] of s.log.orders) {
      const { state } = facts;
      if (state.status === 'None' || orders(s).later(orderId)) continue;
      const doc = orders(s).get(orderId);
      if (!doc) {
        out.push(found(orderId, `the log has this ${state.status} order, the read model not`));
        continue;
      }
      const expected = { status: state.status, revision: facts.revision, lines: state.lines, total: facts.total, shippingAddress: state.shippingAddress };
      for (const [field, value] of Object.entries(expected)) {
        const actual = doc[field as keyof OrderView];
        if (!same(actual, value)) out.push(found(orderId, `${field} is ${shown(actual)}, the order stream says ${shown(value)}`));
      }
    }
    for (const doc of orders(s).docs()) if (!s.log.orders.has(doc._id)) out.push(found(doc._id, 'the read model has an order the log does not'));
    return out;
  },
};

const orderShipment: Invariant = {
  name: 'order-shipment',
  rule: "An order shows the shipment the shipments read model has for it, with the same status and tracking number; a shipment there is shown by its order.",
  reads: ['orders', 'shipments'],
  check: (s) => {
    const found = violation('order-shipment');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      const copy = order.shipment;
      if (!copy || shipments(s).later(copy.shipmentId)) continue;
      const shipment = visible(shipments(s).get(copy.shipmentId));
      if (!shipment) out.push(found(order._id, `the order shows shipment ${copy.shipmentId} (${copy.status}), the shipments read model has none`));
      else if (shipment.status !== copy.status) out.push(found(order._id, `the order shows its shipment ${copy.status}, the shipment is ${shipment.status}`));
      else if (shipment.trackingNumber !== copy.trackingNumber) {
        out.push(found(order._id, `the order shows tracking number ${shown(copy.trackingNumber)}, the shipment ${shown(shipment.trackingNumber)}`));
      }
    }
    for (const shipment of shipments(s).docs()) {
      if (!visible(shipment) || orders(s).later(shipment.orderId)) continue;
      const order = orders(s).get(shipment.orderId);
      if (order?.shipment?.shipmentId !== shipment.shipmentId) {
        out.push(found(shipment.orderId, `shipment ${shipment.shipmentId} (${shipment.status}) is not shown by its order`));
      }
    }
    return out;
  },
};

/** What the warehouse sees (see shipments.ts: a shipment not prepared yet is kept hidden unless cancelled). */
const visible = (shipment: ShipmentView | undefined) => (shipment && (shipment.prepared !== false || shipment.status === 'Cancelled') ? shipment : undefined);

const shipmentOrder: Invariant = {
  name: 'shipment-order',
  rule: "A prepared shipment carries its order's customer and lines and ships to the order's current address.",
  reads: ['orders', 'shipments'],
  check: (s) => {
    const found = violation('shipment-order');
    const out: Violation[] = [];
    for (const shipment of shipments(s).docs()) {
      const order = orders(s).get(shipment.orderId);
      if (shipment.prepared === false || !order) continue;
      if (shipment.customerId !== order.customerId) out.push(found(shipment._id, `customer ${shipment.customerId}, the order's ${order.customerId}`));
      if (!same(shipment.lines, order.lines)) out.push(found(shipment._id, `lines ${shown(shipment.lines)}, the order's ${shown(order.lines)}`));
      if (!same(shipment.shippingAddress, order.shippingAddress)) {
        out.push(found(shipment._id, `ships to ${shown(shipment.shippingAddress)}, the order to ${shown(order.shippingAddress)}`));
      }
    }
    return out;
  },
};

const orderPayment: Invariant = {
  name: 'order-payment',
  rule: "An order's payment is in the payments read model, for that order, with the status the order shows and the order's total as its amount.",
  reads: ['orders', 'payments'],
  check: (s) => {
    const found = violation('order-payment');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      const { paymentId, status } = order.payment;
      if (payments(s).later(paymentId)) continue;
      const payment = payments(s).get(paymentId);
      if (!payment) {
        if (!s.inFlight.has(order._id)) out.push(found(order._id, `payment ${paymentId} is not in the payments read model`));
      } else if (payment.orderId !== order._id) out.push(found(order._id, `payment ${paymentId} belongs to order ${payment.orderId}`));
      else if (payment.status !== status) out.push(found(order._id, `the order shows its payment ${status}, the payment is ${payment.status}`));
      else if (!same(payment.amount, order.total)) out.push(found(order._id, `payment of ${shown(payment.amount)} for a total of ${shown(order.total)}`));
    }
    return out;
  },
};

// ------------------------------------------------------------------ money

/** The payments read model's status for a payment in each state of its stream. */
const viewStatus = (state: Exclude<Payment, { status: 'None' }>) => {
  if (state.status !== 'RefundPending') return state.status;
  return state.failureReason ? 'Failed' : 'Captured'; // a refund asked for a capture, or for money captured after the payment failed
};

const paymentLog: Invariant = {
  name: 'payment-log',
  rule: "Every payment of the log is in the payments read model with its stream's order, amount and status, refunded exactly when the stream says so.",
  reads: ['payments'],
  check: (s) => {
    const found = violation('payment-log');
    const out: Violation[] = [];
    for (const [paymentId, { state }] of s.log.payments) {
      if (state.status === 'None' || payments(s).later(paymentId)) continue;
      const doc = payments(s).get(paymentId);
      if (!doc) {
        out.push(found(paymentId, `the log has this ${state.status} payment, the read model not`));
        continue;
      }
      const expected = { orderId: state.orderId, amount: state.amount, status: viewStatus(state), refunded: state.status === 'Refunded', refundPending: state.status === 'RefundPending' };
      for (const [field, value] of Object.entries(expected)) {
        const actual = doc[field as keyof PaymentView];
        if (!same(actual, value)) out.push(found(paymentId, `${field} is ${shown(actual)}, the payment stream says ${shown(value)}`));
      }
    }
    return out;
  },
};

const paymentMoney: Invariant = {
  name: 'payment-money',
  rule: 'A payment takes money at most once, and its amount exactly; it gives money back at most once, never more than it took, in the same currency.',
  reads: ['payments'],
  check: (s) => {
    const found = violation('payment-money');
    const out: Violation[] = [];
    for (const [paymentId, { state, captures, refunds }] of s.log.payments) {
      if (state.status === 'None') continue;
      const currencies = new Set([state.amount.currency, ...captures.map((m) => m.currency), ...refunds.map((m) => m.currency)]);
      if (captures.length > 1) out.push(found(paymentId, `captured ${captures.length} times`));
      if (refunds.length > 1) out.push(found(paymentId, `refunded ${refunds.length} times`));
      if (currencies.size > 1) out.push(found(paymentId, `moves money in ${[...currencies].join(' and ')}`));
      if (captures.some((m) => m.amount !== state.amount.amount)) out.push(found(paymentId, `captured ${sum(captures)} of a payment of ${state.amount.amount}`));
      if (sum(refunds) > sum(captures)) out.push(found(paymentId, `refunded ${sum(refunds)}, captured ${sum(captures)}`));
    }
    return out;
  },
};

// ------------------------------------------------------------------ once the saga is done

const orderSettles: Invariant = {
  name: 'order-settles',
  rule: 'Once its saga is done, an order is Confirmed (with its shipment prepared), Shipped, Delivered, Failed or Cancelled, and its payment is neither pending nor waiting for a refund.',
  reads: ['orders'],
  check: (s) => {
    const found = violation('order-settles');
    const out: Violation[] = [];
    for (const [orderId, { state, paymentId, shipmentPrepared }] of s.log.orders) {
      if (state.status === 'None' || s.inFlight.has(orderId)) continue;
      const payment = s.log.payments.get(paymentId ?? '')?.state.status ?? 'None';
      if (state.status === 'Pending' || state.status === 'Paid') out.push(found(orderId, `still ${state.status} with nothing left to move it (payment ${payment})`));
      else if (['None', 'Pending', 'RefundPending'].includes(payment)) out.push(found(orderId, `${state.status}, its payment still ${payment} with nothing left to move it`));
      else if (BOUGHT.includes(state.status) && !shipmentPrepared) out.push(found(orderId, `${state.status} without a prepared shipment`));
    }
    return out;
  },
};

const orderPaymentOutcome: Invariant = {
  name: 'order-payment-outcome',
  rule: 'Once its saga is done, a Confirmed, Shipped or Delivered order has its payment Captured and not refunded; a Failed or Cancelled one has its payment Failed or Refunded, and every capture of it refunded.',
  reads: ['orders', 'payments'],
  check: (s) => {
    const found = violation('order-payment-outcome');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      const payment = payments(s).get(order.payment.paymentId);
      if (!payment || s.inFlight.has(order._id)) continue;
      const money = s.log.payments.get(payment.paymentId);
      const kept = sum(money?.captures ?? []) - sum(money?.refunds ?? []);
      if (BOUGHT.includes(order.status) && (payment.status !== 'Captured' || payment.refunded || payment.refundPending)) {
        out.push(found(order._id, `${order.status}, its payment ${payment.status}${payment.refundPending ? ' with a refund pending' : ''}`));
      } else if (GIVEN_UP.includes(order.status) && (!['Failed', 'Refunded'].includes(payment.status) || kept > 0)) {
        out.push(found(order._id, `${order.status}, its payment ${payment.status}, ${kept} ${payment.amount.currency} minor units kept`));
      }
    }
    return out;
  },
};

const orderStock: Invariant = {
  name: 'order-stock',
  rule: 'Once its saga is done, a Confirmed order holds a reservation of each line\'s quantity, a Shipped or Delivered one has dispatched each line, a Failed or Cancelled one holds and dispatched nothing; no order touches a SKU it has no line of.',
  reads: ['orders'],
  check: (s) => {
    const found = violation('order-stock');
    const out: Violation[] = [];
    const touched = skusByOrder(s);
    for (const order of orders(s).docs()) {
      if (s.inFlight.has(order._id)) continue;
      const wanted = BOUGHT.includes(order.status) ? (order.status === 'Confirmed' ? 'reserved' : 'dispatched') : undefined;
      for (const line of order.lines) {
        const r = s.log.stock.get(line.sku)?.orders.get(order._id);
        const held = r?.status === 'reserved' || r?.status === 'dispatched';
        if (wanted && (r?.status !== wanted || r.quantity !== line.quantity)) {
          out.push(found(order._id, `${order.status}: ${line.sku} ${r ? `${r.status} ${r.quantity}` : 'never reserved'}, the line has ${line.quantity}`));
        } else if (GIVEN_UP.includes(order.status) && held) out.push(found(order._id, `${order.status}: ${line.sku} still ${r.status} (${r.quantity})`));
      }
      const extra = [...(touched.get(order._id) ?? [])].filter((sku) => !order.lines.some((l) => l.sku === sku));
      if (extra.length > 0 && (wanted || GIVEN_UP.includes(order.status))) out.push(found(order._id, `stock of ${extra.join(', ')} moved for it, not in its lines`));
    }
    return out;
  },
};

const skusByOrder = (s: Snapshot) => {
  const skus = new Map<string, Set<string>>();
  for (const [sku, stock] of s.log.stock) {
    for (const orderId of stock.orders.keys()) {
      const set = skus.get(orderId) ?? new Set<string>();
      skus.set(orderId, set.add(sku));
    }
  }
  return skus;
};

const purchaseOrder: Invariant = {
  name: 'purchase-order',
  rule: 'Every order has a purchase (what recommendations count) with its products, counted as bought exactly while the order is Confirmed, Shipped or Delivered.',
  reads: ['orders', 'purchases'],
  check: (s) => {
    const found = violation('purchase-order');
    const purchases = viewOf<PurchaseView>(s, 'purchases');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      if (purchases.later(order._id)) continue;
      const purchase = purchases.get(order._id);
      const products = [...new Set(order.lines.map((l) => l.productId))].sort();
      if (!purchase) out.push(found(order._id, 'no purchase for this order'));
      else if (!same([...purchase.productIds].sort(), products)) out.push(found(order._id, `purchase of ${shown(purchase.productIds)}, the order has ${shown(products)}`));
      else if (purchase.confirmed !== BOUGHT.includes(order.status)) out.push(found(order._id, `${order.status} order counted as ${purchase.confirmed ? '' : 'not '}bought`));
    }
    return out;
  },
};

export const ORDER_INVARIANTS: readonly Invariant[] = [
  orderTotal, orderLog, orderShipment, shipmentOrder, orderPayment, paymentLog, paymentMoney,
  orderSettles, orderPaymentOutcome, orderStock, purchaseOrder,
];
