import { round, type Ratio } from './metrics.js';

/**
 * Robust figures on a shared machine: ours and its anchor measured in interleaved pairs,
 * one right after the other, so that a machine that speeds up or slows down during the run
 * colours both sides of a pair alike; the figure is the median of the pairs' ratios, with
 * their spread. The order alternates (ours first, then the anchor first: ABBA), so that a
 * steady drift does not always favour the side measured first.
 */

/** The median of the figures (NaN when there are none). */
export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export type Pair<O, A = O> = { ours: O; anchor: A };

/** `count` pairs of (ours, anchor), each side run once per pair, the order alternating. */
export const interleaved = async <O, A>(count: number, ours: (pair: number) => Promise<O> | O, anchor: (pair: number) => Promise<A> | A): Promise<Array<Pair<O, A>>> => {
  const pairs: Array<Pair<O, A>> = [];
  for (let i = 0; i < count; i += 1) {
    if (i % 2 === 0) {
      const o = await ours(i);
      pairs.push({ ours: o, anchor: await anchor(i) });
    } else {
      const a = await anchor(i);
      pairs.push({ ours: await ours(i), anchor: a });
    }
  }
  return pairs;
};

/** The ratio of two figures of each pair, as a Metric reports it. */
export const ratioOf = <O, A>(anchorId: string, pairs: Array<Pair<O, A>>, ours: (o: O) => number, anchor: (a: A) => number): Ratio => {
  const ratios = pairs.map((p) => ours(p.ours) / anchor(p.anchor));
  return { anchor: anchorId, median: round(median(ratios), 3), pairs: ratios.map((r) => round(r, 3)), min: round(Math.min(...ratios), 3), max: round(Math.max(...ratios), 3) };
};

/** A ratio already worked out per pair (ours / anchor in each), summarised as ratioOf does. */
export const ratioFrom = (anchorId: string, ratios: readonly number[]): Ratio => ({
  anchor: anchorId,
  median: round(median(ratios), 3),
  pairs: ratios.map((r) => round(r, 3)),
  min: round(Math.min(...ratios), 3),
  max: round(Math.max(...ratios), 3),
});

/** The median of one side's figure over the pairs (what an absolute figure beside its anchor shows). */
export const medianOf = <T>(values: readonly T[], figure: (value: T) => number) => median(values.map(figure));

/** `a-b`: a ratio's spread, as text for params and tables. */
export const spreadText = (ratio: Ratio) => `${ratio.min}-${ratio.max}`;
