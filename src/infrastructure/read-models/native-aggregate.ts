import { compileFilter } from './document-filter.js';
import { compile, Unsupported, unsupported, type Row, type Stage } from './native-expressions.js';
import { Grouping, group } from './native-group.js';
import { compileProjection, runsUnprojected, type Projection } from './native-projection.js';
import { keepsFew, sorted, TopRows, type Added } from './native-sort.js';
import type { Document, Filter } from './read-model-store.js';

/**
 * The aggregation stages a shop's read queries use most ($match, $sort, $skip, $limit,
 * $count, $group by a field with $sum/$first/$min, $addFields with $add/$ifNull, $project
 * of fields and such expressions, $facet, $unwind of a top-level field), run
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
        const kept: Row[] = [];
        for (let r = 0; r < rows.length; r += 1) if (test(rows[r] as Document)) kept.push(rows[r]!);
        rows = kept;
        break;
      }
      case '$sort': {
        // $sort then $skip/$limit: only the first skip + limit rows need ordering.
        const bounded = boundsAfter(pipeline, i + 1);
        const order = sorted(rows, spec as Record<string, number>, bounded.keep, undefined, bounded.skip);
        rows = order.map((index) => rows[index]!);
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
        rows = counted(countField(spec), rows.length);
        break;
      case '$unwind':
        rows = unwound(rows, spec);
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
          const kept = sorted(rows, next.$sort as Record<string, number>, bounded.keep, added, bounded.skip);
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

/**
 * Each sub-pipeline over the rows, projected by `deferred` (once, if any needs it) first.
 * The sub-pipelines that start by taking rows one at a time ($count, $group, $sort with a
 * $limit: a catalog's facets and its page) are fed in one pass over the rows: over a large
 * collection, reading each document once rather than once per sub-pipeline is most of the
 * cost (the documents are spread over the heap; each visit is a trip to memory).
 */
const facet = (rows: Row[], spec: Record<string, Stage[]>, deferred: Projection | undefined): Row => {
  let projected: Row[] | undefined = deferred ? undefined : rows;
  const results = new Map<string, Row[]>();
  const streams: Array<Streamed & { field: string }> = [];
  for (const [field, sub] of Object.entries(spec)) {
    if (!Array.isArray(sub)) unsupported();
    const unprojected = !deferred || runsUnprojected(deferred, sub);
    const stream = unprojected ? streamed(sub, rows) : undefined;
    if (stream) streams.push({ ...stream, field });
    else results.set(field, unprojected ? run(rows, sub) : run((projected ??= rows.map(deferred!.apply)), sub));
  }
  if (streams.length > 0) {
    const perRow = streams.filter((stream) => stream.addAll === undefined);
    if (perRow.length > 0) {
      for (let r = 0; r < rows.length; r += 1) {
        const row = rows[r]!;
        for (let s = 0; s < perRow.length; s += 1) perRow[s]!.add(row, r);
      }
    }
    // A page's sort of rows that arrive against it takes them in a pass of its own, from the end (see TopRows.addAll).
    for (const stream of streams) stream.addAll?.(rows);
    for (const stream of streams) results.set(stream.field, run(stream.rows(), stream.rest));
  }
  const out: Row = {};
  for (const field of Object.keys(spec)) out[field] = results.get(field);
  return out;
};

/** A sub-pipeline's first stage, taking the rows one at a time (with their index, for a stable sort) or all at once, and the stages after it. */
type Streamed = { add: (row: Row, index: number) => void; addAll?: (rows: readonly Row[]) => void; rows: () => Row[]; rest: readonly Stage[] };

const streamed = (sub: readonly Stage[], input: readonly Row[]): Streamed | undefined => {
  const stage = sub[0];
  if (!stage || Object.keys(stage).length !== 1) return undefined;
  if ('$count' in stage) {
    const field = countField(stage.$count);
    let n = 0;
    return { add: () => (n += 1), rows: () => counted(field, n), rest: sub.slice(1) };
  }
  if ('$group' in stage) {
    const grouping = new Grouping(stage.$group as Record<string, unknown>);
    return { add: (row) => grouping.add(row), rows: () => grouping.rows(), rest: sub.slice(1) };
  }
  if ('$sort' in stage) {
    const bounded = boundsAfter(sub, 1);
    if (!keepsFew(bounded.keep, input.length)) return undefined;
    const top = new TopRows(stage.$sort as Record<string, number>, bounded.keep);
    // Rows that arrive against the sort (the oldest documents first, sorted newest first) would each be kept on their way:
    // they go in a pass of their own, from the end. Others go in the shared pass (each document read once: see facet).
    const backwards = top.arriveBackwards(input);
    return {
      add: (row, index) => top.add(row, index),
      ...(backwards ? { addAll: (rows: readonly Row[]) => top.addAll(rows) } : {}),
      rows: () => top.indexes().slice(bounded.skip).map((index) => input[index]!),
      rest: sub.slice(bounded.end),
    };
  }
  return undefined;
};

const countField = (spec: unknown): string => {
  if (typeof spec !== 'string' || spec.length === 0 || spec.startsWith('$') || spec.includes('.')) unsupported();
  return spec as string;
};

/** Like MongoDB: no document at all when nothing came in. */
const counted = (field: string, n: number): Row[] => (n === 0 ? [] : [{ [field]: n }]);

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

/**
 * `$unwind: '$field'` (a top-level field; options, or a path into an object, go to mingo), as
 * MongoDB does it: a row for each element of an array, the field replaced by the element; a
 * value that is no array unwinds to the row as it is; a missing field, null or an empty array
 * to no row. (On mingo, the recommendations' unwind of thousands of orders took 100-250 ms.)
 */
const unwound = (rows: readonly Row[], spec: unknown): Row[] => {
  if (typeof spec !== 'string' || !/^\$[^.$]+$/.test(spec)) unsupported();
  const field = (spec as string).slice(1);
  const out: Row[] = [];
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r]!;
    const value = Object.hasOwn(row, field) ? row[field] : undefined;
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      out.push(row);
      continue;
    }
    for (let e = 0; e < value.length; e += 1) out.push({ ...row, [field]: value[e] });
  }
  return out;
};
