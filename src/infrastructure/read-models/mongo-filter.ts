import type { Filter } from './read-model-store.js';

/**
 * A port filter as the server must be sent it to mean what it means on the embedded store.
 *
 * The client is made with `ignoreUndefined` (a document's undefined field is left out, as
 * JSON leaves it out), and that option is the serializer's, for the whole command: a filter's
 * `{ claim: undefined }` would go out as `{}` and match every document, so a
 * `deleteOne({ _id, claim })` whose claim is undefined would delete the document whoever holds
 * it. The embedded store compares a field with undefined as with null (missing or null), so
 * undefined becomes null here: in field conditions, in operator objects (`$ne`, `$eq`, `$not`,
 * `$elemMatch`) and in the filters of `$and`, `$or` and `$nor`, in reads, writes, bulk writes and the
 * `$match` stages of aggregations (in `$facet` too). Arrays of values (`$in`) and
 * `$expr` are sent as they are (the serializer writes an undefined array element as null).
 */
export const serverFilter = (filter: Filter): Filter => {
  let mapped: Filter | undefined;
  for (const [key, value] of Object.entries(filter)) {
    const sent = key === '$expr' ? value : serverCondition(key, value);
    if (sent !== value) (mapped ??= { ...filter })[key] = sent;
  }
  return mapped ?? filter;
};

const LOGICAL = new Set(['$and', '$or', '$nor']);

const serverCondition = (key: string, value: unknown): unknown => {
  if (value === undefined) return null;
  if (LOGICAL.has(key) && Array.isArray(value)) {
    const filters = value.map((inner: unknown) => (isPlainObject(inner) ? serverFilter(inner) : inner));
    return filters.some((inner, i) => inner !== value[i]) ? filters : value;
  }
  // An operator object (`{ $ne: ... }`) or `$elemMatch`'s filter; a document compared whole is left alone.
  if (isPlainObject(value) && (key === '$elemMatch' || key === '$not' || isOperatorObject(value))) return serverFilter(value);
  return value;
};

const isOperatorObject = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

const FILTERED = ['replaceOne', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany'] as const;

/** A bulk write's model (`{ updateOne: { filter, ... } }`) with its filter as the server must be sent it. */
export const serverModel = <M extends object>(model: M): M => {
  for (const kind of FILTERED) {
    const operation = (model as Partial<Record<(typeof FILTERED)[number], { filter: Filter }>>)[kind];
    if (!operation) continue;
    const filter = serverFilter(operation.filter);
    return filter === operation.filter ? model : ({ ...model, [kind]: { ...operation, filter } } as M);
  }
  return model;
};

type Stage = Record<string, unknown>;

/** An aggregation with the filters of its `$match` stages (those in `$facet` too) as serverFilter sends them. */
export const serverPipeline = (pipeline: Stage[]): Stage[] => {
  const mapped = pipeline.map(serverStage);
  return mapped.some((stage, i) => stage !== pipeline[i]) ? mapped : pipeline;
};

const serverStage = (stage: Stage): Stage => {
  const { $match: match, $facet: facet } = stage;
  if (isPlainObject(match)) {
    const filter = serverFilter(match);
    return filter === match ? stage : { ...stage, $match: filter };
  }
  if (isPlainObject(facet)) {
    let changed = false;
    const pipelines = Object.fromEntries(
      Object.entries(facet).map(([name, inner]) => {
        const sent = Array.isArray(inner) ? serverPipeline(inner as Stage[]) : inner;
        changed ||= sent !== inner;
        return [name, sent];
      }),
    );
    return changed ? { ...stage, $facet: pipelines } : stage;
  }
  return stage;
};
