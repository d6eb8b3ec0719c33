import Database from 'better-sqlite3';
import { refuseForeignFile } from '../foreign-file.js';
import { narrowDatabaseFile, privateDatabaseFile } from '../private-files.js';
import { BUSY_SLICE_MS, DEFAULT_LOCK_WAIT_MS, whileBusy } from '../sqlite-write-lock.js';
import { openSchema, STORE_TABLES } from './embedded-statements.js';

/**
 * The read models' file opened for the store's own connection: refused when it is another
 * program's, private to the shop's user, in WAL mode, its schema made or brought up to date.
 * `wal` is false for a `:memory:` store, which has no WAL (and whose commits stay as durable as
 * they can be); with one, commits are `synchronous = NORMAL` and made durable by WalSync.
 */
export const openDocumentsFile = (path: string): { db: Database.Database; wal: boolean } => {
  privateDatabaseFile(path);
  const db = new Database(path);
  // Opening may wait for processes opening the file at the same moment (WAL mode, the schema): blocking is fine here.
  db.pragma(`busy_timeout = ${DEFAULT_LOCK_WAIT_MS}`);
  const wal = whileBusy(() => {
    // Before anything is written to it (WAL mode changes its header): another program's file is left as it was.
    refuseForeignFile(db, STORE_TABLES);
    narrowDatabaseFile(path);
    const inWal = db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    // Durable until the store is open (the schema); then writes are synced by WalSync.
    db.pragma('synchronous = FULL');
    // A deleted or replaced document is overwritten with zeros, not left in free pages (issue 17: an erased
    // customer's documents must leave no byte behind). Every connection to the file sets it (the loader thread too).
    db.pragma('secure_delete = ON');
    // A 16 MB page cache (SQLite's default is 2 MB).
    db.pragma('cache_size = -16000');
    openSchema(db);
    return inWal;
  });
  // From now on a short wait inside SQLite only: a longer one is waited for off the event loop (see sqlite-write-lock.ts).
  db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
  if (wal) db.pragma('synchronous = NORMAL');
  return { db, wal };
};
