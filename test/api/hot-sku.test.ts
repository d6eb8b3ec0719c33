import { expect } from 'chai';
import { evolve, initialState, type InventoryEvent } from '../../src/domain/inventory/inventory.js';
import { addToCart, checkout, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** 30 customers race for the last 10 units of one SKU. */
describe('a hot SKU', function () {
  this.timeout(60_000);
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  it('confirms exactly 10 orders, fails and refunds the other 20 once each, and never goes below zero', async () => {
    const admin = await app.adminToken();
    const { productId, sku } = await stockedProduct(app, admin, 10, 999);
    const shoppers: Shopper[] = [];
    for (let i = 0; i < 30; i += 1) shoppers.push(await app.customer(`Buyer ${i}`));
    for (const shopper of shoppers) await addToCart(app, shopper, productId, 1);

    const placed = await Promise.all(shoppers.map((shopper) => checkout(app, shopper)));
    expect(placed.map((res) => res.status)).to.deep.equal(Array(30).fill(202));
    const orders = await Promise.all(
      placed.map((res, i) => orderReaches(app, shoppers[i]!.token, res.body.orderId, ['Confirmed', 'Failed'], undefined, 30_000)),
    );
    const confirmed = orders.filter((o) => o.status === 'Confirmed');
    const failed = await Promise.all(
      orders.filter((o) => o.status === 'Failed').map((o) => orderReaches(app, admin, o.orderId, ['Failed'], 'Refunded', 30_000)),
    );
    expect(confirmed).to.have.length(10);
    expect(failed).to.have.length(20);
    for (const order of failed) expect(order.failureReason).to.equal('out-of-stock');

    const events = await app.events();
    const refunded = events.filter((e) => e.type === 'PaymentRefunded').map((e) => e.data.paymentId);
    expect(refunded).to.have.length(20);
    expect(new Set(refunded).size).to.equal(20);
    expect(new Set(refunded)).to.deep.equal(new Set(failed.map((o) => o.payment.paymentId)));
    const ledger = await app.provider.entries();
    expect(ledger.filter((e) => e.kind === 'charge')).to.have.length(30);
    expect(ledger.filter((e) => e.kind === 'refund')).to.have.length(20);

    // Replay the SKU's stream: available stock is never negative at any point.
    const stream = events.filter((e) => e.streamName === `inventory-${sku}`) as unknown as InventoryEvent[];
    let state = initialState();
    for (const event of stream) {
      state = evolve(state, event);
      if (state.status === 'Tracked') expect(state.onHand - state.reserved, `after ${event.type}`).to.be.at.least(0);
    }
    expect(state).to.deep.include({ onHand: 10, reserved: 10 });
    await app.settled();
    const level = await app.http().get(`/api/v1/inventory/${sku}`).set('Authorization', `Bearer ${admin}`);
    expect(level.body).to.deep.equal({ sku, onHand: 10, reserved: 10, available: 0, threshold: 5, lowStock: true, outOfStock: true, waiting: 0 });
  });
});
