import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { Document, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from './projection.js';
import type { WriteBehind } from './write-behind.js';

/**
 * The documents a projection selects by a field (`documentsWhere`: all of a customer's orders
 * on their erasure), for the runner: found in the store before a batch is folded (unless a
 * newer version is held back by a rebuild's write-behind, or only held there), and among the
 * batch's own documents as it is folded (those created earlier in the same batch).
 */

/** The documents an event touches: those it names, and those its projection selects among the batch's (which prefetchSelected loaded). */
export const documentsTouched = (
  projection: Projection,
  event: RecordedEvent,
  docs: Map<string, Document | null>,
  named: readonly string[] = projection.documentIds(event),
): readonly string[] => {
  const where = projection.documentsWhere?.(event);
  if (!where) return named;
  const selected = [...docs].filter(([, doc]) => doc?.[where.field] === where.value).map(([id]) => id);
  return [...new Set([...named, ...selected])];
};

/** Adds to each collection's documents of the batch those its projection selects for the batch's events (routed to it). */
export const prefetchSelected = async (
  store: ReadModelStore,
  held: WriteBehind | undefined,
  routed: ReadonlyArray<{ target: { projection: Projection; collection: string }; events: readonly RecordedEvent[] }>,
  documents: Map<string, Map<string, Document | null>>,
): Promise<void> => {
  for (const { target: { projection, collection }, events } of routed) {
    if (!projection.documentsWhere) continue;
    const known = documents.get(collection)!;
    for (const event of events) {
      const where = projection.documentsWhere(event);
      if (!where) continue;
      for (const doc of await store.collection(collection).find({ [where.field]: where.value }, { readonly: true })) {
        if (known.has(doc._id)) continue;
        const newer = held?.get(collection, doc._id);
        known.set(doc._id, newer === undefined ? doc : newer);
      }
      for (const doc of held?.matching(collection, where.field, where.value) ?? []) if (!known.has(doc._id)) known.set(doc._id, doc);
    }
  }
};
