import type { DocumentIndex } from './document-index.js';
import type { Cached } from './embedded-write-view.js';
import type { Document, Filter } from './read-model-store.js';

/**
 * The documents of a collection held in memory that may match `filter`, narrowed by a
 * single-field index, and what of `filter` is left to test on them: an index that answers its
 * field's condition exactly takes that condition out.
 */
export const candidatesIn = (cached: Cached, filter: Filter): { docs: Iterable<Document>; residual: Filter } => {
  let best: { index: DocumentIndex; size: number; exact: boolean } | undefined;
  for (const index of cached.indexes) {
    const size = index.estimate(filter);
    if (size === undefined) continue;
    const exact = index.exact(filter);
    // An exact index is worth more than a merely smaller one: its condition is not tested again.
    if (!best || (exact && !best.exact) || (exact === best.exact && size < best.size)) best = { index, size, exact };
  }
  if (best?.exact) {
    const { [best.index.fields[0]!]: _answered, ...residual } = filter;
    return { docs: best.index.candidates(filter)!, residual };
  }
  // An inexact index that keeps most of the collection narrows nothing worth a detour.
  if (best && best.size * 2 < cached.docs.size) return { docs: best.index.candidates(filter)!, residual: filter };
  return { docs: cached.docs.values(), residual: filter };
};

/** The ids a filter asks for by `_id` alone (a string, `$eq` or `$in` of strings): read by id, without loading the collection. */
export const idCandidates = (filter: Filter): string[] | undefined => {
  const id = filter._id;
  if (typeof id === 'string') return [id];
  if (id && typeof id === 'object' && !Array.isArray(id)) {
    const ops = id as Record<string, unknown>;
    if (Object.keys(ops).length === 1 && typeof ops.$eq === 'string') return [ops.$eq];
    if (Object.keys(ops).length === 1 && Array.isArray(ops.$in) && ops.$in.every((v) => typeof v === 'string')) {
      return ops.$in as string[];
    }
  }
  return undefined;
};
