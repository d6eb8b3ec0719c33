import { expect } from 'chai';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { checkedFetch } from '../support/contract.js';
import { serverClient } from '../support/server-client.js';
import { processEnv } from '../support/shop-processes.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * Erasures of the real server, killed with SIGKILL as soon as the second of two erasures has
 * answered (the first one's process perhaps half way, the second's not begun): after the
 * restart both are complete, nothing half-erased, each step once.
 */
describe('erasure across a crash', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const env = () => processEnv(dir.path, { INVOICE_RETENTION_DAYS: '0' });
  const { call, login } = serverClient(() => server!.url);
  const ready = () => eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined), 30_000);

  /** A customer with an address, a saved card and a cart. */
  const customer = async (email: string, productId: string) => {
    expect((await call('POST', '/api/v1/account/register', undefined, { email, password: 'kill-password', name: 'Kilian Vesper' })).status).to.equal(201);
    const token = await login(email, 'kill-password');
    expect((await call('POST', '/api/v1/account/me/addresses', token, { ...ADDRESS, line1: '9 Vesper Row' })).status).to.equal(201);
    expect((await call('POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa', label: 'Vesper card' })).status).to.equal(201);
    expect((await call('POST', '/api/v1/cart/items', token, { productId, quantity: 1 })).status).to.equal(200);
    const me = await call('GET', '/api/v1/account/me', token);
    return { token, customerId: String(me.body.customerId), email };
  };

  const log = async (): Promise<RecordedEvent[]> => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const all = await events.readAll();
    await events.close();
    return all;
  };

  it('completes every erasure after a restart: email released, copies gone, invoices expired, each event once', async () => {
    server = await startServer(env());
    const admin = await login('ops@test.local', 'ops-password');
    const created = await call('POST', '/api/v1/products', admin, { sku: 'KILL-1', name: 'Lamp', description: '', brand: 'b', category: 'c', price: { amount: 900, currency: 'USD' } });
    const productId = String(created.body.productId);
    expect((await call('POST', '/api/v1/inventory/KILL-1/receipts', admin, { quantity: 10 })).status).to.equal(200);
    // Carts check products against the read model, which a shopper's reads do not wait on for the admin's writes.
    await eventually(async () => ((await call('GET', `/api/v1/products/${productId}`)).body.available === 10 ? true : undefined));
    const shoppers = [await customer('first@test.local', productId), await customer('second@test.local', productId)];
    for (const shopper of shoppers) {
      const res = await call('DELETE', '/api/v1/account/me', shopper.token, { password: 'kill-password' });
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
    }
    await killServer(server, 'SIGKILL');
    const before = await log();
    for (const { customerId } of shoppers) {
      expect(before.filter((e) => e.type === 'CustomerErased' && e.data.customerId === customerId), 'erased before the kill').to.have.length(1);
    }

    server = await startServer(env());
    await ready();
    for (const shopper of shoppers) {
      // Released by the erasure process: the address makes a new account.
      const again = await eventually(async () => {
        const res = await call('POST', '/api/v1/account/register', undefined, { email: shopper.email, password: 'new-password', name: 'New' });
        return res.status === 201 ? res : undefined;
      }, 30_000);
      expect(again.body.customerId).to.not.equal(shopper.customerId);
      await eventually(async () => {
        const audit = await call('GET', `/api/v1/admin/audit/streams/customer-${shopper.customerId}`, admin);
        return (audit.body.events as Array<{ type: string }>).some((e) => e.type === 'CustomerInvoicesExpired') ? true : undefined;
      }, 30_000);
    }
    expect((await call('GET', '/api/v1/account/me', shoppers[0]!.token)).status).to.equal(401);
    await killServer(server, 'SIGTERM');

    const after = await log();
    for (const { customerId } of shoppers) {
      const of = (type: string) => after.filter((e) => e.type === type && e.data.customerId === customerId);
      expect(of('CustomerErased'), 'one erasure').to.have.length(1);
      expect(of('CustomerEmailReleased'), 'one release').to.have.length(1);
      expect(of('CustomerInvoicesExpired'), 'one expiry').to.have.length(1);
    }
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    try {
      for (const { customerId } of shoppers) {
        const profile = await store.collection('customers').findOne({ _id: customerId });
        expect(profile, 'a tombstone').to.deep.include({ customerId }).and.not.have.any.keys('email', 'name', 'addresses');
        expect(await store.collection('payment_methods').findOne({ _id: customerId })).to.equal(null);
        expect(await store.collection('carts').findOne({ _id: customerId })).to.equal(null);
        expect(await store.collection('notifications').countDocuments({ customerId })).to.equal(0);
        expect(await store.collection('jobs').countDocuments({ 'payload.customerId': customerId })).to.equal(0);
        expect(await store.collection('parked_jobs').countDocuments({ 'payload.customerId': customerId })).to.equal(0);
      }
    } finally {
      await store.close();
    }
  });
});
