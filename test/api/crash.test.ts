import { expect } from 'chai';
import { join } from 'node:path';
import { evolve, initialState, type InventoryEvent } from '../../src/domain/inventory/inventory.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SIMULATED_LEDGER, type LedgerEntry } from '../../src/infrastructure/payments/simulated-provider.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { checkedFetch } from '../support/contract.js';
import { serverClient } from '../support/server-client.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/** The real server, killed with SIGKILL in the middle of the saga, then restarted. */
describe('the order saga across a crash', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const env = (paymentTimeoutMs: number) => ({
    DATA_DIR: dir.path,
    ADMIN_EMAIL: 'ops@test.local',
    ADMIN_PASSWORD: 'ops-password',
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    PAYMENT_TIMEOUT_MS: String(paymentTimeoutMs),
    // The saga catches up after each kill: checkouts are taken meanwhile (admission control has tests of its own).
    ORDER_BACKLOG_LIMIT_MS: '0',
  });

  const { call, login } = serverClient(() => server!.url);
  const ready = () => eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined), 20_000);

  const product = async (admin: string, sku: string, stock: number) => {
    const created = await call('POST', '/api/v1/products', admin, { sku, name: sku, description: '', brand: 'b', category: 'c', price: { amount: 1000, currency: 'USD' } });
    await call('POST', `/api/v1/inventory/${sku}/receipts`, admin, { quantity: stock });
    return String(created.body.productId);
  };

  /** The log and the provider's ledger, read from the files once the server is down. */
  const stores = async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const log = await events.readAll();
    const ledger = await readModels.collection<LedgerEntry>(SIMULATED_LEDGER).find({});
    await events.close();
    await readModels.close();
    return { log, ledger };
  };

  it('settles every acknowledged order, charges and refunds nothing twice, and keeps inventory in step', async () => {
    server = await startServer(env(4000));
    const admin = await login('ops@test.local', 'ops-password');
    const scarce = await product(admin, 'SCARCE-1', 6);
    const plenty = await product(admin, 'PLENTY-1', 100);
    const shoppers: Array<{ token: string; card: string }> = [];
    for (let i = 0; i < 16; i += 1) {
      const email = `buyer${i}@test.local`;
      await call('POST', '/api/v1/account/register', undefined, { email, password: 'buyer-password', name: `Buyer ${i}` });
      const token = await login(email, 'buyer-password');
      await call('POST', '/api/v1/cart/items', token, { productId: scarce, quantity: 1 });
      if (i % 2 === 0) await call('POST', '/api/v1/cart/items', token, { productId: plenty, quantity: 2 });
      shoppers.push({ token, card: i % 5 === 4 ? 'tok_declined' : 'tok_visa' });
    }

    const acknowledged: string[] = [];
    const inFlight = shoppers.map(({ token, card }) =>
      call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: card } })
        .then((res) => {
          if (res.status === 202) acknowledged.push(String(res.body.orderId));
        })
        .catch(() => undefined),
    );
    await eventually(() => (acknowledged.length >= 6 ? true : undefined), 20_000);
    await killServer(server, 'SIGKILL');
    await Promise.all(inFlight);

    server = await startServer(env(4000));
    await ready();
    const final = ['Confirmed', 'Failed', 'Cancelled'];
    const orders = await eventually(async () => {
      const { body } = await call('GET', '/api/v1/orders?pageSize=100', admin);
      const settled = body.items.every((o: { status: string; payment: { status: string }; failureReason: string | null }) =>
        final.includes(o.status) && (o.failureReason !== 'out-of-stock' || o.payment.status === 'Refunded'));
      return settled ? (body.items as Array<Record<string, any>>) : undefined;
    }, 60_000);
    const placed = new Set(orders.map((o) => o.orderId));
    for (const orderId of acknowledged) expect(placed.has(orderId), `acknowledged order ${orderId} is missing`).to.equal(true);
    await killServer(server, 'SIGTERM');

    const { log, ledger } = await stores();
    const count = (type: string) => countBy(log.filter((e) => e.type === type), (e) => String(e.data.paymentId));
    for (const [paymentId, n] of count('PaymentProcessed')) expect(n, `payment ${paymentId} processed`).to.equal(1);
    for (const [paymentId, n] of count('PaymentRefunded')) expect(n, `payment ${paymentId} refunded`).to.equal(1);
    expect(ledger.filter((e) => e.kind === 'refund')).to.have.length(sum(count('PaymentRefunded')));
    const captured = ledger.filter((e) => e.kind === 'charge' && (e.result as { outcome: string }).outcome === 'captured');
    expect(captured).to.have.length(sum(count('PaymentProcessed')) + log.filter((e) => e.type === 'PaymentCapturedLate').length);

    const confirmed = orders.filter((o) => o.status === 'Confirmed');
    for (const sku of ['SCARCE-1', 'PLENTY-1']) {
      const state = replayInventory(log, sku);
      const ordered = sum(new Map(confirmed.flatMap((o) => o.lines.filter((l: { sku: string }) => l.sku === sku).map((l: { quantity: number }) => [o.orderId, l.quantity]))));
      expect(state.reserved, `${sku} reserved`).to.equal(ordered);
    }
    expect(confirmed.length).to.be.at.most(6);
  });

  it('fails a payment the provider never answers even when its deadline passes while the server is down', async () => {
    server = await startServer(env(1500));
    const admin = await login('ops@test.local', 'ops-password');
    const productId = await product(admin, 'SLOW-1', 5);
    await call('POST', '/api/v1/account/register', undefined, { email: 'slow@test.local', password: 'buyer-password', name: 'Slow' });
    const token = await login('slow@test.local', 'buyer-password');
    await call('POST', '/api/v1/cart/items', token, { productId, quantity: 1 });
    const placed = await call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_timeout' } });
    expect(placed.status).to.equal(202);
    await killServer(server, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2000));

    server = await startServer(env(1500));
    const failed = await eventually(async () => {
      const { body } = await call('GET', `/api/v1/orders/${placed.body.orderId}`, token);
      return body.status === 'Failed' ? body : undefined;
    }, 20_000);
    expect(failed.failureReason).to.equal('payment-timeout');
    expect(failed.payment.status).to.equal('Failed');
  });
});

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

const sum = (values: Map<string, number>) => [...values.values()].reduce((a, b) => a + b, 0);

/** Folds a SKU's stream with the domain's evolve, checking available stock never goes negative. */
const replayInventory = (log: RecordedEvent[], sku: string) => {
  let state = initialState();
  for (const event of log.filter((e) => e.streamName === `inventory-${sku}`)) {
    state = evolve(state, event as unknown as InventoryEvent);
    if (state.status === 'Tracked') expect(state.onHand - state.reserved, `${sku} after ${event.type}`).to.be.at.least(0);
  }
  if (state.status !== 'Tracked') throw new Error(`${sku} is not tracked`);
  return state;
};
