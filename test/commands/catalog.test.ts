import { expect } from 'chai';
import { ABANDONED_CLAIM_GRACE_MS, createProduct } from '../../src/commands/catalog.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { productStream } from '../../src/domain/catalog/product.js';
import { inventoryStream } from '../../src/domain/inventory/inventory.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

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

  it('refuses a SKU that belongs to an existing product', async () => {
    await createProduct(commands, product, at(0));
    const error = await createProduct(commands, { ...product, name: 'Other' }, at(ABANDONED_CLAIM_GRACE_MS * 10)).catch((e) => e);
    expect(error).to.be.instanceOf(ConflictError);
  });

  it('completes a creation abandoned between its two appends, once the grace period is over', async () => {
    const abandoned = '0e9b7f4c-3d2a-4b1c-9e8f-7a6b5c4d3e2f';
    await store.appendToStream(inventoryStream('SKU-1'), [
      { id: 'f0e1d2c3-b4a5-4968-8776-655443322110', type: 'InventoryItemRegistered', data: { sku: 'SKU-1', productId: abandoned, registeredAt: at(0).now }, metadata: {} },
    ]);
    expect(await createProduct(commands, product, at(1000)).catch((e) => e)).to.be.instanceOf(ConflictError);
    const { productId } = await createProduct(commands, product, at(ABANDONED_CLAIM_GRACE_MS + 1000));
    expect(productId).to.equal(abandoned);
    expect((await store.readStream(productStream(abandoned))).map((e) => e.type)).to.deep.equal(['ProductCreated']);
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
