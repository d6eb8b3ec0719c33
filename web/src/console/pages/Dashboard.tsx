import { Errors, Figure, PageHead } from '../components/ui.js';
import { useLoad, useTitle } from '../hooks.js';
import { LiveCharts } from '../metrics/LiveCharts.js';
import { api, path } from '../session.js';
import type { Paged, Runner } from '../types.js';

type Figures = {
  orders: number;
  pending: number;
  failed: number;
  toShip: number;
  lowStock: number;
  parked: number;
  runners: Runner[];
};

const total = async (route: string, query: Record<string, string> = {}, signal?: AbortSignal) => (await api.get<Paged<unknown>>(route, { ...query, pageSize: 1 }, signal)).total;

const loadFigures = async (signal: AbortSignal): Promise<Figures> => {
  const [orders, pending, failed, toShip, lowStock, parkedEvents, parkedJobs, runners] = await Promise.all([
    total('/orders', {}, signal),
    total('/orders', { status: 'Pending' }, signal),
    total('/orders', { status: 'Failed' }, signal),
    total('/shipments', { status: 'Preparing' }, signal),
    total('/inventory', { low: 'true' }, signal),
    total('/admin/parked-events', {}, signal),
    total('/admin/parked-jobs', {}, signal),
    api.get<Runner[]>('/admin/projections', undefined, signal),
  ]);
  return { orders, pending, failed, toShip, lowStock, parked: parkedEvents + parkedJobs, runners };
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
        <Figure label="Pending" value={value(data?.pending)} hint="waiting on the saga" href={path('/orders?status=Pending')} tone={data?.pending ? 'warn' : ''} />
        <Figure label="Failed" value={value(data?.failed)} hint="payment or stock" href={path('/orders?status=Failed')} tone={data?.failed ? 'bad' : ''} />
        <Figure label="To dispatch" value={value(data?.toShip)} hint="shipments preparing" href={path('/shipments')} tone={data?.toShip ? 'warn' : ''} />
        <Figure label="Low stock" value={value(data?.lowStock)} hint="below threshold" href={path('/inventory?low=true')} tone={data?.lowStock ? 'warn' : ''} />
        <Figure label="Parked" value={value(data?.parked)} hint="events and jobs" href={path('/parked')} tone={data?.parked ? 'bad' : 'ok'} />
        <Figure
          label="Projections live"
          value={data ? `${live}/${data.runners.length}` : '…'}
          hint={data ? `max lag ${maxLag} events` : undefined}
          href={path('/projections')}
          tone={data && live === data.runners.length ? 'ok' : 'warn'}
        />
      </section>
      <LiveCharts />
    </>
  );
};
