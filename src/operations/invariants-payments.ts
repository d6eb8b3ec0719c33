import type { Payment } from '../domain/payment/payment.js';
import type { Money } from '../domain/shared/types.js';
import type { OrderView } from '../projections/orders/orders.js';
import type { PaymentView } from '../projections/payments/payments.js';
import { BOUGHT, GIVEN_UP } from './invariants-orders.js';
import { eachOne, same, shown, viewOf, violation, type Invariant, type Snapshot, type Violation } from './invariants-snapshot.js';

/** Invariants of payments and money: what an order shows of its payment, and what the provider moved. */

const orders = (s: Snapshot) => viewOf<OrderView>(s, 'orders');
const payments = (s: Snapshot) => viewOf<PaymentView>(s, 'payments');

const sum = (amounts: readonly Money[]) => amounts.reduce((total, m) => total + m.amount, 0);

const orderPayment: Invariant = {
  name: 'order-payment',
  rule: "An order's payment is in the payments read model, for that order, with the status the order shows and the order's total as its amount.",
  reads: ['orders', 'payments'],
  check: (s) => {
    const found = violation('order-payment');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      eachOne(out, found, order._id, () => {
        const { paymentId, status } = order.payment;
        if (payments(s).later(paymentId)) return;
        const payment = payments(s).get(paymentId);
        if (!payment) {
          if (!s.inFlight.has(order._id)) out.push(found(order._id, `payment ${paymentId} is not in the payments read model`));
        } else if (payment.orderId !== order._id) out.push(found(order._id, `payment ${paymentId} belongs to order ${payment.orderId}`));
        else if (payment.status !== status) out.push(found(order._id, `the order shows its payment ${status}, the payment is ${payment.status}`));
        else if (!same(payment.amount, order.total)) out.push(found(order._id, `payment of ${shown(payment.amount)} for a total of ${shown(order.total)}`));
      });
    }
    return out;
  },
};

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
      eachOne(out, found, paymentId, () => {
        if (state.status === 'None' || payments(s).later(paymentId)) return;
        const doc = payments(s).get(paymentId);
        if (!doc) {
          out.push(found(paymentId, `the log has this ${state.status} payment, the read model not`));
          return;
        }
        const expected = { orderId: state.orderId, amount: state.amount, status: viewStatus(state), refunded: state.status === 'Refunded', refundPending: state.status === 'RefundPending' };
        for (const [field, value] of Object.entries(expected)) {
          const actual = doc[field as keyof PaymentView];
          if (!same(actual, value)) out.push(found(paymentId, `${field} is ${shown(actual)}, the payment stream says ${shown(value)}`));
        }
      });
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
      eachOne(out, found, paymentId, () => {
        if (state.status === 'None') return;
        const currencies = new Set([state.amount.currency, ...captures.map((m) => m.currency), ...refunds.map((m) => m.currency)]);
        if (captures.length > 1) out.push(found(paymentId, `captured ${captures.length} times`));
        if (refunds.length > 1) out.push(found(paymentId, `refunded ${refunds.length} times`));
        if (currencies.size > 1) out.push(found(paymentId, `moves money in ${[...currencies].join(' and ')}`));
        if (captures.some((m) => m.amount !== state.amount.amount)) out.push(found(paymentId, `captured ${sum(captures)} of a payment of ${state.amount.amount}`));
        if (sum(refunds) > sum(captures)) out.push(found(paymentId, `refunded ${sum(refunds)}, captured ${sum(captures)}`));
      });
    }
    return out;
  },
};

// ------------------------------------------------------------------ once the saga is done

const orderPaymentOutcome: Invariant = {
  name: 'order-payment-outcome',
  rule: 'Once its saga is done, a Confirmed, Shipped or Delivered order has its payment Captured and not refunded; a Failed or Cancelled one has its payment Failed or Refunded, and every capture of it refunded.',
  reads: ['orders', 'payments'],
  check: (s) => {
    const found = violation('order-payment-outcome');
    const out: Violation[] = [];
    for (const order of orders(s).docs()) {
      eachOne(out, found, order._id, () => {
        const payment = payments(s).get(order.payment.paymentId);
        if (!payment || s.inFlight.has(order._id) || s.handedOver.has(order._id)) return;
        const money = s.log.payments.get(payment.paymentId);
        const kept = sum(money?.captures ?? []) - sum(money?.refunds ?? []);
        if (BOUGHT.includes(order.status) && (payment.status !== 'Captured' || payment.refunded || payment.refundPending)) {
          out.push(found(order._id, `${order.status}, its payment ${payment.status}${payment.refundPending ? ' with a refund pending' : ''}`));
        } else if (GIVEN_UP.includes(order.status) && (!['Failed', 'Refunded'].includes(payment.status) || kept > 0)) {
          out.push(found(order._id, `${order.status}, its payment ${payment.status}, ${kept} ${payment.amount.currency} minor units kept`));
        }
      });
    }
    return out;
  },
};

export const PAYMENT_INVARIANTS: readonly Invariant[] = [orderPayment, paymentLog, paymentMoney, orderPaymentOutcome];
