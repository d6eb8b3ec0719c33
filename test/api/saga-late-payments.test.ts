import { expect } from 'chai';
import { buy, eventsOf, levelsOf, orderReaches, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/** The saga when the provider's answer comes late, or is lost: money taken all the same is given back. */
describe('the order saga over HTTP, when the provider answers late', () => {
  let opened: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(opened.map((app) => app.close()));
    opened = [];
  });
  /** The shop with a payment timeout of 400 ms and the provider as `options` wraps it. */
  const start = async (options: TestAppOptions) => {
    const app = await startTestApp({ paymentTimeoutMs: 400, ...options });
    opened.push(app);
    return { app, admin: await app.adminToken(), shopper: await app.customer() };
  };
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

  it('refunds money captured by a charge that was already under way when the order was cancelled', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { app, admin, shopper } = await start({
      provider: (simulated) => ({
        charge: async (request) => (await gate, simulated.charge(request)),
        refund: (request) => simulated.refund(request),
        findCharge: (key) => simulated.findCharge(key),
        describeToken: (token) => simulated.describeToken(token),
      }),
    });
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'charge-payment', lockedUntil: { $gt: 0 } })) === 1 ? true : undefined));
    await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
    await eventually(async () => (await eventsOf(app, 'PaymentFailed', ofOrder(orderId)))[0]);
    release();
    const order = await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
    expect(order.history.map((h: { status: string }) => h.status)).to.deep.equal(['Pending', 'Cancelled']);
    const late = await eventsOf(app, 'PaymentRefundRequested', ofOrder(orderId));
    expect(late.map((e) => e.data.reason)).to.deep.equal(['captured-after-failure']);
    expect(await eventsOf(app, 'PaymentCapturedLate', ofOrder(orderId))).to.have.length(1);
    expect(await eventsOf(app, 'StockReserved', ofOrder(orderId))).to.deep.equal([]);
  });

  it('refunds a capture whose answer was lost until the payment had failed: it asks the provider, it does not charge again', async () => {
    let charges = 0;
    const { app, admin, shopper } = await start({
      paymentTimeoutMs: 300,
      provider: (simulated) => ({
        // The first attempt is captured, but its answer is lost until the payment has timed out.
        charge: async (request) => {
          charges += 1;
          await simulated.charge(request);
          if (charges === 1) {
            await eventually(async () => (await eventsOf(app, 'PaymentFailed'))[0], 5_000);
            throw new Error('connection reset before the answer arrived');
          }
          return simulated.charge(request);
        },
        refund: (request) => simulated.refund(request),
        findCharge: (key) => simulated.findCharge(key),
        describeToken: (token) => simulated.describeToken(token),
      }),
    });
    const { productId, sku } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    const order = await orderReaches(app, shopper.token, orderId, ['Failed'], 'Refunded');
    expect(order.failureReason).to.equal('payment-timeout');
    expect(charges, 'charge calls').to.equal(1);
    expect((await eventsOf(app, 'PaymentRefundRequested', ofOrder(orderId))).map((e) => e.data.reason)).to.deep.equal(['captured-after-timeout']);
    expect(await eventsOf(app, 'PaymentCapturedLate', ofOrder(orderId))).to.have.length(1);
    expect(await eventsOf(app, 'PaymentRefunded', ofOrder(orderId))).to.have.length(1);
    const ledger = await app.provider.entries();
    expect(ledger.map((e) => e.kind).sort()).to.deep.equal(['charge', 'refund']);
    await app.settled();
    expect(await levelsOf(app, admin, sku)).to.include({ onHand: 5, reserved: 0 });
  });
});
