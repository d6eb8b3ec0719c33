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

/**
 * Creates the directory 0700, or narrows an existing one to 0700 and the files in it to 0600
 * (an older version left them 0644: the signing key as much as the databases). Returns true
 * when it had to narrow anything.
 */
export const privateDirectory = (path: string): boolean => {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY });
  const files = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isFile());
  const narrowed = [narrow(path, PRIVATE_DIRECTORY), ...files.map((file) => narrow(join(path, file.name), PRIVATE_FILE))];
  return narrowed.includes(true);
};

/** Creates a database file 0600 (empty: SQLite takes an empty file as a new database), or narrows it and its companions. */
export const privateDatabaseFile = (path: string): void => {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  closeSync(openSync(path, 'a', PRIVATE_FILE));
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
