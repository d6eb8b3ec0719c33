import { Query } from 'mingo';
import { equalityValues, valueAt } from './document-index.js';
import type { Document, Filter } from './read-model-store.js';
import { compareStrings } from './string-order.js';
import { undefinedAsNull } from './undefined-filter.js';

/** MongoDB's language without server-side JavaScript ($where, $function). */
export const QUERY_OPTIONS = { scriptEnabled: false } as const;

/**
 * A filter as a predicate. The bulk of the traffic is matched by hand, with MongoDB's
 * semantics: equality (`{ _id: id, listed: true }`, `$eq`, `$in`: a missing field equals
 * null; an array field matches an element), `$all` of values, and numeric ranges (`$gt`,
 * `$gte`, `$lt`, `$lte` with number or string bounds: numbers compare with numbers, strings
 * with strings by code point; an array field matches when one element does), `$ne` and `$nin`
 * of values, `$or` of such filters, and an `$expr` comparing fields that hold
 * numbers with numbers or the store's clock (leases, job claims: see clockComparison).
 * Anything else is compiled by mingo.
 */
export const compileFilter = (given: Filter): ((doc: Document) => boolean) => {
  // Undefined reads as null, as MongoDB is sent it (see undefinedAsNull).
  const filter = undefinedAsNull(given);
  const tests: Array<(doc: Document) => boolean> = [];
  for (const [path, condition] of Object.entries(filter)) {
    const expr = path === '$expr' ? nativeExpr(condition) : path === '$or' ? anyOf(condition) : undefined;
    if (expr) {
      tests.push(expr);
      continue;
    }
    const test = path.startsWith('$') ? undefined : nativeCondition(condition);
    if (!test) {
      const query = new Query(filter, QUERY_OPTIONS);
      return (doc) => query.test(doc);
    }
    if (path.includes('.')) {
      const read = pathReader(path);
      tests.push((doc) => test(read(doc)));
    } else tests.push((doc) => test(doc[path]));
  }
  return allOf(tests);
};

/**
 * A dotted path's value, as valueAt reads it: plain objects walked directly, and valueAt itself
 * (MongoDB's descent into arrays) only where an array is on the way. valueAt for every document
 * was most of the cost of a page's cursor over a catalog (its branches read `rating.average`).
 */
const pathReader = (path: string): ((doc: Document) => unknown) => {
  const parts = path.split('.');
  return (doc) => {
    let value: unknown = doc;
    for (let p = 0; p < parts.length; p += 1) {
      if (!value || typeof value !== 'object') return undefined;
      if (Array.isArray(value)) return valueAt(doc, path);
      value = (value as Record<string, unknown>)[parts[p]!];
    }
    return value;
  };
};

/*
 * The predicates below run once per document a query scans (50,000 for a facet over a
 * catalog): they loop rather than call every()/some() with an arrow, which allocates a
 * closure per document and costs several times the test itself.
 */

const allOf = (tests: ReadonlyArray<(doc: Document) => boolean>): ((doc: Document) => boolean) => {
  if (tests.length === 1) return tests[0]!;
  return (doc) => {
    for (let t = 0; t < tests.length; t += 1) if (!tests[t]!(doc)) return false;
    return true;
  };
};

/**
 * `$or` of filters: each branch compiled as a filter of its own (a page's cursor, after the item
 * a page ended with, is an `$or` of equalities and ranges: on mingo, a deep page's cursor read
 * 50,000 products in about 200 ms).
 */
const anyOf = (branches: unknown): ((doc: Document) => boolean) | undefined => {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  if (!branches.every((branch) => branch && typeof branch === 'object' && !Array.isArray(branch))) return undefined;
  const tests = branches.map((branch) => compileFilter(branch as Filter));
  return (doc) => {
    for (let t = 0; t < tests.length; t += 1) if (tests[t]!(doc)) return true;
    return false;
  };
};

type Scalar = string | number | boolean | null;

/** A bound's test of one value: numbers compare with numbers, strings with strings (MongoDB's order: code points), nothing else with either. */
type Bound = (value: unknown) => boolean;

const ORDERS: Record<string, (order: number) => boolean> = {
  $gt: (order) => order > 0,
  $gte: (order) => order >= 0,
  $lt: (order) => order < 0,
  $lte: (order) => order <= 0,
};

const boundOf = (operator: string, bound: unknown): Bound | undefined => {
  const holds = ORDERS[operator];
  if (!holds) return undefined;
  if (typeof bound === 'number' && !Number.isNaN(bound)) return (value) => typeof value === 'number' && holds(value === bound ? 0 : value < bound ? -1 : value > bound ? 1 : Number.NaN);
  if (typeof bound === 'string') return (value) => typeof value === 'string' && holds(compareStrings(value, bound));
  return undefined;
};

/** A test of one field's value, or undefined when the condition is not one we match by hand. */
const nativeCondition = (condition: unknown): ((value: unknown) => boolean) | undefined => {
  const values = equalityValues(condition);
  if (values) return equalsOneOf(values);
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const operators = Object.entries(condition as Record<string, unknown>);
  if (operators.length === 0) return undefined;
  const all = (condition as Record<string, unknown>).$all;
  if (operators.length === 1 && Array.isArray(all) && all.length > 0 && all.every(isScalar)) {
    const wanted = all.map((value) => [value] as const);
    const withNull = all.includes(null);
    return (value) => {
      if (Array.isArray(value) && !withNull) {
        for (let w = 0; w < all.length; w += 1) if (!value.includes(all[w])) return false;
        return true;
      }
      for (let w = 0; w < wanted.length; w += 1) if (!matches(value, wanted[w]!)) return false;
      return true;
    };
  }
  const nin = (condition as Record<string, unknown>).$nin;
  // Not one of the values: a missing field, and an array none of whose elements is one.
  if (operators.length === 1 && Array.isArray(nin) && nin.every(isScalar)) {
    const oneOf = matcherOf(nin);
    return (value) => !oneOf(value);
  }
  const ne = (condition as Record<string, unknown>).$ne;
  // Not equal: a missing field is null, an array equals a value it holds.
  if (operators.length === 1 && operators[0]![0] === '$ne' && isScalar(ne)) {
    const wanted = [ne];
    return (value) => !matches(value, wanted);
  }
  const bounds: Bound[] = [];
  for (const [operator, bound] of operators) {
    const test = boundOf(operator, bound);
    if (!test) return undefined;
    bounds.push(test);
  }
  // Like MongoDB, an array matches when each bound is met by some element (not necessarily the same one).
  return (value) => {
    if (Array.isArray(value)) return bounds.every((bound) => value.some((v) => bound(v)));
    for (let b = 0; b < bounds.length; b += 1) if (!bounds[b]!(value)) return false;
    return true;
  };
};

const isScalar = (value: unknown): value is Scalar => value === null || ['string', 'number', 'boolean'].includes(typeof value);

const matches = (value: unknown, wanted: ReadonlyArray<Scalar>): boolean => {
  const array = Array.isArray(value);
  for (let i = 0; i < wanted.length; i += 1) {
    const w = wanted[i];
    if (w === null && (value === null || value === undefined)) return true;
    // indexOf, not includes: strict equality, as MongoDB's (NaN equals nothing here).
    if (array ? (value as unknown[]).indexOf(w) !== -1 : value === w) return true;
  }
  return false;
};

/** Equality with one of `values`; the common single non-null value tested directly. */
const equalsOneOf = (values: ReadonlyArray<Scalar>): ((value: unknown) => boolean) => {
  const [only] = values;
  if (values.length !== 1 || only === null) return matcherOf(values);
  return (value) => value === only || (Array.isArray(value) && value.indexOf(only) !== -1);
};

/** Lists longer than this are looked up in a Set: `$in` and `$nin` of hundreds of ids (the products a customer bought) tested each row against every one. */
const SET_FROM = 16;

/** `matches` against `wanted`, as it answers: by a Set for a long list (NaN, which equals nothing here, left out of it). */
const matcherOf = (wanted: ReadonlyArray<Scalar>): ((value: unknown) => boolean) => {
  if (wanted.length < SET_FROM) return (value) => matches(value, wanted);
  const withNull = wanted.includes(null);
  const set = new Set<unknown>(wanted.filter((w) => w !== null && !Number.isNaN(w)));
  return (value) => {
    if (value === null || value === undefined) return withNull;
    if (!Array.isArray(value)) return set.has(value);
    for (let i = 0; i < value.length; i += 1) if (value[i] === null ? withNull : set.has(value[i])) return true;
    return false;
  };
};

/** `{ $toLong: '$$NOW' }`: the store's clock in milliseconds (the embedded store's is this host's). */
export const isNow = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && (value as { $toLong?: unknown }).$toLong === '$$NOW';

type Operand = (doc: Document, now: number) => unknown;

/** A number, the store's clock, or a top-level field (`'$expiresAt'`). */
const operand = (value: unknown): Operand | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return () => value;
  if (isNow(value)) return (_doc, now) => now;
  if (typeof value === 'string' && /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    const field = value.slice(1);
    return (doc) => doc[field];
  }
  return undefined;
};

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
};

/**
 * An `$expr` of comparisons between operands (see operand), alone or joined by `$and`, as a
 * test that answers undefined where an operand is not a number (a missing field, a string:
 * MongoDB's order across types is left to mingo). Undefined when the expression is not that.
 */
const clockComparison = (expr: unknown): ((doc: Document, now: number) => boolean | undefined) | undefined => {
  if (typeof expr !== 'object' || expr === null || Array.isArray(expr) || Object.keys(expr).length !== 1) return undefined;
  const [operator, args] = Object.entries(expr)[0]!;
  if (operator === '$and' && Array.isArray(args) && args.length > 0) {
    const parts = args.map(clockComparison);
    if (parts.some((part) => !part)) return undefined;
    return (doc, now) => {
      let answered = true;
      for (const part of parts) {
        const result = part!(doc, now);
        if (result === false) return false; // comparisons never fail: one false decides
        if (result === undefined) answered = false;
      }
      return answered ? true : undefined;
    };
  }
  const compare = COMPARISONS[operator];
  if (!compare || !Array.isArray(args) || args.length !== 2) return undefined;
  const [left, right] = args.map(operand);
  if (!left || !right) return undefined;
  return (doc, now) => {
    const a = left(doc, now);
    const b = right(doc, now);
    return typeof a === 'number' && typeof b === 'number' ? compare(a, b) : undefined;
  };
};

/** An `$expr` answered natively where it can be (see clockComparison), by mingo where not. */
const nativeExpr = (expr: unknown): ((doc: Document) => boolean) | undefined => {
  const test = clockComparison(expr);
  if (!test) return undefined;
  let query: Query | undefined;
  return (doc) => test(doc, Date.now()) ?? (query ??= new Query({ $expr: expr }, QUERY_OPTIONS)).test(doc);
};
