import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import type { ProjectionRunner, RunnerOptions } from '../../src/projections/runner.js';
import { KeyFilter } from '../../src/projections/write-behind.js';
import { tempDir } from '../support/temp-dir.js';
import { appendOne, runnerOn } from './projection-fixture.js';
import { CountingReadModels, created, SHOP_PROJECTIONS, T1, WatchingReadModels } from './runner-fixture.js';

/** The runner holding changed documents back (writeBehind), as rebuilds and verification run it. */
describe('Projection runner with writeBehind', () => {
  let dir: ReturnType<typeof tempDir>;
  let events: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;

  beforeEach(() => {
    dir = tempDir();
    events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
  });

  afterEach(async () => {
    await events.close();
    await readModels.close();
    dir.remove();
  });

  /** A runner over the shop's projections, not started. */
  const runner = (store: ReadModelStore, options: RunnerOptions): ProjectionRunner => runnerOn(events, store, SHOP_PROJECTIONS(), options);

  /** 30 products, each created then repriced twice, each step in its own batch (batchSize 1). */
  const busyHistory = async () => {
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 30; i += 1) {
        const productId = `p-${i}`;
        if (round === 0) await appendOne(events, `product-${productId}`, 'ProductCreated', created(productId));
        else await appendOne(events, `product-${productId}`, 'ProductPriceChanged', { productId, price: { amount: 1000 + round, currency: 'EUR' }, previousPrice: { amount: 1250, currency: 'EUR' }, changedAt: T1 });
      }
    }
  };

  describe('holding changed documents back (writeBehind, for rebuilds)', () => {
    it('ends, once stopped, with the same documents and checkpoints as a runner writing every batch', async () => {
      await busyHistory();
      const head = await events.headPosition();
      const held = runner(readModels, { batchSize: 1, writeBehind: 8, targets: { products: 'products__held' }, checkpoints: 'held_checkpoints' });
      const plain = runner(readModels, { batchSize: 1, targets: { products: 'products__plain' }, checkpoints: 'plain_checkpoints' });
      for (const r of [held, plain]) {
        await r.start();
        expect(await r.waitFor(head, 10_000)).to.equal(true);
      }
      const heldBeforeStop = await readModels.collection('products__held').countDocuments();
      expect(heldBeforeStop, 'some documents are written before stop, never more than the 30').to.be.within(1, 30);
      await held.stop();
      await plain.stop();
      const sorted = { sort: { _id: 1 as const } };
      expect(await readModels.collection('products__held').find({}, sorted)).to.deep.equal(await readModels.collection('products__plain').find({}, sorted));
      expect((await readModels.collection('products__held').find({}, sorted)).map((p) => p.price)).to.deep.equal(Array(30).fill({ amount: 1002, currency: 'EUR' }));
      const positions = async (name: string) => (await readModels.collection(name).find({}, sorted)).map((c) => [c._id, c.position]);
      expect(await positions('held_checkpoints')).to.deep.equal(await positions('plain_checkpoints'));
    });
    it('keeps a document that keeps coming back held, writing it out far less often than plain LRU would', async () => {
      // 120 products created one after the other; every 12th creation also reprices p-hot:
      // more documents than the 8 held come and go between two changes of p-hot.
      const history = async () => {
        await appendOne(events, 'product-p-hot', 'ProductCreated', created('p-hot'));
        for (let i = 0; i < 120; i += 1) {
          await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
          if (i % 12 === 11) await appendOne(events, 'product-p-hot', 'ProductPriceChanged', { productId: 'p-hot', price: { amount: 2000 + i, currency: 'EUR' }, previousPrice: { amount: 1250, currency: 'EUR' }, changedAt: T1 });
        }
      };
      await history();
      const counting = new CountingReadModels(readModels);
      const held = runner(counting, { batchSize: 1, writeBehind: 8, targets: { products: 'products__held' }, checkpoints: 'held_checkpoints' });
      await held.start();
      expect(await held.waitFor(await events.headPosition(), 10_000)).to.equal(true);
      await held.stop();
      // Written out once before it came back, then held to the end: 2 writes, not one per change (11).
      expect(counting.writesOf('products__held', 'p-hot')).to.equal(2);
      expect(counting.writesOf('products__held', 'p-0')).to.equal(1);
      expect((await readModels.collection('products__held').findOne({ _id: 'p-hot' }))?.price).to.deep.equal({ amount: 2119, currency: 'EUR' });
      expect(await readModels.collection('products__held').countDocuments()).to.equal(121);
    });
  });

  describe('writing out through loads (writeBehind)', () => {
    /** Every projection to collections of its own. */
    const targets = (suffix: string) => ({ products: `products__${suffix}`, 'stock-levels': `stock_levels__${suffix}`, 'customer-profiles': `customers__${suffix}` });
    const folded = async (suffix: string) => {
      const products = await readModels.collection(targets(suffix).products).find({}, { sort: { _id: 1 } });
      expect(products).to.have.length(30);
      return products;
    };
    const runTo = async (...runners: ProjectionRunner[]) => {
      const head = await events.headPosition();
      for (const r of runners) {
        await r.start();
        expect(await r.waitFor(head, 10_000)).to.equal(true);
        await r.stop();
      }
    };

    it('looks up, when told its targets start empty, only documents it wrote out before; told nothing, every one', async () => {
      await busyHistory();
      const fresh = new WatchingReadModels(readModels);
      const told = new WatchingReadModels(readModels);
      await runTo(
        runner(fresh, { batchSize: 1, writeBehind: 8, fresh: true, targets: targets('fresh'), checkpoints: 'fresh_checkpoints' }),
        runner(told, { batchSize: 1, writeBehind: 8, targets: targets('told'), checkpoints: 'told_checkpoints' }),
        runner(readModels, { batchSize: 1, targets: targets('plain'), checkpoints: 'plain_checkpoints' }),
      );
      // Products come back after they were written out: those are looked up, and only those.
      expect(fresh.lookedUp.length).to.be.greaterThan(0);
      expect(fresh.lookedUpUnwritten).to.deep.equal([]);
      // Each creation looks its product up first, though nothing can be there yet.
      expect(told.lookedUpUnwritten).to.include.members(['products__told/p-0', 'products__told/p-29']);
      expect(await folded('fresh')).to.deep.equal(await folded('plain'));
      expect(await folded('told')).to.deep.equal(await folded('plain'));
    });

    it('keeps the keys written out in a Bloom filter: every one is found, and few others', () => {
      const filter = new KeyFilter();
      const id = (i: number) => `order-${i.toString(16).padStart(8, '0')}`;
      for (let i = 0; i < 200_000; i += 1) filter.add('orders__v2', id(i));
      let missed = 0;
      for (let i = 0; i < 200_000; i += 1) if (!filter.mayHave('orders__v2', id(i))) missed += 1;
      let others = 0;
      for (let i = 200_000; i < 300_000; i += 1) if (filter.mayHave('orders__v2', id(i))) others += 1;
      // The same ids in another collection are other keys.
      for (let i = 0; i < 100_000; i += 1) if (filter.mayHave('payments__v2', id(i))) others += 1;
      expect(missed).to.equal(0);
      expect(others, 'keys never added that it may have').to.be.below(600);
    });

    it('gives the documents of a failed load back, retries the batch, and ends with every document all the same', async () => {
      await busyHistory();
      const failing = new WatchingReadModels(readModels, 1);
      const held = runner(failing, { batchSize: 1, writeBehind: 8, fresh: true, targets: targets('held'), checkpoints: 'held_checkpoints' });
      await runTo(held, runner(readModels, { batchSize: 1, targets: targets('plain'), checkpoints: 'plain_checkpoints' }));
      expect(failing.failedLoads).to.equal(1);
      expect(held.lastError).to.equal('disk full');
      expect(await folded('held')).to.deep.equal(await folded('plain'));
    });
  });
});
