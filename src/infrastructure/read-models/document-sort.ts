import { Aggregator } from 'mingo/aggregator';
import { Context } from 'mingo/core';
import { Lazy, type Iterator } from 'mingo/lazy';
import * as accumulator from 'mingo/operators/accumulator';
import * as expression from 'mingo/operators/expression';
import * as pipeline from 'mingo/operators/pipeline';
import * as projection from 'mingo/operators/projection';
import * as query from 'mingo/operators/query';
import * as window from 'mingo/operators/window';
import { QUERY_OPTIONS } from './document-filter.js';
import type { Sort } from './read-model-store.js';
import { compareStrings } from './string-order.js';

/**
 * MongoDB's sort for the embedded store: the order of `find`'s `sort` and of the `$sort` stages
 * that mingo runs (see SORT_STAGE). mingo orders an array field by comparing whole arrays and
 * reverses that for a descending sort, so `[1, 5]` came after `[2, 3]` descending; MongoDB
 * sorts by the key an index over the sort fields would give the document first in the sort's
 * order (src/mongo/db/index/sort_key_generator.cpp, getIndexKey: "the first index key, ordered
 * according to the pattern"). Per field that is:
 * - an array: ascending its least element, descending its greatest; an empty array is the key
 *   `undefined`, below null and missing (btree_key_generator_test.cpp, GetKeysArrayEmpty), so it
 *   comes first ascending and last descending; an array inside the array is one element, compared whole;
 * - a path through an array of documents: each element's value, null for an element without
 *   the field (GetKeysArraySubobjectSingleMissing, GetKeysSubobjectMissing), null for an empty array;
 * - missing: null.
 * Keys compare in BSON's order across types (docs: "Comparison/Sort Order"): undefined < null <
 * numbers < strings < objects < arrays < booleans; objects field by field (the value's type,
 * then the name, then the value), arrays element by element.
 * Not followed: positional paths (`a.0`), and the error MongoDB raises when two sort fields are
 * parallel arrays ("cannot sort with keys that are parallel arrays"): each field takes its own key.
 */

/** The sort key of an empty array (BSON's undefined). */
const EMPTY = Symbol('empty array');

const rank = (value: unknown): number => {
  if (value === EMPTY) return 0;
  if (value === null || value === undefined) return 1;
  switch (typeof value) {
    case 'number':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 6;
    case 'object':
      return value instanceof Date ? 7 : Array.isArray(value) ? 5 : 4;
    default:
      return 8;
  }
};

/** MongoDB's comparison of two values (of a document's JSON values, and a pipeline's dates). */
export const compareBson = (a: unknown, b: unknown): number => {
  const type = typeof a;
  if (type === typeof b) {
    if (type === 'number') return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
    if (type === 'string') return compareStrings(a as string, b as string);
  }
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 4:
      return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
    case 5:
      return compareArrays(a as unknown[], b as unknown[]);
    case 6:
      return a === b ? 0 : a ? 1 : -1;
    case 7:
      return (a as Date).getTime() - (b as Date).getTime();
    default:
      return 0;
  }
};

const compareArrays = (a: readonly unknown[], b: readonly unknown[]): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const order = compareBson(a[i] === undefined ? null : a[i], b[i] === undefined ? null : b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
};

const compareObjects = (a: Record<string, unknown>, b: Record<string, unknown>): number => {
  // Fields left out of JSON (undefined) are not in the document.
  const left = Object.entries(a).filter(([, v]) => v !== undefined);
  const right = Object.entries(b).filter(([, v]) => v !== undefined);
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const [ka, va] = left[i]!;
    const [kb, vb] = right[i]!;
    const byType = rank(va) - rank(vb);
    if (byType !== 0) return byType;
    if (ka !== kb) return compareStrings(ka, kb);
    const order = compareBson(va, vb);
    if (order !== 0) return order;
  }
  return left.length - right.length;
};

const isDocument = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** The index keys of `value` under the path `parts` (see the comment at the top). */
const keysAt = (value: unknown, parts: readonly string[], from: number, out: unknown[]): void => {
  if (from === parts.length) {
    if (!Array.isArray(value)) out.push(value === undefined ? null : value);
    else if (value.length === 0) out.push(EMPTY);
    else for (const element of value) out.push(element === undefined ? null : element);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(null);
    for (const element of value) {
      if (isDocument(element)) keysAt(element[parts[from]!], parts, from + 1, out);
      else out.push(null);
    }
    return;
  }
  keysAt(isDocument(value) ? value[parts[from]!] : undefined, parts, from + 1, out);
};

/** The key `doc` sorts by on `path`: its least key ascending, its greatest descending. */
export const sortKeyOf = (doc: unknown, path: string, direction: 1 | -1): unknown => {
  if (!path.includes('.') && isDocument(doc)) {
    const value = Object.prototype.hasOwnProperty.call(doc, path) ? doc[path] : undefined;
    if (!Array.isArray(value)) return value === undefined ? null : value;
  }
  const keys: unknown[] = [];
  keysAt(doc, path.split('.'), 0, keys);
  let best = keys[0];
  for (let i = 1; i < keys.length; i += 1) if (compareBson(keys[i], best) * direction < 0) best = keys[i];
  return best;
};

/** `docs` in the order of `sort` (a new array; ties keep their order). */
export const sortDocuments = <D>(docs: readonly D[], sort: Sort | Record<string, number>): D[] => {
  const fields = Object.entries(sort).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1) throw new TypeError(`a sort direction must be 1 or -1, got ${String(direction)} for ${path}`);
    return { path, direction: direction as 1 | -1 };
  });
  if (fields.length === 0) return [...docs];
  const keyed = docs.map((doc, index) => ({ doc, index, keys: fields.map(({ path, direction }) => sortKeyOf(doc, path, direction)) }));
  keyed.sort((a, b) => {
    for (let f = 0; f < fields.length; f += 1) {
      const order = compareBson(a.keys[f], b.keys[f]);
      if (order !== 0) return order * fields[f]!.direction;
    }
    return a.index - b.index;
  });
  return keyed.map((item) => item.doc);
};

/** mingo's `$sort` stage replaced by MongoDB's (see the top): aggregations the embedded store leaves to mingo use it. */
const sortStage = (collection: Iterator, sort: unknown, _options: unknown): Iterator => {
  if (!isDocument(sort) || Object.keys(sort).length === 0) throw new TypeError('$sort needs an object of at least one field');
  return collection.transform((docs) => Lazy(sortDocuments(docs, sort as Record<string, number>)));
};

/**
 * The `$min` (sign -1) or `$max` (1) accumulator of `$group` in MongoDB's order (compareBson):
 * null and missing values left out, null when nothing is left; an array is one value, compared
 * whole. mingo's compares strings by UTF-16 units and an array by its elements.
 */
function extreme(sign: 1 | -1) {
  return (collection: Parameters<typeof accumulator.$push>[0], expr: Parameters<typeof accumulator.$push>[1], options: Parameters<typeof accumulator.$push>[2]): unknown => {
    let best: unknown = null;
    for (const value of accumulator.$push(collection, expr, options) as unknown[]) {
      if (value === null || value === undefined) continue;
      if (best === null || compareBson(value, best) * sign > 0) best = value;
    }
    return best;
  };
}

/**
 * mingo's operators with MongoDB's `$sort` stage (in `$facet` too) and `$min`/`$max` accumulators. mingo's own Aggregator puts
 * its operators before any given in the options (core Context.addOps keeps the first), so this
 * builds the whole set on the core Aggregator.
 */
const CONTEXT = Context.init({
  accumulator: { ...accumulator, $min: extreme(-1), $max: extreme(1) },
  expression,
  pipeline: { ...pipeline, $sort: sortStage },
  projection,
  query,
  window,
});

/** An aggregation pipeline as mingo runs it, with MongoDB's sort and order of values. */
export const aggregator = (stages: Array<Record<string, unknown>>): Aggregator => new Aggregator(stages, { ...QUERY_OPTIONS, context: CONTEXT });
