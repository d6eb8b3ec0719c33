import type { BenchOptions, Metric } from '../support/metrics.js';
import type { BenchmarkName } from './names.js';

type Benchmark = (options: BenchOptions) => Promise<Metric | Metric[]>;

/**
 * Every benchmark, by name; each runs in a process of its own, which loads its module
 * alone (the rebuild's peak RSS must not count the HTTP stack or the database clients).
 */
export const BENCHMARKS: Record<BenchmarkName, () => Promise<Benchmark>> = {
  append: async () => (await import('./append.js')).appendDurable,
  http: async () => (await import('./http.js')).httpBenchmarks,
  rebuild: async () => (await import('./rebuild.js')).rebuildBenchmark,
  saga: async () => (await import('./saga.js')).sagaBenchmark,
  'projection-lag': async () => (await import('./projection-lag.js')).projectionLag,
  'cross-process-lag': async () => (await import('./cross-process-lag.js')).crossProcessLag,
  workers: async () => (await import('./workers.js')).workersBenchmark,
  failover: async () => (await import('./failover.js')).failover,
  'hot-sku': async () => (await import('./hot-sku.js')).hotSku,
  'long-stream': async () => (await import('./long-stream.js')).longStream,
  search: async () => (await import('./search.js')).searchBenchmark,
  'emmett-http': async () => (await import('./emmett-http.js')).emmettHttp,
  privacy: async () => (await import('./privacy.js')).privacyBenchmark,
};
