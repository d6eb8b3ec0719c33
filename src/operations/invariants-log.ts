import { cartDecider, type Cart, type CartEvent } from '../domain/cart/cart.js';
import { inventoryDecider, type Inventory, type InventoryEvent, type ReservationStatus } from '../domain/inventory/inventory.js';
import { orderDecider, type Order, type OrderEvent } from '../domain/ordering/order.js';
import { paymentDecider, type Payment, type PaymentEvent } from '../domain/payment/payment.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { Money } from '../domain/shared/types.js';
import type { EventStore, RecordedEvent } from '../infrastructure/event-store/event-store.js';

/**
 * What the log says, up to a position, folded by the domain's own deciders (not by the
 * projections under test): the truth the invariants hold the read models to.
 */

export type OrderFacts = {
  state: Order;
  /** Revision of the order stream. */
  revision: number;
  total: Money | null;
  paymentId: string | null;
  shipmentPrepared: boolean;
};

export type PaymentFacts = {
  state: Payment;
  /** Money taken: PaymentProcessed and PaymentCapturedLate. */
  captures: Money[];
  refunds: Money[];
};

export type StockFacts = {
  state: Inventory;
  /** Revision of the inventory stream. */
  revision: number;
  /** What became of each order's reservation of this SKU (the last word of the inventory). */
  orders: Map<string, { status: ReservationStatus; quantity: number }>;
};

export type LogFacts = {
  orders: Map<string, OrderFacts>;
  payments: Map<string, PaymentFacts>;
  /** By SKU. */
  stock: Map<string, StockFacts>;
  /** By customer id (one cart stream per customer). */
  carts: Map<string, Cart>;
};

export const emptyFacts = (): LogFacts => ({ orders: new Map(), payments: new Map(), stock: new Map(), carts: new Map() });

const category = (streamName: string) => streamName.slice(0, streamName.indexOf('-'));

const ensure = <K, V>(map: Map<K, V>, key: K, create: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
};

/** Folds one (upcast) event into the facts. */
export const foldFacts = (facts: LogFacts, event: RecordedEvent): void => {
  const data = event.data;
  switch (category(event.streamName)) {
    case 'order':
      return foldOrder(facts, event);
    case 'payment': {
      const payment = ensure(facts.payments, String(data.paymentId), () => ({ state: paymentDecider.initialState(), captures: [], refunds: [] }));
      payment.state = paymentDecider.evolve(payment.state, event as unknown as PaymentEvent);
      if (event.type === 'PaymentProcessed' || event.type === 'PaymentCapturedLate') payment.captures.push(data.amount as Money);
      if (event.type === 'PaymentRefunded') payment.refunds.push(data.amount as Money);
      return;
    }
    case 'inventory':
      return foldStock(facts, event);
    case 'shipment':
      if (event.type === 'ShipmentPrepared') {
        const order = facts.orders.get(String(data.orderId));
        if (order) order.shipmentPrepared = true;
      }
      return;
    case 'cart': {
      const customerId = String(data.customerId);
      facts.carts.set(customerId, cartDecider.evolve(facts.carts.get(customerId) ?? cartDecider.initialState(), event as unknown as CartEvent));
      return;
    }
    case 'customer':
      // An erased customer's cart is gone from the read model (emptied, as the carts projection does): not a divergence.
      if (event.type === 'CustomerErased') facts.carts.delete(String(data.customerId));
      return;
    default:
      return;
  }
};

const foldOrder = (facts: LogFacts, event: RecordedEvent) => {
  const order = ensure(facts.orders, String(event.data.orderId), () => ({
    state: orderDecider.initialState(), revision: -1, total: null, paymentId: null, shipmentPrepared: false,
  }));
  order.state = orderDecider.evolve(order.state, event as unknown as OrderEvent);
  order.revision = event.revision;
  if (event.type === 'OrderCreated') {
    order.total = event.data.total as Money;
    order.paymentId = String(event.data.paymentId);
  }
};

const foldStock = (facts: LogFacts, event: RecordedEvent) => {
  const stock = ensure(facts.stock, String(event.data.sku), () => ({ state: inventoryDecider.initialState(), revision: -1, orders: new Map() }));
  stock.state = inventoryDecider.evolve(stock.state, event as unknown as InventoryEvent);
  stock.revision = event.revision;
  const { orderId } = event.data;
  if (orderId === undefined) return;
  const quantity = Number(event.type === 'StockReservationFailed' ? event.data.requested : event.data.quantity);
  const status = RESERVATION_OF[event.type];
  if (status) stock.orders.set(String(orderId), { status, quantity });
};

const RESERVATION_OF: Readonly<Record<string, ReservationStatus>> = {
  StockReserved: 'reserved',
  StockReservationFailed: 'failed',
  StockReleased: 'released',
  StockDispatched: 'dispatched',
};

/** Pages through the log from just after `after` up to `until` (both positions), upcast. */
export async function* readLog(eventStore: EventStore, schema: EventSchema, after: number, until: number, pageSize = 1000) {
  let position = after;
  while (position < until) {
    const page = (await eventStore.readAll({ fromPosition: position, maxCount: pageSize })).filter((e) => e.position > position);
    if (page.length === 0) return;
    for (const event of page) {
      if (event.position > until) return;
      yield schema.upcast(event);
    }
    position = page[page.length - 1]!.position;
  }
}
