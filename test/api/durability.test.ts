import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/**
 * The server process is killed with SIGKILL right after it acknowledged writes (and while
 * more are in flight); once restarted, every acknowledged write is there, and the read
 * models agree with the log.
 */
describe('durability across SIGKILL', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  const env = () => ({ DATA_DIR: dir.path, ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', SEED_DEMO: 'false' });

  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const call = async (path: string, init: { method?: string; token?: string; body?: unknown; requestId?: string } = {}) => {
    const res = await checkedFetch(`${server!.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.requestId ? { 'x-request-id': init.requestId } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('keeps every acknowledged write', async () => {
    server = await startServer(env());
    const token = String((await call('/api/v1/account/login', { method: 'POST', body: { email: 'ops@test.local', password: 'ops-password' } })).body.token);
    const created = await call('/api/v1/products', {
      method: 'POST',
      token,
      body: { sku: 'DUR-1', name: 'Durable', description: '', brand: 'b', category: 'c', price: { amount: 100, currency: 'USD' } },
    });
    expect(created.status).to.equal(201);

    const acknowledged: string[] = [];
    const receipt = async (i: number) => {
      const requestId = `receipt-${i}`;
      const res = await call('/api/v1/inventory/DUR-1/receipts', { method: 'POST', token, body: { quantity: 1 }, requestId });
      if (res.status === 200) acknowledged.push(requestId);
    };
    // Waves of concurrent receipts, all acknowledged...
    for (let wave = 0; wave < 5; wave += 1) await Promise.all(Array.from({ length: 10 }, (_, i) => receipt(wave * 10 + i)));
    // ...then more in flight when the process dies.
    const inFlight = Array.from({ length: 20 }, (_, i) => receipt(100 + i).catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const acknowledgedBeforeKill = [...acknowledged];
    await killServer(server, 'SIGKILL');
    await Promise.all(inFlight);
    expect(acknowledgedBeforeKill.length).to.be.at.least(50);

    server = await startServer(env());
    await eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
    // Ready means serving, not caught up: the stock level follows the log within moments of the start.
    const audit = await call('/api/v1/admin/audit/streams/inventory-DUR-1?limit=5000', { token });
    const inLog = (audit.body.events as Array<{ type: string }>).filter((e) => e.type === 'StockReceived').length;
    const level = await eventually(async () => {
      const res = await call('/api/v1/inventory/DUR-1', { token });
      return res.body.onHand === inLog ? res : undefined;
    });
    await killServer(server, 'SIGTERM');

    const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const received = (await store.readStream('inventory-DUR-1')).filter((e) => e.type === 'StockReceived');
    await store.close();
    const landed = new Set(received.map((e) => String(e.metadata.correlationId)));
    for (const requestId of acknowledged) expect(landed.has(requestId), `${requestId} was acknowledged but lost`).to.equal(true);
    expect(received.length).to.equal(inLog);
    expect(level.body.onHand).to.equal(received.length);
  });
});
