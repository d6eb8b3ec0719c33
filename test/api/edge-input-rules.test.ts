/**
 * The HTTP edge against the examples of issue 12, item 5: one set of input rules holds on every route (control
 * and bidirectional characters, blank texts, prototype keys, plain decimal query numbers, NFC, query strings and
 * If-Match where a route takes none). Bodies of any shape (item 1): edge-input-shapes.test.ts.
 */
import { expect } from 'chai';
import { ADDRESS } from '../support/shop.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { edgeHelpers, fields } from './edge-input-fixture.js';

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

  describe('one set of input rules (item 5)', () => {
    it('refuses NUL and other control characters in names, address lines, reasons and payment tokens, appending nothing', async () => {
      const cases = [
        () => app.http().post('/api/v1/account/register').send({ email: 'ctl@test.local', password: 'correct-horse', name: 'Zoe\u0000' }),
        () => as(shopper.token).post('/api/v1/account/me/addresses').send({ ...ADDRESS, line1: '1 Main\u0007 St' }),
        () => as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: { ...ADDRESS, line1: '1 Main St\u001b[2J' }, paymentMethod: { token: 'tok_visa' } }),
        () => as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa\u0000' } }),
        () => as(admin).post(`/api/v1/inventory/${product.sku}/adjustments`).send({ delta: -1, reason: 'damaged\u0085' }),
        () => as(admin).patch(`/api/v1/products/${product.productId}`).send({ name: 'Widget\u007f' }),
      ];
      const expected = ['name', 'line1', 'shippingAddress.line1', 'paymentMethod.token', 'reason', 'name'];
      for (const [i, act] of cases.entries()) {
        const res = await appendsNothing(app, act);
        expectProblem(res, 400);
        expect(res.body.errors).to.deep.equal([{ field: expected[i], message: 'must not contain control characters' }]);
      }
    });

    it('refuses address lines and cities that are blank after trimming', async () => {
      const blank = { ...ADDRESS, line1: ' \t ', city: '\u00a0 ' };
      for (const act of [
        () => as(shopper.token).post('/api/v1/account/me/addresses').send(blank),
        () => as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: blank, paymentMethod: { token: 'tok_visa' } }),
      ]) {
        const res = await appendsNothing(app, act);
        expectProblem(res, 400);
        expect(fields(res).map((f) => f.replace('shippingAddress.', ''))).to.deep.equal(['line1', 'city']);
      }
    });

    it('refuses a password of eight spaces', async () => {
      const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register').send({ email: 'spaces@test.local', password: ' '.repeat(8), name: 'S' }));
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ field: 'password', message: 'must not be blank' }]);
    });

    it('refuses bidirectional override and mark characters in names', async () => {
      for (const char of ['\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200f']) {
        const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register').send({ email: 'bidi@test.local', password: 'correct-horse', name: `Ann${char}gpj.exe` }));
        expectProblem(res, 400);
        expect(res.body.errors, JSON.stringify(char)).to.deep.equal([{ field: 'name', message: 'must not contain bidirectional control characters' }]);
      }
      const product = await appendsNothing(app, () => as(admin).post('/api/v1/products').send({ sku: 'BIDI-1', name: 'Mug\u202e', description: '', brand: 'b', category: 'c', price: { amount: 1, currency: 'USD' } }));
      expect(product.body.errors).to.deep.equal([{ field: 'name', message: 'must not contain bidirectional control characters' }]);
    });

    it('refuses __proto__, constructor and prototype keys like any unknown key, in bodies and query strings', async () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const register = `{"email":"proto@test.local","password":"correct-horse","name":"P","${key}":{"role":"admin"}}`;
        const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register').set('Content-Type', 'application/json').send(register));
        expectProblem(res, 400);
        expect(res.body.errors).to.deep.equal([{ field: key, message: 'should not exist' }]);
        const nested = `{"shippingAddress":{"line1":"1 Main","city":"X","postalCode":"1","country":"US","${key}":{}},"paymentMethod":{"token":"tok_visa"}}`;
        const checkout = await appendsNothing(app, () => json(as(shopper.token).post('/api/v1/checkout'), nested));
        expect(checkout.body.errors).to.deep.equal([{ field: `shippingAddress.${key}`, message: 'should not exist' }]);
        const query = await app.http().get(`/api/v1/products?${key}=1`);
        expectProblem(query, 400);
        expect(query.body.errors).to.deep.equal([{ field: key, message: 'should not exist' }]);
      }
    });

    it('refuses query numbers that are not plain decimals: minPrice=0x10 is not 16', async () => {
      for (const path of ['/api/v1/products', '/api/v1/search']) {
        for (const minPrice of ['0x10', '1e1', '%2B16', '%2016', '16.0', '0b1']) {
          const res = await app.http().get(`${path}?minPrice=${minPrice}`);
          expectProblem(res, 400);
          expect(res.body.errors).to.deep.equal([{ field: 'minPrice', message: 'must be a whole number in decimal digits' }]);
        }
        expect((await app.http().get(`${path}?minPrice=16`)).status).to.equal(200);
      }
    });

    it('stores texts trimmed and in Unicode NFC, so an email typed either way is one account', async () => {
      const email = 'zoe\u0301@test.local';
      const registered = await app.http().post('/api/v1/account/register').send({ email, password: 'correct-horse', name: '  Zoe\u0301  ' });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      const event = (await app.events()).find((e) => e.type === 'CustomerRegistered' && e.data.customerId === registered.body.customerId)!;
      expect(event.data).to.include({ name: 'Zo\u00e9', email: 'zo\u00e9@test.local' });
      const login = await app.http().post('/api/v1/account/login').send({ email: 'zo\u00e9@test.local', password: 'correct-horse' });
      expect(login.status).to.equal(200);
      expectProblem(await app.http().post('/api/v1/account/register').send({ email: 'zo\u00e9@test.local', password: 'correct-horse', name: 'Z' }), 409);
    });

    it('keeps line feeds and tabs in a description (CR LF becomes LF) but no other control character', async () => {
      const body = { sku: 'MULTI-1', name: 'Lamp', description: 'Bright.\r\n\tWarm.', brand: 'b', category: 'c', price: { amount: 1, currency: 'USD' } };
      const created = await as(admin).post('/api/v1/products').send(body);
      expect(created.status).to.equal(201);
      const event = (await app.events()).find((e) => e.type === 'ProductCreated' && e.data.productId === created.body.productId)!;
      expect(event.data.description).to.equal('Bright.\n\tWarm.');
      const refused = await appendsNothing(app, () => as(admin).post('/api/v1/products').send({ ...body, sku: 'MULTI-2', description: 'Bright.\u0000' }));
      expect(refused.body.errors).to.deep.equal([{ field: 'description', message: 'must not contain control characters' }]);
    });

    it('takes a password exactly as typed, spaces included, and lets one typed in another Unicode form sign in', async () => {
      const password = '  e\u0301te\u0301 horse  ';
      const registered = await app.http().post('/api/v1/account/register').send({ email: 'spaced@test.local', password, name: 'S' });
      expect(registered.status).to.equal(201);
      expect((await app.http().post('/api/v1/account/login').send({ email: 'spaced@test.local', password })).status).to.equal(200);
      expectProblem(await app.http().post('/api/v1/account/login').send({ email: 'spaced@test.local', password: password.trim() }), 401);
      // The hasher derives from the NFKC form: the same password typed precomposed signs in (accounts of before too).
      const precomposed = password.normalize('NFC');
      expect(precomposed).to.not.equal(password);
      expect((await app.http().post('/api/v1/account/login').send({ email: 'spaced@test.local', password: precomposed })).status).to.equal(200);
    });

    it('takes a number parameter given empty as no parameter (a form field left empty), and still refuses a parameter a route does not take', async () => {
      const pairs: Array<[string, string]> = [
        ['/api/v1/products', '/api/v1/products?page=&pageSize=&minPrice=&maxPrice=&category=&sort='],
        ['/api/v1/search', '/api/v1/search?q=&page=&pageSize=&minPrice=&maxPrice='],
        [`/api/v1/reviews?productId=${product.productId}`, `/api/v1/reviews?productId=${product.productId}&rating=&page=&pageSize=`],
        [`/api/v1/recommendations?productId=${product.productId}`, `/api/v1/recommendations?productId=${product.productId}&limit=`],
        ['/api/v1/inventory', '/api/v1/inventory?lowStockBelow=&page='],
      ];
      for (const [plain, blanks] of pairs) {
        const [without, withBlanks] = [await as(admin).get(plain), await as(admin).get(blanks)];
        expect(withBlanks.status, `${blanks}: ${JSON.stringify(withBlanks.body)}`).to.equal(200);
        expect(withBlanks.body, blanks).to.deep.equal(without.body);
      }
      const unknown = await app.http().get('/api/v1/products?bogus=');
      expectProblem(unknown, 400);
      expect(unknown.body.errors).to.deep.equal([{ field: 'bogus', message: 'should not exist' }]);
      // Given, a number must still be one.
      expect(fields(await app.http().get('/api/v1/products?maxPrice=%20'))).to.deep.equal(['maxPrice']);
    });

    it('takes a blank q as no query, and refuses one with a control character', async () => {
      const all = await app.http().get('/api/v1/search');
      const blank = await app.http().get('/api/v1/search?q=%20%20');
      expect(blank.status).to.equal(200);
      expect(blank.body.total).to.equal(all.body.total);
      const res = await app.http().get('/api/v1/search?q=%00');
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ field: 'q', message: 'must not contain control characters' }]);
    });

    it('refuses a query string on every read that takes none (400 naming it), where it was ignored before', async () => {
      const reads = ['/api/v1/cart', '/api/v1/account/me', `/api/v1/products/${product.productId}`, `/api/v1/inventory/${product.sku}`, '/api/v1/admin/projections', '/api/v1/admin/cluster'];
      for (const url of reads) {
        const res = await as(admin).get(`${url}?status=Failed`);
        expectProblem(res, 400);
        expect(res.body.errors, url).to.deep.equal([{ field: 'status', message: 'should not exist' }]);
      }
    });

    it('refuses If-Match on a write that is no command (sign-in, rebuild, replays) instead of ignoring the condition, starting nothing', async () => {
      const login = await app.http().post('/api/v1/account/login').set('If-Match', '"3"').send({ email: shopper.email, password: 'correct-horse' });
      expectProblem(login, 400);
      expect(login.body.errors).to.deep.equal([{ field: 'If-Match', message: 'should not be sent: this route names no resource revision a client knows' }]);
      const rebuild = await appendsNothing(app, () => as(admin).post('/api/v1/admin/projections/products/rebuild').set('If-Match', '"3"'));
      expectProblem(rebuild, 400);
      const projections = await as(admin).get('/api/v1/admin/projections');
      expect(projections.body.find((p: { name: string }) => p.name === 'products').status).to.equal('live');
      expectProblem(await as(admin).post('/api/v1/admin/parked-jobs/x/replay').set('If-Match', '"1"'), 400);
    });

    it('keeps answering 404 to route ids that cannot name a resource', async () => {
      for (const url of ['/api/v1/products/not-a-uuid', '/api/v1/products/%00', '/api/v1/orders/%E2%80%AE']) {
        expectProblem(await as(shopper.token).get(url), 404);
      }
      expectProblem(await as(admin).get('/api/v1/inventory/bad%20sku'), 404);
    });
  });
});
