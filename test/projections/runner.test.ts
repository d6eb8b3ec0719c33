import { expect } from 'chai';
import { join } from 'node:path';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { getCustomerProfile, type CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';
import type { Projection } from '../../src/projections/projection.js';
import { getProduct, type ProductView } from '../../src/projections/products/products.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { CHECKPOINTS, type Checkpoint, type ProjectionRunner } from '../../src/projections/runner.js';
import { getStockLevel, type StockLevel } from '../../src/projections/stock-levels/stock-levels.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { appendOne, runnerOn, silentLogger } from './projection-fixture.js';
import { created, FlakyReadModels, SHOP_PROJECTIONS, T1 } from './runner-fixture.js';

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

    it('folds a live event in the turn it was committed in after being idle, not a turn later behind other work', async () => {
      const r = await start(runner());
      await caughtUp(r);
      // Idle for longer than a catch-up runs before it yields: that must not count as a long chain.
      await new Promise((resolve) => setTimeout(resolve, 40));
      const { position } = await appendOne(events, 'product-live', 'ProductCreated', created('live'));
      const seenNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(r.checkpoint)));
      expect(seenNextTurn, 'the checkpoint when the loop came round after the commit').to.be.at.least(position);
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
