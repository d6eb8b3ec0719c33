/**
 * Lists paged by cursor over HTTP: `next` on every list, search's too, given back as `after`,
 * starts the next page right after the item the last one ended with, whatever was written
 * meanwhile. By page number, an order placed between two pages showed one twice.
 */
import { expect } from 'chai';
import { buy, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('lists paged by cursor over HTTP', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    // Prices that tie, so that the order's ties are broken by id across pages.
    for (const price of [1500, 900, 1500, 2500, 900, 1200]) await stockedProduct(app, admin, 0, price);
  });
  after(async () => app?.close());

  const orders = (query: string) => app.http().get(`/api/v1/orders?${query}`).set('Authorization', `Bearer ${shopper.token}`);
  const ids = (res: { body: { items: Array<{ orderId: string }> } }) => res.body.items.map((o) => o.orderId);

  it('reads each order once while one is placed between two pages, where page 2 by number repeats one', async () => {
    const { productId } = await stockedProduct(app, admin, 20);
    for (let n = 0; n < 3; n += 1) await buy(app, shopper, productId);
    await app.settled();
    const before = ids(await orders('pageSize=50'));
    expect(before).to.have.length(3);

    const first = await orders('pageSize=2');
    expect(first.status).to.equal(200);
    expect(first.body.next).to.be.a('string');
    await buy(app, shopper, productId); // newest first: it comes before everything read
    await app.settled();
    const byNumber = await orders('pageSize=2&page=2');
    expect(ids(byNumber)).to.include(ids(first)[1]!); // shifted: read again

    const second = await orders(`pageSize=2&after=${first.body.next as string}`);
    expect(second.status, JSON.stringify(second.body)).to.equal(200);
    expect([...ids(first), ...ids(second)]).to.deep.equal(before);
    expect(second.body).to.include({ total: 4, page: 1, pageSize: 2, next: null });
  });

  it('pages products by cursor in every order the list offers', async () => {
    for (const sort of ['newest', 'price', '-price', 'name']) {
      const whole = (await app.http().get(`/api/v1/products?sort=${sort}&pageSize=100`)).body.items.map((p: { productId: string }) => p.productId);
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const res = await app.http().get(`/api/v1/products?sort=${sort}&pageSize=3${next ? `&after=${next}` : ''}`);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        seen.push(...res.body.items.map((p: { productId: string }) => p.productId));
        next = res.body.next as string | null;
      } while (next);
      expect(seen, sort).to.deep.equal(whole);
      expect(whole.length, sort).to.be.at.least(7);
    }
  });

  it('pages search by cursor, newest first and by relevance, while products are added between pages, where page 2 by number repeats one', async () => {
    for (const query of ['sort=newest', 'q=widget']) {
      const search = (more: string, pageSize = 3) => app.http().get(`/api/v1/search?${query}&pageSize=${pageSize}${more}`);
      const whole = (await search('', 100)).body.items.map((p: { productId: string }) => p.productId);
      expect(whole.length, query).to.be.at.least(7);
      const first = await search('');
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.body.next, query).to.be.a('string');
      // Newer than everything read, and (named as the query) ranked first: page 1 by number gains it.
      await createProduct(app, admin, { name: 'Widget widget', description: 'widget' });
      await app.settled();
      const byNumber = await search('&page=2');
      expect(byNumber.body.items.map((p: { productId: string }) => p.productId), query).to.include(first.body.items[2].productId);
      const seen = first.body.items.map((p: { productId: string }) => p.productId);
      for (let next = first.body.next as string | null; next; ) {
        const res = await search(`&after=${next}`);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.total, 'every match counted').to.equal(whole.length + 1);
        seen.push(...res.body.items.map((p: { productId: string }) => p.productId));
        next = res.body.next;
      }
      expect(seen, query).to.deep.equal(whole);
    }
  });

  it("answers 400 naming `after` to a cursor of the same collection with other filters (another product's reviews, another category, a status)", async () => {
    // Two categories: a cursor of one, given to the other, skipped that one's items before it without a word.
    for (const category of ['Lamps', 'Mugs']) for (let i = 0; i < 2; i += 1) await createProduct(app, admin, { category });
    const lamps = await app.http().get('/api/v1/products?category=Lamps&pageSize=1');
    expect(lamps.body.next).to.be.a('string');
    const mugs = await app.http().get(`/api/v1/products?category=Mugs&pageSize=1&after=${lamps.body.next as string}`);
    expectProblem(mugs, 400);
    expect(mugs.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['after']);
    // Its own list takes it, filters given in any order.
    expect((await app.http().get(`/api/v1/products?pageSize=1&after=${lamps.body.next as string}&category=Lamps`)).status).to.equal(200);
    const { productId } = await stockedProduct(app, admin, 5);
    for (let n = 0; n < 2; n += 1) await buy(app, shopper, productId);
    await app.settled();
    const all = await app.http().get('/api/v1/orders?pageSize=1').set('Authorization', `Bearer ${admin}`);
    expect(all.body.next).to.be.a('string');
    expectProblem(await app.http().get(`/api/v1/orders?status=Confirmed&after=${all.body.next as string}`).set('Authorization', `Bearer ${admin}`), 400);
  });

  it('answers 400 naming `after` to a cursor made up, or of another order, search too', async () => {
    const products = await app.http().get('/api/v1/products?sort=price&pageSize=1');
    for (const after of ['not-a-cursor', 'a$b', products.body.next.slice(0, -4), Buffer.from('["-createdAt,_id",{"$gt":""},"x"]').toString('base64url')]) {
      const res = await appendsNothing(app, () => app.http().get(`/api/v1/products?after=${encodeURIComponent(after)}`));
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field), after).to.deep.equal(['after']);
    }
    const otherOrder = await app.http().get(`/api/v1/products?sort=name&after=${products.body.next as string}`);
    expectProblem(otherOrder, 400);
    expect(otherOrder.body.detail).to.include('another order');
    // The products' cursor, of the same sort as search's newest: another list's all the same.
    const newest = await app.http().get('/api/v1/products?sort=newest&pageSize=1');
    for (const url of [`/api/v1/search?q=mug&after=${products.body.next as string}`, `/api/v1/search?sort=newest&after=${newest.body.next as string}`]) {
      const search = await appendsNothing(app, () => app.http().get(url));
      expectProblem(search, 400);
      expect(search.body.errors.map((e: { field: string }) => e.field), url).to.deep.equal(['after']);
    }
  });
});
