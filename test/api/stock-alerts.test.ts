import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { buy, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Stock alerts end to end (issue 16, part 2): thresholds, the alerts each crossing appends once
 * (through adjustments, receipts and the order saga's reservations), the admins' emails, and
 * notify-me, on the embedded stores, with the log showing what was appended and what was not.
 */

const ALERTS = ['StockLevelLow', 'InventoryOutOfStock', 'InventoryBackInStock'];

describe('HTTP stock alerts', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const receipt = (sku: string, quantity: number) => app.http().post(`/api/v1/inventory/${sku}/receipts`).set(as(admin)).send({ quantity });
  const adjustment = (sku: string, delta: number) => app.http().post(`/api/v1/inventory/${sku}/adjustments`).set(as(admin)).send({ delta, reason: 'stocktake' });
  const threshold = (sku: string, body: unknown, token = admin) => app.http().put(`/api/v1/inventory/${sku}/threshold`).set(as(token)).send(body as object);
  const notifyMe = (productId: string, shopper: Shopper) => app.http().post(`/api/v1/products/${productId}/notify-me`).set(as(shopper.token));
  const alertsOf = async (sku: string) => (await app.events()).filter((e) => e.data.sku === sku && ALERTS.includes(e.type)).map((e) => e.type);
  const typesOf = (events: RecordedEvent[]) => events.map((e) => e.type);
  /** What a request appended: the events carrying its request id. */
  const appendedBy = async (res: { headers: Record<string, string> }) =>
    typesOf((await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']));
  const inbox = async (token: string) => {
    const res = await app.http().get('/api/v1/account/me/notifications?pageSize=100').set(as(token));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as Array<{ type: string; orderId: string | null; productId?: string; sku?: string; subject: string }>;
  };
  /** Waits until every job has run (no job left), then answers the inbox. */
  const settledInbox = async (token: string) => {
    await app.settled();
    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({})) === 0 ? true : undefined));
    return inbox(token);
  };

  describe('the threshold', () => {
    it('is set by an admin (200): the levels answer it, and LowStockThresholdSet is appended', async () => {
      const { sku } = await stockedProduct(app, admin, 20);
      const res = await threshold(sku, { threshold: 12 });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ sku, onHand: 20, reserved: 0, available: 20, threshold: 12, lowStock: false, outOfStock: false, waiting: 0 });
      expect(res.headers.etag).to.equal('"2"');
      expect(await appendedBy(res)).to.deep.equal(['LowStockThresholdSet']);
      await app.settled();
      const level = await app.http().get(`/api/v1/inventory/${sku}`).set(as(admin));
      expect(level.body).to.include({ threshold: 12, lowStock: false });
    });

    it('is the default (LOW_STOCK_THRESHOLD, 5) until one is set', async () => {
      const { sku } = await stockedProduct(app, admin, 3);
      await app.settled();
      expect((await app.http().get(`/api/v1/inventory/${sku}`).set(as(admin))).body).to.include({ threshold: 5, lowStock: true, outOfStock: false });
    });

    it('set again to the same value answers 200 and appends nothing', async () => {
      const { sku } = await stockedProduct(app, admin, 20);
      await threshold(sku, { threshold: 7 });
      const again = await threshold(sku, { threshold: 7 });
      expect(again.status).to.equal(200);
      expect(await appendedBy(again)).to.deep.equal([]);
    });

    it('raised above what is available is a crossing: StockLevelLow with it', async () => {
      const { sku } = await stockedProduct(app, admin, 8);
      const res = await threshold(sku, { threshold: 10 });
      expect(res.body).to.include({ lowStock: true });
      expect(await appendedBy(res)).to.deep.equal(['LowStockThresholdSet', 'StockLevelLow']);
    });

    for (const [label, body] of [
      ['negative', { threshold: -1 }],
      ['not an integer', { threshold: 2.5 }],
      ['a string', { threshold: '3' }],
      ['missing', {}],
      ['over the maximum', { threshold: 1_000_001 }],
      ['with an unknown field', { threshold: 3, extra: true }],
    ] as const) {
      it(`refuses a threshold ${label} (400), appending nothing`, async () => {
        const { sku } = await stockedProduct(app, admin, 20);
        const res = await appendsNothing(app, () => threshold(sku, body));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(label === 'with an unknown field' ? 'extra' : 'threshold');
      });
    }

    it('is for admins only: a customer gets 403, anonymous 401, appending nothing', async () => {
      const { sku } = await stockedProduct(app, admin, 20);
      const shopper = await app.customer();
      expectProblem(await appendsNothing(app, () => threshold(sku, { threshold: 3 }, shopper.token)), 403);
      expectProblem(await appendsNothing(app, () => app.http().put(`/api/v1/inventory/${sku}/threshold`).send({ threshold: 3 })), 401);
    });

    it('answers 404 for an unknown SKU, appending nothing', async () =>
      expectProblem(await appendsNothing(app, () => threshold('NO-SUCH-SKU', { threshold: 3 })), 404));

    it('honours If-Match: a stale revision is 412 and appends nothing, the current one is applied', async () => {
      const { sku } = await stockedProduct(app, admin, 20);
      expectProblem(await appendsNothing(app, () => threshold(sku, { threshold: 3 }).set('If-Match', '"0"')), 412);
      const res = await threshold(sku, { threshold: 3 }).set('If-Match', '"1"');
      expect(res.status).to.equal(200);
      expect(res.headers.etag).to.equal('"2"');
    });
  });

  describe('crossings', () => {
    it('appends StockLevelLow once when available falls below the threshold; further decrements append no second one', async () => {
      const { sku } = await stockedProduct(app, admin, 10);
      const crossing = await adjustment(sku, -6);
      expect(crossing.body).to.include({ available: 4, lowStock: true, outOfStock: false });
      expect(await appendedBy(crossing)).to.deep.equal(['InventoryAdjusted', 'StockLevelLow']);
      const low = (await app.events()).find((e) => e.type === 'StockLevelLow')!;
      expect(low.data).to.include({ sku, available: 4, threshold: 5 });
      expect(low.metadata).to.include({ correlationId: crossing.headers['x-request-id'], causationId: crossing.headers['x-request-id'] });
      for (const delta of [-1, -1]) expect(await appendedBy(await adjustment(sku, delta))).to.deep.equal(['InventoryAdjusted']);
      expect(await alertsOf(sku)).to.deep.equal(['StockLevelLow']);

      // The audit trail shows the alert with its metadata, and the SKU's state after it.
      const audit = await app.http().get(`/api/v1/admin/audit/streams/inventory-${sku}`).set(as(admin));
      expect(audit.status, JSON.stringify(audit.body)).to.equal(200);
      const audited = (audit.body.events as Array<{ type: string; metadata: Record<string, unknown>; stateAfter: Record<string, unknown> }>).find((e) => e.type === 'StockLevelLow')!;
      expect(audited.metadata).to.include({ actor: `admin:${(await app.http().get('/api/v1/account/me').set(as(admin))).body.customerId}` });
      expect(audited.stateAfter).to.include({ onHand: 4, threshold: null, stockedOut: false });
    });

    it('lists what is low with ?low=true (the threshold in force, out of stock included)', async () => {
      const plenty = (await stockedProduct(app, admin, 50)).sku;
      const few = (await stockedProduct(app, admin, 2)).sku;
      const none = (await stockedProduct(app, admin, 0)).sku;
      const raised = (await stockedProduct(app, admin, 30)).sku;
      await threshold(raised, { threshold: 40 });
      await app.settled();
      const low = await app.http().get('/api/v1/inventory?low=true').set(as(admin));
      expect(low.status, JSON.stringify(low.body)).to.equal(200);
      expect(low.body.items.map((l: { sku: string; outOfStock: boolean }) => [l.sku, l.outOfStock])).to.deep.equal([[none, true], [few, false], [raised, false]]);
      const fine = await app.http().get('/api/v1/inventory?low=false').set(as(admin));
      expect(fine.body.items.map((l: { sku: string }) => l.sku)).to.deep.equal([plenty]);
      expectProblem(await app.http().get('/api/v1/inventory?low=yes').set(as(admin)), 400);
    });

    it('appends InventoryOutOfStock at 0 and InventoryBackInStock on the next receipt, through adjustments and receipts', async () => {
      const { sku } = await stockedProduct(app, admin, 10);
      const out = await adjustment(sku, -10);
      expect(out.body).to.include({ available: 0, outOfStock: true });
      expect(await appendedBy(out)).to.deep.equal(['InventoryAdjusted', 'InventoryOutOfStock']);
      expect(await appendedBy(await adjustment(sku, 1).then(() => adjustment(sku, -1)))).to.deep.equal(['InventoryAdjusted', 'InventoryOutOfStock']);
      const back = await receipt(sku, 3);
      expect(back.body).to.include({ available: 3, outOfStock: false, lowStock: true });
      expect(await appendedBy(back)).to.deep.equal(['StockReceived', 'InventoryBackInStock']);
      expect(await alertsOf(sku)).to.deep.equal(['InventoryOutOfStock', 'InventoryBackInStock', 'InventoryOutOfStock', 'InventoryBackInStock']);
    });

    it('appends InventoryOutOfStock when the order saga reserves the last ones, and InventoryBackInStock when a cancellation releases them', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 2);
      const shopper = await app.customer();
      const orderId = await buy(app, shopper, productId, 2);
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const out = (await app.events()).filter((e) => e.data.sku === sku && ['StockReserved', 'InventoryOutOfStock'].includes(e.type));
      expect(typesOf(out)).to.deep.equal(['StockReserved', 'InventoryOutOfStock']);
      expect(out[1]!.metadata).to.include({ actor: 'process:order-saga', causationId: out[0]!.metadata.causationId });
      expect(await alertsOf(sku)).to.deep.equal(['InventoryOutOfStock']);

      expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(as(shopper.token))).status).to.equal(202);
      await eventually(async () => ((await alertsOf(sku)).length === 2 ? true : undefined));
      const released = (await app.events()).filter((e) => e.data.sku === sku && ['StockReleased', 'InventoryBackInStock'].includes(e.type));
      expect(typesOf(released)).to.deep.equal(['StockReleased', 'InventoryBackInStock']);
      expect(released[1]!.data).to.include({ available: 2 });
    });

    it('emails every admin once per crossing, listed at /account/me/notifications, and never twice on redelivery', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 6);
      const second = await app.customer('Second admin');
      const promoted = await app.http().put(`/api/v1/admin/customers/${second.customerId}/role`).set(as(admin)).send({ role: 'admin' });
      expect(promoted.status, JSON.stringify(promoted.body)).to.equal(200);
      await app.settled();
      await adjustment(sku, -2); // 4: low
      await adjustment(sku, -1); // 3: still low, no alert
      await adjustment(sku, -3); // 0: out
      await receipt(sku, 10); // 10: back
      expect(await alertsOf(sku)).to.deep.equal(ALERTS);

      const expected = [
        ['InventoryBackInStock', `Back in stock: Widget (${sku})`],
        ['InventoryOutOfStock', `Out of stock: Widget (${sku})`],
        ['StockLevelLow', `Low stock: Widget (${sku})`],
      ];
      for (const token of [admin, second.token]) {
        const items = await settledInbox(token);
        expect(items.map((n) => [n.type, n.subject]).sort()).to.deep.equal(expected);
        expect(items.every((n) => n.orderId === null && n.productId === productId && n.sku === sku)).to.equal(true);
      }
      expect(await inbox((await app.customer()).token), 'shoppers get no stock alert').to.deep.equal([]);

      // Every event delivered again from the start: the same jobs, the same notification ids, nothing sent twice.
      const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
      await notifications.stop();
      await app.deps.readModels.collection(CHECKPOINTS).deleteOne({ _id: 'process:notifications' });
      await app.deps.readModels.collection('saga_notifications').deleteMany({});
      await app.deps.readModels.collection('jobs').deleteMany({});
      await notifications.start();
      for (const token of [admin, second.token]) expect(await settledInbox(token)).to.have.length(3);
      expect(await app.deps.readModels.collection('notifications').countDocuments({ sku })).to.equal(6);
    });
  });

  describe('notify-me', () => {
    it('takes a request on an out-of-stock product (202), once: asking again changes nothing', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 0);
      const shopper = await app.customer();
      const first = await notifyMe(productId, shopper);
      expect(first.status, JSON.stringify(first.body)).to.equal(202);
      expect(first.body).to.deep.equal({ productId, sku, status: 'Waiting' });
      expect(await appendedBy(first)).to.deep.equal(['BackInStockRequested']);
      const again = await notifyMe(productId, shopper);
      expect(again.status).to.equal(202);
      expect(await appendedBy(again)).to.deep.equal([]);
      await app.settled();
      expect((await app.http().get(`/api/v1/inventory/${sku}`).set(as(admin))).body).to.include({ waiting: 1, outOfStock: true });
    });

    it('emails the shopper once when the product is back; a later return sends nothing more without a new request', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 1);
      await adjustment(sku, -1);
      const shopper = await app.customer();
      const other = await app.customer();
      expect((await notifyMe(productId, shopper)).status).to.equal(202);
      expect((await notifyMe(productId, other)).status).to.equal(202);
      const back = await receipt(sku, 2);
      expect(await appendedBy(back)).to.deep.equal(['StockReceived', 'InventoryBackInStock']);
      const event = (await app.events()).find((e) => e.type === 'InventoryBackInStock')!;
      expect(event.data.notify).to.deep.equal([shopper.customerId, other.customerId]);

      const mails = await settledInbox(shopper.token);
      expect(mails.map((n) => [n.type, n.subject, n.productId, n.orderId])).to.deep.equal([['InventoryBackInStock', 'Widget is back in stock', productId, null]]);
      expect(await inbox(other.token)).to.have.length(1);

      // Out and back again: the request was used up, so no second email.
      await adjustment(sku, -2);
      expect(await appendedBy(await receipt(sku, 1))).to.deep.equal(['StockReceived', 'InventoryBackInStock']);
      expect(await settledInbox(shopper.token)).to.have.length(1);
      await app.settled();
      expect((await app.http().get(`/api/v1/inventory/${sku}`).set(as(admin))).body).to.include({ waiting: 0 });
    });

    it('answers 409 on a product in stock, appending nothing', async () => {
      const { productId } = await stockedProduct(app, admin, 3);
      const res = await appendsNothing(app, async () => notifyMe(productId, await app.customer()));
      expectProblem(res, 409);
      expect(res.body.detail).to.match(/in stock/);
    });

    it('answers 404 for an unknown product, appending nothing', async () => {
      const shopper = await app.customer();
      expectProblem(await appendsNothing(app, () => notifyMe('0b0b0b0b-1c1c-4d4d-8e8e-9f9f9f9f9f9f', shopper)), 404);
      expectProblem(await appendsNothing(app, () => notifyMe('not-a-uuid', shopper)), 404);
    });

    it('needs a signed-in customer (401), takes no If-Match (400), appending nothing', async () => {
      const { productId } = await stockedProduct(app, admin, 0);
      expectProblem(await appendsNothing(app, () => app.http().post(`/api/v1/products/${productId}/notify-me`)), 401);
      const shopper = await app.customer();
      expectProblem(await appendsNothing(app, () => notifyMe(productId, shopper).set('If-Match', '"0"')), 400);
    });
  });
});
