import { expect } from 'chai';
import { addToCart } from '../../src/commands/cart.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ProductView } from '../../src/projections/products/products.js';

describe('Cart commands', () => {
  let store: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    readModels = new EmbeddedReadModelStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
    await readModels.close();
  });

  const context: CommandContext = { correlationId: 'r1', causationId: 'r1', actor: 'customer:c', now: '2025-01-01T10:00:00.000Z' };
  const productId = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  const customerId = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';

  it("adds a product at the catalog's price, keeping no reference to the read model's own document", async () => {
    const products = readModels.collection<ProductView>('products');
    await products.insertOne({ _id: productId, productId, sku: 'MUG-1', name: 'Mug', listed: true, available: 5, price: { amount: 1500, currency: 'USD' } } as unknown as ProductView);
    const deps = { commands: new CommandHandler(store, { schema: eventSchema([]) }), products, currency: 'USD' };
    const { cart } = await addToCart(deps, customerId, { productId, quantity: 2 }, context);
    expect(cart.items).to.deep.equal([{ productId, sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } }]);
    expect(cart.total).to.deep.equal({ amount: 3000, currency: 'USD' });
    const stored = (await products.findOne({ _id: productId }, { readonly: true }))!;
    expect(cart.items[0]!.unitPrice).to.not.equal(stored.price);
    const [event] = await store.readStream(`cart-${customerId}`);
    expect(event?.data.unitPrice).to.deep.equal({ amount: 1500, currency: 'USD' });
  });
});
