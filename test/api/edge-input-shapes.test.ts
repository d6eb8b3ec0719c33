/**
 * The HTTP edge against the examples of issue 12, item 1: bodies of any shape (nested thousands deep, numbers
 * JSON cannot carry, not gzip, not JSON) and odd query strings and headers answer 4xx, never 5xx.
 * One set of input rules on every route (item 5): edge-input-rules.test.ts.
 */
import { expect } from 'chai';
import { addToCart } from '../support/shop.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { edgeHelpers, fields, nest } from './edge-input-fixture.js';

describe('HTTP edge input', () => {
  let app: TestApp;
  let admin: string;
  let shopper: { customerId: string; token: string; email: string };
  let product: { productId: string; sku: string };
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    product = await createProduct(app, admin);
    await app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 10 });
  });
  after(async () => app.close());

  const { as, json } = edgeHelpers(() => app);

  describe('a body of any shape (item 1)', () => {
    it('answers a login whose email is 1,300 nested arrays with 400 naming the email, not 500', async () => {
      const res = await app.http().post('/api/v1/account/login').set('Content-Type', 'application/json').send(`{"email":${nest(1_300)},"password":"x"}`);
      expectProblem(res, 400);
      expect(fields(res)).to.have.length(1);
      expect(fields(res)[0]).to.match(/^email(\[0\])+$/);
    });

    it('answers a checkout whose shippingAddress is nested 10,000 deep with 400, appending nothing', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const deep = `${'{"line1":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`;
      const res = await appendsNothing(app, () =>
        json(as(shopper.token).post('/api/v1/checkout'), `{"shippingAddress":${deep},"paymentMethod":{"token":"tok_visa"}}`),
      );
      expectProblem(res, 400);
      expect(fields(res)[0]).to.match(/^shippingAddress(\.line1)+$/);
    });

    it('refuses a deep body before its Idempotency-Key is looked at: the corrected request with that key goes through', async () => {
      const key = 'deep-then-fixed';
      const deep = await json(as(admin).post(`/api/v1/inventory/${product.sku}/receipts`).set('Idempotency-Key', key), `{"quantity":${nest(5_000, '1')}}`);
      expectProblem(deep, 400);
      const fixed = await as(admin).post(`/api/v1/inventory/${product.sku}/receipts`).set('Idempotency-Key', key).send({ quantity: 1 });
      expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
    });

    it('answers a GET with a deep body with 400 too: a body is read whatever the method', async () => {
      expectProblem(await app.http().get('/api/v1/products').set('Content-Type', 'application/json').send(nest(10_000)), 400);
    });

    it('answers numbers JSON cannot carry back (1e400) with 400', async () => {
      const res = await appendsNothing(app, () => json(as(admin).post(`/api/v1/inventory/${product.sku}/receipts`), '{"quantity":1e400}'));
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ field: 'quantity', message: 'must be a finite number' }]);
    });

    it('refuses a body of more than 20,000 values before parsing it (400 naming the body), signed in or not, appending nothing', async () => {
      // Within every other bound (3 levels, arrays of 1,000): 340,000 empty objects cost a quarter of a second to parse and walk.
      const many = `{"a":[${Array(340).fill(`[${Array(1_000).fill('{}').join(',')}]`).join(',')}]}`;
      for (const [path, token] of [['/api/v1/account/register', undefined], ['/api/v1/account/login', undefined], [`/api/v1/inventory/${product.sku}/receipts`, admin]] as const) {
        const request = app.http().post(path).set('Content-Type', 'application/json');
        const res = await appendsNothing(app, () => (token ? request.set('Authorization', `Bearer ${token}`) : request).send(many));
        expectProblem(res, 400);
        expect(res.body.errors, path).to.deep.equal([{ field: 'body', message: 'holds more than 20,000 values' }]);
      }
      // At the bound the count lets it through, and the field is refused as any unknown one; commas in a string are no values.
      const atBound = await app.http().post('/api/v1/account/login').set('Content-Type', 'application/json').send(`{"a":${JSON.stringify([...Array(19).fill(Array(1_000).fill(0)), Array(978).fill(0)])}}`);
      expect(atBound.body.errors).to.deep.include({ field: 'a', message: 'should not exist' });
      expect(fields(atBound)).to.not.include('body');
      const commas = await app.http().post('/api/v1/account/login').send({ email: 'nobody@example.com', password: `${','.repeat(30_000)}x` });
      expect(fields(commas)).to.not.include('body');
    });

    it('answers a body naming a field twice with 400 naming it, appending nothing (JSON.parse would keep the last)', async () => {
      const body = `{"sku":"DUPK-1","name":"A","description":"","brand":"b","category":"c","price":{"amount":1,"currency":"USD"},"sku":"DUPK-2"}`;
      const res = await appendsNothing(app, () => json(as(admin).post('/api/v1/products'), body));
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ field: 'sku', message: 'appears twice in one object (each field once)' }]);
      const nested = await appendsNothing(app, () => json(as(admin).post(`/api/v1/inventory/${product.sku}/receipts`), '{"quantity":1,"quantity":5}'));
      expectProblem(nested, 400);
      // A body over 64 KiB that names a field twice is refused as a whole: finding where would walk all its text.
      const large = `{"email":"a@b.c","password":"${'\\"'.repeat(40_000)}","email":"b@c.d"}`;
      const whole = await appendsNothing(app, () => json(app.http().post('/api/v1/account/login'), large));
      expectProblem(whole, 400);
      expect(whole.body.errors).to.deep.equal([{ field: 'body', message: 'names a field twice in one object (each field once)' }]);
    });

    it('answers a body that says gzip but is not, and a path that does not percent-decode, with 400, not 500', async () => {
      const notGzip = await json(as(admin).post(`/api/v1/inventory/${product.sku}/receipts`).set('Content-Encoding', 'gzip'), '{"quantity":1}');
      expectProblem(notGzip, 400);
      expectProblem(await app.http().get('/api/v1/products/%E0%A4%A'), 400);
      expectProblem(await app.http().get('/api/v1/inventory/%FF').set('Authorization', `Bearer ${admin}`), 400);
    });

    it('answers null, a string, an array and an empty body with 400, and a charset other than UTF-8 with 415', async () => {
      for (const body of ['null', '"login"', '[{"email":"a@b.c"}]', '', '  ']) {
        expectProblem(await app.http().post('/api/v1/account/login').set('Content-Type', 'application/json').send(body), 400);
      }
      expectProblem(await app.http().post('/api/v1/account/login').set('Content-Type', 'application/json; charset=latin1').send('{}'), 415);
    });

    it('answers odd query strings with 400: a field given twice, 1e400, NaN', async () => {
      const twice = await app.http().get('/api/v1/products?page=1&page=2');
      expectProblem(twice, 400);
      expect(twice.body.errors).to.deep.equal([{ field: 'page', message: 'must be given once' }]);
      for (const page of ['1e400', 'NaN', '-1', '1.5']) expectProblem(await app.http().get(`/api/v1/products?page=${page}`), 400);
    });

    it('answers odd headers with 4xx problems: If-Match, Idempotency-Key, Authorization', async () => {
      const url = `/api/v1/products/${product.productId}`;
      for (const ifMatch of ['"1", "2"', '"99999999999999999999"', 'W/"1"', '"-1"', 'garbage']) {
        const res = await appendsNothing(app, () => as(admin).patch(url).set('If-Match', ifMatch).send({ name: 'Odd' }));
        expect(res.status, ifMatch).to.be.oneOf([400, 412]);
      }
      for (const key of ['', ' ', 'k'.repeat(256), 'a b']) {
        const res = await as(admin).post(`/api/v1/inventory/${product.sku}/receipts`).set('Idempotency-Key', key).send({ quantity: 1 });
        expectProblem(res, 400);
      }
      for (const auth of ['Bearer', 'Bearer a b', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(5_000)}`, 'Bearer a.b.c']) {
        expectProblem(await app.http().get('/api/v1/cart').set('Authorization', auth), 401);
      }
    });
  });
});
