import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ApiError } from '../../shared/api.js';
import { dateTime, money } from '../../shared/format.js';
import { watchOrder } from '../../shared/order-events.js';
import { statusTone } from '../../shared/status.js';
import { api, useSession } from '../session.js';
import type { Order } from '../types.js';
import { useLoad, useTitle } from '../components/useLoad.js';
import { ErrorAlert, Loading } from '../../shared/errors.js';
import { addressText } from '../components/AddressFields.js';
import { FailureReason, OrderStepper, PaymentOutcome, statusSentence } from '../components/OrderProgress.js';
import { OrderActions } from '../components/OrderActions.js';

const readOrder = async (id: string, signal: AbortSignal) => {
  const answer = await api.request<Order>('GET', `/orders/${encodeURIComponent(id)}`, { signal });
  return { order: answer.data, etag: answer.etag };
};

/**
 * Re-reads the order on each of its live events (status or anything else); says whether the
 * stream is up. Opened again when the session changes: a page opened signed out goes live once
 * the shopper signs in (in this tab or another).
 */
const useLiveOrder = (id: string, reload: () => void, token: string | undefined): boolean => {
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!token) return;
    return watchOrder(api, id, { status: reload, changed: reload, connection: setLive });
  }, [id, token]);
  return live;
};

const Lines = ({ order }: { order: Order }) => (
  <table class="lines">
    <caption class="visually-hidden">Items in this order</caption>
    <thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Price</th><th scope="col">Subtotal</th></tr></thead>
    <tbody>
      {order.lines.map((line) => (
        <tr key={line.productId}>
          <td><a href={`/products/${line.productId}`}>{line.name}</a></td>
          <td>{line.quantity}</td>
          <td>{money(line.unitPrice)}</td>
          <td>{money({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency })}</td>
        </tr>
      ))}
    </tbody>
    <tfoot><tr><th scope="row" colSpan={3}>Total</th><td class="grand">{money(order.total)}</td></tr></tfoot>
  </table>
);

/** An order: its lines, total, address, payment and shipment, and the saga's progress, live. */
export const OrderPage = () => {
  const { params } = useRoute();
  const id = params.id ?? '';
  const session = useSession();
  const loaded = useLoad((signal) => readOrder(id, signal), [id, session?.token]);
  const live = useLiveOrder(id, loaded.reload, session?.token);
  const order = loaded.data?.order.orderId === id ? loaded.data.order : null;
  useTitle(order ? `Order ${order.status}` : 'Order');
  if (!session) return <section class="panel empty"><h1>Order</h1><p><a href={`/signin?next=/orders/${id}`}>Sign in</a> to see this order.</p></section>;
  if (loaded.error instanceof ApiError && loaded.error.status === 404) return <section class="panel empty"><h1>No such order</h1><p>It is not one of yours, or it does not exist. <a href="/account/orders">My orders</a></p></section>;
  if (!order) return loaded.error ? <ErrorAlert error={loaded.error} title="The order could not be read." /> : <Loading what="your order" />;
  const ended = order.status === 'Failed' || order.status === 'Cancelled';
  return (
    <section aria-labelledby="order-heading" class="order-page">
      <p><a href="/account/orders">← My orders</a></p>
      <div class="order-head">
        <div>
          <h1 id="order-heading">Order <span class="mono">{order.orderId.slice(0, 8)}</span></h1>
          <p class="muted">Placed {dateTime(order.createdAt)}</p>
        </div>
        <span class={`badge big ${statusTone(order.status)}`} data-testid="order-status">{order.status}</span>
      </div>
      <div class="panel">
        <div class="row">
          <p role="status" aria-live="polite" class="status-line">{statusSentence(order)}</p>
          <span class={`live right ${live ? 'on' : ''}`}>{live ? 'Live' : 'Connecting…'}</span>
        </div>
        <OrderStepper order={order} />
        {order.failureReason && <FailureReason reason={order.failureReason} />}
        {ended && <PaymentOutcome order={order} />}
      </div>
      <ErrorAlert error={loaded.error} title="The order could not be read again." />
      <div class="order-layout">
        <section class="panel" aria-labelledby="items-heading">
          <h2 id="items-heading">Items</h2>
          <Lines order={order} />
        </section>
        <section class="panel" aria-labelledby="delivery-heading">
          <h2 id="delivery-heading">Delivery and payment</h2>
          <dl class="facts">
            <div><dt>Ship to</dt><dd>{order.shippingAddress ? addressText(order.shippingAddress) : '—'}</dd></div>
            <div><dt>Payment</dt><dd><span class={`badge ${statusTone(order.payment.status)}`}>{order.payment.status}</span></dd></div>
            <div><dt>Shipment</dt><dd>{order.shipment ? <>{order.shipment.status}{order.shipment.trackingNumber && <> · tracking <span class="mono">{order.shipment.trackingNumber}</span></>}</> : 'Not booked yet'}</dd></div>
          </dl>
        </section>
      </div>
      <OrderActions key={order.orderId} order={order} etag={loaded.data?.etag ?? null} reload={loaded.reload} />
    </section>
  );
};
