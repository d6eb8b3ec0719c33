import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createProduct, updateProduct } from '../../src/commands/catalog.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { checkout } from '../../src/commands/orders.js';
import { cartDecider, cartStream, PricesChangedError } from '../../src/domain/cart/cart.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { orderDecider, orderStream } from '../../src/domain/ordering/order.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { ADDRESS } from '../support/shop.js';
import { stockInLog } from '../support/stock-in-log.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The checkout's price check reads the catalog from the log. No projection runs here, so a read
 * model could not have told it: a price changed a moment before the checkout is seen all the same.
 */
describe('checkout: prices from the log', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let commands: CommandHandler;
  const NOW = '2026-12-06T08:00:00.000Z';
  const context = (): CommandContext => {
    const id = randomUUID();
    return { correlationId: id, causationId: id, actor: 'test', now: NOW };
  };
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  beforeEach(() => {
    dir = tempDir();
    store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    commands = new CommandHandler(store, { schema: eventSchema(UPCASTERS) });
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  const shopper = async () => {
    const customerId = randomUUID();
    await commands.handle(customerDecider, customerStream(customerId), { type: 'RegisterCustomer', customerId, email: `${customerId}@test.local`, name: 'Ann', passwordHash: 'x', role: 'customer', now: NOW }, context());
    return customerId;
  };
  const product = async (sku: string, amount: number) => {
    const { productId } = await createProduct(commands, { sku, name: sku, description: 'd', brand: 'b', category: 'c', price: usd(amount) }, context());
    await stockInLog(commands, sku, 100, NOW);
    return productId;
  };
  const add = (customerId: string, productId: string, sku: string, amount: number, currency = 'USD') =>
    commands.handle(cartDecider, cartStream(customerId), { type: 'AddCartItem', customerId, productId, sku, name: sku, quantity: 1, unitPrice: { amount, currency }, available: 10, now: NOW }, context());
  const placeOrder = (customerId: string) => checkout(commands, customerId, { shippingAddress: ADDRESS, payment: { token: 'tok_visa' } }, context());
  const caught = async (act: () => Promise<unknown>) => act().then(() => undefined, (error: unknown) => error);

  it('sees a price changed just before, re-prices the cart and places the order at it next time', async () => {
    const customerId = await shopper();
    const mug = await product('MUG-1', 1500);
    await add(customerId, mug, 'MUG-1', 1500);
    await updateProduct(commands, mug, { price: usd(1650) }, context());

    const refused = await caught(() => placeOrder(customerId));
    expect(refused).to.be.instanceOf(PricesChangedError);
    expect((refused as PricesChangedError).changes).to.deep.equal([{ productId: mug, sku: 'MUG-1', name: 'MUG-1', previousPrice: usd(1500), unitPrice: usd(1650) }]);
    const cart = await commands.load(cartDecider, cartStream(customerId));
    expect((refused as PricesChangedError).cartRevision).to.equal(cart.revision);
    expect(cart.state.lines.map((line) => line.unitPrice)).to.deep.equal([usd(1650)]);

    const { orderId } = await placeOrder(customerId);
    const order = await commands.load(orderDecider, orderStream(orderId));
    expect(order.state.status === 'None' ? [] : order.state.lines.map((line) => line.unitPrice)).to.deep.equal([usd(1650)]);
  });
});
