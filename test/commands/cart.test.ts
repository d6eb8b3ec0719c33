import { expect } from 'chai';
import { addToCart, changeCartQuantity } from '../../src/commands/cart.js';
import { NotEnoughAvailableError } from '../../src/domain/cart/cart.js';
import { productDecider, productStream } from '../../src/domain/catalog/product.js';
import { inventoryDecider, inventoryStream } from '../../src/domain/inventory/inventory.js';
import { NotFoundError } from '../../src/domain/shared/errors.js';
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

  describe('when the read models are behind the log (stock received, a product created a moment ago)', () => {
    const price = { amount: 1500, currency: 'USD' };
    /** The product and its stock in the log; the read model as it was before (absent, or showing `shown` available). */
    const setUp = async (received: number, shown?: number) => {
      const commands = new CommandHandler(store, { schema: eventSchema([]) });
      await commands.handle(productDecider, productStream(productId), { type: 'CreateProduct', productId, sku: 'MUG-1', name: 'Mug', description: '', brand: 'B', category: 'C', price, now: context.now }, context);
      await commands.handle(inventoryDecider, inventoryStream('MUG-1'), { type: 'RegisterInventoryItem', sku: 'MUG-1', productId, now: context.now }, context);
      if (received > 0) await commands.handle(inventoryDecider, inventoryStream('MUG-1'), { type: 'ReceiveStock', quantity: received, now: context.now }, context);
      const products = readModels.collection<ProductView>('products');
      if (shown !== undefined) await products.insertOne({ _id: productId, productId, sku: 'MUG-1', name: 'Mug', listed: true, available: shown, price } as unknown as ProductView);
      return { commands, products, currency: 'USD' };
    };
    const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

    it('adds what the log has in stock though the read model shows none yet', async () => {
      const deps = await setUp(10, 0);
      const { cart } = await addToCart(deps, customerId, { productId, quantity: 3 }, context);
      expect(cart.items.map((i) => i.quantity)).to.deep.equal([3]);
    });

    it('adds a product the read model does not show yet, at the price its stream has', async () => {
      const deps = await setUp(10);
      const { cart } = await addToCart(deps, customerId, { productId, quantity: 2 }, context);
      expect(cart.items).to.deep.equal([{ productId, sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: price }]);
    });

    it('raises a quantity to what the log has in stock though the read model shows less', async () => {
      const deps = await setUp(10, 1);
      await addToCart(deps, customerId, { productId, quantity: 1 }, context);
      const { cart } = await changeCartQuantity(deps, customerId, { productId, quantity: 8 }, context);
      expect(cart.items.map((i) => i.quantity)).to.deep.equal([8]);
    });

    it('still refuses (409) what the log has not in stock either, and a product no stream has (404), appending nothing', async () => {
      const deps = await setUp(2, 0);
      expect(await refusal(addToCart(deps, customerId, { productId, quantity: 3 }, context))).to.be.instanceOf(NotEnoughAvailableError);
      const unknown = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';
      expect(await refusal(addToCart(deps, customerId, { productId: unknown, quantity: 1 }, context))).to.be.instanceOf(NotFoundError);
      expect(await store.readStream(`cart-${customerId}`)).to.deep.equal([]);
    });
  });
});
