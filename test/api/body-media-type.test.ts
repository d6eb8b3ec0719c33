import { expect } from 'chai';
import { stockedProduct } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A body is read only as `application/json`, the one type the document lists. Types that
 * merely end in `+json` (merge-patch, vendor types) mean something no route implements, and
 * were read as plain JSON: they are 415 now. The type's case does not matter (RFC 9110 §8.3.1).
 */
describe('The media type of a request body', () => {
  let app: TestApp;
  let token: string;
  let productId: string;
  before(async () => {
    app = await startTestApp();
    ({ productId } = await stockedProduct(app, await app.adminToken(), 50));
    ({ token } = await app.customer());
  });
  after(async () => app.close());

  const add = (contentType: string) =>
    app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${token}`).set('Content-Type', contentType).send(JSON.stringify({ productId, quantity: 1 }));

  it('refuses application/*+json types with 415 problem+json, appending nothing', async () => {
    for (const type of ['application/vnd.foo+json', 'application/merge-patch+json', 'application/problem+json', 'application/json-patch+json; charset=utf-8']) {
      const res = await appendsNothing(app, () => add(type));
      expectProblem(res, 415);
      expect(res.body.type, type).to.equal('urn:shop:problem:unsupported-media-type');
    }
  });

  it('takes application/json in any case, with or without charset=utf-8', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'APPLICATION/JSON; Charset=UTF-8']) {
      const res = await add(type);
      expect(res.status, `${type}: ${JSON.stringify(res.body)}`).to.equal(200);
    }
  });
});
