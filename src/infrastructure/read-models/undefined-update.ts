import type { Update } from './read-model-store.js';

/**
 * An update's undefined values as both adapters apply them: a document holds JSON values, and
 * JSON leaves an undefined field out, so `$set: { k: undefined }` leaves the document without k.
 *
 * The MongoDB client (made with `ignoreUndefined`) would leave the field out of the command
 * instead (bson serializer.ts skips an undefined object field), so the old value stayed on the
 * server while the embedded store removed it. Here, for operator updates:
 * - `$set` of undefined becomes `$unset` of the field (a dotted path too: nothing is created);
 * - `$unset` unsets whatever its value (MongoDB ignores it), undefined included;
 * - `$setOnInsert` of undefined sets nothing (the inserted document lacks the field, or keeps
 *   the filter's value for it), and so does any other operator (`$inc`, `$push`, `$max`, ...):
 *   the operation on an undefined value is left out, as the client leaves it out.
 * Operators left empty are dropped while another remains (an update document needs one; MongoDB
 * 5.0+, which the MongoDB store requires, takes an empty operator as a no-op). Pipelines are left alone.
 */
export const undefinedAsUnset = <U extends Update>(update: U): U => {
  if (Array.isArray(update) || !Object.values(update).some(holdsUndefined)) return update;
  const mapped: Record<string, Record<string, unknown>> = {};
  const unset: Record<string, unknown> = {};
  for (const [operator, fields] of Object.entries(update)) {
    if (!isFields(fields)) {
      mapped[operator] = fields as Record<string, unknown>;
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [path, value] of Object.entries(fields)) {
      if (operator === '$unset' || (operator === '$set' && value === undefined)) unset[path] = '';
      else if (value !== undefined) kept[path] = value;
    }
    if (operator !== '$unset') mapped[operator] = kept;
  }
  if (Object.keys(unset).length > 0) mapped.$unset = unset;
  const nonEmpty = Object.entries(mapped).filter(([, fields]) => !isFields(fields) || Object.keys(fields).length > 0);
  return (nonEmpty.length > 0 ? Object.fromEntries(nonEmpty) : mapped) as U;
};

const isFields = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const holdsUndefined = (fields: unknown): boolean => isFields(fields) && Object.values(fields).some((value) => value === undefined);
