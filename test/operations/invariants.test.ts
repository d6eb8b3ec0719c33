import { expect } from 'chai';
import type { Update } from '../../src/infrastructure/read-models/read-model-store.js';
import { CREATION_GRACE_MS } from '../../src/operations/invariants-stock.js';
import { checkInvariants, INVARIANTS, type InvariantsReport } from '../../src/operations/invariants.js';
import { verify } from '../../src/operations/verify.js';
import { DISCARDED_JOBS, JOBS, type JobDocument } from '../../src/processes/jobs.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import type { OrderView } from '../../src/projections/orders/orders.js';
import { ADDRESS, addToCart, buy, checkoutThenLoseStock, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The invariants on one shop that went through every path of the saga: not one reported
 * while it is healthy, each one reported when a read model document is corrupted on purpose.
 */
describe('invariants across read models and the log', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  const orders: Record<'confirmed' | 'declined' | 'outOfStock' | 'cancelled' | 'shipped' | 'delivered' | 'timedOut', string> = {} as never;
  const skus: Record<'a' | 'b' | 'c', { productId: string; sku: string }> = {} as never;
  let browsing: Shopper;

  const deps = () => ({ eventStore: app.deps.eventStore, store: app.store, schema: app.deps.schema, logger: app.deps.logger });
  /** `later`: as if the snapshot was taken that many ms from now. */
  const check = (later = 0) => checkInvariants({ ...deps(), clock: () => new Date(Date.now() + later) }, ALL_PROJECTIONS);
  /** Once the saga is done with every order and the read models have caught up with the log. */
  const settledReport = () =>
    eventually(async () => {
      const report = await check();
      return report.inFlight.length === 0 && report.position === (await app.head()) ? report : undefined;
    }, 15_000);

  const adminPost = (path: string, body: object = {}) => app.http().post(path).set('Authorization', `Bearer ${admin}`).send(body);
  const preparedFor = async (shopper: Shopper, orderId: string) =>
    ((await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string }).shipmentId;

  before(async () => {
    app = await startTestApp({ paymentTimeoutMs: 300 });
    admin = await app.adminToken();
    skus.a = await stockedProduct(app, admin, 10);
    skus.b = await stockedProduct(app, admin, 1);
    skus.c = await stockedProduct(app, admin, 5);
    const shoppers = await Promise.all(Array.from({ length: 8 }, (_, i) => app.customer(`Shopper ${i}`)));
    const [s1, s2, s3, s4, s5, s6, s7] = shoppers as [Shopper, Shopper, Shopper, Shopper, Shopper, Shopper, Shopper];
    browsing = shoppers[7]!;

    orders.confirmed = await buy(app, s1, skus.a.productId, 2);
    orders.declined = await buy(app, s2, skus.a.productId, 1, 'tok_declined');
    // The last one of b is damaged after the checkout took it: its reservation is refused.
    await addToCart(app, s3, skus.b.productId, 1);
    orders.outOfStock = (await checkoutThenLoseStock(app, admin, s3, skus.b.sku, -1)).body.orderId as string;
    orders.cancelled = await buy(app, s4, skus.c.productId, 1);
    orders.shipped = await buy(app, s5, skus.c.productId, 1);
    orders.delivered = await buy(app, s6, skus.a.productId, 1);
    orders.timedOut = await buy(app, s7, skus.c.productId, 1, 'tok_timeout');
    await addToCart(app, browsing, skus.c.productId, 2);
    // Erased with items in the cart: the carts read model drops the cart, the cart stream keeps its lines.
    const leaving = await app.customer('Leaving');
    await addToCart(app, leaving, skus.a.productId, 1);
    expect((await app.http().delete('/api/v1/account/me').set('Authorization', `Bearer ${leaving.token}`).send({ password: 'correct-horse' })).status).to.equal(202);

    await orderReaches(app, s1.token, orders.confirmed, ['Confirmed']);
    const moved = { ...ADDRESS, line1: '742 Evergreen Terrace' };
    expect((await app.http().patch(`/api/v1/orders/${orders.confirmed}`).set('Authorization', `Bearer ${s1.token}`).send({ shippingAddress: moved })).status).to.equal(200);
    await orderReaches(app, s4.token, orders.cancelled, ['Confirmed']);
    await preparedFor(s4, orders.cancelled);
    expect((await app.http().post(`/api/v1/orders/${orders.cancelled}/cancel`).set('Authorization', `Bearer ${s4.token}`)).status).to.equal(202);
    await orderReaches(app, s5.token, orders.shipped, ['Confirmed']);
    expect((await adminPost(`/api/v1/shipments/${await preparedFor(s5, orders.shipped)}/dispatch`)).status).to.equal(200);
    await orderReaches(app, s6.token, orders.delivered, ['Confirmed']);
    const delivery = await preparedFor(s6, orders.delivered);
    await adminPost(`/api/v1/shipments/${delivery}/dispatch`);
    expect((await adminPost(`/api/v1/shipments/${delivery}/deliver`)).status).to.equal(200);
    await orderReaches(app, s6.token, orders.delivered, ['Delivered']);
    const review = await app.http().post('/api/v1/reviews').set('Authorization', `Bearer ${s6.token}`).send({ productId: skus.a.productId, rating: 4, text: 'Good' });
    expect(review.status, JSON.stringify(review.body)).to.equal(201);

    await orderReaches(app, s2.token, orders.declined, ['Failed'], 'Failed');
    await orderReaches(app, s3.token, orders.outOfStock, ['Failed'], 'Refunded');
    await orderReaches(app, s4.token, orders.cancelled, ['Cancelled'], 'Refunded');
    await orderReaches(app, s7.token, orders.timedOut, ['Failed'], 'Failed');
  });
  after(async () => app.close());

  it('holds on a healthy shop after confirmed, declined, out of stock, cancelled, refunded, shipped, delivered and timed-out orders, and an erasure of a customer with a cart', async () => {
    const report = await settledReport();
    expect(report.violations).to.deep.equal([]);
    expect(report.checked).to.deep.equal(INVARIANTS.map((invariant) => invariant.name));
    const verified = await verify(deps(), ALL_PROJECTIONS);
    expect(verified.divergences).to.deep.equal([]);
    expect(verified.invariants.violations).to.deep.equal([]);
  });

  it('leaves an order the saga is still at work on out, and reports it once nothing is left to move it', async () => {
    await settledReport();
    const shopper = await app.customer();
    await app.deps.jobs.stop(); // the provider is not called: the payment stays pending
    try {
      const orderId = await buy(app, shopper, skus.a.productId, 1);
      const waiting = await eventually(async () => {
        const report = await check();
        return report.position === (await app.head()) ? report : undefined;
      });
      expect(waiting.inFlight).to.deep.equal([orderId]);
      expect(waiting.violations).to.deep.equal([]);

      // The payment's jobs are lost: the order is stuck, and says so.
      const jobs = app.store.collection<JobDocument>(JOBS);
      const queued = await jobs.find({ 'payload.paymentId': (await getOrder(app, shopper.token, orderId)).body.payment.paymentId });
      expect(queued.map((job) => job.kind).sort()).to.deep.equal(['charge-payment', 'expire-payment']);
      await jobs.deleteMany({ _id: { $in: queued.map((job) => job._id) } });
      const stuck = await check();
      expect(stuck.inFlight).to.deep.equal([]);
      expect(stuck.violations.filter((v) => v.invariant === 'order-settles').map((v) => v.id)).to.deep.equal([orderId]);
      for (const job of queued) await jobs.insertOne(job);
    } finally {
      app.deps.jobs.start();
    }
    expect((await settledReport()).violations).to.deep.equal([]);
  });

  it("leaves out, and names, an order whose payment's jobs an operator discarded (a refund made by hand, say)", async () => {
    await settledReport();
    const shopper = await app.customer();
    await app.deps.jobs.stop();
    const jobs = app.store.collection<JobDocument>(JOBS);
    const discarded = app.store.collection(DISCARDED_JOBS);
    try {
      const orderId = await buy(app, shopper, skus.a.productId, 1);
      const paymentId = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.payment?.paymentId as string | undefined));
      const queued = await eventually(async () => {
        const found = await jobs.find({ 'payload.paymentId': paymentId });
        return found.length === 2 ? found : undefined;
      });
      // Parked, then discarded with a reason (`parked discard --jobs`): kept in discarded_jobs, out of the queue.
      await jobs.deleteMany({ _id: { $in: queued.map((job) => job._id) } });
      for (const job of queued) await discarded.insertOne({ ...job, discardedAt: '2026-12-06T07:00:00.000Z', discardedBy: 'ops', discardReason: 'charged by phone' });
      const report = await eventually(async () => {
        const found = await check();
        return found.position === (await app.head()) ? found : undefined;
      });
      expect(report.violations).to.deep.equal([]);
      expect(report.inFlight).to.deep.equal([]);
      expect(report.handedOver.map((h) => [h.orderId, h.reason, h.discardedBy])).to.deep.equal([[orderId, 'charged by phone', 'ops']]);
      // Without the operator's record, the same order is reported as stuck.
      await discarded.deleteMany({ _id: { $in: queued.map((job) => job._id) } });
      expect((await check()).violations.filter((v) => v.invariant === 'order-settles').map((v) => v.id)).to.deep.equal([orderId]);
      for (const job of queued) await jobs.insertOne(job);
    } finally {
      app.deps.jobs.start();
    }
    expect((await settledReport()).violations).to.deep.equal([]);
  });

  it('raises no false alarm while orders go through every path of the saga', async () => {
    const shoppers = await Promise.all(Array.from({ length: 6 }, (_, i) => app.customer(`Busy ${i}`)));
    const plenty = [await stockedProduct(app, admin, 100), await stockedProduct(app, admin, 100)];
    const tokens = ['tok_visa', 'tok_declined', 'tok_visa', 'tok_timeout', 'tok_visa', 'tok_visa'];
    let busy = true;
    const seen: InvariantsReport[] = [];
    const checking = (async () => {
      while (busy) {
        seen.push(await check());
        await new Promise((resolve) => setTimeout(resolve, 20)); // the embedded stores answer without a turn of the event loop
      }
    })();
    await Promise.all(
      shoppers.map(async (shopper, i) => {
        for (let round = 0; round < 3; round += 1) {
          const orderId = await buy(app, shopper, plenty[round % 2]!.productId, 1, tokens[i]);
          if (i === 4) await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
          await orderReaches(app, shopper.token, orderId, ['Confirmed', 'Failed', 'Cancelled'], undefined, 15_000);
        }
      }),
    );
    const settled = await settledReport();
    busy = false;
    await checking;
    expect(seen.filter((report) => report.inFlight.length > 0).length, 'checked while orders were in flight').to.be.greaterThan(0);
    expect(seen.flatMap((report) => report.violations)).to.deep.equal([]);
    expect(settled.violations).to.deep.equal([]);
  });

  describe('reports a read model corrupted on purpose', () => {
    /** Corrupts one document, checks, and puts the document back. */
    const corrupted = async (collection: string, id: string, update: Update, later = 0): Promise<InvariantsReport['violations']> => {
      await settledReport();
      const original = await app.store.collection(collection).findOne({ _id: id });
      expect(original, `${collection} ${id}`).to.not.equal(null);
      await app.store.collection(collection).updateOne({ _id: id }, update);
      try {
        return (await check(later)).violations;
      } finally {
        await app.store.collection(collection).replaceOne({ _id: id }, original!);
      }
    };
    const reported = (violations: InvariantsReport['violations'], invariant: string, id: string) =>
      expect([...new Set(violations.filter((v) => v.invariant === invariant).map((v) => v.id))], JSON.stringify(violations)).to.deep.equal([id]);

    const cases: Array<[string, () => [string, string, Update, string?, number?]]> = [
      ['order-total', () => ['orders', orders.confirmed, { $set: { 'total.amount': 1 } }]],
      ['order-log', () => ['orders', orders.shipped, { $set: { 'shippingAddress.city': 'Shelbyville' } }]],
      ['order-shipment', () => ['orders', orders.cancelled, { $set: { 'shipment.status': 'Preparing' } }]],
      ['shipment-order', () => ['shipments', shipmentOf(orders.confirmed), { $set: { 'shippingAddress.line1': '1 Main St' } }]],
      ['order-payment', () => ['orders', orders.delivered, { $set: { 'payment.status': 'Refunded' } }]],
      ['payment-log', () => ['payments', paymentOf(orders.shipped), { $set: { refunded: true } }, paymentOf(orders.shipped)]],
      ['order-payment-outcome', () => ['payments', paymentOf(orders.cancelled), { $set: { status: 'Captured', refunded: false } }, orders.cancelled]],
      ['order-stock', () => ['orders', orders.cancelled, { $set: { status: 'Confirmed' } }]],
      ['purchase-order', () => ['purchases', orders.cancelled, { $set: { confirmed: true } }]],
      ['stock-level-log', () => ['stock_levels', skus.a.sku, { $inc: { onHand: 5, available: 5 } }, skus.a.sku]],
      ['stock-level-bounds', () => ['stock_levels', skus.b.sku, { $set: { reserved: 2, available: -1 } }, skus.b.sku]],
      ['stock-reserved', () => ['orders', orders.confirmed, { $set: { status: 'Cancelled' } }, skus.a.sku]],
      // (Once a claim of the SKU without its product can no longer be the product's creation under way.)
      ['stock-level-product', () => ['products', skus.c.productId, { $set: { listed: false } }, skus.c.sku, CREATION_GRACE_MS]],
      ['product-stock', () => ['products', skus.a.productId, { $inc: { available: 3 } }, skus.a.productId]],
      ['search-product', () => ['search', skus.b.productId, { $set: { 'price.amount': 1 } }, skus.b.productId]],
      ['product-rating', () => ['products', skus.a.productId, { $set: { rating: { average: 5, count: 1 } } }, skus.a.productId]],
      ['review-delivered', () => ['reviews', reviewOf(skus.a.productId), { $set: { orderId: orders.confirmed } }]],
      ['cart-log', () => ['carts', browsing.customerId, { $set: { 'items.0.quantity': 9 } }, browsing.customerId]],
    ];
    let placed: Map<string, OrderView>;
    let reviewIds: Map<string, string>;
    const reviewOf = (productId: string) => reviewIds.get(productId)!;
    const paymentOf = (orderId: string) => placed.get(orderId)!.payment.paymentId;
    const shipmentOf = (orderId: string) => placed.get(orderId)!.shipment!.shipmentId;
    before(async () => {
      placed = new Map((await app.store.collection<OrderView>('orders').find({})).map((doc) => [doc._id, doc]));
      reviewIds = new Map((await app.store.collection<{ _id: string; productId: string }>('reviews').find({})).map((doc) => [doc.productId, doc._id]));
    });

    for (const [invariant, corruption] of cases) {
      it(invariant, async () => {
        const [collection, id, update, expectedId, later] = corruption();
        reported(await corrupted(collection, id, update, later), invariant, expectedId ?? id);
      });
    }

    it('reports an order that lost its lines, and still checks the other rules', async () => {
      const violations = await corrupted('orders', orders.confirmed, { $unset: { lines: '' } });
      expect(violations).to.deep.include({ invariant: 'order-total', id: orders.confirmed, detail: 'the order has no lines' });
      expect(violations.filter((v) => v.id === orders.confirmed).map((v) => v.invariant)).to.include('order-log');
    });

    it('leaves out a SKU whose product is being created', async () =>
      expect((await corrupted('products', skus.c.productId, { $set: { listed: false } })).filter((v) => v.invariant === 'stock-level-product')).to.deep.equal([]));

    it('covers every invariant, with payment-money and order-settles shown on the log', () =>
      expect([...cases.map(([name]) => name), 'payment-money', 'order-settles'].sort()).to.deep.equal(INVARIANTS.map((i) => i.name).sort()));
  });
});
