import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { absentGuard, DISCARDED_JOBS, JOBS, PARKED_JOBS } from '../processes/job-documents.js';
import { DISCARDED_EVENTS, PARKED_EVENTS, type ParkedEvent } from '../processes/parked-events.js';
import type { ProcessManagerRunner } from '../processes/runner.js';

/** Finds a parked event and replays it with the runner of the process manager that parked it. */
export const replayParkedEvent = async (
  store: ReadModelStore,
  runners: ReadonlyArray<Pick<ProcessManagerRunner<unknown>, 'name' | 'replay'>>,
  id: string,
): Promise<{ replayed: boolean; error?: string }> => {
  const parked = await store.collection<ParkedEvent>(PARKED_EVENTS).findOne({ _id: id });
  if (!parked) throw await notParked(store, EVENTS, id);
  const runner = runners.find((r) => r.name === parked.processManager);
  if (!runner) throw new NotFoundError(`no process manager ${parked.processManager}`);
  return runner.replay(parked);
};

// ---------------------------------------------------------------------------------------------
// Discarding: parked work an operator decided is not to be run again.
//
// The document MOVES, as it was parked, from parked_events / parked_jobs into discarded_events /
// discarded_jobs, with who discarded it, when and why. Moved rather than marked in place: every
// reader of the parked collections (the admin lists, the parked_total gauge, replay, requeue,
// `parked -- replay all`, a replay that fails again and rewrites the parked event, the erasure's
// scrub) goes on meaning "what waits for a human" without a filter each would have to remember,
// and a replay or requeue of a discarded id finds nothing (404). The move is one bulk write: a
// crash leaves the work parked or discarded, never both or neither.
//
// Something no longer parked answers 404 (it is not a parked event or job any more), discarded
// already or never parked alike: a second discard, a replay and a requeue of it agree. Ids are
// one per event or job, ever, so a record's _id is the parked id.
// ---------------------------------------------------------------------------------------------

export type Discard = { reason: string; by: string; at: string };
export type DiscardedWork = Document & { discardedAt: string; discardedBy: string; discardReason: string };

type Kind = { what: 'event' | 'job'; parked: string; discarded: string; guards: (id: string) => WriteOperation[] };

const EVENTS: Kind = { what: 'event', parked: PARKED_EVENTS, discarded: DISCARDED_EVENTS, guards: () => [] };
/**
 * A job may be parked and still queued (parking writes the parked copy, then takes the job out
 * of the queue under its claim; see JobRunner.park), or queued again meanwhile: it may still run,
 * so it is not discarded (409, as its requeue answers) rather than recorded as discarded while it runs.
 */
const JOB_KIND: Kind = { what: 'job', parked: PARKED_JOBS, discarded: DISCARDED_JOBS, guards: (id) => absentGuard(JOBS, id) };

export const discardParkedEvent = (store: ReadModelStore, id: string, discard: Discard): Promise<DiscardedWork> => discardParked(store, EVENTS, id, discard);
export const discardParkedJob = (store: ReadModelStore, id: string, discard: Discard): Promise<DiscardedWork> => discardParked(store, JOB_KIND, id, discard);

const discardParked = async (store: ReadModelStore, kind: Kind, id: string, { reason, by, at }: Discard): Promise<DiscardedWork> => {
  const parked = await store.collection(kind.parked).findOne({ _id: id });
  if (!parked) throw await notParked(store, kind, id);
  const record: DiscardedWork = { ...parked, discardedAt: at, discardedBy: by, discardReason: reason };
  try {
    await store.bulkWrite([
      ...kind.guards(id),
      // Fails on the record of a discard that raced this one (and won).
      { collection: kind.discarded, insertOne: { document: record } },
      { collection: kind.parked, deleteOne: { filter: { _id: id } } },
    ]);
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    if (error.collection === JOBS) throw new ConflictError(`job ${id} is queued (still being parked, or queued again): it may run; try again`);
    throw await notParked(store, kind, id);
  }
  return record;
};

/** The 404 of something not parked, saying so when it was discarded (by whom, when). */
const notParked = async (store: ReadModelStore, kind: Kind, id: string): Promise<NotFoundError> => {
  const discarded = await store.collection<DiscardedWork>(kind.discarded).findOne({ _id: id });
  return new NotFoundError(discarded ? `${kind.what} ${id} is no longer parked: discarded by ${discarded.discardedBy} at ${discarded.discardedAt}` : `no parked ${kind.what} ${id}`);
};
