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
   * At most how many ids `candidates` would give, or undefined when this index cannot narrow
   * `filter`: the store asks every index and uses the most selective one.
   */
  estimate(filter: Filter): number | undefined {
    const condition = this.condition(filter);
    if (!condition) return undefined;
    const sizes = condition.values.map((value) => this.owners(JSON.stringify([value])).size);
    return condition.all ? Math.min(...sizes) : sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Ids that may match `filter`, or undefined when this index cannot narrow it
   * (only single-field indexes under a top-level equality, $in, or $all of values are used).
   */
  candidates(filter: Filter): Set<string> | undefined {
    const condition = this.condition(filter);
    if (!condition) return undefined;
    const sets = condition.values.map((value) => this.owners(JSON.stringify([value])));
    if (condition.all) {
      // Every value must be there: start from the rarest and keep what the others also hold.
      sets.sort((a, b) => a.size - b.size);
      const ids = new Set<string>();
      for (const id of sets[0]!) if (sets.every((set) => set.has(id))) ids.add(id);
      return ids;
    }
    const ids = new Set<string>();
    for (const set of sets) for (const id of set) ids.add(id);
    return ids;
  }

  private condition(filter: Filter): { values: Scalar[]; all: boolean } | undefined {
    if (this.fields.length !== 1) return undefined;
    const condition = filter[this.fields[0]!];
    const values = equalityValues(condition);
    if (values) return { values, all: false };
    const all = allValues(condition);
    return all ? { values: all, all: true } : undefined;
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

/** `{ $all: [v1, v2, ...] }` of values: an array field must hold each of them. */
const allValues = (condition: unknown): Scalar[] | undefined => {
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const operators = condition as Record<string, unknown>;
  if (Object.keys(operators).length !== 1 || !Array.isArray(operators.$all)) return undefined;
  const values = operators.$all as unknown[];
  return values.length > 0 && values.every(isScalar) ? values : undefined;
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
