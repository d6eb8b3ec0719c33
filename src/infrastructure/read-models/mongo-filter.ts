import type { WriteConcernSettings } from 'mongodb';
import type { Filter, Update, WriteOptions } from './read-model-store.js';
import { undefinedAsNull, undefinedAsNullInPipeline } from './undefined-filter.js';
import { undefinedAsUnset } from './undefined-update.js';

/**
 * A port filter as the server must be sent it to mean what it means on the embedded store.
 *
 * The client is made with `ignoreUndefined` (a document's undefined field is left out, as
 * JSON leaves it out), and that option is the serializer's, for the whole command: a filter's
 * `{ claim: undefined }` would go out as `{}` and match every document, so a
 * `deleteOne({ _id, claim })` whose claim is undefined would delete the document whoever holds
 * it. Both adapters read undefined in a filter as null (see undefinedAsNull), so it is sent as null.
 */
export const serverFilter: (filter: Filter) => Filter = undefinedAsNull;

/** An aggregation with the filters of its `$match` stages (those in `$facet` too) as serverFilter sends them. */
export const serverPipeline: (pipeline: Array<Record<string, unknown>>) => Array<Record<string, unknown>> = undefinedAsNullInPipeline;

/**
 * An update as the server must be sent it: the client would leave `$set: { k: undefined }` out
 * of the command and keep the old k, where the port (JSON: an undefined field is absent) and
 * the embedded store remove it (see undefinedAsUnset).
 */
export const serverUpdate: <U extends Update>(update: U) => U = undefinedAsUnset;

const FILTERED = ['replaceOne', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany'] as const;

/** A bulk write's model (`{ updateOne: { filter, update, ... } }`) with its filter and update as the server must be sent them. */
export const serverModel = <M extends object>(model: M): M => {
  for (const kind of FILTERED) {
    const operation = (model as Partial<Record<(typeof FILTERED)[number], { filter: Filter; update?: Update }>>)[kind];
    if (!operation) continue;
    const filter = serverFilter(operation.filter);
    const update = operation.update === undefined ? undefined : serverUpdate(operation.update);
    if (filter === operation.filter && update === operation.update) return model;
    return { ...model, [kind]: update === undefined ? { ...operation, filter } : { ...operation, filter, update } } as M;
  }
  return model;
};

/**
 * The write concern of a write, by the port's `durable` (see WriteOptions), asked for explicitly:
 * without one a write takes the deployment's default, which an operator may have set below
 * majority (setDefaultRWConcern), and a write acknowledged by the primary alone is rolled back
 * when another member is elected before it replicated. A durable write waits until a majority
 * has it in their journals (docs: "Write Concern", j and w: "majority"); one that may be lost
 * without harm still waits for a majority, so that a failover does not take it back while a
 * later write stands (the transactions of bulkWrite always did).
 */
export const writeConcernOf = ({ durable = true }: WriteOptions): WriteConcernSettings => (durable ? DURABLE : MAJORITY);

const DURABLE: WriteConcernSettings = Object.freeze({ w: 'majority', journal: true });
const MAJORITY: WriteConcernSettings = Object.freeze({ w: 'majority' });
