import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { addToCart, buy, checkoutThenLoseStock, eventsOf, getOrder, levelsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, type TestApp } from '../support/test-app.js';
import { sagaCalls, startSagaShop } from './saga-fixture.js';

/**
 * The order saga over HTTP, an order's way through it: paid, reserved, shipped and delivered;
 * failed by a refused card, a provider that never answers or stock that cannot be reserved;
 * its payment read before it is requested; an event it cannot handle parked. Cancelling,
 * amending and who may see an order: saga-order-actions.test.ts; a provider answering late:
 * saga-late-payments.test.ts.
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
