import { dateTime, money } from '../../shared/format.js';
import { Badge, Errors, Figure, PageHead, ShortId } from '../components/ui.js';
import { useLoad, useTitle } from '../hooks.js';
import { LiveCharts } from '../metrics/LiveCharts.js';
import { api, path } from '../session.js';
import type { Order, Paged, Runner } from '../types.js';

type Figures = {
  orders: number;
  pending: number;
  failed: number;
  toShip: number;
  lowStock: number;
  parked: number;
  runners: Runner[];
  latest: Order[];
};

const total = async (route: string, query: Record<string, string> = {}, signal?: AbortSignal) => (await api.get<Paged<unknown>>(route, { ...query, pageSize: 1 }, signal)).total;

const loadFigures = async (signal: AbortSignal): Promise<Figures> => {
  const [latest, pending, failed, toShip, lowStock, parkedEvents, parkedJobs, runners] = await Promise.all([
    api.get<Paged<Order>>('/orders', { pageSize: 6 }, signal),
    total('/orders', { status: 'Pending' }, signal),
    total('/orders', { status: 'Failed' }, signal),
    total('/shipments', { status: 'Preparing' }, signal),
    total('/inventory', { low: 'true' }, signal),
    total('/admin/parked-events', {}, signal),
    total('/admin/parked-jobs', {}, signal),
    api.get<Runner[]>('/admin/projections', undefined, signal),
  ]);
  return { orders: latest.total, latest: latest.items, pending, failed, toShip, lowStock, parked: parkedEvents + parkedJobs, runners };
};

/** The console's home: the figures an operator looks at first, each a link to its page, and the live charts. */
export const Dashboard = () => {
  useTitle('Dashboard');
  const { data, error } = useLoad(loadFigures, [], 5000);
  const live = data?.runners.filter((r) => r.status === 'live').length ?? 0;
  const maxLag = data ? Math.max(0, ...data.runners.map((r) => r.lag ?? 0)) : 0;
  const value = (n: number | undefined) => (n === undefined ? '…' : n);
  return (
    <>
      <PageHead title="Dashboard">
        <span class="muted small">Refreshed every 5 s</span>
      </PageHead>
      <Errors lines={error} />
      <section aria-label="Key figures" class="figures">
        <Figure label="Orders" value={value(data?.orders)} hint="all time" href={path('/orders')} />
        <Figure label="Pending" value={value(data?.pending)} hint="in the saga" href={path('/orders?status=Pending')} tone={data?.pending ? 'warn' : ''} />
        <Figure label="Failed" value={value(data?.failed)} hint="payment, stock" href={path('/orders?status=Failed')} tone={data?.failed ? 'bad' : ''} />
        <Figure label="To dispatch" value={value(data?.toShip)} hint="preparing" href={path('/shipments')} tone={data?.toShip ? 'warn' : ''} />
        <Figure label="Low stock" value={value(data?.lowStock)} hint="below threshold" href={path('/inventory?low=true')} tone={data?.lowStock ? 'warn' : ''} />
        <Figure label="Parked" value={value(data?.parked)} hint="events + jobs" href={path('/parked')} tone={data?.parked ? 'bad' : 'ok'} />
        <Figure
          label="Projections"
          value={data ? `${live}/${data.runners.length}` : '…'}
          hint={data ? `live · max lag ${maxLag}` : undefined}
          href={path('/projections')}
          tone={data && live === data.runners.length ? 'ok' : 'warn'}
        />
      </section>
      <LiveCharts />
      {data && data.latest.length > 0 && (
        <section class="panel flush latest" aria-labelledby="latest-title">
          <h2 id="latest-title" class="panel-title">
            Latest orders <a class="small" href={path('/orders')}>all orders</a>
          </h2>
          <table class="data compact">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Items</th>
                <th scope="col" class="num">Total</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.latest.map((order) => (
                <tr key={order.orderId}>
                  <td>
                    <a href={path(`/orders/${order.orderId}`)} aria-label={`Order ${order.orderId}`}>
                      <ShortId id={order.orderId} />
                    </a>
                  </td>
                  <td>{dateTime(order.createdAt)}</td>
                  <td>{order.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')}</td>
                  <td class="num">{money(order.total)}</td>
                  <td>
                    <Badge status={order.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
};
