import { expect } from 'chai';
import { buy, orderReaches } from '../support/shop.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP inventory', () => {
  let app: TestApp;
  let admin: string;
  let sku: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    sku = (await createProduct(app, admin)).sku;
  });
  afterEach(async () => app.close());

  const receipt = (quantity: unknown, target = sku) =>
    app.http().post(`/api/v1/inventory/${target}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity });
  const adjustment = (delta: unknown, reason: unknown = 'stocktake') =>
    app.http().post(`/api/v1/inventory/${sku}/adjustments`).set('Authorization', `Bearer ${admin}`).send({ delta, reason });

  it('receives stock and answers the levels (200)', async () => {
    const res = await receipt(10);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ sku, onHand: 10, reserved: 0, available: 10, threshold: 5, lowStock: false, outOfStock: false, waiting: 0 });
    expect(res.headers.etag).to.equal('"1"');
  });

  it('adjusts stock down and up (200) with the reason in the event', async () => {
    await receipt(10);
    expect((await adjustment(-3, 'damaged')).body).to.deep.equal({ sku, onHand: 7, reserved: 0, available: 7, threshold: 5, lowStock: false, outOfStock: false, waiting: 0 });
    expect((await adjustment(2)).body).to.include({ onHand: 9 });
    const adjusted = (await app.events()).filter((e) => e.type === 'InventoryAdjusted');
    expect(adjusted.map((e) => [e.data.delta, e.data.reason])).to.deep.equal([[-3, 'damaged'], [2, 'stocktake']]);
  });

  it('never takes stock below zero (409), appending nothing', async () => {
    await receipt(2);
    expectProblem(await appendsNothing(app, () => adjustment(-3)), 409);
  });

  it('never takes stock below what orders have reserved (409), appending nothing', async () => {
    await receipt(5);
    const shopper = await app.customer();
    const productId = (await app.http().get('/api/v1/products').set('Authorization', `Bearer ${admin}`)).body.items[0].productId;
    const orderId = await buy(app, shopper, productId, 3);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const res = await appendsNothing(app, () => adjustment(-3, 'stocktake'));
    expectProblem(res, 409);
    expect(res.body.detail).to.match(/below the 3 reserved/);
    expect((await adjustment(-2)).body).to.deep.equal({ sku, onHand: 3, reserved: 3, available: 0, threshold: 5, lowStock: true, outOfStock: true, waiting: 0 });
  });

  it('refuses bad quantities and deltas (400), appending nothing', async () => {
    for (const quantity of [0, -1, 1.5, '3', null, 2_000_000]) expectProblem(await appendsNothing(app, () => receipt(quantity)), 400);
    expectProblem(await appendsNothing(app, () => adjustment(0)), 400);
    expectProblem(await appendsNothing(app, () => adjustment(5, '')), 400);
  });

  it('answers 404 for an unknown SKU, appending nothing', async () => {
    expectProblem(await appendsNothing(app, () => receipt(1, 'NO-SUCH-SKU')), 404);
    expectProblem(await app.http().get('/api/v1/inventory/NO-SUCH-SKU').set('Authorization', `Bearer ${admin}`), 404);
  });

  it('is for admins only (403 / 401), appending nothing', async () => {
    const { token } = await app.customer();
    expectProblem(await appendsNothing(app, () => app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${token}`).send({ quantity: 1 })), 403);
    expectProblem(await app.http().get(`/api/v1/inventory/${sku}`), 401);
  });

  it('adds up 8 concurrent receipts on one SKU exactly: no lost update', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => receipt(i + 1)));
    expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
    const level = await app.http().get(`/api/v1/inventory/${sku}`).set('Authorization', `Bearer ${admin}`);
    expect(level.body).to.deep.equal({ sku, onHand: 36, reserved: 0, available: 36, threshold: 5, lowStock: false, outOfStock: false, waiting: 0 });
    expect((await app.events()).filter((e) => e.type === 'StockReceived')).to.have.length(8);
  });

  it('lists stock levels, lowest first, with a low-stock filter', async () => {
    const other = (await createProduct(app, admin)).sku;
    await receipt(50);
    await receipt(3, other);
    const all = await app.http().get('/api/v1/inventory').set('Authorization', `Bearer ${admin}`);
    expect(all.body.items.map((l: { sku: string }) => l.sku)).to.deep.equal([other, sku]);
    const low = await app.http().get('/api/v1/inventory?lowStockBelow=10').set('Authorization', `Bearer ${admin}`);
    expect(low.body).to.deep.include({ total: 1 });
    expect(low.body.items[0]).to.include({ sku: other, available: 3 });
  });
});
