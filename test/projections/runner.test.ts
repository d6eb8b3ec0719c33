import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { getCustomerProfile, type CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';
import { getProduct, type ProductView } from '../../src/projections/products/products.js';
import type { Projection } from '../../src/projections/projection.js';
import { CHECKPOINTS, type ProjectionRunner } from '../../src/projections/runner.js';
import { getStockLevel, type StockLevel } from '../../src/projections/stock-levels/stock-levels.js';
import { tempDir } from '../support/temp-dir.js';
import { appendOne, runnerOn } from './projection-fixture.js';
import { created, SHOP_PROJECTIONS, shopHistory } from './runner-fixture.js';

describe('Projection runner', () => {
  let dir: ReturnType<typeof tempDir>;
  let events: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;
  let started: ProjectionRunner[];

  const open = () => {
    events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
  };
  const close = async () => {
    await Promise.all(started.map((runner) => runner.stop()));
    started = [];
    await events.close();
    await readModels.close();
  };
  /** A runner over the shop's projections (plus any extra), not started. */
  const runner = (extra: Projection[] = [], store: ReadModelStore = readModels, options = {}) =>
    runnerOn(events, store, [...SHOP_PROJECTIONS(), ...extra], options);
  const start = async (r: ProjectionRunner) => {
    started.push(r);
    await r.start();
    return r;
  };
  const caughtUp = async (r: ProjectionRunner) => expect(await r.waitFor(await events.headPosition(), 10_000)).to.equal(true);
  const documents = async (store: ReadModelStore = readModels) => ({
    products: await store.collection('products').find({}, { sort: { _id: 1 } }),
    stockLevels: await store.collection('stock_levels').find({}, { sort: { _id: 1 } }),
    customers: await store.collection('customers').find({}, { sort: { _id: 1 } }),
  });
  const checkpoints = async () => (await readModels.collection(CHECKPOINTS).find({}, { sort: { _id: 1 } })).map((c) => [c._id, c.position]);

  beforeEach(() => {
    dir = tempDir();
    started = [];
    open();
  });

  afterEach(async () => {
    await close();
    dir.remove();
  });
  describe('when started', () => {
    it('projects events into products, stock levels and customer profiles', async () => {
      const r = await start(runner());
      await shopHistory(events);
      await caughtUp(r);
      expect((await getProduct(readModels.collection<ProductView>('products'), 'p-1'))?.product).to.deep.include({
        name: 'Tea Pot',
        sku: 'SKU-1',
        available: 7,
        inStock: true,
      });
      expect((await getStockLevel(readModels.collection<StockLevel>('stock_levels'), 'SKU-1', 5))?.level).to.deep.equal({
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
      expect(await getCustomerProfile(readModels.collection<CustomerProfile>('customers'), 'c-1')).to.deep.include({
        email: 'ada@example.com',
        role: 'admin',
      });
    });

    it('catches up on events appended before it started', async () => {
      await shopHistory(events);
      const r = await start(runner());
      await caughtUp(r);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 7]]);
    });

    it('writes the checkpoint of every projection at the last event it handled (one that changes nothing, by the time it stops)', async () => {
      const r = await start(runner());
      await shopHistory(events);
      await appendOne(events, 'audit-1', 'SomethingNobodyProjects', {});
      const head = await events.headPosition();
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

  describe('waitFor', () => {
    it('resolves true once the runner has processed the position', async () => {
      const r = await start(runner());
      const target = (await events.headPosition()) + 1;
      const waiting = r.waitFor(target, 10_000);
      await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));
      expect(await waiting).to.equal(true);
      expect(r.checkpoint).to.be.at.least(target);
      expect((await documents()).products.map((p) => p._id)).to.deep.equal(['p-1']);
    });

    it('resolves true at once for a position already processed', async () => {
      await shopHistory(events);
      const r = await start(runner());
      await caughtUp(r);
      expect(await r.waitFor(1, 0)).to.equal(true);
    });

    it('resolves false when the position is not reached in time', async () => {
      await shopHistory(events);
      const r = await start(runner());
      await caughtUp(r);
      expect(await r.waitFor((await events.headPosition()) + 1, 50)).to.equal(false);
    });

    it('answers many waiters, each once its own position is processed', async () => {
      const r = await start(runner());
      const head = await events.headPosition();
      const waiting = [1, 2, 3].map((n) => r.waitFor(head + n, 10_000).then((reached) => ({ n, reached, checkpoint: r.checkpoint })));
      const late = r.waitFor(head + 100, 100);
      for (let i = 1; i <= 3; i += 1) await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
      for (const { n, reached, checkpoint } of await Promise.all(waiting)) {
        expect(reached).to.equal(true);
        expect(checkpoint).to.be.at.least(head + n);
      }
      expect(await late).to.equal(false);
    });

    it('lets the event loop answer other work while it catches up on a long log', async () => {
      const store = events;
      for (let i = 0; i < 20; i += 1) {
        await store.appendToStream(`product-bulk-${i}`, Array.from({ length: 100 }, (_, k) => ({ id: `e-${i}-${k}`, type: 'ProductCreated', data: created(`p-${i}-${k}`), metadata: {} })));
      }
      const head = await store.headPosition();
      const r = runner([], readModels, { batchSize: 1 });
      let seenAt: number | undefined;
      setImmediate(() => (seenAt = r.checkpoint));
      await start(r);
      await caughtUp(r);
      expect(seenAt, 'a callback queued when the runner started ran before it had caught up').to.be.below(head);
    });

    it('stops as soon as it has reached the position waited for, while still catching up', async () => {
      const positions: number[] = [];
      for (let i = 0; i < 50; i += 1) positions.push((await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`))).position);
      const until = positions[44]!;
      const r = runner([], readModels, { until, batchSize: 2000 });
      await r.start();
      expect(await r.waitFor(until, 10_000)).to.equal(true);
      await r.stop();
      expect(r.status).to.equal('stopped');
      expect((await documents()).products).to.have.length(45);
    });

    it('resolves false once the runner is stopped', async () => {
      const r = await start(runner());
      const waiting = r.waitFor(1_000, 10_000);
      await r.stop();
      expect(await waiting).to.equal(false);
    });
  });

  describe('applying events', () => {
    it('changes nothing when the same event is applied twice', async () => {
      await shopHistory(events);
      const all = await events.readAll();
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
      await shopHistory(events);
      const all = await events.readAll();
      await runner().apply(all);
      const once = await documents();
      // Checkpoints of its own: to this runner every event is new.
      await runner([], readModels, { checkpoints: 'replay-checkpoints' }).apply(all);
      expect(await documents()).to.deep.equal(once);
    });

    it('ends up as if each event were applied once when an overlapping batch is replayed', async () => {
      await shopHistory(events);
      const all = await events.readAll();
      const reference = new EmbeddedReadModelStore({ path: ':memory:' });
      try {
        await runner([], reference).apply(all);
        await runner().apply(all.slice(0, 3));
        await runner([], readModels, { checkpoints: 'replay-checkpoints' }).apply(all);
        expect(await documents()).to.deep.equal(await documents(reference));
      } finally {
        await reference.close();
      }
    });
  });
});
