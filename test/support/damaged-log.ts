import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

/**
 * An events.db in `dataDir` of a thousand stock receipts (about 90 pages), then one page in the
 * middle overwritten with garbage: it opens, and its first pages and its end read well; SQLite
 * finds the damage only when a read gets to that page.
 */
export const damagedLog = async (dataDir: string): Promise<void> => {
  const path = join(dataDir, 'events.db');
  const store = new SqliteEventStore({ path });
  const metadata = { actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
  for (let i = 0; i < 40; i += 1) {
    const events = Array.from({ length: 25 }, (_, e) => ({ id: randomUUID(), type: 'StockReceived', data: { sku: `MID-${i}`, quantity: e + 1, receivedAt: metadata.occurredAt }, metadata }));
    await store.appendToStream(`inventory-MID-${i}`, events);
  }
  await store.close();
  overwritePage(path, Math.floor(statSync(path).size / 4096 / 2) + 1);
};

/**
 * Overwrites a leaf page in the middle of the log's index of event ids with garbage: a page that
 * nothing a start reads goes through (it reads by position and by stream), found by a check of
 * the whole file, or by an append to a stream that already has events (it looks its ids up there).
 */
export const damageIndexLeaf = (path: string): void => {
  const raw = new Database(path);
  const leaves = raw.prepare<[], number>("SELECT pageno FROM dbstat WHERE name = 'events_by_stream_event_id' AND pagetype = 'leaf' ORDER BY pageno").pluck().all();
  raw.close();
  overwritePage(path, leaves[Math.floor(leaves.length / 2)]!);
};

/** Page `pageno` (from 1) of a closed database file overwritten with garbage, its WAL gone (the file as a clean close leaves it). */
const overwritePage = (path: string, pageno: number): void => {
  for (const companion of ['-wal', '-shm']) rmSync(`${path}${companion}`, { force: true });
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, (pageno - 1) * 4096);
  closeSync(fd);
};
