import { expect } from 'chai';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { checkedFetch } from '../support/contract.js';
import { serverClient } from '../support/server-client.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * Renewals of the real server, killed with SIGKILL while renewals fall due (some placed, some
 * half way, some not yet due), and a renewal that falls due while the server is down: after
 * the restart every renewal has placed exactly one order, and each reaches Confirmed.
 */
describe('subscription renewals across a crash', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const env = (dayMs: number) => ({
    DATA_DIR: dir.path,
    ADMIN_EMAIL: 'ops@test.local',
    ADMIN_PASSWORD: 'ops-password',
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    SUBSCRIPTION_DAY_MS: String(dayMs),
  });
  const { call, login } = serverClient(() => server!.url);
  const ready = () => eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined), 30_000);

  /** A shopper with a saved card; a product with plenty of stock. */
  const setUp = async () => {
    const admin = await login('ops@test.local', 'ops-password');
    const created = await call('POST', '/api/v1/products', admin, { sku: 'TEA-1', name: 'Tea', description: '', brand: 'b', category: 'c', price: { amount: 900, currency: 'USD' } });
    const productId = String(created.body.productId);
    expect((await call('POST', '/api/v1/inventory/TEA-1/receipts', admin, { quantity: 1000 })).status).to.equal(200);
    await call('POST', '/api/v1/account/register', undefined, { email: 'tea@test.local', password: 'tea-password', name: 'Tea Drinker' });
    const token = await login('tea@test.local', 'tea-password');
    const method = await call('POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa' });
    expect(method.status, JSON.stringify(method.body)).to.equal(201);
    const subscribe = async (intervalDays: number) => {
      const res = await call('POST', '/api/v1/subscriptions', token, { items: [{ productId, quantity: 1 }], intervalDays, shippingAddress: ADDRESS, paymentMethodId: method.body.paymentMethodId });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return String(res.body.subscriptionId);
    };
    return { token, subscribe };
  };

  /** The log, read from its file once the server is down. */
  const log = async (): Promise<RecordedEvent[]> => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const all = await events.readAll();
    await events.close();
    return all;
  };

  const renewalOf = (e: RecordedEvent) => (e.type === 'OrderCreated' ? (e.data.subscription as { subscriptionId: string; renewal: number; attempt: number } | undefined) : undefined);

  /**
   * Every renewal try of the log placed one order, the one its renewal event named, caused by
   * it; killed half way (`complete` false), a renewal may not have placed its order yet, never two.
   */
  const oneOrderPerRenewal = (events: RecordedEvent[], complete = true) => {
    const renewed = events.filter((e) => e.type === 'SubscriptionRenewed');
    const created = events.filter((e) => renewalOf(e));
    const tries = created.map((e) => JSON.stringify(renewalOf(e)));
    expect(new Set(tries).size, 'no renewal placed two orders').to.equal(tries.length);
    expect(new Set(renewed.map((e) => `${e.data.subscriptionId}:${e.data.renewal}:${e.data.attempt}`)).size).to.equal(renewed.length);
    for (const renewal of renewed) {
      const orders = created.filter((e) => e.data.orderId === renewal.data.orderId);
      const what = `the orders of ${renewal.data.subscriptionId} renewal ${renewal.data.renewal}`;
      if (complete) expect(orders.length, what).to.equal(1);
      else expect(orders.length, what).to.be.at.most(1);
      for (const order of orders) expect(order.metadata.causationId).to.equal(renewal.id);
    }
    if (complete) expect(created.length).to.equal(renewed.length);
  };

  const confirmed = (token: string, subscriptionId: string, renewal: number) =>
    eventually(async () => {
      const res = await call('GET', `/api/v1/subscriptions/${subscriptionId}`, token);
      const found = (res.body.renewals as Array<{ renewal: number; order: { status: string } | null }> | undefined)?.find((r) => r.renewal === renewal);
      return found?.order?.status === 'Confirmed' ? found : undefined;
    }, 30_000);

  it('places each renewal once when the server is killed while renewals fall due, and every one reaches Confirmed after the restart', async () => {
    const DAY = 250;
    server = await startServer(env(DAY));
    const { token, subscribe } = await setUp();
    const ids: string[] = [];
    for (const days of [2, 3, 4, 5, 6, 7]) ids.push(await subscribe(days));
    // Killed once the first renewals were placed, while the others fall due.
    await eventually(async () => {
      const res = await call('GET', `/api/v1/subscriptions/${ids[0]}`, token);
      return (res.body.renewals as unknown[]).length > 0 ? true : undefined;
    }, 20_000);
    await killServer(server, 'SIGKILL');
    const before = await log();
    // Perhaps killed between a renewal and its order: that order is placed after the restart.
    oneOrderPerRenewal(before, false);
    // Down past every first renewal's time.
    await new Promise((resolve) => setTimeout(resolve, 8 * DAY));

    server = await startServer(env(DAY));
    await ready();
    for (const id of ids) await confirmed(token, id, 1);
    for (const id of ids) expect((await call('POST', `/api/v1/subscriptions/${id}/cancel`, token)).status).to.equal(200);
    await killServer(server, 'SIGTERM');
    const after = await log();
    oneOrderPerRenewal(after);
    for (const id of ids) {
      const first = after.filter((e) => renewalOf(e)?.subscriptionId === id && renewalOf(e)?.renewal === 1);
      expect(first, `renewal 1 of ${id}`).to.have.length(1);
    }
  });

  it('places a renewal that fell due while the server was down once, when it starts', async () => {
    const DAY = 400;
    server = await startServer(env(DAY));
    const { token, subscribe } = await setUp();
    const id = await subscribe(5);
    await killServer(server, 'SIGKILL');
    expect((await log()).filter((e) => e.type === 'SubscriptionRenewed'), 'killed before the renewal was due').to.deep.equal([]);
    // Down for longer than the renewal's time and the interval after it.
    await new Promise((resolve) => setTimeout(resolve, 11 * DAY));

    server = await startServer(env(DAY));
    await ready();
    const renewal = await confirmed(token, id, 1);
    expect(renewal).to.include({ attempt: 1 });
    expect((await call('POST', `/api/v1/subscriptions/${id}/cancel`, token)).status).to.equal(200);
    await killServer(server, 'SIGTERM');
    const events = await log();
    oneOrderPerRenewal(events);
    expect(events.filter((e) => renewalOf(e)?.subscriptionId === id && renewalOf(e)?.renewal === 1)).to.have.length(1);
    // One order for the renewals missed, not one per period missed: the next falls due an interval after it was placed.
    const [renewed] = events.filter((e) => e.type === 'SubscriptionRenewed' && e.data.subscriptionId === id && e.data.renewal === 1);
    expect(Date.parse(String(renewed!.data.nextRenewalAt)) - Date.parse(String(renewed!.data.renewedAt))).to.be.at.least(5 * DAY);
  });
});
