import { expect } from 'chai';
import type supertest from 'supertest';
import { IDEMPOTENCY_COLLECTION } from '../../src/api/idempotency.js';
import { ADDRESS, addToCart, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Checkout with a saved payment method (issue 16, part 4): `paymentMethod: { paymentMethodId }`
 * as well as `{ token }`, exactly one; a removed method or another customer's places nothing.
 */

describe('HTTP checkout with a saved payment method', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let productId: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    productId = (await stockedProduct(app, admin, 10)).productId;
  });
  afterEach(async () => app.close());

  const as = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });
  const saved = async (token: string, who = shopper) => {
    const res = await app.http().post('/api/v1/account/me/payment-methods').set(as(who)).send({ token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.paymentMethodId as string;
  };
  const checkout = (paymentMethod: unknown, who = shopper) => app.http().post('/api/v1/checkout').set(as(who)).send({ shippingAddress: ADDRESS, paymentMethod });
  const orderEvents = async () => (await app.events()).filter((e) => e.type === 'OrderCreated');
  /** Refused, nothing placed: no order, and the cart still holds its line. */
  const placesNothing = async (act: () => Promise<supertest.Response>, status: number) => {
    const res = await appendsNothing(app, act);
    expectProblem(res, status);
    expect(await orderEvents()).to.deep.equal([]);
    await app.settled();
    expect((await app.http().get('/api/v1/cart').set(as(shopper))).body.items).to.have.length(1);
    return res;
  };

  it('pays with a saved method: the order reaches Confirmed, and OrderCreated names the method and its token', async () => {
    const visa = await saved('tok_visa');
    await addToCart(app, shopper, productId, 2);
    const res = await checkout({ paymentMethodId: visa });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const order = await orderReaches(app, shopper.token, res.body.orderId as string, ['Confirmed']);
    expect(order.payment.status).to.equal('Captured');
    const [created] = await orderEvents();
    expect(created!.data.paymentMethod).to.deep.equal({ token: 'tok_visa', paymentMethodId: visa });
    const requested = (await app.events()).find((e) => e.type === 'PaymentRequested')!;
    expect(requested.data.token).to.equal('tok_visa');
  });

  it('takes an id in capitals as the same method', async () => {
    const visa = await saved('tok_visa');
    await addToCart(app, shopper, productId, 1);
    const res = await checkout({ paymentMethodId: visa.toUpperCase() });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect((await orderEvents())[0]!.data.paymentMethod).to.deep.equal({ token: 'tok_visa', paymentMethodId: visa });
  });

  it('fails the order like the token would when the saved card is declined at charge time', async () => {
    const poor = await saved('tok_insufficient_funds');
    await addToCart(app, shopper, productId, 1);
    const res = await checkout({ paymentMethodId: poor });
    expect(res.status).to.equal(202);
    const order = await orderReaches(app, shopper.token, res.body.orderId as string, ['Failed']);
    expect(order.payment.status).to.equal('Failed');
  });

  it('answers a keyed repeat whose answer was lost with its order, even once the method was removed since', async () => {
    const visa = await saved('tok_visa');
    await addToCart(app, shopper, productId, 1);
    const first = await checkout({ paymentMethodId: visa }).set('Idempotency-Key', 'checkout-saved-1');
    expect(first.status).to.equal(202);
    expect((await app.http().delete(`/api/v1/account/me/payment-methods/${visa}`).set(as(shopper))).status).to.equal(200);
    await app.deps.readModels.collection(IDEMPOTENCY_COLLECTION).deleteMany({});
    const again = await appendsNothing(app, () => checkout({ paymentMethodId: visa }).set('Idempotency-Key', 'checkout-saved-1'));
    expect(again.status, JSON.stringify(again.body)).to.equal(202);
    expect(again.body.orderId).to.equal(first.body.orderId);
    expect(await orderEvents()).to.have.length(1);
  });

  it('refuses a removed method (422), placing nothing', async () => {
    const visa = await saved('tok_visa');
    expect((await app.http().delete(`/api/v1/account/me/payment-methods/${visa}`).set(as(shopper))).status).to.equal(200);
    await addToCart(app, shopper, productId, 1);
    const res = await placesNothing(() => checkout({ paymentMethodId: visa }), 422);
    expect(res.body.detail).to.match(/removed/);
  });

  it("refuses another customer's method, and an id no one saved (422), placing nothing", async () => {
    const other = await app.customer('Other');
    const theirs = await saved('tok_visa', other);
    await addToCart(app, shopper, productId, 1);
    const res = await placesNothing(() => checkout({ paymentMethodId: theirs }), 422);
    expect(res.body.detail).to.equal('no saved payment method of yours has this id');
    await placesNothing(() => checkout({ paymentMethodId: '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b' }), 422);
  });

  for (const [what, paymentMethod, field] of [
    ['both a token and a method', { token: 'tok_visa', paymentMethodId: '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b' }, 'paymentMethod'],
    ['neither', {}, 'paymentMethod'],
    ['a method id that is no UUID', { paymentMethodId: 'card-1' }, 'paymentMethod.paymentMethodId'],
    ['a null token', { token: null }, 'paymentMethod.token'],
  ] as const) {
    it(`refuses ${what} (400 naming ${field}), placing nothing`, async () => {
      await addToCart(app, shopper, productId, 1);
      const res = await placesNothing(() => checkout(paymentMethod), 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
    });
  }

  it('refuses a card number as the token (400), never echoing it, placing nothing', async () => {
    await addToCart(app, shopper, productId, 1);
    const res = await placesNothing(() => checkout({ token: '4000 0566 5566 5556' }), 400);
    expect(res.body.errors).to.deep.equal([{ field: 'paymentMethod.token', message: "looks like a card number: send the payment provider's token for the card, never the card number" }]);
    expect(JSON.stringify(res.body)).to.not.match(/4000|5556/);
  });

  it('still pays with a token', async () => {
    await addToCart(app, shopper, productId, 1);
    const res = await checkout({ token: 'tok_mastercard' });
    expect(res.status).to.equal(202);
    await orderReaches(app, shopper.token, res.body.orderId as string, ['Confirmed']);
    expect((await orderEvents())[0]!.data.paymentMethod).to.deep.equal({ token: 'tok_mastercard' });
  });
});
