import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tempDir } from '../../test/support/temp-dir.js';
import { appendEvent } from './durable-append.js';

/**
 * The physical floor of the saga's latency: `commits` durable commits one after the other
 * (WAL, synchronous=FULL, one event-shaped row each), done raw with better-sqlite3, as many
 * as the saga's critical path makes from checkout to confirmation. Nothing can confirm an
 * order faster on this disk without committing less.
 */
export const sagaFloorChains = (commits: number, chains: number): number[] => {
  const dir = tempDir('bench-floor-');
  const db = new Database(join(dir.path, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_name TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
    CREATE UNIQUE INDEX by_stream ON events (stream_name, revision); CREATE UNIQUE INDEX by_id ON events (stream_name, event_id);`);
  const insert = db.prepare('INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 0, ?, ?, ?, ?, ?)');
  const one = db.transaction((i: number) => {
    const e = appendEvent(i);
    insert.run(`order-F${i}`, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
  });
  const times: number[] = [];
  let n = 0;
  for (let c = 0; c < chains; c += 1) {
    const started = performance.now();
    for (let k = 0; k < commits; k += 1) one(n++);
    times.push(performance.now() - started);
  }
  db.close();
  dir.remove();
  return times;
};
