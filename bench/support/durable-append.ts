import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { throughput } from './metrics.js';

/**
 * append_durable as bench/benchmarks/append.ts measures it: events/s through the event-store
 * port, one event per append, each to its own stream, 50 appends in flight, durable (WAL,
 * synchronous=FULL), on a fresh store. Here so that other benchmarks can take it as their
 * anchor in their own run (the saga's throughput does).
 */

export const APPEND_CONCURRENCY = 50;

export const appendEvent = (i: number) => ({
  id: uuid(),
  type: 'StockReceived',
  data: { sku: `SKU-${i}`, productId: uuid(), quantity: 1 + (i % 7), receivedAt: new Date().toISOString() },
  metadata: { correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: new Date().toISOString(), schemaVersion: 1 },
});

/** Durable appends per second (one event each) through SqliteEventStore, 50 in flight. */
export const appendDurableRate = async (total: number): Promise<number> => {
  const dir = tempDir('bench-append-');
  const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const events = Array.from({ length: total }, (_, i) => appendEvent(i));
  const rate = await throughput(total, APPEND_CONCURRENCY, async (i) => {
    await store.appendToStream(`inventory-B${i}`, [events[i]!], { expectedRevision: 'no_stream' });
  });
  await store.close();
  dir.remove();
  return rate;
};

/** better-sqlite3 alone, into a table shaped like the embedded store's: `perTransaction` inserts to a commit (1: each on its own). */
export const rawCommits = (total: number, synchronous: 'FULL' | 'NORMAL', perTransaction: number) => {
  const dir = tempDir('bench-raw-');
  const db = new Database(join(dir.path, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_name TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
    CREATE UNIQUE INDEX by_stream ON events (stream_name, revision); CREATE UNIQUE INDEX by_id ON events (stream_name, event_id);`);
  const insert = db.prepare('INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 0, ?, ?, ?, ?, ?)');
  const commit = db.transaction((from: number, to: number, events: Array<ReturnType<typeof appendEvent>>) => {
    for (let i = from; i < to; i += 1) {
      const e = events[i]!;
      insert.run(`inventory-R${i}`, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
    }
  });
  const events = Array.from({ length: total }, (_, i) => appendEvent(i));
  const started = performance.now();
  for (let i = 0; i < total; i += perTransaction) commit(i, Math.min(total, i + perTransaction), events);
  const rate = total / ((performance.now() - started) / 1000);
  db.close();
  dir.remove();
  return rate;
};

