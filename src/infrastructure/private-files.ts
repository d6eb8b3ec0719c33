import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A shop's files hold password hashes, addresses, orders and the token signing key: only
 * the account that runs the shop may read them. The directory is 0700 and every file in it
 * 0600, including SQLite's `-wal` and `-shm` files, which SQLite creates with the
 * permissions of their database file (so the database file is made 0600 before SQLite opens it).
 */

const PRIVATE_DIRECTORY = 0o700;
const PRIVATE_FILE = 0o600;

/** The secrets a shop keeps in DATA_DIR beside its stores (whose files the stores narrow themselves: narrowDatabaseFile). */
const SECRETS: ReadonlySet<string> = new Set(['jwt-secret', 'carrier-webhook-secret']);

/**
 * Creates the directory 0700, or narrows an existing one to 0700 and the secrets in it to 0600
 * (an older version left them 0644: the signing key as much as the databases). A store's
 * database file, and its companions, are narrowed by the store once it knows the file for its
 * own (after refuseForeignFile): another program's file put there is left as it is, its mode
 * too, as is any other file (the directory's 0700 keeps other users out of them all the same).
 * Returns true when it had to narrow anything.
 */
export const privateDirectory = (path: string): boolean => {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY });
  const files = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isFile() && SECRETS.has(entry.name));
  const narrowed = [narrow(path, PRIVATE_DIRECTORY), ...files.map((file) => narrow(join(path, file.name), PRIVATE_FILE))];
  return narrowed.includes(true);
};

/**
 * A store's database file before SQLite opens it: created empty and 0600 when there is none
 * (SQLite takes an empty file as a new database, and creates its `-wal` and `-shm` with the
 * database file's permissions). One already there is narrowed only once the store knows it
 * for its own (narrowDatabaseFile, after refuseForeignFile): another program's is left as it was.
 */
export const privateDatabaseFile = (path: string): void => {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  closeSync(openSync(path, 'a', PRIVATE_FILE));
};

/** Narrows a store's database file, known to be the store's, and its companions to 0600. */
export const narrowDatabaseFile = (path: string): void => {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) if (existsSync(file)) narrow(file, PRIVATE_FILE);
};

/** A file gone meanwhile (SQLite's journal of another process starting on the same DATA_DIR) needs nothing. */
const narrow = (path: string, mode: number): boolean => {
  try {
    if ((statSync(path).mode & 0o777) === mode) return false;
    chmodSync(path, mode);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
};
