import { median } from './interleave.js';
import { round } from './metrics.js';

/**
 * Interleaved pairs: a figure and its anchor measured one after the other, again and again,
 * so that a shared machine that speeds up or slows down colours both alike. The figure
 * reported is the median of the pairs' ratios, with their spread (lowest-highest).
 */

/** The median of the pairs' figures: one function for every benchmark (NaN when there are none). */
export { median } from './interleave.js';

export const spread = (values: readonly number[], digits = 2): string =>
  values.length === 0 ? 'n/a' : `${round(Math.min(...values), digits)}-${round(Math.max(...values), digits)}`;

export type Pairs = { ours: number[]; anchor: number[]; ratios: number[]; ratio: number; spread: string };

/** Summarises pairs already measured: `ours[i] / anchor[i]` for each i. */
export const pairsOf = (ours: readonly number[], anchor: readonly number[]): Pairs => {
  const ratios = ours.map((value, i) => value / anchor[i]!);
  return { ours: [...ours], anchor: [...anchor], ratios, ratio: median(ratios), spread: spread(ratios) };
};

/** Measures `count` pairs, alternating which side goes first (ours, anchor, then anchor, ours, ...). */
export const interleave = async (count: number, ours: () => Promise<number>, anchor: () => Promise<number>): Promise<Pairs> => {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i % 2 === 0) {
      a.push(await ours());
      b.push(await anchor());
    } else {
      b.push(await anchor());
      a.push(await ours());
    }
  }
  return pairsOf(a, b);
};
