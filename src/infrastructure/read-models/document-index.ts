import type { Document, Filter, IndexSpec } from './read-model-store.js';

/**
 * Hash indexes for the embedded document store: they enforce unique keys and narrow an
 * equality filter to a small candidate set. They never decide a match: mingo evaluates
 * the full filter on the candidates, so an index can only make a query faster.
 * Like MongoDB, a missing field indexes as null and an array indexes each element (multikey).
 */
export class DocumentIndex {
  readonly fields: string[];
  private readonly entries = new Map<string, Set<string>>();

  constructor(readonly spec: IndexSpec & { name: string }) {
    this.fields = Object.keys(spec.keys);
  }

  keysOf(doc: Document): string[] {
    const perField = this.fields.map((field) => {
      const value = valueAt(doc, field);
      return Array.isArray(value) && value.length > 0 ? value : [value === undefined ? null : value];
    });
    return cartesian(perField).map((tuple) => JSON.stringify(tuple));
  }

  add(doc: Document): void {
    for (const key of this.keysOf(doc)) {
      let ids = this.entries.get(key);
      if (!ids) this.entries.set(key, (ids = new Set()));
      ids.add(doc._id);
    }
  }

  remove(doc: Document): void {
    for (const key of this.keysOf(doc)) {
      const ids = this.entries.get(key);
      ids?.delete(doc._id);
      if (ids?.size === 0) this.entries.delete(key);
    }
  }

  owners(key: string): ReadonlySet<string> {
    return this.entries.get(key) ?? EMPTY;
  }

  /**
   * Ids that may match `filter`, or undefined when this index cannot narrow it
   * (only single-field indexes under a top-level equality or $in are used).
   */
  candidates(filter: Filter): Set<string> | undefined {
    if (this.fields.length !== 1) return undefined;
    const values = equalityValues(filter[this.fields[0]!]);
    if (!values) return undefined;
    const ids = new Set<string>();
    for (const value of values) for (const id of this.owners(JSON.stringify([value]))) ids.add(id);
    return ids;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

type Scalar = string | number | boolean | null;

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** The values a top-level condition requires by equality: `v`, `{ $eq: v }` or `{ $in: [...] }`. */
export const equalityValues = (condition: unknown): Scalar[] | undefined => {
  if (isScalar(condition)) return [condition];
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const operators = condition as Record<string, unknown>;
  const keys = Object.keys(operators);
  if (keys.length !== 1) return undefined;
  if (keys[0] === '$eq' && isScalar(operators.$eq)) return [operators.$eq];
  if (keys[0] === '$in' && Array.isArray(operators.$in) && operators.$in.every(isScalar)) return operators.$in;
  return undefined;
};

/** Resolves a dotted path, descending through arrays of sub-documents like MongoDB does. */
export const valueAt = (doc: unknown, path: string): unknown => {
  let current: unknown[] = [doc];
  let sawArray = false;
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      if (Array.isArray(value)) {
        sawArray = true;
        for (const item of value) if (item && typeof item === 'object') next.push((item as Record<string, unknown>)[part]);
      } else if (value && typeof value === 'object') next.push((value as Record<string, unknown>)[part]);
    }
    current = next.filter((v) => v !== undefined);
  }
  if (sawArray) return current.flat();
  return current[0];
};

const cartesian = (lists: unknown[][]): unknown[][] =>
  lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((item) => [...prefix, item])), [[]]);
