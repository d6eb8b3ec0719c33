import type Database from 'better-sqlite3';
import type { Cached } from './embedded-write-view.js';
import type { Document } from './read-model-store.js';

/**
 * The code of a read model document the file holds that is not JSON (written by hand, or by
 * another program): damage, as SQLite's own codes say (src/api/store-files.ts names the file and
 * what to do), never a bare SyntaxError.
 */
export const DAMAGED_DOCUMENT = 'SQLITE_CORRUPT_DOCUMENT';

export const storedDocument = (json: string, collection: string, id?: string): Document => {
  const which = id === undefined ? 'a document' : `the document ${JSON.stringify(id)}`;
  const damaged = (why: string) => Object.assign(new Error(`${which} of the read model collection ${JSON.stringify(collection)} ${why}`), { code: DAMAGED_DOCUMENT });
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (error) {
    throw damaged(`is not JSON (${(error as Error).message})`);
  }
  // JSON, and no document (null, a number, a list), or one under another id than its row's: damage all the same.
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw damaged(`is not a document (${json.slice(0, 20)})`);
  const { _id } = doc as { _id?: unknown };
  if (_id === undefined || _id === null || (id !== undefined && String(_id) !== id)) throw damaged(`has no _id of its own (${JSON.stringify(_id)})`);
  return doc as Document;
};

/**
 * Puts into a collection held in memory what is now of the documents `ids`: `docOf` answers
 * each as it is (its indexes move with it), undefined for one deleted.
 */
export const replaceHeld = (cached: Cached, ids: Iterable<string>, docOf: (id: string) => Document | undefined): void => {
  for (const id of ids) {
    const previous = cached.docs.get(id);
    if (previous) for (const index of cached.indexes) index.remove(previous);
    const doc = docOf(id);
    if (doc) {
      cached.docs.set(id, doc);
      for (const index of cached.indexes) index.add(doc);
    } else cached.docs.delete(id);
  }
};

type Statements = {
  changedDocs: Database.Statement<[string, string], { id: string; doc: string }>;
  collection: Database.Statement<[string], { version: number; indexes: string }>;
};

/**
 * Reads again, into a collection held in memory, the documents another connection changed
 * (the change log's `ids`), and stamps it with the collection's `version`; false when it is
 * to be loaded again instead: its indexes changed, or more than a quarter of it did (a
 * rebuild's swap), where reading them one by one costs more. Inside a read transaction.
 */
export const caughtUpWith = (sql: Statements, name: string, cached: Cached, version: number, ids: ReadonlySet<string> | undefined): boolean => {
  const row = sql.collection.get(name);
  if (!row || row.indexes !== JSON.stringify(cached.indexes.map((index) => index.spec))) return false;
  if (ids && ids.size * 4 > cached.docs.size) return false;
  if (ids) {
    const found = readAgain(sql, name, ids);
    replaceHeld(cached, ids, (id) => found.get(id));
  }
  cached.version = version;
  return true;
};

/** Ids per statement (a JSON list bound as one value). */
const IDS_PER_READ = 1000;

/** The documents the file holds now of `ids`, by id (a slice of ids per statement). */
export const readAgain = (sql: Pick<Statements, 'changedDocs'>, name: string, ids: Iterable<string>): Map<string, Document> => {
  const all = [...ids];
  const found = new Map<string, Document>();
  for (let i = 0; i < all.length; i += IDS_PER_READ) {
    for (const { id, doc } of sql.changedDocs.all(name, JSON.stringify(all.slice(i, i + IDS_PER_READ)))) found.set(id, storedDocument(doc, name, id));
  }
  return found;
};
