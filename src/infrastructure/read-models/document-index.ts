import { IndexConflictError, type Document, type Filter, type IndexSpec } from './read-model-store.js';

/**
 * Hash indexes for the embedded document store: they enforce unique keys and narrow a
 * filter to the documents holding the values it asks for. Like MongoDB, a missing field
 * indexes as null and an array indexes each element (multikey). An index on a top-level
 * field answers an equality, `$in` or `$all` of non-null values exactly: the store then
 * leaves that condition out of what it tests on each document.
 */
export class DocumentIndex {
  readonly fields: string[];
  /** key → the documents holding it, by id. */
  private readonly entries = new Map<string, Map<string, Document>>();

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
      let docs = this.entries.get(key);
      if (!docs) this.entries.set(key, (docs = new Map()));
      docs.set(doc._id, doc);
    }
  }

  remove(doc: Document): void {
    for (const key of this.keysOf(doc)) {
      const docs = this.entries.get(key);
      docs?.delete(doc._id);
      if (docs?.size === 0) this.entries.delete(key);
    }
  }

  /** The documents holding `key`, by id. */
  owners(key: string): ReadonlyMap<string, Document> {
    return this.entries.get(key) ?? EMPTY;
  }

  /**
   * At most how many documents `candidates` would give, or undefined when this index cannot
   * narrow `filter`: the store asks every index and uses the most selective one.
   */
  estimate(filter: Filter): number | undefined {
    const condition = this.condition(filter);
    if (!condition) return undefined;
    const sizes = condition.values.map((value) => this.owners(JSON.stringify([value])).size);
    return condition.all ? Math.min(...sizes) : sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Documents that may match `filter`, or undefined when this index cannot narrow it
   * (only single-field indexes under a top-level equality, $in, or $all of values are used).
   * Live views of the index for one value: iterate before the next write.
   */
  candidates(filter: Filter): Iterable<Document> | undefined {
    const condition = this.condition(filter);
    if (!condition) return undefined;
    const sets = condition.values.map((value) => this.owners(JSON.stringify([value])));
    if (sets.length === 1) return sets[0]!.values();
    if (condition.all) {
      // Every value must be there: start from the rarest and keep what the others also hold.
      sets.sort((a, b) => a.size - b.size);
      const [rarest, ...others] = sets as [ReadonlyMap<string, Document>, ...Array<ReadonlyMap<string, Document>>];
      const docs: Document[] = [];
      for (const [id, doc] of rarest) if (others.every((set) => set.has(id))) docs.push(doc);
      return docs;
    }
    const docs = new Map<string, Document>();
    for (const set of sets) for (const [id, doc] of set) docs.set(id, doc);
    return docs.values();
  }

  /**
   * Whether `candidates(filter)` holds exactly the documents that meet this index's field
   * condition, so that it need not be tested again: a top-level field (a dotted path may
   * cross arrays of arrays) asked for non-null values (null also matches a missing field).
   */
  exact(filter: Filter): boolean {
    const condition = this.condition(filter);
    return condition !== undefined && !this.fields[0]!.includes('.') && condition.values.every((value) => value !== null);
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

const EMPTY: ReadonlyMap<string, Document> = new Map();

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

type NamedSpec = IndexSpec & { name: string };

/**
 * What MongoDB answers a createIndex of `wanted` on a collection with `existing` indexes:
 * 'exists' (the same name, keys and `unique`: nothing to do), undefined (create it), or the
 * error it refuses it with (see IndexConflictError). Keys compare in order, as the server's
 * key patterns do; `unique` and the keys are what identifies an index.
 */
export const indexConflict = (collection: string, existing: readonly NamedSpec[], wanted: NamedSpec): 'exists' | IndexConflictError | undefined => {
  const identity = (spec: IndexSpec) => JSON.stringify([Object.entries(spec.keys), spec.unique === true]);
  const named = existing.find((spec) => spec.name === wanted.name);
  if (named) {
    if (identity(named) === identity(wanted)) return 'exists';
    return new IndexConflictError(
      86,
      collection,
      `An existing index has the same name as the requested index: ${collection}.${wanted.name} is ${describe(named)}, asked for ${describe(wanted)}. ` +
        'Drop it first to change it, or give the new index another name.',
    );
  }
  const same = existing.find((spec) => identity(spec) === identity(wanted));
  if (same) return new IndexConflictError(85, collection, `Index already exists with a different name: ${collection}.${same.name} is ${describe(same)}, asked for it as ${wanted.name}.`);
  return undefined;
};

const describe = (spec: IndexSpec): string => `${JSON.stringify(spec.keys)}${spec.unique ? ' unique' : ''}`;
