import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { Document, IndexSpec } from '../infrastructure/read-models/read-model-store.js';

/**
 * A projection folds events into documents of one collection. It is pure: which
 * documents an event touches, and what each becomes (null deletes it). The runner owns
 * reading, writing, checkpoints and idempotency (each document remembers the position
 * of the last event applied to it).
 */
export type Projection<D extends Document = Document> = {
  name: string;
  collection: string;
  eventTypes: readonly string[];
  documentIds: (event: RecordedEvent) => string[];
  /**
   * Documents an event touches besides `documentIds`, which the event cannot name: every
   * document whose `field` equals `value` (all of a customer's orders, on their erasure). The
   * runner finds them in the collection and among the documents it holds.
   */
  documentsWhere?: (event: RecordedEvent) => FieldIs | undefined;
  evolve: (doc: D | null, event: RecordedEvent) => D | null;
  indexes?: IndexSpec[];
  /**
   * The version of this definition (1 when absent). Bump it when `evolve` or the documents'
   * shape changes: a read model folded by another version is rebuilt from the log when the
   * server starts, while the old one keeps serving until the new one is swapped in.
   */
  version?: number;
};

/** A document's field equal to a value (a plain field of the document, compared with ===). */
export type FieldIs = { field: string; value: string };

export const projectionVersion = (projection: Projection): number => projection.version ?? 1;

/** Every projected document carries the position of the last event folded into it. */
export type Projected<D> = D & { _position: number };

/** A document as the query API hands it out: no bookkeeping fields. */
export const withoutBookkeeping = <D extends Document>(doc: D): Omit<D, '_id' | '_position'> => {
  const { _id, _position, ...rest } = doc as D & { _position?: number };
  return rest;
};
