import type Database from 'better-sqlite3';

/**
 * A SQLite file whose tables are not a store's own: another program's database, given where the
 * shop keeps one of its files. The store would switch it to WAL, write its tables beside the
 * other program's and carry on (read models built into it, counts kept in it), and that
 * program's data would go with whatever the operator does to the shop's file. The store
 * refuses it instead, before it writes anything; the shop names the file (src/api/store-files.ts).
 * A file is the store's when it is empty (no table, and no schema version: `user_version` 0), or
 * when every table in it is one of the store's and each of those has the store's columns (a
 * table of the same name and other columns, `events` or `documents` of another program, is no
 * table of the store's).
 */
export class ForeignFileError extends Error {
  readonly code = 'SHOP_FOREIGN_FILE';
}

/** A store's tables, each with the columns it must have (a version before may have had more). */
export type StoreTables = Readonly<Record<string, readonly string[]>>;

/** Throws ForeignFileError unless `db` is empty or holds the store's tables only, with their columns. */
export const refuseForeignFile = (db: Database.Database, ours: StoreTables): void => {
  // The tables and the schema version of one state of the file (a read transaction): read apart, a store of another
  // process starting on the same fresh file committed its tables and version between them, and this one saw a version
  // with no table (two processes of one DATA_DIR started together: one refused to start).
  const { tables, version } = db.transaction(() => {
    const names = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all();
    // No table but a schema version: another program's (a store sets its version with its tables, in one transaction).
    return { tables: names, version: names.length === 0 ? (db.pragma('user_version', { simple: true }) as number) : 0 };
  })();
  if (version !== 0) throw new ForeignFileError(`it holds no table but another program's schema version (user_version ${version}), where this store keeps ${Object.keys(ours).join(', ')}`);
  const strangers = tables.filter((table) => !(table in ours));
  const misshapen = tables.filter((table) => table in ours && !hasColumns(db, table, ours[table]!));
  if (strangers.length === 0 && misshapen.length === 0) return;
  const named = [...strangers, ...misshapen.map((table) => `${table} with other columns`)];
  const list = named.slice(0, 3).join(', ') + (named.length > 3 ? ', ...' : '');
  throw new ForeignFileError(`it holds another program's tables (${list}), where this store keeps ${Object.keys(ours).join(', ')} alone`);
};

const hasColumns = (db: Database.Database, table: string, columns: readonly string[]): boolean => {
  const present = new Set(db.prepare<[string], string>('SELECT name FROM pragma_table_info(?)').pluck().all(table));
  return columns.every((column) => present.has(column));
};
