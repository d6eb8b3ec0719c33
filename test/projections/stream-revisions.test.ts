import { expect } from 'chai';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { cartsProjection, readCart, type CartView } from '../../src/projections/carts/carts.js';
import { customerProfilesProjection, readCustomerProfile, type CustomerProfile } from '../../src/projections/customer-profiles/customer-profiles.js';
import { paymentMethodsProjection, readPaymentMethods, type PaymentMethodsView } from '../../src/projections/payment-methods/payment-methods.js';
import type { Projection } from '../../src/projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../../src/projections/runner.js';
import { eventually } from '../support/temp-dir.js';
import { appendOne, projectionFixture, runnerOn, silentLogger, untyped } from './projection-fixture.js';
import { runnerStores } from './runner-fixture.js';

/**
 * The cart, the profile and the saved payment methods are read (GET /cart, /account/me,
 * /account/me/payment-methods) with `ETag: "<revision>"`, which their writes take as If-Match:
 * each document keeps the revision of its stream after the last event folded, the same number
 * the write that appended it answered. A shop upgraded from a version without it rebuilds them.
 */
describe('Stream revisions in the cart, profile and payment-method read models', () => {
  describe('carts', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const carts = () => fixture.readModels.collection<CartView>('carts');
    beforeEach(() => (fixture = projectionFixture([untyped(cartsProjection)])));
    afterEach(() => fixture.close());

    it('follows every event of the cart stream: added, changed, removed, re-priced, checked out', async () => {
      const expected: number[] = [];
      const prices: number[] = [];
      for (const [type, data] of cartHistory()) {
        await fixture.append(CART, type, data);
        await fixture.project();
        const read = await readCart(carts(), CUSTOMER, 'USD');
        expected.push(read.revision!);
        prices.push(read.cart.total.amount);
      }
      expect(expected).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(prices, 'the re-price shows in the total').to.deep.equal([3000, 4500, 6000, 4500, 5400, 0]);
      expect((await readCart(carts(), CUSTOMER, 'USD')).cart.items).to.deep.equal([]);
    });

    it('starts no cart on a re-price or a checkout of none (a checkout that raced the customer\'s erasure)', async () => {
      for (const [type, data] of cartHistory().filter(([type]) => type === 'CartItemRepriced' || type === 'CartCheckedOut')) await fixture.append(CART, type, data);
      await fixture.project();
      expect(await carts().findOne({ _id: CUSTOMER })).to.equal(null);
    });

    it('applying the same event twice changes nothing', async () => {
      for (const [type, data] of cartHistory().slice(0, 3)) await fixture.append(CART, type, data);
      await fixture.project();
      const once = await carts().find({});
      const [, second] = await fixture.events.readAll();
      await runnerOn(fixture.events, fixture.readModels, [untyped(cartsProjection)], { checkpoints: 'other' }).apply([second!]);
      expect(await carts().find({})).to.deep.equal(once);
      expect(once[0]?.revision).to.equal(2);
    });

    it('has no revision for a cart nothing was ever added to, nor in the answer', async () => {
      expect(await readCart(carts(), CUSTOMER, 'USD')).to.deep.equal({ cart: { cartId: CUSTOMER, items: [], total: { amount: 0, currency: 'USD' } }, revision: undefined });
      await fixture.append(CART, 'CartItemAdded', added(2));
      await fixture.project();
      expect((await readCart(carts(), CUSTOMER, 'USD')).cart).to.not.have.property('revision');
    });
  });

  describe('customer profiles', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    beforeEach(() => (fixture = projectionFixture([untyped(customerProfilesProjection)])));
    afterEach(() => fixture.close());

    it('follows registration, addresses and role changes; the profile answered carries none of it', async () => {
      await fixture.append(`customer-${CUSTOMER}`, 'CustomerRegistered', registered());
      await fixture.append(`customer-${CUSTOMER}`, 'CustomerAddressAdded', { customerId: CUSTOMER, address: ADDRESS, addedAt: T1 });
      await fixture.append(`customer-${CUSTOMER}`, 'CustomerRoleChanged', { customerId: CUSTOMER, role: 'admin', changedAt: T1 });
      await fixture.project();
      const found = await readCustomerProfile(fixture.readModels.collection<CustomerProfile>('customers'), CUSTOMER);
      expect(found?.revision).to.equal(2);
      expect(found?.profile).to.not.have.property('revision');
    });
  });

  describe('payment methods', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    beforeEach(() => (fixture = projectionFixture([untyped(paymentMethodsProjection)])));
    afterEach(() => fixture.close());

    it('follows saves, default changes and removals', async () => {
      const wallets = () => fixture.readModels.collection<PaymentMethodsView>('payment_methods');
      const revisions: Array<number | undefined> = [(await readPaymentMethods(wallets(), CUSTOMER)).revision];
      for (const [type, data] of walletHistory()) {
        await fixture.append(`wallet-${CUSTOMER}`, type, data);
        await fixture.project();
        revisions.push((await readPaymentMethods(wallets(), CUSTOMER)).revision);
      }
      expect(revisions).to.deep.equal([undefined, 0, 1, 2, 3]);
      expect((await readPaymentMethods(wallets(), CUSTOMER)).list).to.deep.equal({ items: [{ paymentMethodId: 'pm-2', brand: 'visa', last4: '4242', label: null, isDefault: true }] });
    });
  });

  describe('after an upgrade from the versions that kept no revision', () => {
    const stores = runnerStores();
    /** The projection as its previous version folded it: the same documents without `revision`. */
    const previous = <D extends Document>(projection: Projection<D>): Projection => ({
      ...untyped(projection),
      version: (projection.version ?? 1) - 1,
      evolve: (doc, event) => {
        const next = untyped(projection).evolve(doc, event);
        if (!next) return next;
        const { revision: _dropped, ...rest } = next as Document & { revision?: number };
        return rest as Document;
      },
    });
    const UPGRADED = [untyped(cartsProjection), untyped(customerProfilesProjection), untyped(paymentMethodsProjection)];

    it('rebuilds the three read models on start, and every document then has its revision', async () => {
      await appendOne(stores.events, `customer-${CUSTOMER}`, 'CustomerRegistered', registered());
      await appendOne(stores.events, `customer-${CUSTOMER}`, 'CustomerAddressAdded', { customerId: CUSTOMER, address: ADDRESS, addedAt: T1 });
      for (const [type, data] of cartHistory().slice(0, 2)) await appendOne(stores.events, CART, type, data);
      for (const [type, data] of walletHistory().slice(0, 1)) await appendOne(stores.events, `wallet-${CUSTOMER}`, type, data);
      const old = await stores.start(runnerOn(stores.events, stores.readModels, UPGRADED.map((p) => previous(p))));
      await stores.caughtUp(old);
      // Served by the old documents until the rebuild is swapped in: no revision, so no ETag (never a wrong one).
      expect((await readCart(stores.readModels.collection<CartView>('carts'), CUSTOMER, 'USD')).revision).to.equal(undefined);
      await old.stop();

      const upgraded = await stores.start(runnerOn(stores.events, stores.readModels, UPGRADED));
      expect([...upgraded.outdated].sort()).to.deep.equal(['carts', 'customer-profiles', 'payment-methods']);
      const rebuilds = new Rebuilds({ eventStore: stores.events, store: stores.readModels, schema: eventSchema([]), logger: silentLogger(), projections: UPGRADED }, { graceMs: 10 });
      await rebuilds.startOutdated(upgraded.outdated);
      const checkpoints = stores.readModels.collection<Checkpoint>(CHECKPOINTS);
      const swapped = await eventually(async () => {
        const all = await checkpoints.find({ _id: { $in: UPGRADED.map((p) => p.name) } });
        return all.length === 3 && all.every((c) => c.version === UPGRADED.find((p) => p.name === c._id)!.version) ? all : undefined;
      });
      const collectionOf = (name: string) => swapped.find((c) => c._id === name)!.collection;
      expect((await readCart(stores.readModels.collection<CartView>(collectionOf('carts')), CUSTOMER, 'USD')).revision).to.equal(1);
      expect((await readCustomerProfile(stores.readModels.collection<CustomerProfile>(collectionOf('customer-profiles')), CUSTOMER))?.revision).to.equal(1);
      expect((await readPaymentMethods(stores.readModels.collection<PaymentMethodsView>(collectionOf('payment-methods')), CUSTOMER)).revision).to.equal(0);
      await rebuilds.stop();
    });
  });
});

// ------------------------------------------------------------------ fixtures

const CUSTOMER = 'c-1';
const CART = `cart-${CUSTOMER}`;
const T1 = '2024-05-01T09:00:00.000Z';
const ADDRESS = { addressId: 'a-1', line1: '1 Main St', city: 'London', postalCode: 'N1', country: 'GB' };
const LINE = { productId: 'p-1', sku: 'SKU-1', name: 'Mug', unitPrice: { amount: 1500, currency: 'USD' } };

const added = (quantity: number) => ({ customerId: CUSTOMER, ...LINE, quantity, addedAt: T1 });

const cartHistory = (): Array<[string, Record<string, unknown>]> => [
  ['CartItemAdded', added(2)],
  ['CartItemAdded', { ...added(1), productId: 'p-2', sku: 'SKU-2' }],
  ['CartItemQuantityChanged', { customerId: CUSTOMER, productId: 'p-1', quantity: 3, changedAt: T1 }],
  ['CartItemRemoved', { customerId: CUSTOMER, productId: 'p-2', removedAt: T1 }],
  ['CartItemRepriced', { customerId: CUSTOMER, productId: 'p-1', unitPrice: { amount: 1800, currency: 'USD' }, previousPrice: LINE.unitPrice, repricedAt: T1 }],
  ['CartCheckedOut', { customerId: CUSTOMER, orderId: 'o-1', lines: [{ ...LINE, quantity: 3 }], checkedOutAt: T1 }],
];

const saved = (paymentMethodId: string, isDefault: boolean) => ({ customerId: CUSTOMER, paymentMethodId, token: 'tok_visa', brand: 'visa', last4: '4242', label: null, isDefault, savedAt: T1 });

const walletHistory = (): Array<[string, Record<string, unknown>]> => [
  ['PaymentMethodSaved', saved('pm-1', true)],
  ['PaymentMethodSaved', saved('pm-2', false)],
  ['DefaultPaymentMethodChanged', { customerId: CUSTOMER, paymentMethodId: 'pm-2', changedAt: T1 }],
  ['PaymentMethodRemoved', { customerId: CUSTOMER, paymentMethodId: 'pm-1', removedAt: T1 }],
];

const registered = () => ({ customerId: CUSTOMER, email: 'ada@example.com', name: 'Ada', passwordHash: 'x', role: 'customer', registeredAt: T1 });
