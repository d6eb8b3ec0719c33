import { expect } from 'chai';
import { ADMIN_LOGIN, call, product, ShopProcesses } from '../support/shop-processes.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The HTTP edge of a shop run by several real server processes on one DATA_DIR, as a load
 * balancer and a client see it: a client's write answered by one process is seen by its next
 * read wherever that read lands.
 */
describe('the HTTP edge of one shop, many processes (real servers on one DATA_DIR)', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await shop?.stop('SIGKILL');
    shop = undefined;
    dir.remove();
  });

  // Leases and heartbeats of minutes: nothing moves unless a test moves it.
  const env = (more: Record<string, string> = {}) => ({
    DATA_DIR: dir.path,
    ADMIN_EMAIL: ADMIN_LOGIN.email,
    ADMIN_PASSWORD: ADMIN_LOGIN.password,
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LEASE_MS: '600000',
    LEASE_HEARTBEAT_MS: '300000',
    ...more,
  });
  it('shows a customer their own write through another process, without X-Min-Position', async () => {
    shop = new ShopProcesses(env({ READ_WAIT_MS: '20000' }));
    await shop.start(3);
    const admin = await shop.admin();
    const productId = await product(shop.live[0]!, admin, 'SEEN-1', 5, shop.live);
    const { server: holder } = await shop.holder('carts');
    const [writer, reader] = shop.live.filter((s) => s !== holder);
    const email = 'shopper@test.local';
    expect((await call(writer!, 'POST', '/api/v1/account/register', undefined, { email, password: 'shopper-password', name: 'S' })).status).to.equal(201);
    const token = String((await call(writer!, 'POST', '/api/v1/account/login', undefined, { email, password: 'shopper-password' })).body.token);

    // The carts read model stands still (its holder is stopped, idle) until the read has reached the other process.
    holder.child.kill('SIGSTOP');
    expect((await call(writer!, 'POST', '/api/v1/cart/items', token, { productId, quantity: 2 })).status).to.equal(200);
    const reading = call(reader!, 'GET', '/api/v1/cart', token);
    await new Promise((resolve) => setTimeout(resolve, 300));
    holder.child.kill('SIGCONT');
    const cart = await reading;
    expect(cart.status).to.equal(200);
    expect(cart.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).to.deep.equal([[productId, 2]]);
  });
});
