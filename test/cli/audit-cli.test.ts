import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { v4 as uuid } from 'uuid';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/** The audit CLI (`npm run audit -- ...`), run on the data dir the real server left behind. */

const CLI = fileURLToPath(new URL('../../src/cli/audit.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SKU = 'MUG-CER-350'; // from the demo catalog

type Run = { code: number; stdout: string; stderr: string };

describe('the audit CLI', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  let orderId: string;

  /** One confirmed order placed through the real server, which is then stopped (SIGTERM). */
  before(async () => {
    dir = tempDir('shop-audit-cli-');
    server = await startServer({
      DATA_DIR: dir.path,
      ADMIN_EMAIL: 'ops@test.local',
      ADMIN_PASSWORD: 'ops-password',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    orderId = await confirmedOrder(server.url);
    await killServer(server, 'SIGTERM');
    expect(server.child.exitCode, server.logs.join('\n')).to.equal(0);
  });
  after(async () => {
    await killServer(server);
    dir?.remove();
  });

  const audit = (...args: string[]) => cli(dir.path, args);
  const json = (run: Run) => {
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as Record<string, any>;
  };

  it("prints an order's timeline across its streams as JSON", async () => {
    const result = json(await audit(orderId, '--json'));
    expect(result.orderId).to.equal(orderId);
    const timeline = result.timeline as Array<{ streamName: string; type: string; position: number }>;
    expect(timeline.map((e) => e.type)).to.include.members(['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderConfirmed']);
    expect(timeline.find((e) => e.type === 'StockReserved')!.streamName).to.equal(`inventory-${SKU}`);
    expect(timeline.find((e) => e.type === 'PaymentProcessed')!.streamName).to.match(/^payment-/);
    expect(timeline.map((e) => e.position)).to.deep.equal([...timeline.map((e) => e.position)].sort((a, b) => a - b));
    expect(result.state).to.deep.include({ status: 'Confirmed', orderId });
  });

  it("prints a SKU's stream as a table of its events, then its state", async () => {
    const run = await audit(`inventory-${SKU}`);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`inventory-${SKU}: 3 events`);
    expect(run.stdout).to.match(/┌.*┐/);
    expect(revisionsIn(run.stdout)).to.deep.equal(['0', '1', '2']);
    for (const type of ['StockReceived', 'StockReserved']) expect(run.stdout, type).to.include(type);
    expect(run.stdout).to.include('state now:');
    expect(run.stdout).to.include('"onHand": 200');
    expect(run.stdout).to.include('"reserved": 1');
    expect(() => JSON.parse(run.stdout)).to.throw();
  });

  // With no terminal the table is 160 columns wide and the type column wraps inside words.
  it('keeps every event type whole in the table, so that it can be searched for', async () => {
    const run = await audit(`inventory-${SKU}`);
    expect(run.code, run.stderr).to.equal(0);
    for (const type of ['InventoryItemRegistered', 'StockReceived', 'StockReserved']) expect(run.stdout, type).to.include(type);
  });

  it("prints an order's timeline as a table", async () => {
    const run = await audit(orderId);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`^order ${orderId}: \\d+ events across \\d+ streams`));
    for (const type of ['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderConfirmed']) expect(run.stdout, type).to.include(type);
    expect(run.stdout).to.include(`"status": "Confirmed"`);
  });

  it('gives the Pending order as of revision 0 of its stream', async () => {
    const result = json(await audit(`order-${orderId}`, '--as-of', '0', '--json'));
    expect(result.asOf).to.deep.equal({ revision: 0 });
    expect(result.state).to.deep.include({ status: 'Pending', orderId });
    expect(result.events.map((e: { type: string }) => e.type)).to.deep.equal(['OrderCreated', 'OrderPaid', 'OrderConfirmed']);
  });

  it('gives the order as of the time it was paid, with its timeline up to then', async () => {
    const whole = json(await audit(orderId, '--json'));
    const paid = (whole.timeline as Array<{ type: string; occurredAt: string }>).find((e) => e.type === 'OrderPaid')!;
    const then = json(await audit(orderId, '--as-of', paid.occurredAt, '--json'));
    expect(then.asOf).to.deep.equal({ time: paid.occurredAt });
    expect(then.state).to.deep.include({ status: 'Paid', orderId });
    const types = (then.timeline as Array<{ type: string }>).map((e) => e.type);
    expect(types).to.include.members(['OrderCreated', 'PaymentProcessed', 'OrderPaid']);
    expect(types).not.to.include('OrderConfirmed');
  });

  it('exits 1 with the reason on stderr for a stream that does not exist', async () => {
    const missing = `order-${uuid()}`;
    const run = await audit(missing);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim()).to.equal(`error: stream ${missing} not found`);
    expect(run.stdout).to.equal('');
  });

  it('leaves a data dir that does not exist alone: an audit writes nothing', async () => {
    const missing = `${dir.path}-missing`;
    const run = await cli(missing, [`inventory-${SKU}`]);
    const created = existsSync(missing);
    rmSync(missing, { recursive: true, force: true });
    expect(run.code).to.equal(1);
    expect(created, 'the audit created the data dir and empty stores in it').to.equal(false);
  });

  for (const columns of [80, 120]) {
    it(`fits a terminal ${columns} columns wide: no line is wider, and the data wraps instead of being cut`, async () => {
      for (const target of [`inventory-${SKU}`, orderId]) {
        const run = await cli(dir.path, [target], { COLUMNS: String(columns) });
        expect(run.code, run.stderr).to.equal(0);
        const wide = run.stdout.split('\n').filter((line) => [...line].length > columns);
        expect(wide, target).to.deep.equal([]);
        const cells = run.stdout.split('\n').filter((line) => line.startsWith('│')).map((line) => line.split('│')[2]!.trim()).join('');
        expect(cells).to.include(`"sku":"${SKU}"`);
      }
    });
  }

  it('exits 1 for a window that lists nothing or is no whole number (--limit 0, --from -1)', async () => {
    for (const args of [['--limit', '0'], ['--limit', '1e3'], ['--from', '-1']]) {
      const run = await audit(`inventory-${SKU}`, ...args);
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.stderr).to.match(/^error: --(limit|from) must be a whole number/);
    }
  });

  it('says which events of how many a window shows, and what a window past the end holds', async () => {
    const window = await audit(`inventory-${SKU}`, '--from', '1', '--limit', '1');
    expect(window.code, window.stderr).to.equal(0);
    expect(window.stdout).to.include(`inventory-${SKU}: events 1-1 of 3`);
    expect(revisionsIn(window.stdout)).to.deep.equal(['1']);
    expect(json(await audit(`inventory-${SKU}`, '--from', '1', '--json')).total).to.equal(3);
    const past = await audit(`inventory-${SKU}`, '--from', '9');
    expect(past.code, past.stderr).to.equal(0);
    expect(past.stdout).to.include(`inventory-${SKU}: no events in the window asked for, of 3`);
  });

  it("exits 1 for a window on an order's timeline (it runs across streams), rather than printing it whole", async () => {
    for (const args of [['--from', '1'], ['--limit', '2']]) {
      const run = await audit(orderId, ...args);
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.stderr).to.match(/^error: --from and --limit list the events of a stream/);
      expect(run.stdout).to.equal('');
    }
  });

  it('exits 1 for an as-of revision the stream never reached, rather than answering its latest state under that name', async () => {
    for (const target of [`inventory-${SKU}`, orderId]) {
      const run = await audit(target, '--as-of', '99');
      expect(run.code, target).to.equal(1);
      expect(run.stderr, target).to.match(/has no revision 99: its last is \d+/);
      expect(run.stdout).to.equal('');
    }
    expect(json(await audit(`inventory-${SKU}`, '--as-of', '2', '--json')).asOf).to.deep.equal({ revision: 2 });
  });

  it('exits 1 for an as-of that is neither a revision nor a time, saying what it takes', async () => {
    for (const asOf of ['yesterday', '2026-02-30', '-1', '']) {
      const run = await audit(`inventory-${SKU}`, '--as-of', asOf);
      expect(run.code, asOf).to.equal(1);
      expect(run.stderr, asOf).to.match(/^error: --as-of must be a revision \(0, 1, \.\.\.\) or an ISO 8601 time/);
      expect(run.stdout, asOf).to.equal('');
    }
  });
});

/** Runs the CLI on the embedded stores in `dataDir` (never on a configured EventStoreDB or MongoDB). */
const cli = (dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', EVENTSTORE_URL: '', MONGODB_URL: '', ...env }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });

/** The first cell of each table row that starts an event (its revision or position). */
const revisionsIn = (table: string) =>
  table
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) => line.split('│')[1]!.trim())
    .filter((cell) => /^\d+$/.test(cell));

/** Registers a shopper, buys one demo mug with a good card and waits until the order is confirmed. */
const confirmedOrder = async (url: string): Promise<string> => {
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await checkedFetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const registered = await call('POST', '/api/v1/account/register', undefined, { email: 'buyer@test.local', password: 'buyer-password', name: 'Buyer' });
  expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
  const token = String((await call('POST', '/api/v1/account/login', undefined, { email: 'buyer@test.local', password: 'buyer-password' })).body.token);
  const product = await eventually(async () => {
    const listed = await call('GET', '/api/v1/products?pageSize=50');
    return (listed.body.items as Array<{ productId: string; sku: string }> | undefined)?.find((p) => p.sku === SKU);
  }, 20_000);
  await eventually(async () => ((await call('POST', '/api/v1/cart/items', token, { productId: product.productId, quantity: 1 })).status === 200 ? true : undefined), 20_000);
  const placed = await call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
  expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
  const orderId = String(placed.body.orderId);
  await eventually(async () => ((await call('GET', `/api/v1/orders/${orderId}`, token)).body.status === 'Confirmed' ? true : undefined), 20_000);
  return orderId;
};
