import { expect } from 'chai';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { serverClient } from '../support/server-client.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The real server on the embedded default: an admin's dispatch takes an order all the way to
 * Delivered through the simulated carrier's signed reports, posted over HTTP to the server
 * with the secret it generated in DATA_DIR; reports still due when the server is killed are
 * sent by the next one (they are durable jobs, not timers).
 */
describe('the simulated carrier across a restart', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const env = () => ({
    DATA_DIR: dir.path,
    ADMIN_EMAIL: 'ops@test.local',
    ADMIN_PASSWORD: 'ops-password',
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    CARRIER_TRANSIT_MS: '1500',
    CARRIER_DELIVERY_MS: '300',
  });

  const { call, login } = serverClient(() => server!.url);

  it('delivers an order dispatched before a SIGKILL, by reports the next server sends, each recorded once', async () => {
    server = await startServer(env());
    const admin = await login('ops@test.local', 'ops-password');
    const created = await call('POST', '/api/v1/products', admin, { sku: 'PARCEL-1', name: 'Parcel', description: '', brand: 'b', category: 'c', price: { amount: 1000, currency: 'USD' } });
    await call('POST', '/api/v1/inventory/PARCEL-1/receipts', admin, { quantity: 3 });
    await call('POST', '/api/v1/account/register', undefined, { email: 'buyer@test.local', password: 'buyer-password', name: 'Buyer' });
    const token = await login('buyer@test.local', 'buyer-password');
    await call('POST', '/api/v1/cart/items', token, { productId: created.body.productId, quantity: 1 });
    const placed = await call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
    const orderId = String(placed.body.orderId);
    const order = await eventually(async () => {
      const { body } = await call('GET', `/api/v1/orders/${orderId}`, token);
      return body.status === 'Confirmed' && body.shipment ? body : undefined;
    }, 20_000);

    const dispatched = await call('POST', `/api/v1/shipments/${order.shipment.shipmentId}/dispatch`, admin);
    expect(dispatched.status, JSON.stringify(dispatched.body)).to.equal(200);
    // Killed before the carrier's first report is due.
    await killServer(server, 'SIGKILL');
    expect(statSync(join(dir.path, 'carrier-webhook-secret')).mode & 0o777).to.equal(0o600);

    server = await startServer(env());
    const delivered = await eventually(async () => {
      const { body } = await call('GET', `/api/v1/orders/${orderId}`, token);
      return body.status === 'Delivered' ? body : undefined;
    }, 30_000);
    expect(delivered.shipment).to.deep.include({ status: 'Delivered', trackingNumber: dispatched.body.trackingNumber });
    await killServer(server, 'SIGTERM');

    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const log = (await events.readAll()).filter((e: RecordedEvent) => e.data.orderId === orderId);
    await events.close();
    const count = (type: string) => log.filter((e) => e.type === type).length;
    expect([count('OrderShipped'), count('ShipmentInTransit'), count('ShipmentDelivered'), count('OrderDelivered')]).to.deep.equal([1, 1, 1, 1]);
  });
});
