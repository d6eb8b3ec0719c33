import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Checks a database file whole (see FileDamage.checkWholeFile): PRAGMA integrity_check on a
 * read-only connection of its own, off the store's event loop. Answers `{ ok }`, or the first
 * problem SQLite names, as SQLITE_CORRUPT.
 */

const { path } = workerData as { path: string };
let answer: { ok: true } | { ok: false; message: string; code: string };
try {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const result = String(db.pragma('integrity_check(1)', { simple: true }));
    answer = result === 'ok' ? { ok: true } : { ok: false, message: result.replace(/\s+/g, ' ').trim(), code: 'SQLITE_CORRUPT' };
  } finally {
    db.close();
  }
} catch (error) {
  const code = String((error as { code?: unknown }).code ?? '');
  answer = code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' ? { ok: false, message: (error as Error).message, code } : { ok: true };
}
parentPort!.postMessage(answer);
