import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggedUrl, loggerOptions, scrubEmails } from '../../src/api/log-privacy.js';
import { WrongExpectedVersionError } from '../../src/infrastructure/event-store/event-store.js';
import { DuplicateKeyError } from '../../src/infrastructure/read-models/read-model-store.js';
import { checkedFetch } from '../support/contract.js';
import { serverClient } from '../support/server-client.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADDRESS } from '../support/shop.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * No copies left behind (issue 17): the logs and the metrics never carry personal data. A real
 * server is taken through registration, sign-ins (right and wrong), an address, a payment
 * method, a checkout, a few failures and an export, with distinctive values; then neither its
 * log lines (at debug) nor /metrics hold any of them.
 */

const EMAIL = 'quentin.zaffrelow-4821@example.org';
const NAME = 'Quentin Zaffrelow';
const STREET = '19 Obsidian Wharf';
const CITY = 'Brackenmoor';
const LABEL = 'Zaffrelow travel card';
const DISTINCT = [EMAIL, encodeURIComponent(EMAIL), 'quentin.zaffrelow', 'Zaffrelow', STREET, 'Obsidian', CITY, LABEL];

const capture = () => {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
  return { logger: pino(loggerOptions('debug'), stream), text: () => lines.join('') };
};

describe('no personal data in the logs', () => {
  describe('the logger every process is made with', () => {
    it("scrubs email addresses from errors: a mail server's rejection (its recipients and answer too), a claim stream's name, a unique-key clash", () => {
      const { logger, text } = capture();
      const rejected = Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 5.1.1 <${EMAIL}>: Recipient address rejected`), {
        code: 'EENVELOPE', rejected: [EMAIL], envelope: { from: 'shop@shop.local', to: [EMAIL] }, response: `550 5.1.1 <${EMAIL}>: Recipient address rejected`, command: 'RCPT TO',
      });
      logger.warn({ err: rejected, jobId: 'send-notification:1' }, 'job failed; will retry');
      logger.error({ err: new WrongExpectedVersionError(`customeremail-${EMAIL}`, 'no_stream', 0) }, 'event parked');
      logger.error({ err: new DuplicateKeyError('customers', { email: EMAIL }) }, 'unhandled error');
      logger.error({ err: new Error('wrapped', { cause: new Error(`no account ${EMAIL}`) }) }, 'unhandled error');
      const out = text();
      for (const value of DISTINCT) expect(out, value).not.to.include(value);
      // What is not personal stays, to diagnose by.
      for (const kept of ['Recipient address rejected', 'EENVELOPE', 'send-notification:1', 'WrongExpectedVersionError', 'DuplicateKeyError', '[redacted]']) {
        expect(out, kept).to.include(kept);
      }
    });

    it('censors fields that hold personal data wherever a log call would pass them: bodies, payloads, event data, addresses', () => {
      const { logger, text } = capture();
      logger.info({ body: { email: EMAIL, name: NAME } }, 'a body');
      logger.info({ req: { body: { email: EMAIL } }, payload: { to: EMAIL, text: `Dear ${NAME}` } }, 'a payload');
      logger.info({ event: { type: 'CustomerRegistered', data: { name: NAME } }, job: { payload: { line1: STREET } } }, 'an event');
      logger.info({ customer: { email: EMAIL, shippingAddress: { line1: STREET, city: CITY } }, order: { shippingAddress: { line1: STREET } } }, 'nested');
      logger.info({ email: EMAIL, to: EMAIL, shippingAddress: ADDRESS, text: LABEL }, 'top level');
      const out = text();
      for (const value of [...DISTINCT, NAME]) expect(out, value).not.to.include(value);
      expect(out).to.include('CustomerRegistered');
    });

    it('logs a URL without email addresses and without the values of its query string', () => {
      expect(loggedUrl(`/api/v1/admin/audit/streams/customeremail-${encodeURIComponent(EMAIL)}`)).to.equal('/api/v1/admin/audit/streams/[email]');
      expect(loggedUrl(`/api/v1/admin/audit/streams/customeremail-${EMAIL}?limit=5`)).to.equal('/api/v1/admin/audit/streams/[email]?limit');
      expect(loggedUrl(`/api/v1/search?q=${encodeURIComponent(NAME)}&page=2`)).to.equal('/api/v1/search?q&page');
      expect(loggedUrl('/api/v1/orders?')).to.equal('/api/v1/orders');
      expect(loggedUrl('/api/v1/orders/5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b')).to.equal('/api/v1/orders/5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b');
      expect(scrubEmails('no address here')).to.equal('no address here');
    });
  });

  describe('a real server', function () {
    this.timeout(120_000);
    let dir: ReturnType<typeof tempDir>;
    let server: ServerProcess | undefined;
    before(() => (dir = tempDir()));
    after(async () => {
      await killServer(server);
      dir.remove();
    });
    const { call, login } = serverClient(() => server!.url);

    it('logs none of a customer\'s values, and /metrics holds none of them nor any id, after a whole flow with failures; limits.db holds no email', async () => {
      server = await startServer({ DATA_DIR: dir.path, ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'debug' });
      const admin = await login('ops@test.local', 'ops-password');
      const expectStatus = async (status: number, method: string, path: string, token?: string, body?: unknown) => {
        const res = await call(method, path, token, body);
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.equal(status);
        return res.body;
      };
      const { customerId } = await expectStatus(201, 'POST', '/api/v1/account/register', undefined, { email: EMAIL, password: 'correct-horse', name: NAME });
      await expectStatus(409, 'POST', '/api/v1/account/register', undefined, { email: EMAIL, password: 'correct-horse', name: NAME });
      await expectStatus(400, 'POST', '/api/v1/account/register', undefined, { email: `${NAME}@`, password: 'x', name: NAME });
      await expectStatus(401, 'POST', '/api/v1/account/login', undefined, { email: EMAIL, password: 'wrong-horse' });
      await expectStatus(401, 'POST', '/api/v1/account/login', undefined, { email: `ghost.${EMAIL}`, password: 'wrong-horse' });
      const token = await login(EMAIL, 'correct-horse');
      await expectStatus(201, 'POST', '/api/v1/account/me/addresses', token, { line1: STREET, city: CITY, postalCode: '90210', country: 'GB' });
      await expectStatus(400, 'POST', '/api/v1/account/me/addresses', token, { line1: STREET, city: CITY, postalCode: '90210', country: 'Narnia' });
      await expectStatus(201, 'POST', '/api/v1/account/me/payment-methods', token, { token: 'tok_visa', label: LABEL });
      const { productId } = await expectStatus(201, 'POST', '/api/v1/products', admin, { sku: 'PRIV-1', name: 'Lamp', description: '', brand: 'b', category: 'c', price: { amount: 1000, currency: 'USD' } });
      await expectStatus(200, 'POST', '/api/v1/inventory/PRIV-1/receipts', admin, { quantity: 5 });
      await expectStatus(200, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 });
      const address = { line1: STREET, city: CITY, postalCode: '90210', country: 'GB' };
      const { orderId } = await expectStatus(202, 'POST', '/api/v1/checkout', token, { shippingAddress: address, paymentMethod: { token: 'tok_visa' } });
      await eventually(async () => ((await call('GET', `/api/v1/orders/${orderId}`, token)).body.status === 'Confirmed' ? true : undefined), 20_000);
      await expectStatus(200, 'GET', `/api/v1/admin/audit/streams/customer-${customerId}`, admin);
      await call('GET', `/api/v1/admin/audit/streams/customeremail-${encodeURIComponent(EMAIL)}`, admin);
      await expectStatus(200, 'GET', `/api/v1/search?q=${encodeURIComponent(NAME)}`);
      await expectStatus(404, 'GET', '/api/v1/orders/00000000-0000-4000-8000-000000000000', token);
      const exported = await checkedFetch(`${server.url}/api/v1/account/me/export`, { headers: { authorization: `Bearer ${token}` } });
      expect(exported.status).to.equal(200);
      expect(await exported.text()).to.include(STREET);

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      for (const value of [...DISTINCT, NAME, customerId, orderId, productId]) expect(metrics, value).not.to.include(value);
      // The only id in a label is the process's own (bounded: one per process).
      const ids = new Set(metrics.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
      expect(ids.size).to.be.at.most(1);
      for (const id of ids) expect(metrics).to.include(`process="${id}"`);
      expect(metrics).to.include('route="/api/v1/orders/:id"');

      // Stopped gracefully (its logs flushed), and read to the end of its output.
      const drained = new Promise((resolve) => server!.child.stdout!.once('close', resolve));
      await killServer(server, 'SIGTERM');
      await drained;
      const logs = server.logs.join('\n');
      expect(logs).to.include('request completed');
      expect(logs).to.include('/api/v1/admin/audit/streams/[email]');
      for (const value of [...DISTINCT, NAME]) expect(logs, value).not.to.include(value);
      // The sign-in throttle counted the failures under a pseudonym of the account, not its email.
      const limits = ['limits.db', 'limits.db-wal'].map((file) => join(dir.path, file)).filter((file) => existsSync(file));
      expect(limits).to.not.deep.equal([]);
      for (const file of limits) expect(readFileSync(file).includes(Buffer.from('quentin.zaffrelow')), file).to.equal(false);
    });
  });
});
