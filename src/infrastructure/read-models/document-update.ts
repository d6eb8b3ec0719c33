import { Aggregator, update as mingoUpdate } from 'mingo';
import { isNow, QUERY_OPTIONS } from './document-filter.js';
import type { Document, Filter, Update, UpdateOperators, UpdatePipeline } from './read-model-store.js';
import { undefinedAsUnset } from './undefined-update.js';

/**
 * MongoDB update semantics on top of mingo's updater: only operator documents are
 * accepted, and `$setOnInsert` applies when (and only when) an upsert inserts. A pipeline
 * (see UpdatePipeline) runs on mingo's aggregation, whose `$$NOW` is this host's clock: the
 * processes sharing an embedded store share that clock.
 */
export const applyUpdate = (doc: Document, update: Update, inserting: boolean): Document =>
  Array.isArray(update) ? applyPipeline(doc, update) : applyOperators(doc, update, inserting);

/** The stages MongoDB allows in an update pipeline. */
const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

const applyPipeline = (doc: Document, pipeline: UpdatePipeline): Document => {
  for (const stage of pipeline) {
    const names = Object.keys(stage);
    if (names.length !== 1 || !PIPELINE_STAGES.has(names[0]!)) {
      throw new TypeError(`an update pipeline may only hold ${[...PIPELINE_STAGES].join(', ')} stages, got ${names.join(', ') || 'an empty stage'}`);
    }
  }
  const plain = plainPipeline(doc, pipeline);
  if (plain) return plain;
  const [next] = new Aggregator(pipeline, QUERY_OPTIONS).run([structuredClone(doc)]) as Document[];
  if (!next || typeof next !== 'object') throw new TypeError('an update pipeline must leave a document');
  if (next._id === undefined) return { ...next, _id: doc._id };
  if (next._id !== doc._id) throw new TypeError("an update may not change a document's _id");
  return next;
};

const applyOperators = (doc: Document, given: UpdateOperators, inserting: boolean): Document => {
  // An undefined value leaves its field absent, as MongoDB is sent it (see undefinedAsUnset).
  const update = undefinedAsUnset(given);
  const operators = Object.keys(update);
  if (operators.length === 0 || operators.some((key) => !key.startsWith('$'))) {
    throw new TypeError('an update document may only contain update operators ($set, $inc, ...)');
  }
  const { $setOnInsert, ...rest } = update as { $setOnInsert?: Record<string, unknown> } & Update;
  const modifier: Record<string, unknown> = { ...rest };
  if (inserting && $setOnInsert) modifier.$set = { ...(modifier.$set as object | undefined), ...$setOnInsert };
  // Like MongoDB: setting _id to the value it has is allowed (and does nothing); mingo refuses any mention.
  const set = modifier.$set as Record<string, unknown> | undefined;
  if (set && '_id' in set) {
    if (set._id !== doc._id) throw new TypeError("an update may not change a document's _id");
    const { _id: _same, ...others } = set;
    modifier.$set = others;
    if (Object.keys(others).length === 0) delete modifier.$set;
  }
  if (Object.keys(modifier).length === 0) return structuredClone(doc);
  const plain = plainUpdate(doc, modifier);
  if (plain) return plain;
  const next = structuredClone(doc);
  mingoUpdate(next, modifier, undefined, undefined, { cloneMode: 'deep' });
  if (next._id !== doc._id) throw new TypeError("an update may not change a document's _id");
  return next;
};

/** What plainPipeline cannot compute: the pipeline is left to mingo. */
const NOT_PLAIN = Symbol('not plain');

/**
 * One `$set` (`$addFields`) of top-level fields to constants (`$literal`, numbers, booleans,
 * null, strings not starting with `$`), the store's clock, or sums of those, done here: the
 * claims and renewals of leases and jobs, whose times are by the store's clock. mingo's
 * aggregation costs a few hundred microseconds a call. Anything else: undefined.
 */
const plainPipeline = (doc: Document, pipeline: UpdatePipeline): Document | undefined => {
  const stage = pipeline.length === 1 ? pipeline[0]! : undefined;
  const fields = stage?.$set ?? stage?.$addFields;
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return undefined;
  const now = Date.now();
  const next = structuredClone(doc);
  for (const [field, expression] of Object.entries(fields as Record<string, unknown>)) {
    if (field === '' || field === '_id' || field.includes('.') || field.startsWith('$') || SPECIAL_FIELDS.has(field)) return undefined;
    const value = constantOf(expression, now);
    if (value === NOT_PLAIN) return undefined;
    next[field] = value;
  }
  return next;
};

const constantOf = (expression: unknown, now: number): unknown => {
  if (expression === null || typeof expression === 'boolean' || (typeof expression === 'number' && Number.isFinite(expression))) return expression;
  if (typeof expression === 'string') return expression.startsWith('$') ? NOT_PLAIN : expression;
  if (typeof expression !== 'object' || Array.isArray(expression)) return NOT_PLAIN;
  if (isNow(expression)) return now;
  const [operator, ...others] = Object.keys(expression);
  if (others.length > 0) return NOT_PLAIN;
  const argument = (expression as Record<string, unknown>)[operator!];
  if (operator === '$literal') return structuredClone(argument);
  if (operator !== '$add' || !Array.isArray(argument) || argument.length === 0) return NOT_PLAIN;
  let sum = 0;
  for (const term of argument) {
    const value = constantOf(term, now);
    if (typeof value !== 'number' || (typeof term === 'object' && term !== null && !isNow(term))) return NOT_PLAIN;
    sum += value;
  }
  return sum;
};

const PLAIN_OPERATORS = new Set(['$set', '$inc', '$unset', '$max']);
/** Fields a plain assignment would not simply set (the prototype's). */
const SPECIAL_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `$set`, `$inc`, `$unset` and `$max` (of numbers) of top-level fields, done here with
 * MongoDB's semantics: the commonest updates (a job's claim, a lease's guard on every batch
 * of a runner, a caller's last write position), for which
 * mingo's general updater costs over a hundred microseconds a call. Anything else (paths,
 * arrays, a field named twice, a non-number `$inc`) is left to mingo: undefined.
 */
const plainUpdate = (doc: Document, modifier: Record<string, unknown>): Document | undefined => {
  const named = new Set<string>();
  for (const [operator, fields] of Object.entries(modifier)) {
    if (!PLAIN_OPERATORS.has(operator) || fields === null || typeof fields !== 'object' || Array.isArray(fields)) return undefined;
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (field === '' || field === '_id' || field.includes('.') || field.startsWith('$') || SPECIAL_FIELDS.has(field) || named.has(field)) return undefined;
      if ((operator === '$inc' || operator === '$max') && (typeof value !== 'number' || !Number.isFinite(value) || !['number', 'undefined'].includes(typeof doc[field]))) return undefined;
      named.add(field);
    }
  }
  const next = structuredClone(doc);
  for (const [operator, fields] of Object.entries(modifier)) {
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (operator === '$set') next[field] = structuredClone(value);
      else if (operator === '$unset') delete next[field];
      else if (operator === '$max') next[field] = next[field] === undefined ? value : Math.max(next[field] as number, value as number);
      else next[field] = ((next[field] as number | undefined) ?? 0) + (value as number);
    }
  }
  return next;
};

/** The document an upsert starts from: the filter's equality conditions, as MongoDB builds it. */
export const seedFromFilter = (filter: Filter): Record<string, unknown> => {
  const seed: Record<string, unknown> = {};
  collectEqualities(filter, seed);
  return seed;
};

const collectEqualities = (filter: Filter, seed: Record<string, unknown>): void => {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const part of condition) collectEqualities(part as Filter, seed);
    } else if (!key.startsWith('$')) {
      const value = equalityOf(condition);
      if (value.found) setPath(seed, key, structuredClone(value.value));
    }
  }
};

const equalityOf = (condition: unknown): { found: true; value: unknown } | { found: false } => {
  if (!isPlainObject(condition)) return { found: true, value: condition };
  const keys = Object.keys(condition);
  if (keys.length === 0 || !keys.some((k) => k.startsWith('$'))) return { found: true, value: condition };
  if (keys.length === 1 && keys[0] === '$eq') return { found: true, value: condition.$eq };
  return { found: false };
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const setPath = (target: Record<string, unknown>, path: string, value: unknown): void => {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
};
