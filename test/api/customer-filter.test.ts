import { expect } from 'chai';
import { ADDRESS, buy, stockedProduct, type Shopper } from '../support/shop.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * GET /orders and GET /subscriptions take `customerId` (API.md: admins filter all orders by
 * status and customer; a customer sees their own). A customer's `customerId` naming another
 * customer was ignored: the answer was the caller's own list under a filter that said it was
 * someone else's. What a route does not do for this caller it refuses (400), as it refuses
 * what it does not read.
 */
describe("A customer's customerId filter on their lists", () => {
  let app: TestApp;
  let admin: string;
  let alice: Shopper;
  let bob: Shopper;
  let orderId: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    alice = await app.customer();
    bob = await app.customer();
    const product = await stockedProduct(app, admin, 5);
    orderId = await buy(app, alice, product.productId);
    const saved = await app.http().post('/api/v1/account/me/payment-methods').set('Authorization', `Bearer ${alice.token}`).send({ token: 'tok_visa' });
    const subscribed = await app.http().post('/api/v1/subscriptions').set('Authorization', `Bearer ${alice.token}`)
      .send({ items: [{ productId: product.productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: saved.body.paymentMethodId });
    expect(subscribed.status, JSON.stringify(subscribed.body)).to.equal(201);
    await app.settled();
  });
  after(async () => app.close());

  const list = (what: string, who: string, customerId: string) =>
    app.http().get(`/api/v1/${what}?customerId=${customerId}`).set('Authorization', `Bearer ${who}`);

  for (const what of ['orders', 'subscriptions']) {
    describe(`GET /${what}`, () => {
      it("refuses another customer's id (400, naming customerId), rather than answering the caller's own list", async () => {
        const res = await list(what, alice.token, bob.customerId);
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['customerId']);
      });

      it("takes the caller's own id, in either case, as no filter", async () => {
        for (const id of [alice.customerId, alice.customerId.toUpperCase()]) {
          const res = await list(what, alice.token, id);
          expect(res.status, JSON.stringify(res.body)).to.equal(200);
          expect(res.body.total).to.equal(1);
        }
      });

      it("filters by any customer for an admin", async () => {
        expect((await list(what, admin, alice.customerId)).body.total).to.equal(1);
        expect((await list(what, admin, bob.customerId)).body.total).to.equal(0);
      });
    });
  }

  it('lists the order the filter is about', async () => {
    expect((await list('orders', admin, alice.customerId)).body.items.map((o: { orderId: string }) => o.orderId)).to.deep.equal([orderId]);
  });
});
