import { expect } from 'chai';
import { addToCart, buy, checkout, eventsOf, orderReaches, stockedProduct } from '../support/shop.js';
import { registerGauges } from '../../src/api/gauges.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Admission control (src/admission/order-backlog.ts): while the order saga is further behind
 * than ORDER_BACKLOG_LIMIT_MS, a checkout is refused at the door (503 orders-backlogged,
 * Retry-After) and places nothing; once the saga has caught up, the same checkout is taken.
 */
describe('Checkout while the order saga is far behind', () => {
  let app: TestApp;
  afterEach(async () => app.close());

  const start = async (options: Parameters<typeof startTestApp>[0] = {}) => {
    app = await startTestApp(options);
    registerGauges(app.deps);
  };
  const saga = () => app.deps.processes.find((p) => p.name === 'order-saga')!;
  const metric = async (name: string) => {
    const line = (await app.http().get('/metrics')).text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it('refuses a checkout with 503 orders-backlogged and Retry-After, places nothing and leaves the cart; takes it (same Idempotency-Key) once the saga caught up', async () => {
    await start({ orderBacklogLimitMs: 300, orderBacklogRefreshMs: 0 });
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const first = await app.customer();
    const second = await app.customer();
    // The saga stops: the order placed now waits for it, and grows old.
    await saga().stop();
    const waiting = await buy(app, first, productId, 1);
    await addToCart(app, second, productId, 2);
    expect(await metric('order_backlog_seconds')).to.be.below(0.3);
    await sleep(400);

    const refused = await appendsNothing(app, () => checkout(app, second, 'tok_visa', 'second-checkout'));
    expectProblem(refused, 503);
    expect(refused.body.type).to.equal('urn:shop:problem:orders-backlogged');
    expect(refused.body.detail).to.match(/nothing was placed/);
    expect(Number(refused.headers['retry-after'])).to.be.within(1, 30);
    const cart = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${second.token}`);
    expect(cart.body.items.map((item: { productId: string; quantity: number }) => [item.productId, item.quantity])).to.deep.equal([[productId, 2]]);
    expect(await metric('checkouts_refused_total')).to.equal(1);
    expect(await metric('order_backlog_seconds')).to.be.above(0.3);

    // Caught up: the waiting order goes on, and the refused checkout (its 503 not stored under its key) is taken.
    await saga().start();
    await orderReaches(app, first.token, waiting, ['Confirmed']);
    const taken = await checkout(app, second, 'tok_visa', 'second-checkout');
    expect(taken.status, JSON.stringify(taken.body)).to.equal(202);
    expect(taken.headers['idempotent-replayed']).to.equal(undefined);
    await orderReaches(app, second.token, taken.body.orderId, ['Confirmed']);
    expect((await eventsOf(app, 'OrderCreated')).map((e) => e.data.customerId)).to.deep.equal([first.customerId, second.customerId]);
    // The saga may still be on the order's last steps: caught up within a moment.
    await eventually(async () => ((await metric('order_backlog_seconds')) === 0 ? true : undefined));
  });

  it('answers a bad checkout 400 before it looks at the backlog, and an empty cart 422 only once admitted', async () => {
    await start({ orderBacklogLimitMs: 100, orderBacklogRefreshMs: 0 });
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const shopper = await app.customer();
    await saga().stop();
    await buy(app, shopper, productId, 1);
    await sleep(200);
    const malformed = await appendsNothing(app, () => app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: {} }));
    expectProblem(malformed, 400);
    expectProblem(await checkout(app, shopper), 503);
    await saga().start();
    await eventually(async () => ((await metric('order_backlog_seconds')) === 0 ? true : undefined));
    expectProblem(await checkout(app, shopper), 422);
  });

  it('takes every checkout while the saga keeps up (the default limit)', async () => {
    await start();
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const shopper = await app.customer();
    for (let i = 0; i < 3; i += 1) await orderReaches(app, shopper.token, await buy(app, shopper, productId, 1), ['Confirmed']);
    expect(await metric('checkouts_refused_total')).to.equal(0);
  });
});
