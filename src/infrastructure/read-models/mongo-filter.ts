import type { Filter } from './read-model-store.js';
import { undefinedAsNull, undefinedAsNullInPipeline } from './undefined-filter.js';

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
