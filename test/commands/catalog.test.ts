import { expect } from 'chai';
import { createProduct } from '../../src/commands/catalog.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { productStream } from '../../src/domain/catalog/product.js';
import { inventoryStream } from '../../src/domain/inventory/inventory.js';
import { ConflictError, PreconditionFailedError, ValidationError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { appendOf, failingOnce, InjectedFailure } from '../support/failing-store.js';

describe('Catalog commands', () => {
  let store: SqliteEventStore;
  let commands: CommandHandler;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    commands = new CommandHandler(store, { schema: eventSchema([]) });
  });
  afterEach(async () => store.close());

  const product = { sku: 'SKU-1', name: 'Lamp', description: '', brand: 'Lumen', category: 'Home', price: { amount: 100, currency: 'USD' } };

  it('claims the SKU with the inventory stream, then creates the product', async () => {
    const { productId } = await createProduct(commands, product, at(0));
    expect((await store.readStream(inventoryStream('SKU-1'))).map((e) => [e.type, e.data.productId])).to.deep.equal([
      ['InventoryItemRegistered', productId],
    ]);
    expect((await store.readStream(productStream(productId))).map((e) => e.type)).to.deep.equal(['ProductCreated']);
  });

  it('refuses a SKU that belongs to an existing product, appending nothing', async () => {
    await createProduct(commands, product, at(0));
    const head = await store.headPosition();
    const error = await createProduct(commands, { ...product, name: 'Other' }, at(365 * 24 * 3_600_000)).catch((e) => e);
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.equal('SKU SKU-1 is already taken');
    expect(await store.headPosition()).to.equal(head);
  });

  for (const [label, input] of [
    ['a blank name', { name: '   ' }],
    ['a blank brand', { brand: '' }],
    ['a blank category', { category: '\n' }],
    ['a negative price', { price: { amount: -1, currency: 'USD' } }],
    ['a price in no currency', { price: { amount: 1, currency: 'usd' } }],
    ['a blank SKU', { sku: ' ' }],
    ['a SKU with a space', { sku: 'SKU 1' }],
    ['a SKU with a slash', { sku: 'SKU/1' }],
  ] as const) {
    it(`refuses ${label} before the SKU claim: nothing is appended`, async () => {
      const error = await createProduct(commands, { ...product, ...input }, at(0)).catch((e) => e);
      expect(error).to.be.instanceOf(ValidationError);
      expect(await store.headPosition()).to.equal(0);
    });
  }

  it('creates a product at once after a creation with its SKU was refused', async () => {
    await createProduct(commands, { ...product, name: ' ' }, at(0)).catch(() => undefined);
    const { productId } = await createProduct(commands, product, at(1));
    expect((await store.readAll()).map((e) => [e.type, e.data.productId])).to.deep.equal([
      ['InventoryItemRegistered', productId],
      ['ProductCreated', productId],
    ]);
  });

  it('refuses If-Match before the SKU claim (412): nothing is appended', async () => {
    const error = await createProduct(commands, product, { ...at(0), ifMatch: 0 }).catch((e) => e);
    expect(error).to.be.instanceOf(PreconditionFailedError);
    expect(await store.headPosition()).to.equal(0);
  });

  it('completes at once a creation abandoned between its two appends, under the claimed product id', async () => {
    const abandoned = '0e9b7f4c-3d2a-4b1c-9e8f-7a6b5c4d3e2f';
    await store.appendToStream(inventoryStream('SKU-1'), [
      { id: 'f0e1d2c3-b4a5-4968-8776-655443322110', type: 'InventoryItemRegistered', data: { sku: 'SKU-1', productId: abandoned, registeredAt: at(0).now }, metadata: {} },
    ]);
    const { productId } = await createProduct(commands, product, at(1000));
    expect(productId).to.equal(abandoned);
    expect((await store.readStream(productStream(abandoned))).map((e) => e.type)).to.deep.equal(['ProductCreated']);
    expect(await store.readStream(inventoryStream('SKU-1'))).to.have.length(1);
  });

  for (const key of [undefined, 'admin:create-lamp']) {
    it(`finishes when retried ${key ? 'with its idempotency key' : 'without a key'} after the product could not be appended`, async () => {
      const flaky = new CommandHandler(failingOnce(store, appendOf('ProductCreated')), { schema: eventSchema([]) });
      const context = { ...at(0), ...(key ? { idempotencyKey: key } : {}) };
      expect(await createProduct(flaky, product, context).catch((e) => e)).to.be.instanceOf(InjectedFailure);
      const { productId } = await createProduct(flaky, product, { ...context, now: at(1).now });
      expect((await store.readAll()).map((e) => [e.type, e.data.productId])).to.deep.equal([
        ['InventoryItemRegistered', productId],
        ['ProductCreated', productId],
      ]);
    });
  }

  it('makes one product of two creations completing one abandoned SKU claim at once; the other is refused', async () => {
    const flaky = new CommandHandler(failingOnce(store, appendOf('ProductCreated')), { schema: eventSchema([]) });
    await createProduct(flaky, product, at(0)).catch(() => undefined);
    const outcomes = await Promise.allSettled([createProduct(commands, product, at(1)), createProduct(commands, { ...product, name: 'Other' }, at(1))]);
    expect(outcomes.map((o) => o.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).to.be.instanceOf(ConflictError);
    expect((await store.readAll()).map((e) => e.type)).to.deep.equal(['InventoryItemRegistered', 'ProductCreated']);
  });

  it('derives the product id from an idempotency key, so a repeat creates nothing new', async () => {
    const keyed = { ...at(0), idempotencyKey: 'admin:create-lamp' };
    const first = await createProduct(commands, product, keyed);
    const head = await store.headPosition();
    const again = await createProduct(commands, product, keyed);
    expect(again.productId).to.equal(first.productId);
    expect(await store.headPosition()).to.equal(head);
  });
});

const at = (ms: number): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: 'test',
  now: new Date(Date.UTC(2026, 0, 1) + ms).toISOString(),
});
