import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { ShipmentActions } from '../components/ShipmentActions.js';
import { Badge, Empty, Errors, Loading, PageHead, Pager, PastTheEnd, ShortId, count } from '../components/ui.js';
import { askedPage, pageOf, useLoad, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import type { Paged, Shipment } from '../types.js';

const STATUSES = ['Preparing', 'Shipped', 'Delivered', 'Cancelled'];
const PAGE_SIZE = 20;

/** Shipments by status (GET /shipments, oldest change first), to dispatch and to mark delivered. */
export const ShipmentsPage = () => {
  useTitle('Shipments');
  const { query, route } = useLocation();
  const status = query.status ?? 'Preparing';
  const page = pageOf(query.page);
  const { data, error, loading, reload } = useLoad((signal) => api.get<Paged<Shipment>>('/shipments', { status, page, pageSize: PAGE_SIZE }, signal), [status, page], 10_000);
  const [said, setSaid] = useState<string | null>(null);
  const done = (text: string) => {
    setSaid(text);
    reload();
  };
  return (
    <>
      <PageHead title="Shipments">
        <label class="inline-select">
          Status
          <select value={status} onChange={(e) => route(path(`/shipments?status=${e.currentTarget.value}`))}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </PageHead>
      <Errors lines={error} />
      <div aria-live="polite">{said && <p class="alert success">{said}</p>}</div>
      {!data && loading && <Loading what="shipments" />}
      {data && data.total === 0 && <Empty>No {status.toLowerCase()} shipments.</Empty>}
      {data && data.items.length === 0 && data.total > 0 && (
        <PastTheEnd page={askedPage(query.page)} list={`the ${status.toLowerCase()} shipments (${count(data.total, 'shipment')})`} first={path(`/shipments?status=${status}`)} />
      )}
      {data && data.items.length > 0 && (
        <div class="panel flush">
          <table class="data">
            <caption class="visually-hidden">
              {status} shipments, oldest change first: {data.total}
            </caption>
            <thead>
              <tr>
                <th scope="col">Shipment</th>
                <th scope="col">Order</th>
                <th scope="col">Items</th>
                <th scope="col">Ship to</th>
                <th scope="col">Status</th>
                <th scope="col">Carrier</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((s) => (
                <tr key={s.shipmentId}>
                  <td>
                    <ShortId id={s.shipmentId} />
                  </td>
                  <td>
                    <a href={path(`/orders/${s.orderId}`)} aria-label={`Order ${s.orderId}`}>
                      <ShortId id={s.orderId} />
                    </a>
                  </td>
                  <td>{s.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}</td>
                  <td class="small">
                    {s.shippingAddress.city}, {s.shippingAddress.country}
                  </td>
                  <td>
                    <Badge status={s.status} />
                  </td>
                  <td class="small">
                    {s.carrier?.status ? <Badge status={s.carrier.status} /> : <span class="muted">—</span>}
                    {s.trackingNumber && <div class="mono">{s.trackingNumber}</div>}
                    {s.carrier?.reason && <div class="error-text">{s.carrier.reason}</div>}
                  </td>
                  <td>
                    <ShipmentActions shipmentId={s.shipmentId} status={s.status} onDone={done} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Shipments" page={data.page} pageSize={data.pageSize} total={data.total} onPage={(p) => route(path(`/shipments?status=${status}&page=${p}`))} />
        </div>
      )}
    </>
  );
};
