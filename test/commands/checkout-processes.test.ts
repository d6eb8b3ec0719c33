import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { checkout } from '../../src/commands/orders.js';
import { cartDecider, cartStream } from '../../src/domain/cart/cart.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { ADDRESS } from '../support/shop.js';
import { stockInLog } from '../support/stock-in-log.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Checkout from two processes of one shop: two command handlers, each with its own event
 * store connection, caches and in-process locks, on one events.db. The cart's revision
 * decides which checkout places the order, whichever process runs it.
 */
describe('checkout from two processes at once', () => {
  let dir: ReturnType<typeof tempDir>;
  let stores: SqliteEventStore[];
  let processes: CommandHandler[];
  beforeEach(() => {
    dir = tempDir();
    stores = [0, 1].map(() => new SqliteEventStore({ path: join(dir.path, 'events.db') }));
    processes = stores.map((store) => new CommandHandler(store, { schema: eventSchema(UPCASTERS) }));
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });

  const context = (idempotencyKey?: string): CommandContext => {
    const id = randomUUID();
    return { correlationId: id, causationId: id, actor: 'customer', now: '2026-12-02T08:00:00.000Z', ...(idempotencyKey ? { idempotencyKey } : {}) };
  };
  const input = { shippingAddress: ADDRESS, payment: { token: 'tok_visa' } };
  const fillCart = async (customerId: string, sku = 'TEE-1') => {
    await stockInLog(processes[0]!, sku);
    return processes[0]!.handle(
      cartDecider,
      cartStream(customerId),
      { type: 'AddCartItem', customerId, productId: randomUUID(), sku, name: sku, quantity: 1, unitPrice: { amount: 1000, currency: 'USD' }, available: 10, now: '2026-12-02T07:59:00.000Z' },
      context(),
    );
  };
  /** Holds each process's first order append until both have got there: both decided on the same cart. */
  const togetherAtTheOrder = () => {
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    for (const store of stores) {
      const append = store.appendToStream.bind(store);
      let first = true;
      store.appendToStream = async (name, events, options) => {
        if (first && name.startsWith('order-')) {
          first = false;
          arrived += 1;
          if (arrived === 2) release();
          await both;
        }
        return append(name, events, options);
      };
    }
  };
  const log = () => stores[0]!.readAll();
  const ordersOf = async (customerId: string) => (await log()).filter((e) => e.type === 'OrderCreated' && e.data.customerId === customerId);

  it('places one order for two checkouts of one cart under different keys, and refuses the other (409) without appending', async () => {
    const customerId = randomUUID();
    await fillCart(customerId);
    togetherAtTheOrder();
    const before = (await log()).length;
    const [a, b] = await Promise.allSettled([checkout(processes[0]!, customerId, input, context('tab-1')), checkout(processes[1]!, customerId, input, context('tab-2'))]);
    const placed = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected');
    expect(placed).to.have.length(1);
    expect(refused).to.have.length(1);
    expect(refused[0]!.reason).to.be.instanceOf(ConflictError);
    const orders = await ordersOf(customerId);
    expect(orders.map((e) => e.data.orderId)).to.deep.equal([placed[0]!.value.orderId]);
    // The order and the cart's checkout; the refused request appended nothing.
    expect((await log()).slice(before).map((e) => e.type)).to.deep.equal(['OrderCreated', 'CartCheckedOut']);
  });

  it('answers two checkouts without a key, sent at once, with one order', async () => {
    const customerId = randomUUID();
    await fillCart(customerId);
    togetherAtTheOrder();
    const [a, b] = await Promise.all([checkout(processes[0]!, customerId, input, context()), checkout(processes[1]!, customerId, input, context())]);
    expect(a.orderId).to.equal(b.orderId);
    expect((await ordersOf(customerId)).map((e) => e.data.orderId)).to.deep.equal([a.orderId]);
    expect((await log()).filter((e) => e.type === 'CartCheckedOut')).to.have.length(1);
  });

  it('answers a keyed checkout repeated in another process after the cart moved on (its stored answer lost) with its order, appending nothing', async () => {
    const customerId = randomUUID();
    await fillCart(customerId);
    const first = await checkout(processes[0]!, customerId, input, context('buy-now'));
    await fillCart(customerId, 'MUG-1');
    const before = (await log()).length;
    const again = await checkout(processes[1]!, customerId, input, context('buy-now'));
    expect(again.orderId).to.equal(first.orderId);
    expect((await log()).length).to.equal(before);
    // The mug stays in the cart for a checkout of its own.
    const next = await checkout(processes[1]!, customerId, input, context('buy-mug'));
    expect(next.orderId).not.to.equal(first.orderId);
    expect((await ordersOf(customerId)).map((e) => e.data.orderId)).to.deep.equal([first.orderId, next.orderId]);
  });
});
