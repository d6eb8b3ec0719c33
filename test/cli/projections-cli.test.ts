import { expect } from 'chai';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { killServer, runCli, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

const cli = (args: string[], env: Record<string, string>) => runCli('projections', args, env);

/** The operator's tools against a live server's data, from another process. */
describe('npm run projections:rebuild / projections:verify', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await checkedFetch(`${server!.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('rebuilds every read model of a running server with no failed query and the same answers, then verifies them', async () => {
    const env = { DATA_DIR: dir.path };
    server = await startServer({ ...env, ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', RATE_LIMIT_PER_MINUTE: '0' });
    const admin = String((await call('POST', '/api/v1/account/login', undefined, { email: 'ops@test.local', password: 'ops-password' })).body.token);
    await call('POST', '/api/v1/account/register', undefined, { email: 'buyer@test.local', password: 'buyer-password', name: 'Buyer' });
    const buyer = String((await call('POST', '/api/v1/account/login', undefined, { email: 'buyer@test.local', password: 'buyer-password' })).body.token);
    const catalog = (await call('GET', '/api/v1/products?pageSize=100')).body.items as Array<{ productId: string; sku: string; available: number }>;
    const inStock = catalog.filter((p) => p.available > 0);
    await call('POST', '/api/v1/cart/items', buyer, { productId: inStock[0]!.productId, quantity: 1 });
    const placed = await call('POST', '/api/v1/checkout', buyer, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
    await eventually(async () => ((await call('GET', `/api/v1/orders/${placed.body.orderId}`, buyer)).body.status === 'Confirmed' ? true : undefined));

    const queries: Array<[string, string | undefined]> = [
      ['/api/v1/products?pageSize=100&sort=name', undefined],
      ...catalog.map((p): [string, undefined] => [`/api/v1/products/${p.productId}`, undefined]),
      ['/api/v1/inventory?pageSize=100', admin],
      [`/api/v1/orders/${placed.body.orderId}`, buyer],
      ['/api/v1/orders', admin],
    ];
    const before = new Map<string, string>();
    for (const [path, token] of queries) before.set(path, JSON.stringify((await call('GET', path, token)).body));
    let running = true;
    const outcomes = { asked: 0, failed: [] as string[], different: [] as string[] };
    const load = Array.from({ length: 3 }, async (_, worker) => {
      for (let i = worker; running; i += 1) {
        const [path, token] = queries[i % queries.length]!;
        const res = await call('GET', path, token).catch((error: Error) => ({ status: 0, body: error.message }));
        outcomes.asked += 1;
        if (res.status !== 200) outcomes.failed.push(`${path} → ${res.status}`);
        else if (JSON.stringify(res.body) !== before.get(path)) outcomes.different.push(path);
      }
    });

    const rebuilt = await cli(['rebuild', 'all'], env);
    running = false;
    await Promise.all(load);
    expect(rebuilt.code, rebuilt.stderr).to.equal(0);
    expect(rebuilt.stderr).to.match(/events\/s/);
    expect(rebuilt.stdout).to.match(/products__v2/);
    expect(outcomes.failed).to.deep.equal([]);
    expect(outcomes.different).to.deep.equal([]);
    expect(outcomes.asked).to.be.greaterThan(queries.length);

    // The server goes on projecting into the rebuilt collections.
    const sku = inStock[1]!.sku;
    const received = await call('POST', `/api/v1/inventory/${sku}/receipts`, admin, { quantity: 5 });
    const level = await eventually(async () => {
      const body = (await call('GET', `/api/v1/inventory/${sku}`, admin)).body;
      return body.onHand === received.body.onHand ? body : undefined;
    });
    expect(level.onHand).to.equal(received.body.onHand);

    const clean = await cli(['verify'], env);
    expect(clean.code, clean.stdout + clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/no divergence/);
    expect(clean.stdout).to.match(/no violation: \d+ invariants hold at position \d+/);

    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    await store.collection('products__v2').updateOne({ _id: inStock[0]!.productId }, { $set: { brand: 'Counterfeit' } });
    await store.close();
    const tampered = await cli(['verify', 'products'], env);
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout).to.include(inStock[0]!.productId);
    expect(tampered.stdout).to.include('Counterfeit');

    const unknown = await cli(['rebuild', 'nope'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/no projection nope; known: products, stock-levels/);
  });

  it('prints invariant violations like divergences and exits 1: an order showing its cancelled shipment as Preparing', async () => {
    const env = { DATA_DIR: dir.path };
    server = await startServer({ ...env, ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', RATE_LIMIT_PER_MINUTE: '0', PAYMENT_TIMEOUT_MS: '500', ORDER_BACKLOG_LIMIT_MS: '0' });
    await call('POST', '/api/v1/account/register', undefined, { email: 'buyer@test.local', password: 'buyer-password', name: 'Buyer' });
    const buyer = String((await call('POST', '/api/v1/account/login', undefined, { email: 'buyer@test.local', password: 'buyer-password' })).body.token);
    const catalog = (await call('GET', '/api/v1/products?pageSize=100')).body.items as Array<{ productId: string; available: number }>;
    await call('POST', '/api/v1/cart/items', buyer, { productId: catalog.find((p) => p.available > 0)!.productId, quantity: 1 });
    const { orderId } = (await call('POST', '/api/v1/checkout', buyer, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } })).body;
    const order = () => call('GET', `/api/v1/orders/${orderId}`, buyer);
    await eventually(async () => ((await order()).body.shipment ? true : undefined));
    expect((await call('POST', `/api/v1/orders/${orderId}/cancel`, buyer)).status).to.equal(202);
    const cancelled = await eventually(async () => {
      const body = (await order()).body;
      return body.status === 'Cancelled' && body.payment.status === 'Refunded' ? body : undefined;
    });
    expect(cancelled.shipment.status).to.equal('Cancelled');
    const clean = await eventually(async () => {
      const run = await cli(['verify', '--json'], env);
      const report = JSON.parse(run.stdout);
      return report.invariants.inFlight.length === 0 ? { run, report } : undefined;
    }, 30_000);
    expect(clean.run.code, clean.run.stdout).to.equal(0);
    expect(clean.report.invariants.violations).to.deep.equal([]);

    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const [{ collection }] = await store.collection<{ _id: string; collection: string }>('checkpoints').find({ _id: 'orders' });
    await store.collection(collection).updateOne({ _id: orderId }, { $set: { 'shipment.status': 'Preparing' } });
    await store.close();
    const broken = await cli(['verify', 'orders', 'shipments'], env);
    expect(broken.code, broken.stdout + broken.stderr).to.equal(1);
    expect(broken.stdout).to.include(`orders  ${collection}  ${orderId}  different`); // the tampering, as a divergence
    expect(broken.stdout).to.match(/^1 invariant violations at position \d+:$/m);
    expect(broken.stdout).to.include(`invariant order-shipment  ${orderId}  the order shows its shipment Preparing, the shipment is Cancelled`);
  });

  it('refuses a DATA_DIR without shop data rather than making an empty one', async () => {
    const missing = join(dir.path, 'typo');
    const result = await cli(['verify'], { DATA_DIR: missing });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/no shop data in DATA_DIR/);
    expect(existsSync(missing)).to.equal(false);
  });

  it('refuses a DATA_DIR whose events.db is not a shop\'s log, and writes nothing into it', async () => {
    // Another program's SQLite database, and a file that is no database at all.
    const foreign = new Database(join(dir.path, 'events.db'));
    foreign.exec('CREATE TABLE notes (text TEXT)');
    foreign.close();
    const result = await cli(['list'], { DATA_DIR: dir.path });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/DATA_DIR .* is not a shop's: its events\.db is a SQLite database without the shop's log in it/);
    expect(readdirSync(dir.path)).to.deep.equal(['events.db']);
    const after = new Database(join(dir.path, 'events.db'), { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).to.deep.equal(['notes']);
    after.close();

    writeFileSync(join(dir.path, 'events.db'), 'not a database');
    const garbage = await cli(['verify'], { DATA_DIR: dir.path });
    expect(garbage.code).to.equal(1);
    expect(garbage.stderr).to.match(/its events\.db cannot be read as the shop's log \(file is not a database\)/);
    expect(readdirSync(dir.path)).to.deep.equal(['events.db']);
  });

  it('logs to stderr, leaving stdout to the answer', async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    await events.appendToStream('inventory-SKU-1', [{ id: uuid(), type: 'StockReceived', data: { sku: 'SKU-1', productId: uuid(), quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' }, metadata: {} }]);
    await events.close();
    const result = await cli(['rebuild', 'stock-levels'], { DATA_DIR: dir.path, LOG_LEVEL: 'info' });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('rebuilt read models swapped in');
    expect(result.stdout.split('\n').filter((line) => line.startsWith('{'))).to.deep.equal([]);
    expect(result.stdout).to.match(/^rebuilt 1 events in/);
  });
});

/** verify on read models behind the log (here: removed, none folded yet) says what it did not check, rather than only "agree up to position 1". */
describe('projections verify on read models behind the log', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('says how far they have folded the log and where its head is; caught up, it says nothing of it', async () => {
    const server = await startServer({ DATA_DIR: dir.path });
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
    const caughtUp = await cli(['verify'], { DATA_DIR: dir.path });
    expect(caughtUp.code, caughtUp.stderr).to.equal(0);
    expect(caughtUp.stdout).to.not.match(/behind/);
    for (const file of readdirSync(dir.path).filter((name) => name.startsWith('read-models.db'))) rmSync(join(dir.path, file));
    const behind = await cli(['verify'], { DATA_DIR: dir.path });
    expect(behind.code, behind.stderr).to.equal(0);
    expect(behind.stdout).to.match(/^behind: the read models have folded the log up to position \d+, its head is at \d+.*: .*\bproducts\b/m);
  });
});
