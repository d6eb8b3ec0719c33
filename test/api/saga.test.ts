import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { ADDRESS, addToCart, buy, checkoutThenLoseStock, eventsOf, getOrder, levelsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('the order saga over HTTP', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp({ paymentTimeoutMs: 400 });
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const adminPost = (path: string, body: object = {}) => app.http().post(path).set('Authorization', `Bearer ${admin}`).send(body);
  const notifications = async (who: Shopper) =>
    (await app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${who.token}`)).body.items as Array<{ type: string; orderId: string; subject: string; sentAt: string }>;
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

  it('takes an order from checkout to delivered: paid, stock reserved, shipped, delivered, with emails', async () => {
    const { productId, sku } = await stockedProduct(app, admin, 5, 1500);
    const orderId = await buy(app, shopper, productId, 2);

    const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
    expect(confirmed.history.map((h: { status: string }) => h.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
    expect(confirmed.total).to.deep.equal({ amount: 3000, currency: 'USD' });
    const shipment = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string; status: string };
    expect(shipment.status).to.equal('Preparing');
    await app.settled();
    expect(await levelsOf(app, admin, sku)).to.include({ onHand: 5, reserved: 2, available: 3 });
    const payment = await app.http().get(`/api/v1/payments/${confirmed.payment.paymentId}`).set('Authorization', `Bearer ${shopper.token}`);
    expect(payment.body).to.deep.include({ orderId, status: 'Captured', refunded: false, amount: { amount: 3000, currency: 'USD' } });

    const dispatched = await adminPost(`/api/v1/shipments/${shipment.shipmentId}/dispatch`);
    expect(dispatched.status).to.equal(200);
    expect(dispatched.body.trackingNumber).to.match(/^TRK[0-9A-F]{16}$/);
    const shipped = await orderReaches(app, shopper.token, orderId, ['Shipped']);
    expect(shipped.shipment).to.deep.equal({ shipmentId: shipment.shipmentId, status: 'Shipped', trackingNumber: dispatched.body.trackingNumber });
    await eventually(async () => ((await eventsOf(app, 'StockDispatched', ofOrder(orderId))).length === 1 ? true : undefined));
    await app.settled();
    expect(await levelsOf(app, admin, sku)).to.include({ onHand: 3, reserved: 0, available: 3 });

    expect((await adminPost(`/api/v1/shipments/${shipment.shipmentId}/deliver`)).status).to.equal(200);
    const delivered = await orderReaches(app, shopper.token, orderId, ['Delivered']);
    expect(delivered.history.map((h: { status: string }) => h.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered']);

    const sent = await eventually(async () => {
      const items = await notifications(shopper);
      return items.length === 3 ? items : undefined;
    });
    expect(sent.map((n) => n.type).sort()).to.deep.equal(['OrderCreated', 'OrderDelivered', 'OrderShipped']);
    expect(sent.every((n) => n.orderId === orderId && n.subject.length > 0 && Date.parse(n.sentAt) > 0)).to.equal(true);
    expect(await eventsOf(app, 'PaymentProcessed', ofOrder(orderId))).to.have.length(1);
  });

  for (const [token, reason] of [['tok_declined', 'declined'], ['tok_insufficient_funds', 'insufficient-funds']] as const) {
    it(`fails the order when the card is refused (${token}), reserving nothing`, async () => {
      const { productId, sku } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId, 1, token);
      const failed = await orderReaches(app, shopper.token, orderId, ['Failed'], 'Failed');
      expect(failed.failureReason).to.equal('payment-declined');
      expect((await eventsOf(app, 'PaymentFailed', ofOrder(orderId)))[0]!.data.reason).to.equal(reason);
      expect(await eventsOf(app, 'StockReserved', ofOrder(orderId))).to.deep.equal([]);
      await app.settled();
      expect(await levelsOf(app, admin, sku)).to.include({ onHand: 5, reserved: 0 });
      await eventually(async () => ((await notifications(shopper)).some((n) => n.type === 'PaymentFailed') ? true : undefined));
    });
  }

  it('fails the order when the provider never answers, after PAYMENT_TIMEOUT_MS', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1, 'tok_timeout');
    const pending = await getOrder(app, shopper.token, orderId);
    expect(pending.body.status).to.be.oneOf(['Pending']);
    const failed = await orderReaches(app, shopper.token, orderId, ['Failed'], 'Failed');
    expect(failed.failureReason).to.equal('payment-timeout');
    expect((await eventsOf(app, 'PaymentFailed', ofOrder(orderId)))[0]!.data.reason).to.equal('timeout');
  });

  it('releases what it reserved and refunds once when a line cannot be reserved, then fails the order', async () => {
    const plenty = await stockedProduct(app, admin, 5);
    const scarce = await stockedProduct(app, admin, 1);
    await addToCart(app, shopper, plenty.productId, 2);
    await addToCart(app, shopper, scarce.productId, 1);
    // The last unit breaks after the checkout took it, before the saga reserves it.
    const placed = await checkoutThenLoseStock(app, admin, shopper, scarce.sku, -1);
    const orderId = placed.body.orderId as string;

    const failed = await orderReaches(app, shopper.token, orderId, ['Failed'], 'Refunded');
    expect(failed.failureReason).to.equal('out-of-stock');
    expect((await eventsOf(app, 'StockReservationFailed', ofOrder(orderId))).map((e) => e.data.sku)).to.deep.equal([scarce.sku]);
    expect(await eventsOf(app, 'PaymentRefunded', ofOrder(orderId))).to.have.length(1);
    await eventually(async () => ((await eventsOf(app, 'StockReleased', ofOrder(orderId))).length === 1 ? true : undefined));
    await app.settled();
    expect(await levelsOf(app, admin, plenty.sku)).to.include({ onHand: 5, reserved: 0, available: 5 });
    const refunds = (await app.provider.entries()).filter((e) => e.kind === 'refund');
    expect(refunds).to.have.length(1);
    await eventually(async () => ((await notifications(shopper)).some((n) => n.type === 'PaymentRefunded') ? true : undefined));
  });

  it("answers the payment an order names from the order's first read: Pending before the saga requests it, not 404", async () => {
    const { productId } = await stockedProduct(app, admin, 5, 1500);
    const saga = app.deps.processes.find((p) => p.name === 'order-saga')!;
    await saga.stop(); // the payment is not requested yet: the order alone names it
    const orderId = await buy(app, shopper, productId, 1);
    const order = (await getOrder(app, shopper.token, orderId)).body;
    expect(order.payment.status).to.equal('Pending');
    const payment = await app.http().get(`/api/v1/payments/${order.payment.paymentId}`).set('Authorization', `Bearer ${shopper.token}`);
    expect(payment.status, JSON.stringify(payment.body)).to.equal(200);
    expect(payment.body).to.deep.equal({ paymentId: order.payment.paymentId, orderId, status: 'Pending', amount: { amount: 1500, currency: 'USD' }, refunded: false, failureReason: null, refundReason: null });
    expect(await eventsOf(app, 'PaymentRequested', ofOrder(orderId))).to.deep.equal([]);
    const other = await app.customer('Other');
    expectProblem(await app.http().get(`/api/v1/payments/${order.payment.paymentId}`).set('Authorization', `Bearer ${other.token}`), 404);
    await saga.start();
    expect((await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured')).payment.status).to.equal('Captured');
  });

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

  it('parks an event whose handling keeps failing, shows it to admins, and goes on with the events behind it', async () => {
    const poison = uuid();
    await app.deps.eventStore.appendToStream(`order-${poison}`, [
      { id: uuid(), type: 'OrderCreated', data: { orderId: poison, customerId: shopper.customerId, lines: null, paymentMethod: null }, metadata: {} },
    ]);
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const parked = await eventually(async () => {
      const res = await app.http().get('/api/v1/admin/parked-events').set('Authorization', `Bearer ${admin}`);
      return res.body.total === 2 ? res.body : undefined;
    });
    expect(parked.items.map((p: { processManager: string }) => p.processManager).sort()).to.deep.equal(['notifications', 'order-saga']);
    for (const item of parked.items) {
      expect(item).to.include({ eventType: 'OrderCreated', streamName: `order-${poison}` });
      expect(item.error).to.match(/TypeError/);
    }
    const { token } = await app.customer();
    expectProblem(await app.http().get('/api/v1/admin/parked-events').set('Authorization', `Bearer ${token}`), 403);
  });
});
