import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { absentGuard } from './job-documents.js';
import type { Document, WriteOperation } from '../infrastructure/read-models/read-model-store.js';

/** Events whose handling by a process manager kept failing while the stores answered: kept with their error, for replay. */
export const PARKED_EVENTS = 'parked_events';
/** Parked events an operator discarded: each as it was parked, with who discarded it, when and why (see src/operations/parked.ts). */
export const DISCARDED_EVENTS = 'discarded_events';

export type ParkedEvent = Document & {
  processManager: string;
  eventId: string;
  eventType: string;
  streamName: string;
  position: number;
  sagaId: string;
  error: string;
  attempts: number;
  parkedAt: string;
  lastReplayAt?: string;
} & Partial<ParkedEventHold>;

/**
 * An operator's replay or discard of a parked event holds it while it runs: a replay's commands
 * run before its outcome is written, so a discard landing in between would record as discarded an
 * event whose effects were applied. Taken by one conditional update (src/operations/parked.ts);
 * one whose process died holding it lapses at `heldUntil`.
 */
export type ParkedEventHold = { heldBy: string; heldFor: 'replay' | 'discard'; heldSince: string; heldUntil: string };

/** The parked event as parked: without a hold. */
export const withoutHold = (parked: ParkedEvent): ParkedEvent => {
  const { heldBy: _by, heldFor: _for, heldSince: _since, heldUntil: _until, ...rest } = parked;
  return rest as ParkedEvent;
};

/**
 * Takes a parked event out of the parked ones in a bulk write only while `holder` holds it (or it
 * is gone): held by another (its hold lapsed and was taken) the whole write fails with a
 * DuplicateKeyError on parked_events, as a saga's guard does.
 */
export const takeHeld = (id: string, holder: string): WriteOperation[] => [
  { collection: PARKED_EVENTS, replaceOne: { filter: { _id: id, heldBy: holder }, replacement: { _id: id, heldBy: holder }, upsert: true } },
  { collection: PARKED_EVENTS, deleteOne: { filter: { _id: id } } },
];

/** takeHeld for a replay's outcome: a parked event discarded meanwhile fails it too (on discarded_events). */
export const takeHeldUndiscarded = (id: string, holder: string): WriteOperation[] => [...absentGuard(DISCARDED_EVENTS, id), ...takeHeld(id, holder)];

export const parkedEvent = (manager: string, sagaId: string, event: RecordedEvent, error: unknown, attempts: number, now: Date): ParkedEvent => ({
  _id: `${manager}:${event.id}`,
  processManager: manager,
  eventId: event.id,
  eventType: event.type,
  streamName: event.streamName,
  position: event.position,
  sagaId,
  error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  attempts,
  parkedAt: now.toISOString(),
});
