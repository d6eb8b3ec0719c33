import { expect } from 'chai';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { getCustomerProfile, type CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';
import type { Projection } from '../../src/projections/projection.js';
import { getProduct, type ProductView } from '../../src/projections/products/products.js';
import { getStockLevel, type StockLevel } from '../../src/projections/stock-levels/stock-levels.js';
import type { ReadModelStore, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { eventually } from '../support/temp-dir.js';
import { appendOne, recorded } from './projection-fixture.js';
import { adjusted, created, FlakyReadModels, received, runnerStores, SHOP_PROJECTIONS, shopHistory, T1 } from './runner-fixture.js';

/** The store, recording for each bulk write the projections whose checkpoints it writes. */
const checkpointWrites = (inner: ReadModelStore) => {
  const writes: string[][] = [];
  const store = new (class extends FlakyReadModels {
    override bulkWrite(operations: readonly WriteOperation[]): Promise<void> {
      const names = operations.flatMap((o) => (o.collection === CHECKPOINTS && 'replaceOne' in o ? [String(o.replaceOne.filter._id)] : []));
      writes.push(names.sort());
      return super.bulkWrite(operations);
    }
  })(inner, 0);
  return { writes, store };
};

/** The runner folding events into read models and keeping checkpoints: across restarts, added projections and failed writes. */
describe('Projection runner', () => {
  const stores = runnerStores();
  const { open, close, runner, start, caughtUp, documents, checkpoints } = stores;

  describe('when started', () => {
    it('projects events into products, stock levels and customer profiles', async () => {
      const r = await start(runner());
      await shopHistory(stores.events);
      await caughtUp(r);
      expect((await getProduct(stores.readModels.collection<ProductView>('products'), 'p-1'))?.product).to.deep.include({
        name: 'Tea Pot',
        sku: 'SKU-1',
        available: 7,
        inStock: true,
      });
      expect((await getStockLevel(stores.readModels.collection<StockLevel>('stock_levels'), 'SKU-1', 5))?.level).to.deep.equal({
        sku: 'SKU-1',
        productId: 'p-1',
        onHand: 7,
        reserved: 0,
        available: 7,
        threshold: 5,
        lowStock: false,
        outOfStock: false,
        waiting: 0,
      });
      expect(await getCustomerProfile(stores.readModels.collection<CustomerProfile>('customers'), 'c-1')).to.deep.include({
        email: 'ada@example.com',
        role: 'admin',
      });
    });

    it('catches up on events appended before it started', async () => {
      await shopHistory(stores.events);
      const r = await start(runner());
      await caughtUp(r);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 7]]);
    });

    it('writes the checkpoint of every projection at the last event it handled (one that changes nothing, by the time it stops)', async () => {
      const r = await start(runner());
      await shopHistory(stores.events);
      await appendOne(stores.events, 'audit-1', 'SomethingNobodyProjects', {});
      const head = await stores.events.headPosition();
      await caughtUp(r);
      expect(r.checkpoint).to.equal(head);
      await r.stop();
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', head],
        ['products', head],
        ['stock-levels', head],
      ]);
      expect(SHOP_PROJECTIONS().map((p) => r.checkpointOf(p.name))).to.deep.equal([head, head, head]);
    });
  });

  describe('writing checkpoints', () => {
    it("writes with a batch's documents the checkpoints of the projections it gave events to, the others' at a clean stop", async () => {
      const { writes, store } = checkpointWrites(stores.readModels);
      const r = runner([], store);
      const product = await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      await r.apply([product]);
      const customer = await appendOne(stores.events, 'customer-c-1', 'CustomerRegistered', { customerId: 'c-1', email: 'ada@example.com', name: 'Ada', passwordHash: 'x', role: 'customer', registeredAt: T1 });
      await r.apply([customer]);
      expect(writes).to.deep.equal([['products'], ['customer-profiles']]);
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', customer.position],
        ['products', product.position],
      ]);
      expect(SHOP_PROJECTIONS().map((p) => r.checkpointOf(p.name)), 'each has read both').to.deep.equal([customer.position, customer.position, customer.position]);

      await r.stop();
      expect(writes.at(-1)).to.deep.equal(['customer-profiles', 'products', 'stock-levels']);
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', customer.position],
        ['products', customer.position],
        ['stock-levels', customer.position],
      ]);
    });

    it("writes the checkpoints left behind once the pacer's second has passed with no batch (a quiet shop), and only then", async () => {
      const { writes, store } = checkpointWrites(stores.readModels);
      const r = await start(runner([], store));
      const product = await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(r);
      await eventually(async () => ((await checkpoints()).length > 0 ? true : undefined));
      const writtenAt = performance.now();
      expect(await checkpoints()).to.deep.equal([['products', product.position]]);
      await eventually(async () => ((await checkpoints()).length === 3 ? true : undefined), 3000);
      expect(performance.now() - writtenAt, "not before the pacer's interval").to.be.greaterThan(500);
      expect(writes).to.deep.equal([['products'], ['customer-profiles', 'products', 'stock-levels']]);
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', product.position],
        ['products', product.position],
        ['stock-levels', product.position],
      ]);
    });

    it('writes every checkpoint with a batch once the others have waited for as many events as the pacer lets them', async () => {
      const { writes, store } = checkpointWrites(stores.readModels);
      const r = runner([], store);
      await r.apply(Array.from({ length: 4999 }, (_, i) => recorded('SomethingNobodyProjects', {}, { position: i + 1 })));
      expect(writes, 'nothing changed, and the checkpoints may wait').to.deep.equal([]);
      await r.apply([recorded('ProductCreated', created('p-1'), { position: 5000, streamName: 'product-p-1' })]);
      expect(writes).to.deep.equal([['customer-profiles', 'products', 'stock-levels']]);
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', 5000],
        ['products', 5000],
        ['stock-levels', 5000],
      ]);
    });
  });

  describe('applying events', () => {
    it('changes nothing when the same event is applied twice', async () => {
      await shopHistory(stores.events);
      const all = await stores.events.readAll();
      const r = runner();
      await r.apply(all);
      const once = await documents();
      const checkpointsOnce = await checkpoints();
      await r.apply([all[2]!]);
      await r.apply(all);
      expect(await documents()).to.deep.equal(once);
      expect(await checkpoints()).to.deep.equal(checkpointsOnce);
    });

    it('changes nothing when events reach the projections again past the checkpoint (documents remember their position)', async () => {
      await shopHistory(stores.events);
      const all = await stores.events.readAll();
      await runner().apply(all);
      const once = await documents();
      // Checkpoints of its own: to this runner every event is new.
      await runner([], stores.readModels, { checkpoints: 'replay-checkpoints' }).apply(all);
      expect(await documents()).to.deep.equal(once);
    });

    it('ends up as if each event were applied once when an overlapping batch is replayed', async () => {
      await shopHistory(stores.events);
      const all = await stores.events.readAll();
      const reference = new EmbeddedReadModelStore({ path: ':memory:' });
      try {
        await runner([], reference).apply(all);
        await runner().apply(all.slice(0, 3));
        await runner([], stores.readModels, { checkpoints: 'replay-checkpoints' }).apply(all);
        expect(await documents()).to.deep.equal(await documents(reference));
      } finally {
        await reference.close();
      }
    });
  });

  describe('after a restart', () => {
    it('resumes from its checkpoint and applies no event twice', async () => {
      const firstSeen: number[] = [];
      const first = await start(runner([spy(firstSeen)]));
      await shopHistory(stores.events);
      await caughtUp(first);
      const stoppedAt = await stores.events.headPosition();
      await first.stop();

      const secondSeen: number[] = [];
      const second = await start(runner([spy(secondSeen)]));
      expect(second.checkpoint).to.equal(stoppedAt);
      await appendOne(stores.events, 'inventory-SKU-1', 'StockReceived', received('p-1', 'SKU-1', 3));
      await caughtUp(second);

      const all = (await stores.events.readAll()).map((e) => e.position);
      expect(firstSeen).to.deep.equal(all.slice(0, -1));
      expect(secondSeen).to.deep.equal(all.slice(-1));
      expect((await stores.readModels.collection('spy').findOne({ _id: 'log' }))?.positions).to.deep.equal(all);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 10]]);
    });

    it('resumes from its checkpoint when the stores are reopened from their files', async () => {
      const first = await start(runner());
      await shopHistory(stores.events);
      await caughtUp(first);
      const before = await documents();
      await close();
      open();

      const second = await start(runner());
      expect(second.checkpoint).to.equal(await stores.events.headPosition());
      await caughtUp(second);
      expect(await documents()).to.deep.equal(before);
      await appendOne(stores.events, 'inventory-SKU-1', 'StockAdjusted', adjusted('p-1', 'SKU-1', -2));
      await caughtUp(second);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 5]]);
    });
  });

  describe('when a projection is added', () => {
    it('catches the new one up from the start while the others apply nothing twice', async () => {
      const first = await start(runner());
      await shopHistory(stores.events);
      await caughtUp(first);
      const before = await documents();
      await first.stop();

      const seen: number[] = [];
      const second = await start(runner([spy(seen)]));
      await caughtUp(second);
      expect(seen).to.deep.equal((await stores.events.readAll()).map((e) => e.position));
      expect(await documents()).to.deep.equal(before);
    });
  });

  describe('when the write of a batch fails', () => {
    it('moves neither the documents nor the checkpoint, and writes both on retry', async () => {
      const flaky = new FlakyReadModels(stores.readModels, 1);
      const r = runner([], flaky);
      const event = await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));

      const failure = await r.apply([event]).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(Error);
      expect(await documents()).to.deep.equal({ products: [], stockLevels: [], customers: [] });
      expect(await checkpoints()).to.deep.equal([]);
      expect(r.checkpoint).to.equal(0);

      await r.apply([event]);
      expect((await documents()).products.map((p) => [p._id, p._position])).to.deep.equal([['p-1', event.position]]);
      // The projections given no event leave theirs to the pacer (see the next describe).
      expect(await checkpoints()).to.deep.equal([['products', event.position]]);
      expect(r.checkpoint).to.equal(event.position);
    });

    it('holds the checkpoint back when one document cannot be written', async () => {
      const products = stores.readModels.collection('products');
      await products.createIndex({ keys: { sku: 1 }, unique: true, name: 'one_product_per_sku' });
      await products.insertOne({ _id: 'squatter', sku: 'SKU-1' });
      const r = runner();
      const event = await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));

      const failure = await r.apply([event]).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 11000);
      expect((await products.find({})).map((p) => p._id)).to.deep.equal(['squatter']);
      expect(await checkpoints()).to.deep.equal([]);

      await products.deleteOne({ _id: 'squatter' });
      await r.apply([event]);
      expect((await products.find({})).map((p) => p._id)).to.deep.equal(['p-1']);
      expect(await checkpoints()).to.deep.equal([['products', event.position]]);
    });

    it('retries by itself when running, and catches up', async () => {
      const flaky = new FlakyReadModels(stores.readModels, 1);
      await shopHistory(stores.events);
      const r = await start(runner([], flaky));
      await caughtUp(r);
      expect(flaky.failed).to.equal(1);
      expect(r.lastError).to.be.a('string');
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 7]]);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const EVERY_TYPE = [
  'ProductCreated',
  'InventoryItemRegistered',
  'StockReceived',
  'StockAdjusted',
  'CustomerRegistered',
  'CustomerAddressAdded',
  'CustomerRoleChanged',
];

/** Records every position it folds, in memory and in one document. */
const spy = (seen: number[]): Projection => ({
  name: 'spy',
  collection: 'spy',
  eventTypes: EVERY_TYPE,
  documentIds: () => ['log'],
  evolve: (doc, event) => {
    seen.push(event.position);
    return { _id: 'log', positions: [...((doc?.positions as number[] | undefined) ?? []), event.position] };
  },
});
