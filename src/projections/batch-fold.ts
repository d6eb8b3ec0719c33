import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { Document } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from './projection.js';
import { documentsTouched } from './selected-documents.js';

/**
 * How the runner folds a batch: each event goes only to the projections that handle its
 * type (found in one map lookup per event, not by asking every projection), and each
 * projection folds its own events, in log order, into the batch's documents.
 */

/** What a projection folds into, and the position it has reached. */
export type FoldTarget = { projection: Projection; collection: string; position: number };

/**
 * A projection's share of a batch: the events of the types it handles, in log order, and the
 * ids each one names (`documentIds`, asked once: by the prefetch, which fills `ids`).
 */
export type Routed<T extends FoldTarget> = { target: T; events: RecordedEvent[]; ids: string[][] };

/** The projections handling each event type, in the order the targets are given. */
export class EventRoutes<T extends FoldTarget> {
  private readonly byType = new Map<string, number[]>();

  constructor(private readonly targets: readonly T[]) {
    targets.forEach(({ projection }, index) => {
      for (const type of new Set(projection.eventTypes)) {
        const indexes = this.byType.get(type) ?? [];
        this.byType.set(type, [...indexes, index]);
      }
    });
  }

  /** The batch per target (targets whose projection handles none of its events are left out), in the targets' order. */
  route(events: readonly RecordedEvent[]): Array<Routed<T>> {
    const shares: Array<RecordedEvent[] | undefined> = new Array<RecordedEvent[] | undefined>(this.targets.length);
    for (const event of events) {
      const indexes = this.byType.get(event.type);
      if (indexes === undefined) continue;
      for (const index of indexes) (shares[index] ??= []).push(event);
    }
    const routed: Array<Routed<T>> = [];
    for (let index = 0; index < shares.length; index += 1) {
      const share = shares[index];
      if (share) routed.push({ target: this.targets[index]!, events: share, ids: [] });
    }
    return routed;
  }
}

/**
 * Folds each target's events into `documents` (by collection, then id; null: deleted), each
 * document stamped with its id and the position of the last event applied to it; an event
 * at or before a document's position (or the target's) changes nothing. Returns the ids
 * changed, by collection.
 */
export const foldBatch = <T extends FoldTarget>(
  routed: ReadonlyArray<Routed<T>>,
  documents: Map<string, Map<string, Document | null>>,
): Map<string, Set<string>> => {
  const changed = new Map<string, Set<string>>();
  for (const { target, events, ids: named } of routed) {
    const { projection, collection, position: from } = target;
    const docs = documents.get(collection)!;
    let ids = changed.get(collection);
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i]!;
      if (event.position <= from) continue;
      for (const id of documentsTouched(projection, event, docs, named[i] ?? projection.documentIds(event))) {
        const current = docs.get(id) ?? null;
        if (current && (current._position as number) >= event.position) continue;
        const next = projection.evolve(current, event);
        docs.set(id, next ? { ...next, _id: id, _position: event.position } : null);
        if (!ids) changed.set(collection, (ids = new Set<string>()));
        ids.add(id);
      }
    }
  }
  return changed;
};
