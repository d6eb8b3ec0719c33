import { Query } from 'mingo';
import { equalityValues, valueAt } from './document-index.js';
import type { Document, Filter } from './read-model-store.js';

/** MongoDB's language without server-side JavaScript ($where, $function). */
export const QUERY_OPTIONS = { scriptEnabled: false } as const;

/**
 * A filter as a predicate. Plain equality filters (`{ _id: id, listed: true }`,
 * `{ _id: { $in: [...] } }`), the bulk of the traffic, are matched by hand with MongoDB's
 * equality semantics (a missing field equals null; an array field matches an element);
 * anything else is compiled by mingo.
 */
export const compileFilter = (filter: Filter): ((doc: Document) => boolean) => {
  const conditions = Object.entries(filter).map(([path, condition]) => [path, equalityValues(condition)] as const);
  if (conditions.some(([path, values]) => path.startsWith('$') || values === undefined)) {
    const query = new Query(filter, QUERY_OPTIONS);
    return (doc) => query.test(doc);
  }
  return (doc) => conditions.every(([path, values]) => matches(path.includes('.') ? valueAt(doc, path) : doc[path], values!));
};

const matches = (value: unknown, wanted: ReadonlyArray<string | number | boolean | null>): boolean =>
  wanted.some((w) => {
    if (w === null && (value === null || value === undefined)) return true;
    if (Array.isArray(value)) return value.some((element) => element === w);
    return value === w;
  });
