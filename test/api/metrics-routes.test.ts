import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A route's answers are counted under one route label whatever their status. Errors are answered
 * by the app's error handler, outside the /api/v1 router, where express has taken its base URL
 * off: a registration's 409 was counted under `/account/register`, its 201 under
 * `/api/v1/account/register`, and a dashboard of a route's errors found none.
 */
describe('Metrics by route', () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app.close());

  it('counts a route\'s refusals under the same route as its successes', async () => {
    const body = { email: 'twice@test.local', password: 'correct-horse', name: 'Twice' };
    expect((await app.http().post('/api/v1/account/register').send(body)).status).to.equal(201);
    expect((await app.http().post('/api/v1/account/register').send(body)).status).to.equal(409);
    expect((await app.http().get('/api/v1/cart')).status).to.equal(401);
    const text = (await app.http().get('/metrics')).text;
    expect(text).to.include('http_requests_total{method="POST",route="/api/v1/account/register",status="201"} 1');
    expect(text).to.include('http_requests_total{method="POST",route="/api/v1/account/register",status="409"} 1');
    expect(text).to.include('http_requests_total{method="GET",route="/api/v1/cart/",status="401"} 1');
    expect(text).not.to.match(/route="\/(account|cart)\//);
  });
});
