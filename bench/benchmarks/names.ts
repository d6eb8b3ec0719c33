/** The benchmarks, in the order `npm run bench` runs them (the orchestrator loads no benchmark code). */
export const BENCHMARK_NAMES = ['append', 'http', 'rebuild', 'saga', 'projection-lag', 'cross-process-lag', 'workers', 'failover', 'hot-sku', 'long-stream', 'search', 'emmett-http', 'privacy'] as const;

export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];
