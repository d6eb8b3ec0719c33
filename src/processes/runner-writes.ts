import type { WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { CHECKPOINTS } from '../projections/runner.js';
import { cancelWrite, jobWrites, type ScheduledJob } from './job-documents.js';
import { PARKED_EVENTS, takeHeldUndiscarded, type ParkedEvent } from './parked-events.js';
import { sagaWrite, type SagaDocument } from './saga-documents.js';

/**
 * What a process manager's runner writes in one atomic bulk write (see runner.ts): the
 * sagas a batch moved, guarded on each as the batch loaded it, their new and cancelled jobs,
 * the events parked, and the checkpoint; or, for the replay of one parked event, that saga's
 * write, its jobs, and the parked event's removal.
 */

/** A saga's reaction to a batch, and the document it was loaded from (its write's guard). */
export type Outcome<S> = { sagaId: string; loaded: SagaDocument<S> | undefined; state: S; position: number; jobs: ScheduledJob[]; cancelled: string[]; parked: ParkedEvent[] };

export const batchWrites = <S>(sagaCollection: string, checkpointId: string, outcomes: readonly Outcome<S>[], position: number, now: string): WriteOperation[] => {
  const writes: WriteOperation[] = [];
  for (const { sagaId, loaded, state, position: at, jobs, cancelled, parked } of outcomes) {
    writes.push(sagaWrite(sagaCollection, sagaId, loaded, state, at, now));
    // One job per id, ever: a redelivered event cannot schedule a second charge or email.
    for (const job of jobs) writes.push(...jobWrites(job, now));
    for (const id of cancelled) writes.push(cancelWrite(id));
    for (const p of parked) writes.push({ collection: PARKED_EVENTS, replaceOne: { filter: { _id: p._id }, replacement: p, upsert: true } });
  }
  const checkpoint = { _id: checkpointId, position, updatedAt: now };
  writes.push({ collection: CHECKPOINTS, replaceOne: { filter: { _id: checkpointId }, replacement: checkpoint, upsert: true } });
  return writes;
};

export const replayWrites = <S>(
  sagaCollection: string,
  sagaId: string,
  saga: SagaDocument<S> | undefined,
  replayed: { state: S; jobs: ScheduledJob[]; cancelled: string[] },
  parked: ParkedEvent,
  now: string,
  holder?: string,
): WriteOperation[] => [
  // Guarded on the saga as read: a concurrent change makes this write fail as a whole.
  sagaWrite(sagaCollection, sagaId, saga, replayed.state, saga?._position ?? 0, now),
  ...replayed.jobs.flatMap((job) => jobWrites(job, now)),
  ...replayed.cancelled.map(cancelWrite),
  // Held by an operator's replay: out of the parked events only while that hold stands.
  ...(holder ? takeHeldUndiscarded(parked._id, holder) : [{ collection: PARKED_EVENTS, deleteOne: { filter: { _id: parked._id } } }]),
];
