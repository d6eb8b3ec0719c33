import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The HTTP gateway's answers to any request: the headers it always sends, unknown routes and
 * unusable bodies, request ids, read-your-writes, and the operations routes. The
 * Idempotency-Key: gateway-idempotency.test.ts; the per-client rate limit: gateway-rate-limit.test.ts.
 */
describe('HTTP gateway behaviour', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  it('tells browsers not to sniff any answer: JSON, problems, the contract, health and metrics (X-Content-Type-Options)', async () => {
    const answers = [
      await app.http().get('/api/v1/products'),
      await app.http().get('/api/v1/nowhere'),
      await app.http().post('/api/v1/cart/items').send({}),
      await app.http().get('/openapi.json'),
      await app.http().get('/health'),
      await app.http().get('/metrics').set('Authorization', `Bearer ${admin}`),
    ];
    for (const res of answers) expect(res.headers['x-content-type-options'], `${res.status} ${res.headers['content-type']}`).to.equal('nosniff');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    expectProblem(await app.http().get('/api/v1/nowhere'), 404);
    expectProblem(await app.http().delete('/api/v1/products'), 404);
  });

  it('answers an unknown route with its 404 whatever was sent to it: a query, malformed JSON, another media type, a bad token', async () => {
    const cases = [
      () => app.http().post('/api/v1/no-such-route?x=1').send({}),
      () => app.http().post('/api/v1/no-such-route').set('Content-Type', 'application/json').send('{'),
      () => app.http().post('/api/v1/no-such-route').set('Content-Type', 'text/plain').send('x'),
      () => app.http().put('/api/v1/products').set('Content-Type', 'application/json').send('{'),
      () => app.http().get('/api/v1/no-such-route?q=%ff'),
      () => app.http().get('/api/v1/no-such-route').set('Authorization', 'Bearer not-a-token'),
    ];
    for (const act of cases) {
      const res = await appendsNothing(app, act);
      expectProblem(res, 404);
      expect(res.body.type).to.equal('urn:shop:problem:route-not-found');
    }
  });

  it('answers a documented path in another case or with a trailing slash with the 404 of an unknown route, appending nothing', async () => {
    const customer = await app.customer();
    const { productId } = await createProduct(app, admin);
    const variants = ['/API/V1/products', '/Api/v1/products', '/api/v1/Products', '/api/v1/products/', `/api/v1/products/${productId}/`, '/health/', '/HEALTH', '/metrics/', '/ready/', '/openapi.json/'];
    for (const path of variants) {
      const res = await app.http().get(path);
      expectProblem(res, 404);
      expect(res.body.type, path).to.equal('urn:shop:problem:route-not-found');
      // The path as sent, the prefix too (under /api/v1 it read as the part after it).
      expect(res.body.detail, path).to.equal(`No route GET ${path}`);
    }
    const write = await appendsNothing(app, () => app.http().post('/api/v1/cart/items/').set('Authorization', `Bearer ${customer.token}`).send({ productId, quantity: 1 }));
    expectProblem(write, 404);
    // The paths as documented still answer, HEAD included (RFC 9110: a GET route answers HEAD).
    for (const path of ['/api/v1/products', `/api/v1/products/${productId}`, '/health', '/metrics']) {
      expect((await app.http().get(path)).status, path).to.equal(200);
      expect((await app.http().head(path)).status, `HEAD ${path}`).to.equal(200);
    }
  });

  it('answers malformed JSON with 400, appending nothing', async () => {
    const res = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').set('Content-Type', 'application/json').send('{"email": "x@y.z",'),
    );
    expectProblem(res, 400);
  });

  it('answers a body over 1 MiB with 413, appending nothing', async () => {
    const res = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').send({ email: 'big@example.com', password: 'long enough', name: 'x'.repeat(1_100_000) }),
    );
    expectProblem(res, 413);
  });

  it('answers a body that is not JSON with 415, appending nothing', async () => {
    const res = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').set('Content-Type', 'text/plain').send('email=x'),
    );
    expectProblem(res, 415);
  });

  it('answers a JSON body that is not an object with 400', async () => {
    expectProblem(await app.http().post('/api/v1/account/register').send([1, 2]), 400);
  });

  it('echoes X-Request-Id and makes it the correlation id of the events it causes', async () => {
    const res = await app.http().post('/api/v1/account/register').set('X-Request-Id', 'req-42').send({ email: 'rid@example.com', password: 'long enough', name: 'R' });
    expect(res.headers['x-request-id']).to.equal('req-42');
    const caused = (await app.events()).filter((e) => e.metadata.correlationId === 'req-42');
    expect(caused.map((e) => e.type)).to.deep.equal(['CustomerEmailClaimed', 'CustomerRegistered']);
    for (const event of caused) {
      expect(event.metadata).to.include({ causationId: 'req-42', actor: 'anonymous', schemaVersion: 1 });
      expect(Date.parse(String(event.metadata.occurredAt))).to.not.be.NaN;
    }
  });

  it('generates a request id when there is none or it is unusable', async () => {
    const res = await app.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  describe('read-your-writes', () => {
    it('answers a write with X-Position, and a later read by the same caller includes that write', async () => {
      const { productId } = await createProduct(app, admin);
      const patched = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Renamed' });
      expect(Number(patched.headers['x-position'])).to.be.greaterThan(0);
      const read = await app.http().get(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`);
      expect(read.body.name).to.equal('Renamed');
    });

    it('waits for a position named in X-Min-Position, and refuses a malformed one (400)', async () => {
      const { productId } = await createProduct(app, admin);
      const patched = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Seen' });
      const read = await app.http().get(`/api/v1/products/${productId}`).set('X-Min-Position', patched.headers['x-position']!);
      expect(read.body.name).to.equal('Seen');
      expectProblem(await app.http().get('/api/v1/products').set('X-Min-Position', 'soon'), 400);
      // HEAD reads as GET does: the same header is checked.
      expect((await app.http().head('/api/v1/products').set('X-Min-Position', 'soon')).status).to.equal(400);
    });

    it('refuses an X-Min-Position past the end of the log at once (400), not after the wait', async () => {
      const started = Date.now();
      const past = await app.http().get('/api/v1/products').set('X-Min-Position', '9999999999');
      expectProblem(past, 400);
      expect(past.body.errors).to.deep.equal([{ field: 'X-Min-Position', message: 'must be a position of the log (from an X-Position)' }]);
      expect(Date.now() - started, 'the read wait is 5 s here').to.be.below(2_000);
    });
  });

  describe('operations', () => {
    it('answers /health, /ready and /metrics', async () => {
      expect((await app.http().get('/health')).body).to.deep.equal({ status: 'ok' });
      await app.settled();
      const ready = await app.http().get('/ready');
      expect(ready.status).to.equal(200);
      expect(ready.body.checks).to.deep.equal({ eventStore: 'ok', readModels: 'ok', projections: 'ok', processManagers: 'ok' });
      await app.http().get('/api/v1/products');
      const metrics = await app.http().get('/metrics');
      expect(metrics.headers['content-type']).to.match(/^text\/plain/);
      expect(metrics.text).to.match(/http_requests_total\{method="GET",route="\/api\/v1\/products\/",status="200"\} 1/);
      expect(metrics.text).to.include('process_cpu_user_seconds_total');
    });

    it('is not ready while the read models are stopped', async () => {
      await app.deps.projections.stop();
      const res = await app.http().get('/ready');
      expect(res.status).to.equal(503);
      expect(res.body.checks.projections).to.equal('stopped');
    });
  });
});
