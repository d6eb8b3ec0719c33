import { compileFilter } from './document-filter.js';
import { compareStrings } from './document-sort.js';
import { compile, compilePath, Unsupported, unsupported, type Expression, type Row, type Stage } from './native-expressions.js';
import { compileProjection, runsUnprojected, type Projection } from './native-projection.js';
import type { Document, Filter } from './read-model-store.js';

/**
 * The aggregation stages a shop's read queries use most ($match, $sort, $skip, $limit,
 * $count, $group by a field with $sum/$first/$min, $addFields with $add/$ifNull, $project
 * of fields and such expressions, $facet), run
 * natively over the embedded store's documents: mingo evaluates each expression through
 * generic machinery, which costs tens of microseconds a document, too slow for facets over
 * a whole catalog. `runNative` answers undefined when a stage, an operator or a value is
 * outside this subset (e.g. sorting on an array or an object), and the store then runs the
 * whole pipeline with mingo (with MongoDB's $sort: see document-sort): the native path is an optimisation, never a dialect.
 */

export const runNative = (docs: readonly Document[], pipeline: readonly Stage[]): Row[] | undefined => {
  try {
    return run(docs as unknown as Row[], pipeline);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
};

const run = (input: Row[], pipeline: readonly Stage[]): Row[] => {
  let rows = input;
  let deferred: Projection | undefined;
  for (let i = 0; i < pipeline.length; i += 1) {
    const stage = pipeline[i]!;
    const keys = Object.keys(stage);
    if (keys.length !== 1) unsupported();
    const [name] = keys as [string];
    const spec = stage[name];
    switch (name) {
      case '$match': {
        const test = compileFilter(spec as Filter);
        rows = rows.filter((row) => test(row as Document));
        break;
      }
      case '$sort': {
        // $sort then $skip/$limit: only the first skip + limit rows need ordering.
        const bounded = boundsAfter(pipeline, i + 1);
        const order = sorted(rows, spec as Record<string, number>, bounded.keep);
        rows = (bounded.keep === undefined ? order : order.slice(bounded.skip, bounded.keep)).map((index) => rows[index]!);
        i = bounded.end - 1;
        break;
      }
      case '$skip':
        if (typeof spec !== 'number' || spec < 0) unsupported();
        rows = rows.slice(spec as number);
        break;
      case '$limit':
        if (typeof spec !== 'number' || spec <= 0) unsupported();
        rows = rows.slice(0, spec as number);
        break;
      case '$count':
        if (typeof spec !== 'string' || spec.length === 0 || spec.startsWith('$') || spec.includes('.')) unsupported();
        // Like MongoDB: no document at all when nothing came in.
        rows = rows.length === 0 ? [] : [{ [spec as string]: rows.length }];
        break;
      case '$group':
        rows = group(rows, spec as Record<string, unknown>);
        break;
      case '$addFields':
      case '$set': {
        const next = pipeline[i + 1];
        if (next && Object.keys(next).length === 1 && next.$sort) {
          // Added fields that only decide an order: computed beside each row, and only the
          // rows that survive the $sort (and its $skip/$limit) get a copy with them.
          const added = compileFields(spec as Record<string, unknown>);
          const bounded = boundsAfter(pipeline, i + 2);
          const order = sorted(rows, next.$sort as Record<string, number>, bounded.keep, added);
          const kept = bounded.keep === undefined ? order : order.slice(bounded.skip, bounded.keep);
          rows = kept.map((index) => withFields(rows[index]!, added));
          i = bounded.end - 1;
          break;
        }
        const added = compileFields(spec as Record<string, unknown>);
        rows = rows.map((row) => withFields(row, added));
        break;
      }
      case '$project': {
        const projection = compileProjection(spec as Record<string, unknown>);
        const next = pipeline[i + 1];
        // Before a $facet, only the sub-pipelines that need projected rows get them.
        if (projection.inclusionOnly && next && Object.keys(next).length === 1 && next.$facet) deferred = projection;
        else rows = rows.map(projection.apply);
        break;
      }
      case '$facet':
        rows = [facet(rows, spec as Record<string, Stage[]>, deferred)];
        deferred = undefined;
        break;
      default:
        unsupported();
    }
  }
  return rows;
};

/** Each sub-pipeline over the rows, projected by `deferred` (once, if any needs it) first. */
const facet = (rows: Row[], spec: Record<string, Stage[]>, deferred: Projection | undefined): Row => {
  let projected: Row[] | undefined = deferred ? undefined : rows;
  const out: Row = {};
  for (const [field, sub] of Object.entries(spec)) {
    if (!Array.isArray(sub)) unsupported();
    out[field] = deferred && runsUnprojected(deferred, sub) ? run(rows, sub) : run((projected ??= rows.map(deferred!.apply)), sub);
  }
  return out;
};

// ------------------------------------------------------------------ sorting

/** The $skip/$limit stages from `from` on: how many rows to skip, how many to keep in all, where they end. */
const boundsAfter = (pipeline: readonly Stage[], from: number) => {
  let skip = 0;
  let limit: number | undefined;
  let end = from;
  for (; end < pipeline.length; end += 1) {
    const stage = pipeline[end]!;
    if (Object.keys(stage).length !== 1) break;
    if (typeof stage.$skip === 'number' && stage.$skip >= 0 && limit === undefined) skip += stage.$skip;
    else if (typeof stage.$limit === 'number' && stage.$limit > 0) limit = Math.min(limit ?? Infinity, stage.$limit);
    else break;
  }
  // Without a $limit, the $skip stages are left to run as stages.
  if (limit === undefined) return { skip: 0, keep: undefined, end: from };
  return { skip, keep: skip + limit, end };
};

/** MongoDB's order across the types we sort natively: null (and missing) < numbers < strings < booleans. */
const rankOf = (value: unknown): number => {
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

const compareValues = (a: unknown, b: unknown): number => {
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
type Added = ReadonlyMap<string, Expression>;

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

/** The indexes of the rows in order (the first `keep` of them, when given). */
const sorted = (rows: Row[], spec: Record<string, number>, keep: number | undefined, added?: Added): number[] => {
  const fields: SortField[] = Object.entries(spec).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1) unsupported();
    return { direction: direction as 1 | -1, read: added?.get(path) ?? compilePath(path) };
  });
  if (fields.length === 0) unsupported();
  const first = fields[0]!;
  const compare = (a: Keyed, b: Keyed) => compareKeyed(fields, a, b);
  const valueOf = (row: Row) => {
    const value = first.read(row);
    rankOf(value);
    return value;
  };
  if (keep === undefined || keep * 4 >= rows.length) {
    return rows.map((row, index) => new Keyed(row, index, valueOf(row))).sort(compare).map((item) => item.index);
  }
  // The best `keep` rows, kept in order as the rest stream past: n log(keep), not n log(n).
  // Most rows lose to the last one kept on the first field alone; rows that arrive in order
  // (the newest documents last, sorted newest first) beat the first one kept and go first.
  const best: Keyed[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index]!;
    const value = valueOf(row);
    let item: Keyed;
    if (best.length === keep) {
      const last = best[keep - 1]!;
      const order = compareValues(value, last.first) * first.direction;
      if (order > 0) continue;
      item = new Keyed(row, index, value);
      if (order === 0 && compare(item, last) >= 0) continue;
    } else item = new Keyed(row, index, value);
    if (best.length > 0 && compare(item, best[0]!) < 0) best.unshift(item);
    else {
      let low = 0;
      let high = best.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (compare(best[mid]!, item) <= 0) low = mid + 1;
        else high = mid;
      }
      best.splice(low, 0, item);
    }
    if (best.length > keep) best.pop();
  }
  return best.map((item) => item.index);
};

// ------------------------------------------------------------------ $group

type Accumulator = { field: string; kind: '$sum' | '$first' | '$min'; of: Expression };

const ACCUMULATORS = new Set(['$sum', '$first', '$min']);

const indexesOf = (accumulators: readonly Accumulator[], kind: Accumulator['kind']): number[] =>
  accumulators.flatMap((accumulator, a) => (accumulator.kind === kind ? [a] : []));

const group = (rows: Row[], spec: Record<string, unknown>): Row[] => {
  const { _id: key, ...fields } = spec;
  const keyOf = compile(key ?? null);
  const accumulators: Accumulator[] = Object.entries(fields).map(([field, accumulator]) => {
    const entries = accumulator && typeof accumulator === 'object' ? Object.entries(accumulator) : [];
    if (entries.length !== 1) unsupported();
    const [kind, of] = entries[0]!;
    if (!ACCUMULATORS.has(kind)) unsupported();
    return { field, kind: kind as Accumulator['kind'], of: compile(of) };
  });
  const reads = accumulators.map((accumulator) => accumulator.of);
  const sums = indexesOf(accumulators, '$sum');
  const mins = indexesOf(accumulators, '$min');
  // Per group, one value per accumulator: its first row's value, a running total, the least so far.
  const groups = new Map<unknown, unknown[]>();
  for (const row of rows) {
    const id = keyOf(row) ?? null;
    if (id !== null && typeof id === 'object') unsupported();
    let values = groups.get(id);
    if (!values) groups.set(id, (values = accumulators.map(({ kind, of }) => (kind === '$sum' ? 0 : kind === '$first' ? (of(row) ?? null) : null))));
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
  return [...groups].map(([id, values]) => {
    const out: Row = { _id: id };
    accumulators.forEach(({ field }, a) => (out[field] = values[a]));
    return out;
  });
};

// ------------------------------------------------------------------ $addFields

/** The expressions of an $addFields stage, by field. */
const compileFields = (spec: Record<string, unknown>): Added =>
  new Map(
    Object.entries(spec).map(([field, expression]) => {
      if (field.includes('.') || field.startsWith('$')) unsupported();
      return [field, compile(expression)] as const;
    }),
  );

const withFields = (row: Row, added: Added): Row => {
  const out = { ...row };
  for (const [field, expression] of added) out[field] = expression(row);
  return out;
};
