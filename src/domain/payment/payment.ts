import { ConflictError } from '../shared/errors.js';
import type { Decider, DomainEvent, Money } from '../shared/types.js';

/**
 * One payment per order (`payment-<uuid>`): requested, then processed or failed by the
 * provider's answer or by the deadline, then maybe refunded. The provider is called
 * outside (a job), so its answer arrives as a command; an answer after the deadline, or
 * a second answer, decides nothing new, except that money captured after a timeout is
 * refunded at once.
 */

// ------------------------------------------------------------------ events

export type PaymentRequested = DomainEvent<
  'PaymentRequested',
  { paymentId: string; orderId: string; customerId: string; amount: Money; token: string; requestedAt: string; expiresAt: string }
>;
export type PaymentProcessed = DomainEvent<
  'PaymentProcessed',
  { paymentId: string; orderId: string; customerId: string; amount: Money; providerReference: string; processedAt: string }
>;
export type PaymentFailed = DomainEvent<
  'PaymentFailed',
  { paymentId: string; orderId: string; customerId: string; reason: PaymentFailure; failedAt: string }
>;
/** The provider captured money for a payment already failed by its deadline. */
export type PaymentCapturedLate = DomainEvent<
  'PaymentCapturedLate',
  { paymentId: string; orderId: string; customerId: string; amount: Money; providerReference: string; capturedAt: string }
>;
export type PaymentRefundRequested = DomainEvent<
  'PaymentRefundRequested',
  { paymentId: string; orderId: string; customerId: string; amount: Money; reason: RefundReason; requestedAt: string }
>;
export type PaymentRefunded = DomainEvent<
  'PaymentRefunded',
  { paymentId: string; orderId: string; customerId: string; amount: Money; providerReference: string; reason: RefundReason; refundedAt: string }
>;

export type PaymentEvent =
  | PaymentRequested
  | PaymentProcessed
  | PaymentFailed
  | PaymentCapturedLate
  | PaymentRefundRequested
  | PaymentRefunded;

/** `voided`: the order was cancelled first; `customer-erased`: its customer was erased first (nothing is charged either way). */
export type PaymentFailure = 'declined' | 'insufficient-funds' | 'invalid-token' | 'timeout' | 'voided' | 'customer-erased';
export type RefundReason = 'out-of-stock' | 'cancelled' | 'captured-after-timeout' | 'captured-after-failure';

// ------------------------------------------------------------------ state

export type PaymentStatus = 'Pending' | 'Captured' | 'Failed' | 'RefundPending' | 'Refunded';

export type Payment =
  | { status: 'None' }
  | {
      status: PaymentStatus;
      paymentId: string;
      orderId: string;
      customerId: string;
      amount: Money;
      token: string;
      expiresAt: string;
      providerReference?: string;
      failureReason?: PaymentFailure;
      refundReason?: RefundReason;
    };

export const initialState = (): Payment => ({ status: 'None' });

export const evolve = (state: Payment, event: PaymentEvent): Payment => {
  if (event.type === 'PaymentRequested') {
    const { paymentId, orderId, customerId, amount, token, expiresAt } = event.data;
    return { status: 'Pending', paymentId, orderId, customerId, amount, token, expiresAt };
  }
  if (state.status === 'None') return state;
  switch (event.type) {
    case 'PaymentProcessed':
      return { ...state, status: 'Captured', providerReference: event.data.providerReference };
    case 'PaymentFailed':
      return { ...state, status: 'Failed', failureReason: event.data.reason };
    case 'PaymentCapturedLate':
      return { ...state, providerReference: event.data.providerReference };
    case 'PaymentRefundRequested':
      return { ...state, status: 'RefundPending', refundReason: event.data.reason };
    case 'PaymentRefunded':
      return { ...state, status: 'Refunded' };
  }
};

// ------------------------------------------------------------------ commands

export type RequestPayment = {
  type: 'RequestPayment';
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: Money;
  token: string;
  expiresAt: string;
  now: string;
};
export type RecordCharge =
  | { type: 'RecordCharge'; outcome: 'captured'; providerReference: string; now: string }
  | { type: 'RecordCharge'; outcome: 'declined'; reason: Exclude<PaymentFailure, 'timeout'>; now: string };
export type ExpirePayment = { type: 'ExpirePayment'; now: string };
/** The order was cancelled (or, `customer-erased`, its customer erased) before the provider answered: nothing must be charged any more. */
export type VoidPayment = { type: 'VoidPayment'; reason?: 'customer-erased'; now: string };
export type RequestRefund = { type: 'RequestRefund'; reason: RefundReason; now: string };
export type RecordRefund = { type: 'RecordRefund'; providerReference: string; now: string };

export type PaymentCommand = RequestPayment | RecordCharge | ExpirePayment | VoidPayment | RequestRefund | RecordRefund;

export const decide = (command: PaymentCommand, state: Payment): PaymentEvent[] => {
  if (command.type === 'RequestPayment') return request(command, state);
  if (state.status === 'None') return [];
  switch (command.type) {
    case 'RecordCharge':
      return recordCharge(command, state);
    case 'ExpirePayment': {
      if (state.status !== 'Pending' || Date.parse(command.now) < Date.parse(state.expiresAt)) return [];
      const { paymentId, orderId, customerId } = state;
      return [{ type: 'PaymentFailed', data: { paymentId, orderId, customerId, reason: 'timeout', failedAt: command.now } }];
    }
    case 'VoidPayment': {
      if (state.status !== 'Pending') return [];
      const { paymentId, orderId, customerId } = state;
      return [{ type: 'PaymentFailed', data: { paymentId, orderId, customerId, reason: command.reason ?? 'voided', failedAt: command.now } }];
    }
    case 'RequestRefund':
      return state.status === 'Captured' ? [refundRequested(state, command.reason, command.now)] : [];
    case 'RecordRefund': {
      if (state.status !== 'RefundPending') return [];
      const { paymentId, orderId, customerId, amount, refundReason } = state;
      const { providerReference, now } = command;
      return [
        { type: 'PaymentRefunded', data: { paymentId, orderId, customerId, amount, providerReference, reason: refundReason!, refundedAt: now } },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

type Requested = Exclude<Payment, { status: 'None' }>;

const request = (command: RequestPayment, state: Payment): PaymentEvent[] => {
  if (state.status !== 'None') {
    if (state.orderId === command.orderId) return [];
    throw new ConflictError('this payment belongs to another order');
  }
  const { paymentId, orderId, customerId, amount, token, expiresAt, now } = command;
  return [{ type: 'PaymentRequested', data: { paymentId, orderId, customerId, amount, token, requestedAt: now, expiresAt } }];
};

const recordCharge = (command: RecordCharge, state: Requested): PaymentEvent[] => {
  const { paymentId, orderId, customerId, amount } = state;
  if (state.status === 'Pending') {
    return command.outcome === 'captured'
      ? [{ type: 'PaymentProcessed', data: { paymentId, orderId, customerId, amount, providerReference: command.providerReference, processedAt: command.now } }]
      : [{ type: 'PaymentFailed', data: { paymentId, orderId, customerId, reason: command.reason, failedAt: command.now } }];
  }
  // Too late: the payment failed already (deadline, void); money was taken all the same, so give it back.
  if (state.status === 'Failed' && command.outcome === 'captured' && !state.providerReference) {
    const late = { ...state, providerReference: command.providerReference };
    const reason = state.failureReason === 'timeout' ? 'captured-after-timeout' : 'captured-after-failure';
    return [
      { type: 'PaymentCapturedLate', data: { paymentId, orderId, customerId, amount, providerReference: command.providerReference, capturedAt: command.now } },
      refundRequested(late, reason, command.now),
    ];
  }
  return [];
};

const refundRequested = (state: Requested, reason: RefundReason, now: string): PaymentRefundRequested => {
  const { paymentId, orderId, customerId, amount } = state;
  return { type: 'PaymentRefundRequested', data: { paymentId, orderId, customerId, amount, reason, requestedAt: now } };
};

export const paymentDecider: Decider<Payment, PaymentCommand, PaymentEvent> = { initialState, evolve, decide };

export const paymentStream = (paymentId: string) => `payment-${paymentId}`;
