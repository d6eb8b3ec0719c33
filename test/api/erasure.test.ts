import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { accountRoles } from '../../src/api/account-roles.js';
import { ADDRESS, buy, eventsOf, orderReaches, stockedProduct } from '../support/shop.js';
import { keyIds } from '../../src/privacy/key-store.js';
import { bearer, eraseById, eraseMe, login, ofCustomer } from '../support/erasure.js';
import { eventually } from '../support/temp-dir.js';
import { ADMIN, appendsNothing, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

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

  describe('of the signed-in account', () => {
    beforeEach(() => start());

    it('answers 202 with CustomerErased appended once; the token is refused from then on, and a second erasure with it too (401)', async () => {
      const shopper = await app.customer('Ada');
      const res = await eraseMe(app, shopper.token);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      expect(res.body).to.deep.equal({ customerId: shopper.customerId, erasedAt: res.body.erasedAt });
      const [erased, ...more] = await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId));
      expect(more).to.deep.equal([]);
      expect(erased!.data).to.deep.equal({ customerId: shopper.customerId, erasedAt: res.body.erasedAt, by: 'customer' });
      expect(erased!.streamName).to.equal(`customer-${shopper.customerId}`);

      expectProblem(await app.http().get('/api/v1/account/me').set(bearer(shopper.token)), 401);
      expectProblem(await eraseMe(app, shopper.token), 401);
      expectProblem(await login(app, shopper.email, 'correct-horse'), 401);
      expect(await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId))).to.have.length(1);
    });

    it('refuses a wrong password (401) and a missing one (400), appending nothing; the account still works', async () => {
      const shopper = await app.customer();
      const wrong = await appendsNothing(app, () => eraseMe(app, shopper.token, { password: 'wrong-horse' }));
      expectProblem(wrong, 401);
      // The password is what was refused, not the token: a client keeps its session.
      expect(wrong.headers['www-authenticate']).to.equal('Bearer realm="shop-api"');
      expectProblem(await appendsNothing(app, () => eraseMe(app, shopper.token, {})), 400);
      expectProblem(await appendsNothing(app, () => eraseMe(app, shopper.token, { password: 'correct-horse', also: 1 })), 400);
      expect(await eventsOf(app, 'CustomerErased')).to.deep.equal([]);
      expect((await app.http().get('/api/v1/account/me').set(bearer(shopper.token))).status).to.equal(200);
    });

    it('refuses the last admin (409), appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => eraseMe(app, admin, { password: ADMIN.password })), 409);
      const [self] = await eventsOf(app, 'CustomerRegistered', (e) => e.data.email === ADMIN.email);
      expectProblem(await appendsNothing(app, () => eraseById(app, admin, String(self!.data.customerId))), 409);
    });

    it('refuses while an order is between Pending and Shipped (409, nothing appended); once it has shipped, erases', async () => {
      const shopper = await app.customer();
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId);
      const order = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await app.settled();
      const refused = await appendsNothing(app, () => eraseMe(app, shopper.token));
      expectProblem(refused, 409);
      expect(refused.body.detail).to.include('still being processed').and.not.include('subscription');
      const shipmentId = (await eventually(async () => (await app.http().get(`/api/v1/orders/${order.orderId}`).set(bearer(shopper.token))).body.shipment?.shipmentId)) as string;
      expect((await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(bearer(admin))).status).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Shipped']);
      expect((await eraseMe(app, shopper.token)).status).to.equal(202);
    });
  });

  describe('of a subscriber', () => {
    beforeEach(() => start());

    it('says, refusing while an order is on its way, that a subscription of the account places orders: to cancel it first', async () => {
      const shopper = await app.customer();
      const { productId } = await stockedProduct(app, admin, 5);
      const method = await app.http().post('/api/v1/account/me/payment-methods').set(bearer(shopper.token)).send({ token: 'tok_visa' });
      const subscribed = await app.http().post('/api/v1/subscriptions').set(bearer(shopper.token)).send({ items: [{ productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: method.body.paymentMethodId });
      expect(subscribed.status, JSON.stringify(subscribed.body)).to.equal(201);
      const orderId = await buy(app, shopper, productId);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await app.settled();
      const refused = await appendsNothing(app, () => eraseMe(app, shopper.token));
      expectProblem(refused, 409);
      expect(refused.body.detail).to.include('a subscription of this account places orders: cancel it first');
    });
  });

  describe('by an admin', () => {
    beforeEach(() => start());

    it('erases an account (202, by admin); again answers the same erasure and appends nothing', async () => {
      const shopper = await app.customer();
      const first = await eraseById(app, admin, shopper.customerId);
      expect(first.status, JSON.stringify(first.body)).to.equal(202);
      const [erased] = await eventsOf(app, 'CustomerErased', ofCustomer(shopper.customerId));
      expect(erased!.data).to.include({ by: 'admin' });
      const again = await appendsNothing(app, () => eraseById(app, admin, shopper.customerId));
      expect(again.status).to.equal(202);
      expect(again.body).to.deep.equal(first.body);
      expectProblem(await app.http().get('/api/v1/cart').set(bearer(shopper.token)), 401);
    });

    it("is seen by another process's account lookup from the read model's tombstone: no role, 401", async () => {
      const shopper = await app.customer();
      expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);
      await app.settled();
      const elsewhere = accountRoles(app.deps.readModels, app.deps.commands);
      expect(await elsewhere.roleOf(shopper.customerId)).to.equal(undefined);
      expect(await elsewhere.roleOf((await app.customer()).customerId)).to.equal('customer');
    });

    it('is for admins only (403) and answers 404 for an unknown account, appending nothing', async () => {
      const shopper = await app.customer();
      const other = await app.customer();
      expectProblem(await appendsNothing(app, () => eraseById(app, shopper.token, other.customerId)), 403);
      expectProblem(await appendsNothing(app, () => eraseById(app, admin, '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b')), 404);
      expect((await app.http().get('/api/v1/account/me').set(bearer(other.token))).status).to.equal(200);
    });

    it('answers 409 problem+json, appending nothing, to a write whose customer lost its keys meanwhile (an erasure in another process, before its CustomerErased shows here)', async () => {
      const shopper = await app.customer();
      // What another process's erasure job does after its CustomerErased: this process has not read that yet.
      await app.keyStore.destroy(keyIds.profile(shopper.customerId), new Date().toISOString());
      const res = await appendsNothing(app, () => app.http().post('/api/v1/account/me/addresses').set(bearer(shopper.token)).send(ADDRESS));
      expectProblem(res, 409);
      expect(res.body.detail).to.match(/erased/);
    });
  });
});
