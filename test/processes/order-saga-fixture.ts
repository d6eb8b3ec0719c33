/**
 * What the order-saga tests share: given(history).when(event).then(commands, jobs, cancelled job ids),
 * and the events one order's saga hears (as the store delivers them) and the commands and jobs it sends.
 */
import { expect } from 'chai';
import type { InventoryCommand } from '../../src/domain/inventory/inventory.js';
import type { FailureReason, OrderCommand, OrderLine, OrderStatus, ShippingAddress } from '../../src/domain/ordering/order.js';
import type { PaymentCommand, PaymentFailure, RefundReason } from '../../src/domain/payment/payment.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { initialState, react } from '../../src/processes/order-saga.js';
import type { Job, SagaCommand } from '../../src/processes/process-manager.js';
import { HOME, LINES, MUG, TEA, TOTAL } from '../domain/order-fixtures.js';
import { recorded } from '../projections/projection-fixture.js';

// ------------------------------------------------------------------ given / when / then

export const TIMEOUT_MS = 30_000;

export const stateAfter = (history: RecordedEvent[]) => history.reduce((saga, e) => react(saga, e, TIMEOUT_MS).state, initialState());

/** given(earlier events).when(event).then(commands, jobs, cancelled job ids): the reaction to one event after a history. */
export const given = (history: RecordedEvent[]) => ({
  when: (event: RecordedEvent) => {
    const reaction = react(stateAfter(history), event, TIMEOUT_MS);
    const then = (commands: SagaCommand[], jobs: Job[] = [], cancelled: string[] = []) =>
      expect({ commands: reaction.commands, jobs: reaction.jobs, cancelled: reaction.cancelled ?? [] }).to.deep.equal({ commands, jobs, cancelled });
    return { then, thenNothing: () => then([], []), state: () => reaction.state };
  },
  state: () => stateAfter(history),
});

// ------------------------------------------------------------------ fixtures

export const ORDER = 'order-1';
export const CUSTOMER = 'customer-7';
export const PAYMENT = 'payment-1';
export const SHIPMENT = 'shipment-1';
const TOKEN = 'tok_visa';

export const CREATED_AT = '2024-05-02T10:00:00.000Z';
export const REQUESTED_AT = '2024-05-02T10:00:00.500Z';
export const EXPIRES_AT = '2024-05-02T10:00:30.000Z';
/** When the events under test occurred, unless a case says otherwise. */
export const NOW = '2024-05-02T10:00:10.000Z';
export const LATER = '2024-05-02T10:01:00.000Z';
/** The payment's deadline for an order created LATER. */
export const LATER_EXPIRY = '2024-05-02T10:01:30.000Z';

// ---- histories

export const awaitingPayment = () => [orderCreated(), paymentRequested()];
export const reserving = () => [...awaitingPayment(), paymentProcessed()];
export const confirmed = () => [...reserving(), stockReserved(MUG), stockReserved(TEA), orderConfirmed()];
/** MUG reserved, TEA out of stock. */
export const compensating = () => [...reserving(), stockReserved(MUG), reservationFailed(TEA)];

// ---- events, as the store delivers them

export const event = (type: string, data: Record<string, unknown>, at = NOW, stream = `order-${ORDER}`): RecordedEvent =>
  recorded(type, data, { occurredAt: at, streamName: stream });

const ids = { orderId: ORDER, customerId: CUSTOMER };
const paymentIds = { ...ids, paymentId: PAYMENT };

export const createdData = () => ({
  ...ids,
  paymentId: PAYMENT,
  shipmentId: SHIPMENT,
  lines: LINES,
  total: TOTAL,
  shippingAddress: HOME,
  paymentMethod: { token: TOKEN },
  createdAt: CREATED_AT,
});
export const orderCreated = (at = CREATED_AT) => event('OrderCreated', createdData(), at);
export const orderAmended = (shippingAddress: ShippingAddress) =>
  event('OrderAmended', { ...ids, shipmentId: SHIPMENT, shippingAddress, amendedAt: NOW });
export const orderConfirmed = () => event('OrderConfirmed', { ...ids, confirmedAt: NOW });
export const orderShipped = () =>
  event('OrderShipped', { ...ids, shipmentId: SHIPMENT, trackingNumber: 'TRKSHIPMENT1', lines: LINES, shippedAt: NOW });
export const orderDelivered = () => event('OrderDelivered', { ...ids, shipmentId: SHIPMENT, lines: LINES, deliveredAt: NOW });
const shipmentStreamName = `shipment-${SHIPMENT}`;
export const bookingRequested = (attempt: number) => event('ShipmentBookingRequested', { ...ids, shipmentId: SHIPMENT, attempt, requestedAt: NOW }, NOW, shipmentStreamName);
export const carrierDelivered = () =>
  event('ShipmentDelivered', { ...ids, shipmentId: SHIPMENT, carrierEventId: 'evt_1', carrierReference: 'SC-1', occurredAt: NOW }, NOW, shipmentStreamName);
export const orderFailed = (reason: FailureReason) => event('OrderFailed', { ...ids, reason, failedAt: NOW });
export const orderCancelled = (previousStatus: OrderStatus) =>
  event('OrderCancelled', { ...ids, shipmentId: SHIPMENT, cancelledBy: `customer:${CUSTOMER}`, previousStatus, cancelledAt: NOW });

const paymentStreamName = `payment-${PAYMENT}`;
export const paymentRequested = (at = REQUESTED_AT) =>
  event('PaymentRequested', { ...paymentIds, amount: TOTAL, token: TOKEN, requestedAt: at, expiresAt: EXPIRES_AT }, at, paymentStreamName);
export const paymentProcessed = () =>
  event('PaymentProcessed', { ...paymentIds, amount: TOTAL, providerReference: 'ch_1', processedAt: NOW }, NOW, paymentStreamName);
export const paymentFailed = (reason: PaymentFailure, at = NOW) => event('PaymentFailed', { ...paymentIds, reason, failedAt: at }, at, paymentStreamName);
export const refundRequested = (reason: RefundReason, at = NOW) =>
  event('PaymentRefundRequested', { ...paymentIds, amount: TOTAL, reason, requestedAt: at }, at, paymentStreamName);
export const paymentRefunded = (reason: RefundReason) =>
  event('PaymentRefunded', { ...paymentIds, amount: TOTAL, providerReference: 're_1', reason, refundedAt: NOW }, NOW, paymentStreamName);

const stockData = (line: OrderLine) => ({ sku: line.sku, productId: line.productId, orderId: ORDER });
export const stockReserved = (line: OrderLine) =>
  event('StockReserved', { ...stockData(line), quantity: line.quantity, reservedAt: NOW }, NOW, `inventory-${line.sku}`);
export const reservationFailed = (line: OrderLine) =>
  event('StockReservationFailed', { ...stockData(line), requested: line.quantity, available: 0, failedAt: NOW }, NOW, `inventory-${line.sku}`);
export const stockReleased = (line: OrderLine) =>
  event('StockReleased', { ...stockData(line), quantity: line.quantity, releasedAt: NOW }, NOW, `inventory-${line.sku}`);
export const stockDispatched = (line: OrderLine) =>
  event('StockDispatched', { ...stockData(line), quantity: line.quantity, dispatchedAt: NOW }, NOW, `inventory-${line.sku}`);

// ---- commands and jobs the saga sends

export const toOrder = (command: OrderCommand): SagaCommand => ({ aggregate: 'order', id: ORDER, command });
export const toPayment = (command: PaymentCommand): SagaCommand => ({ aggregate: 'payment', id: PAYMENT, command });
const toInventory = (line: OrderLine, command: InventoryCommand): SagaCommand => ({ aggregate: 'inventory', id: line.sku, command });

export const requestPayment = (expiresAt: string, now = CREATED_AT) =>
  toPayment({ type: 'RequestPayment', ...paymentIds, amount: TOTAL, token: TOKEN, expiresAt, now });
export const checkOutCart = (now = CREATED_AT): SagaCommand => ({
  aggregate: 'cart',
  id: CUSTOMER,
  command: { type: 'CheckOutCart', ...ids, ensure: true, lines: LINES, now },
});
export const markOrderPaid = () => toOrder({ type: 'MarkOrderPaid', paymentId: PAYMENT, now: NOW });
export const confirmOrder = () => toOrder({ type: 'ConfirmOrder', now: NOW });
export const failOrder = (reason: FailureReason, now = NOW) => toOrder({ type: 'FailOrder', reason, now });
export const requestRefund = (reason: RefundReason) => toPayment({ type: 'RequestRefund', reason, now: NOW });
export const reserveStock = (line: OrderLine) => toInventory(line, { type: 'ReserveStock', orderId: ORDER, quantity: line.quantity, now: NOW });
export const releaseStock = (line: OrderLine) => toInventory(line, { type: 'ReleaseStock', orderId: ORDER, now: NOW });
export const dispatchStock = (line: OrderLine) => toInventory(line, { type: 'DispatchStock', orderId: ORDER, now: NOW });
export const prepareShipment = (shippingAddress: ShippingAddress): SagaCommand => ({
  aggregate: 'shipment',
  id: SHIPMENT,
  command: { type: 'PrepareShipment', shipmentId: SHIPMENT, ...ids, lines: LINES, shippingAddress, now: NOW },
});

const job = (kind: Job['kind'], runAt: string): Job => ({ id: `${kind}:${PAYMENT}`, kind, runAt, payload: { paymentId: PAYMENT } });
export const chargeJob = (runAt: string) => job('charge-payment', runAt);
export const expireJob = (at = EXPIRES_AT) => job('expire-payment', at);
export const refundJob = (runAt = NOW) => job('refund-payment', runAt);
/** The payment's expiry job, taken out of the queue once the payment is settled. */
export const EXPIRY = `expire-payment:${PAYMENT}`;
export const reconcileJob = (runAt = NOW) => job('reconcile-payment', runAt);
