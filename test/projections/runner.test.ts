import { expect } from 'chai';
import { join } from 'node:path';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Document, LoadedDocument, ReadModelStore, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { customerProfilesProjection, getCustomerProfile, type CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';
import type { Projection } from '../../src/projections/projection.js';
import { getProduct, productsProjection, type ProductView } from '../../src/projections/products/products.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { CHECKPOINTS, type Checkpoint, type ProjectionRunner } from '../../src/projections/runner.js';
import { KeyFilter } from '../../src/projections/write-behind.js';
import { getStockLevel, stockLevelsProjection, type StockLevel } from '../../src/projections/stock-levels/stock-levels.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { appendOne, runnerOn, silentLogger, untyped } from './projection-fixture.js';

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
      expect((await getStockLevel(readModels.collection<StockLevel>('stock_levels'), 'SKU-1'))?.level).to.deep.equal({
        sku: 'SKU-1',
        productId: 'p-1',
        onHand: 7,
        reserved: 0,
        available: 7,
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
      const held = runner([], readModels, { batchSize: 1, writeBehind: 8, targets: { products: 'products__held' }, checkpoints: 'held_checkpoints' });
      const plain = runner([], readModels, { batchSize: 1, targets: { products: 'products__plain' }, checkpoints: 'plain_checkpoints' });
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
      const held = runner([], counting, { batchSize: 1, writeBehind: 8, targets: { products: 'products__held' }, checkpoints: 'held_checkpoints' });
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
        runner([], fresh, { batchSize: 1, writeBehind: 8, fresh: true, targets: targets('fresh'), checkpoints: 'fresh_checkpoints' }),
        runner([], told, { batchSize: 1, writeBehind: 8, targets: targets('told'), checkpoints: 'told_checkpoints' }),
        runner([], readModels, { batchSize: 1, targets: targets('plain'), checkpoints: 'plain_checkpoints' }),
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
      const key = (i: number) => `orders__v2\u0000order-${i.toString(16).padStart(8, '0')}`;
      for (let i = 0; i < 200_000; i += 1) filter.add(key(i));
      let missed = 0;
      for (let i = 0; i < 200_000; i += 1) if (!filter.mayHave(key(i))) missed += 1;
      let others = 0;
      for (let i = 200_000; i < 300_000; i += 1) if (filter.mayHave(key(i))) others += 1;
      expect(missed).to.equal(0);
      expect(others, 'keys never added that it may have').to.be.below(300);
    });

    it('gives the documents of a failed load back, retries the batch, and ends with every document all the same', async () => {
      await busyHistory();
      const failing = new WatchingReadModels(readModels, 1);
      const held = runner([], failing, { batchSize: 1, writeBehind: 8, fresh: true, targets: targets('held'), checkpoints: 'held_checkpoints' });
      await runTo(held, runner([], readModels, { batchSize: 1, targets: targets('plain'), checkpoints: 'plain_checkpoints' }));
      expect(failing.failedLoads).to.equal(1);
      expect(held.lastError).to.equal('disk full');
      expect(await folded('held')).to.deep.equal(await folded('plain'));
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

  describe('after a restart', () => {
    it('resumes from its checkpoint and applies no event twice', async () => {
      const firstSeen: number[] = [];
      const first = await start(runner([spy(firstSeen)]));
      await shopHistory(events);
      await caughtUp(first);
      const stoppedAt = await events.headPosition();
      await first.stop();

      const secondSeen: number[] = [];
      const second = await start(runner([spy(secondSeen)]));
      expect(second.checkpoint).to.equal(stoppedAt);
      await appendOne(events, 'inventory-SKU-1', 'StockReceived', received('p-1', 'SKU-1', 3));
      await caughtUp(second);

      const all = (await events.readAll()).map((e) => e.position);
      expect(firstSeen).to.deep.equal(all.slice(0, -1));
      expect(secondSeen).to.deep.equal(all.slice(-1));
      expect((await readModels.collection('spy').findOne({ _id: 'log' }))?.positions).to.deep.equal(all);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 10]]);
    });

    it('resumes from its checkpoint when the stores are reopened from their files', async () => {
      const first = await start(runner());
      await shopHistory(events);
      await caughtUp(first);
      const before = await documents();
      await close();
      open();

      const second = await start(runner());
      expect(second.checkpoint).to.equal(await events.headPosition());
      await caughtUp(second);
      expect(await documents()).to.deep.equal(before);
      await appendOne(events, 'inventory-SKU-1', 'StockAdjusted', adjusted('p-1', 'SKU-1', -2));
      await caughtUp(second);
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 5]]);
    });
  });

  describe('when a projection is added', () => {
    it('catches the new one up from the start while the others apply nothing twice', async () => {
      const first = await start(runner());
      await shopHistory(events);
      await caughtUp(first);
      const before = await documents();
      await first.stop();

      const seen: number[] = [];
      const second = await start(runner([spy(seen)]));
      await caughtUp(second);
      expect(seen).to.deep.equal((await events.readAll()).map((e) => e.position));
      expect(await documents()).to.deep.equal(before);
    });
  });

  describe("when a projection's version changes", () => {
    /** The same read model, folded differently by version 2: names upper-cased. */
    const names = (version: number): Projection => ({
      name: 'names',
      collection: 'names',
      eventTypes: ['ProductCreated'],
      documentIds: (event) => [String(event.data.productId)],
      evolve: (_doc, event) => ({ _id: String(event.data.productId), name: version === 1 ? String(event.data.name) : String(event.data.name).toUpperCase() }),
      ...(version > 1 ? { version } : {}),
    });
    const rebuildsOf = (projection: Projection) =>
      new Rebuilds({ eventStore: events, store: readModels, schema: eventSchema([]), logger: silentLogger(), projections: [projection] }, { graceMs: 10 });
    const checkpointOf = async () => readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' });
    const namesIn = async (collection: string) => (await readModels.collection(collection).find({}, { sort: { _id: 1 } })).map((d) => [d._id, d.name]);

    it('rebuilds the read model the old version folded, swaps it in, and folds what comes next with the new one', async () => {
      const first = await start(runner([names(1)]));
      await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(first);
      expect(first.outdated).to.deep.equal([]);
      expect((await checkpointOf())?.version).to.equal(1);
      await first.stop();

      const second = await start(runner([names(2)]));
      expect(second.outdated).to.deep.equal(['names']);
      const rebuilds = rebuildsOf(names(2));
      await rebuilds.startOutdated(second.outdated);
      const swapped = await eventually(async () => {
        const checkpoint = await checkpointOf();
        return checkpoint?.version === 2 ? checkpoint : undefined;
      });
      expect(swapped.collection).to.equal('names__v2');
      await appendOne(events, 'product-p-2', 'ProductCreated', { ...created('p-2'), name: 'Cup' });
      await caughtUp(second);
      await eventually(async () => ((await namesIn('names__v2')).length === 2 ? true : undefined));
      expect(await namesIn('names__v2')).to.deep.equal([
        ['p-1', 'TEA POT'],
        ['p-2', 'CUP'],
      ]);
      expect(second.outdated).to.deep.equal([]);
      expect((await rebuilds.statuses()).map((r) => [r._id, r.status])).to.deep.equal([['names', 'done']]);
      await rebuilds.stop();

      await second.stop();
      expect((await start(runner([names(2)]))).outdated).to.deep.equal([]);
    });

    it('keeps the old version on the checkpoint while the new code folds the old collection, so the rebuild is asked again', async () => {
      const first = await start(runner([names(1)]));
      await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(first);
      await first.stop();
      const second = await start(runner([names(2)]));
      await appendOne(events, 'product-p-2', 'ProductCreated', created('p-2'));
      await caughtUp(second);
      await second.stop();
      expect((await checkpointOf())?.version).to.equal(1);
      expect((await start(runner([names(2)]))).outdated).to.deep.equal(['names']);
    });

    it('starts a new read model with the version that folds it', async () => {
      const r = await start(runner([names(3)]));
      await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(r);
      expect((await checkpointOf())?.version).to.equal(3);
      expect(r.outdated).to.deep.equal([]);
    });

    it('stop() ends the background rebuilds: none is left marked running', async () => {
      for (let i = 0; i < 50; i += 1) await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
      const rebuilds = rebuildsOf(names(2));
      await rebuilds.startOutdated(['names']);
      await rebuilds.stop();
      const [status] = await rebuilds.statuses();
      expect(status?.status).to.be.oneOf(['done', 'failed']);
    });
  });

  describe('when the write of a batch fails', () => {
    it('moves neither the documents nor the checkpoint, and writes both on retry', async () => {
      const flaky = new FlakyReadModels(readModels, 1);
      const r = runner([], flaky);
      const event = await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));

      const failure = await r.apply([event]).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(Error);
      expect(await documents()).to.deep.equal({ products: [], stockLevels: [], customers: [] });
      expect(await checkpoints()).to.deep.equal([]);
      expect(r.checkpoint).to.equal(0);

      await r.apply([event]);
      expect((await documents()).products.map((p) => [p._id, p._position])).to.deep.equal([['p-1', event.position]]);
      expect(await checkpoints()).to.deep.equal([
        ['customer-profiles', event.position],
        ['products', event.position],
        ['stock-levels', event.position],
      ]);
      expect(r.checkpoint).to.equal(event.position);
    });

    it('holds the checkpoint back when one document cannot be written', async () => {
      const products = readModels.collection('products');
      await products.createIndex({ keys: { sku: 1 }, unique: true, name: 'one_product_per_sku' });
      await products.insertOne({ _id: 'squatter', sku: 'SKU-1' });
      const r = runner();
      const event = await appendOne(events, 'product-p-1', 'ProductCreated', created('p-1'));

      const failure = await r.apply([event]).catch((e: unknown) => e);
      expect(failure).to.have.property('code', 11000);
      expect((await products.find({})).map((p) => p._id)).to.deep.equal(['squatter']);
      expect(await checkpoints()).to.deep.equal([]);

      await products.deleteOne({ _id: 'squatter' });
      await r.apply([event]);
      expect((await products.find({})).map((p) => p._id)).to.deep.equal(['p-1']);
      expect(await checkpoints()).to.have.length(3);
    });

    it('retries by itself when running, and catches up', async () => {
      const flaky = new FlakyReadModels(readModels, 1);
      await shopHistory(events);
      const r = await start(runner([], flaky));
      await caughtUp(r);
      expect(flaky.failed).to.equal(1);
      expect(r.lastError).to.be.a('string');
      expect((await documents()).stockLevels.map((l) => [l._id, l.onHand])).to.deep.equal([['SKU-1', 7]]);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const T1 = '2024-05-01T09:00:00.000Z';

const SHOP_PROJECTIONS = () => [untyped(productsProjection), untyped(stockLevelsProjection), untyped(customerProfilesProjection)];

const created = (productId: string) => ({
  productId,
  sku: 'SKU-1',
  name: 'Tea Pot',
  description: 'Holds tea.',
  brand: 'Brewster',
  category: 'Kitchen',
  price: { amount: 1_250, currency: 'EUR' },
  createdAt: T1,
});

const received = (productId: string, sku: string, quantity: number) => ({ sku, productId, quantity, receivedAt: T1 });

const adjusted = (productId: string, sku: string, delta: number) => ({ sku, productId, delta, reason: 'count', adjustedAt: T1 });

/** A product with stock, and a customer who became an admin: 7 events over 3 streams. */
const shopHistory = async (store: EventStore) => {
  await appendOne(store, 'product-p-1', 'ProductCreated', created('p-1'), { occurredAt: T1 });
  await appendOne(store, 'inventory-SKU-1', 'InventoryItemRegistered', { sku: 'SKU-1', productId: 'p-1', registeredAt: T1 }, { occurredAt: T1 });
  await appendOne(store, 'inventory-SKU-1', 'StockReceived', received('p-1', 'SKU-1', 10), { occurredAt: T1 });
  await appendOne(store, 'inventory-SKU-1', 'StockAdjusted', adjusted('p-1', 'SKU-1', -3), { occurredAt: T1 });
  const customer = { customerId: 'c-1', email: 'ada@example.com', name: 'Ada', passwordHash: 'x', role: 'customer', registeredAt: T1 };
  await appendOne(store, 'customer-c-1', 'CustomerRegistered', customer, { occurredAt: T1 });
  const address = { addressId: 'a-1', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' };
  await appendOne(store, 'customer-c-1', 'CustomerAddressAdded', { customerId: 'c-1', address, addedAt: T1 }, { occurredAt: T1 });
  await appendOne(store, 'customer-c-1', 'CustomerRoleChanged', { customerId: 'c-1', role: 'admin', changedAt: T1 }, { occurredAt: T1 });
};

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

/**
 * The real store, whose next `failures` bulk writes fail inside the store's own
 * transaction, after the documents and checkpoints were staged.
 */
class FlakyReadModels implements ReadModelStore {
  failed = 0;

  constructor(
    private readonly inner: ReadModelStore,
    private failures: number,
  ) {}

  async bulkWrite(operations: readonly WriteOperation[]): Promise<void> {
    if (this.failures === 0) return this.inner.bulkWrite(operations);
    this.failures -= 1;
    this.failed += 1;
    // Not an operator document: the store throws while staging this last write.
    const poison: WriteOperation = { collection: 'products', updateOne: { filter: { _id: 'poison' }, update: { not: 'an operator' }, upsert: true } };
    return this.inner.bulkWrite([...operations, poison]);
  }

  collection<T extends Document = Document>(name: string) {
    return this.inner.collection<T>(name);
  }
  load(documents: readonly LoadedDocument[]): Promise<void> {
    return this.inner.load(documents);
  }
  listCollections = () => this.inner.listCollections();
  dropCollection = (name: string) => this.inner.dropCollection(name);
  renameCollection = (from: string, to: string) => this.inner.renameCollection(from, to);
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}

/**
 * Records the ids looked up by `_id` and those written out (bulk writes and loads), and fails
 * the first `loadFailures` loads (after a moment, as a write would).
 */
class WatchingReadModels extends FlakyReadModels {
  readonly lookedUp: string[] = [];
  /** Ids looked up that no write had stored yet. */
  readonly lookedUpUnwritten: string[] = [];
  failedLoads = 0;
  private readonly written = new Set<string>();

  constructor(
    inner: ReadModelStore,
    private loadFailures = 0,
  ) {
    super(inner, 0);
  }

  override collection<T extends Document = Document>(name: string) {
    const inner = super.collection<T>(name);
    const find: typeof inner.find = (filter, options) => {
      const ids = (filter._id as { $in?: string[] } | undefined)?.$in ?? [];
      for (const id of name.endsWith('checkpoints') ? [] : ids) {
        this.lookedUp.push(`${name}/${id}`);
        if (!this.written.has(`${name}/${id}`)) this.lookedUpUnwritten.push(`${name}/${id}`);
      }
      return inner.find(filter, options);
    };
    return Object.assign(Object.create(inner) as typeof inner, { find });
  }

  override async bulkWrite(operations: readonly WriteOperation[]): Promise<void> {
    await super.bulkWrite(operations);
    for (const operation of operations) if ('replaceOne' in operation) this.written.add(`${operation.collection}/${String(operation.replaceOne.filter._id)}`);
  }

  override async load(documents: readonly LoadedDocument[]): Promise<void> {
    if (this.loadFailures > 0) {
      this.loadFailures -= 1;
      this.failedLoads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('disk full');
    }
    await super.load(documents);
    for (const { collection, id } of documents) this.written.add(`${collection}/${id}`);
  }
}

/** Counts the documents each bulk write replaces, by collection and id. */
class CountingReadModels extends FlakyReadModels {
  private readonly writes = new Map<string, number>();

  constructor(inner: ReadModelStore) {
    super(inner, 0);
  }

  override async bulkWrite(operations: readonly WriteOperation[]): Promise<void> {
    for (const operation of operations) {
      if ('replaceOne' in operation) {
        const key = `${operation.collection}/${String(operation.replaceOne.filter._id)}`;
        this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
      }
    }
    return super.bulkWrite(operations);
  }

  override async load(documents: readonly LoadedDocument[]): Promise<void> {
    for (const { collection, id } of documents) this.writes.set(`${collection}/${id}`, (this.writes.get(`${collection}/${id}`) ?? 0) + 1);
    return super.load(documents);
  }

  writesOf(collection: string, id: string): number {
    return this.writes.get(`${collection}/${id}`) ?? 0;
  }
}
