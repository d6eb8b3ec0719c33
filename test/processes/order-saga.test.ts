import { expect } from 'chai';
import type { InventoryCommand } from '../../src/domain/inventory/inventory.js';
import type { FailureReason, OrderCommand, OrderLine, OrderStatus, ShippingAddress } from '../../src/domain/ordering/order.js';
import type { PaymentCommand, PaymentFailure, RefundReason } from '../../src/domain/payment/payment.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { initialState, orderSaga, react, type OrderSagaState } from '../../src/processes/order-saga.js';
import type { Job, SagaCommand } from '../../src/processes/process-manager.js';
import { HOME, LINES, MUG, TEA, TOTAL, WORK } from '../domain/order-fixtures.js';
import { recorded } from '../projections/projection-fixture.js';

describe('Order saga', () => {
  describe('when a booking with the carrier is asked for', () => {
    it('schedules the booking job of that attempt, due once the dispatch stopped waiting for the carrier', () =>
      given([...confirmed()]).when(bookingRequested(2)).then([], [
        { id: `book-shipment:${SHIPMENT}:2`, kind: 'book-shipment', runAt: '2024-05-02T10:00:15.000Z', payload: { shipmentId: SHIPMENT } },
      ]));
  });

  describe('when the carrier reports the parcel delivered', () => {
    it('delivers the shipped order', () =>
      given([...confirmed(), orderShipped()]).when(carrierDelivered()).then([toOrder({ type: 'DeliverOrder', now: NOW })]));

    it('does nothing for an order delivered already (by hand, or a report before)', () =>
      given([...confirmed(), orderShipped(), orderDelivered()]).when(carrierDelivered()).thenNothing());

    it('does nothing for an order that is not shipped', () => given([...confirmed()]).when(carrierDelivered()).thenNothing());
  });

  describe('when an order is created', () => {
    it('requests the payment, due when the timeout runs out, makes sure the cart is checked out, and schedules the charge at once and the expiry at the deadline', () =>
      given([]).when(orderCreated()).then([requestPayment(EXPIRES_AT), checkOutCart()], [chargeJob(CREATED_AT), expireJob()]));

    it('counts the timeout from when the order was created', () =>
      given([]).when(orderCreated(LATER)).then([requestPayment(LATER_EXPIRY, LATER), checkOutCart(LATER)], [chargeJob(LATER), expireJob(LATER_EXPIRY)]));

    it('counts the timeout from when the store recorded the order, when the event does not say when it occurred', () => {
      const unstamped = recorded('OrderCreated', createdData(), { recordedAt: LATER, streamName: `order-${ORDER}` });
      given([]).when(unstamped).then([requestPayment(LATER_EXPIRY, LATER), checkOutCart(LATER)], [chargeJob(LATER), expireJob(LATER_EXPIRY)]);
    });

    it('names its jobs after the payment, so that a redelivery schedules the same jobs', () => {
      const jobs = react(initialState(), orderCreated(), TIMEOUT_MS).jobs;
      expect(jobs.map((job) => job.id)).to.deep.equal([`charge-payment:${PAYMENT}`, `expire-payment:${PAYMENT}`]);
    });

    it('awaits the payment', () =>
      expect(given([orderCreated()]).state()).to.deep.equal({
        phase: 'AwaitingPayment',
        orderId: ORDER,
        customerId: CUSTOMER,
        paymentId: PAYMENT,
        shipmentId: SHIPMENT,
        lines: LINES,
        shippingAddress: HOME,
        payment: 'pending',
        reservations: {},
        paymentJobs: true,
      }));
  });

  describe('when the order was already created', () => {
    it('does nothing on the same OrderCreated again', () => given([orderCreated()]).when(orderCreated()).thenNothing());

    it('does nothing on the same OrderCreated again, later in the saga, and stays where it was', () => {
      given(reserving()).when(orderCreated()).thenNothing();
      expect(given(reserving()).when(orderCreated()).state()).to.deep.equal(given(reserving()).state());
    });
  });

  describe('when the payment is requested', () => {
    it('does nothing: its jobs were scheduled with the request', () => given([orderCreated()]).when(paymentRequested(REQUESTED_AT)).thenNothing());

    describe('for a saga that an earlier version created (its jobs not yet scheduled)', () => {
      const earlier = (): OrderSagaState => {
        const { paymentJobs: _, ...state } = stateAfter([orderCreated()]);
        return state;
      };

      it('schedules the charge at once and the expiry at the deadline', () => {
        const reaction = react(earlier(), paymentRequested(REQUESTED_AT), TIMEOUT_MS);
        expect(reaction.commands).to.deep.equal([]);
        expect(reaction.jobs).to.deep.equal([chargeJob(REQUESTED_AT), expireJob()]);
      });

      it('names its jobs after the payment, as the new version does, so that a redelivery schedules the same jobs', () => {
        const jobs = react(earlier(), paymentRequested(), TIMEOUT_MS).jobs;
        expect(jobs.map((job) => job.id)).to.deep.equal([`charge-payment:${PAYMENT}`, `expire-payment:${PAYMENT}`]);
      });
    });
  });

  describe('while awaiting the payment', () => {
    it('marks the order paid and reserves every line when the payment is captured, and takes the expiry out of the queue', () =>
      given(awaitingPayment()).when(paymentProcessed()).then([markOrderPaid(), reserveStock(MUG), reserveStock(TEA)], [], [EXPIRY]));

    for (const reason of ['declined', 'insufficient-funds', 'invalid-token'] as const) {
      it(`fails the order, payment declined, when the payment is ${reason}, and takes the expiry out of the queue`, () =>
        given(awaitingPayment()).when(paymentFailed(reason)).then([failOrder('payment-declined')], [], [EXPIRY]));
    }

    it('fails the order, payment timed out, when the payment times out, and has the provider asked what became of the charge', () =>
      given(awaitingPayment()).when(paymentFailed('timeout')).then([failOrder('payment-timeout')], [reconcileJob()], [EXPIRY]));

    it('acts at the time the payment answer occurred', () =>
      given(awaitingPayment()).when(paymentFailed('timeout', LATER)).then([failOrder('payment-timeout', LATER)], [reconcileJob(LATER)], [EXPIRY]));
  });

  describe('while reserving stock', () => {
    it('waits for the other lines when one is reserved', () => given(reserving()).when(stockReserved(MUG)).thenNothing());

    it('confirms the order once the last line is reserved', () =>
      given([...reserving(), stockReserved(MUG)]).when(stockReserved(TEA)).then([confirmOrder()]));

    it('confirms the order whatever order the lines are reserved in', () =>
      given([...reserving(), stockReserved(TEA)]).when(stockReserved(MUG)).then([confirmOrder()]));

    it('asks for a refund when the first reservation fails', () =>
      given(reserving()).when(reservationFailed(MUG)).then([requestRefund('out-of-stock')]));

    it('releases the lines already reserved and asks for a refund when a line fails', () =>
      given([...reserving(), stockReserved(MUG)]).when(reservationFailed(TEA)).then([releaseStock(MUG), requestRefund('out-of-stock')]));
  });

  describe('with SKUs named like built-in properties of an object', () => {
    // SKU_PATTERN accepts them; the saga keeps its reservations in an object keyed by SKU.
    for (const sku of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      it(`records the reservation of SKU ${sku} and confirms the order`, () => {
        const line = { ...MUG, sku };
        const reservingOne = stateAfter(reserving());
        const saga = { ...reservingOne, lines: [line] };
        const reaction = react(saga, stockReserved(line), TIMEOUT_MS);
        expect(reaction.commands).to.deep.equal([confirmOrder()]);
        expect(reaction.state.reservations).to.deep.equal({ [sku]: 'reserved' });
      });
    }
  });

  describe('after a line failed to reserve', () => {
    const failedTea = () => [...reserving(), reservationFailed(TEA)];

    it('releases a reservation that arrives after the failure', () => given(failedTea()).when(stockReserved(MUG)).then([releaseStock(MUG)]));

    it('does nothing when another line fails too', () => given(failedTea()).when(reservationFailed(MUG)).thenNothing());

    it('schedules the refund once it is requested', () =>
      given(compensating()).when(refundRequested('out-of-stock', LATER)).then([], [refundJob(LATER)]));

    it('does nothing when the released stock is reported', () => given(compensating()).when(stockReleased(MUG)).thenNothing());

    it('fails the order, out of stock, once the payment is refunded', () =>
      given([...compensating(), refundRequested('out-of-stock')]).when(paymentRefunded('out-of-stock')).then([failOrder('out-of-stock')]));

    it('does nothing when the order has failed', () =>
      given([...compensating(), refundRequested('out-of-stock'), paymentRefunded('out-of-stock')]).when(orderFailed('out-of-stock')).thenNothing());
  });

  describe('when the order is confirmed', () => {
    it("prepares the shipment to the order's address", () =>
      given([...reserving(), stockReserved(MUG), stockReserved(TEA)]).when(orderConfirmed()).then([prepareShipment(HOME)]));

    it('prepares the shipment to the address the order was amended to', () =>
      given([...reserving(), orderAmended(WORK), stockReserved(MUG), stockReserved(TEA)]).when(orderConfirmed()).then([prepareShipment(WORK)]));

    it('prepares the shipment to an address amended before the payment', () =>
      given([orderCreated(), orderAmended(WORK), paymentRequested(), paymentProcessed(), stockReserved(MUG), stockReserved(TEA)])
        .when(orderConfirmed())
        .then([prepareShipment(WORK)]));

    it('does nothing when the address is amended', () => given(reserving()).when(orderAmended(WORK)).thenNothing());
  });

  describe('when the order ships', () => {
    it('dispatches the reserved stock of every line', () =>
      given(confirmed()).when(orderShipped()).then([dispatchStock(MUG), dispatchStock(TEA)]));

    it('does nothing when the dispatched stock is reported', () =>
      given([...confirmed(), orderShipped()]).when(stockDispatched(MUG)).thenNothing());

    it('does nothing when the order is delivered', () =>
      given([...confirmed(), orderShipped(), stockDispatched(MUG), stockDispatched(TEA)]).when(orderDelivered()).thenNothing());
  });

  describe('when the order is cancelled', () => {
    it('releases every reserved line and refunds the payment once stock was reserved', () =>
      given(confirmed()).when(orderCancelled('Confirmed')).then([releaseStock(MUG), releaseStock(TEA), requestRefund('cancelled')]));

    it('releases the lines reserved so far and refunds the payment while reserving', () =>
      given([...reserving(), stockReserved(MUG)]).when(orderCancelled('Paid')).then([releaseStock(MUG), requestRefund('cancelled')]));

    it('releases a reservation that arrives after the cancellation', () =>
      given([...reserving(), stockReserved(MUG), orderCancelled('Paid')]).when(stockReserved(TEA)).then([releaseStock(TEA)]));

    it('does nothing when a reservation fails after the cancellation', () =>
      given([...reserving(), orderCancelled('Paid')]).when(reservationFailed(TEA)).thenNothing());

    it('schedules the refund once it is requested', () =>
      given([...confirmed(), orderCancelled('Confirmed')]).when(refundRequested('cancelled')).then([], [refundJob()]));

    it('does not fail the cancelled order once the payment is refunded', () =>
      given([...confirmed(), orderCancelled('Confirmed'), refundRequested('cancelled')]).when(paymentRefunded('cancelled')).thenNothing());

    it('neither releases nor refunds again when a stock failure already did', () =>
      given([...compensating(), stockReleased(MUG), refundRequested('out-of-stock')]).when(orderCancelled('Paid')).thenNothing());

    it('voids the payment while it is pending, so it is never charged', () =>
      given(awaitingPayment()).when(orderCancelled('Pending')).then([toPayment({ type: 'VoidPayment', now: NOW })]));

    it('refunds a payment captured after the cancellation, and reserves nothing', () =>
      given([...awaitingPayment(), orderCancelled('Pending')]).when(paymentProcessed()).then([requestRefund('cancelled')], [], [EXPIRY]));

    it('does nothing when the payment fails after the cancellation but takes the expiry out of the queue', () =>
      given([...awaitingPayment(), orderCancelled('Pending')]).when(paymentFailed('declined')).then([], [], [EXPIRY]));

    it('has the provider asked what became of the charge once the payment is voided', () =>
      given([...awaitingPayment(), orderCancelled('Pending')]).when(paymentFailed('voided')).then([], [reconcileJob()], [EXPIRY]));
  });

  describe('when the payment timed out', () => {
    const timedOut = () => [...awaitingPayment(), paymentFailed('timeout'), orderFailed('payment-timeout')];

    it('schedules the refund of money the provider captured after all', () =>
      given(timedOut()).when(refundRequested('captured-after-timeout', LATER)).then([], [refundJob(LATER)]));

    it('does nothing more once that money is refunded', () =>
      given([...timedOut(), refundRequested('captured-after-timeout')]).when(paymentRefunded('captured-after-timeout')).thenNothing());
  });

  describe('state', () => {
    it('walks through the phases of every path', () => {
      const paths: [RecordedEvent[], OrderSagaState['phase']][] = [
        [awaitingPayment(), 'AwaitingPayment'],
        [reserving(), 'Reserving'],
        [[...reserving(), stockReserved(MUG), stockReserved(TEA)], 'Confirmed'],
        [compensating(), 'Compensating'],
        [[...compensating(), refundRequested('out-of-stock'), paymentRefunded('out-of-stock')], 'Failed'],
        [[...awaitingPayment(), paymentFailed('declined')], 'Failed'],
        [[...awaitingPayment(), orderCancelled('Pending')], 'Cancelled'],
        [[...confirmed(), orderShipped()], 'Shipped'],
        [[...confirmed(), orderShipped(), orderDelivered()], 'Delivered'],
      ];
      expect(paths.map(([history]) => stateAfter(history).phase)).to.deep.equal(paths.map(([, phase]) => phase));
    });

    it('follows the payment and each reservation', () =>
      expect(stateAfter([...compensating(), stockReleased(MUG), refundRequested('out-of-stock')])).to.deep.include({
        payment: 'refund-requested',
        reservations: { [MUG.sku]: 'released', [TEA.sku]: 'failed' },
      }));

    it('ignores events it does not react to', () =>
      given(awaitingPayment()).when(event('CartItemAdded', { customerId: CUSTOMER, orderId: ORDER })).thenNothing());
  });

  describe('as a process manager', () => {
    const saga = () => orderSaga(TIMEOUT_MS);

    it('keys each saga by the order id of the event', () =>
      expect([orderCreated(), paymentProcessed(), stockReserved(TEA), orderShipped()].map(saga().sagaId)).to.deep.equal([ORDER, ORDER, ORDER, ORDER]));

    it('reacts with the payment timeout it was given', () =>
      expect(orderSaga(5_000).react(initialState(), orderCreated()).commands[0]).to.deep.equal(requestPayment('2024-05-02T10:00:05.000Z')));

    it('waits for the carrier as long as it was told before the booking job is due', () =>
      expect(orderSaga(5_000, 250).react(initialState(), bookingRequested(1)).jobs.map((job) => job.runAt)).to.deep.equal(['2024-05-02T10:00:10.250Z']));

    it('listens to every event it reacts to', () => {
      const reactedTo = [
        ...[orderCreated(), orderAmended(WORK), orderConfirmed(), orderShipped(), orderDelivered(), orderFailed('out-of-stock')],
        ...[orderCancelled('Pending'), paymentRequested(), paymentProcessed(), paymentFailed('declined')],
        ...[refundRequested('cancelled'), paymentRefunded('cancelled'), stockReserved(MUG), reservationFailed(MUG)],
        ...[stockReleased(MUG), stockDispatched(MUG), bookingRequested(1), carrierDelivered()],
      ].map((e) => e.type);
      expect(saga().eventTypes).to.have.members(reactedTo);
    });
  });
});

// ------------------------------------------------------------------ given / when / then

const TIMEOUT_MS = 30_000;

const stateAfter = (history: RecordedEvent[]) => history.reduce((saga, e) => react(saga, e, TIMEOUT_MS).state, initialState());

/** given(earlier events).when(event).then(commands, jobs, cancelled job ids): the reaction to one event after a history. */
const given = (history: RecordedEvent[]) => ({
  when: (event: RecordedEvent) => {
    const reaction = react(stateAfter(history), event, TIMEOUT_MS);
    const then = (commands: SagaCommand[], jobs: Job[] = [], cancelled: string[] = []) =>
      expect({ commands: reaction.commands, jobs: reaction.jobs, cancelled: reaction.cancelled ?? [] }).to.deep.equal({ commands, jobs, cancelled });
    return { then, thenNothing: () => then([], []), state: () => reaction.state };
  },
  state: () => stateAfter(history),
});

// ------------------------------------------------------------------ fixtures

const ORDER = 'order-1';
const CUSTOMER = 'customer-7';
const PAYMENT = 'payment-1';
const SHIPMENT = 'shipment-1';
const TOKEN = 'tok_visa';

const CREATED_AT = '2024-05-02T10:00:00.000Z';
const REQUESTED_AT = '2024-05-02T10:00:00.500Z';
const EXPIRES_AT = '2024-05-02T10:00:30.000Z';
/** When the events under test occurred, unless a case says otherwise. */
const NOW = '2024-05-02T10:00:10.000Z';
const LATER = '2024-05-02T10:01:00.000Z';
/** The payment's deadline for an order created LATER. */
const LATER_EXPIRY = '2024-05-02T10:01:30.000Z';

// ---- histories

const awaitingPayment = () => [orderCreated(), paymentRequested()];
const reserving = () => [...awaitingPayment(), paymentProcessed()];
const confirmed = () => [...reserving(), stockReserved(MUG), stockReserved(TEA), orderConfirmed()];
/** MUG reserved, TEA out of stock. */
const compensating = () => [...reserving(), stockReserved(MUG), reservationFailed(TEA)];

// ---- events, as the store delivers them

const event = (type: string, data: Record<string, unknown>, at = NOW, stream = `order-${ORDER}`): RecordedEvent =>
  recorded(type, data, { occurredAt: at, streamName: stream });

const ids = { orderId: ORDER, customerId: CUSTOMER };
const paymentIds = { ...ids, paymentId: PAYMENT };

const createdData = () => ({
  ...ids,
  paymentId: PAYMENT,
  shipmentId: SHIPMENT,
  lines: LINES,
  total: TOTAL,
  shippingAddress: HOME,
  paymentMethod: { token: TOKEN },
  createdAt: CREATED_AT,
});
const orderCreated = (at = CREATED_AT) => event('OrderCreated', createdData(), at);
const orderAmended = (shippingAddress: ShippingAddress) =>
  event('OrderAmended', { ...ids, shipmentId: SHIPMENT, shippingAddress, amendedAt: NOW });
const orderConfirmed = () => event('OrderConfirmed', { ...ids, confirmedAt: NOW });
const orderShipped = () =>
  event('OrderShipped', { ...ids, shipmentId: SHIPMENT, trackingNumber: 'TRKSHIPMENT1', lines: LINES, shippedAt: NOW });
const orderDelivered = () => event('OrderDelivered', { ...ids, shipmentId: SHIPMENT, lines: LINES, deliveredAt: NOW });
const shipmentStreamName = `shipment-${SHIPMENT}`;
const bookingRequested = (attempt: number) => event('ShipmentBookingRequested', { ...ids, shipmentId: SHIPMENT, attempt, requestedAt: NOW }, NOW, shipmentStreamName);
const carrierDelivered = () =>
  event('ShipmentDelivered', { ...ids, shipmentId: SHIPMENT, carrierEventId: 'evt_1', carrierReference: 'SC-1', occurredAt: NOW }, NOW, shipmentStreamName);
const orderFailed = (reason: FailureReason) => event('OrderFailed', { ...ids, reason, failedAt: NOW });
const orderCancelled = (previousStatus: OrderStatus) =>
  event('OrderCancelled', { ...ids, shipmentId: SHIPMENT, cancelledBy: `customer:${CUSTOMER}`, previousStatus, cancelledAt: NOW });

const paymentStreamName = `payment-${PAYMENT}`;
const paymentRequested = (at = REQUESTED_AT) =>
  event('PaymentRequested', { ...paymentIds, amount: TOTAL, token: TOKEN, requestedAt: at, expiresAt: EXPIRES_AT }, at, paymentStreamName);
const paymentProcessed = () =>
  event('PaymentProcessed', { ...paymentIds, amount: TOTAL, providerReference: 'ch_1', processedAt: NOW }, NOW, paymentStreamName);
const paymentFailed = (reason: PaymentFailure, at = NOW) => event('PaymentFailed', { ...paymentIds, reason, failedAt: at }, at, paymentStreamName);
const refundRequested = (reason: RefundReason, at = NOW) =>
  event('PaymentRefundRequested', { ...paymentIds, amount: TOTAL, reason, requestedAt: at }, at, paymentStreamName);
const paymentRefunded = (reason: RefundReason) =>
  event('PaymentRefunded', { ...paymentIds, amount: TOTAL, providerReference: 're_1', reason, refundedAt: NOW }, NOW, paymentStreamName);

const stockData = (line: OrderLine) => ({ sku: line.sku, productId: line.productId, orderId: ORDER });
const stockReserved = (line: OrderLine) =>
  event('StockReserved', { ...stockData(line), quantity: line.quantity, reservedAt: NOW }, NOW, `inventory-${line.sku}`);
const reservationFailed = (line: OrderLine) =>
  event('StockReservationFailed', { ...stockData(line), requested: line.quantity, available: 0, failedAt: NOW }, NOW, `inventory-${line.sku}`);
const stockReleased = (line: OrderLine) =>
  event('StockReleased', { ...stockData(line), quantity: line.quantity, releasedAt: NOW }, NOW, `inventory-${line.sku}`);
const stockDispatched = (line: OrderLine) =>
  event('StockDispatched', { ...stockData(line), quantity: line.quantity, dispatchedAt: NOW }, NOW, `inventory-${line.sku}`);

// ---- commands and jobs the saga sends

const toOrder = (command: OrderCommand): SagaCommand => ({ aggregate: 'order', id: ORDER, command });
const toPayment = (command: PaymentCommand): SagaCommand => ({ aggregate: 'payment', id: PAYMENT, command });
const toInventory = (line: OrderLine, command: InventoryCommand): SagaCommand => ({ aggregate: 'inventory', id: line.sku, command });

const requestPayment = (expiresAt: string, now = CREATED_AT) =>
  toPayment({ type: 'RequestPayment', ...paymentIds, amount: TOTAL, token: TOKEN, expiresAt, now });
const checkOutCart = (now = CREATED_AT): SagaCommand => ({
  aggregate: 'cart',
  id: CUSTOMER,
  command: { type: 'CheckOutCart', ...ids, ensure: true, lines: LINES, now },
});
const markOrderPaid = () => toOrder({ type: 'MarkOrderPaid', paymentId: PAYMENT, now: NOW });
const confirmOrder = () => toOrder({ type: 'ConfirmOrder', now: NOW });
const failOrder = (reason: FailureReason, now = NOW) => toOrder({ type: 'FailOrder', reason, now });
const requestRefund = (reason: RefundReason) => toPayment({ type: 'RequestRefund', reason, now: NOW });
const reserveStock = (line: OrderLine) => toInventory(line, { type: 'ReserveStock', orderId: ORDER, quantity: line.quantity, now: NOW });
const releaseStock = (line: OrderLine) => toInventory(line, { type: 'ReleaseStock', orderId: ORDER, now: NOW });
const dispatchStock = (line: OrderLine) => toInventory(line, { type: 'DispatchStock', orderId: ORDER, now: NOW });
const prepareShipment = (shippingAddress: ShippingAddress): SagaCommand => ({
  aggregate: 'shipment',
  id: SHIPMENT,
  command: { type: 'PrepareShipment', shipmentId: SHIPMENT, ...ids, lines: LINES, shippingAddress, now: NOW },
});

const job = (kind: Job['kind'], runAt: string): Job => ({ id: `${kind}:${PAYMENT}`, kind, runAt, payload: { paymentId: PAYMENT } });
const chargeJob = (runAt: string) => job('charge-payment', runAt);
const expireJob = (at = EXPIRES_AT) => job('expire-payment', at);
const refundJob = (runAt = NOW) => job('refund-payment', runAt);
/** The payment's expiry job, taken out of the queue once the payment is settled. */
const EXPIRY = `expire-payment:${PAYMENT}`;
const reconcileJob = (runAt = NOW) => job('reconcile-payment', runAt);
