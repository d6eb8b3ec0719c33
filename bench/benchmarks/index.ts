import type { BenchOptions, Metric } from '../support/metrics.js';
import { appendDurable } from './append.js';
import { hotSku } from './hot-sku.js';
import { httpBenchmarks } from './http.js';
import { longStream } from './long-stream.js';
import { rebuildBenchmark } from './rebuild.js';

/** Every benchmark, by name; each runs in a process of its own. */
export const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<Metric | Metric[]>> = {
  append: appendDurable,
  http: httpBenchmarks,
  rebuild: rebuildBenchmark,
  'hot-sku': hotSku,
  'long-stream': longStream,
};
