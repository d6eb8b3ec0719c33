import { expect } from 'chai';
import { call, checkoutVia, product, ShopProcesses, processEnv } from '../support/shop-processes.js';
import { tempDir } from '../support/temp-dir.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Admission control across processes (src/admission/order-backlog.ts): a process that does not
 * run the order saga takes what the saga's holder tells with its heartbeat, not the position
 * the holder reported with its last renewal, which is up to a heartbeat old: measured from
 * that position, a lone shopper's checkouts were refused while the saga was idle.
 */
describe('checkout admission, two real processes on one DATA_DIR', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await shop?.stop('SIGKILL');
    shop = undefined;
    dir.remove();
  });

  it('takes a lone shopper\'s checkouts at the process without the saga, though the saga\'s renewals come further apart than the limit', async () => {
    // A limit of 500 ms (a third of the payment's time), renewals every 2 s.
    shop = new ShopProcesses(processEnv(dir.path, { PAYMENT_TIMEOUT_MS: '1500', ORDER_BACKLOG_LIMIT_MS: '500', LEASE_MS: '6000' }));
    await shop.start(2);
    await shop.balanced(2);
    const { server: holder } = await shop.holder('order-saga');
    // A holder tells of the saga from its first beat after taking it over (until then the others measure from its stored position): two heartbeats.
    await sleep(4500);
    const other = shop.live.find((s) => s !== holder)!;
    const admin = await shop.admin();
    const productId = await product(other, admin, 'LONE-1', 100, [other]);
    await call(other, 'POST', '/api/v1/account/register', undefined, { email: 'lone@test.local', password: 'buyer-password', name: 'Lone' });
    const token = String((await call(other, 'POST', '/api/v1/account/login', undefined, { email: 'lone@test.local', password: 'buyer-password' })).body.token);
    const answers: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      expect((await call(other, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 })).status).to.equal(200);
      // Older than the limit by the time it checks out, and read by the saga at once.
      await sleep(800);
      const placed = await checkoutVia(other, token);
      answers.push(placed.status);
      expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    }
    expect(answers).to.deep.equal([202, 202, 202, 202]);
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    expect(metrics).to.match(/^checkouts_refused_total 0$/m);
  });
});
