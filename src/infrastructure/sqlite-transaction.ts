import type Database from 'better-sqlite3';

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

/** `body` in a transaction that takes the write lock first (BEGIN IMMEDIATE), or a savepoint when one is open. */
export const inImmediateTransaction = <R>(db: Database.Database, body: () => R): R => runnerOf(db).immediate(body) as R;
