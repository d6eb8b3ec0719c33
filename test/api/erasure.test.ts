import { expect } from 'chai';
import { keyIds } from '../../src/privacy/key-store.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { expireInvoices } from '../../src/commands/erasure-steps.js';
import type { InvoiceExpiryPayload } from '../../src/processes/erasure.js';
import { accountRoles } from '../../src/api/account-roles.js';
import { deliverNotification } from '../../src/commands/notifications.js';
import { OutboxMailer } from '../../src/infrastructure/mail/mailer.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { verify } from '../../src/operations/verify.js';
import { ERASED } from '../../src/domain/shared/erased.js';
import { ADDRESS, addToCart, buy, eventsOf, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { ADMIN, appendsNothing, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/** Buys the product and has the order delivered (dispatched and delivered by the admin). */
const receive = async (app: TestApp, admin: string, shopper: Shopper, productId: string) => {
  const orderId = await buy(app, shopper, productId, 1);
  await orderReaches(app, shopper.token, orderId, ['Confirmed']);
  const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
  for (const step of ['dispatch', 'deliver']) {
    const res = await app.http().post(`/api/v1/shipments/${shipmentId}/${step}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
  return orderId;
};

/**
 * Erasure (GDPR art. 17) through HTTP on the embedded stores: the two routes and their
 * refusals, the account's tokens and email afterwards, and what the erasure process leaves
 * of the customer in every read model and store once it is done.
 */
describe('INVOICE_RETENTION_DAYS', () => {
  it('is 3650 days unless set, takes 0 (at once), and refuses what is not a whole number of days from 0 to 36500', () => {
    expect(loadConfig({}).invoiceRetentionDays).to.equal(3650);
    expect(loadConfig({ INVOICE_RETENTION_DAYS: '0' }).invoiceRetentionDays).to.equal(0);
    for (const value of ['-1', '36501', '1.5', 'ten']) expect(() => loadConfig({ INVOICE_RETENTION_DAYS: value }), value).to.throw(ConfigError);
  });
});

describe('HTTP erasure', () => {
  let app: TestApp;
  let admin: string;
  const start = async (options: TestAppOptions = {}) => {
    app = await startTestApp(options);
    admin = await app.adminToken();
  };
  afterEach(async () => app?.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const eraseMe = (token: string, body: unknown = { password: 'correct-horse' }) => app.http().delete('/api/v1/account/me').set(bearer(token)).send(body as object);
  const eraseById = (token: string, customerId: string) => app.http().post(`/api/v1/admin/customers/${customerId}/erase`).set(bearer(token)).send();
  const ofCustomer = (customerId: string) => (e: { data: Record<string, unknown> }) => e.data.customerId === customerId;
  const register = (email: string, name = 'Zoe') => app.http().post('/api/v1/account/register').send({ email, password: 'another-horse', name });
  const login = (email: string, password: string) => app.http().post('/api/v1/account/login').send({ email, password });

  /** Waits until the erasure process is done with the customer: the claim released and the job gone. */
  const erasureDone = (customerId: string) =>
    eventually(async () => {
      const released = await eventsOf(app, 'CustomerEmailReleased', ofCustomer(customerId));
      const pending = await app.store.collection('jobs').countDocuments({ kind: 'erase-customer', 'payload.customerId': customerId });
      return released.length > 0 && pending === 0 ? true : undefined;
    }, 15_000);

  describe('of the signed-in account', () => {
    beforeEach(() => start());

    it('answers 202 with CustomerErased appended once; the token is refused from then on, and a second erasure with it too (401)', async () => {
      const shopper = await app.customer('Ada');
      const res = await eraseMe(shopper.token);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      expect(res.body).to.deep.equal({ customerId: shopper.customerId, erasedAt: res.body.erasedAt });
      const [erased, ...more] = await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId));
      expect(more).to.deep.equal([]);
      expect(erased!.data).to.deep.equal({ customerId: shopper.customerId, erasedAt: res.body.erasedAt, by: 'customer' });
      expect(erased!.streamName).to.equal(`customer-${shopper.customerId}`);

      expectProblem(await app.http().get('/api/v1/account/me').set(bearer(shopper.token)), 401);
      expectProblem(await eraseMe(shopper.token), 401);
      expectProblem(await login(shopper.email, 'correct-horse'), 401);
      expect(await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId))).to.have.length(1);
    });

    it('refuses a wrong password (401) and a missing one (400), appending nothing; the account still works', async () => {
      const shopper = await app.customer();
      const wrong = await appendsNothing(app, () => eraseMe(shopper.token, { password: 'wrong-horse' }));
      expectProblem(wrong, 401);
      // The password is what was refused, not the token: a client keeps its session.
      expect(wrong.headers['www-authenticate']).to.equal('Bearer realm="shop-api"');
      expectProblem(await appendsNothing(app, () => eraseMe(shopper.token, {})), 400);
      expectProblem(await appendsNothing(app, () => eraseMe(shopper.token, { password: 'correct-horse', also: 1 })), 400);
      expect(await eventsOf(app, 'CustomerErased')).to.deep.equal([]);
      expect((await app.http().get('/api/v1/account/me').set(bearer(shopper.token))).status).to.equal(200);
    });

    it('refuses the last admin (409), appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => eraseMe(admin, { password: ADMIN.password })), 409);
      const [self] = await eventsOf(app, 'CustomerRegistered', (e) => e.data.email === ADMIN.email);
      expectProblem(await appendsNothing(app, () => eraseById(admin, String(self!.data.customerId))), 409);
    });

    it('refuses while an order is between Pending and Shipped (409, nothing appended); once it has shipped, erases', async () => {
      const shopper = await app.customer();
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId);
      const order = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await app.settled();
      expectProblem(await appendsNothing(app, () => eraseMe(shopper.token)), 409);
      const shipmentId = (await eventually(async () => (await app.http().get(`/api/v1/orders/${order.orderId}`).set(bearer(shopper.token))).body.shipment?.shipmentId)) as string;
      expect((await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(bearer(admin))).status).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Shipped']);
      expect((await eraseMe(shopper.token)).status).to.equal(202);
    });
  });

  describe('by an admin', () => {
    beforeEach(() => start());

    it('erases an account (202, by admin); again answers the same erasure and appends nothing', async () => {
      const shopper = await app.customer();
      const first = await eraseById(admin, shopper.customerId);
      expect(first.status, JSON.stringify(first.body)).to.equal(202);
      const [erased] = await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId));
      expect(erased!.data).to.include({ by: 'admin' });
      const again = await appendsNothing(app, () => eraseById(admin, shopper.customerId));
      expect(again.status).to.equal(202);
      expect(again.body).to.deep.equal(first.body);
      expectProblem(await app.http().get('/api/v1/cart').set(bearer(shopper.token)), 401);
    });

    it("is seen by another process's account lookup from the read model's tombstone: no role, 401", async () => {
      const shopper = await app.customer();
      expect((await eraseById(admin, shopper.customerId)).status).to.equal(202);
      await app.settled();
      const elsewhere = accountRoles(app.deps.readModels, app.deps.commands);
      expect(await elsewhere.roleOf(shopper.customerId)).to.equal(undefined);
      expect(await elsewhere.roleOf((await app.customer()).customerId)).to.equal('customer');
    });

    it('is for admins only (403) and answers 404 for an unknown account, appending nothing', async () => {
      const shopper = await app.customer();
      const other = await app.customer();
      expectProblem(await appendsNothing(app, () => eraseById(shopper.token, other.customerId)), 403);
      expectProblem(await appendsNothing(app, () => eraseById(admin, '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b')), 404);
      expect((await app.http().get('/api/v1/account/me').set(bearer(other.token))).status).to.equal(200);
    });
  });

  describe('afterwards', () => {
    /** A customer with distinctive data everywhere: an address, a saved card, a delivered order with its review, a subscription, a cart. */
    const distinctive = async () => {
      const shopper = await app.customer('Ottilie Quenby');
      const { productId } = await stockedProduct(app, admin, 50);
      expect((await app.http().post('/api/v1/account/me/addresses').set(bearer(shopper.token)).set('Idempotency-Key', 'addr-1').send({ ...ADDRESS, line1: '7 Quenby Lane' })).status).to.equal(201);
      const method = await app.http().post('/api/v1/account/me/payment-methods').set(bearer(shopper.token)).send({ token: 'tok_visa', label: 'Quenby card' });
      expect(method.status, JSON.stringify(method.body)).to.equal(201);
      const orderId = await receive(app, admin, shopper, productId);
      expect((await app.http().post('/api/v1/reviews').set(bearer(shopper.token)).send({ productId, rating: 5, text: 'Quenby loves it' })).status).to.equal(201);
      const subscription = await app.http().post('/api/v1/subscriptions').set(bearer(shopper.token))
        .send({ items: [{ productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: method.body.paymentMethodId });
      expect(subscription.status, JSON.stringify(subscription.body)).to.equal(201);
      await addToCart(app, shopper, productId, 2);
      await eventually(async () => ((await app.store.collection('notifications').countDocuments({ customerId: shopper.customerId, type: 'OrderDelivered' })) > 0 ? true : undefined));
      await app.settled();
      return { shopper, productId, orderId, subscriptionId: subscription.body.subscriptionId as string };
    };

    it('leaves nothing of the customer in the read models and stores: orders stay as a former customer\'s; rebuilt read models are the same', async () => {
      await start();
      const { shopper, productId, orderId, subscriptionId } = await distinctive();
      expect((await eraseMe(shopper.token)).status).to.equal(202);
      await erasureDone(shopper.customerId);
      await app.settled();

      expect(await app.store.collection('customers').findOne({ _id: shopper.customerId })).to.deep.include({ customerId: shopper.customerId }).and.not.have.any.keys('email', 'name', 'addresses', 'role');
      expect(await app.store.collection('payment_methods').findOne({ _id: shopper.customerId })).to.equal(null);
      expect(await app.store.collection('carts').findOne({ _id: shopper.customerId })).to.equal(null);
      expect(await app.store.collection('notifications').countDocuments({ customerId: shopper.customerId })).to.equal(0);
      expect(await app.store.collection('idempotency_keys').countDocuments({ customerId: shopper.customerId })).to.equal(0);
      expect(await app.store.collection('snapshots').countDocuments({ _id: { $in: [`customer-${shopper.customerId}`, `wallet-${shopper.customerId}`, `cart-${shopper.customerId}`] } })).to.equal(0);
      expect(await app.store.collection('jobs').countDocuments({ kind: 'send-notification', 'payload.customerId': shopper.customerId })).to.equal(0);

      const reviews = await app.http().get(`/api/v1/reviews?productId=${productId}`);
      expect(reviews.body.items).to.have.length(1);
      expect(reviews.body.items[0]).to.include({ authorName: ERASED, text: ERASED, rating: 5 });
      const order = await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(admin));
      expect(order.body).to.include({ status: 'Delivered', customerId: shopper.customerId, formerCustomer: true });
      // No read model keeps a copy of the invoice; the log keeps it under the invoice key until the retention ends (the audit reads it).
      expect(order.body.shippingAddress).to.deep.equal({ line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
      const audit = await app.http().get(`/api/v1/admin/audit/orders/${orderId}`).set(bearer(admin));
      const created = (audit.body.timeline as Array<{ type: string; data: Record<string, unknown> }>).find((e) => e.type === 'OrderCreated')!;
      expect(created.data.shippingAddress, 'kept under the invoice key until the retention ends').to.deep.equal(ADDRESS);
      const subscription = await app.http().get(`/api/v1/subscriptions/${subscriptionId}`).set(bearer(admin));
      expect(subscription.body).to.include({ status: 'Cancelled' });
      expect(subscription.body.shippingAddress).to.deep.equal({ line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
      const [cancelled, ...twice] = await eventsOf(app, 'SubscriptionCancelled', (e) => e.data.subscriptionId === subscriptionId);
      expect(twice).to.deep.equal([]);
      expect(cancelled!.data).to.include({ cancelledBy: 'system:erasure' });

      const [profileKey, invoiceKey] = [keyIds.profile(shopper.customerId), keyIds.invoice(shopper.customerId)];
      const keys = await app.keys.keys([profileKey, invoiceKey]);
      expect(keys.get(profileKey)).to.have.property('destroyedAt');
      expect(keys.get(invoiceKey), 'the invoices are kept 3650 days').to.have.property('key');
      const expiry = await app.store.collection('jobs').findOne({ _id: `expire-invoices:${shopper.customerId}` });
      expect(Date.parse(String(expiry!.runAt)) - Date.parse(order.body.createdAt as string)).to.equal(3650 * 86_400_000);

      const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(divergences).to.deep.equal([]);
    });

    it('frees the email: registering it again makes a new account (201, a new id) that sees none of the old orders', async () => {
      await start();
      const shopper = await app.customer();
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const cancelled = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(shopper.token));
      expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(202);
      await app.settled();
      expect((await eraseMe(shopper.token)).status).to.equal(202);
      await erasureDone(shopper.customerId);

      const again = await register(shopper.email.toUpperCase());
      expect(again.status, JSON.stringify(again.body)).to.equal(201);
      expect(again.body.customerId).to.not.equal(shopper.customerId);
      expectProblem(await login(shopper.email, 'correct-horse'), 401);
      const signedIn = await login(shopper.email, 'another-horse');
      expect(signedIn.body).to.include({ customerId: again.body.customerId });
      await app.settled();
      const orders = await app.http().get('/api/v1/orders').set(bearer(signedIn.body.token as string));
      expect(orders.body).to.include({ total: 0 });
      expectProblem(await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(signedIn.body.token as string)), 404);
      const claim = await app.deps.eventStore.readStream(await app.deps.emails.claimStreamOf(shopper.email.toLowerCase()));
      expect(claim.map((e) => [e.type, e.data.customerId])).to.deep.equal([
        ['CustomerEmailClaimed', shopper.customerId],
        ['CustomerEmailReleased', shopper.customerId],
        ['CustomerEmailClaimed', again.body.customerId],
      ]);
    });

    it('registers a new account on a retry of the first registration with its Idempotency-Key (not the stored answer naming the erased one)', async () => {
      await start();
      const body = { email: 'keyed@test.local', password: 'correct-horse', name: 'Keyed' };
      const first = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'reg-1').send(body);
      expect(first.status).to.equal(201);
      const token = (await login(body.email, body.password)).body.token as string;
      expect((await eraseMe(token)).status).to.equal(202);
      await erasureDone(first.body.customerId as string);
      const retry = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'reg-1').send(body);
      expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
      expect(retry.headers['idempotent-replayed']).to.equal(undefined);
      expect(retry.body.customerId).to.not.equal(first.body.customerId);
    });

    it('forgets the failed sign-ins counted against the email: the new account with it is not locked out', async () => {
      await start();
      const shopper = await app.customer();
      for (let i = 0; i < 5; i += 1) expectProblem(await login(shopper.email, 'wrong-horse'), 401);
      expectProblem(await login(shopper.email, 'correct-horse'), 429);
      expect((await eraseById(admin, shopper.customerId)).status).to.equal(202);
      await erasureDone(shopper.customerId);
      expect((await register(shopper.email)).status).to.equal(201);
      expect((await login(shopper.email, 'another-horse')).status).to.equal(200);
    });

    it("puts the invoices' expiry off by a day while an order is still with the carrier, and expires them once it is delivered", async () => {
      await start({ invoiceRetentionDays: 0 });
      const shopper = await app.customer();
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId);
      const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
      expect((await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(bearer(admin))).status).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Shipped']);
      expect((await eraseMe(shopper.token)).status).to.equal(202);
      const postponed = await eventually(() => app.store.collection('jobs').findOne({ _id: `expire-invoices:${shopper.customerId}:1` }).then((job) => job ?? undefined));
      expect(Date.parse(String(postponed.runAt)) - Date.now()).to.be.greaterThan(23 * 3_600_000);
      expect((await app.keys.keys([keyIds.invoice(shopper.customerId)])).get(keyIds.invoice(shopper.customerId))).to.have.property('key');
      expect(await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId))).to.deep.equal([]);

      expect((await app.http().post(`/api/v1/shipments/${shipmentId}/deliver`).set(bearer(admin))).status).to.equal(200);
      await orderReaches(app, admin, orderId, ['Delivered']);
      await expireInvoices(app.erasure, postponed.payload as InvoiceExpiryPayload);
      expect(await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId))).to.have.length(1);
      expect((await app.keys.keys([keyIds.invoice(shopper.customerId)])).get(keyIds.invoice(shopper.customerId))).to.have.property('destroyedAt');
    });

    it('sends and stores no email to an erased customer (a notification due after the erasure is dropped)', async () => {
      await start();
      const shopper = await app.customer();
      expect((await eraseMe(shopper.token)).status).to.equal(202);
      await erasureDone(shopper.customerId);
      const payload = { notificationId: 'late-1', type: 'OrderShipped', customerId: shopper.customerId, orderId: null, subject: 'Shipped', text: 'On its way' };
      await deliverNotification({ readModels: app.deps.readModels, mailer: new OutboxMailer(), clock: () => new Date(), logger: app.deps.logger }, payload);
      expect(await app.store.collection('notifications').findOne({ _id: 'late-1' })).to.equal(null);
    });

    it('ends the invoices\' retention by a durable job: the invoice key destroyed, CustomerInvoicesExpired once, the name and address on orders and shipments erased', async () => {
      await start({ invoiceRetentionDays: 0 });
      const { shopper, orderId } = await distinctive();
      expect((await eraseById(admin, shopper.customerId)).status).to.equal(202);
      await erasureDone(shopper.customerId);
      const [expired, ...twice] = await eventually(async () => {
        const found = await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId));
        return found.length > 0 ? found : undefined;
      });
      expect(twice).to.deep.equal([]);
      expect(expired!.streamName).to.equal(`customer-${shopper.customerId}`);
      const keys = await app.keys.keys([keyIds.invoice(shopper.customerId)]);
      expect(keys.get(keyIds.invoice(shopper.customerId))).to.have.property('destroyedAt');
      await app.settled();
      const erasedAddress = { line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED };
      const order = await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(admin));
      expect(order.body).to.include({ status: 'Delivered', formerCustomer: true });
      expect(order.body.shippingAddress).to.deep.equal(erasedAddress);
      expect(order.body.total).to.deep.equal({ amount: 1500, currency: 'USD' });
      const shipment = await app.http().get(`/api/v1/shipments/${order.body.shipment.shipmentId}`).set(bearer(admin));
      expect(shipment.body.shippingAddress).to.deep.equal(erasedAddress);
      await eventually(async () => ((await app.store.collection('jobs').countDocuments({ kind: 'expire-invoices' })) === 0 ? true : undefined));
      const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(divergences).to.deep.equal([]);
    });
  });
});
