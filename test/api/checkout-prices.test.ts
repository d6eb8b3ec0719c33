import { expect } from 'chai';
import type supertest from 'supertest';
import { ADDRESS, addToCart, checkout, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A cart line keeps the price it was added at; the order is placed at the catalog's. A
 * checkout that finds a line priced otherwise now re-prices it in the cart and is refused
 * (409 prices-changed), ordering nothing, so that no order is charged a total the cart did
 * not show; sent again, the checkout orders at the new prices.
 */
describe('Checkout after a price change', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let mug: { productId: string; sku: string };
  let pen: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    mug = await stockedProduct(app, admin, 20, 1500);
    pen = await stockedProduct(app, admin, 20, 300);
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const as = () => ({ Authorization: `Bearer ${shopper.token}` });
  const setPrice = async (productId: string, amount: number) => {
    const res = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ price: { amount, currency: 'USD' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };
  const causedBy = async (res: supertest.Response) => (await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']);
  const cart = async () => (await app.http().get('/api/v1/cart').set(as())).body;

  it('re-prices the changed line, refuses the checkout with the changes, then orders at the new price', async () => {
    await addToCart(app, shopper, mug.productId, 2);
    await addToCart(app, shopper, pen.productId, 1);
    await setPrice(mug.productId, 1800);

    const refused = await checkout(app, shopper);
    expectProblem(refused, 409);
    expect(refused.body.type).to.equal('urn:shop:problem:prices-changed');
    expect(refused.body.changes).to.deep.equal([
      { productId: mug.productId, sku: mug.sku, name: 'Widget', previousPrice: { amount: 1500, currency: 'USD' }, unitPrice: { amount: 1800, currency: 'USD' } },
    ]);
    const appended = await causedBy(refused);
    expect(appended.map((e) => e.type), 'only the re-price: no order').to.deep.equal(['CartItemRepriced']);
    expect(appended[0]!.data).to.include({ productId: mug.productId });
    expect(await eventsOf(app, 'OrderCreated')).to.have.length(0);
    expect(refused.headers.etag, "the cart's revision after the re-price").to.equal(`"${appended[0]!.revision}"`);

    // Read-your-writes: the refusal changed the cart, and the customer's next read waits for it.
    const shown = await app.http().get('/api/v1/cart').set(as());
    expect(shown.body.items.map((i: { unitPrice: { amount: number } }) => i.unitPrice.amount)).to.deep.equal([1800, 300]);
    expect(shown.body.total).to.deep.equal({ amount: 3900, currency: 'USD' });

    const placed = await app.http().post('/api/v1/checkout').set(as()).set('If-Match', refused.headers.etag!).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const order = await orderReaches(app, shopper.token, placed.body.orderId, ['Confirmed']);
    expect(order.total).to.deep.equal({ amount: 3900, currency: 'USD' });
    const payment = await app.http().get(`/api/v1/payments/${order.payment.paymentId}`).set(as());
    expect(payment.body.amount, 'charged what the cart showed').to.deep.equal({ amount: 3900, currency: 'USD' });
  });

  it('refuses a price cut too: the total shown is the total ordered', async () => {
    await addToCart(app, shopper, mug.productId, 1);
    await setPrice(mug.productId, 1200);
    const refused = await checkout(app, shopper);
    expectProblem(refused, 409);
    expect(refused.body.changes.map((c: { unitPrice: { amount: number } }) => c.unitPrice.amount)).to.deep.equal([1200]);
    expect((await checkout(app, shopper)).status).to.equal(202);
    const [created] = await eventsOf(app, 'OrderCreated');
    expect((created!.data.lines as Array<{ unitPrice: { amount: number } }>).map((l) => l.unitPrice.amount)).to.deep.equal([1200]);
  });

  it('places the order at once when no price moved, and re-prices nothing', async () => {
    await addToCart(app, shopper, mug.productId, 1);
    await setPrice(mug.productId, 1900);
    await setPrice(mug.productId, 1500);
    const placed = await checkout(app, shopper);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    expect(await eventsOf(app, 'CartItemRepriced')).to.have.length(0);
  });

  it('answers a keyed repeat of the refused checkout with the same refusal; a new key orders', async () => {
    await addToCart(app, shopper, mug.productId, 1);
    await setPrice(mug.productId, 1700);
    const first = await checkout(app, shopper, 'tok_visa', 'key-1');
    expectProblem(first, 409);
    const repeat = await checkout(app, shopper, 'tok_visa', 'key-1');
    expect(repeat.status).to.equal(409);
    expect(repeat.headers['idempotent-replayed']).to.equal('true');
    expect(await eventsOf(app, 'CartItemRepriced'), 'the repeat re-priced nothing more').to.have.length(1);
    const placed = await checkout(app, shopper, 'tok_visa', 'key-2');
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    expect((await cart()).items).to.deep.equal([]);
  });
});
