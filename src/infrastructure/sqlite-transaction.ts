import type Database from 'better-sqlite3';
import { BUSY_SLICE_MS } from './sqlite-write-lock.js';

/**
 * Transactions without the cost of making them. better-sqlite3's `db.transaction(fn)` wraps
 * `fn` four times over (one per kind of BEGIN) and defines properties on each wrapper: done
 * for every write and uncached read, that was about 2% of the saga's busy time. Here each
 * connection gets one wrapper, which runs the function it is handed. Inside a transaction it
 * is a savepoint, as `db.transaction` is: a throw rolls back that much only, and is rethrown.
 */
type Runner = Database.Transaction<(body: () => unknown) => unknown>;

const runners = new WeakMap<Database.Database, Runner>();

const runnerOf = (db: Database.Database): Runner => {
  let runner = runners.get(db);
  if (!runner) runners.set(db, (runner = db.transaction((body: () => unknown) => body())));
  return runner;
};

/** `body` in a transaction (BEGIN, deferred), or a savepoint when one is open. */
export const inTransaction = <R>(db: Database.Database, body: () => R): R => runnerOf(db)(body) as R;

/**
 * `body` in a transaction that takes the write lock first (BEGIN IMMEDIATE), or a savepoint
 * when one is open. The lock is asked for without waiting: when another connection holds it,
 * this throws SQLITE_BUSY at once, and the caller tries again off the thread (GroupCommit,
 * WriteLockQueue), where SQLite's busy handler would have slept on it. Inside the
 * transaction, and after it, the connection's statements wait their BUSY_SLICE_MS again (a
 * pragma is applied as it is prepared, so each is prepared anew: about 4 µs).
 */
export const inImmediateTransaction = <R>(db: Database.Database, body: () => R): R => {
  if (db.inTransaction) return runnerOf(db).immediate(body) as R;
  db.pragma('busy_timeout = 0');
  let waiting = true;
  const waitAgain = () => {
    if (!waiting) return;
    waiting = false;
    db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
  };
  try {
    return runnerOf(db).immediate(() => {
      waitAgain();
      return body();
    }) as R;
  } finally {
    waitAgain();
  }
};
