import type { CartCommand } from '../domain/cart/cart.js';
import type {
  OrderCancelled,
  OrderCreated,
  OrderLine,
  OrderShipped,
  ShippingAddress,
} from '../domain/ordering/order.js';
import type {
  PaymentFailed,
  PaymentProcessed,
  PaymentRefundRequested,
  PaymentRequested,
} from '../domain/payment/payment.js';
import type { StockReleased, StockReservationFailed, StockReserved } from '../domain/inventory/inventory.js';
import type { ShipmentBookingRequested } from '../domain/shipping/shipment.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { nothing, occurredAt, type Job, type ProcessManager, type Reaction, type SagaCommand } from './process-manager.js';

/**
 * The order saga (seed 003): OrderCreated → payment → stock reservation of every line
 * (all or none) → shipment; refunds and releases as compensation; cancellation before
 * shipping. One saga per order, keyed by order id.
 */

export type ReservationOutcome = 'reserved' | 'failed' | 'released' | 'dispatched';

export type OrderSagaState = {
  phase: 'New' | 'AwaitingPayment' | 'Reserving' | 'Confirmed' | 'Compensating' | 'Shipped' | 'Failed' | 'Cancelled' | 'Delivered';
  orderId: string;
  customerId: string;
  paymentId: string;
  shipmentId: string;
  lines: OrderLine[];
  shippingAddress: ShippingAddress | null;
  payment: 'none' | 'pending' | 'captured' | 'failed' | 'refund-requested' | 'refunded';
  reservations: Record<string, ReservationOutcome>;
  /**
   * The payment's jobs (charge, expiry) were scheduled with the payment request, on
   * OrderCreated. Absent from sagas that an earlier version created, which schedule them on
   * PaymentRequested, as that version did.
   */
  paymentJobs?: boolean;
};

export const ORDER_SAGA_EVENTS = [
  'OrderCreated',
  'PaymentRequested',
  'PaymentProcessed',
  'PaymentFailed',
  'PaymentRefundRequested',
  'PaymentRefunded',
  'StockReserved',
  'StockReservationFailed',
  'StockReleased',
  'StockDispatched',
  'OrderConfirmed',
  'OrderAmended',
  'OrderCancelled',
  'OrderShipped',
  'OrderDelivered',
  'OrderFailed',
  'ShipmentBookingRequested',
  'ShipmentDelivered',
] as const;

export const initialState = (): OrderSagaState => ({
  phase: 'New',
  orderId: '',
  customerId: '',
  paymentId: '',
  shipmentId: '',
  lines: [],
  shippingAddress: null,
  payment: 'none',
  reservations: {},
});

type Saga = OrderSagaState;

/** `carrierTimeoutMs`: how long a dispatch waits for the carrier itself before the booking job takes over (CARRIER_TIMEOUT_MS). */
export const orderSaga = (paymentTimeoutMs: number, carrierTimeoutMs = 5000): ProcessManager<Saga> => ({
  name: 'order-saga',
  eventTypes: ORDER_SAGA_EVENTS,
  sagaId: (event) => String(event.data.orderId),
  initialState,
  // Every hop of an order from checkout to Confirmed is one of its reactions.
  critical: true,
  react: (state, event) => react(state, event, paymentTimeoutMs, carrierTimeoutMs),
});

export const react = (saga: Saga, event: RecordedEvent, paymentTimeoutMs: number, carrierTimeoutMs = 5000): Reaction<Saga> => {
  const reaction = reactTo(saga, event, paymentTimeoutMs, carrierTimeoutMs);
  // The address is needed to prepare the shipment, and to prepare it again (a redelivered
  // OrderConfirmed); once the order has left, or will never leave, the saga keeps no copy of it.
  return ADDRESS_DONE.has(event.type) && reaction.state.shippingAddress ? { ...reaction, state: { ...reaction.state, shippingAddress: null } } : reaction;
};

const ADDRESS_DONE = new Set(['OrderShipped', 'OrderDelivered', 'OrderFailed', 'OrderCancelled']);

const reactTo = (saga: Saga, event: RecordedEvent, paymentTimeoutMs: number, carrierTimeoutMs: number): Reaction<Saga> => {
  const now = occurredAt(event);
  const data = event.data as never;
  switch (event.type) {
    case 'OrderCreated':
      return created(saga, data as OrderCreated['data'], now, paymentTimeoutMs);
    case 'PaymentRequested':
      return paymentRequested(saga, data as PaymentRequested['data'], now);
    case 'PaymentProcessed':
      return paymentProcessed(saga, data as PaymentProcessed['data'], now);
    case 'PaymentFailed':
      return paymentFailed(saga, data as PaymentFailed['data'], now);
    case 'PaymentRefundRequested':
      return refundRequested(saga, data as PaymentRefundRequested['data'], now);
    case 'PaymentRefunded':
      return refunded(saga, now);
    case 'StockReserved':
      return stockReserved(saga, data as StockReserved['data'], now);
    case 'StockReservationFailed':
      return reservationFailed(saga, data as StockReservationFailed['data'], now);
    case 'StockReleased':
      return reservation(saga, (data as StockReleased['data']).sku, 'released');
    case 'StockDispatched':
      return reservation(saga, (data as StockReleased['data']).sku, 'dispatched');
    case 'OrderConfirmed':
      return confirmed(saga, now);
    case 'OrderAmended':
      return nothing({ ...saga, shippingAddress: (event.data as { shippingAddress: ShippingAddress }).shippingAddress });
    case 'OrderCancelled':
      return cancelled(saga, data as OrderCancelled['data'], now);
    case 'OrderShipped':
      return shipped(saga, data as OrderShipped['data'], now);
    case 'OrderDelivered':
      return nothing({ ...saga, phase: 'Delivered' });
    case 'OrderFailed':
      return nothing({ ...saga, phase: 'Failed' });
    case 'ShipmentBookingRequested':
      return bookingRequested(saga, data as ShipmentBookingRequested['data'], now, carrierTimeoutMs);
    case 'ShipmentDelivered':
      return carrierDelivered(saga, now);
    default:
      return nothing(saga);
  }
};

// ------------------------------------------------------------------ steps

const created = (saga: Saga, data: OrderCreated['data'], now: string, timeoutMs: number): Reaction<Saga> => {
  if (saga.phase !== 'New') return nothing(saga);
  const { orderId, customerId, paymentId, shipmentId, lines, shippingAddress, total, paymentMethod } = data;
  const expiresAt = new Date(Date.parse(now) + timeoutMs).toISOString();
  const next: Saga = { ...saga, phase: 'AwaitingPayment', orderId, customerId, paymentId, shipmentId, lines, shippingAddress, payment: 'pending', paymentJobs: true };
  const checkout: CartCommand = { type: 'CheckOutCart', customerId, orderId, ensure: true, lines, ...(data.cartCheckouts !== undefined ? { checkoutsBefore: data.cartCheckouts } : {}), now };
  const payment: SagaCommand = { aggregate: 'payment', id: paymentId, command: { type: 'RequestPayment', paymentId, orderId, customerId, amount: total, token: paymentMethod.token, expiresAt, now } };
  // A subscription's renewal comes from no cart: the customer's cart is left as it is.
  const cart: SagaCommand[] = data.subscription ? [] : [{ aggregate: 'cart', id: customerId, command: checkout }];
  // The provider is called by a job, and a timer fails the payment if it never answers. Both are
  // scheduled with the request: the runner writes them only once the request is in the log, so
  // the charge need not wait for PaymentRequested to come round (one hop less on the way to
  // Confirmed). A charge job that finds no pending payment (voided meanwhile) does nothing.
  const jobs = [job('charge-payment', paymentId, now), job('expire-payment', paymentId, expiresAt)];
  return { state: next, commands: [payment, ...cart], jobs };
};

const paymentRequested = (saga: Saga, data: PaymentRequested['data'], now: string): Reaction<Saga> => {
  // Cancelled before the payment was even requested: void it rather than charge and refund.
  if (saga.phase === 'Cancelled') {
    return { state: saga, commands: [{ aggregate: 'payment', id: data.paymentId, command: { type: 'VoidPayment', now } }], jobs: [] };
  }
  // A saga that an earlier version created: its jobs are scheduled now, as that version did.
  if (saga.paymentJobs) return nothing(saga);
  return { state: saga, commands: [], jobs: [job('charge-payment', data.paymentId, now), job('expire-payment', data.paymentId, data.expiresAt)] };
};

/** A settled payment (captured, or failed) has nothing left to expire: its timer is taken out of the queue. */
const expiry = (paymentId: string) => [`expire-payment:${paymentId}`];

const paymentProcessed = (saga: Saga, data: PaymentProcessed['data'], now: string): Reaction<Saga> => {
  if (saga.payment !== 'pending') return nothing(saga);
  const next: Saga = { ...saga, payment: 'captured' };
  const cancelled = expiry(data.paymentId);
  // Paid for an order that is already over (cancelled while the provider was busy): give it back.
  if (saga.phase === 'Cancelled') return { state: next, commands: [refund(saga, 'cancelled', now)], jobs: [], cancelled };
  const reserve: SagaCommand[] = saga.lines.map((line) => ({
    aggregate: 'inventory',
    id: line.sku,
    command: { type: 'ReserveStock', orderId: saga.orderId, quantity: line.quantity, now },
  }));
  return {
    state: { ...next, phase: 'Reserving' },
    commands: [{ aggregate: 'order', id: saga.orderId, command: { type: 'MarkOrderPaid', paymentId: data.paymentId, now } }, ...reserve],
    jobs: [],
    cancelled,
  };
};

const paymentFailed = (saga: Saga, data: PaymentFailed['data'], now: string): Reaction<Saga> => {
  const next: Saga = { ...saga, payment: 'failed' };
  // Failed without the provider's answer (its deadline, a void): a charge it took all the same,
  // whose answer a crash kept from being recorded, is found at once and refunded.
  const jobs = data.reason === 'timeout' || data.reason === 'voided' || data.reason === 'customer-erased' ? [job('reconcile-payment', data.paymentId, now)] : [];
  const cancelled = expiry(data.paymentId);
  if (saga.phase === 'Cancelled' || saga.phase === 'Failed') return { ...nothing(next), jobs, cancelled };
  const reason = data.reason === 'timeout' ? 'payment-timeout' : data.reason === 'customer-erased' ? 'customer-erased' : 'payment-declined';
  return {
    state: { ...next, phase: 'Failed' },
    commands: [{ aggregate: 'order', id: saga.orderId, command: { type: 'FailOrder', reason, now } }],
    jobs,
    cancelled,
  };
};

const refundRequested = (saga: Saga, data: PaymentRefundRequested['data'], now: string): Reaction<Saga> => ({
  state: { ...saga, payment: 'refund-requested' },
  commands: [],
  jobs: [job('refund-payment', data.paymentId, now)],
});

const refunded = (saga: Saga, now: string): Reaction<Saga> => {
  const next: Saga = { ...saga, payment: 'refunded' };
  if (saga.phase !== 'Compensating') return nothing(next);
  return {
    state: { ...next, phase: 'Failed' },
    commands: [{ aggregate: 'order', id: saga.orderId, command: { type: 'FailOrder', reason: 'out-of-stock', now } }],
    jobs: [],
  };
};

const stockReserved = (saga: Saga, data: StockReserved['data'], now: string): Reaction<Saga> => {
  // Own keys only: a SKU may be named `constructor` or `toString`, which every object inherits.
  if (Object.hasOwn(saga.reservations, data.sku)) return nothing(saga);
  const next = { ...saga, reservations: { ...saga.reservations, [data.sku]: 'reserved' as const } };
  // The order is going nowhere: what was reserved goes back on the shelf.
  if (saga.phase !== 'Reserving') {
    return { state: next, commands: [release(saga, data.sku, now)], jobs: [] };
  }
  const allReserved = saga.lines.every((line) => next.reservations[line.sku] === 'reserved');
  if (!allReserved) return nothing(next);
  return {
    state: { ...next, phase: 'Confirmed' },
    commands: [{ aggregate: 'order', id: saga.orderId, command: { type: 'ConfirmOrder', now } }],
    jobs: [],
  };
};

/** All lines or none: release what was reserved, refund, and fail the order once refunded. */
const reservationFailed = (saga: Saga, data: StockReservationFailed['data'], now: string): Reaction<Saga> => {
  const next: Saga = { ...saga, reservations: { ...saga.reservations, [data.sku]: 'failed' } };
  if (saga.phase !== 'Reserving') return nothing(next);
  const releases = reservedSkus(saga).map((sku) => release(saga, sku, now));
  const refunds = saga.payment === 'captured' ? [refund(saga, 'out-of-stock', now)] : [];
  return { state: { ...next, phase: 'Compensating' }, commands: [...releases, ...refunds], jobs: [] };
};

const confirmed = (saga: Saga, now: string): Reaction<Saga> => {
  const { shipmentId, orderId, customerId, lines, shippingAddress } = saga;
  if (!shippingAddress) return nothing(saga);
  return {
    state: { ...saga, phase: saga.phase === 'Reserving' ? 'Confirmed' : saga.phase },
    commands: [{ aggregate: 'shipment', id: shipmentId, command: { type: 'PrepareShipment', shipmentId, orderId, customerId, lines, shippingAddress, now } }],
    jobs: [],
  };
};

const cancelled = (saga: Saga, _data: OrderCancelled['data'], now: string): Reaction<Saga> => {
  const releases = reservedSkus(saga).map((sku) => release(saga, sku, now));
  const payment: SagaCommand[] =
    saga.payment === 'captured'
      ? [refund(saga, 'cancelled', now)]
      : saga.payment === 'pending'
        ? [{ aggregate: 'payment', id: saga.paymentId, command: { type: 'VoidPayment', now } }]
        : [];
  return { state: { ...saga, phase: 'Cancelled' }, commands: [...releases, ...payment], jobs: [] };
};

const shipped = (saga: Saga, data: OrderShipped['data'], now: string): Reaction<Saga> => ({
  state: { ...saga, phase: 'Shipped' },
  commands: data.lines.map((line) => ({
    aggregate: 'inventory',
    id: line.sku,
    command: { type: 'DispatchStock', orderId: saga.orderId, now },
  })),
  jobs: [],
});

/**
 * The booking job, due once the dispatch stopped waiting for the carrier: it books what the
 * dispatch could not (no answer, a crash) and finds done what it could. One job per attempt.
 */
const bookingRequested = (saga: Saga, data: ShipmentBookingRequested['data'], now: string, timeoutMs: number): Reaction<Saga> => ({
  state: saga,
  commands: [],
  jobs: [{ id: `book-shipment:${data.shipmentId}:${data.attempt}`, kind: 'book-shipment', runAt: new Date(Date.parse(now) + timeoutMs).toISOString(), payload: { shipmentId: data.shipmentId } }],
});

/** The carrier reported the parcel delivered: the order is delivered (once; a delivery by hand may have come first). */
const carrierDelivered = (saga: Saga, now: string): Reaction<Saga> => {
  if (saga.phase !== 'Shipped') return nothing(saga);
  return { state: { ...saga, phase: 'Delivered' }, commands: [{ aggregate: 'order', id: saga.orderId, command: { type: 'DeliverOrder', now } }], jobs: [] };
};

const reservation = (saga: Saga, sku: string, outcome: ReservationOutcome): Reaction<Saga> =>
  nothing({ ...saga, reservations: { ...saga.reservations, [sku]: outcome } });

// ------------------------------------------------------------------ helpers

const reservedSkus = (saga: Saga) => Object.keys(saga.reservations).filter((sku) => saga.reservations[sku] === 'reserved');

const release = (saga: Saga, sku: string, now: string): SagaCommand => ({
  aggregate: 'inventory',
  id: sku,
  command: { type: 'ReleaseStock', orderId: saga.orderId, now },
});

const refund = (saga: Saga, reason: 'cancelled' | 'out-of-stock', now: string): SagaCommand => ({
  aggregate: 'payment',
  id: saga.paymentId,
  command: { type: 'RequestRefund', reason, now },
});

const job = (kind: Job['kind'], paymentId: string, runAt: string): Job => ({
  id: `${kind}:${paymentId}`,
  kind,
  runAt,
  payload: { paymentId },
});
