import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CommandHandler, derivedId, type CommandContext } from '../../src/commands/command-handler.js';
import { eraseAccount, type ErasureRequestDeps } from '../../src/commands/erasure.js';
import { checkout, nextOrderId } from '../../src/commands/orders.js';
import { cartDecider, cartStream } from '../../src/domain/cart/cart.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { orderDecider, orderStream } from '../../src/domain/ordering/order.js';
import { ConflictError, UnauthorizedError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { ADDRESS } from '../support/shop.js';
import { stockInLog } from '../support/stock-in-log.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Erasure is refused while an order of the account is on its way, also one the read models do
 * not show yet (placed a moment ago, through another process of the shop), and a checkout does
 * not place an order for an account erased while it waited.
 */
describe('erasing an account while it checks out', () => {
  let dir: ReturnType<typeof tempDir>;
  let stores: SqliteEventStore[];
  let processes: CommandHandler[];
  let readModels: EmbeddedReadModelStore;
  beforeEach(() => {
    dir = tempDir();
    stores = [0, 1].map(() => new SqliteEventStore({ path: join(dir.path, 'events.db') }));
    processes = stores.map((store) => new CommandHandler(store, { schema: eventSchema(UPCASTERS) }));
    // The read models have not seen any order yet (they follow the log a moment behind).
    readModels = new EmbeddedReadModelStore({ path: ':memory:' });
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    await readModels.close();
    dir.remove();
  });

  const NOW = '2026-12-02T08:00:00.000Z';
  const context = (): CommandContext => {
    const id = randomUUID();
    return { correlationId: id, causationId: id, actor: 'test', now: NOW };
  };
  const erasureVia = (commands: CommandHandler): ErasureRequestDeps => ({ commands, readModels, passwords: {} as PasswordHasher });
  const customerWithCart = async () => {
    const customerId = randomUUID();
    const register = { type: 'RegisterCustomer' as const, customerId, email: `${customerId}@test.local`, name: 'Ann', passwordHash: 'x', role: 'customer' as const, now: NOW };
    await processes[0]!.handle(customerDecider, customerStream(customerId), register, context());
    const add = { type: 'AddCartItem' as const, customerId, productId: randomUUID(), sku: 'TEE-1', name: 'Tee', quantity: 1, unitPrice: { amount: 1000, currency: 'USD' }, available: 10, now: NOW };
    await processes[0]!.handle(cartDecider, cartStream(customerId), add, context());
    await stockInLog(processes[0]!, 'TEE-1', 10, NOW);
    return customerId;
  };
  const input = { shippingAddress: ADDRESS, payment: { token: 'tok_visa' } };
  const headOf = () => stores[0]!.headPosition();

  it('is refused (409, nothing appended) for an order placed through another process that the read models do not show yet', async () => {
    const customerId = await customerWithCart();
    await checkout(processes[0]!, customerId, input, context());
    const head = await headOf();
    let refused: unknown;
    await eraseAccount(erasureVia(processes[1]!), customerId, context()).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(ConflictError);
    expect(await headOf()).to.equal(head);
    expect((await processes[1]!.load(customerDecider, customerStream(customerId))).state.status).to.equal('Registered');
  });

  it('is refused for the order of a checkout cut short before it emptied the cart (the order in the log only)', async () => {
    const customerId = await customerWithCart();
    const cart = await processes[0]!.load(cartDecider, cartStream(customerId));
    const orderId = nextOrderId(customerId, cart.revision);
    const create = {
      type: 'CreateOrder' as const, orderId, customerId, paymentId: derivedId(orderId, 'payment'), shipmentId: derivedId(orderId, 'shipment'),
      lines: cart.state.lines, shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' }, now: NOW,
    };
    await processes[0]!.handle(orderDecider, orderStream(orderId), create, context());
    let refused: unknown;
    await eraseAccount(erasureVia(processes[1]!), customerId, context()).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(ConflictError);
  });

  it('goes through once no order is on its way; a checkout that comes after it places nothing (401)', async () => {
    const customerId = await customerWithCart();
    await eraseAccount(erasureVia(processes[0]!), customerId, context());
    const head = await headOf();
    let refused: unknown;
    await checkout(processes[0]!, customerId, input, context()).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(UnauthorizedError);
    expect(await headOf()).to.equal(head);
  });

  it('in one process, runs in turn with a checkout sent at the same moment: never both', async () => {
    for (let round = 0; round < 6; round++) {
      const customerId = await customerWithCart();
      const [placed, erased] = await Promise.allSettled([
        checkout(processes[0]!, customerId, input, context()),
        eraseAccount(erasureVia(processes[0]!), customerId, context()),
      ]);
      expect([placed.status, erased.status], `round ${round}`).to.not.deep.equal(['fulfilled', 'fulfilled']);
    }
  });
});
