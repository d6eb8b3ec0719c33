import type { Document, LoadedDocument, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { FoldTarget, Routed } from './batch-fold.js';
import { prefetchSelected } from './selected-documents.js';
import type { WriteBehind } from './write-behind.js';

/**
 * The documents a projection runner's batch reads and writes: loaded before the batch is
 * folded (foldBatch folds into them), and those it changed, written out after.
 */

/**
 * Loads, in one query per collection, every document the batch will touch (the ids each event
 * names are kept in its share, for the fold); a document held back by a rebuild's
 * write-behind is newer than the store's, and one it knows was never written is not looked up.
 */
export const prefetchBatch = async <T extends FoldTarget>(
  store: ReadModelStore,
  held: WriteBehind | undefined,
  targets: Iterable<T>,
  routed: ReadonlyArray<Routed<T>>,
): Promise<Map<string, Map<string, Document | null>>> => {
  const wanted = new Map<string, Set<string>>();
  for (const { collection } of targets) wanted.set(collection, new Set<string>());
  for (const share of routed) {
    const ids = wanted.get(share.target.collection)!;
    for (const event of share.events) {
      const named = share.target.projection.documentIds(event);
      share.ids.push(named);
      for (const id of named) ids.add(id);
    }
  }
  const documents = new Map<string, Map<string, Document | null>>();
  for (const [collection, ids] of wanted) {
    const known = new Map<string, Document | null>();
    const missing: string[] = [];
    for (const id of ids) {
      const kept = held?.get(collection, id);
      if (kept !== undefined) known.set(id, kept);
      else if (held?.mayBeStored(collection, id) ?? true) missing.push(id);
    }
    const found = missing.length > 0 ? await store.collection(collection).find({ _id: { $in: missing } }, { readonly: true }) : [];
    for (const doc of found) known.set(doc._id, doc);
    documents.set(collection, known);
  }
  await prefetchSelected(store, held, routed, documents);
  return documents;
};

/** The documents a batch changed (null: deleted). */
export function* changedDocuments(
  documents: Map<string, Map<string, Document | null>>,
  changed: Map<string, Set<string>>,
): Generator<LoadedDocument> {
  for (const [collection, ids] of changed) {
    const docs = documents.get(collection)!;
    for (const id of ids) yield { collection, id, doc: docs.get(id) ?? null };
  }
}
