import { Errors } from '../components/ui.js';
import { Chart } from './Chart.js';
import { points, SAMPLE_MS, useMetrics, type Point } from './sampler.js';

const latest = (list: Point[], pick: (p: Point) => number | null): number | null => {
  for (let i = list.length - 1; i >= 0; i--) {
    const value = pick(list[i]!);
    if (value !== null) return value;
  }
  return null;
};

const shown = (value: number | null, unit: string) => (value === null ? 'no data yet' : `${value} ${unit}`);

/** Orders per minute, projection lag and HTTP latency, from the server's own /metrics, live. */
export const LiveCharts = () => {
  const { samples, error } = useMetrics();
  const list = points(samples);
  const times = list.map((p) => p.at);
  const waiting = list.length === 0;
  return (
    <section aria-labelledby="charts-title" class="charts-section">
      <div class="section-head">
        <h2 id="charts-title">Live metrics</h2>
        <span class="muted small">
          From GET /metrics every {SAMPLE_MS / 1000} s{waiting ? ' — collecting the first samples…' : ''}
        </span>
      </div>
      <Errors lines={error ? [error] : null} title="Metrics" />
      <div class="charts">
        <Chart
          title="Orders per minute"
          times={times}
          series={[{ label: 'checkouts accepted', color: '#2347c5', unit: '/min', values: list.map((p) => p.ordersPerMinute) }]}
          summary={`now ${shown(latest(list, (p) => p.ordersPerMinute), 'orders per minute')}`}
        />
        <Chart
          title="Projection lag"
          times={times}
          series={[
            { label: 'projections (max)', color: '#b45309', unit: 'events', values: list.map((p) => p.projectionLag) },
            { label: 'process managers (max)', color: '#7c3aed', unit: 'events', values: list.map((p) => p.processManagerLag), dash: true },
          ]}
          summary={`projections ${shown(latest(list, (p) => p.projectionLag), 'events behind')}, process managers ${shown(latest(list, (p) => p.processManagerLag), 'events behind')}`}
        />
        <Chart
          title="HTTP latency"
          times={times}
          series={[
            { label: 'p50', color: '#1b7a3d', unit: 'ms', values: list.map((p) => p.p50Ms) },
            { label: 'p99', color: '#b3261e', unit: 'ms', values: list.map((p) => p.p99Ms) },
          ]}
          summary={`p50 ${shown(latest(list, (p) => p.p50Ms), 'ms')}, p99 ${shown(latest(list, (p) => p.p99Ms), 'ms')}`}
        />
      </div>
    </section>
  );
};
