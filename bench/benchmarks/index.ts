import type { BenchOptions, Metric } from '../support/metrics.js';
import { appendDurable } from './append.js';
import { checkoutToConfirmed } from './checkout.js';
import { hotSku } from './hot-sku.js';
import { httpBenchmarks } from './http.js';
import { longStream } from './long-stream.js';
import { projectionLag } from './projection-lag.js';
import { rebuildBenchmark } from './rebuild.js';

import type { BenchmarkName } from './names.js';

/** Every benchmark, by name; each runs in a process of its own. */
export const BENCHMARKS: Record<BenchmarkName, (options: BenchOptions) => Promise<Metric | Metric[]>> = {
  append: appendDurable,
  http: httpBenchmarks,
  rebuild: rebuildBenchmark,
  'hot-sku': hotSku,
  'long-stream': longStream,
  checkout: checkoutToConfirmed,
  'projection-lag': projectionLag,
};
