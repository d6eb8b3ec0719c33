import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { STATEMENTS } from './embedded-statements.js';
import type { LoadReply, LoadRequest } from './embedded-loader.js';

/**
 * The embedded store's loader thread (see EmbeddedLoader): stores each batch of documents it
 * is sent in one transaction of its own connection, in the order sent, and answers when
 * the batch is committed (or failed).
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
  nextVersion: db.prepare<[], { value: number }>(STATEMENTS.nextVersion),
  touch: db.prepare<[string, number]>(STATEMENTS.touch),
  upsert: db.prepare<[string, string, string]>(STATEMENTS.upsert),
  delete: db.prepare<[string, string]>(STATEMENTS.delete),
};

const store = db.transaction((rows: LoadRequest['rows']) => {
  const version = sql.nextVersion.get()!.value;
  const touched = new Set<string>();
  for (const [collection, id, json] of rows) {
    if (!touched.has(collection)) sql.touch.run(collection, version);
    touched.add(collection);
    if (json === null) sql.delete.run(collection, id);
    else sql.upsert.run(collection, id, json);
  }
});

parentPort!.on('message', ({ id, rows }: LoadRequest) => {
  let reply: LoadReply;
  try {
    store.immediate(rows);
    reply = { id };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
