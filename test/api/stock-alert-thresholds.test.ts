/**
 * Stock alerts end to end (issue 16, part 2), the threshold: set by an admin (and the default until then), a raise
 * that is itself a crossing, and every refusal, on the embedded stores, with the log showing what was appended and
 * what was not. The alerts themselves: stock-alerts.test.ts; notify-me: stock-alerts-notify-me.test.ts.
 */
import { expect } from 'chai';
import { stockedProduct } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { stockAlertHelpers } from './stock-alerts-fixture.js';

describe('HTTP stock alerts', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const { as, threshold, appendedBy } = stockAlertHelpers(() => ({ app, admin }));

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
});
