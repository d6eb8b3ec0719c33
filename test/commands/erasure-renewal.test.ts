import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { eraseAccount } from '../../src/commands/erasure.js';
import { renewSubscription, type RenewalDeps } from '../../src/commands/renewals.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { walletDecider, walletStream } from '../../src/domain/customer/wallet.js';
import { ConflictError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { subscriptionDecider, subscriptionStream } from '../../src/domain/subscriptions/subscription.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import type { ProductView } from '../../src/projections/products/products.js';
import { ADDRESS } from '../support/shop.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A subscription's renewal and the customer's erasure, in turn (checkoutLock). Before, an
 * erasure checked between the renewal's `SubscriptionRenewed` and the order the subscriptions
 * process manager creates from it was accepted: the order was then charged and shipped for the
 * erased customer, and its address stayed in that order's views (a black-box probe, 1 in 3 tries).
 * The process managers do not run here: the renewal's order is never created, as in that moment.
 */
describe('erasing an account while a subscription renews', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let commands: CommandHandler;
  let readModels: EmbeddedReadModelStore;
  const DAY_MS = 1000;
  const NOW = '2026-12-02T08:00:00.000Z';
  const context = (): CommandContext => {
    const id = randomUUID();
    return { correlationId: id, causationId: id, actor: 'test', now: NOW };
  };

  beforeEach(() => {
    dir = tempDir();
    store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    commands = new CommandHandler(store, { schema: eventSchema(UPCASTERS) });
    readModels = new EmbeddedReadModelStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
    await readModels.close();
    dir.remove();
  });

  /** A customer with a saved card and a subscription to one product, as the read models show them. */
  const subscriber = async () => {
    const customerId = randomUUID();
    const productId = randomUUID();
    const subscriptionId = randomUUID();
    const paymentMethodId = randomUUID();
    await commands.handle(customerDecider, customerStream(customerId), { type: 'RegisterCustomer', customerId, email: `${customerId}@test.local`, name: 'Ann', passwordHash: 'x', role: 'customer', now: NOW }, context());
    await commands.handle(walletDecider, walletStream(customerId), { type: 'SavePaymentMethod', customerId, paymentMethodId, token: 'tok_visa', brand: 'visa', last4: '4242', label: null, now: NOW }, context());
    const created = { type: 'CreateSubscription' as const, subscriptionId, customerId, items: [{ productId, quantity: 1 }], intervalDays: 1, shippingAddress: ADDRESS, paymentMethodId, now: NOW, dayMs: DAY_MS };
    await commands.handle(subscriptionDecider, subscriptionStream(subscriptionId), created, context());
    await readModels.collection<ProductView>('products').insertOne({ _id: productId, productId, sku: 'TEA-1', name: 'Tea', price: { amount: 400, currency: 'USD' }, listed: true } as unknown as ProductView);
    await readModels.collection('subscriptions').insertOne({ _id: subscriptionId, subscriptionId, customerId, status: 'Active' });
    const { state } = await commands.load(subscriptionDecider, subscriptionStream(subscriptionId));
    if (state.status === 'None') throw new Error('no subscription');
    const renewalDeps: RenewalDeps = { commands, products: readModels.collection<ProductView>('products'), clock: () => new Date(state.next.at), dayMs: DAY_MS };
    const payload = { subscriptionId, renewal: state.next.renewal, attempt: 1, dueAt: state.next.at };
    return { customerId, subscriptionId, renewalDeps, payload };
  };
  const erase = (customerId: string) => eraseAccount({ commands, readModels, passwords: {} as PasswordHasher }, customerId, context());

  it('is refused (409, nothing appended) once a renewal is placed and its order not created yet', async () => {
    const { customerId, subscriptionId, renewalDeps, payload } = await subscriber();
    await renewSubscription(renewalDeps, payload);
    const renewed = (await commands.load(subscriptionDecider, subscriptionStream(subscriptionId))).state;
    expect(renewed).to.deep.include({ current: { renewal: payload.renewal, attempt: 1, state: 'placed', at: payload.dueAt } });
    const head = await store.headPosition();
    const refused = await erase(customerId).then(() => undefined, (error: unknown) => error);
    expect(refused).to.be.instanceOf(ConflictError);
    expect(await store.headPosition()).to.equal(head);
    expect((await commands.load(customerDecider, customerStream(customerId))).state.status).to.equal('Registered');
  });

  it('places no renewal once the account is erased, and the erasure waits for a renewal under way', async () => {
    const { customerId, subscriptionId, renewalDeps, payload } = await subscriber();
    await erase(customerId);
    const head = await store.headPosition();
    await renewSubscription(renewalDeps, payload);
    expect(await store.headPosition()).to.equal(head);
    expect((await commands.load(subscriptionDecider, subscriptionStream(subscriptionId))).state).to.deep.include({ current: null });

    // Sent together, whichever comes first: an erasure accepted and no renewal, or the renewal and the erasure refused.
    for (let n = 0; n < 5; n += 1) {
      const other = await subscriber();
      const [, erased] = await Promise.allSettled([renewSubscription(other.renewalDeps, other.payload), erase(other.customerId)]);
      const { current } = (await commands.load(subscriptionDecider, subscriptionStream(other.subscriptionId))).state as { current: unknown };
      if (erased.status === 'fulfilled') expect(current).to.equal(null);
      else {
        expect(erased.reason).to.be.instanceOf(ConflictError);
        expect(current).to.deep.include({ state: 'placed' });
        expect((await commands.load(customerDecider, customerStream(other.customerId))).state.status).to.equal('Registered');
      }
    }
  });
});
