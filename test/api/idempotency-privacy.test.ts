import { expect } from 'chai';
import { IDEMPOTENCY_COLLECTION } from '../../src/api/idempotency.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { ADDRESS, stockedProduct, type Shopper } from '../support/shop.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Idempotency keys' stored answers and personal data (issue 17): an answer whose body holds
 * personal fields (an address, a payment method's label) is kept 15 minutes, not a day; every
 * record names its customer, so an erasure can forget them all (`forgetCustomer`) and no other's.
 */

const MINUTE = 60_000;
const STREET = '3 Quincunx Mews';

describe('HTTP Idempotency-Key answers and personal data', () => {
  let app: TestApp;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const records = () => app.deps.readModels.collection<Document & { customerId: string | null; createdAt: string; expiresAt: string; body: unknown }>(IDEMPOTENCY_COLLECTION).find({});
  const lifeOf = (record: { createdAt: string; expiresAt: string }) => Date.parse(record.expiresAt) - Date.parse(record.createdAt);
  const post = (who: Shopper, path: string, body: object, key: string) =>
    app.http().post(path).set('Authorization', `Bearer ${who.token}`).set('Idempotency-Key', key).send(body);

  it('keeps an answer holding an address 15 minutes, and still replays it meanwhile', async () => {
    const first = await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: STREET }, 'address-1');
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const [record] = await records();
    expect(record).to.include({ customerId: shopper.customerId });
    expect(JSON.stringify(record!.body)).to.include(STREET);
    expect(lifeOf(record!)).to.equal(15 * MINUTE);
    const again = await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: STREET }, 'address-1');
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body).to.deep.equal(first.body);
  });

  it("keeps a payment method's answer (label, last four digits) 15 minutes too", async () => {
    expect((await post(shopper, '/api/v1/account/me/payment-methods', { token: 'tok_visa', label: 'Quincunx card' }, 'method-1')).status).to.equal(201);
    const [record] = await records();
    expect(lifeOf(record!)).to.equal(15 * MINUTE);
  });

  it('keeps an answer without personal fields a day, as before (a checkout: its order id and status)', async () => {
    const admin = await app.adminToken();
    const { productId } = await stockedProduct(app, admin, 5);
    await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity: 1 });
    const placed = await post(shopper, '/api/v1/checkout', { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } }, 'checkout-1');
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const [record] = (await records()).filter((r) => r.customerId === shopper.customerId);
    expect(lifeOf(record!)).to.equal(24 * 60 * MINUTE);
  });

  it('names the customer a registration created, and forgets every record of one customer, no other', async () => {
    const registered = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'register-1').send({ email: 'quincunx@test.local', password: 'correct-horse', name: 'Quin' });
    expect(registered.status).to.equal(201);
    const other = await app.customer();
    await post(shopper, '/api/v1/account/me/addresses', ADDRESS, 'address-1');
    await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: STREET }, 'address-2');
    await post(other, '/api/v1/account/me/addresses', ADDRESS, 'address-1');
    const before = await records();
    expect(before.filter((r) => r.customerId === registered.body.customerId)).to.have.length(1);
    expect(await app.deps.idempotency.forgetCustomer(shopper.customerId)).to.equal(2);
    const after = await records();
    expect(after.map((r) => r.customerId).sort()).to.deep.equal([registered.body.customerId, other.customerId].sort());
    expect(JSON.stringify(after)).not.to.include(STREET);
  });
});
