import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { call, checkoutVia, product, ShopProcesses, processEnv } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A mail server that accepts connections and never answers (the mailer waits 10 s for its
 * greeting by default; here longer than the test) holds the mail lane's slots, and only those (src/processes/job-lanes.ts): charges
 * keep starting at once, every order is confirmed, and admission control, which counts the
 * lanes orders wait on, refuses no checkout. With one pool of 16 slots for every kind, the 17th
 * email held the charges back and checkouts were refused.
 */
describe('a mail server that hangs, one real process', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses | undefined;
  let smtp: Server;
  let open: Set<Socket>;

  beforeEach(async () => {
    dir = tempDir();
    open = new Set();
    smtp = createServer((socket) => {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => open.delete(socket));
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await shop?.stop('SIGKILL');
    shop = undefined;
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => smtp.close(resolve));
    dir.remove();
  });

  it('confirms every order and refuses no checkout while the emails hang, the mail lane full', async () => {
    const port = (smtp.address() as { port: number }).port;
    // The mailer gives up on a silent server after 10 s by default: here not before the test is over.
    const smtpUrl = `smtp://127.0.0.1:${port}?connectionTimeout=120000&greetingTimeout=120000`;
    shop = new ShopProcesses(processEnv(dir.path, { SMTP_URL: smtpUrl, PAYMENT_TIMEOUT_MS: '6000', ORDER_BACKLOG_LIMIT_MS: '1000' }));
    const [server] = await shop.start(1);
    const admin = await shop.admin();
    const productId = await product(server!, admin, 'MAIL-1', 100);
    await call(server!, 'POST', '/api/v1/account/register', undefined, { email: 'mail@test.local', password: 'buyer-password', name: 'Mail' });
    const token = String((await call(server!, 'POST', '/api/v1/account/login', undefined, { email: 'mail@test.local', password: 'buyer-password' })).body.token);

    // An email for each order (and the welcome): past the mail lane's 8 slots, and past the 16 every kind once shared.
    const statuses: string[] = [];
    for (let i = 0; i < 24; i += 1) {
      expect((await call(server!, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 })).status).to.equal(200);
      const placed = await checkoutVia(server!, token);
      expect(placed.status, `order ${i}: ${JSON.stringify(placed.body)}`).to.equal(202);
      const order = await eventually(async () => {
        const res = await call(server!, 'GET', `/api/v1/orders/${placed.body.orderId}`, token);
        return ['Confirmed', 'Failed'].includes(res.body.status) ? res.body : undefined;
      }, 10_000);
      statuses.push(order.status);
    }
    expect(statuses).to.deep.equal(Array(24).fill('Confirmed'));

    // The mail lane's slots are all held (one connection each), and its due emails wait; the payments lane is not behind.
    expect(open.size).to.equal(8);
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    const behind = (lane: string) => Number(new RegExp(`^job_runner_behind_seconds\\{process="[^"]+",lane="${lane}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(behind('mail')).to.be.above(0);
    // (Payment timers cancelled in the store stay in the local queue until due, and are dropped then: a scrape may see one a few ms due.)
    expect(behind('payments')).to.be.below(0.5);
    expect(metrics).to.match(/^checkouts_refused_total 0$/m);
  });

  it('gives the mail lane the slots JOB_SLOTS names', async () => {
    const port = (smtp.address() as { port: number }).port;
    shop = new ShopProcesses(processEnv(dir.path, { SMTP_URL: `smtp://127.0.0.1:${port}?connectionTimeout=120000&greetingTimeout=120000`, JOB_SLOTS: 'mail=3' }));
    const [server] = await shop.start(1);
    const admin = await shop.admin();
    const productId = await product(server!, admin, 'MAIL-2', 100);
    await call(server!, 'POST', '/api/v1/account/register', undefined, { email: 'slots@test.local', password: 'buyer-password', name: 'Slots' });
    const token = String((await call(server!, 'POST', '/api/v1/account/login', undefined, { email: 'slots@test.local', password: 'buyer-password' })).body.token);
    for (let i = 0; i < 6; i += 1) {
      expect((await call(server!, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 })).status).to.equal(200);
      expect((await checkoutVia(server!, token)).status).to.equal(202);
    }
    // Seven emails (the welcome, six orders) to a server that never answers: three at a time.
    await eventually(async () => (open.size === 3 && /job_runner_behind_seconds\{[^}]*lane="mail"\} [1-9]/.test(await (await fetch(`${server!.url}/metrics`)).text()) ? true : undefined), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(open.size).to.equal(3);
  });
});
