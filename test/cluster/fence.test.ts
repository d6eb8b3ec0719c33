import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { fenceOf, LEASES, LeaseStore, type Lease } from '../../src/cluster/leases.js';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { StopFollowing } from '../../src/infrastructure/event-store/log-follower.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { DuplicateKeyError } from '../../src/infrastructure/read-models/read-model-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS } from '../../src/processes/jobs.js';
import { notificationsManager } from '../../src/processes/notifications.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { stockLevelsProjection } from '../../src/projections/stock-levels/stock-levels.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { HOME, LINES, TOTAL } from '../domain/order-fixtures.js';
import { appendOne, runnerOn, silentLogger, untyped } from '../projections/projection-fixture.js';
import { created } from '../projections/runner-fixture.js';
import { eventually } from '../support/temp-dir.js';

/**
 * A runner that stalled past its lease wakes up after another process took the lease over:
 * its next write (documents, saga state, jobs, checkpoint) must land nowhere.
 */
describe('Fenced runners', () => {
  let events: SqliteEventStore;
  let store: EmbeddedReadModelStore;
  let refusals: DuplicateKeyError[];
  beforeEach(() => {
    events = new SqliteEventStore({ path: ':memory:' });
    store = new EmbeddedReadModelStore({ path: ':memory:' });
    refusals = [];
  });
  afterEach(async () => {
    await events.close();
    await store.close();
  });

  /** Process A holds the lease (briefly); once it ran out, process B takes it over. */
  const stalledHolder = async (runner: string) => {
    const a = (await new LeaseStore(store, 100).claim(runner, 'process-a', 0))!;
    const fence = fenceOf([a], (error) => refusals.push(error));
    const takeOver = async (): Promise<Lease> =>
      eventually(async () => (await new LeaseStore(store, 60_000).claim(runner, 'process-b', a.epoch)) ?? undefined, 5000);
    return { lease: a, fence, takeOver };
  };

  const stopped = (promise: Promise<unknown>) => promise.then(() => 'written', (error: unknown) => error);

  describe('a projection runner', () => {
    it('writes under its epoch, and once taken over writes none of a batch (documents or checkpoint) and stops', async () => {
      const { fence, takeOver } = await stalledHolder('products');
      const runner = runnerOn(events, store, [untyped(productsProjection)], { fence });
      await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
      await runner.apply(await events.readAll());
      const first = await store.collection('products').findOne({ _id: 'p1' });
      const checkpoint = await store.collection(CHECKPOINTS).findOne({ _id: 'products' });
      expect(first).to.include({ name: 'Tea Pot' });

      const b = await takeOver();
      await appendOne(events, 'product-p2', 'ProductCreated', { ...created('p2'), sku: 'SKU-2' });
      await appendOne(events, 'product-p1', 'ProductPriceChanged', { productId: 'p1', price: { amount: 999, currency: 'EUR' }, previousPrice: created('p1').price, changedAt: created('p1').createdAt });
      const outcome = await stopped(runner.apply(await events.readAll()));

      expect(outcome).to.be.instanceOf(StopFollowing);
      expect(refusals.map((r) => r.key)).to.deep.equal([{ _id: 'products' }]);
      expect(await store.collection('products').find({}, { sort: { _id: 1 } })).to.deep.equal([first]);
      expect(await store.collection(CHECKPOINTS).findOne({ _id: 'products' })).to.deep.equal(checkpoint);
      expect(await store.collection(LEASES).findOne({ _id: 'products' })).to.include({ owner: 'process-b', epoch: b.epoch, writes: 0 });
    });

    it('following the log, stops at its first refused write and says why', async () => {
      const { fence, takeOver } = await stalledHolder('products');
      const runner = runnerOn(events, store, [untyped(productsProjection)], { fence });
      await runner.start();
      await takeOver();
      await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
      await eventually(() => (runner.status === 'stopped' ? true : undefined));
      expect(runner.lastError).to.match(/refused/);
      expect(await store.collection('products').countDocuments()).to.equal(0);
      await runner.stop();
    });

    it("under two leases, guards a batch with the leases of the projections it writes: one taken over refuses the first batch that writes its projection", async () => {
      const { lease: products, takeOver } = await stalledHolder('products');
      const stock = (await new LeaseStore(store, 60_000).claim('stock-levels', 'process-a', 0))!;
      const fence = fenceOf([products, stock], (error) => refusals.push(error));
      const runner = runnerOn(events, store, [untyped(productsProjection), untyped(stockLevelsProjection)], { fence });
      await takeOver();

      // An event of the stock levels' alone: written under their lease, which still holds.
      const threshold = await appendOne(events, 'inventory-SKU-1', 'LowStockThresholdSet', { sku: 'SKU-1', productId: 'p1', threshold: 3, setAt: created('p1').createdAt });
      await runner.apply([threshold]);
      expect(refusals).to.deep.equal([]);
      expect(await store.collection(CHECKPOINTS).findOne({ _id: 'stock-levels' })).to.include({ position: threshold.position });
      expect(await store.collection(LEASES).findOne({ _id: 'stock-levels' })).to.include({ owner: 'process-a', writes: 1 });

      const product = await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
      const outcome = await stopped(runner.apply([product]));
      expect(outcome).to.be.instanceOf(StopFollowing);
      expect(refusals.map((r) => r.key)).to.deep.equal([{ _id: 'products' }]);
      expect(await store.collection('products').countDocuments()).to.equal(0);
      expect(await store.collection(CHECKPOINTS).findOne({ _id: 'products' })).to.equal(null);
      expect(await store.collection(LEASES).findOne({ _id: 'stock-levels' })).to.include({ writes: 1 });
    });
  });

  describe('a process manager runner', () => {
    const orderCreated = (orderId: string) => ({
      orderId,
      customerId: 'c1',
      paymentId: uuid(),
      shipmentId: uuid(),
      lines: LINES,
      total: TOTAL,
      shippingAddress: HOME,
      paymentMethod: { token: 'tok_visa' },
      createdAt: '2024-05-01T09:00:00.000Z',
    });

    it('records saga state, jobs and checkpoint under its epoch, and once taken over none of them', async () => {
      const { fence, takeOver } = await stalledHolder('notifications');
      const schema = eventSchema([]);
      const deps = { eventStore: events, readModels: store, schema, commands: new CommandHandler(events, { schema }), logger: silentLogger(), clock: () => new Date() };
      const runner = new ProcessManagerRunner(deps, notificationsManager);
      await runner.start(fence);
      await runner.stop(); // driven by hand below
      const first = await appendOne(events, 'order-o1', 'OrderCreated', orderCreated('o1'));
      await runner.apply([first]);
      expect((await store.collection(JOBS).find({})).map((j) => j._id)).to.deep.equal([`send-notification:${first.id}`]);
      const checkpoint = await store.collection(CHECKPOINTS).findOne({ _id: 'process:notifications' });
      const saga = await store.collection('saga_notifications').findOne({ _id: 'c1' });
      expect(checkpoint).to.include({ position: first.position });

      await takeOver();
      const second = await appendOne(events, 'order-o2', 'OrderCreated', orderCreated('o2'));
      const outcome = await stopped(runner.apply([second]));

      expect(outcome).to.be.instanceOf(StopFollowing);
      expect(refusals.map((r) => r.key)).to.deep.equal([{ _id: 'notifications' }]);
      expect((await store.collection(JOBS).find({})).map((j) => j._id)).to.deep.equal([`send-notification:${first.id}`]);
      expect(await store.collection(CHECKPOINTS).findOne({ _id: 'process:notifications' })).to.deep.equal(checkpoint);
      expect(await store.collection('saga_notifications').findOne({ _id: 'c1' })).to.deep.equal(saga);
    });
  });
});
