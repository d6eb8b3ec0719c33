import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { buy, stockedProduct, type Shopper } from '../support/shop.js';
import { createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A read of one thing by id believes a miss only once the read models have caught up with the
 * log (bounded): read-your-writes covers the caller's own writes, not another's.
 */
describe('Reads by id while the read models lag', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  /** Makes every batch the projections fold wait `ms` first, as a busy shop's do; undone by the returned function. */
  const lagging = (ms: number) => {
    const runner = app.deps.projections;
    const apply = runner.apply.bind(runner);
    runner.apply = async (events) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return apply(events);
    };
    return () => void (runner.apply = apply);
  };

  it("answers an admin the order a customer placed a moment ago, not 404", async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    await app.settled();
    const caughtUp = lagging(300);
    const orderId = await buy(app, shopper, productId, 1);
    const order = await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`);
    caughtUp();
    expect(order.status, JSON.stringify(order.body)).to.equal(200);
    expect(order.body).to.include({ orderId, customerId: shopper.customerId });
  });

  it('answers anyone a product an admin created a moment ago', async () => {
    const caughtUp = lagging(300);
    const { productId, sku } = await createProduct(app, admin, { price: 900 });
    const product = await app.http().get(`/api/v1/products/${productId}`);
    caughtUp();
    expect(product.status, JSON.stringify(product.body)).to.equal(200);
    expect(product.body).to.include({ productId, sku });
  });

  it('still answers 404 for what the log does not hold, and for another customer\'s order', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await app.settled();
    expectProblem(await app.http().get(`/api/v1/orders/${uuid()}`).set('Authorization', `Bearer ${admin}`), 404);
    expectProblem(await app.http().get(`/api/v1/products/${uuid()}`), 404);
    const other = await app.customer();
    expectProblem(await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${other.token}`), 404);
  });

  it('answers 404, not a hang, when the read models are not running to catch up', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    await app.settled();
    await app.deps.projections.stop();
    const orderId = await buy(app, shopper, productId, 1);
    expectProblem(await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`), 404);
    await app.deps.projections.start();
  });
});
