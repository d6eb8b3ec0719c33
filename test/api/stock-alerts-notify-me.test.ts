/**
 * Stock alerts end to end (issue 16, part 2), notify-me: a shopper's request on an out-of-stock product, the one
 * email when it is back, and the refusals, on the embedded stores, with the log showing what was appended and what was not.
 */
import { expect } from 'chai';
import { stockedProduct } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { erasureDone, eraseMe } from '../support/erasure.js';
import { stockAlertHelpers } from './stock-alerts-fixture.js';

describe('HTTP stock alerts', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const { as, receipt, adjustment, notifyMe, appendedBy, inbox, settledInbox } = stockAlertHelpers(() => ({ app, admin }));

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
  describe('withdrawing a notify-me request', () => {
    const withdraw = (productId: string, token: string) => app.http().delete(`/api/v1/products/${productId}/notify-me`).set(as(token));
    const waiting = async (sku: string) => {
      await app.settled();
      return (await app.http().get(`/api/v1/inventory/${sku}`).set(as(admin))).body.waiting as number;
    };

    it('ends the request (200): no email when the product is back, the other shopper still emailed', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 0);
      const [shopper, other] = [await app.customer(), await app.customer()];
      expect((await notifyMe(productId, shopper)).status).to.equal(202);
      expect((await notifyMe(productId, other)).status).to.equal(202);
      const res = await withdraw(productId, shopper.token);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ productId, sku, status: 'Withdrawn' });
      expect(await appendedBy(res)).to.deep.equal(['BackInStockWithdrawn']);
      const withdrawn = (await app.events()).find((e) => e.type === 'BackInStockWithdrawn')!;
      expect(withdrawn.data).to.include({ sku, productId, customerId: shopper.customerId, reason: 'customer-request' });
      expect(await waiting(sku)).to.equal(1);

      await receipt(sku, 3);
      const back = (await app.events()).find((e) => e.type === 'InventoryBackInStock')!;
      expect(back.data.notify).to.deep.equal([other.customerId]);
      expect(await settledInbox(other.token)).to.have.length(1);
      expect(await inbox(shopper.token)).to.deep.equal([]);
      expect(await waiting(sku)).to.equal(0);
    });

    it('answers 404 when none of theirs waits (never asked, withdrawn already, unknown product), appending nothing', async () => {
      const { productId, sku } = await stockedProduct(app, admin, 0);
      const [shopper, other] = [await app.customer(), await app.customer()];
      expect((await notifyMe(productId, other)).status).to.equal(202);
      expectProblem(await appendsNothing(app, () => withdraw(productId, shopper.token)), 404);
      expect((await notifyMe(productId, shopper)).status).to.equal(202);
      expect((await withdraw(productId, shopper.token)).status).to.equal(200);
      expectProblem(await appendsNothing(app, () => withdraw(productId, shopper.token)), 404);
      expectProblem(await appendsNothing(app, () => withdraw('0b0b0b0b-1c1c-4d4d-8e8e-9f9f9f9f9f9f', shopper.token)), 404);
      expect(await waiting(sku), "the other shopper's request stays").to.equal(1);
      // Asking again after a withdrawal is a new request.
      expect(await appendedBy(await notifyMe(productId, shopper))).to.deep.equal(['BackInStockRequested']);
    });

    it('needs a signed-in customer (401) and takes no If-Match (400), appending nothing', async () => {
      const { productId } = await stockedProduct(app, admin, 0);
      const shopper = await app.customer();
      expect((await notifyMe(productId, shopper)).status).to.equal(202);
      expectProblem(await appendsNothing(app, () => app.http().delete(`/api/v1/products/${productId}/notify-me`)), 401);
      expectProblem(await appendsNothing(app, () => withdraw(productId, shopper.token).set('If-Match', '"1"')), 400);
    });

    it("is done by the erasure of the account: the erased customer no longer counts as waiting and is not named when it is back", async () => {
      const [soldOut, alsoOut] = [await stockedProduct(app, admin, 0), await stockedProduct(app, admin, 0)];
      const [shopper, other] = [await app.customer(), await app.customer()];
      for (const { productId } of [soldOut, alsoOut]) expect((await notifyMe(productId, shopper)).status).to.equal(202);
      expect((await notifyMe(soldOut.productId, other)).status).to.equal(202);
      expect((await eraseMe(app, shopper.token)).status).to.equal(202);
      await erasureDone(app, shopper.customerId);

      const withdrawn = (await app.events()).filter((e) => e.type === 'BackInStockWithdrawn');
      expect(withdrawn.map((e) => [e.data.sku, e.data.customerId, e.data.reason])).to.have.deep.members([
        [soldOut.sku, shopper.customerId, 'customer-erased'],
        [alsoOut.sku, shopper.customerId, 'customer-erased'],
      ]);
      expect(await waiting(soldOut.sku)).to.equal(1);
      expect(await waiting(alsoOut.sku)).to.equal(0);
      await receipt(soldOut.sku, 1);
      const back = (await app.events()).find((e) => e.type === 'InventoryBackInStock' && e.data.sku === soldOut.sku)!;
      expect(back.data.notify).to.deep.equal([other.customerId]);
    });
  });
});
