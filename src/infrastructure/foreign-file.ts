import type Database from 'better-sqlite3';

/**
 * A SQLite file that holds tables, none of them a store's own: another program's database,
 * given where the shop keeps one of its files. The store would write its tables beside the
 * other program's and carry on (read models built into it, counts kept in it), and that
 * program's data would go with whatever the operator does to the shop's file. The store
 * refuses it instead; the shop names the file (src/api/store-files.ts).
 */
export class ForeignFileError extends Error {
  readonly code = 'SHOP_FOREIGN_FILE';
}

/** Throws ForeignFileError when `db` holds tables and none of `ours`; an empty file, or one with any of them, is the store's. */
export const refuseForeignFile = (db: Database.Database, ours: readonly string[]): void => {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all();
  if (tables.length === 0 || tables.some((table) => ours.includes(table))) return;
  const named = tables.slice(0, 3).join(', ') + (tables.length > 3 ? ', ...' : '');
  throw new ForeignFileError(`it holds another program's tables (${named}) and none of this store's (${ours.join(', ')})`);
};
