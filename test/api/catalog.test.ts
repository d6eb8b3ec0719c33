import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP catalog', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const post = (token: string, body: unknown) => app.http().post('/api/v1/products').set('Authorization', `Bearer ${token}`).send(body as object);
  const patch = (token: string, id: string, body: unknown, ifMatch?: string) => {
    const req = app.http().patch(`/api/v1/products/${id}`).set('Authorization', `Bearer ${token}`);
    return (ifMatch ? req.set('If-Match', ifMatch) : req).send(body as object);
  };
  const valid = (sku = 'HAMMER-1') => ({ sku, name: 'Hammer', description: 'Steel', brand: 'Acme', category: 'Tools', price: { amount: 2500, currency: 'USD' } });

  describe('creating a product', () => {
    it('answers 201 with the id, a Location, an ETag, and appends the SKU claim then the product', async () => {
      const res = await post(admin, valid());
      expect(res.status).to.equal(201);
      expect(res.headers.location).to.equal(`/api/v1/products/${res.body.productId}`);
      expect(res.headers.etag).to.equal('"0"');
      const events = (await app.events()).filter((e) => e.streamName === 'inventory-HAMMER-1' || e.streamName === `product-${res.body.productId}`);
      expect(events.map((e) => e.type)).to.deep.equal(['InventoryItemRegistered', 'ProductCreated']);
      expect(events[1]!.data).to.deep.include({ sku: 'HAMMER-1', name: 'Hammer', price: { amount: 2500, currency: 'USD' } });
      expect(events[1]!.metadata).to.include({ actor: `admin:${events[1]!.metadata.actor!.toString().split(':')[1]}` });
    });

    it('refuses a SKU that is taken (409), appending nothing', async () => {
      await post(admin, valid());
      expectProblem(await appendsNothing(app, () => post(admin, { ...valid(), name: 'Other' })), 409);
    });

    it('refuses a customer (403) and an anonymous caller (401), appending nothing', async () => {
      const { token } = await app.customer();
      expectProblem(await appendsNothing(app, () => post(token, valid())), 403);
      expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/products').send(valid())), 401);
    });

    it('refuses bad fields (400): float price, other currency, bad SKU, missing name', async () => {
      const res = await appendsNothing(app, () =>
        post(admin, { sku: 'has space', description: 'x', brand: 'b', category: 'c', price: { amount: 9.99, currency: 'USD' } }),
      );
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.have.members(['sku', 'name', 'price.amount']);
      const euro = await appendsNothing(app, () => post(admin, { ...valid(), price: { amount: 100, currency: 'EUR' } }));
      expectProblem(euro, 400);
      expect(euro.body.errors).to.deep.equal([{ field: 'price.currency', message: 'must be USD' }]);
      // The document lists the code in upper case, and so the server takes it.
      for (const currency of ['usd', ' USD', 'USD ']) {
        const refused = await appendsNothing(app, () => post(admin, { ...valid(), price: { amount: 100, currency } }));
        expectProblem(refused, 400);
        expect(refused.body.errors.map((e: { field: string }) => e.field), currency).to.deep.equal(['price.currency']);
      }
    });
  });

  describe('updating a product', () => {
    it('changes details and price with the current If-Match (200), appending only what changed', async () => {
      const { productId } = await createProduct(app, admin, { name: 'Old' });
      const before = await app.head();
      const res = await patch(admin, productId, { name: 'New', brand: 'Acme', price: { amount: 999, currency: 'USD' } }, '"0"');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ productId, name: 'New' });
      expect(res.headers.etag).to.equal('"2"');
      const appended = (await app.events()).filter((e) => e.position > before);
      expect(appended.map((e) => e.type)).to.deep.equal(['ProductUpdated', 'ProductPriceChanged']);
      expect(appended[0]!.data.changes).to.deep.equal({ name: 'New' });
      const read = await app.http().get(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`);
      expect(read.body).to.include({ name: 'New' });
      expect(read.body.price).to.deep.equal({ amount: 999, currency: 'USD' });
      expect(read.headers.etag).to.equal('"2"');
    });

    it('refuses a stale If-Match (412) with the current ETag, appending nothing', async () => {
      const { productId } = await createProduct(app, admin);
      await patch(admin, productId, { name: 'Second' }, '"0"');
      const res = await appendsNothing(app, () => patch(admin, productId, { name: 'Third' }, '"0"'));
      expectProblem(res, 412);
      expect(res.headers.etag).to.equal('"1"');
    });

    it('gives one success and one 412 to two writes racing with the same If-Match', async () => {
      const { productId } = await createProduct(app, admin);
      const [a, b] = await Promise.all([patch(admin, productId, { name: 'A' }, '"0"'), patch(admin, productId, { name: 'B' }, '"0"')]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 412]);
      const updates = (await app.events()).filter((e) => e.streamName === `product-${productId}` && e.type === 'ProductUpdated');
      expect(updates).to.have.length(1);
    });

    it('answers 404 for an unknown product and 400 for an empty change, appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => patch(admin, '3f1d6c1e-0000-4000-8000-000000000000', { name: 'x' })), 404);
      expectProblem(await appendsNothing(app, () => patch(admin, 'not-a-uuid', { name: 'x' })), 404);
      const { productId } = await createProduct(app, admin);
      expectProblem(await appendsNothing(app, () => patch(admin, productId, {})), 400);
    });

    it('refuses a malformed If-Match (400) and a weak one (412)', async () => {
      const { productId } = await createProduct(app, admin);
      expectProblem(await appendsNothing(app, () => patch(admin, productId, { name: 'x' }, 'zero')), 400);
      expectProblem(await appendsNothing(app, () => patch(admin, productId, { name: 'x' }, 'W/"0"')), 412);
    });
  });

  describe('browsing', () => {
    beforeEach(async () => {
      await createProduct(app, admin, { sku: 'A1', name: 'Anvil', brand: 'Acme', category: 'Tools', price: 5000 });
      await createProduct(app, admin, { sku: 'B1', name: 'Bolt', brand: 'Zeta', category: 'Hardware', price: 50 });
      await createProduct(app, admin, { sku: 'C1', name: 'Chisel', brand: 'acme', category: 'tools', price: 1500 });
      await app.settled();
    });

    it('filters by category and brand whatever their case, and by price range', async () => {
      const tools = await app.http().get('/api/v1/products?category=TOOLS&sort=name');
      expect(tools.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['Anvil', 'Chisel']);
      expect(tools.body.total).to.equal(2);
      const acmeCheap = await app.http().get('/api/v1/products?brand=Acme&maxPrice=2000');
      expect(acmeCheap.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['Chisel']);
      const range = await app.http().get('/api/v1/products?minPrice=100&maxPrice=6000&sort=-price');
      expect(range.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['Anvil', 'Chisel']);
    });

    it('sorts by name as shoppers read it: case and accents aside, numbers by value, the name as written breaking ties', async () => {
      const names = ['zebra', 'Éclair', '10 pens', 'apple pie', 'Ångström', 'Zucchini', '9 pens', 'banana', 'Apple', 'apple', 'Ørsted lamp', 'Œuvre print'];
      for (const [i, name] of names.entries()) await createProduct(app, admin, { sku: `NAME-${i}`, name, category: 'Names' });
      await app.settled();
      const sorted = await app.http().get('/api/v1/products?category=Names&sort=name&pageSize=50');
      expect(sorted.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['9 pens', '10 pens', 'Ångström', 'Apple', 'apple', 'apple pie', 'banana', 'Éclair', 'Œuvre print', 'Ørsted lamp', 'zebra', 'Zucchini']);
      // Paged by cursor in that order: the second page starts after the first one's last.
      const first = await app.http().get('/api/v1/products?category=Names&sort=name&pageSize=4');
      const second = await app.http().get(`/api/v1/products?category=Names&sort=name&pageSize=4&after=${first.body.next as string}`);
      expect([...first.body.items, ...second.body.items].map((p: { name: string }) => p.name)).to.deep.equal(sorted.body.items.slice(0, 8).map((p: { name: string }) => p.name));
    });

    it('pages with total, page and pageSize', async () => {
      const page2 = await app.http().get('/api/v1/products?sort=price&page=2&pageSize=2');
      expect(page2.body).to.deep.include({ total: 3, page: 2, pageSize: 2 });
      expect(page2.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['Anvil']);
    });

    it('refuses bad query parameters (400)', async () => {
      expectProblem(await app.http().get('/api/v1/products?pageSize=1000'), 400);
      expectProblem(await app.http().get('/api/v1/products?minPrice=abc'), 400);
      expectProblem(await app.http().get('/api/v1/products?minPrice=500&maxPrice=100'), 400);
      expectProblem(await app.http().get('/api/v1/products?color=red'), 400);
    });

    it('shows one product with its availability and ETag; 404 for an unknown id', async () => {
      const list = await app.http().get('/api/v1/products?brand=zeta');
      const id = list.body.items[0].productId as string;
      await app.http().post('/api/v1/inventory/B1/receipts').set('Authorization', `Bearer ${admin}`).send({ quantity: 7 });
      const res = await app.http().get(`/api/v1/products/${id}`).set('Authorization', `Bearer ${admin}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ productId: id, sku: 'B1', name: 'Bolt', available: 7 });
      expect(res.body.rating).to.deep.equal({ average: 0, count: 0 });
      expect(res.headers.etag).to.equal('"0"');
      expectProblem(await app.http().get('/api/v1/products/7d6f0b7a-1111-4111-8111-111111111111'), 404);
    });
  });
});
