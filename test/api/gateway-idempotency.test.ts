import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The Idempotency-Key at the gateway: a repeat gets the first answer and appends nothing, a
 * refusal before the request ran keeps no answer. The contract beyond the plain repeat:
 * idempotency-contract.test.ts. The gateway's other answers: gateway.test.ts.
 */
describe('HTTP gateway behaviour: Idempotency-Key', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const register = (key: string, email: string) =>
    app.http().post('/api/v1/account/register').set('Idempotency-Key', key).send({ email, password: 'long enough', name: 'I' });

  it('returns the first answer to a repeat and appends nothing', async () => {
    const first = await register('key-1', 'idem@example.com');
    expect(first.status).to.equal(201);
    const again = await appendsNothing(app, () => register('key-1', 'idem@example.com'));
    expect(again.status).to.equal(201);
    expect(again.body).to.deep.equal(first.body);
    expect(again.headers['idempotent-replayed']).to.equal('true');
  });

  it('answers concurrent repeats once', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => register('key-2', 'race@example.com')));
    expect([a!.status, b!.status, c!.status]).to.deep.equal([201, 201, 201]);
    expect(new Set([a!.body.customerId, b!.body.customerId, c!.body.customerId]).size).to.equal(1);
    const registered = (await app.events()).filter((e) => e.type === 'CustomerRegistered' && e.data.email === 'race@example.com');
    expect(registered).to.have.length(1);
  });

  it('refuses the same key with a different body (422), appending nothing', async () => {
    await register('key-3', 'one@example.com');
    expectProblem(await appendsNothing(app, () => register('key-3', 'two@example.com')), 422);
  });

  it('replays a refusal too: the first answer stands', async () => {
    await createProduct(app, admin, { sku: 'IDEM-1' });
    const create = () =>
      app.http().post('/api/v1/products').set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', 'key-4')
        .send({ sku: 'IDEM-1', name: 'Dup', description: '', brand: 'b', category: 'c', price: { amount: 1, currency: 'USD' } });
    expectProblem(await create(), 409);
    expectProblem(await appendsNothing(app, create), 409);
  });

  it('appends nothing on a repeat even when the first answer was never stored (a crash in between)', async () => {
    const first = await register('key-5', 'crash@example.com');
    await app.deps.readModels.collection('idempotency_keys').deleteMany({});
    const again = await appendsNothing(app, () => register('key-5', 'crash@example.com'));
    expect(again.status).to.equal(201);
    expect(again.body).to.deep.equal(first.body);
  });

  it('scopes keys to the caller: the same key from two customers are two requests', async () => {
    const [one, two] = [await app.customer(), await app.customer()];
    const address = { line1: '1 Main', city: 'X', postalCode: '1', country: 'US' };
    const a = await app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${one.token}`).set('Idempotency-Key', 'same').send(address);
    const b = await app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${two.token}`).set('Idempotency-Key', 'same').send(address);
    expect(a.status).to.equal(201);
    expect(b.status).to.equal(201);
    expect(b.headers['idempotent-replayed']).to.equal(undefined);
  });

  it('keeps no answer for a request refused before it executed: the corrected retry with the same key runs', async () => {
    const refused = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').set('Idempotency-Key', 'key-6').send({ email: 'fix@example.com', password: 'short', name: 'F' }),
    );
    expectProblem(refused, 400);
    const corrected = await register('key-6', 'fix@example.com');
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(201);
    expect(corrected.headers['idempotent-replayed']).to.equal(undefined);
    const again = await appendsNothing(app, () => register('key-6', 'fix@example.com'));
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body).to.deep.equal(corrected.body);
  });

  it('keeps no answer for a request without the rights to run (403), nor for a sign-in (no token is ever stored)', async () => {
    const customer = await app.customer();
    const body = { sku: 'IDEM-2', name: 'N', description: '', brand: 'b', category: 'c', price: { amount: 1, currency: 'USD' } };
    const asCustomer = await app.http().post('/api/v1/products').set('Authorization', `Bearer ${customer.token}`).set('Idempotency-Key', 'key-7').send(body);
    expectProblem(asCustomer, 403);
    const login = await app.http().post('/api/v1/account/login').set('Idempotency-Key', 'key-8').send({ email: customer.email, password: 'correct-horse' });
    expect(login.status).to.equal(200);
    const stored = await app.deps.readModels.collection('idempotency_keys').find({});
    expect(JSON.stringify(stored)).to.not.include(login.body.token);
    expect(stored.map((answer) => (answer as { status?: number }).status)).to.not.include.members([403, 200]);
  });

  it('compares bodies canonically: the same fields in another order are the same request', async () => {
    const first = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'key-9').send({ email: 'order@example.com', password: 'long enough', name: 'O' });
    expect(first.status).to.equal(201);
    const reordered = await appendsNothing(app, () =>
      app.http().post('/api/v1/account/register').set('Idempotency-Key', 'key-9').send({ name: 'O', password: 'long enough', email: 'order@example.com' }),
    );
    expect(reordered.status).to.equal(201);
    expect(reordered.headers['idempotent-replayed']).to.equal('true');
    expect(reordered.body).to.deep.equal(first.body);
  });

  it('refuses an unusable key (400)', async () => {
    expectProblem(await appendsNothing(app, () => register('x'.repeat(300), 'long@example.com')), 400);
  });
});
