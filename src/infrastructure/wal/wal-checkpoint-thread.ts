import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointReply } from './wal-checkpointer.js';

/**
 * The checkpoint thread of one SQLite file (see WalCheckpointer): a connection of its own,
 * which copies the WAL's committed pages into the database file when asked (PASSIVE: it
 * waits for no reader and no writer, and copies what no reader still needs).
 */

const { path, synchronous } = workerData as { path: string; synchronous: 'FULL' | 'NORMAL' };
const db = new Database(path);
// The checkpoint syncs the WAL before it copies and the file after, as this connection's setting says: the store's own.
db.pragma(`synchronous = ${synchronous}`);
// As every connection to the shop's files: nothing freed is left readable in the file (issue 17).
db.pragma('secure_delete = ON');
db.pragma('wal_autocheckpoint = 0');

parentPort!.on('message', () => {
  let reply: CheckpointReply;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    reply = { busy: result?.busy ?? 0, log: result?.log ?? 0, checkpointed: result?.checkpointed ?? 0 };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
