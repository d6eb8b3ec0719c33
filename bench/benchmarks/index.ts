import type { BenchOptions, Metric } from '../support/metrics.js';
import { appendDurable } from './append.js';

/** Every benchmark, by name; each runs in a process of its own. */
export const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<Metric | Metric[]>> = {
  append: appendDurable,
};
