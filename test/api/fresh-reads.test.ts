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

  it('answers 503 read-models-behind, not a hang and not 404, when the read models are not running to catch up', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    await app.settled();
    await app.deps.projections.stop();
    const orderId = await buy(app, shopper, productId, 1);
    const started = Date.now();
    const behind = await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`);
    expectProblem(behind, 503);
    expect(behind.body.type).to.equal('urn:shop:problem:read-models-behind');
    expect(behind.headers['retry-after']).to.equal('1');
    expect(Date.now() - started, 'bounded by the catch-up wait').to.be.below(5_000);
    // What the log does not hold is still 404 once they run again, and the order is there.
    await app.deps.projections.start();
    await app.settled();
    expect((await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`)).status).to.equal(200);
    expectProblem(await app.http().get(`/api/v1/orders/${uuid()}`).set('Authorization', `Bearer ${admin}`), 404);
  });
});

/**
 * Read-your-writes whose wait runs out (the read models stopped, or another process taking
 * them over from one that died): the read is refused, never answered older than the caller's
 * own write (a probe had an empty cart answered right after an item was added).
 */
describe('Reads of a caller whose last write the read models have not reached', () => {
  let app: TestApp;
  let shopper: Shopper;
  let productId: string;
  beforeEach(async () => {
    app = await startTestApp({ readWaitMs: 300 });
    const admin = await app.adminToken();
    shopper = await app.customer();
    ({ productId } = await stockedProduct(app, admin, 5));
    await app.settled();
  });
  afterEach(async () => app.close());

  it('answers 503 read-models-behind with Retry-After rather than a cart without the item just added, and the cart once they catch up', async () => {
    await app.deps.projections.stop();
    const added = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity: 2 });
    expect(added.status, JSON.stringify(added.body)).to.equal(200);
    const read = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
    expectProblem(read, 503);
    expect(read.body.type).to.equal('urn:shop:problem:read-models-behind');
    expect(read.headers['retry-after']).to.equal('1');
    expect(read.body.detail).to.include(added.headers['x-position']);
    // Another customer, whose writes the read models have, reads on meanwhile.
    const other = await app.customer();
    expect((await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${other.token}`)).status).to.equal(200);
    await app.deps.projections.start();
    const again = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
    expect(again.status).to.equal(200);
    expect(again.body.items).to.have.length(1);
  });

  it('answers 503 for an X-Min-Position not reached in time, and 400 for one past the end of the log', async () => {
    const head = await app.head();
    await app.deps.projections.stop();
    await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity: 1 });
    const ahead = await app.http().get(`/api/v1/products/${productId}`).set('X-Min-Position', String(head + 1));
    expectProblem(ahead, 503);
    expect(ahead.body.type).to.equal('urn:shop:problem:read-models-behind');
    const past = await app.http().get(`/api/v1/products/${productId}`).set('X-Min-Position', String(head + 1_000));
    expectProblem(past, 400);
    expect(past.body.errors).to.deep.equal([{ field: 'X-Min-Position', message: 'must be a position of the log (from an X-Position)' }]);
    await app.deps.projections.start();
  });
});
