import { expect } from 'chai';
import { ADDRESS, buy, eventsOf, getOrder, levelsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, type TestApp } from '../support/test-app.js';
import { sagaCalls, startSagaShop } from './saga-fixture.js';

/**
 * The order saga over HTTP, what is done to an order once placed: cancelling it (refunded,
 * voided, or refused once shipped), amending its shipping address, and who may see it or act
 * on it. An order's way through the saga itself: saga.test.ts.
 */

describe('the order saga over HTTP', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    ({ app, admin, shopper } = await startSagaShop());
  });
  afterEach(async () => app.close());

  const { adminPost, notifications, ofOrder } = sagaCalls(() => ({ app, admin, shopper }));

  describe('cancelling', () => {
    it('cancels a confirmed order (202): stock released, payment refunded; again is a no-op', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId, 3);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const res = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
      expect(res.status).to.equal(202);
      expect(res.body).to.include({ orderId, status: 'Cancelled' });
      const cancelled = await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
      expect(cancelled.history.at(-1).status).to.equal('Cancelled');
      await eventually(async () => ((await eventsOf(app, 'StockReleased', ofOrder(orderId))).length === 1 ? true : undefined));
      await app.settled();
      expect(await levelsOf(app, admin, sku)).to.include({ onHand: 5, reserved: 0 });
      const again = await appendsNothing(app, () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`));
      expect(again.status).to.equal(202);
      expect(await eventsOf(app, 'PaymentRefunded', ofOrder(orderId))).to.have.length(1);
      await eventually(async () => ((await notifications(shopper)).some((n) => n.type === 'OrderCancelled') ? true : undefined));
    });

    it('voids a payment still pending when the order is cancelled: it is never charged', async () => {
      const { productId } = await stockedProduct(app, admin, 5);
      await app.deps.jobs.stop(); // the provider has not been called yet
      const orderId = await buy(app, shopper, productId, 1);
      await orderReaches(app, shopper.token, orderId, ['Pending']);
      expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${admin}`)).status).to.equal(202);
      const voided = await eventually(async () => (await eventsOf(app, 'PaymentFailed', ofOrder(orderId)))[0]);
      expect(voided.data.reason).to.equal('voided');
      app.deps.jobs.start();
      await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Failed');
      await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'charge-payment' })) === 0 ? true : undefined));
      expect((await app.provider.entries()).filter((e) => e.kind === 'charge')).to.deep.equal([]);
      expect(await eventsOf(app, 'StockReserved', ofOrder(orderId))).to.deep.equal([]);
    });

    it('refuses to cancel or amend a shipped order (409), appending nothing', async () => {
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId, 1);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
      await adminPost(`/api/v1/shipments/${shipmentId}/dispatch`, { trackingNumber: 'UPS-123456' });
      const cancel = await appendsNothing(app, () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`));
      expectProblem(cancel, 409);
      const amend = await appendsNothing(app, () =>
        app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: { ...ADDRESS, city: 'Shelbyville' } }),
      );
      expectProblem(amend, 409);
      expect((await getOrder(app, shopper.token, orderId)).body.shipment.trackingNumber).to.equal('UPS-123456');
    });

    it('refuses to dispatch the shipment of a cancelled order (409)', async () => {
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId, 1);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
      await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
      expectProblem(await appendsNothing(app, () => adminPost(`/api/v1/shipments/${shipmentId}/dispatch`)), 409);
    });
  });

  it('amends the shipping address before shipping (200): the order and its shipment show it', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const moved = { line1: '742 Evergreen Terrace', city: 'Springfield', postalCode: '49007', country: 'US' };
    const res = await app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: moved });
    expect(res.status).to.equal(200);
    expect(res.body.shippingAddress).to.deep.equal(moved);
    expect(await eventsOf(app, 'OrderAmended', ofOrder(orderId))).to.have.length(1);
    const order = await eventually(async () => {
      const body = (await getOrder(app, shopper.token, orderId)).body;
      return body.shippingAddress.line1 === moved.line1 ? body : undefined;
    });
    const shipment = await eventually(async () => {
      const body = (await app.http().get(`/api/v1/shipments/${order.shipment.shipmentId}`).set('Authorization', `Bearer ${admin}`)).body;
      return body.shippingAddress?.line1 === moved.line1 ? body : undefined;
    });
    expect(shipment.status).to.equal('Preparing');
  });

  it("hides another customer's order, payment and actions (404), and lets admins see and filter all orders", async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1, 'tok_declined');
    const order = await orderReaches(app, shopper.token, orderId, ['Failed']);
    const stranger = await app.customer('Stranger');
    const as = (path: string) => app.http().get(path).set('Authorization', `Bearer ${stranger.token}`);
    expectProblem(await as(`/api/v1/orders/${orderId}`), 404);
    expectProblem(await as(`/api/v1/payments/${order.payment.paymentId}`), 404);
    expectProblem(await appendsNothing(app, () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${stranger.token}`)), 404);
    expect((await as('/api/v1/orders')).body).to.deep.include({ items: [], total: 0 });

    const all = await app.http().get(`/api/v1/orders?status=Failed&customerId=${shopper.customerId}`).set('Authorization', `Bearer ${admin}`);
    expect(all.body.items.map((o: { orderId: string }) => o.orderId)).to.deep.equal([orderId]);
    expect((await app.http().get('/api/v1/orders?status=Confirmed').set('Authorization', `Bearer ${admin}`)).body.total).to.equal(0);
    expect((await app.http().get('/api/v1/orders').set('Authorization', `Bearer ${shopper.token}`)).body.total).to.equal(1);
  });
});
