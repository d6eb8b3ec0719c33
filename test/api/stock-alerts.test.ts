/**
 * Stock alerts end to end (issue 16, part 2), the crossings: the alerts each crossing appends once (through
 * adjustments, receipts and the order saga's reservations), the low-stock listing and the admins' emails, on the
 * embedded stores. The threshold: stock-alert-thresholds.test.ts; notify-me: stock-alerts-notify-me.test.ts.
 */
import { expect } from 'chai';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { buy, orderReaches, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { ALERTS, stockAlertHelpers } from './stock-alerts-fixture.js';

describe('HTTP stock alerts', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const { as, receipt, adjustment, threshold, alertsOf, typesOf, appendedBy, inbox, settledInbox } = stockAlertHelpers(() => ({ app, admin }));

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
});
