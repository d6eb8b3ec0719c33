import { expect } from 'chai';
import { ADDRESS, addToCart, checkout, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP cart and checkout', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let product: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    product = await stockedProduct(app, admin, 5, 1250);
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const cart = () => app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
  const patch = (productId: string, quantity: unknown) =>
    app.http().patch(`/api/v1/cart/items/${productId}`).set('Authorization', `Bearer ${shopper.token}`).send({ quantity });
  const remove = (productId: string) => app.http().delete(`/api/v1/cart/items/${productId}`).set('Authorization', `Bearer ${shopper.token}`);
  const add = (productId: string, quantity: unknown) =>
    app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity });

  describe('the cart', () => {
    it('starts empty', async () => {
      const res = await cart();
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ cartId: shopper.customerId, items: [], total: { amount: 0, currency: 'USD' } });
    });

    it('takes the price from the catalog, sums repeated adds and shows the total', async () => {
      await addToCart(app, shopper, product.productId, 2);
      const res = await add(product.productId, 1);
      expect(res.status).to.equal(200);
      expect(res.body.items).to.deep.equal([
        { productId: product.productId, sku: product.sku, name: 'Widget', quantity: 3, unitPrice: { amount: 1250, currency: 'USD' } },
      ]);
      expect(res.body.total).to.deep.equal({ amount: 3750, currency: 'USD' });
      expect((await cart()).body).to.deep.equal(res.body);
    });

    it('refuses more than is available (409), appending nothing', async () => {
      await addToCart(app, shopper, product.productId, 4);
      expectProblem(await appendsNothing(app, () => add(product.productId, 2)), 409);
      const empty = await stockedProduct(app, admin, 0);
      expectProblem(await appendsNothing(app, () => add(empty.productId, 1)), 409);
    });

    it('refuses an unknown product (404) and a bad quantity (400), appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => add('11111111-1111-4111-8111-111111111111', 1)), 404);
      for (const quantity of [0, -1, 1.5, '1', 101]) expectProblem(await appendsNothing(app, () => add(product.productId, quantity)), 400);
      expectProblem(await appendsNothing(app, () => add('not-a-uuid', 1)), 400);
    });

    it('refuses an add that takes a line past 100 with 409 naming what it holds (the request itself is valid), appending nothing', async () => {
      const plenty = await stockedProduct(app, admin, 500);
      await addToCart(app, shopper, plenty.productId, 60);
      const res = await appendsNothing(app, () => add(plenty.productId, 41));
      expectProblem(res, 409);
      expect(res.body.detail).to.equal('a line holds at most 100: 60 in the cart, 41 more wanted');
      expect((await add(plenty.productId, 40)).status).to.equal(200);
    });

    it('refuses a 51st different product with 409 as it refuses a line past 100 (the cart as it is against the request), appending nothing', async () => {
      const lines = [product];
      for (let i = 1; i < 51; i += 1) lines.push(await stockedProduct(app, admin, 5));
      for (const line of lines.slice(0, 50)) await addToCart(app, shopper, line.productId, 1);
      const res = await appendsNothing(app, () => add(lines[50]!.productId, 1));
      expectProblem(res, 409);
      expect(res.body.detail).to.equal('a cart holds at most 50 different products');
      expect((await add(lines[3]!.productId, 1)).status, 'a line it holds takes more').to.equal(200);
    });

    it("names a line as the catalog names its product now, keeping the price it was added at", async () => {
      await addToCart(app, shopper, product.productId, 1);
      const other = await stockedProduct(app, admin, 5);
      const renamed = await app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Widget Pro', price: { amount: 1300, currency: 'USD' } });
      expect(renamed.status).to.equal(200);
      await app.settled();
      const line = { productId: product.productId, sku: product.sku, name: 'Widget Pro', quantity: 1, unitPrice: { amount: 1250, currency: 'USD' } };
      expect((await cart()).body.items).to.deep.equal([line]);
      const added = await add(other.productId, 1);
      expect(added.body.items[0]).to.deep.equal(line);
      const changed = await patch(product.productId, 2);
      expect(changed.body.items[0]).to.deep.equal({ ...line, quantity: 2 });
    });

    it('changes a quantity (200), within availability (409 beyond), and only of a line it has (404)', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const changed = await patch(product.productId, 4);
      expect(changed.status).to.equal(200);
      expect(changed.body.items[0].quantity).to.equal(4);
      expectProblem(await appendsNothing(app, () => patch(product.productId, 6)), 409);
      const other = await stockedProduct(app, admin, 3);
      expectProblem(await appendsNothing(app, () => patch(other.productId, 1)), 404);
      expectProblem(await appendsNothing(app, () => patch(product.productId, 0)), 400);
    });

    it('removes a line (200), and answers 404 for a line it does not have', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const removed = await remove(product.productId);
      expect(removed.status).to.equal(200);
      expect(removed.body.items).to.deep.equal([]);
      expectProblem(await appendsNothing(app, () => remove(product.productId)), 404);
    });

    it('is private: 401 without a token', async () => {
      expectProblem(await app.http().get('/api/v1/cart'), 401);
      expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/cart/items').send({ productId: product.productId, quantity: 1 })), 401);
    });
  });

  describe('checking out', () => {
    it('creates a Pending order (202 with Location), empties the cart, and answers at once', async () => {
      await addToCart(app, shopper, product.productId, 2);
      const res = await checkout(app, shopper);
      expect(res.status).to.equal(202);
      expect(res.body.status).to.equal('Pending');
      expect(res.headers.location).to.equal(`/api/v1/orders/${res.body.orderId}`);
      const created = (await app.events()).filter((e) => e.type === 'OrderCreated' && e.data.orderId === res.body.orderId);
      expect(created).to.have.length(1);
      expect(created[0]!.data).to.deep.include({ customerId: shopper.customerId, shippingAddress: ADDRESS, total: { amount: 2500, currency: 'USD' } });
      expect((await cart()).body.items).to.deep.equal([]);
    });

    it('refuses an empty cart (422), appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => checkout(app, shopper)), 422);
    });

    it('refuses a body without a payment method or with a bad address (400), appending nothing', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const missing = await appendsNothing(app, () =>
        app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: ADDRESS }),
      );
      expectProblem(missing, 400);
      expect(missing.body.errors).to.deep.equal([{ field: 'paymentMethod', message: 'is required' }]);
      const bad = await appendsNothing(app, () =>
        app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`)
          .send({ shippingAddress: { ...ADDRESS, country: 'Atlantis' }, paymentMethod: { token: 'tok_visa' } }),
      );
      expectProblem(bad, 400);
      expect(bad.body.errors[0].field).to.equal('shippingAddress.country');
    });

    it('checks out the cart If-Match names: its revision moved on is 412 with the current ETag, appending nothing', async () => {
      const first = await add(product.productId, 1);
      const seen = first.headers.etag!;
      const moved = await add(product.productId, 1);
      const place = (ifMatch: string) =>
        app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).set('If-Match', ifMatch).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
      const stale = await appendsNothing(app, () => place(seen));
      expectProblem(stale, 412);
      expect(stale.headers.etag).to.equal(moved.headers.etag);
      expect((await cart()).body.items[0].quantity).to.equal(2);
      const placed = await place(moved.headers.etag!);
      expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    });

    it('answers a repeated Idempotency-Key with the same order and appends nothing', async () => {
      await addToCart(app, shopper, product.productId, 1);
      const first = await checkout(app, shopper, 'tok_visa', 'checkout-1');
      const again = await appendsNothing(app, () => checkout(app, shopper, 'tok_visa', 'checkout-1'));
      expect(again.status).to.equal(202);
      expect(again.body).to.deep.equal(first.body);
      expect((await app.events()).filter((e) => e.type === 'OrderCreated')).to.have.length(1);
    });
  });
});
