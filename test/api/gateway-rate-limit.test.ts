import { expect } from 'chai';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/** The gateway's per-client rate limit: 429 past it, counted per address or per account. The gateway's other answers: gateway.test.ts. */
describe('HTTP per-client rate limit', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp({ rateLimitPerMinute: 5 })));
  afterEach(async () => app.close());

  it('answers 429 with Retry-After past the limit, and counts clients separately', async () => {
    const token = await app.adminToken(); // one request of this address's budget
    for (let i = 0; i < 4; i += 1) expect((await app.http().get('/api/v1/products')).status).to.equal(200);
    const limited = await app.http().get('/api/v1/products');
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
    const write = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').send({ email: 'late@example.com', password: 'long enough', name: 'L' }),
    );
    expectProblem(write, 429);
    expect((await app.http().get('/api/v1/products').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
    expect((await app.http().get('/health')).status).to.equal(200);
  });

  it('counts the requests refused before they are read (a bad token, malformed JSON, a body too large), and past the limit reads none', async () => {
    const token = await app.adminToken(); // the address's first request
    const refused = [
      await app.http().get('/api/v1/orders').set('Authorization', 'Bearer x.y.z'),
      await app.http().post('/api/v1/account/register').set('Content-Type', 'application/json').send('{"email": '),
      await app.http().post('/api/v1/account/register').send({ email: 'big@example.com', password: 'long enough', name: 'x'.repeat(1_100_000) }),
    ];
    expect(refused.map((res) => res.status)).to.deep.equal([401, 400, 413]);
    expect(refused.map((res) => res.headers['ratelimit-remaining'])).to.deep.equal(['3', '2', '1']);
    expectProblem(await app.http().get('/api/v1/products').set('Authorization', 'Bearer x.y.z'), 401);
    // The address's five are spent: whatever comes next from it is 429, its body unread.
    for (const res of [
      await app.http().get('/api/v1/orders').set('Authorization', 'Bearer x.y.z'),
      await app.http().post('/api/v1/account/register').set('Content-Type', 'application/json').send('{"email": '),
      await app.http().get('/api/v1/products'),
    ]) {
      expectProblem(res, 429);
      expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    }
    // A valid token counts against its account, not the address: a made-up one cannot pick another's count.
    expect((await app.http().get('/api/v1/products').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
  });
});
