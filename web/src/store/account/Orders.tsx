import { useLocation } from 'preact-iso';
import { api } from '../session.js';
import { AccountLayout } from './AccountLayout.js';
import { MOVING, OrderCard } from './OrderCard.js';
import type { Order, Page } from './types.js';
import { Empty, ErrorAlert, Loading, Pager, pageOf } from './ui.js';
import { useLoad } from './use-load.js';

const PAGE_SIZE = 10;
/** Each live order holds a connection open: a few at most, so the page's other requests are never queued behind them. */
const MAX_LIVE = 3;

/** My orders: newest first, a page at a time; each can be cancelled or readdressed until it ships, and reviewed once delivered. */
export const MyOrders = () => (
  <AccountLayout title="My orders" intro="Cancel or change the address until an order ships; review what was delivered.">
    {() => <OrderList />}
  </AccountLayout>
);

const OrderList = () => {
  const { query } = useLocation();
  const page = pageOf(query);
  const orders = useLoad((signal) => api.get<Page<Order>>('/orders', { page, pageSize: PAGE_SIZE }, signal), [page]);
  const change = (orderId: string) => (patch: Partial<Order>) =>
    orders.set((current) => current && { ...current, items: current.items.map((o) => (o.orderId === orderId ? { ...o, ...patch } : o)) });

  if (orders.error) return <ErrorAlert error={orders.error} title="Your orders could not be loaded." />;
  if (!orders.data) return <Loading what="your orders" />;
  const { items, total } = orders.data;
  const live = new Set(items.filter((o) => MOVING.includes(o.status)).slice(0, MAX_LIVE).map((o) => o.orderId));
  if (items.length === 0) {
    return (
      <Empty>
        <p>{page > 1 ? 'No orders on this page.' : 'You have not ordered anything yet.'}</p>
        <a class="button" href="/">Start shopping</a>
      </Empty>
    );
  }
  return (
    <>
      <p class="muted" aria-live="polite">
        {total} {total === 1 ? 'order' : 'orders'}
      </p>
      <ol class="order-list" aria-label="Orders, newest first">
        {items.map((order) => (
          <li key={order.orderId}>
            <OrderCard order={order} onChange={change(order.orderId)} live={live.has(order.orderId)} />
          </li>
        ))}
      </ol>
      <Pager page={page} pageSize={PAGE_SIZE} total={total} path="/account/orders" />
    </>
  );
};
