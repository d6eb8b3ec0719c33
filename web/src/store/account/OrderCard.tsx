import { useEffect, useRef, useState } from 'preact/hooks';
import { dateTime, money } from '../../shared/format.js';
import { watchOrder } from '../../shared/order-events.js';
import { api } from '../session.js';
import { addressLine } from './AddressForm.js';
import type { ApiError } from '../../shared/api.js';
import { CancelOrder, ChangeAddress, OrderError } from './OrderActions.js';
import { ReviewLine } from './ReviewForm.js';
import { OPEN_STATUSES, type Order, type OrderStatus } from './types.js';
import { StatusBadge, shortId } from './ui.js';

/** `onChange` merges what a write (or the live stream) says into the order shown. */
type Props = {
  order: Order;
  onChange: (patch: Partial<Order>) => void;
  /** Follow its status live while the saga moves it on (see MOVING; the list allows a few at a time). */
  live: boolean;
};

const ADDRESS_LABEL: Record<OrderStatus, string> = {
  Pending: 'Ships to', Paid: 'Ships to', Confirmed: 'Ships to', Shipped: 'On its way to', Delivered: 'Delivered to', Failed: 'Address', Cancelled: 'Address',
};

/** Statuses the saga moves on from by itself within seconds: followed live. */
export const MOVING: readonly OrderStatus[] = ['Pending', 'Paid'];

/** One order of the list: status, date, total, what is in it, and what can still be done with it. */
export const OrderCard = ({ order, onChange, live }: Props) => {
  const [open, setOpen] = useState<'cancel' | 'address' | null>(null);
  const [notice, setNotice] = useState('');
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  // After a change the buttons may be gone: the keyboard's focus goes to what happened.
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (notice || refusal) outcome.current?.focus();
  }, [notice, refusal]);
  useLive(order, onChange, live);
  const canChange = OPEN_STATUSES.includes(order.status);
  const delivered = order.status === 'Delivered';
  const titleId = `order-${order.orderId}`;
  const done = (patch: Partial<Order>, message: string) => {
    setOpen(null);
    setRefusal(null);
    setNotice(message);
    onChange(patch);
  };
  // Refused because the order moved on (shipped): said so, and the order shown as it is now.
  const refused = async (error: ApiError) => {
    setOpen(null);
    setNotice('');
    setRefusal(error);
    const now = await api.get<Order>(`/orders/${order.orderId}`).catch(() => null);
    if (now) onChange(now);
  };
  return (
    <article class="order-card panel" aria-labelledby={titleId}>
      <header class="account-order-head">
        <h2 id={titleId}>
          <a href={`/orders/${order.orderId}`}>Order {shortId(order.orderId)}</a>
        </h2>
        <span aria-live="polite"><StatusBadge status={order.status} /></span>
        <span class="muted">
          Placed <time dateTime={order.createdAt}>{dateTime(order.createdAt)}</time>
        </span>
        <strong class="order-total">{money(order.total)}</strong>
      </header>
      {order.status === 'Failed' && order.failureReason && <p class="alert error">Failed: {order.failureReason}</p>}
      <ul class="order-lines">
        {order.lines.map((line) => (
          <li key={line.productId}>
            <div class="order-line">
              <span>
                <a href={`/products/${line.productId}`}>{line.name}</a> <span class="muted">× {line.quantity}</span>
              </span>
              <span class="muted">{money({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency })}</span>
            </div>
            {delivered && <ReviewLine line={line} />}
          </li>
        ))}
      </ul>
      <div ref={outcome} tabIndex={-1} class="outcome">
        <div role="status">{notice && <p class="alert success">{notice}</p>}</div>
        <OrderError error={refusal} />
      </div>
      <p class="order-address muted">
        {ADDRESS_LABEL[order.status]} <span class="address">{addressLine(order.shippingAddress)}</span>
      </p>
      {canChange && (
        <div class="order-actions">
          <div class="row">
            <button type="button" class="secondary" aria-expanded={open === 'address'} onClick={() => setOpen(open === 'address' ? null : 'address')}>
              Change address
            </button>
            <button type="button" class="secondary danger-text" aria-expanded={open === 'cancel'} onClick={() => setOpen(open === 'cancel' ? null : 'cancel')}>
              Cancel order
            </button>
          </div>
          {open === 'address' && (
            <ChangeAddress orderId={order.orderId} onDone={(summary) => done(summary, 'The new address is saved.')} onRefused={refused} onClose={() => setOpen(null)} />
          )}
          {open === 'cancel' && (
            <CancelOrder orderId={order.orderId} onDone={(summary) => done(summary, 'The order is cancelled; your payment is refunded.')} onRefused={refused} onClose={() => setOpen(null)} />
          )}
        </div>
      )}
    </article>
  );
};

/** While the saga still moves the order on (Pending, Paid), its status changes are followed as they happen. */
const useLive = (order: Order, onChange: (patch: Partial<Order>) => void, live: boolean) => {
  const moving = live && MOVING.includes(order.status);
  useEffect(() => {
    if (!moving) return undefined;
    // A new stream first replays the statuses the order had; those already shown are passed over.
    const known = order.history?.length ?? 0;
    return watchOrder(api, order.orderId, {
      status: (event) => {
        if (event.index >= known) onChange({ status: event.status as OrderStatus });
      },
    });
  }, [order.orderId, moving]);
};
