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
