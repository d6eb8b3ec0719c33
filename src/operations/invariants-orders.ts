import type { OrderLine, OrderStatus } from '../domain/ordering/order.js';
import type { OrderView } from '../projections/orders/orders.js';
import { erasedLeaves } from '../projections/erased-fields.js';
import type { PurchaseView } from '../projections/purchases/purchases.js';
import type { ShipmentView } from '../projections/shipments/shipments.js';
import { eachOne, same, shown, viewOf, violation, type Invariant, type Snapshot, type Violation } from './invariants-snapshot.js';

/**
 * Invariants of orders and what their saga touches: shipment, stock, purchases. Those
 * that compare copies hold at every moment; those about outcomes hold once the saga is done
 * with the order (orders in flight are left out, see invariants-snapshot.ts).
 */

export const BOUGHT: readonly OrderStatus[] = ['Confirmed', 'Shipped', 'Delivered'];
export const GIVEN_UP: readonly OrderStatus[] = ['Failed', 'Cancelled'];

const orders = (s: Snapshot) => viewOf<OrderView>(s, 'orders');
const shipments = (s: Snapshot) => viewOf<ShipmentView>(s, 'shipments');

// ------------------------------------------------------------------ every moment

const orderTotal: Invariant = {
  name: 'order-total',
  rule: "An order has lines, all in its total's currency, with whole positive quantities and prices in whole minor units, and its total is their sum.",
  reads: ['orders'],
  check: (s) => {
    const found = violation('order-total');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      eachOne(out, found, order._id, () => {
        // A damaged document may have lost its lines: that is this rule's to report, not a crash of verify.
        const lines: OrderLine[] = Array.isArray(order.lines) ? order.lines : [];
        const { total } = order;
        const bad = lines.find((line) => !wellFormed(line, total.currency));
        const amount = lines.reduce((t, l) => t + l.unitPrice.amount * l.quantity, 0);
        if (lines.length === 0) out.push(found(order._id, 'the order has no lines'));
        else if (bad) out.push(found(order._id, `line ${bad.sku} is ${bad.quantity} × ${shown(bad.unitPrice)} in an order totalled in ${total.currency}`));
        else if (amount !== total.amount) out.push(found(order._id, `total ${total.amount} ${total.currency}, lines sum to ${amount}`));
      });
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
      eachOne(out, found, orderId, () => {
        const { state } = facts;
        if (state.status === 'None' || orders(s).later(orderId)) return;
        const doc = orders(s).get(orderId);
        if (!doc) {
          out.push(found(orderId, `the log has this ${state.status} order, the read model not`));
          return;
        }
        // An erased customer's order keeps no copy of the address (the log keeps it, under the invoice key).
        const shippingAddress = doc.customerErased ? erasedLeaves(state.shippingAddress) : state.shippingAddress;
        const expected = { status: state.status, revision: facts.revision, lines: state.lines, total: facts.total, shippingAddress };
        for (const [field, value] of Object.entries(expected)) {
          const actual = doc[field as keyof OrderView];
          if (!same(actual, value)) out.push(found(orderId, `${field} is ${shown(actual)}, the order stream says ${shown(value)}`));
        }
      });
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
      eachOne(out, found, order._id, () => {
        const copy = order.shipment;
        if (!copy || shipments(s).later(copy.shipmentId)) return;
        const shipment = visible(shipments(s).get(copy.shipmentId));
        if (!shipment) out.push(found(order._id, `the order shows shipment ${copy.shipmentId} (${copy.status}), the shipments read model has none`));
        else if (shipment.status !== copy.status) out.push(found(order._id, `the order shows its shipment ${copy.status}, the shipment is ${shipment.status}`));
        else if (shipment.trackingNumber !== copy.trackingNumber) {
          out.push(found(order._id, `the order shows tracking number ${shown(copy.trackingNumber)}, the shipment ${shown(shipment.trackingNumber)}`));
        }
      });
    }
    for (const shipment of shipments(s).docs()) {
      eachOne(out, found, shipment._id, () => {
        if (!visible(shipment) || orders(s).later(shipment.orderId)) return;
        const order = orders(s).get(shipment.orderId);
        if (order?.shipment?.shipmentId !== shipment.shipmentId) {
          out.push(found(shipment.orderId, `shipment ${shipment.shipmentId} (${shipment.status}) is not shown by its order`));
        }
      });
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
      eachOne(out, found, shipment._id, () => {
        const order = orders(s).get(shipment.orderId);
        if (shipment.prepared === false || !order) return;
        if (shipment.customerId !== order.customerId) out.push(found(shipment._id, `customer ${shipment.customerId}, the order's ${order.customerId}`));
        if (!same(shipment.lines, order.lines)) out.push(found(shipment._id, `lines ${shown(shipment.lines)}, the order's ${shown(order.lines)}`));
        if (!same(shipment.shippingAddress, order.shippingAddress)) {
          out.push(found(shipment._id, `ships to ${shown(shipment.shippingAddress)}, the order to ${shown(order.shippingAddress)}`));
        }
      });
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
      eachOne(out, found, orderId, () => {
        if (state.status === 'None' || s.inFlight.has(orderId) || s.handedOver.has(orderId)) return;
        const payment = s.log.payments.get(paymentId ?? '')?.state.status ?? 'None';
        if (state.status === 'Pending' || state.status === 'Paid') out.push(found(orderId, `still ${state.status} with nothing left to move it (payment ${payment})`));
        else if (['None', 'Pending', 'RefundPending'].includes(payment)) out.push(found(orderId, `${state.status}, its payment still ${payment} with nothing left to move it`));
        else if (BOUGHT.includes(state.status) && !shipmentPrepared) out.push(found(orderId, `${state.status} without a prepared shipment`));
      });
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
      eachOne(out, found, order._id, () => {
        if (s.inFlight.has(order._id)) return;
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
      });
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
      eachOne(out, found, order._id, () => {
        if (purchases.later(order._id)) return;
        const purchase = purchases.get(order._id);
        const products = [...new Set(order.lines.map((l) => l.productId))].sort();
        if (!purchase) out.push(found(order._id, 'no purchase for this order'));
        else if (!same([...purchase.productIds].sort(), products)) out.push(found(order._id, `purchase of ${shown(purchase.productIds)}, the order has ${shown(products)}`));
        else if (purchase.confirmed !== BOUGHT.includes(order.status)) out.push(found(order._id, `${order.status} order counted as ${purchase.confirmed ? '' : 'not '}bought`));
      });
    }
    return out;
  },
};

export const ORDER_INVARIANTS: readonly Invariant[] = [orderTotal, orderLog, orderShipment, shipmentOrder, orderSettles, orderStock, purchaseOrder];
