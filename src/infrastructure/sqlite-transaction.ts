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

const NO_WAIT = 'PRAGMA busy_timeout = 0';
const WAIT_SLICE = `PRAGMA busy_timeout = ${BUSY_SLICE_MS}`;

/**
 * `body` in a transaction that takes the write lock first (BEGIN IMMEDIATE), or a savepoint
 * when one is open. The lock is asked for without waiting: when another connection holds it,
 * this throws SQLITE_BUSY at once, and the caller tries again off the thread (GroupCommit,
 * WriteLockQueue), where SQLite's busy handler would have slept on it. Inside the
 * transaction, and after it, the connection's statements wait their BUSY_SLICE_MS again. A
 * pragma is applied as it is compiled, so it cannot be a prepared statement run again; `exec`
 * compiles and runs it without the Statement object `db.pragma` makes: 1.2 µs the pair
 * against 5.5, a pair per commit of the log and per write group of the read models (2% of the
 * event loop at 120 orders a second).
 */
export const inImmediateTransaction = <R>(db: Database.Database, body: () => R): R => {
  if (db.inTransaction) return runnerOf(db).immediate(body) as R;
  db.exec(NO_WAIT);
  let waiting = true;
  const waitAgain = () => {
    if (!waiting) return;
    waiting = false;
    db.exec(WAIT_SLICE);
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
