import type Database from 'better-sqlite3';
import { LIMIT_PARAM } from '../sqlite-bound-limit.js';

/**
 * The embedded store's SQL: its schema, and its writes, shared by the store and its loader
 * thread, which both write the same file through connections of their own.
 */
export const STATEMENTS = {
  /**
   * A new version number, stamped on every collection a transaction touches: the counter moved
   * on, then read (see versionCounter; `UPDATE … RETURNING` took twice as long as both).
   */
  bumpVersion: 'UPDATE sequence SET value = value + 1 WHERE id = 1',
  currentVersion: 'SELECT value FROM sequence WHERE id = 1',
  touch: `INSERT INTO collections (name, version) VALUES (?, ?)
          ON CONFLICT (name) DO UPDATE SET version = excluded.version`,
  upsert: `INSERT INTO documents (collection, id, doc) VALUES (?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
  delete: 'DELETE FROM documents WHERE collection = ? AND id = ?',
  /** Up to `?2` documents of collection `?1` (dropCollection deletes a collection a slice at a time). */
  dropSlice: `DELETE FROM documents WHERE rowid IN (SELECT rowid FROM documents WHERE collection = ? ${LIMIT_PARAM})`,
  dropCollection: 'DELETE FROM collections WHERE name = ?',
  /**
   * The change log's oldest rows past the newest `kept` (the first parameter), as many as the
   * second at most: each trim takes a bounded slice off its start (seq numbers run on without
   * gaps between trims).
   */
  /** A collection the transaction writes in bulk (see CHANGE_LOG), and its one row in the log. */
  bulkName: 'INSERT OR IGNORE INTO bulk_writes (collection) VALUES (?)',
  bulkRow: `INSERT INTO changes (collection, id) VALUES (?, '')`,
  bulkEnd: 'DELETE FROM bulk_writes',
  trimChanges: `DELETE FROM changes WHERE seq <= MIN((SELECT max(seq) FROM changes) - ?, (SELECT min(seq) FROM changes) + ? - 1)`,
} as const;

/**
 * Rows the change log keeps (see CHANGE_LOG): about 4 MB. A process that looks at the file
 * again only after more changes than these (idle for a while beside a busy one) reloads what
 * it holds of the collections changed instead.
 */
export const CHANGES_KEPT = 50_000;

/**
 * Layout 2. Documents live in a rowid table with a unique index on (collection, id): a
 * document of a few hundred bytes is appended to the table's B-tree and only its small key
 * goes into the index. (Layout 1 kept them in a WITHOUT ROWID table keyed by (collection,
 * id), which moves whole documents around on every page split: rebuilds wrote a third slower.)
 * Layout 3 adds the change log (CHANGE_LOG), layout 4 what processes hold in memory (WARM_UP).
 */
const LAYOUT = 4;

/**
 * The change log: a row per document written or deleted, by any connection (this store's, its
 * loader thread's, another process's), in commit order, written by triggers so that no writer
 * can leave one out. A process that holds a collection in memory reads the rows after the last
 * it saw and reads again those documents only (see EmbeddedMemory.refresh), where it used to
 * drop and reload the whole collection at every commit of another process to it: with
 * `WORKERS=2` and 50,000 products, a search answered by the process that does not run the
 * search projection took 5-6 s while stock was received five times a second. Rows hold the
 * collection and the document's id (no content); the oldest past CHANGES_KEPT are trimmed.
 *
 * A transaction that writes a collection in bulk (a rebuild's loads and drops, a rename) names
 * it in `bulk_writes` for its duration and logs one row for the whole collection instead, its
 * id WHOLE_COLLECTION: its documents are not logged one by one (a rebuild wrote its documents
 * 8% slower with a row each). It empties `bulk_writes` before it commits.
 */
export const WHOLE_COLLECTION = '';

const CHANGE_LOG = `
  CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS bulk_writes (collection TEXT PRIMARY KEY);
  CREATE TRIGGER IF NOT EXISTS documents_inserted AFTER INSERT ON documents
    WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE collection = NEW.collection)
    BEGIN INSERT INTO changes (collection, id) VALUES (NEW.collection, NEW.id); END;
  CREATE TRIGGER IF NOT EXISTS documents_updated AFTER UPDATE ON documents
    WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE collection IN (OLD.collection, NEW.collection))
    BEGIN
      INSERT INTO changes (collection, id) SELECT OLD.collection, OLD.id WHERE OLD.collection IS NOT NEW.collection OR OLD.id IS NOT NEW.id;
      INSERT INTO changes (collection, id) VALUES (NEW.collection, NEW.id);
    END;
  CREATE TRIGGER IF NOT EXISTS documents_deleted AFTER DELETE ON documents
    WHEN NOT EXISTS (SELECT 1 FROM bulk_writes WHERE collection = OLD.collection)
    BEGIN INSERT INTO changes (collection, id) VALUES (OLD.collection, OLD.id); END;
`;

/**
 * What processes hold in memory, for warming up (see embedded-warm-up.ts): `held_collections`
 * names every collection queries scanned, and when last (a process starting loads those of the
 * last day before its first query asks), `holders` which live process holds which in memory (each
 * renews its rows every 5 s while it lives), and
 * `warm_requests` the collections a rebuild is about to swap in, each beside the one it replaces:
 * every holder of that one loads it before the swap. A collection dropped or renamed takes its
 * rows with it (triggers: the loader thread's last slice of a drop deletes the collection too).
 */
const WARM_UP_FORGOTTEN = `
    DELETE FROM held_collections WHERE collection = OLD.name;
    DELETE FROM holders WHERE collection = OLD.name;
    DELETE FROM warm_requests WHERE collection = OLD.name OR previous = OLD.name;
`;
const WARM_UP = `
  CREATE TABLE IF NOT EXISTS held_collections (collection TEXT PRIMARY KEY, queried_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS holders (collection TEXT NOT NULL, holder TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (collection, holder));
  CREATE TABLE IF NOT EXISTS warm_requests (collection TEXT PRIMARY KEY, previous TEXT NOT NULL);
  CREATE TRIGGER IF NOT EXISTS collection_dropped AFTER DELETE ON collections BEGIN ${WARM_UP_FORGOTTEN} END;
  CREATE TRIGGER IF NOT EXISTS collection_renamed AFTER UPDATE OF name ON collections WHEN OLD.name IS NOT NEW.name BEGIN ${WARM_UP_FORGOTTEN} END;
`;

/** The store's tables, with the columns each must have (see refuseForeignFile). */
export const STORE_TABLES = {
  documents: ['collection', 'id', 'doc'],
  collections: ['name', 'version'],
  sequence: ['id', 'value'],
  changes: ['seq', 'collection', 'id'],
  bulk_writes: ['collection'],
  held_collections: ['collection', 'queried_at'],
  holders: ['collection', 'holder', 'seen_at'],
  warm_requests: ['collection', 'previous'],
  documents_layout2: ['collection', 'id', 'doc'],
} as const;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id         TEXT NOT NULL,
    doc        TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS documents_by_key ON documents (collection, id);
  CREATE TABLE IF NOT EXISTS collections (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    indexes TEXT NOT NULL DEFAULT '[]'
  );
  CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
  INSERT OR IGNORE INTO sequence (id, value) VALUES (1, 0);
  ${CHANGE_LOG}
  ${WARM_UP}
`;

/** Moves layout 1's documents into layout 2, in one transaction (another process may be opening the file too). */
const MIGRATE_FROM_1 = `
  CREATE TABLE documents_layout2 (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL);
  INSERT INTO documents_layout2 (collection, id, doc) SELECT collection, id, doc FROM documents ORDER BY collection, id;
  DROP TABLE documents;
  ALTER TABLE documents_layout2 RENAME TO documents;
`;

export const openSchema = (db: Database.Database): void => {
  if ((db.pragma('user_version', { simple: true }) as number) >= LAYOUT) return;
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= LAYOUT) return;
    const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'").get();
    if (table && /WITHOUT\s+ROWID/i.test(table.sql)) db.exec(MIGRATE_FROM_1);
    db.exec(SCHEMA);
    db.pragma(`user_version = ${LAYOUT}`);
  }).immediate();
};

/**
 * The next version number, inside a write transaction (which holds the file's write lock, so
 * no other connection moves the counter between the two statements). Two plain statements:
 * `UPDATE … RETURNING` cost 43 µs per transaction against 21 here (SQLite gathers RETURNING
 * rows in a table of their own), and every write of the store takes a version.
 */
export const versionCounter = (db: Database.Database): (() => number) => {
  const bump = db.prepare(STATEMENTS.bumpVersion);
  const current = db.prepare<[], number>(STATEMENTS.currentVersion).pluck();
  return () => {
    bump.run();
    return current.get()!;
  };
};

/** The statements the store's own connection runs (EmbeddedReadModelStore, EmbeddedMemory). */
export const prepareStoreStatements = (db: Database.Database) => ({
  load: db.prepare<[string], { id: string; doc: string }>('SELECT id, doc FROM documents WHERE collection = ?'),
  loadSlice: db.prepare<[string, string, number], { id: string; doc: string }>(`SELECT id, doc FROM documents WHERE collection = ? AND id > ? ORDER BY id ${LIMIT_PARAM}`),
  byIds: db.prepare<[string, string], { doc: string }>('SELECT doc FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))'),
  collection: db.prepare<[string], { version: number; indexes: string }>('SELECT version, indexes FROM collections WHERE name = ?'),
  versions: db.prepare<[], { name: string; version: number }>('SELECT name, version FROM collections'),
  nextVersion: versionCounter(db),
  touch: db.prepare<[string, number]>(STATEMENTS.touch),
  setIndexes: db.prepare<[string, string]>('UPDATE collections SET indexes = ? WHERE name = ?'),
  upsert: db.prepare<[string, string, string]>(STATEMENTS.upsert),
  delete: db.prepare<[string, string]>(STATEMENTS.delete),
  dropDocs: db.prepare<[string]>('DELETE FROM documents WHERE collection = ?'),
  dropCollection: db.prepare<[string]>(STATEMENTS.dropCollection),
  renameDocs: db.prepare<[string, string]>('UPDATE documents SET collection = ? WHERE collection = ?'),
  renameCollection: db.prepare<[string, number, string]>('UPDATE collections SET name = ?, version = ? WHERE name = ?'),
  names: db.prepare<[], { name: string }>('SELECT name FROM collections ORDER BY name'),
  changedDocs: db.prepare<[string, string], { id: string; doc: string }>('SELECT id, doc FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))'),
  changesAfter: db.prepare<[number, number], { seq: number; collection: string; id: string }>(`SELECT seq, collection, id FROM changes WHERE seq > ? ORDER BY seq ${LIMIT_PARAM}`),
  firstChange: db.prepare<[], number | null>('SELECT min(seq) FROM changes').pluck(),
  lastChange: db.prepare<[], number | null>('SELECT max(seq) FROM changes').pluck(),
  trimChanges: db.prepare<[number, number]>(STATEMENTS.trimChanges),
  inBulk: inBulk(db),
});

/**
 * Marks collections written in bulk by the transaction under way (see CHANGE_LOG): one row in
 * the change log for each, none per document; `end` before the transaction commits.
 */
export const inBulk = (db: Database.Database) => {
  const name = db.prepare<[string]>(STATEMENTS.bulkName);
  const row = db.prepare<[string]>(STATEMENTS.bulkRow);
  const end = db.prepare(STATEMENTS.bulkEnd);
  return {
    begin: (...collections: string[]) => {
      for (const collection of new Set(collections)) {
        name.run(collection);
        row.run(collection);
      }
    },
    end: () => void end.run(),
  };
};

export type StoreStatements = ReturnType<typeof prepareStoreStatements>;
