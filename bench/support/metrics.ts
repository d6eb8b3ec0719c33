import * as hdr from 'hdr-histogram-js';

/** One figure of `npm run bench`, measured next to its anchors in the same run. */
export type Metric = {
  id: string;
  value: number;
  unit: string;
  anchors: Record<string, number>;
  /** The target, as text, and whether this run met it. */
  target?: string;
  met?: boolean;
  /** How it was measured (sizes, concurrency), for the record. */
  params?: Record<string, number | string>;
  /** The figure over each anchor it is judged against, from interleaved pairs (support/interleave.ts). */
  ratios?: Ratio[];
};

/**
 * ours / anchor in each of `pairs` interleaved pairs (measured one right after the other),
 * their median (what the target is judged on) and their spread (min and max).
 */
export type Ratio = { anchor: string; median: number; pairs: number[]; min: number; max: number };

export type BenchOptions = { quick: boolean };

/** A latency histogram in microseconds (hdr-histogram-js), reported in milliseconds. */
export const histogram = () => {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  return {
    recordMs: (ms: number) => h.recordValue(Math.max(1, Math.round(ms * 1000))),
    percentileMs: (p: number) => h.getValueAtPercentile(p) / 1000,
    count: () => h.totalCount,
  };
};

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` with `concurrency` workers until `total` units are done; returns units per second. */
export const throughput = async (total: number, concurrency: number, work: (i: number) => Promise<void>): Promise<number> => {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await work(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
};
