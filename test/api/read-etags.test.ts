import { expect } from 'chai';
import type supertest from 'supertest';
import { ADDRESS, addToCart, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * API.md: write routes that target an existing aggregate take `If-Match: "<revision>"` (412 on
 * a mismatch) and answers carry `ETag: "<revision>"`. So the read of each such aggregate (the
 * cart, the account, the saved payment methods) answers the ETag its writes compare If-Match
 * with: a client reads, then writes what it saw. They answered none.
 */
describe('ETags of the reads whose writes take If-Match', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let product: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    product = await stockedProduct(app, admin, 20, 1250);
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const as = (who: Shopper = shopper) => ({ Authorization: `Bearer ${who.token}` });
  const read = (path: string) => app.http().get(`/api/v1${path}`).set(as());
  const eventsBy = async (res: supertest.Response) => (await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']).map((e) => e.type);
  /** A read's ETag: a strong revision, on an answer no cache keeps. */
  const etagOf = (res: supertest.Response): string => {
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers.etag).to.match(/^"\d+"$/);
    expect(res.headers['cache-control']).to.equal('private, no-store');
    return res.headers.etag!;
  };
  const stale = async (act: () => supertest.Test, current: string) => {
    const res = await appendsNothing(app, act);
    expectProblem(res, 412);
    expect(res.headers.etag, 'the 412 names the current revision').to.equal(current);
  };

  describe('GET /cart', () => {
    const patch = (quantity: number, ifMatch: string) =>
      app.http().patch(`/api/v1/cart/items/${product.productId}`).set(as()).set('If-Match', ifMatch).send({ quantity });
    const add = (ifMatch: string) => app.http().post('/api/v1/cart/items').set(as()).set('If-Match', ifMatch).send({ productId: product.productId, quantity: 1 });
    const remove = (ifMatch: string) => app.http().delete(`/api/v1/cart/items/${product.productId}`).set(as()).set('If-Match', ifMatch);
    const checkout = (ifMatch: string) =>
      app.http().post('/api/v1/checkout').set(as()).set('If-Match', ifMatch).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });

    it('answers no ETag before anything was added, then the ETag the last write answered', async () => {
      const empty = await read('/cart');
      expect(empty.status).to.equal(200);
      expect(empty.headers).to.not.have.property('etag');
      const added = await app.http().post('/api/v1/cart/items').set(as()).send({ productId: product.productId, quantity: 2 });
      expect(added.headers.etag).to.equal('"0"');
      expect(etagOf(await read('/cart'))).to.equal(added.headers.etag);
      const changed = await patch(3, added.headers.etag!);
      expect(changed.headers.etag).to.equal('"1"');
      expect(etagOf(await read('/cart'))).to.equal(changed.headers.etag);
    });

    it("takes the read's ETag as If-Match on each write, appending; a stale one is 412, appending nothing", async () => {
      await addToCart(app, shopper, product.productId, 1);
      const first = etagOf(await read('/cart'));
      const changed = await patch(4, first);
      expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
      expect(await eventsBy(changed)).to.deep.equal(['CartItemQuantityChanged']);
      const second = etagOf(await read('/cart'));
      expect(second).to.not.equal(first);

      await stale(() => patch(5, first), second);
      await stale(() => add(first), second);
      await stale(() => remove(first), second);
      expect((await read('/cart')).body.items[0].quantity).to.equal(4);

      const grown = await add(second);
      expect(grown.status, JSON.stringify(grown.body)).to.equal(200);
      expect(await eventsBy(grown)).to.deep.equal(['CartItemAdded']);
      const removed = await remove(etagOf(await read('/cart')));
      expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
      expect(await eventsBy(removed)).to.deep.equal(['CartItemRemoved']);
      expect(etagOf(await read('/cart'))).to.equal(removed.headers.etag);
    });

    it('places the order with the read\'s ETag as If-Match; a stale one is 412, placing nothing', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const first = etagOf(await read('/cart'));
      await addToCart(app, shopper, product.productId, 1);
      const current = etagOf(await read('/cart'));
      await stale(() => checkout(first), current);
      const placed = await checkout(current);
      expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
      // (the saga's own events carry the request's correlation id too)
      expect(await eventsBy(placed)).to.include.members(['OrderCreated', 'CartCheckedOut']);
      const emptied = await read('/cart');
      expect(emptied.body.items).to.deep.equal([]);
      expect(etagOf(emptied)).to.not.equal(current);
      expect(placed.headers.etag, "the answer carries the cart's new revision").to.equal(emptied.headers.etag);
    });

    it('waits for the caller\'s own write before answering, so its ETag is never older than that write', async () => {
      await addToCart(app, shopper, product.productId, 1);
      await app.settled();
      const before = etagOf(await read('/cart'));
      // The read models fall behind: every write of theirs takes 300 ms from here.
      const bulkWrite = app.store.bulkWrite.bind(app.store);
      app.store.bulkWrite = async (operations) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return bulkWrite(operations);
      };
      const changed = await patch(2, before);
      expect(changed.status).to.equal(200);
      expect(etagOf(await read('/cart'))).to.equal(changed.headers.etag).and.not.equal(before);
      app.store.bulkWrite = bulkWrite;
    });
  });

  describe('GET /account/me', () => {
    const addAddress = (ifMatch: string) => app.http().post('/api/v1/account/me/addresses').set(as()).set('If-Match', ifMatch).send(ADDRESS);

    it('answers the account\'s revision, which its writes take as If-Match; a stale one is 412, appending nothing', async () => {
      const registered = etagOf(await read('/account/me'));
      expect(registered).to.equal('"0"');
      const added = await addAddress(registered);
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
      expect(await eventsBy(added)).to.deep.equal(['CustomerAddressAdded']);
      const now = etagOf(await read('/account/me'));
      expect(now).to.equal(added.headers.etag).and.not.equal(registered);

      await stale(() => addAddress(registered), now);
      const role = (ifMatch: string) => app.http().put(`/api/v1/admin/customers/${shopper.customerId}/role`).set('Authorization', `Bearer ${admin}`).set('If-Match', ifMatch).send({ role: 'admin' });
      await stale(() => role(registered), now);
      await stale(() => app.http().delete('/api/v1/account/me').set(as()).set('If-Match', registered).send({ password: 'correct-horse' }), now);
      const promoted = await role(now);
      expect(promoted.status, JSON.stringify(promoted.body)).to.equal(200);
      expect(etagOf(await read('/account/me'))).to.equal(promoted.headers.etag);
    });

    it("is answered by the registration itself, as a product's creation answers its revision", async () => {
      const email = 'etag@example.com';
      const created = await app.http().post('/api/v1/account/register').send({ email, password: 'correct-horse', name: 'Eve' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.headers.etag, 'registration answers an ETag').to.equal('"0"');
      const login = await app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' });
      const me = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${login.body.token}`);
      expect(etagOf(me)).to.equal(created.headers.etag);
    });
  });

  describe('GET /account/me/payment-methods', () => {
    const path = '/account/me/payment-methods';

    it("answers no ETag before the first save, then the saved methods' revision, which their writes take as If-Match", async () => {
      const none = await read(path);
      expect(none.status).to.equal(200);
      expect(none.headers).to.not.have.property('etag');
      const saved = await app.http().post(`/api/v1${path}`).set(as()).send({ token: 'tok_visa' });
      expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
      const first = etagOf(await read(path));
      expect(first).to.equal(saved.headers.etag);
      const other = await app.http().post(`/api/v1${path}`).set(as()).set('If-Match', first).send({ token: 'tok_mastercard' });
      expect(other.status, JSON.stringify(other.body)).to.equal(201);
      const second = etagOf(await read(path));
      expect(second).to.equal(other.headers.etag).and.not.equal(first);

      const makeDefault = (ifMatch: string) => app.http().post(`/api/v1${path}/${other.body.paymentMethodId}/default`).set(as()).set('If-Match', ifMatch);
      await stale(() => makeDefault(first), second);
      const chosen = await makeDefault(second);
      expect(chosen.status, JSON.stringify(chosen.body)).to.equal(200);
      expect(await eventsBy(chosen)).to.deep.equal(['DefaultPaymentMethodChanged']);
      expect(etagOf(await read(path))).to.equal(chosen.headers.etag);
    });
  });
});
