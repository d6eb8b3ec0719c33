import { useRoute } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { dateTime, money } from '../../shared/format.js';
import { Badge, Errors, Loading, PageHead, ShortId } from '../components/ui.js';
import { ShipmentActions } from '../components/ShipmentActions.js';
import { useLoad, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import { OrderTimeline } from '../timeline/OrderTimeline.js';
import type { Order, OrderAudit } from '../types.js';

/** How often the order is read again while the page is open. */
const POLL_MS = 1500;

/** Until it ends, an order can move without this page: the saga, the carrier's booking and its delivery report. */
const movesByItself = (order: Order): boolean => !['Delivered', 'Failed', 'Cancelled'].includes(order.status);

/** One order: what it is now, its shipment's actions, and its life across every stream its saga touched. */
export const OrderPage = () => {
  const { params } = useRoute();
  const id = params.id!;
  useTitle(`Order ${id.slice(0, 8)}`);
  const [polling, setPolling] = useState(true);
  const order = useLoad(
    (signal) =>
      api.get<Order>(`/orders/${id}`, undefined, signal).catch((failure: unknown) => {
        // No such order (or no id at all): nothing will move, and asking every POLL_MS only repeats the 404.
        if (failure instanceof ApiError && failure.fromShop && [400, 403, 404].includes(failure.status)) setPolling(false);
        throw failure;
      }),
    [id],
    polling ? POLL_MS : undefined,
  );
  const audit = useLoad((signal) => api.get<OrderAudit>(`/admin/audit/orders/${id}`, undefined, signal), [id]);
  const changed = () => {
    order.reload();
    audit.reload();
  };
  const o = order.data;
  // While the order can move on by itself (the saga pays and reserves, the carrier books and
  // delivers), it is read again every POLL_MS, so the page never offers a step already taken;
  // its timeline follows each status it reaches.
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (!o) return;
    setPolling(movesByItself(o));
    const now = `${o.status}/${o.shipment?.status ?? ''}`;
    if (seen.current !== null && seen.current !== now) audit.reload();
    seen.current = now;
  }, [o?.status, o?.shipment?.status]);
  return (
    <>
      <p class="crumbs">
        <a href={path('/orders')}>Orders</a> <span aria-hidden="true">/</span> <span class="mono">{id.slice(0, 8)}</span>
      </p>
      <PageHead title={`Order ${id.slice(0, 8)}`}>
        {o && <Badge status={o.status} />}
        <button type="button" class="secondary" onClick={changed}>
          Refresh
        </button>
      </PageHead>
      <Errors lines={order.error} />
      {!o && order.loading && <Loading what="the order" />}
      {o && (
        <div class="order-summary">
          <section class="panel" aria-labelledby="order-facts">
            <h2 id="order-facts">Summary</h2>
            <dl class="facts">
              <dt>Order id</dt>
              <dd class="mono">{o.orderId}</dd>
              <dt>Customer</dt>
              <dd>
                <a href={path(`/orders?customerId=${o.customerId}`)}>
                  <ShortId id={o.customerId} />
                </a>
              </dd>
              <dt>Placed</dt>
              <dd>{dateTime(o.createdAt)}</dd>
              <dt>Total</dt>
              <dd>{money(o.total)}</dd>
              <dt>Ship to</dt>
              <dd>
                {o.shippingAddress.line1}, {o.shippingAddress.postalCode} {o.shippingAddress.city}, {o.shippingAddress.country}
              </dd>
              {o.failureReason && (
                <>
                  <dt>Failed because</dt>
                  <dd>{o.failureReason}</dd>
                </>
              )}
            </dl>
          </section>
          <section class="panel" aria-labelledby="order-payment">
            <h2 id="order-payment">Payment and shipment</h2>
            <dl class="facts">
              <dt>Payment</dt>
              <dd>
                <Badge status={o.payment?.status} />
              </dd>
              <dt>Shipment</dt>
              <dd>
                <span data-testid="shipment-status">
                  <Badge status={o.shipment?.status} />
                </span>
                {o.shipment?.trackingNumber && <span class="mono small"> {o.shipment.trackingNumber}</span>}
              </dd>
            </dl>
            {o.shipment && <ShipmentActions shipmentId={o.shipment.shipmentId} status={o.shipment.status} onDone={changed} />}
          </section>
          <section class="panel" aria-labelledby="order-lines">
            <h2 id="order-lines">Lines</h2>
            <table class="data compact">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Product</th>
                  <th scope="col" class="num">Qty</th>
                  <th scope="col" class="num">Price</th>
                </tr>
              </thead>
              <tbody>
                {o.lines.map((line) => (
                  <tr key={line.productId}>
                    <td class="mono">{line.sku}</td>
                    <td>{line.name}</td>
                    <td class="num">{line.quantity}</td>
                    <td class="num">{money(line.unitPrice)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
      <section aria-labelledby="timeline-title" class="timeline-section">
        <div class="section-head">
          <h2 id="timeline-title">Timeline across streams</h2>
          <span class="muted small">One lane per stream the saga touched · arrows run from an event to the events it caused</span>
        </div>
        <OrderTimeline audit={audit.data} loading={audit.loading} error={audit.error} />
      </section>
    </>
  );
};
