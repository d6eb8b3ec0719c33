import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { Document } from '../infrastructure/read-models/read-model-store.js';

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
};

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
