import type { BenchOptions, Metric } from '../support/metrics.js';
import { appendDurable } from './append.js';
import { httpBenchmarks } from './http.js';
import { rebuildBenchmark } from './rebuild.js';

/** Every benchmark, by name; each runs in a process of its own. */
export const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<Metric | Metric[]>> = {
  append: appendDurable,
  http: httpBenchmarks,
  rebuild: rebuildBenchmark,
};
