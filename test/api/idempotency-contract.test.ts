import { expect } from 'chai';
import { IDEMPOTENCY_COLLECTION } from '../../src/api/idempotency.js';
import { WrongExpectedVersionError, type EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The Idempotency-Key contract beyond the plain repeat (gateway-idempotency.test.ts): a key names one
 * request, so the same key sent with another request must not be taken for a repeat of
 * the first, and an answer that says "nothing was done, try again" is not kept as the key's
 * final answer.
 */
describe('HTTP Idempotency-Key: one key, one request', () => {
  let app: TestApp;
  let admin: string;
  let sku: string;
  /** While set, every append fails with a version conflict (the stream keeps moving under the command). */
  let contended = false;
  const contentious = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'appendToStream' && contended) return async () => Promise.reject(new WrongExpectedVersionError('x', 0, 1));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  beforeEach(async () => {
    contended = false;
    app = await startTestApp({ eventStore: contentious, commandOptions: () => ({ maxAttempts: 2 }) });
    admin = await app.adminToken();
    sku = (await createProduct(app, admin)).sku;
  });
  afterEach(async () => app.close());

  const post = (path: string, body: object, key: string, ifMatch?: string) => {
    const req = app.http().post(path).set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', key);
    return (ifMatch ? req.set('If-Match', ifMatch) : req).send(body);
  };
  const receipt = (quantity: number, key: string, ifMatch?: string) => post(`/api/v1/inventory/${sku}/receipts`, { quantity }, key, ifMatch);
  const forgetAnswers = () => app.deps.readModels.collection(IDEMPOTENCY_COLLECTION).deleteMany({});

  it('runs a key reused on another route that writes the same stream: the adjustment is made, not taken for the receipt', async () => {
    expect((await receipt(5, 'one-key')).body).to.include({ onHand: 5 });
    const adjusted = await post(`/api/v1/inventory/${sku}/adjustments`, { delta: -3, reason: 'damaged' }, 'one-key');
    expect(adjusted.status, JSON.stringify(adjusted.body)).to.equal(200);
    expect(adjusted.headers['idempotent-replayed']).to.equal(undefined);
    expect(adjusted.body).to.include({ onHand: 2 });
    expect((await app.events()).filter((e) => e.type === 'InventoryAdjusted').map((e) => e.data.delta)).to.deep.equal([-3]);
  });

  it('empties the cart on a checkout sent with the key that added its line', async () => {
    const shopper = await app.customer();
    const { productId } = await createProduct(app, admin);
    await app.http().post(`/api/v1/inventory/${(await app.http().get(`/api/v1/products/${productId}`)).body.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 5 });
    await app.settled();
    const added = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).set('Idempotency-Key', 'shopper-key').send({ productId, quantity: 1 });
    expect(added.status, JSON.stringify(added.body)).to.equal(200);
    const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).set('Idempotency-Key', 'shopper-key')
      .send({ shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    // The checkout itself took the line out of the cart (not only the saga, later).
    const checkedOut = (await app.events()).filter((e) => e.type === 'CartCheckedOut' && e.metadata.correlationId === placed.headers['x-request-id']);
    expect(checkedOut).to.have.length(1);
  });

  it('gives two registrations under one key two accounts, once the first answer is gone (expired or lost)', async () => {
    const register = (email: string) => app.http().post('/api/v1/account/register').set('Idempotency-Key', 'anonymous-key').send({ email, password: 'correct-horse', name: 'N' });
    const first = await register('first@test.local');
    expect(first.status).to.equal(201);
    await forgetAnswers();
    const second = await register('second@test.local');
    expect(second.status, JSON.stringify(second.body)).to.equal(201);
    expect(second.body.customerId).to.not.equal(first.body.customerId);
    const login = await app.http().post('/api/v1/account/login').send({ email: 'second@test.local', password: 'correct-horse' });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
    expect(login.body.customerId).to.equal(second.body.customerId);
  });

  it('gives two products created under one key two products, once the first answer is gone', async () => {
    const create = (newSku: string, name: string) =>
      post('/api/v1/products', { sku: newSku, name, description: '', brand: 'b', category: 'c', price: { amount: 100, currency: 'USD' } }, 'product-key');
    const first = await create('KEY-ONE', 'One');
    expect(first.status).to.equal(201);
    await forgetAnswers();
    const second = await create('KEY-TWO', 'Two');
    expect(second.status, JSON.stringify(second.body)).to.equal(201);
    expect(second.body.productId).to.not.equal(first.body.productId);
    await app.settled();
    expect((await app.http().get(`/api/v1/products/${second.body.productId}`)).body).to.include({ sku: 'KEY-TWO', name: 'Two' });
  });

  it('replays a kept problem (409, the SKU taken) as it was first answered: problem+json that no cache stores', async () => {
    const taken = () => post('/api/v1/products', { sku, name: 'Again', description: '', brand: 'b', category: 'c', price: { amount: 100, currency: 'USD' } }, 'taken-key');
    const first = await taken();
    expectProblem(first, 409);
    expect(first.headers['cache-control']).to.equal('no-store');
    const replayed = await taken();
    expectProblem(replayed, 409);
    expect(replayed.headers['idempotent-replayed']).to.equal('true');
    expect(replayed.headers['cache-control'], 'as the document says of every problem').to.equal('no-store');
  });

  it('keeps no answer for a precondition that failed (412): the retry with the right revision runs', async () => {
    const stale = await appendsNothing(app, () => receipt(2, 'if-match-key', '"7"'));
    expectProblem(stale, 412);
    const current = stale.headers.etag as string;
    const retried = await receipt(2, 'if-match-key', current);
    expect(retried.status, JSON.stringify(retried.body)).to.equal(200);
    expect(retried.headers['idempotent-replayed']).to.equal(undefined);
    expect(retried.body).to.include({ onHand: 2 });
  });

  it('keeps no answer for a write that lost to concurrent writers (409 concurrent-modification): the retry runs', async () => {
    contended = true;
    const lost = await appendsNothing(app, () => receipt(4, 'contended-key'));
    expectProblem(lost, 409);
    contended = false;
    const retried = await receipt(4, 'contended-key');
    expect(retried.status, JSON.stringify(retried.body)).to.equal(200);
    expect(retried.body).to.include({ onHand: 4 });
  });
});
