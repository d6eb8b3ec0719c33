import { expect } from 'chai';
import { join } from 'node:path';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Document, LoadedDocument, ReadModelStore, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { customerProfilesProjection } from '../../src/projections/customer-profiles/customer-profiles.js';
import type { Projection } from '../../src/projections/projection.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { CHECKPOINTS, type ProjectionRunner, type RunnerOptions } from '../../src/projections/runner.js';
import { stockLevelsProjection } from '../../src/projections/stock-levels/stock-levels.js';
import { tempDir } from '../support/temp-dir.js';
import { appendOne, runnerOn, untyped } from './projection-fixture.js';

/**
 * What the runner's tests share: the shop's projections, a product and a short shop history, stores in
 * files with runners over them, and read-model stores that fail or watch.
 */

export const T1 = '2024-05-01T09:00:00.000Z';

export const SHOP_PROJECTIONS = () => [untyped(productsProjection), untyped(stockLevelsProjection), untyped(customerProfilesProjection)];

export const created = (productId: string) => ({
  productId,
  sku: 'SKU-1',
  name: 'Tea Pot',
  description: 'Holds tea.',
  brand: 'Brewster',
  category: 'Kitchen',
  price: { amount: 1_250, currency: 'EUR' },
  createdAt: T1,
});

export const received = (productId: string, sku: string, quantity: number) => ({ sku, productId, quantity, receivedAt: T1 });

export const adjusted = (productId: string, sku: string, delta: number) => ({ sku, productId, delta, reason: 'count', adjustedAt: T1 });

/** A product with stock, and a customer who became an admin: 7 events over 3 streams. */
export const shopHistory = async (store: EventStore) => {
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

/**
 * An event store and a read-model store in files of a fresh folder for each test (so a test can close
 * and reopen them), and runners over the shop's projections, every one started stopped after the test.
 * Registers its mocha hooks: call it inside a `describe`.
 */
export const runnerStores = () => {
  let dir: ReturnType<typeof tempDir>;
  let events: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;
  let started: ProjectionRunner[] = [];

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
  const runner = (extra: Projection[] = [], store: ReadModelStore = readModels, options: RunnerOptions = {}) =>
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

  return {
    /** The event store of the running test (a new one after `close()` and `open()`). */
    get events() {
      return events;
    },
    /** The read-model store of the running test (a new one after `close()` and `open()`). */
    get readModels() {
      return readModels;
    },
    open,
    close,
    runner,
    start,
    caughtUp,
    documents,
    checkpoints,
  };
};

/**
 * The real store, whose next `failures` bulk writes fail inside the store's own
 * transaction, after the documents and checkpoints were staged.
 */
export class FlakyReadModels implements ReadModelStore {
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
  truncateJournal = () => this.inner.truncateJournal();
  close = () => this.inner.close();
}

/**
 * Records the ids looked up by `_id` and those written out (bulk writes and loads), and fails
 * the first `loadFailures` loads (after a moment, as a write would).
 */
export class WatchingReadModels extends FlakyReadModels {
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
export class CountingReadModels extends FlakyReadModels {
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
