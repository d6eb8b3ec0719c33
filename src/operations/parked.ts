import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import { DuplicateKeyError, type Document, type ReadModelStore, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';
import { absentGuard, DISCARDED_JOBS, JOBS, PARKED_JOBS } from '../processes/job-documents.js';
import { DISCARDED_EVENTS, PARKED_EVENTS, takeHeld, withoutHold, type ParkedEvent, type ParkedEventHold } from '../processes/parked-events.js';
import type { ProcessManagerRunner } from '../processes/runner.js';

/**
 * How long an operator's replay or discard holds a parked event. A replay's commands have run by
 * the time its outcome is written; a process that died holding one leaves it to lapse.
 */
export const PARKED_HOLD_MS = 120_000;

/**
 * Finds a parked event and replays it with the runner of the process manager that parked it,
 * holding it meanwhile: a discard or another replay of it then answers 409 (a discard landing
 * while its commands ran would record as discarded an event whose effects were applied).
 */
export const replayParkedEvent = async (
  store: ReadModelStore,
  runners: ReadonlyArray<Pick<ProcessManagerRunner<unknown>, 'name' | 'replay'>>,
  id: string,
  now: Date = new Date(),
): Promise<{ replayed: boolean; error?: string }> => {
  const parked = await store.collection<ParkedEvent>(PARKED_EVENTS).findOne({ _id: id });
  if (!parked) throw await notParked(store, EVENTS, id);
  const runner = runners.find((r) => r.name === parked.processManager);
  if (!runner) throw new NotFoundError(`no process manager ${parked.processManager}`);
  const { held, holder } = await hold(store, id, 'replay', now);
  try {
    return await runner.replay(held, holder);
  } catch (error) {
    if (error instanceof DuplicateKeyError && (error.collection === PARKED_EVENTS || error.collection === DISCARDED_EVENTS)) {
      throw new ConflictError(`event ${id}: its replay ran past its hold (${PARKED_HOLD_MS / 1000} s) and it was ${error.collection === DISCARDED_EVENTS ? 'discarded' : 'taken by another replay or discard'} meanwhile: its outcome was not written (the commands it sent keep their ids: a replay again does not repeat them)`);
    }
    throw error;
  } finally {
    await release(store, id, holder);
  }
};

/** Holds a parked event for a replay or a discard, in one conditional write; 409 while another holds it, 404 when it is not parked. */
const hold = async (store: ReadModelStore, id: string, purpose: ParkedEventHold['heldFor'], now: Date): Promise<{ held: ParkedEvent; holder: string }> => {
  const parkedEvents = store.collection<ParkedEvent>(PARKED_EVENTS);
  const holder = randomUUID();
  const taken: ParkedEventHold = { heldBy: holder, heldFor: purpose, heldSince: now.toISOString(), heldUntil: new Date(now.getTime() + PARKED_HOLD_MS).toISOString() };
  // Never held, given up ($unset: null matches a missing field) or lapsed.
  const free = { $or: [{ heldUntil: null }, { heldUntil: { $lte: taken.heldSince } }] };
  await parkedEvents.updateOne({ _id: id, ...free }, { $set: taken });
  const held = await parkedEvents.findOne({ _id: id });
  if (!held) throw await notParked(store, EVENTS, id);
  if (held.heldBy !== holder) {
    const doing = held.heldFor === 'discard' ? 'being discarded' : 'being replayed';
    throw new ConflictError(`event ${id} is ${doing} (since ${String(held.heldSince)}; the hold lapses at ${String(held.heldUntil)} should its process have died): try again`);
  }
  return { held, holder };
};

/** Gives a hold up, if it still stands (a replay that succeeded took the event out already; one that failed again gave it up). */
const release = async (store: ReadModelStore, id: string, holder: string): Promise<void> => {
  await store.collection<ParkedEvent>(PARKED_EVENTS).updateOne({ _id: id, heldBy: holder }, { $unset: { heldBy: '', heldFor: '', heldSince: '', heldUntil: '' } });
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

type Kind = { what: 'event' | 'job'; parked: string; discarded: string; guards: (id: string) => WriteOperation[]; holds?: true };

/** A parked event is held for its discard (see `hold`): a replay running it answers 409 instead, and one starting during the discard does too. */
const EVENTS: Kind = { what: 'event', parked: PARKED_EVENTS, discarded: DISCARDED_EVENTS, guards: () => [], holds: true };
/**
 * A job may be parked and still queued (parking writes the parked copy, then takes the job out
 * of the queue under its claim; see JobRunner.park), or queued again meanwhile: it may still run,
 * so it is not discarded (409, as its requeue answers) rather than recorded as discarded while it runs.
 */
const JOB_KIND: Kind = { what: 'job', parked: PARKED_JOBS, discarded: DISCARDED_JOBS, guards: (id) => absentGuard(JOBS, id) };

export const discardParkedEvent = (store: ReadModelStore, id: string, discard: Discard, now?: Date): Promise<DiscardedWork> => discardParked(store, EVENTS, id, discard, now);
export const discardParkedJob = (store: ReadModelStore, id: string, discard: Discard): Promise<DiscardedWork> => discardParked(store, JOB_KIND, id, discard);

const discardParked = async (store: ReadModelStore, kind: Kind, id: string, { reason, by, at }: Discard, now = new Date()): Promise<DiscardedWork> => {
  const { held, holder } = kind.holds ? await hold(store, id, 'discard', now) : { held: await store.collection(kind.parked).findOne({ _id: id }), holder: undefined };
  if (!held) throw await notParked(store, kind, id);
  const record: DiscardedWork = { ...(kind.holds ? withoutHold(held as ParkedEvent) : held), discardedAt: at, discardedBy: by, discardReason: reason };
  try {
    await store.bulkWrite([
      ...kind.guards(id),
      // Fails on the record of a discard that raced this one (and won).
      { collection: kind.discarded, insertOne: { document: record } },
      ...(holder ? takeHeld(id, holder) : [{ collection: kind.parked, deleteOne: { filter: { _id: id } } }]),
    ]);
  } catch (error) {
    if (holder) await release(store, id, holder);
    if (!(error instanceof DuplicateKeyError)) throw error;
    if (error.collection === JOBS) throw new ConflictError(`job ${id} is queued (still being parked, or queued again): it may run; try again`);
    if (error.collection === PARKED_EVENTS) throw new ConflictError(`event ${id}: its hold lapsed before the discard was written and a replay took it: try again`);
    throw await notParked(store, kind, id);
  }
  return record;
};

/** The 404 of something not parked, saying so when it was discarded (by whom, when). */
const notParked = async (store: ReadModelStore, kind: Kind, id: string): Promise<NotFoundError> => {
  const discarded = await store.collection<DiscardedWork>(kind.discarded).findOne({ _id: id });
  return new NotFoundError(discarded ? `${kind.what} ${id} is no longer parked: discarded by ${discarded.discardedBy} at ${discarded.discardedAt}` : `no parked ${kind.what} ${id}`);
};
