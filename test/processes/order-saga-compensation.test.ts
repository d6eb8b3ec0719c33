/**
 * The order saga undoing what was done: releasing stock and refunding (or voiding) the payment when a line
 * fails to reserve, when the order is cancelled at any point, and when money arrives after a payment timed out.
 */
import { MUG, TEA } from '../domain/order-fixtures.js';
import {
  EXPIRY,
  LATER,
  NOW,
  awaitingPayment,
  compensating,
  confirmed,
  failOrder,
  given,
  orderCancelled,
  orderFailed,
  paymentFailed,
  paymentProcessed,
  paymentRefunded,
  reconcileJob,
  refundJob,
  refundRequested,
  releaseStock,
  requestRefund,
  reservationFailed,
  reserving,
  stockReleased,
  stockReserved,
  toPayment,
} from './order-saga-fixture.js';

describe('Order saga', () => {
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
});
