import { DuplicateKeyError, type Document, type Filter, type WriteOperation } from '../infrastructure/read-models/read-model-store.js';

/**
 * A saga's state as stored, one document per saga instance. Two writers may change one:
 * the runner that follows the log (under its lease), and a replay of a parked event (an
 * operator, possibly in another process). Every write is therefore conditional on the
 * document as its writer loaded it (`_version`, which each write increments, with the
 * position and time of the write before it, for documents written before there was a
 * version), or on there being none yet: a change made meanwhile makes the write fail as a
 * whole with a DuplicateKeyError on the saga's collection (the upsert collides with the
 * document that moved), and the writer loads the saga again and reacts again.
 */
export type SagaDocument<S> = Document & { state: S; _position: number; updatedAt: string; _version?: number };

/** The document as it was loaded: anything else there now (or a document where there was none) fails the write. */
export const sagaGuard = (sagaId: string, loaded: SagaDocument<unknown> | undefined): Filter =>
  loaded
    ? { _id: sagaId, _version: loaded._version ?? null, _position: loaded._position, updatedAt: loaded.updatedAt }
    : // No saga has version 0: an upsert on this filter inserts, and collides with one created meanwhile.
      { _id: sagaId, _version: 0 };

/** Writes a saga's new state, provided it is still as loaded (see sagaGuard). */
export const sagaWrite = <S>(collection: string, sagaId: string, loaded: SagaDocument<S> | undefined, state: S, position: number, now: string): WriteOperation => {
  const replacement: SagaDocument<S> = { _id: sagaId, state, _position: position, updatedAt: now, _version: (loaded?._version ?? 0) + 1 };
  return { collection, replaceOne: { filter: sagaGuard(sagaId, loaded), replacement, upsert: true } };
};

/** Whether a write failed because a saga of `collection` changed since its writer loaded it. */
export const sagaMoved = (error: unknown, collection: string): error is DuplicateKeyError =>
  error instanceof DuplicateKeyError && error.collection === collection;

/** Whether two loads of a saga found the same document (or none both times). */
export const sameSaga = (a: SagaDocument<unknown> | undefined, b: SagaDocument<unknown> | undefined): boolean =>
  a === undefined || b === undefined
    ? a === b
    : a._version === b._version && a._position === b._position && a.updatedAt === b.updatedAt;
