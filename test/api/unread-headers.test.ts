import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Headers a route does not read are refused (400), not ignored: an Idempotency-Key anywhere
 * but on a POST (the contract: POST routes take one), and If-Match on a read (a condition
 * on writes here). Each refusal names the header and appends nothing.
 */
describe('headers a route does not read', () => {
  let app: TestApp;
  let admin: string;
  let product: { productId: string; sku: string };
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    product = await createProduct(app, admin);
  });
  after(async () => app.close());

  const fieldsOf = (res: { body: { errors?: Array<{ field: string }> } }) => (res.body.errors ?? []).map((error) => error.field);

  it('refuses an Idempotency-Key on a PATCH, a DELETE and a read, appending nothing', async () => {
    const shopper = await app.customer('Ida Keyed');
    const cases = [
      () => app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', 'patch-1').send({ name: 'Renamed' }),
      () => app.http().delete('/api/v1/account/me').set('Authorization', `Bearer ${shopper.token}`).set('Idempotency-Key', 'erase-1').send({ password: 'correct-horse' }),
      () => app.http().get(`/api/v1/products/${product.productId}`).set('Idempotency-Key', 'read-1'),
    ];
    for (const act of cases) {
      const res = await appendsNothing(app, act);
      expectProblem(res, 400);
      expect(fieldsOf(res)).to.deep.equal(['Idempotency-Key']);
    }
    const read = await app.http().get(`/api/v1/products/${product.productId}`);
    expect(read.body.name, 'the PATCH did not run').not.to.equal('Renamed');
    expect((await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${shopper.token}`)).status, 'the account is still there').to.equal(200);
  });

  it('still takes an Idempotency-Key on a POST: the repeat answers the first answer', async () => {
    const receive = () => app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', 'receipt-1').send({ quantity: 2 });
    const first = await receive();
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    const again = await appendsNothing(app, receive);
    expect(again.status).to.equal(200);
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body).to.deep.equal(first.body);
  });

  it('refuses If-Match on a read, public or signed in, and on the order events stream', async () => {
    const cases = [
      app.http().get(`/api/v1/products/${product.productId}`).set('If-Match', '"0"'),
      app.http().get(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).set('If-Match', '*'),
      app.http().get('/api/v1/products').set('If-Match', '"0"'),
      app.http().get('/api/v1/cart').set('Authorization', `Bearer ${admin}`).set('If-Match', '"3"'),
      app.http().get('/api/v1/orders/00000000-0000-4000-8000-000000000000/events').set('Authorization', `Bearer ${admin}`).set('If-Match', '"1"'),
    ];
    for (const req of cases) {
      const res = await req;
      expectProblem(res, 400);
      expect(fieldsOf(res)).to.deep.equal(['If-Match']);
    }
    const plain = await app.http().get(`/api/v1/products/${product.productId}`).set('If-None-Match', '"0"');
    expect(plain.status, 'If-None-Match is what a read takes').to.equal(200);
  });
});
