import { expect } from 'chai';
import { killServer } from '../support/server-process.js';
import { ADMIN_LOGIN, call, product, ShopProcesses } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The HTTP edge of a shop run by several real server processes on one DATA_DIR, as a load
 * balancer and a client see it: each process says whether IT can serve, and a client's
 * write answered by one process is seen by its next read wherever that read lands.
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
  const ready = (server: ShopProcesses['servers'][number]) => eventually(async () => ((await call(server, 'GET', '/ready')).status === 200 ? true : undefined), 20_000);

  it("answers /ready 200 on a process whose own runners are live while those another process gave back wait for a taker, and says so under shop", async () => {
    shop = new ShopProcesses(env());
    const [first] = await shop.start(1);
    await ready(first!);
    const [second] = await shop.start(1);
    const processes = await shop.cluster(second);
    expect(processes.find((p) => p.port === first!.port)!.holds).to.have.length(12);
    expect(processes.find((p) => p.port === second!.port)!.holds).to.deep.equal([]);
    await ready(second!);

    // A clean stop gives every lease back at once; the survivor takes them at its next heartbeat, minutes away.
    await killServer(first, 'SIGTERM');
    const res = await call(second!, 'GET', '/ready');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.checks).to.deep.equal({ eventStore: 'ok', readModels: 'ok', projections: 'ok', processManagers: 'ok' });
    expect(res.body.shop.projections).to.equal('unassigned');
    expect(res.body.shop.processManagers).to.match(/: unassigned$/);
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
