import { expect } from 'chai';
import type supertest from 'supertest';
import { addToCart, checkout, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A cart's lines were available when they were added; a checkout finds what the log holds
 * available now. A line the shop has not enough of is refused before anything is placed
 * (409 out-of-stock), so that no order is created, charged and refunded for stock the shop
 * knew it lacked (a black-box probe had a sold-out cart's order charged, refunded and its
 * cart emptied).
 */
describe('Checkout of lines the shop has not enough of', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const adjust = async (sku: string, delta: number) => {
    const res = await app.http().post(`/api/v1/inventory/${sku}/adjustments`).set('Authorization', `Bearer ${admin}`).send({ delta, reason: 'counted' });
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
  };
  const causedBy = async (res: supertest.Response) => (await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']);
  const cart = async () => (await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`)).body;

  it('refuses it (409 out-of-stock naming each short line), placing, charging and emptying nothing; the cart changed, it orders', async () => {
    const mug = await stockedProduct(app, admin, 3, 2500);
    const pen = await stockedProduct(app, admin, 10, 300);
    await addToCart(app, shopper, mug.productId, 3);
    await addToCart(app, shopper, pen.productId, 2);
    await adjust(mug.sku, -2);
    // The read models show it (a checkout looks in the log when they show too little; one a moment behind lets the saga fail the order).
    await app.settled();
    const before = await cart();

    const refused = await checkout(app, shopper);
    expectProblem(refused, 409);
    expect(refused.body.type).to.equal('urn:shop:problem:out-of-stock');
    expect(refused.body.shortages).to.deep.equal([{ productId: mug.productId, sku: mug.sku, name: 'Widget', quantity: 3, available: 1 }]);
    expect(refused.body.detail).to.match(/1 available, 3 in the cart/);
    expect(await causedBy(refused), 'nothing appended').to.deep.equal([]);
    expect(await eventsOf(app, 'OrderCreated')).to.have.length(0);
    expect(await eventsOf(app, 'PaymentRequested')).to.have.length(0);
    expect(await cart(), 'the cart as it was').to.deep.equal(before);

    const lowered = await app.http().patch(`/api/v1/cart/items/${mug.productId}`).set('Authorization', `Bearer ${shopper.token}`).send({ quantity: 1 });
    expect(lowered.status, JSON.stringify(lowered.body)).to.equal(200);
    const placed = await checkout(app, shopper);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    await orderReaches(app, shopper.token, placed.body.orderId as string, ['Confirmed']);
  });

  it('looks in the log when the read models show too little: stock received a moment ago counts', async () => {
    const lamp = await stockedProduct(app, admin, 1, 4000);
    await addToCart(app, shopper, lamp.productId, 1);
    await adjust(lamp.sku, -1);
    await app.settled();
    // The read models show none; the log has one again, before they fold it.
    const projections = app.deps.projections;
    await projections.stop();
    try {
      await adjust(lamp.sku, 1);
      const placed = await checkout(app, shopper);
      expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    } finally {
      await projections.start();
    }
  });

  it('counts what orders placed before it reserved: the second of two carts for the last units is refused once the first is confirmed', async () => {
    const lamp = await stockedProduct(app, admin, 2, 4000);
    const other = await app.customer();
    await addToCart(app, shopper, lamp.productId, 2);
    await addToCart(app, other, lamp.productId, 1);
    const first = await checkout(app, shopper);
    expect(first.status).to.equal(202);
    await orderReaches(app, shopper.token, first.body.orderId as string, ['Confirmed']);
    const second = await checkout(app, other);
    expectProblem(second, 409);
    expect(second.body.shortages).to.deep.equal([{ productId: lamp.productId, sku: lamp.sku, name: 'Widget', quantity: 1, available: 0 }]);
    expect(await eventsOf(app, 'OrderCreated')).to.have.length(1);
  });
});
