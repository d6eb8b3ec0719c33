import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { CommitBell } from '../commit-bell.js';
import { BUSY_SLICE_MS } from '../sqlite-write-lock.js';
import { commitAppends, describe, type AppendRequest } from './sqlite-commit.js';
import { prepareStatements } from './sqlite-event-statements.js';
import type { CommitReply, CommitRequest } from './commit-thread.js';

/**
 * The embedded event store's commit thread (see CommitThread): commits each batch it is sent
 * on a connection of its own (WAL, synchronous=FULL), in the order sent, and answers once
 * the batch is durable or has failed as a whole.
 */

const { path, bell: bellPath } = workerData as { path: string; bell?: string };
// Rung here, as soon as a batch is committed: the store's event loop may be busy for a while before it hears of it.
const bell = bellPath ? new CommitBell(bellPath, () => undefined, false) : undefined;
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// As the store's own connection: nothing deleted is left in free pages (issue 17).
db.pragma('secure_delete = ON');
// A short wait inside SQLite only: the store waits longer for another process's lock from a timer (see sqlite-write-lock.ts).
db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
const statements = prepareStatements(db);

parentPort!.on('message', ({ id, requests, recordedAt }: CommitRequest) => {
  let reply: CommitReply;
  try {
    const outcomes = commitAppends(db, statements, JSON.parse(requests) as AppendRequest[], recordedAt);
    if (outcomes.some((outcome) => 'ok' in outcome && !outcome.ok.repeated)) bell?.ring();
    reply = { id, outcomes: JSON.stringify(outcomes) };
  } catch (error) {
    reply = { id, failure: describe(error) };
  }
  parentPort!.postMessage(reply);
});
