import type { Document, LoadedDocument, ReadModelStore, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { customerProfilesProjection } from '../../src/projections/customer-profiles/customer-profiles.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { stockLevelsProjection } from '../../src/projections/stock-levels/stock-levels.js';
import { untyped } from './projection-fixture.js';

/** What the runner's tests share: the shop's projections, a product, and read-model stores that fail or watch. */

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
