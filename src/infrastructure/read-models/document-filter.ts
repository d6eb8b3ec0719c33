import { Query } from 'mingo';
import { equalityValues, valueAt } from './document-index.js';
import type { Document, Filter } from './read-model-store.js';

/** MongoDB's language without server-side JavaScript ($where, $function). */
export const QUERY_OPTIONS = { scriptEnabled: false } as const;

/**
 * A filter as a predicate. The bulk of the traffic is matched by hand, with MongoDB's
 * semantics: equality (`{ _id: id, listed: true }`, `$eq`, `$in`: a missing field equals
 * null; an array field matches an element), `$all` of values, and numeric ranges (`$gt`,
 * `$gte`, `$lt`, `$lte` with number bounds: only numbers compare; an array field matches
 * when one element does), `$nin` of values. Anything else is compiled by mingo.
 */
export const compileFilter = (filter: Filter): ((doc: Document) => boolean) => {
  const tests: Array<(doc: Document) => boolean> = [];
  for (const [path, condition] of Object.entries(filter)) {
    const test = path.startsWith('$') ? undefined : nativeCondition(condition);
    if (!test) {
      const query = new Query(filter, QUERY_OPTIONS);
      return (doc) => query.test(doc);
    }
    const read = path.includes('.') ? (doc: Document) => valueAt(doc, path) : (doc: Document) => doc[path];
    tests.push((doc) => test(read(doc)));
  }
  return (doc) => tests.every((test) => test(doc));
};

type Scalar = string | number | boolean | null;

const RANGES: Record<string, (value: number, bound: number) => boolean> = {
  $gt: (value, bound) => value > bound,
  $gte: (value, bound) => value >= bound,
  $lt: (value, bound) => value < bound,
  $lte: (value, bound) => value <= bound,
};

/** A test of one field's value, or undefined when the condition is not one we match by hand. */
const nativeCondition = (condition: unknown): ((value: unknown) => boolean) | undefined => {
  const values = equalityValues(condition);
  if (values) return (value) => matches(value, values);
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const operators = Object.entries(condition as Record<string, unknown>);
  if (operators.length === 0) return undefined;
  const all = (condition as Record<string, unknown>).$all;
  if (operators.length === 1 && Array.isArray(all) && all.length > 0 && all.every(isScalar)) {
    const wanted = all.map((value) => [value] as const);
    return (value) => {
      if (Array.isArray(value) && !all.includes(null)) return all.every((w) => value.includes(w));
      return wanted.every((w) => matches(value, w));
    };
  }
  const nin = (condition as Record<string, unknown>).$nin;
  // Not one of the values: a missing field, and an array none of whose elements is one.
  if (operators.length === 1 && Array.isArray(nin) && nin.every(isScalar)) return (value) => !matches(value, nin);
  const bounds: Array<[(value: number, bound: number) => boolean, number]> = [];
  for (const [operator, bound] of operators) {
    const compare = RANGES[operator];
    if (!compare || typeof bound !== 'number' || Number.isNaN(bound)) return undefined;
    bounds.push([compare, bound]);
  }
  const inRange = (value: unknown) => typeof value === 'number' && bounds.every(([compare, bound]) => compare(value, bound));
  // Like MongoDB, an array matches when each bound is met by some element (not necessarily the same one).
  return (value) =>
    Array.isArray(value) ? bounds.every(([compare, bound]) => value.some((v) => typeof v === 'number' && compare(v, bound))) : inRange(value);
};

const isScalar = (value: unknown): value is Scalar => value === null || ['string', 'number', 'boolean'].includes(typeof value);

const matches = (value: unknown, wanted: ReadonlyArray<Scalar>): boolean =>
  wanted.some((w) => {
    if (w === null && (value === null || value === undefined)) return true;
    if (Array.isArray(value)) return value.some((element) => element === w);
    return value === w;
  });
