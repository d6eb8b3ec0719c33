import { expect } from 'chai';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A query string that does not percent-decode as UTF-8 is refused (400 unreadable-request), as
 * such a path is. It was read as U+FFFD: `?q=%ff` searched for "\ufffd" and answered 200.
 */
describe('Query strings that do not percent-decode', () => {
  let app: TestApp;
  let admin: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  after(async () => app.close());

  it('are refused with 400 on every read that takes a query', async () => {
    for (const url of ['/api/v1/search?q=%ff', '/api/v1/search?q=%E0%A4%A', '/api/v1/products?category=%C0%AF', '/api/v1/reviews?productId=%', '/api/v1/search?%ff=x']) {
      const res = await app.http().get(url);
      expectProblem(res, 400);
      expect(res.body.type, url).to.equal('urn:shop:problem:unreadable-request');
    }
    expectProblem(await app.http().get('/api/v1/orders?status=%ff').set('Authorization', `Bearer ${admin}`), 400);
  });

  it('are refused on a write too, appending nothing', async () => {
    const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register?x=%ff').send({ email: 'q@test.local', password: 'correct-horse', name: 'Q' }));
    expectProblem(res, 400);
    expect(res.body.type).to.equal('urn:shop:problem:unreadable-request');
  });

  it('take what does decode: UTF-8 escapes, and + for a space', async () => {
    const res = await app.http().get('/api/v1/search?q=caf%C3%A9+cr%C3%A8me');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  });
});
