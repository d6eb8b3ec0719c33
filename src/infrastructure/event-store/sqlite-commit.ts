import type Database from 'better-sqlite3';
import { IdempotencyViolationError, WrongExpectedVersionError, type AppendResult, type ExpectedRevision } from './event-store.js';
import type { Statements } from './sqlite-event-statements.js';
import { inImmediateTransaction, inTransaction } from '../sqlite-transaction.js';

/**
 * One group commit of the embedded event store: every append of a batch in one IMMEDIATE
 * transaction (one fsync), each inside a savepoint of its own, so that one append's failure
 * (a wrong expected revision, ids reused) never touches its neighbours. The same function
 * runs on the store's own connection (a `:memory:` store) and in the commit thread (see
 * CommitThread), which is why requests and outcomes are plain data: strings and numbers that
 * cross a thread boundary as they are.
 */

/** An event as the commit writes it: data and metadata already JSON. */
export type EventToCommit = { id: string; type: string; data: string; metadata: string };

export type AppendRequest = { streamName: string; expected: ExpectedRevision; events: EventToCommit[] };

/** What went wrong with one append, as data (errors lose their class crossing a thread). */
export type AppendFailure =
  | { kind: 'wrong-expected-version'; streamName: string; expected: ExpectedRevision; actual: number | 'no_stream' }
  | { kind: 'idempotency-violation'; streamName: string }
  | { kind: 'error'; name: string; message: string; code?: string };

/** One append's outcome: written (with the position of each event, in order), found written before, or failed. */
export type AppendOutcome = { ok: AppendResult; positions?: number[]; firstRevision?: number } | { failed: AppendFailure };

/** Commits the batch; throws only when the transaction as a whole failed (the file busy, the disk full), and then nothing of it is written. */
export const commitAppends = (db: Database.Database, statements: Statements, requests: readonly AppendRequest[], recordedAt: string): AppendOutcome[] => {
  const outcomes: AppendOutcome[] = [];
  // The write lock first: another process's commit makes a read turned write fail at once (SQLITE_BUSY).
  inImmediateTransaction(db, () => {
    for (const request of requests) {
      try {
        // A nested transaction is a savepoint: a failed append rolls back alone. An append of one
        // event needs none: it writes one row, by one INSERT, which SQLite takes back by itself
        // when it fails (statement atomicity), and what runs before it only reads.
        outcomes.push(request.events.length === 1 ? appendNow(statements, request, recordedAt) : inTransaction(db, () => appendNow(statements, request, recordedAt)));
      } catch (error) {
        outcomes.push({ failed: describe(error) });
      }
    }
  });
  return outcomes;
};

/** The error an append failure stands for, with its class back. */
export const failureError = (failure: AppendFailure): Error => {
  switch (failure.kind) {
    case 'wrong-expected-version':
      return new WrongExpectedVersionError(failure.streamName, failure.expected, failure.actual);
    case 'idempotency-violation':
      return new IdempotencyViolationError(failure.streamName);
    default:
      return Object.assign(new Error(failure.message), { name: failure.name, ...(failure.code ? { code: failure.code } : {}) });
  }
};

export const describe = (error: unknown): AppendFailure => {
  if (error instanceof WrongExpectedVersionError) return { kind: 'wrong-expected-version', streamName: error.streamName, expected: error.expected, actual: error.actual };
  if (error instanceof IdempotencyViolationError) return { kind: 'idempotency-violation', streamName: error.streamName };
  const code = (error as { code?: unknown } | null)?.code;
  return {
    kind: 'error',
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
};

const appendNow = (statements: Statements, request: AppendRequest, recordedAt: string): AppendOutcome => {
  const { streamName, events, expected } = request;
  const current = statements.lastRevision.get(streamName)?.revision ?? -1;
  // A stream with no events holds none of these ids: one lookup less for every new stream.
  const alreadyWritten = current < 0 ? undefined : findRepeat(statements, streamName, events);
  if (alreadyWritten) return { ok: alreadyWritten };
  checkExpected(streamName, expected, current);
  const positions: number[] = [];
  for (const [i, event] of events.entries()) {
    try {
      const info = statements.insert.run(streamName, current + 1 + i, event.id, event.type, event.data, event.metadata, recordedAt);
      positions.push(Number(info.lastInsertRowid));
    } catch (error) {
      // An id already in the stream, past the first of the batch: ids reused for a different batch.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new IdempotencyViolationError(streamName);
      throw error;
    }
  }
  const revision = current + events.length;
  return { ok: { nextExpectedRevision: revision, position: positions[positions.length - 1]!, repeated: false }, positions, firstRevision: current + 1 };
};

const checkExpected = (streamName: string, expected: ExpectedRevision, current: number): void => {
  const actual = current < 0 ? 'no_stream' : current;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current < 0) ||
    (expected === 'stream_exists' && current >= 0) ||
    expected === current;
  if (!ok) throw new WrongExpectedVersionError(streamName, expected, actual);
};

/**
 * The batch written before (see the port): its ids consecutive in the stream, in order,
 * from its first. Some ids there but not so: ids reused for another batch. None: undefined.
 */
const findRepeat = (statements: Statements, streamName: string, events: readonly EventToCommit[]): AppendResult | undefined => {
  const found = events.map((event) => statements.eventById.get(streamName, event.id));
  if (found.every((row) => row === undefined)) return undefined;
  const start = found[0]?.revision;
  if (start === undefined || found.some((row, i) => row?.revision !== start + i)) throw new IdempotencyViolationError(streamName);
  const last = found[found.length - 1]!;
  return { nextExpectedRevision: last.revision, position: last.position, repeated: true };
};
