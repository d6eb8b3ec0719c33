import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * If-Match as RFC 9110 §13.1.1 reads it: a list of entity tags compared strongly. A tag that is
 * well formed but can never be this resource's revision (a weak one, the hash an anonymous read
 * carries, a word) is a precondition that fails (412), not a malformed header (400); a list
 * matches when one of its tags does.
 */
describe('If-Match', () => {
  let app: TestApp;
  let admin: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  after(async () => app.close());

  const rename = (productId: string, ifMatch: string, name = 'Renamed') =>
    app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).set('If-Match', ifMatch).send({ name });

  it('answers the ETag of an anonymous (cached) read, which is no revision, with 412, appending nothing', async () => {
    const { productId } = await createProduct(app, admin);
    await app.settled();
    const read = await app.http().get(`/api/v1/products/${productId}`);
    expect(read.headers.etag).to.match(/^W\/"/);
    expectProblem(await appendsNothing(app, () => rename(productId, read.headers.etag!)), 412);
  });

  it('answers quoted tags that name no revision with 412, appending nothing', async () => {
    const { productId } = await createProduct(app, admin);
    for (const tag of ['"abc"', '""', '"-1"', 'W/"0"', 'W/"0", "x"']) {
      expectProblem(await appendsNothing(app, () => rename(productId, tag)), 412);
    }
  });

  it('takes a list whose one revision matches, and refuses a list whose one revision is stale (412)', async () => {
    const { productId } = await createProduct(app, admin);
    const changed = await rename(productId, '"abc", "0", W/"1"');
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(changed.headers.etag).to.equal('"1"');
    expectProblem(await appendsNothing(app, () => rename(productId, '"0", "zz"', 'Again')), 412);
  });

  it('answers an unknown product or SKU with 404 whatever revision If-Match names (RFC 9110 §13.2.1), appending nothing', async () => {
    const unknown = '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b';
    expectProblem(await appendsNothing(app, () => rename(unknown, '"0"')), 404);
    const receipt = () => app.http().post('/api/v1/inventory/NO-SUCH-SKU/receipts').set('Authorization', `Bearer ${admin}`).set('If-Match', '"0"').send({ quantity: 1 });
    expectProblem(await appendsNothing(app, receipt), 404);
  });

  it('still answers what is no entity tag at all with 400', async () => {
    const { productId } = await createProduct(app, admin);
    for (const header of ['0', '"0', 'W/0', '"0" "1"', 'zero']) {
      const res = await appendsNothing(app, () => rename(productId, header));
      expectProblem(res, 400);
      expect(res.body.errors[0].field).to.equal('If-Match');
    }
  });
});
