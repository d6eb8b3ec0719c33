import { expect } from 'chai';
import {
  paymentDecider,
  paymentStream,
  type ExpirePayment,
  type PaymentCapturedLate,
  type PaymentCommand,
  type PaymentFailed,
  type PaymentFailure,
  type PaymentProcessed,
  type PaymentRefunded,
  type PaymentRefundRequested,
  type PaymentRequested,
  type RecordCharge,
  type RecordRefund,
  type RefundReason,
  type RequestPayment,
  type RequestRefund,
} from '../../src/domain/payment/payment.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(paymentDecider);

describe('Payment', () => {
  describe('when not requested', () => {
    it('is requested', () => given([]).when(request()).then([requested()]));

    for (const type of ['RecordCharge', 'ExpirePayment', 'RequestRefund', 'RecordRefund'] as const) {
      it(`decides nothing on ${type}`, () => given([]).when(command(type)).then([]));
    }
  });

  describe('when pending', () => {
    const pending = () => [requested()];

    it('is not requested again for the same order', () => given(pending()).when(request()).then([]));

    it('is not requested again for the same order, even with other terms', () =>
      given(pending()).when(request({ amount: { amount: 1, currency: 'USD' }, token: 'tok_other' })).then([]));

    it('cannot be requested for another order', () =>
      given(pending()).when(request({ orderId: OTHER_ORDER })).thenThrows(ConflictError, /this payment belongs to another order/));

    it('is processed when the provider captures the money', () =>
      given(pending()).when(capture(REFERENCE)).then([processed(REFERENCE)]));

    for (const reason of ['declined', 'insufficient-funds', 'invalid-token'] as const) {
      it(`fails when the provider answers ${reason}`, () => given(pending()).when(decline(reason)).then([failed(reason)]));
    }

    it('does not expire before its deadline', () => given(pending()).when(expire(JUST_BEFORE_DEADLINE)).then([]));

    it('expires at its deadline', () => given(pending()).when(expire(EXPIRES_AT)).then([failed('timeout', EXPIRES_AT)]));

    it('expires after its deadline', () => given(pending()).when(expire(AFTER_DEADLINE)).then([failed('timeout', AFTER_DEADLINE)]));

    it('is not refunded before money is captured', () => given(pending()).when(requestRefund('cancelled')).then([]));

    it('records no refund that was never requested', () => given(pending()).when(recordRefund()).then([]));
  });

  describe('when captured', () => {
    const captured = () => [requested(), processed(REFERENCE)];

    it('is not requested again for the same order', () => given(captured()).when(request()).then([]));

    it('cannot be requested for another order', () =>
      given(captured()).when(request({ orderId: OTHER_ORDER })).thenThrows(ConflictError, /this payment belongs to another order/));

    it('ignores a second capture', () => given(captured()).when(capture('ch_second')).then([]));

    it('ignores a decline after the capture', () => given(captured()).when(decline('declined')).then([]));

    it('does not expire', () => given(captured()).when(expire(AFTER_DEADLINE)).then([]));

    for (const reason of ['out-of-stock', 'cancelled'] as const) {
      it(`is refunded when asked, because ${reason}`, () => given(captured()).when(requestRefund(reason)).then([refundRequested(reason)]));
    }

    it('records no refund that was never requested', () => given(captured()).when(recordRefund()).then([]));
  });

  describe('when declined', () => {
    const declined = () => [requested(), failed('declined')];

    it('ignores a second decline', () => given(declined()).when(decline('insufficient-funds')).then([]));

    it('does not expire', () => given(declined()).when(expire(AFTER_DEADLINE)).then([]));

    it('is not refunded', () => given(declined()).when(requestRefund('cancelled')).then([]));

    it('records no refund', () => given(declined()).when(recordRefund()).then([]));
  });

  describe('when timed out', () => {
    const timedOut = () => [requested(), failed('timeout', AFTER_DEADLINE)];

    it('refunds money the provider captured after all', () =>
      given(timedOut()).when(capture(REFERENCE, LATE)).then([capturedLate(REFERENCE), refundRequested('captured-after-timeout', LATE)]));

    it('ignores a late decline', () => given(timedOut()).when(decline('declined', LATE)).then([]));

    it('does not expire again', () => given(timedOut()).when(expire(LATE)).then([]));

    it('is not refunded when the saga asks (no money was taken)', () => given(timedOut()).when(requestRefund('cancelled')).then([]));
  });

  describe('when captured after the timeout', () => {
    const late = () => [requested(), failed('timeout', AFTER_DEADLINE), capturedLate(REFERENCE), refundRequested('captured-after-timeout', LATE)];

    it('ignores the same capture answered again', () => given(late()).when(capture(REFERENCE, LATE)).then([]));

    it('records the refund, for having been captured after the timeout', () =>
      given(late()).when(recordRefund()).then([refunded('captured-after-timeout')]));

    it('is not refunded a second time', () => given(late()).when(requestRefund('cancelled')).then([]));
  });

  describe('when captured late, with no refund requested', () => {
    // Not reachable today (both events are appended together); the reference alone guards against a second late capture.
    const lateOnly = () => [requested(), failed('timeout', AFTER_DEADLINE), capturedLate(REFERENCE)];

    it('ignores the same capture answered again', () => given(lateOnly()).when(capture(REFERENCE, LATE)).then([]));
  });

  describe('when a refund is pending', () => {
    const refundPending = () => [requested(), processed(REFERENCE), refundRequested('out-of-stock')];

    it('records the refund with the reason it was requested for', () =>
      given(refundPending()).when(recordRefund()).then([refunded('out-of-stock')]));

    it('is not refunded twice', () => given(refundPending()).when(requestRefund('cancelled')).then([]));

    it('ignores a late charge answer', () => given(refundPending()).when(capture('ch_second')).then([]));

    it('does not expire', () => given(refundPending()).when(expire(AFTER_DEADLINE)).then([]));
  });

  describe('when refunded', () => {
    const refundedPayment = () => [requested(), processed(REFERENCE), refundRequested('cancelled'), refunded('cancelled')];

    it('records no second refund', () => given(refundedPayment()).when(recordRefund()).then([]));

    it('is not refunded again', () => given(refundedPayment()).when(requestRefund('cancelled')).then([]));

    it('ignores a late charge answer', () => given(refundedPayment()).when(capture('ch_second')).then([]));
  });

  describe('state', () => {
    it('keeps what later decisions need', () =>
      expect(given([requested()]).state()).to.deep.equal({
        status: 'Pending',
        paymentId: PAYMENT,
        orderId: ORDER,
        customerId: CUSTOMER,
        amount: AMOUNT,
        token: TOKEN,
        expiresAt: EXPIRES_AT,
      }));

    it('keeps the provider reference of the capture', () =>
      expect(given([requested(), processed(REFERENCE)]).state()).to.include({ status: 'Captured', providerReference: REFERENCE }));

    it('stays failed but keeps the reference of a late capture', () =>
      expect(given([requested(), failed('timeout'), capturedLate(REFERENCE)]).state()).to.include({
        status: 'Failed',
        providerReference: REFERENCE,
      }));

    it('keeps the reason of a pending refund', () =>
      expect(given([requested(), processed(REFERENCE), refundRequested('cancelled')]).state()).to.include({
        status: 'RefundPending',
        refundReason: 'cancelled',
      }));

    it('ends refunded', () =>
      expect(given([requested(), processed(REFERENCE), refundRequested('cancelled'), refunded('cancelled')]).state()).to.include({
        status: 'Refunded',
      }));

    it('ignores events of a payment never requested', () =>
      expect(given([processed(REFERENCE), failed('declined')]).state()).to.deep.equal({ status: 'None' }));
  });

  describe('helpers', () => {
    it('name the stream payment-<id>', () => expect(paymentStream(PAYMENT)).to.equal(`payment-${PAYMENT}`));
  });
});

// ------------------------------------------------------------------ fixtures

const PAYMENT = 'payment-1';
const ORDER = 'order-1';
const OTHER_ORDER = 'order-2';
const CUSTOMER = 'customer-7';
const TOKEN = 'tok_visa';
const REFERENCE = 'ch_0001';
const REFUND_REFERENCE = 're_0001';
const AMOUNT = { amount: 3750, currency: 'USD' };

const REQUESTED_AT = '2024-05-02T10:00:00.000Z';
const CAPTURED_AT = '2024-05-02T10:00:02.000Z';
const JUST_BEFORE_DEADLINE = '2024-05-02T10:00:29.999Z';
const EXPIRES_AT = '2024-05-02T10:00:30.000Z';
const AFTER_DEADLINE = '2024-05-02T10:00:31.000Z';
const LATE = '2024-05-02T10:01:00.000Z';
const REFUNDED_AT = '2024-05-02T10:05:00.000Z';

const request = (overrides: Partial<RequestPayment> = {}): RequestPayment => ({
  type: 'RequestPayment',
  paymentId: PAYMENT,
  orderId: ORDER,
  customerId: CUSTOMER,
  amount: AMOUNT,
  token: TOKEN,
  expiresAt: EXPIRES_AT,
  now: REQUESTED_AT,
  ...overrides,
});
const capture = (providerReference: string, now = CAPTURED_AT): RecordCharge => ({ type: 'RecordCharge', outcome: 'captured', providerReference, now });
const decline = (reason: Exclude<PaymentFailure, 'timeout'>, now = CAPTURED_AT): RecordCharge => ({
  type: 'RecordCharge',
  outcome: 'declined',
  reason,
  now,
});
const expire = (now: string): ExpirePayment => ({ type: 'ExpirePayment', now });
const requestRefund = (reason: RefundReason, now = CAPTURED_AT): RequestRefund => ({ type: 'RequestRefund', reason, now });
const recordRefund = (): RecordRefund => ({ type: 'RecordRefund', providerReference: REFUND_REFERENCE, now: REFUNDED_AT });

/** A command by its type, for the cases that run the same way for several commands. */
const command = (type: Exclude<PaymentCommand['type'], 'RequestPayment'>): PaymentCommand =>
  [capture(REFERENCE), expire(AFTER_DEADLINE), requestRefund('cancelled'), recordRefund()].find((c) => c.type === type)!;

const ids = { paymentId: PAYMENT, orderId: ORDER, customerId: CUSTOMER };

const requested = (): PaymentRequested => ({
  type: 'PaymentRequested',
  data: { ...ids, amount: AMOUNT, token: TOKEN, requestedAt: REQUESTED_AT, expiresAt: EXPIRES_AT },
});
const processed = (providerReference: string): PaymentProcessed => ({
  type: 'PaymentProcessed',
  data: { ...ids, amount: AMOUNT, providerReference, processedAt: CAPTURED_AT },
});
const failed = (reason: PaymentFailure, failedAt = CAPTURED_AT): PaymentFailed => ({ type: 'PaymentFailed', data: { ...ids, reason, failedAt } });
const capturedLate = (providerReference: string): PaymentCapturedLate => ({
  type: 'PaymentCapturedLate',
  data: { ...ids, amount: AMOUNT, providerReference, capturedAt: LATE },
});
const refundRequested = (reason: RefundReason, requestedAt = CAPTURED_AT): PaymentRefundRequested => ({
  type: 'PaymentRefundRequested',
  data: { ...ids, amount: AMOUNT, reason, requestedAt },
});
const refunded = (reason: RefundReason): PaymentRefunded => ({
  type: 'PaymentRefunded',
  data: { ...ids, amount: AMOUNT, providerReference: REFUND_REFERENCE, reason, refundedAt: REFUNDED_AT },
});
