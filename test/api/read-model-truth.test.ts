import { expect } from 'chai';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { addToCart, buy, checkoutThenLoseStock, eventsOf, getOrder, levelsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** What one read model copies of another aggregate follows every event that changes it there. */
describe('read models tell the truth over HTTP', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp({ paymentTimeoutMs: 400 });
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const asAdmin = (path: string) => app.http().get(path).set('Authorization', `Bearer ${admin}`);

  it("shows a cancelled order's shipment as the shipment itself does: Cancelled", async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };

    expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`)).status).to.equal(202);
    await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
    await app.settled();

    const shipment = await asAdmin(`/api/v1/shipments/${shipmentId}`);
    expect(shipment.status).to.equal(200);
    expect(shipment.body.status).to.equal('Cancelled');
    const order = (await getOrder(app, shopper.token, orderId)).body;
    expect(order.shipment).to.deep.equal({ shipmentId, status: shipment.body.status, trackingNumber: null });
    const adminView = (await asAdmin(`/api/v1/orders/${orderId}`)).body;
    expect(adminView.shipment.status).to.equal('Cancelled');
  });

  it('rebuilds, at the next start, an orders read model folded before the fix', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined);
    await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
    await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
    await app.settled();
    // What version 1 of the projection folded, and says it folded.
    await app.store.collection('orders').updateOne({ _id: orderId }, { $set: { 'shipment.status': 'Preparing' } });
    await app.store.collection('checkpoints').updateOne({ _id: 'orders' }, { $unset: { version: '' } });

    const restarted = new ProjectionRunner({ eventStore: app.deps.eventStore, readModels: app.store, schema: app.deps.schema, logger: app.deps.logger }, ALL_PROJECTIONS);
    await restarted.start();
    await restarted.stop();
    expect(restarted.outdated).to.deep.equal(['orders']);
    await app.deps.rebuilds.startOutdated(restarted.outdated);
    const order = await eventually(async () => {
      const body = (await getOrder(app, shopper.token, orderId)).body;
      return body.shipment.status === 'Cancelled' ? body : undefined;
    });
    expect(order.shipment.status).to.equal('Cancelled');
  });

  it("keeps a SKU's ETag current through a refused reservation: If-Match with it is not refused", async () => {
    const { productId, sku } = await stockedProduct(app, admin, 2);
    await addToCart(app, shopper, productId, 2);
    // The stock goes after the checkout took it: this order's reservation is refused (StockReservationFailed).
    const placed = await checkoutThenLoseStock(app, admin, shopper, sku, -1);
    await orderReaches(app, shopper.token, placed.body.orderId, ['Failed']);
    expect(await eventsOf(app, 'StockReservationFailed', (e) => e.data.sku === sku)).to.have.length(1);
    await app.settled();

    const level = await asAdmin(`/api/v1/inventory/${sku}`);
    const revision = (await app.deps.eventStore.readStream(`inventory-${sku}`)).length - 1;
    expect(level.headers.etag).to.equal(`"${revision}"`);
    const received = await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).set('If-Match', level.headers.etag!).send({ quantity: 3 });
    expect(received.status, JSON.stringify(received.body)).to.equal(200);
    expect(received.body).to.include({ onHand: 4 });
    expect(await levelsOf(app, admin, sku)).to.include({ reserved: 0 });
  });

  it('recommends nothing from an order that was cancelled', async () => {
    const first = await stockedProduct(app, admin, 5);
    const second = await stockedProduct(app, admin, 5);
    await addToCart(app, shopper, first.productId, 1);
    const orderId = await buy(app, shopper, second.productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const recommended = async () => (await app.http().get(`/api/v1/recommendations?productId=${first.productId}`)).body.items.map((i: { productId: string }) => i.productId);
    expect(await eventually(async () => ((await recommended()).length > 0 ? recommended() : undefined))).to.deep.equal([second.productId]);

    await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
    await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
    await app.settled();
    expect(await recommended()).to.deep.equal([]);
  });
});
