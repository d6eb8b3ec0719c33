import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import type { EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { ReadModelSnapshots } from '../../src/infrastructure/snapshots/read-model-snapshots.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { histogram, round, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * long_stream_latency_ratio: the latency of a command on an aggregate with 100k events
 * over that on a fresh one. A SKU that sold 50k orders (reserved, then dispatched) against
 * one registered a moment ago. Every command runs on a command handler that has never
 * seen the stream (as after a restart, or once the stream fell out of the state cache), so
 * it must load the aggregate: that is what snapshots are for. Both streams live in the
 * same store, the commands alternate, and the figure is the ratio of the medians.
 */

const HISTORY = 100_000;

export const longStream = async ({ quick }: BenchOptions): Promise<Metric> => {
  const samples = quick ? 200 : 1000;
  const dir = tempDir('bench-long-stream-');
  const schema = eventSchema(UPCASTERS);
  const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
  const snapshots = new ReadModelSnapshots(readModels);
  try {
    const long = inventoryStream('LONG-1');
    const fresh = inventoryStream('FRESH-1');
    await writeLongHistory(store, long, 'LONG-1');
    await store.appendToStream(fresh, registration('FRESH-1'), { expectedRevision: 'no_stream' });
    // The first load of the long stream folds all of it once and leaves a snapshot behind.
    const first = performance.now();
    await new CommandHandler(store, { schema, snapshots }).load(inventoryDecider, long);
    const firstLoadMs = performance.now() - first;

    const latency = { long: histogram(), fresh: histogram() };
    const command = async (stream: string, into: ReturnType<typeof histogram>) => {
      const handler = new CommandHandler(store, { schema, snapshots });
      const orderId = uuid();
      const started = performance.now();
      await handler.handle(inventoryDecider, stream, { type: 'ReserveStock', orderId, quantity: 1, now: new Date().toISOString() }, context(orderId));
      into.recordMs(performance.now() - started);
    };
    for (let i = 0; i < 20; i += 1) await command(i % 2 ? long : fresh, histogram()); // warm-up
    for (let i = 0; i < samples; i += 1) {
      await command(long, latency.long);
      await command(fresh, latency.fresh);
    }
    const ratio = latency.long.percentileMs(50) / latency.fresh.percentileMs(50);
    return {
      id: 'long_stream_latency_ratio',
      value: round(ratio, 2),
      unit: 'ratio',
      anchors: {},
      target: '<= 2',
      met: ratio <= 2,
      params: {
        events: HISTORY,
        samples,
        long_p50_ms: round(latency.long.percentileMs(50), 3),
        long_p99_ms: round(latency.long.percentileMs(99), 3),
        fresh_p50_ms: round(latency.fresh.percentileMs(50), 3),
        fresh_p99_ms: round(latency.fresh.percentileMs(99), 3),
        first_load_without_snapshot_ms: round(firstLoadMs, 1),
      },
    };
  } finally {
    await store.close();
    await readModels.close();
    dir.remove();
  }
};

const context = (orderId: string): CommandContext => ({
  correlationId: uuid(),
  causationId: uuid(),
  actor: 'bench',
  now: new Date().toISOString(),
  idempotencyKey: `order-saga:${orderId}:0`,
});

const metadata = () => ({ correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: new Date().toISOString(), schemaVersion: 1 });

const registration = (sku: string): EventToAppend[] => {
  const productId = uuid();
  const at = new Date().toISOString();
  return [
    { id: uuid(), type: 'InventoryItemRegistered', data: { sku, productId, registeredAt: at }, metadata: metadata() },
    { id: uuid(), type: 'StockReceived', data: { sku, productId, quantity: 1_000_000, receivedAt: at }, metadata: metadata() },
  ];
};

/** 100k events: registration, stock, then orders reserved and dispatched, written 1000 at a time. */
const writeLongHistory = async (store: SqliteEventStore, stream: string, sku: string) => {
  const first = registration(sku);
  const productId = first[0]!.data.productId as string;
  let pending: EventToAppend[] = first;
  let written = 0;
  const at = new Date().toISOString();
  const flush = async () => {
    if (pending.length === 0) return;
    await store.appendToStream(stream, pending, { expectedRevision: written === 0 ? 'no_stream' : written - 1 });
    written += pending.length;
    pending = [];
  };
  while (written + pending.length < HISTORY) {
    const orderId = uuid();
    pending.push(
      { id: uuid(), type: 'StockReserved', data: { sku, productId, orderId, quantity: 1, reservedAt: at }, metadata: metadata() },
      { id: uuid(), type: 'StockDispatched', data: { sku, productId, orderId, quantity: 1, dispatchedAt: at }, metadata: metadata() },
    );
    if ((written + pending.length) % 20_000 === 0) pending.push({ id: uuid(), type: 'StockReceived', data: { sku, productId, quantity: 20_000, receivedAt: at }, metadata: metadata() });
    if (pending.length >= 1000) await flush();
  }
  await flush();
};
