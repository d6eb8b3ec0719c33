import { money, time } from '../../shared/format.js';
import { api } from '../session.js';
import type { Order, OrderStatus, Payment } from '../types.js';
import { useLoad } from './useLoad.js';
import { ErrorAlert } from '../../shared/errors.js';

const STEPS: OrderStatus[] = ['Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered'];

const STEP_TEXT: Record<OrderStatus, string> = {
  Pending: 'Order placed, waiting for the payment',
  Paid: 'Payment captured, reserving the stock',
  Confirmed: 'Stock reserved: your order is confirmed',
  Shipped: 'On its way',
  Delivered: 'Delivered',
  Failed: 'The order failed',
  Cancelled: 'The order was cancelled',
};

/** The order's failure reasons (FailureReason in the API) in words; an unknown one is shown as it is. */
const REASONS: Record<string, string> = {
  'payment-declined': 'the card was declined, so nothing was charged',
  'payment-timeout': 'the payment provider did not answer in time',
  'out-of-stock': 'an item ran out of stock after the payment; the payment is refunded',
  'customer-erased': "the customer's account was erased as it was placed, so nothing was charged",
};

export const FailureReason = ({ reason }: { reason: string }) => (
  <p class="alert error failure">
    <strong>Why it failed:</strong> {REASONS[reason] ? <>{REASONS[reason]} <span class="muted-inline">({reason})</span></> : reason}
  </p>
);

/** One sentence for the status, as the live region announces it. */
export const statusSentence = (order: Order): string => `Order status: ${order.status}. ${STEP_TEXT[order.status]}.`;

/** Pending → Paid → Confirmed → Shipped → Delivered, each step with when it was reached; Failed or Cancelled ends it. */
export const OrderStepper = ({ order }: { order: Order }) => {
  const at = new Map(order.history.map((h) => [h.status, h.at]));
  const ended = order.status === 'Failed' || order.status === 'Cancelled';
  const reached = STEPS.filter((s) => at.has(s));
  const steps: OrderStatus[] = ended ? [...reached, order.status] : STEPS;
  return (
    <ol class="order-steps" aria-label="Order progress">
      {steps.map((step) => {
        const done = at.has(step);
        const current = step === order.status;
        const tone = current && ended ? 'bad' : done ? 'done' : 'todo';
        return (
          <li key={step} class={`step ${tone}${current ? ' current' : ''}`} aria-current={current ? 'step' : undefined}>
            <span class="dot" aria-hidden="true">{tone === 'bad' ? '✕' : done ? '✓' : ''}</span>
            <span class="step-name">{step}</span>
            <span class="step-time muted">{done ? time(at.get(step)) : 'Not yet'}</span>
          </li>
        );
      })}
    </ol>
  );
};

/** The payment of a failed or cancelled order: why it failed, and whether a capture was refunded. */
export const PaymentOutcome = ({ order }: { order: Order }) => {
  const paymentId = order.payment.paymentId;
  const payment = useLoad((signal) => api.get<Payment>(`/payments/${paymentId}`, undefined, signal), [paymentId, order.updatedAt]);
  const data = payment.data;
  return (
    <div class="payment-outcome">
      <ErrorAlert error={payment.error} title="The payment could not be read." />
      {data && (
        <dl class="facts">
          <div><dt>Payment</dt><dd>{data.status} · {money(data.amount)}</dd></div>
          {data.failureReason && <div><dt>Payment failure</dt><dd>{data.failureReason}</dd></div>}
          <div>
            <dt>Refund</dt>
            <dd>{data.refunded ? `Refunded${data.refundReason ? ` (${data.refundReason})` : ''}` : data.status === 'Captured' ? 'Refund pending' : 'Nothing was charged'}</dd>
          </div>
        </dl>
      )}
    </div>
  );
};
