import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream, type Inventory } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { rawCommits } from '../support/durable-append.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { round, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * hot_sku_reservations: reservations/s on ONE SKU with 100 buyers at once, each order's
 * ReserveStock sent as the order saga sends it (command handler, idempotency key derived
 * from the triggering event, durable appends on the embedded store). Demand is 20% more
 * than the stock, so the run ends with the SKU sold out; "no oversell" is then checked on
 * the log itself, folded from scratch: exactly `stock` reservations, none beyond.
 * Reservations of one SKU follow one another (each decides on the stream's last revision), so
 * the anchor is the disk's rate of sequential durable commits, measured in interleaved pairs
 * with ours: better-sqlite3 committing `stock` inserts one transaction each, synchronous=FULL.
 */

const BUYERS = 100;

export const hotSku = async ({ quick }: BenchOptions): Promise<Metric> => {
  const stock = quick ? 5_000 : 20_000;
  const pairs = await interleaved(3, () => reserveAll(stock), () => rawCommits(stock, 'FULL', 1));
  const ratio = ratioOf('sqlite_raw_full_per_commit', pairs, (o) => o.rate, (a) => a);
  const last = pairs[pairs.length - 1]!.ours;
  const noOversell = pairs.every((p) => p.ours.noOversell);
  return {
    id: 'hot_sku_reservations',
    value: round(medianOf(pairs, (p) => p.ours.rate)),
    unit: 'reservations/s',
    anchors: { sqlite_raw_full_per_commit: round(medianOf(pairs, (p) => p.anchor)) },
    ratios: [ratio],
    target: '>= 0.25 x sqlite_raw_full_per_commit (about 1,000/s on a disk of 4,000 commits/s), with no oversell in any run',
    met: ratio.median >= 0.25 && noOversell,
    params: { buyers: BUYERS, stock, orders: last.orders, reserved: last.reserved, refused: last.refused, reserved_in_log: last.inLog, oversold: Math.max(0, last.inLog - stock), no_oversell: String(noOversell) },
  };
};

/** One run: `stock` units of one SKU bought by 100 buyers at once, 20% more orders than stock. */
const reserveAll = async (stock: number) => {
  const orders = Math.round(stock * 1.2);
  const dir = tempDir('bench-hot-sku-');
  const schema = eventSchema(UPCASTERS);
  const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  try {
    const commands = new CommandHandler(store, { schema });
    const sku = 'HOT-1';
    const stream = inventoryStream(sku);
    const at = () => new Date().toISOString();
    const context = (key?: string): CommandContext => ({ correlationId: uuid(), causationId: uuid(), actor: 'bench', now: at(), ...(key ? { idempotencyKey: key } : {}) });
    await commands.handle(inventoryDecider, stream, { type: 'RegisterInventoryItem', sku, productId: uuid(), now: at() }, context());
    await commands.handle(inventoryDecider, stream, { type: 'ReceiveStock', quantity: stock, now: at() }, context());

    const orderIds = Array.from({ length: orders }, () => uuid());
    let next = 0;
    let reserved = 0;
    let refused = 0;
    let soldOutAt = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: BUYERS }, async () => {
        while (next < orders) {
          const orderId = orderIds[next++]!;
          const { appended } = await commands.handle(
            inventoryDecider,
            stream,
            { type: 'ReserveStock', orderId, quantity: 1, now: at() },
            context(`order-saga:${orderId}:0`),
          );
          if (appended[0]?.type === 'StockReserved') {
            reserved += 1;
            if (reserved === stock) soldOutAt = performance.now();
          } else refused += 1;
        }
      }),
    );
    const seconds = ((soldOutAt || performance.now()) - started) / 1000;

    // The log, folded from nothing by a handler that never saw the run.
    const fresh = await new CommandHandler(store, { schema }).load(inventoryDecider, stream);
    const inLog = (await store.readStream(stream)).filter((e) => e.type === 'StockReserved').length;
    const state = fresh.state as Extract<Inventory, { status: 'Tracked' }>;
    const noOversell = inLog === stock && reserved === stock && state.reserved === stock && state.onHand - state.reserved === 0;
    return { rate: reserved / seconds, noOversell, orders, reserved, refused, inLog };
  } finally {
    await store.close();
    dir.remove();
  }
};
