import { expect } from 'chai';
import { ADDRESS } from '../support/shop.js';
import { call, processEnv, product, readShop, ShopProcesses } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A process kept what it learned of an account for 2 s (AccountRoles), and an erasure is
 * done by another process of the shop: a black-box review found that, in those 2 s, the
 * erased customer's token still saved a payment method, filled the cart and started a
 * subscription through the other process, and that the erasure, running meanwhile, left
 * their values in the read models. Writes now ask the account's stream every time: from the
 * moment the erasure is accepted, every process refuses the account's writes (401), and
 * nothing more is appended for it but the erasure's own steps. On the embedded log reads ask
 * it too: they were let in for up to 2 s (the customer's own data, read through the other
 * process; an admin demoted elsewhere still read the admin's pages).
 */
describe("an erased account's token on another process of the shop", function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses;
  beforeEach(() => {
    dir = tempDir();
    shop = new ShopProcesses(processEnv(dir.path));
  });
  afterEach(async () => {
    await shop.stop();
    dir.remove();
  });

  it('writes and reads nothing from the moment the erasure is accepted', async () => {
    const [eraser, other] = await shop.start(2);
    const admin = await shop.admin();
    const productId = await product(eraser!, admin, 'ERASE-1', 10, [eraser!, other!]);
    const email = 'erased-writes@test.local';
    expect((await call(eraser!, 'POST', '/api/v1/account/register', undefined, { email, password: 'erase-password', name: 'Esme Erased' })).status).to.equal(201);
    const token = String((await call(eraser!, 'POST', '/api/v1/account/login', undefined, { email, password: 'erase-password' })).body.token);
    const me = await call(eraser!, 'GET', '/api/v1/account/me', token);
    const customerId = String(me.body.customerId);
    const saved = await call(eraser!, 'POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa', label: 'Esme card' });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    // The other process learns of the account (and keeps what it learned).
    expect((await call(other!, 'GET', '/api/v1/cart', token)).status).to.equal(200);

    expect((await call(eraser!, 'POST', `/api/v1/admin/customers/${customerId}/erase`, admin)).status).to.equal(202);

    const writes = [
      await call(other!, 'POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa', label: 'Esme second card' }),
      await call(other!, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 }),
      await call(other!, 'POST', '/api/v1/account/me/addresses', token, { ...ADDRESS, line1: '5 Erased Lane' }),
      await call(other!, 'POST', `/api/v1/products/${productId}/notify-me`, token),
      await call(other!, 'POST', '/api/v1/subscriptions', token, {
        items: [{ productId, quantity: 1 }],
        intervalDays: 7,
        shippingAddress: { ...ADDRESS, line1: '5 Erased Lane' },
        paymentMethodId: saved.body.paymentMethodId,
      }),
    ];
    expect(writes.map((w) => w.status), JSON.stringify(writes.map((w) => w.body))).to.deep.equal([401, 401, 401, 401, 401]);
    for (const write of writes) expect(write.body.detail ?? write.body.title).to.be.a('string');
    const reads = [
      await call(other!, 'GET', '/api/v1/account/me', token),
      await call(other!, 'GET', '/api/v1/cart', token),
      await call(other!, 'GET', '/api/v1/account/me/payment-methods', token),
      await call(other!, 'GET', '/api/v1/orders', token),
    ];
    expect(reads.map((r) => r.status), JSON.stringify(reads.map((r) => r.body))).to.deep.equal([401, 401, 401, 401]);

    await shop.stop();
    const { log } = await readShop(dir.path, []);
    const erasedAt = log.findIndex((e) => e.type === 'CustomerErased' && e.data.customerId === customerId);
    expect(erasedAt).to.be.greaterThan(-1);
    const after = log.slice(erasedAt + 1).filter((e) => e.data.customerId === customerId).map((e) => e.type);
    const erasureSteps = ['CustomerEmailReleased', 'CustomerInvoicesExpired'];
    expect(after.filter((type) => !erasureSteps.includes(type)), 'appended for the erased customer after its erasure').to.deep.equal([]);
  });

  it("refuses an admin demoted by another process the admin's pages from the next request", async () => {
    const [demoter, other] = await shop.start(2);
    const admin = await shop.admin();
    const email = 'demoted@test.local';
    expect((await call(demoter!, 'POST', '/api/v1/account/register', undefined, { email, password: 'demote-password', name: 'Dee Moted' })).status).to.equal(201);
    const token = String((await call(demoter!, 'POST', '/api/v1/account/login', undefined, { email, password: 'demote-password' })).body.token);
    const customerId = String((await call(demoter!, 'GET', '/api/v1/account/me', token)).body.customerId);
    expect((await call(demoter!, 'PUT', `/api/v1/admin/customers/${customerId}/role`, admin, { role: 'admin' })).status).to.equal(200);
    // The other process learns of the account as an admin (and kept that for 2 s before).
    expect((await eventually(async () => ((await call(other!, 'GET', '/api/v1/admin/cluster', token)).status === 200 ? true : undefined))), 'an admin on the other process').to.equal(true);

    expect((await call(demoter!, 'PUT', `/api/v1/admin/customers/${customerId}/role`, admin, { role: 'customer' })).status).to.equal(200);
    const res = await call(other!, 'GET', '/api/v1/admin/cluster', token);
    expect(res.status, JSON.stringify(res.body)).to.equal(403);
  });
});
