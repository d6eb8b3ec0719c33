import { expect } from 'chai';
import {
  getStockLevel,
  listStockLevels,
  stockLevelsProjection,
  type StockLevel,
} from '../../src/projections/stock-levels/stock-levels.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

const { evolve } = stockLevelsProjection;

describe('Stock levels projection', () => {
  describe('evolve', () => {
    it('starts a registered SKU at zero', () =>
      expect(evolve(null, recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }))).to.deep.equal({
        _id: 'SKU-1',
        sku: 'SKU-1',
        productId: 'product-SKU-1',
        onHand: 0,
        reserved: 0,
        available: 0,
        threshold: null,
        waiting: 0,
        watchers: [],
        revision: 0,
        updatedAt: T1,
      }));

    it('adds receipts and adjustments up and down, following the stream revision', () => {
      const doc = fold([
        recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }),
        recorded('StockReceived', received('SKU-1', 10), { revision: 1, occurredAt: T1 }),
        recorded('StockAdjusted', adjusted('SKU-1', -4), { revision: 2, occurredAt: T2 }),
        recorded('StockAdjusted', adjusted('SKU-1', 1), { revision: 3, occurredAt: T2 }),
      ]);
      expect(doc).to.deep.include({ onHand: 7, reserved: 0, available: 7, revision: 3, updatedAt: T2 });
    });

    it("follows the stream's revision through a refused reservation, which moves no stock: the SKU's ETag stays current", () => {
      const doc = fold([
        recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }),
        recorded('StockReceived', received('SKU-1', 1), { revision: 1, occurredAt: T1 }),
        recorded('StockReservationFailed', { sku: 'SKU-1', productId: 'product-SKU-1', orderId: 'o-1', requested: 3, available: 1, failedAt: T2 }, { revision: 2, occurredAt: T2 }),
      ]);
      expect(doc).to.deep.include({ onHand: 1, reserved: 0, available: 1, revision: 2, updatedAt: T2 });
    });

    it('reads adjustments of either name alike (InventoryAdjusted, and StockAdjusted of older logs)', () => {
      const doc = fold([
        recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }),
        recorded('StockReceived', received('SKU-1', 10), { revision: 1, occurredAt: T1 }),
        recorded('StockAdjusted', adjusted('SKU-1', -4), { revision: 2, occurredAt: T2 }),
        recorded('InventoryAdjusted', adjusted('SKU-1', -1), { revision: 3, occurredAt: T2 }),
      ]);
      expect(doc).to.deep.include({ onHand: 5, available: 5, revision: 3 });
    });

    it("keeps the admin's threshold and counts the shoppers waiting until they are told; alerts move no stock but follow the revision", () => {
      const sku = { sku: 'SKU-1', productId: 'product-SKU-1' };
      const doc = fold([
        recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }),
        recorded('LowStockThresholdSet', { ...sku, threshold: 8, setAt: T1 }, { revision: 1, occurredAt: T1 }),
        recorded('BackInStockRequested', { ...sku, customerId: 'c-1', requestedAt: T1 }, { revision: 2, occurredAt: T1 }),
        recorded('BackInStockRequested', { ...sku, customerId: 'c-2', requestedAt: T1 }, { revision: 3, occurredAt: T1 }),
      ]);
      expect(doc).to.deep.include({ threshold: 8, waiting: 2, revision: 3, onHand: 0 });
      const told = [
        recorded('StockReceived', received('SKU-1', 3), { revision: 4, occurredAt: T2 }),
        recorded('InventoryBackInStock', { ...sku, available: 3, notify: ['c-1', 'c-2'], detectedAt: T2 }, { revision: 5, occurredAt: T2 }),
        recorded('StockLevelLow', { ...sku, available: 3, threshold: 8, detectedAt: T2 }, { revision: 6, occurredAt: T2 }),
      ].reduce<StockLevel | null>((current, event) => evolve(current, event), doc);
      expect(told).to.deep.include({ threshold: 8, waiting: 0, watchers: [], onHand: 3, available: 3, revision: 6, updatedAt: T2 });
    });

    it('knows who waits: a withdrawn request leaves the others, and the back-in-stock names only those left', () => {
      const sku = { sku: 'SKU-1', productId: 'product-SKU-1' };
      const doc = fold([
        recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 }),
        recorded('BackInStockRequested', { ...sku, customerId: 'c-1', requestedAt: T1 }, { revision: 1, occurredAt: T1 }),
        recorded('BackInStockRequested', { ...sku, customerId: 'c-2', requestedAt: T1 }, { revision: 2, occurredAt: T1 }),
        recorded('BackInStockWithdrawn', { ...sku, customerId: 'c-1', reason: 'customer-erased', withdrawnAt: T2 }, { revision: 3, occurredAt: T2 }),
      ]);
      expect(doc).to.deep.include({ waiting: 1, watchers: ['c-2'], revision: 3, updatedAt: T2 });
      const told = evolve(doc, recorded('InventoryBackInStock', { ...sku, available: 1, notify: ['c-2'], detectedAt: T2 }, { revision: 4, occurredAt: T2 }));
      expect(told).to.deep.include({ waiting: 0, watchers: [], revision: 4 });
    });

    it('applying the same alert twice changes nothing', () => {
      const doc = fold([recorded('InventoryItemRegistered', registered('SKU-1'), { revision: 0, occurredAt: T1 })]);
      const low = recorded('LowStockThresholdSet', { sku: 'SKU-1', productId: 'product-SKU-1', threshold: 2, setAt: T2 }, { revision: 1, occurredAt: T2 });
      const once = evolve(doc, low);
      expect(evolve(once, low)).to.deep.equal(once);
    });

    it('falls back to the recording time when the event carries no occurrence time', () =>
      expect(evolve(null, recorded('InventoryItemRegistered', registered('SKU-1'), { recordedAt: T2 }))?.updatedAt).to.equal(T2));

    it('keeps one document per SKU', () =>
      expect(stockLevelsProjection.documentIds(recorded('StockReceived', received('SKU-7', 1)))).to.deep.equal(['SKU-7']));
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    beforeEach(() => (fixture = projectionFixture([untyped(stockLevelsProjection)])));
    afterEach(() => fixture.close());

    it('applying the same events twice changes nothing', async () => {
      await stock(fixture, 'SKU-1', [5, 3]);
      await fixture.append('inventory-SKU-1', 'StockReservationFailed', { sku: 'SKU-1', productId: 'product-SKU-1', orderId: 'o-1', requested: 9, available: 8, failedAt: T2 });
      await fixture.project();
      const once = await fixture.readModels.collection('stock_levels').find({});
      await runnerOn(fixture.events, fixture.readModels, [untyped(stockLevelsProjection)], { checkpoints: 'other' }).apply(
        await fixture.events.readAll(),
      );
      expect(await fixture.readModels.collection('stock_levels').find({})).to.deep.equal(once);
      expect(once[0]).to.deep.include({ onHand: 8, available: 8, revision: 3 });
    });
  });

  describe('queries', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const levels = () => fixture.readModels.collection<StockLevel>('stock_levels');

    beforeEach(async () => {
      fixture = projectionFixture([untyped(stockLevelsProjection)]);
      await stock(fixture, 'SKU-A', [12]);
      await stock(fixture, 'SKU-B', [2]);
      await stock(fixture, 'SKU-C', []);
      await stock(fixture, 'SKU-D', [5]);
      await fixture.project();
    });
    afterEach(() => fixture.close());

    it('getStockLevel returns the level and the inventory stream revision', async () =>
      expect(await getStockLevel(levels(), 'SKU-A', 5)).to.deep.equal({
        level: { sku: 'SKU-A', productId: 'product-SKU-A', onHand: 12, reserved: 0, available: 12, threshold: 5, lowStock: false, outOfStock: false, waiting: 0 },
        revision: 1,
      }));

    it('getStockLevel finds nothing for an unknown SKU', async () => expect(await getStockLevel(levels(), 'SKU-Z', 5)).to.equal(undefined));

    it('listStockLevels lists every SKU, least available first', async () => {
      const page = await listStockLevels(levels(), { page: 1, pageSize: 10 }, 5);
      expect(page.items.map((l) => [l.sku, l.available])).to.deep.equal([
        ['SKU-C', 0],
        ['SKU-B', 2],
        ['SKU-D', 5],
        ['SKU-A', 12],
      ]);
      expect(page).to.deep.include({ total: 4, page: 1, pageSize: 10 });
    });

    it('listStockLevels keeps only SKUs below the low-stock mark (strictly)', async () => {
      const page = await listStockLevels(levels(), { lowStockBelow: 5, page: 1, pageSize: 10 }, 5);
      expect(page.items.map((l) => l.sku)).to.deep.equal(['SKU-C', 'SKU-B']);
      expect(page.total).to.equal(2);
    });

    it('listStockLevels with low keeps the SKUs below the threshold in force (the default where none is set), out of stock included', async () => {
      await fixture.append('inventory-SKU-A', 'LowStockThresholdSet', { sku: 'SKU-A', productId: 'product-SKU-A', threshold: 20, setAt: T2 }, { occurredAt: T2 });
      await fixture.append('inventory-SKU-B', 'LowStockThresholdSet', { sku: 'SKU-B', productId: 'product-SKU-B', threshold: 0, setAt: T2 }, { occurredAt: T2 });
      await fixture.project();
      const low = await listStockLevels(levels(), { low: true, page: 1, pageSize: 10 }, 5);
      expect(low.items.map((l) => [l.sku, l.threshold, l.lowStock, l.outOfStock])).to.deep.equal([
        ['SKU-C', 5, true, true],
        ['SKU-A', 20, true, false],
      ]);
      expect(low.total).to.equal(2);
      const fine = await listStockLevels(levels(), { low: false, page: 1, pageSize: 10 }, 5);
      expect(fine.items.map((l) => [l.sku, l.lowStock])).to.deep.equal([['SKU-B', false], ['SKU-D', false]]);
    });

    it('listStockLevels pages, counting every match in total', async () => {
      const page = await listStockLevels(levels(), { lowStockBelow: 100, page: 2, pageSize: 3 }, 5);
      expect(page.items.map((l) => l.sku)).to.deep.equal(['SKU-A']);
      expect(page.total).to.equal(4);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const T1 = '2024-05-01T09:00:00.000Z';
const T2 = '2024-05-02T10:00:00.000Z';

const fold = (events: ReturnType<typeof recorded>[]) => events.reduce<StockLevel | null>((doc, event) => evolve(doc, event), null);

const registered = (sku: string) => ({ sku, productId: `product-${sku}`, registeredAt: T1 });

const received = (sku: string, quantity: number) => ({ sku, productId: `product-${sku}`, quantity, receivedAt: T1 });

const adjusted = (sku: string, delta: number) => ({ sku, productId: `product-${sku}`, delta, reason: 'count', adjustedAt: T2 });

/** Registers the SKU, then receives each quantity. */
const stock = async (fixture: ReturnType<typeof projectionFixture>, sku: string, receipts: number[]) => {
  await fixture.append(`inventory-${sku}`, 'InventoryItemRegistered', registered(sku), { occurredAt: T1 });
  for (const quantity of receipts) await fixture.append(`inventory-${sku}`, 'StockReceived', received(sku, quantity), { occurredAt: T1 });
};
