import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../session.js';
import { AccountLayout } from './AccountLayout.js';
import { SubscriptionCard } from './SubscriptionCard.js';
import { SubscriptionForm } from './SubscriptionForm.js';
import type { Page, PaymentMethod, Product, Subscription } from './types.js';
import { Empty, ErrorAlert, Loading, Pager, pageOf } from './ui.js';
import { useLoad } from './use-load.js';

const PAGE_SIZE = 10;

/** My subscriptions: products ordered again every few days, paid with a saved card. */
export const Subscriptions = () => (
  <AccountLayout title="Subscriptions" intro="Products ordered again for you on a schedule, paid with a saved card. Pause, skip or cancel any time.">
    {() => <SubscriptionsPage />}
  </AccountLayout>
);

export type Catalog = { products: Product[]; methods: PaymentMethod[] };

const SubscriptionsPage = () => {
  const { query } = useLocation();
  const page = pageOf(query);
  const list = useLoad((signal) => api.get<Page<Subscription>>('/subscriptions', { page, pageSize: PAGE_SIZE }, signal), [page]);
  // What subscriptions are made of: the products on sale (named on the cards) and my saved cards.
  const catalog = useLoad(
    async (signal): Promise<Catalog> => {
      const [products, methods] = await Promise.all([
        api.get<Page<Product>>('/products', { pageSize: 100 }, signal),
        api.get<{ items: PaymentMethod[] }>('/account/me/payment-methods', undefined, signal),
      ]);
      return { products: products.items, methods: methods.items };
    },
    [],
  );
  const [notice, setNotice] = useState('');
  const replace = (subscription: Subscription, message: string) => {
    list.set((current) => current && { ...current, items: current.items.map((s) => (s.subscriptionId === subscription.subscriptionId ? { ...s, ...subscription } : s)) });
    setNotice(message);
  };
  const created = (subscription: Subscription) => {
    list.set((current) => current && { ...current, items: [subscription, ...current.items], total: current.total + 1 });
    setNotice('Your subscription is active.');
  };
  return (
    <>
      <div role="status">{notice && <p class="alert success">{notice}</p>}</div>
      <ErrorAlert error={catalog.error} title="The products or your saved cards could not be loaded." />
      {list.error ? <ErrorAlert error={list.error} title="Your subscriptions could not be loaded." />
        : !list.data ? <Loading what="your subscriptions" />
        : list.data.items.length === 0 ? <Empty><p>No subscriptions yet. Start one below: we order it again for you on your schedule.</p></Empty>
        : (
          <>
            <ul class="sub-list" aria-label="My subscriptions">
              {list.data.items.map((subscription) => (
                <li key={subscription.subscriptionId}>
                  <SubscriptionCard subscription={subscription} catalog={catalog.data} onChange={replace} />
                </li>
              ))}
            </ul>
            <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} path="/account/subscriptions" />
          </>
        )}
      {catalog.data && <SubscriptionForm catalog={catalog.data} onCreated={created} />}
    </>
  );
};
