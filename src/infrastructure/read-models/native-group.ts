import { compile, unsupported, type Expression, type Row } from './native-expressions.js';
import { compareValues, rankOf } from './native-sort.js';

/**
 * $group in the native subset (see native-aggregate.ts): by a field or a literal, with
 * $sum, $first and $min. Rows are added one at a time (Grouping), so a $facet can feed its
 * sub-pipelines' groups from one pass over the rows.
 */

type Accumulator = { field: string; kind: '$sum' | '$first' | '$min'; of: Expression };

const ACCUMULATORS = new Set(['$sum', '$first', '$min']);

const indexesOf = (accumulators: readonly Accumulator[], kind: Accumulator['kind']): number[] =>
  accumulators.flatMap((accumulator, a) => (accumulator.kind === kind ? [a] : []));

export class Grouping {
  private readonly keyOf: Expression;
  private readonly accumulators: Accumulator[];
  private readonly reads: Expression[];
  private readonly sums: number[];
  private readonly mins: number[];
  /** Per group, one value per accumulator: its first row's value, a running total, the least so far. */
  private readonly groups = new Map<unknown, unknown[]>();

  constructor(spec: Record<string, unknown>) {
    const { _id: key, ...fields } = spec;
    this.keyOf = compile(key ?? null);
    this.accumulators = Object.entries(fields).map(([field, accumulator]) => {
      const entries = accumulator && typeof accumulator === 'object' ? Object.entries(accumulator) : [];
      if (entries.length !== 1) unsupported();
      const [kind, of] = entries[0]!;
      if (!ACCUMULATORS.has(kind)) unsupported();
      return { field, kind: kind as Accumulator['kind'], of: compile(of) };
    });
    this.reads = this.accumulators.map((accumulator) => accumulator.of);
    this.sums = indexesOf(this.accumulators, '$sum');
    this.mins = indexesOf(this.accumulators, '$min');
  }

  add(row: Row): void {
    const id = this.keyOf(row) ?? null;
    if (id !== null && typeof id === 'object') unsupported();
    let values = this.groups.get(id);
    if (!values) this.groups.set(id, (values = this.accumulators.map(({ kind, of }) => (kind === '$sum' ? 0 : kind === '$first' ? (of(row) ?? null) : null))));
    const { reads, sums, mins } = this;
    for (let s = 0; s < sums.length; s += 1) {
      const value = reads[sums[s]!]!(row);
      if (typeof value === 'number') (values[sums[s]!] as number) += value;
    }
    for (let m = 0; m < mins.length; m += 1) {
      const a = mins[m]!;
      const value = reads[a]!(row);
      // Like MongoDB, $min leaves out null and missing values; arrays and objects are outside the subset.
      if (value === values[a] || value === null || value === undefined) continue;
      rankOf(value);
      if (values[a] === null || compareValues(value, values[a]) < 0) values[a] = value;
    }
  }

  rows(): Row[] {
    return [...this.groups].map(([id, values]) => {
      const out: Row = { _id: id };
      this.accumulators.forEach(({ field }, a) => (out[field] = values[a]));
      return out;
    });
  }
}

export const group = (rows: Row[], spec: Record<string, unknown>): Row[] => {
  const grouping = new Grouping(spec);
  for (let r = 0; r < rows.length; r += 1) grouping.add(rows[r]!);
  return grouping.rows();
};
