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
  for (const companion of ['-wal', '-shm']) rmSync(`${path}${companion}`, { force: true });
  const pages = statSync(path).size / 4096;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(pages / 2) * 4096);
  closeSync(fd);
};
