import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { round, sleep, throughput, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * append_durable: events/s through the event-store port, one event per append, each to its
 * own stream, 50 appends in flight, durable (WAL, synchronous=FULL). Anchors, with the
 * same events: better-sqlite3 committing every insert (FULL, then NORMAL), and Emmett's
 * SQLite event store at the highest concurrency it completes without errors.
 */

const CONCURRENCY = 50;

const event = (i: number) => ({
  id: uuid(),
  type: 'StockReceived',
  data: { sku: `SKU-${i}`, productId: uuid(), quantity: 1 + (i % 7), receivedAt: new Date().toISOString() },
  metadata: { correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: new Date().toISOString(), schemaVersion: 1 },
});

export const appendDurable = async ({ quick }: BenchOptions): Promise<Metric> => {
  const total = quick ? 20_000 : 100_000;
  const ours = await ourAppends(total);
  const rawFull = rawPerCommit(quick ? 5_000 : 20_000, 'FULL');
  const rawNormal = rawPerCommit(quick ? 20_000 : 100_000, 'NORMAL');
  const emmett = await emmettAppends(quick ? 2_000 : 5_000);
  return {
    id: 'append_durable',
    value: round(ours),
    unit: 'events/s',
    anchors: {
      sqlite_raw_full_per_commit: round(rawFull),
      sqlite_raw_normal_per_commit: round(rawNormal),
      ...(emmett ? { emmett_sqlite: round(emmett.rate) } : {}),
    },
    target: '>= 5x sqlite_raw_full_per_commit and >= 10x emmett_sqlite',
    met: ours >= 5 * rawFull && (!emmett || ours >= 10 * emmett.rate),
    params: { events: total, concurrency: CONCURRENCY, ...(emmett ? { emmett_sqlite_concurrency: emmett.concurrency } : { emmett_sqlite: 'not installed' }) },
  };
};

const ourAppends = async (total: number) => {
  const dir = tempDir('bench-append-');
  const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const events = Array.from({ length: total }, (_, i) => event(i));
  const rate = await throughput(total, CONCURRENCY, async (i) => {
    await store.appendToStream(`inventory-B${i}`, [events[i]!], { expectedRevision: 'no_stream' });
  });
  await store.close();
  dir.remove();
  return rate;
};

/** better-sqlite3 alone: one INSERT per transaction into a table shaped like ours. */
const rawPerCommit = (total: number, synchronous: 'FULL' | 'NORMAL') => {
  const dir = tempDir('bench-raw-');
  const db = new Database(join(dir.path, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream_name TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
    CREATE UNIQUE INDEX by_stream ON events (stream_name, revision); CREATE UNIQUE INDEX by_id ON events (stream_name, event_id);`);
  const insert = db.prepare('INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 0, ?, ?, ?, ?, ?)');
  const one = db.transaction((i: number, e: ReturnType<typeof event>) =>
    insert.run(`inventory-R${i}`, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString()),
  );
  const events = Array.from({ length: total }, (_, i) => event(i));
  const started = performance.now();
  for (let i = 0; i < total; i += 1) one(i, events[i]!);
  const rate = total / ((performance.now() - started) / 1000);
  db.close();
  dir.remove();
  return rate;
};

/** Emmett's SQLite event store (bench/anchors), at the highest concurrency that completes without SQLITE_BUSY. */
const emmettAppends = async (total: number): Promise<{ rate: number; concurrency: number } | undefined> => {
  let emmett: EmmettModule;
  try {
    emmett = (await import(new URL('../../../bench/anchors/node_modules/@event-driven-io/emmett-sqlite/dist/index.js', import.meta.url).href)) as typeof emmett;
  } catch {
    return undefined;
  }
  const quiet = console.error; // Emmett logs every SQLITE_BUSY it meets
  console.error = () => undefined;
  try {
    for (const concurrency of [50, 25, 10, 5, 2, 1]) {
      const rate = await emmettAt(emmett, total, concurrency);
      if (rate !== undefined) return { rate, concurrency };
    }
    return undefined;
  } finally {
    console.error = quiet;
  }
};

/** Events/s at this concurrency, or undefined when any append failed (all workers stop and settle first). */
const emmettAt = async (emmett: EmmettModule, total: number, concurrency: number): Promise<number | undefined> => {
  const dir = tempDir('bench-emmett-');
  const store = emmett.getSQLiteEventStore({ fileName: join(dir.path, 'emmett.db'), schema: { autoMigration: 'CreateOrUpdate' } });
  const events = Array.from({ length: total }, (_, i) => event(i));
  let next = 0;
  let failed = false;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!failed && next < total) {
        const { type, data, metadata } = events[next++]!;
        await store.appendToStream(`inventory-E${next}`, [{ type, data, metadata }]).catch(() => (failed = true));
      }
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  await sleep(50); // Emmett closes its connection after the call settles
  dir.remove();
  return failed ? undefined : rate;
};

type EmmettModule = { getSQLiteEventStore: (o: { fileName: string; schema: { autoMigration: 'CreateOrUpdate' } }) => EmmettStore };

type EmmettStore = { appendToStream: (stream: string, events: Array<{ type: string; data: unknown; metadata: unknown }>) => Promise<unknown> };
