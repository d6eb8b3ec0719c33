import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A value the document lists as one of an enum is taken as sent: `" admin"` or `"price "` is
 * none of them, though every other text is trimmed. Refused (400, naming the field), appending
 * nothing, on every body field and query parameter that is an enum.
 */
describe('HTTP enum values, taken as sent', () => {
  let app: TestApp;
  let admin: string;
  let productId: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    ({ productId } = await createProduct(app, admin));
  });
  after(async () => app.close());

  it('refuses a padded role', async () => {
    const shopper = await app.customer();
    for (const role of [' admin', 'admin ', 'customer\t']) {
      const res = await appendsNothing(app, () => app.http().put(`/api/v1/admin/customers/${shopper.customerId}/role`).set('Authorization', `Bearer ${admin}`).send({ role }));
      expectProblem(res, 400);
      expect(JSON.stringify(res.body), role).to.contain('role');
    }
  });

  const queries: Array<[path: string, field: string, value: string]> = [
    ['/api/v1/products', 'sort', ' price'],
    ['/api/v1/search', 'sort', 'price '],
    ['/api/v1/search', 'inStock', ' true'],
    ['/api/v1/reviews', 'sort', ' newest'],
    ['/api/v1/inventory', 'low', 'true '],
    ['/api/v1/orders', 'status', ' Pending'],
    ['/api/v1/shipments', 'status', 'Shipped '],
    ['/api/v1/subscriptions', 'status', ' Active'],
  ];
  for (const [path, field, value] of queries) {
    it(`refuses ${path}?${field}=${JSON.stringify(value)}, and takes it unpadded`, async () => {
      // The reviews are a product's.
      const also = path === '/api/v1/reviews' ? { productId } : {};
      const res = await app.http().get(path).query({ ...also, [field]: value }).set('Authorization', `Bearer ${admin}`);
      expectProblem(res, 400);
      expect(JSON.stringify(res.body)).to.contain(field);
      const plain = await app.http().get(path).query({ ...also, [field]: value.trim() }).set('Authorization', `Bearer ${admin}`);
      expect(plain.status, JSON.stringify(plain.body)).to.equal(200);
    });
  }
});
