import { useEffect, useState } from 'preact/hooks';
import { bucketDelta, histogram, max, parsePrometheus, quantile, sum, type Buckets } from './prometheus.js';

/**
 * Samples GET /metrics every few seconds while an admin is signed in, whichever page is
 * shown, and keeps the last few minutes: the dashboard's charts draw from them.
 */

export const SAMPLE_MS = 3000;
const KEEP = 100;

export type Sample = {
  /** Unix seconds. */
  at: number;
  /** Checkouts accepted (POST /api/v1/checkout answered 202) since the server started. */
  checkouts: number;
  /** HTTP latency buckets (seconds), all routes but /metrics itself. */
  latency: Buckets;
  projectionLag: number | null;
  processManagerLag: number | null;
  parked: number;
};

export type Point = {
  at: number;
  ordersPerMinute: number | null;
  projectionLag: number | null;
  processManagerLag: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
};

type State = { samples: Sample[]; error: string | null };

let state: State = { samples: [], error: null };
const listeners = new Set<(state: State) => void>();
const publish = (next: State) => {
  state = next;
  for (const listener of listeners) listener(state);
};

const isCheckout = (labels: Record<string, string>) => labels.method === 'POST' && /^\/api\/v1\/checkout\/?$/.test(labels.route ?? '') && labels.status === '202';

export const toSample = (text: string, at: number): Sample => {
  const lines = parsePrometheus(text);
  return {
    at,
    checkouts: sum(lines, 'http_requests_total', isCheckout),
    latency: histogram(lines, 'http_request_duration_seconds', (labels) => labels.route !== '/metrics'),
    projectionLag: max(lines, 'projection_lag_events'),
    processManagerLag: max(lines, 'process_manager_lag_events'),
    parked: sum(lines, 'parked_total'),
  };
};

/** Rates and quantiles between consecutive samples (a restarted server's counters start over: no rate then). */
export const points = (samples: Sample[]): Point[] =>
  samples.slice(1).map((sample, i) => {
    const before = samples[i]!;
    const seconds = sample.at - before.at;
    const delta = sample.checkouts - before.checkouts;
    const window = bucketDelta(sample.latency, before.latency);
    const ms = (q: number) => {
      const value = quantile(q, window);
      return value === null ? null : Math.round(value * 10_000) / 10;
    };
    return {
      at: sample.at,
      ordersPerMinute: delta >= 0 && seconds > 0 ? Math.round((delta / seconds) * 600) / 10 : null,
      projectionLag: sample.projectionLag,
      processManagerLag: sample.processManagerLag,
      p50Ms: ms(0.5),
      p99Ms: ms(0.99),
    };
  });

const scrape = async () => {
  try {
    const response = await fetch('/metrics', { headers: { Accept: 'text/plain' } });
    if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
    const sample = toSample(await response.text(), Date.now() / 1000);
    publish({ samples: [...state.samples, sample].slice(-KEEP), error: null });
  } catch (caught) {
    publish({ ...state, error: caught instanceof Error ? caught.message : String(caught) });
  }
};

/** Runs the sampler while `active` (the admin is signed in). */
export const useMetricsSampler = (active: boolean): void => {
  useEffect(() => {
    if (!active) return;
    void scrape();
    const timer = setInterval(() => void scrape(), SAMPLE_MS);
    return () => clearInterval(timer);
  }, [active]);
};

/** The samples so far, redrawn with each new one. */
export const useMetrics = (): State => {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
};
