import { existsSync } from 'node:fs';
import { isDamage as isDamageCode } from '../infrastructure/event-store/file-damage.js';
import { DAMAGED_DOCUMENT } from '../infrastructure/read-models/embedded-documents.js';
import { basename, join } from 'node:path';

/**
 * Opening an embedded store's file (DATA_DIR/events.db, read-models.db, keys.db, limits.db)
 * failed for a reason that is the file's, not the shop's: damaged, not SQLite, another
 * program's schema, or on a file system the shop cannot write. The message names the file and
 * what the operator can do about it, which depends on what the file holds.
 */
export class StoreFileError extends Error {}

/** What each file holds, and so what to do with a damaged one. The log and the keys are never to be deleted: nothing rebuilds them. */
const REMEDIES: Record<string, string> = {
  'events.db': 'it is the event log, which nothing can rebuild: restore it from a backup (keep the damaged file until then; do not delete it)',
  'read-models.db': 'it holds only the read models: with every process of the shop stopped, delete it (with read-models.db-wal and read-models.db-shm) to have it rebuilt from the event log at the next start, or restore it from a backup',
  'keys.db': 'it holds the keys of the personal data in the log, which nothing can rebuild: restore it from a backup (keep the damaged file until then; do not delete it)',
  'limits.db': 'it holds only rate-limit counts: with every process of the shop stopped, delete it (with limits.db-wal and limits.db-shm) and it is made again',
};

const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX', DAMAGED_DOCUMENT]);
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_RECOVERY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_CANTOPEN']);
const FULL = new Set(['ENOSPC', 'SQLITE_FULL']);

/** Opens a store's file, turning a failure that is the file's into a StoreFileError naming it; any other failure is passed on as it is. */
export const openStoreFile = async <T>(path: string, open: () => T | Promise<T>): Promise<T> => {
  try {
    return await open();
  } catch (error) {
    throw storeFileError(path, error) ?? error;
  }
};

export const storeFileError = (path: string, error: unknown): StoreFileError | undefined => {
  const code = String((error as { code?: unknown }).code ?? '');
  const why = `${(error as Error).message} (${code})`;
  if (DAMAGED.has(code) || (code === 'SQLITE_ERROR' && /no such (table|column)|already exists|malformed/.test((error as Error).message))) {
    const remedy = REMEDIES[basename(path)] ?? 'restore it from a backup';
    return new StoreFileError(`${path} is damaged, or is not one of this shop's files (${why}): ${remedy}`);
  }
  // Not deleted, whatever the file: it may be another program's only copy of its data.
  if (code === 'SHOP_FOREIGN_FILE') return new StoreFileError(`${path} is not one of this shop's files: ${(error as Error).message}. Move it out of DATA_DIR (it may be another program's data; the shop makes its own file there), then start again`);
  if (UNWRITABLE.has(code)) return new StoreFileError(`${path} cannot be opened for writing (${why}): the shop writes in DATA_DIR; make it writable by the user that runs the shop (a read-only file system must be mounted read-write)`);
  if (FULL.has(code)) return new StoreFileError(`${path} cannot be opened: its file system is full (${why}); free space there, then start again`);
  if (code === 'EISDIR') return new StoreFileError(`${path} is a directory, where the shop keeps a file (${why}): move it out of DATA_DIR, then start again`);
  return undefined;
};

/**
 * SQLite's words for a damaged page (sqlite3ErrStr of SQLITE_CORRUPT), for an error that carries them in its message only
 * (a rebuild's, from a follower's). A file that is no database at all is found as it opens, and named there.
 */
const DAMAGE_WORDS = /database disk image is malformed/;

/** Whether the error, or one it was caused by, is SQLite finding a file damaged (by its code, as the log's FileDamage reads it, or its words). */
const isDamage = (error: unknown): boolean => {
  return causes(error).some((cause) => isDamageCode(cause) || DAMAGE_WORDS.test(cause.message));
};

/** The embedded stores' files in DATA_DIR. */
const STORE_FILES = Object.keys(REMEDIES);

/**
 * A store file found damaged after it opened (SQLite reads a damaged page only when it gets
 * to it: a log damaged in the middle opens, then fails as it is read): which of DATA_DIR's files
 * it is, named as at opening. SQLite's error does not say, so each file there is checked
 * (`PRAGMA quick_check`, read-only: seconds for a large log, once, on the way out); undefined
 * when the error is no damage, or no file there is found damaged (the error is then shown as it is).
 */
export const damagedStoreFile = async (dataDir: string, error: unknown): Promise<StoreFileError | undefined> => {
  if (!isDamage(error)) return undefined;
  const { default: Database } = await import('better-sqlite3');
  for (const file of STORE_FILES) {
    const path = join(dataDir, file);
    if (!existsSync(path)) continue;
    let found: unknown;
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        const result = db.pragma('quick_check(1)', { simple: true });
        if (result !== 'ok') found = Object.assign(new Error(String(result).replace(/\s+/g, ' ').trim()), { code: 'SQLITE_CORRUPT' });
      } finally {
        db.close();
      }
    } catch (checking) {
      found = checking;
    }
    const named = found === undefined ? undefined : storeFileError(path, found);
    if (named) return named;
  }
  // Pages SQLite finds sound, holding a read model document that is no JSON: the read models' file, named.
  const document = causes(error).find((cause) => (cause as { code?: unknown }).code === DAMAGED_DOCUMENT);
  return document === undefined ? undefined : storeFileError(join(dataDir, 'read-models.db'), document);
};

const causes = (error: unknown): Error[] => {
  const found: Error[] = [];
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) found.push(cause);
  return found;
};
