import { useLocation } from 'preact-iso';
import { dateTime } from '../../shared/format.js';
import { api } from '../session.js';
import { AccountLayout } from './AccountLayout.js';
import type { Notification, Page } from './types.js';
import { Empty, ErrorAlert, Loading, Pager, pageOf, shortId } from './ui.js';
import { useLoad } from './use-load.js';

const PAGE_SIZE = 20;

/** The emails the shop sent me, newest first. */
export const Notifications = () => (
  <AccountLayout title="Notifications" intro="The emails we sent you about your orders, subscriptions and products, newest first.">
    {() => <NotificationList />}
  </AccountLayout>
);

/** The event that caused an email, in words ("OrderConfirmed" → "Order confirmed"). */
const typeLabel = (type: string): string => type.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^(\w)(.*)$/, (_m, first: string, rest: string) => first + rest.toLowerCase());

const NotificationList = () => {
  const { query } = useLocation();
  const page = pageOf(query);
  const list = useLoad((signal) => api.get<Page<Notification>>('/account/me/notifications', { page, pageSize: PAGE_SIZE }, signal), [page]);
  if (list.error) return <ErrorAlert error={list.error} title="Your notifications could not be loaded." />;
  if (!list.data) return <Loading what="your notifications" />;
  const { items, total } = list.data;
  if (items.length === 0) return <Empty><p>No notifications yet. We email you when an order is placed, ships or arrives.</p></Empty>;
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Notifications, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">Subject</th>
              <th scope="col">About</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr key={`${item.type}-${item.orderId ?? item.subscriptionId ?? item.productId ?? ''}-${index}`}>
                <td class="nowrap">
                  {item.sentAt ? <time dateTime={item.sentAt}>{dateTime(item.sentAt)}</time> : <span class="muted">Not yet</span>}
                  {item.status === 'uncertain' && <span class="badge warn" title="The mail server did not confirm it">Unconfirmed</span>}
                </td>
                <td>{item.subject}</td>
                <td>
                  {item.orderId ? <a href={`/orders/${item.orderId}`}>Order {shortId(item.orderId)}</a>
                    : item.subscriptionId ? <a href="/account/subscriptions">Subscription {shortId(item.subscriptionId)}</a>
                    : item.productId ? <a href={`/products/${item.productId}`}>{item.sku ?? 'Product'}</a>
                    : <span class="muted">—</span>}
                </td>
                <td><span class="badge">{typeLabel(item.type)}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageSize={PAGE_SIZE} total={total} path="/account/notifications" />
    </>
  );
};
