import type { Filter } from './read-model-store.js';

/**
 * A filter's undefined values read as null (missing or null), by both adapters alike.
 *
 * JSON has no undefined, and the port's filters are JSON values: the embedded store compares a
 * field with undefined as with null, and the MongoDB client (made with `ignoreUndefined`, see
 * mongo-filter) would leave an undefined condition out of the command altogether, so undefined
 * becomes null: in field conditions, in operator objects (`$ne`, `$eq`, `$not`, `$elemMatch`),
 * in the lists of values of `$in`, `$nin` and `$all` (the serializer writes an undefined array
 * element as null, bson serializer.ts; mingo read `$in: [undefined]` as matching arrays and
 * documents, and `$nin: [undefined]` as matching missing fields), and in the filters of `$and`,
 * `$or` and `$nor`, in reads, writes, bulk writes and the `$match` stages of aggregations
 * (in `$facet` too). `$expr` and documents compared whole are left as they are.
 */
export const undefinedAsNull = (filter: Filter): Filter => {
  let mapped: Filter | undefined;
  for (const [key, value] of Object.entries(filter)) {
    const sent = key === '$expr' ? value : conditionAsNull(key, value);
    if (sent !== value) (mapped ??= { ...filter })[key] = sent;
  }
  return mapped ?? filter;
};

const LOGICAL = new Set(['$and', '$or', '$nor']);
const VALUE_LISTS = new Set(['$in', '$nin', '$all']);

const conditionAsNull = (key: string, value: unknown): unknown => {
  if (value === undefined) return null;
  if (VALUE_LISTS.has(key) && Array.isArray(value)) return value.includes(undefined) ? value.map((v: unknown) => (v === undefined ? null : v)) : value;
  if (LOGICAL.has(key) && Array.isArray(value)) {
    const filters = value.map((inner: unknown) => (isPlainObject(inner) ? undefinedAsNull(inner) : inner));
    return filters.some((inner, i) => inner !== value[i]) ? filters : value;
  }
  // An operator object (`{ $ne: ... }`) or `$elemMatch`'s filter; a document compared whole is left alone.
  if (isPlainObject(value) && (key === '$elemMatch' || key === '$not' || isOperatorObject(value))) return undefinedAsNull(value);
  return value;
};

const isOperatorObject = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

type Stage = Record<string, unknown>;

/** An aggregation with the filters of its `$match` stages (those in `$facet` too) as undefinedAsNull maps them. */
export const undefinedAsNullInPipeline = (pipeline: Stage[]): Stage[] => {
  const mapped = pipeline.map(stageAsNull);
  return mapped.some((stage, i) => stage !== pipeline[i]) ? mapped : pipeline;
};

const stageAsNull = (stage: Stage): Stage => {
  const { $match: match, $facet: facet } = stage;
  if (isPlainObject(match)) {
    const filter = undefinedAsNull(match);
    return filter === match ? stage : { ...stage, $match: filter };
  }
  if (isPlainObject(facet)) {
    let changed = false;
    const pipelines = Object.fromEntries(
      Object.entries(facet).map(([name, inner]) => {
        const sent = Array.isArray(inner) ? undefinedAsNullInPipeline(inner as Stage[]) : inner;
        changed ||= sent !== inner;
        return [name, sent];
      }),
    );
    return changed ? { ...stage, $facet: pipelines } : stage;
  }
  return stage;
};
