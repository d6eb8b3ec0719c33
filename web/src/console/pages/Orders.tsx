import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { useAddressSync } from '../../shared/address-sync.js';
import { queryString } from '../../shared/api.js';
import { dateTime, money } from '../../shared/format.js';
import { Badge, Empty, Errors, Loading, PageHead, Pager, PastTheEnd, ShortId, count } from '../components/ui.js';
import { askedPage, pageOf, useLoad, useTitle } from '../hooks.js';
import { api, path } from '../session.js';
import type { Order, Paged } from '../types.js';

const STATUSES = ['Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered', 'Failed', 'Cancelled'];
const PAGE_SIZE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every order (GET /orders as the admin), filtered by status and customer, a page at a time; the filters live in the address. */
export const OrdersPage = () => {
  useTitle('Orders');
  const { query, route } = useLocation();
  const status = query.status ?? '';
  const customerId = query.customerId ?? '';
  const page = pageOf(query.page);
  const [customerField, setCustomerField] = useState(customerId);
  const [fieldError, setFieldError] = useState<string | null>(null);
  // The address is the filter's truth: Back, Forward or a link to another customer's orders moves it, and the field with it.
  useAddressSync(() => {
    setCustomerField(customerId);
    setFieldError(null);
  }, [customerId]);
  const go = (next: Record<string, string | number | undefined>) => route(path(`/orders${queryString({ status, customerId, page, ...next })}`));

  const { data, error, loading } = useLoad((signal) => api.get<Paged<Order>>('/orders', { status, customerId, page, pageSize: PAGE_SIZE }, signal), [status, customerId, page]);

  const applyCustomer = (event: Event) => {
    event.preventDefault();
    const value = customerField.trim();
    if (value && !UUID.test(value)) return setFieldError('A customer id is a UUID, like 5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b.');
    setFieldError(null);
    go({ customerId: value, page: 1 });
  };

  return (
    <>
      <PageHead title="Orders" />
      <form class="filters panel" onSubmit={applyCustomer} aria-label="Filter orders">
        <label>
          Status
          <select value={status} onChange={(e) => go({ status: e.currentTarget.value, page: 1 })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Customer id
          <input
            value={customerField}
            onInput={(e) => setCustomerField(e.currentTarget.value)}
            placeholder="any customer"
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? 'customer-error' : undefined}
          />
        </label>
        <button type="submit">Apply</button>
        {(status || customerId) && (
          <button type="button" class="secondary" onClick={() => (setCustomerField(''), route(path('/orders')))}>
            Clear filters
          </button>
        )}
        {fieldError && (
          <p id="customer-error" class="field-error" role="alert">
            {fieldError}
          </p>
        )}
      </form>
      <Errors lines={error} />
      {loading && !data ? (
        <Loading what="orders" />
      ) : data && data.total === 0 ? (
        <Empty>{status || customerId ? 'No orders match these filters.' : 'No orders yet.'}</Empty>
      ) : data && data.items.length === 0 ? (
        <PastTheEnd page={askedPage(query.page)} list={`the ${status || customerId ? 'orders that match these filters' : 'orders'} (${count(data.total, 'order')})`} first={path(`/orders${queryString({ status, customerId })}`)} />
      ) : data ? (
        <div class="panel flush">
          <table class="data clickable">
            <caption class="visually-hidden">Orders, newest first: {data.total} in all</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Customer</th>
                <th scope="col">Items</th>
                <th scope="col" class="num">Total</th>
                <th scope="col">Status</th>
                <th scope="col">Payment</th>
                <th scope="col">Shipment</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((order) => (
                <tr key={order.orderId} onClick={(e) => (e.target as HTMLElement).closest('a') || route(path(`/orders/${order.orderId}`))}>
                  <td>
                    <a href={path(`/orders/${order.orderId}`)} aria-label={`Order ${order.orderId}`}>
                      <ShortId id={order.orderId} />
                    </a>
                  </td>
                  <td>{dateTime(order.createdAt)}</td>
                  <td>
                    <ShortId id={order.customerId} />
                  </td>
                  <td>{order.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')}</td>
                  <td class="num">{money(order.total)}</td>
                  <td>
                    <Badge status={order.status} />
                  </td>
                  <td>
                    <Badge status={order.payment?.status} />
                  </td>
                  <td>
                    <Badge status={order.shipment?.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Orders" page={data.page} pageSize={data.pageSize} total={data.total} onPage={(p) => go({ page: p })} />
        </div>
      ) : null}
    </>
  );
};
