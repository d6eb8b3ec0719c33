import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Headers a route does not read are refused (400), not ignored: an Idempotency-Key anywhere
 * but on a POST (the contract: POST routes take one), If-Match on a read (a condition on
 * writes here) and on notify-me (whatever its form), If-None-Match on a write, X-Min-Position
 * where nothing waits for the read models. Each refusal names the header and appends nothing.
 * `If-Match: *` on a creation is a condition that cannot hold (nothing is there yet): 412.
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

  it('refuses If-Match on notify-me in every form, weak and `*` included', async () => {
    const shopper = await app.customer('Nora Notified');
    // Out of stock (none received): notify-me would be taken without the header.
    const soldOut = await createProduct(app, admin);
    for (const value of ['W/"0"', '*', '"0"', '"0", W/"1"']) {
      const res = await appendsNothing(app, () => app.http().post(`/api/v1/products/${soldOut.productId}/notify-me`).set('Authorization', `Bearer ${shopper.token}`).set('If-Match', value));
      expectProblem(res, 400);
      expect(fieldsOf(res), value).to.deep.equal(['If-Match']);
    }
    const taken = await app.http().post(`/api/v1/products/${soldOut.productId}/notify-me`).set('Authorization', `Bearer ${shopper.token}`);
    expect(taken.status, JSON.stringify(taken.body)).to.equal(202);
  });

  it('answers 412 to `If-Match: *` on a creation (an account, a product, a subscription), appending nothing', async () => {
    const shopper = await app.customer('Sam Subscriber');
    const saved = await app.http().post('/api/v1/account/me/payment-methods').set('Authorization', `Bearer ${shopper.token}`).send({ token: 'tok_visa' });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    const cases = [
      () => app.http().post('/api/v1/account/register').set('If-Match', '*').send({ email: 'star@test.local', password: 'correct-horse', name: 'Star' }),
      () => app.http().post('/api/v1/products').set('Authorization', `Bearer ${admin}`).set('If-Match', '*').send({ sku: 'STAR-1', name: 'Star', description: 'A star', brand: 'Acme', category: 'Tools', price: { amount: 100, currency: 'USD' } }),
      () =>
        app.http().post('/api/v1/subscriptions').set('Authorization', `Bearer ${shopper.token}`).set('If-Match', '*')
          .send({ items: [{ productId: product.productId, quantity: 1 }], intervalDays: 7, shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, paymentMethodId: saved.body.paymentMethodId }),
    ];
    for (const act of cases) expectProblem(await appendsNothing(app, act), 412);
    const login = await app.http().post('/api/v1/account/login').send({ email: 'star@test.local', password: 'correct-horse' });
    expect(login.status, 'no account was made').to.equal(401);
    // Where the creation is refused for its own reason, that refusal is the answer: an address or a SKU taken (409), a product unknown (422).
    const taken = [
      () => app.http().post('/api/v1/account/register').set('If-Match', '*').send({ email: shopper.email, password: 'correct-horse', name: 'Again' }),
      () => app.http().post('/api/v1/products').set('Authorization', `Bearer ${admin}`).set('If-Match', '*').send({ sku: product.sku, name: 'Again', description: 'Again', brand: 'Acme', category: 'Tools', price: { amount: 100, currency: 'USD' } }),
    ];
    for (const act of taken) expectProblem(await appendsNothing(app, act), 409);
    const unknown = await appendsNothing(app, () =>
      app.http().post('/api/v1/subscriptions').set('Authorization', `Bearer ${shopper.token}`).set('If-Match', '*')
        .send({ items: [{ productId: '00000000-0000-4000-8000-000000000000', quantity: 1 }], intervalDays: 7, shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, paymentMethodId: saved.body.paymentMethodId }));
    expectProblem(unknown, 422);
  });

  it('answers 412 to `If-Match: *` on the first write of a cart (it has no revision yet), and takes it once the cart exists; an unknown product stays 404', async () => {
    const shopper = await app.customer('Cary Cart');
    const add = (ifMatch?: string) => {
      const req = app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`);
      return (ifMatch ? req.set('If-Match', ifMatch) : req).send({ productId: product.productId, quantity: 1 });
    };
    expectProblem(await appendsNothing(app, () => add('*')), 412);
    expect((await add()).status).to.equal(200);
    const again = await add('*');
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body.items[0].quantity).to.equal(2);
    // The command's own refusal comes first where the thing is unknown: as with a revision.
    const unknown = await appendsNothing(app, () => app.http().patch('/api/v1/products/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${admin}`).set('If-Match', '*').send({ name: 'Nobody' }));
    expectProblem(unknown, 404);
  });

  it('refuses If-None-Match and X-Min-Position on a write, and X-Min-Position on a read that does not wait for the read models', async () => {
    const position = String(await app.head());
    const writes = [
      { header: 'If-None-Match', act: () => app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).set('If-None-Match', '*').send({ name: 'Renamed' }) },
      { header: 'X-Min-Position', act: () => app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).set('X-Min-Position', position).send({ name: 'Renamed' }) },
      { header: 'X-Min-Position', act: () => app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).set('X-Min-Position', 'abc').send({ quantity: 1 }) },
    ];
    for (const { header, act } of writes) {
      const res = await appendsNothing(app, act);
      expectProblem(res, 400);
      expect(fieldsOf(res)).to.deep.equal([header]);
    }
    expect((await app.http().get(`/api/v1/products/${product.productId}`)).body.name, 'no PATCH ran').not.to.equal('Renamed');
    const audit = await app.http().get(`/api/v1/admin/audit/streams/product-${product.productId}`).set('Authorization', `Bearer ${admin}`).set('X-Min-Position', position);
    expectProblem(audit, 400);
    expect(fieldsOf(audit)).to.deep.equal(['X-Min-Position']);
    const read = await app.http().get(`/api/v1/products/${product.productId}`).set('X-Min-Position', position);
    expect(read.status, 'a read of the read models takes it').to.equal(200);
  });
});
