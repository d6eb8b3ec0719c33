/**
 * The order saga on the way to delivery: an order created, paid (or not), its stock reserved, confirmed,
 * shipped, booked with the carrier and delivered; its state and its wiring as a process manager.
 * What it undoes when a line fails to reserve, the order is cancelled or the payment timed out: order-saga-compensation.
 */
import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { initialState, orderSaga, react, type OrderSagaState } from '../../src/processes/order-saga.js';
import { HOME, LINES, MUG, TEA, WORK } from '../domain/order-fixtures.js';
import { recorded } from '../projections/projection-fixture.js';
import {
  CREATED_AT,
  CUSTOMER,
  EXPIRES_AT,
  EXPIRY,
  LATER,
  LATER_EXPIRY,
  NOW,
  ORDER,
  PAYMENT,
  REQUESTED_AT,
  SHIPMENT,
  TIMEOUT_MS,
  awaitingPayment,
  bookingRequested,
  carrierDelivered,
  chargeJob,
  checkOutCart,
  compensating,
  confirmed,
  confirmOrder,
  createdData,
  dispatchStock,
  event,
  expireJob,
  failOrder,
  given,
  markOrderPaid,
  orderAmended,
  orderCancelled,
  orderConfirmed,
  orderCreated,
  orderDelivered,
  orderFailed,
  orderShipped,
  paymentFailed,
  paymentProcessed,
  paymentRefunded,
  paymentRequested,
  prepareShipment,
  reconcileJob,
  refundRequested,
  releaseStock,
  requestPayment,
  requestRefund,
  reservationFailed,
  reserveStock,
  reserving,
  stateAfter,
  stockDispatched,
  stockReleased,
  stockReserved,
  toOrder,
} from './order-saga-fixture.js';

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

    it('tells the cart how many checkouts it had when the order was made from it, so that one since leaves it as it is', () =>
      given([])
        .when(recorded('OrderCreated', { ...createdData(), cartCheckouts: 7 }, { occurredAt: CREATED_AT, streamName: `order-${ORDER}` }))
        .then(
          [requestPayment(EXPIRES_AT), { ...checkOutCart(), command: { ...(checkOutCart().command as object), checkoutsBefore: 7 } } as ReturnType<typeof checkOutCart>],
          [chargeJob(CREATED_AT), expireJob()],
        ));

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

    it('fails the order, customer erased, when its payment was voided for an erased customer, and has the provider asked what became of the charge', () =>
      given(awaitingPayment()).when(paymentFailed('customer-erased')).then([failOrder('customer-erased')], [reconcileJob()], [EXPIRY]));

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
