import { compareStrings } from './string-order.js';
import { compilePath, unsupported, type Expression, type Row } from './native-expressions.js';

/**
 * $sort in the native subset (see native-aggregate.ts): MongoDB's order of the types it
 * sorts natively, the whole input sorted, or only the first rows kept as the rest stream
 * past (TopRows: a $sort followed by $limit, which a $facet's sub-pipeline feeds one row
 * at a time while its siblings read the same row).
 */

/** MongoDB's order across the types we sort natively: null (and missing) < numbers < strings < booleans. */
export const rankOf = (value: unknown): number => {
  if (value === null || value === undefined) return 0;
  switch (typeof value) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 3;
    default:
      return unsupported();
  }
};

export const compareValues = (a: unknown, b: unknown): number => {
  // The common case first: two numbers or two strings.
  const type = typeof a;
  if (type === typeof b) {
    if (type === 'number') return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
    // MongoDB's order of strings (code points), not JavaScript's (UTF-16 units).
    if (type === 'string') return compareStrings(a as string, b as string);
  }
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || a === b) return 0;
  return (a as number | boolean) < (b as number | boolean) ? -1 : 1;
};

/** Fields added by $addFields: a sort right after reads them as expressions, and only the rows that survive get a copy with them. */
export type Added = ReadonlyMap<string, Expression>;

type SortField = { direction: 1 | -1; read: Expression };

/** The sort key of one row: read and type-checked once, the fields after the first only when a tie asks for them. */
class Keyed {
  private rest: unknown[] | undefined;

  constructor(
    readonly row: Row,
    readonly index: number,
    readonly first: unknown,
  ) {}

  key(fields: readonly SortField[], k: number): unknown {
    if (k === 0) return this.first;
    if (!this.rest) {
      this.rest = new Array<unknown>(fields.length);
      for (let f = 1; f < fields.length; f += 1) {
        const value = fields[f]!.read(this.row);
        rankOf(value);
        this.rest[f] = value;
      }
    }
    return this.rest[k];
  }
}

const compareKeyed = (fields: readonly SortField[], a: Keyed, b: Keyed): number => {
  for (let k = 0; k < fields.length; k += 1) {
    const order = compareValues(a.key(fields, k), b.key(fields, k));
    if (order !== 0) return order * fields[k]!.direction;
  }
  return a.index - b.index;
};

const sortFields = (spec: Record<string, number>, added: Added | undefined): SortField[] => {
  const fields: SortField[] = Object.entries(spec).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1) unsupported();
    return { direction: direction as 1 | -1, read: added?.get(path) ?? compilePath(path) };
  });
  if (fields.length === 0) unsupported();
  return fields;
};

/** A UTF-16 unit from U+D800 on: a surrogate, or a unit that JavaScript orders before one and MongoDB after. */
const BEYOND_D7FF = /[\ud800-\uffff]/;

/**
 * The best `keep` rows of those added, in order: n log(keep), not n log(n), and a row that
 * does not make it costs one read and one comparison. Rows come with their index in the
 * input, which breaks ties (a stable sort). Most rows lose to the last one kept on the first
 * field alone; rows that arrive in order (the newest documents last, sorted newest first)
 * beat the first one kept and go first.
 */
export class TopRows {
  private readonly fields: SortField[];
  private readonly best: Keyed[] = [];
  /** The first field of the last row kept, and whether JavaScript's order of strings is MongoDB's against it. */
  private bar: unknown;
  private barIsPlain = false;

  constructor(
    spec: Record<string, number>,
    private readonly keep: number,
    added?: Added,
  ) {
    this.fields = sortFields(spec, added);
  }

  add(row: Row, index: number): void {
    const first = this.fields[0]!;
    const value = first.read(row);
    rankOf(value);
    const best = this.best;
    const keep = this.keep;
    let item: Keyed;
    if (best.length === keep) {
      const last = best[keep - 1]!;
      if (last.first !== this.bar) {
        this.bar = last.first;
        this.barIsPlain = typeof this.bar === 'string' && !BEYOND_D7FF.test(this.bar);
      }
      const bar = this.bar;
      // Against a string with no unit from U+D800 on, JavaScript's order of two strings is
      // MongoDB's (code points): they can differ only where both strings hold such a unit.
      const order = (this.barIsPlain && typeof value === 'string' ? (value === bar ? 0 : value < (bar as string) ? -1 : 1) : compareValues(value, bar)) * first.direction;
      if (order > 0) return;
      item = new Keyed(row, index, value);
      if (order === 0 && compareKeyed(this.fields, item, last) >= 0) return;
    } else item = new Keyed(row, index, value);
    if (best.length > 0 && compareKeyed(this.fields, item, best[0]!) < 0) best.unshift(item);
    else {
      let low = 0;
      let high = best.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (compareKeyed(this.fields, best[mid]!, item) <= 0) low = mid + 1;
        else high = mid;
      }
      best.splice(low, 0, item);
    }
    if (best.length > keep) best.pop();
  }

  /**
   * Adds every row (its index its place in `rows`), backwards when the last row sorts before the
   * first: rows that arrive in the order opposite to the sort (the oldest documents first, sorted
   * newest first) each beat the bar and are kept, one allocation and one insertion at the front
   * apiece; taken from the other end, all but the first `keep` lose to the bar at one comparison.
   * The rows kept are the same either way: ties go by index.
   */
  addAll(rows: readonly Row[]): void {
    const last = rows.length - 1;
    if (this.arriveBackwards(rows)) for (let index = last; index >= 0; index -= 1) this.add(rows[index]!, index);
    else for (let index = 0; index <= last; index += 1) this.add(rows[index]!, index);
  }

  /** Whether the last row sorts before the first: rows that seem to arrive against the sort. */
  arriveBackwards(rows: readonly Row[]): boolean {
    const last = rows.length - 1;
    return last > 0 && this.before(rows[last]!, last, rows[0]!, 0);
  }

  private before(a: Row, ai: number, b: Row, bi: number): boolean {
    const first = this.fields[0]!;
    const keyed = (row: Row, index: number) => {
      const value = first.read(row);
      rankOf(value);
      return new Keyed(row, index, value);
    };
    return compareKeyed(this.fields, keyed(a, ai), keyed(b, bi)) < 0;
  }

  /** The kept rows' indexes, in order. */
  indexes(): number[] {
    return this.best.map((item) => item.index);
  }
}

/**
 * Whether keeping the first `keep` of `rows` one at a time beats sorting them all. A row kept
 * is put in place in an array of up to `keep` (a move of half of it on average): past a
 * thousand, a deep page (keep 10,000 of 50,000 products) took 180 ms that way.
 */
export const keepsFew = (keep: number | undefined, rows: number): keep is number => keep !== undefined && keep <= TOP_ROWS_AT_MOST && keep * 4 < rows;

const TOP_ROWS_AT_MOST = 1000;

/**
 * The indexes of the rows in order: all of them, or (with `keep`) those ranked `skip` to `keep`,
 * a page. A page among the first thousand rows keeps the best rows as they stream past
 * (TopRows); a deeper one is selected, not sorted: the rows before the page and after it are
 * partitioned off (quickselect), and only the page's own rows are sorted. Page 401 of a catalog
 * of 50,000 products sorted by rating sorted all 50,000 (about 780,000 comparisons).
 */
export const sorted = (rows: Row[], spec: Record<string, number>, keep: number | undefined, added?: Added, skip = 0): number[] => {
  if (keepsFew(keep, rows.length)) {
    const top = new TopRows(spec, keep, added);
    top.addAll(rows);
    return top.indexes().slice(skip);
  }
  const compare = comparatorOf(rows, sortFields(spec, added));
  const order = Array.from({ length: rows.length }, (_, index) => index);
  if (keep === undefined || keep >= rows.length && skip === 0) return order.sort(compare);
  const end = Math.min(keep, rows.length);
  if (skip >= end) return [];
  // Ties go by index: no two rows compare equal, so the rows selected are those a stable sort puts there.
  if (skip > 0) select(order, skip, 0, order.length - 1, compare);
  if (end < order.length) select(order, end - 1, skip, order.length - 1, compare);
  return order.slice(skip, end).sort(compare);
};

/**
 * A comparison of two rows by index: every row's keys read once, up front (a whole catalog
 * sorted by a field most rows share, rating 0, compares on the later fields nearly every time),
 * and a field whose values are all numbers, or all strings JavaScript orders as MongoDB does (no
 * unit from U+D800 on), compared with `<`.
 */
const comparatorOf = (rows: readonly Row[], fields: readonly SortField[]): ((a: number, b: number) => number) => {
  const width = fields.length;
  const keys = new Array<unknown>(rows.length * width);
  const plain = fields.map(() => true);
  const kind: Array<string | undefined> = fields.map(() => undefined);
  for (let r = 0; r < rows.length; r += 1) {
    for (let f = 0; f < width; f += 1) {
      const value = fields[f]!.read(rows[r]!);
      rankOf(value);
      keys[r * width + f] = value;
      if (!plain[f]) continue;
      const type = typeof value;
      if ((kind[f] ??= type) !== type || (type === 'number' && Number.isNaN(value)) || (type === 'string' && BEYOND_D7FF.test(value as string)) || (type !== 'number' && type !== 'string')) plain[f] = false;
    }
  }
  const directions = fields.map((field) => field.direction);
  return (a, b) => {
    for (let f = 0; f < width; f += 1) {
      const x = keys[a * width + f];
      const y = keys[b * width + f];
      if (x === y) continue;
      const compared = plain[f] ? ((x as number) < (y as number) ? -1 : 1) : compareValues(x, y);
      if (compared !== 0) return compared * directions[f]!;
    }
    return a - b;
  };
};

/**
 * Rearranges `order[from..to]` so that the entry at `k` is the one a sort puts there, those
 * before it all sort before it and those after it after (Hoare's selection, the pivot a median
 * of three). Past twice the partitions a halving would take, the range left is sorted instead:
 * an input built against the pivots cannot take it to n² comparisons.
 */
const select = (order: number[], k: number, from: number, to: number, compare: (a: number, b: number) => number): void => {
  let low = from;
  let high = to;
  let budget = 2 * Math.ceil(Math.log2(to - from + 2)) + 4;
  while (high > low) {
    if (high - low < 16 || (budget -= 1) < 0) {
      const part = order.slice(low, high + 1).sort(compare);
      for (let i = 0; i < part.length; i += 1) order[low + i] = part[i]!;
      return;
    }
    const mid = (low + high) >> 1;
    // The median of the first, middle and last entries moved to `low`: the pivot.
    if (compare(order[mid]!, order[low]!) < 0) swap(order, mid, low);
    if (compare(order[high]!, order[low]!) < 0) swap(order, high, low);
    if (compare(order[high]!, order[mid]!) < 0) swap(order, high, mid);
    swap(order, low, mid);
    const pivot = order[low]!;
    let i = low + 1;
    let j = high;
    for (;;) {
      while (i <= j && compare(order[i]!, pivot) < 0) i += 1;
      while (i <= j && compare(order[j]!, pivot) > 0) j -= 1;
      if (i >= j) break;
      swap(order, i, j);
      i += 1;
      j -= 1;
    }
    swap(order, low, j);
    if (j === k) return;
    if (j < k) low = j + 1;
    else high = j - 1;
  }
};

const swap = (order: number[], a: number, b: number): void => {
  const held = order[a]!;
  order[a] = order[b]!;
  order[b] = held;
};
