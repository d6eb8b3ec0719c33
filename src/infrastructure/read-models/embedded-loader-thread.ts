import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { CHANGES_KEPT, STATEMENTS, inBulk, versionCounter } from './embedded-statements.js';
import type { LoadReply, LoadRequest, LoadRow } from './embedded-loader.js';

/**
 * The embedded store's loader thread (see EmbeddedLoader): stores each batch of documents it
 * is sent, or deletes a slice of a dropped collection, in one transaction of its own
 * connection, in the order sent, and answers when it is committed (or failed).
 */

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('busy_timeout = 10000');
// Loads are not durable (see ReadModelStore.load): WAL with NORMAL stays atomic and consistent.
db.pragma('synchronous = NORMAL');
// As the store's own connection: a replaced or deleted document is overwritten with zeros, not left in free pages (issue 17).
db.pragma('secure_delete = ON');
// Appends at the end of the documents table; the pages it revisits are those of the (collection, id) index.
db.pragma('cache_size = -4000');
const sql = {
  nextVersion: versionCounter(db),
  touch: db.prepare<[string, number]>(STATEMENTS.touch),
  upsert: db.prepare<[string, string, string]>(STATEMENTS.upsert),
  delete: db.prepare<[string, string]>(STATEMENTS.delete),
  dropSlice: db.prepare<[string, number]>(STATEMENTS.dropSlice),
  dropCollection: db.prepare<[string]>(STATEMENTS.dropCollection),
  trimChanges: db.prepare<[number, number]>(STATEMENTS.trimChanges),
  bulk: inBulk(db),
};

// Loads and drops write in bulk (see CHANGE_LOG): a row in the change log per collection, not per document.
const store = db.transaction((rows: LoadRow[]) => {
  const version = sql.nextVersion();
  const touched = new Set<string>();
  for (const [collection] of rows) touched.add(collection);
  for (const collection of touched) sql.touch.run(collection, version);
  sql.bulk.begin(...touched);
  for (const [collection, id, json] of rows) {
    if (json === null) sql.delete.run(collection, id);
    else sql.upsert.run(collection, id, json);
  }
  sql.bulk.end();
  sql.trimChanges.run(CHANGES_KEPT, 1000);
});

/** A slice of a dropped collection's documents; the collection itself once fewer than `limit` were left. */
const dropSlice = db.transaction((collection: string, limit: number) => {
  sql.bulk.begin(collection);
  const deleted = sql.dropSlice.run(collection, limit).changes;
  sql.bulk.end();
  if (deleted < limit) sql.dropCollection.run(collection);
  else sql.touch.run(collection, sql.nextVersion());
  sql.trimChanges.run(CHANGES_KEPT, 1000);
  return deleted;
});

parentPort!.on('message', (request: LoadRequest) => {
  const { id } = request;
  let reply: LoadReply;
  try {
    if ('drop' in request) reply = { id, deleted: dropSlice.immediate(request.drop, request.limit) };
    else {
      store.immediate(request.rows);
      reply = { id };
    }
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
