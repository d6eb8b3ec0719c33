import { expect } from 'chai';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverClient } from '../support/server-client.js';
import { ADMIN_LOGIN, processEnv } from '../support/shop-processes.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { tracesIn } from '../support/byte-scan.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The privacy issue's proof: a customer with distinctive values takes an order to
 * Delivered and reviews it, then erases their account; afterwards no byte of any file under
 * DATA_DIR (the log, the read models with their snapshots and queued mails, the key store,
 * the limits, their WAL and shared-memory files) holds any of those values, in clear or in any
 * encoding the stores use; the order's lines and totals are unchanged; the operator tools
 * rebuild and verify every read model cleanly, and the rebuilt ones hold no trace either; the
 * audit shows the placeholder.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROJECTIONS_CLI = fileURLToPath(new URL('../../src/cli/projections.js', import.meta.url));

const ZELDA = {
  email: 'zelda.quixotic-erasable@quillhaven.example',
  name: 'Zelda Quixotic-Erasable',
  street: '77 Xylophone Crescent',
  city: 'Quillhavenbury',
  phone: '+44 7700 918273',
  label: "Zelda's Quillhaven Visa",
  review: 'Quixotically splendid kettle, Zelda approves wholeheartedly',
};
const VALUES = Object.values(ZELDA);

const tool = (args: string[], dataDir: string): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [PROJECTIONS_CLI, ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}\n${stderr}` }),
    );
  });

/** Which read-model documents hold one of the values (to say where a trace is). */
const holders = (dataDir: string): string => {
  const db = new Database(join(dataDir, 'read-models.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT collection, id, doc FROM documents').all() as Array<{ collection: string; id: string; doc: string }>;
    return JSON.stringify(rows.filter((row) => VALUES.some((value) => row.doc.includes(value))).map((row) => `${row.collection}/${row.id}: ${row.doc.slice(0, 300)}`));
  } finally {
    db.close();
  }
};

describe('erasure leaves nothing behind', function () {
  this.timeout(180_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const env = () => processEnv(dir.path, { CARRIER_TRANSIT_MS: '200', CARRIER_DELIVERY_MS: '200' });
  const { call, login } = serverClient(() => server!.url);

  it('finds none of an erased customer\'s values in any file of DATA_DIR, before or after a rebuild, and keeps their order', async () => {
    server = await startServer(env());
    const admin = await login(ADMIN_LOGIN.email, ADMIN_LOGIN.password);
    const product = await call('POST', '/api/v1/products', admin, { sku: 'KETTLE-1', name: 'Kettle', description: 'Boils water.', brand: 'Brand', category: 'Kitchen', price: { amount: 2500, currency: 'USD' } });
    const productId = String(product.body.productId);
    expect((await call('POST', '/api/v1/inventory/KETTLE-1/receipts', admin, { quantity: 5 })).status).to.equal(200);
    await eventually(async () => ((await call('GET', `/api/v1/products/${productId}`)).body.available === 5 ? true : undefined));

    expect((await call('POST', '/api/v1/account/register', undefined, { email: ZELDA.email, password: 'zelda-password', name: ZELDA.name, phone: ZELDA.phone })).status).to.equal(201);
    const token = await login(ZELDA.email, 'zelda-password');
    const address = { line1: ZELDA.street, city: ZELDA.city, postalCode: 'QX7 9ZZ', country: 'GB' };
    expect((await call('POST', '/api/v1/account/me/addresses', token, address)).status).to.equal(201);
    const method = await call('POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa', label: ZELDA.label });
    expect(method.status, JSON.stringify(method.body)).to.equal(201);
    expect((await call('POST', '/api/v1/cart/items', token, { productId, quantity: 2 })).status).to.equal(200);
    const placed = await call('POST', '/api/v1/checkout', token, { shippingAddress: address, paymentMethod: { paymentMethodId: method.body.paymentMethodId } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = String(placed.body.orderId);
    const confirmed = await eventually(async () => {
      const { body } = await call('GET', `/api/v1/orders/${orderId}`, token);
      return body.status === 'Confirmed' && body.shipment ? body : undefined;
    }, 30_000);
    expect((await call('POST', `/api/v1/shipments/${confirmed.shipment.shipmentId}/dispatch`, admin)).status).to.equal(200);
    await eventually(async () => ((await call('GET', `/api/v1/orders/${orderId}`, token)).body.status === 'Delivered' ? true : undefined), 30_000);
    const reviewed = await call('POST', '/api/v1/reviews', token, { productId, rating: 5, text: ZELDA.review });
    expect(reviewed.status, JSON.stringify(reviewed.body)).to.equal(201);
    const before = (await call('GET', `/api/v1/orders/${orderId}`, admin)).body;
    const customerId = String(before.customerId);
    // The scan finds what is there: the read models hold every value in clear until the erasure.
    const present = new Set(tracesIn(dir.path, VALUES).map((t) => t.value));
    expect([...present].sort(), 'the values are in the files before the erasure').to.deep.equal([...VALUES].sort());

    const erased = await call('DELETE', '/api/v1/account/me', token, { password: 'zelda-password' });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(202);
    // Done when the profile key is gone (the audit reads the registration as erased) and the journals were emptied after it.
    await eventually(async () => {
      const audit = await call('GET', `/api/v1/admin/audit/streams/customer-${customerId}`, admin);
      const registered = (audit.body.events as Array<{ type: string; data: Record<string, unknown> }>).find((e) => e.type === 'CustomerRegistered');
      return registered?.data.email === '[erased]' ? true : undefined;
    }, 30_000);
    await eventually(() => (tracesIn(dir.path, VALUES).length === 0 ? true : undefined), 30_000).catch(() => undefined);
    expect(tracesIn(dir.path, VALUES), `no trace while the server runs: ${holders(dir.path)}`).to.deep.equal([]);

    // The order stays, as a former customer's: the same lines, total and status.
    const after = (await call('GET', `/api/v1/orders/${orderId}`, admin)).body;
    expect(after).to.deep.include({ orderId, status: 'Delivered', total: before.total, lines: before.lines });
    // The audit: what the profile key sealed reads as the placeholder (the payment token); the
    // invoice (the address on the order) is still read from the log under the invoice key,
    // until INVOICE_RETENTION_DAYS are over; no read model keeps a copy of it meanwhile.
    const audit = await call('GET', `/api/v1/admin/audit/orders/${orderId}`, admin);
    expect(audit.status).to.equal(200);
    const created = (audit.body.timeline as Array<{ type: string; data: Record<string, any> }>).find((e) => e.type === 'OrderCreated')!;
    expect(created.data.paymentMethod.token).to.equal('[erased]');
    expect(created.data.shippingAddress).to.include({ line1: ZELDA.street, city: ZELDA.city });
    expect(JSON.stringify(audit.body)).to.not.match(/Zelda/);
    // Nor did the server's own log lines ever print one of them.
    expect(server.logs.filter((line) => VALUES.some((value) => line.includes(value)))).to.deep.equal([]);
    await killServer(server, 'SIGTERM');
    server = undefined;
    expect(tracesIn(dir.path, VALUES), 'no trace once the server stopped').to.deep.equal([]);

    const rebuilt = await tool(['rebuild', 'all'], dir.path);
    expect(rebuilt.code, rebuilt.out).to.equal(0);
    const verified = await tool(['verify'], dir.path);
    expect(verified.code, verified.out).to.equal(0);
    expect(tracesIn(dir.path, VALUES), 'no trace after the rebuild').to.deep.equal([]);
  });
});
