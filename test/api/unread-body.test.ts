import { expect } from 'chai';
import { ADDRESS, addToCart, checkout } from '../support/shop.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { ROUTES, type Caller, type Ids } from './input/route-table.js';

/**
 * A write that reads no body (cancel, pause, deliver, notify-me...) refuses one with fields,
 * as every other route refuses a field it does not take: `{"reason": "..."}` on a cancel was
 * dropped unread and the cancel went ahead. No body and `{}` stay the same request.
 */

const NO_BODY_WRITES = ROUTES.filter((c) => !c.route.startsWith('GET ') && !c.body && !c.readsNoBody);

describe('Writes that read no body', () => {
  let app: TestApp;
  let ids: Ids;
  const tokens: Partial<Record<Caller, string>> = {};

  before(async () => {
    app = await startTestApp();
    tokens.admin = await app.adminToken();
    tokens.customer = (await app.customer()).token;
    ids = { ...(await createProduct(app, tokens.admin)), unknownId: '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b' };
  });
  after(async () => app.close());

  it('are the routes the table lists without a body (a dozen of them)', () => {
    expect(NO_BODY_WRITES.length).to.be.greaterThan(10);
  });

  for (const c of NO_BODY_WRITES) {
    it(`${c.route} answers a body with a field 400 naming it, and an array 400, appending nothing`, async () => {
      const [method] = c.route.split(' ');
      const send = (body: string) =>
        appendsNothing(app, () =>
          app
            .http()
            [method!.toLowerCase() as 'post'](c.url(ids))
            .set('Authorization', `Bearer ${tokens[c.as as 'admin' | 'customer']}`)
            .set('Content-Type', 'application/json')
            .send(body),
        );
      const withField = await send('{"reason":"changed my mind"}');
      expectProblem(withField, 400);
      expect(withField.body.errors).to.deep.include({ field: 'reason', message: 'should not exist' });
      const array = await send('[]');
      expectProblem(array, 400);
    });
  }

  it('takes {} as no body: an order is cancelled either way', async () => {
    const shopper = await app.customer();
    const product = await createProduct(app, tokens.admin!);
    await app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${tokens.admin}`).send({ quantity: 5 });
    await addToCart(app, shopper, product.productId, 1);
    const placed = await checkout(app, shopper);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const cancelled = await app
      .http()
      .post(`/api/v1/orders/${placed.body.orderId}/cancel`)
      .set('Authorization', `Bearer ${shopper.token}`)
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(202);
    expect(cancelled.body.status).to.equal('Cancelled');
    expect(ADDRESS).to.deep.equal(cancelled.body.shippingAddress);
  });
});
