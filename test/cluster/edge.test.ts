import { expect } from 'chai';
import { call, product, readShop, ShopProcesses, processEnv } from '../support/shop-processes.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The HTTP edge of a shop run by several real server processes on one DATA_DIR, as a load
 * balancer and a client see it: a client's write answered by one process is seen by its next
 * read wherever that read lands, and a keyed request that reaches two of them runs once.
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
  const env = (more: Record<string, string> = {}) => processEnv(dir.path, { LEASE_MS: '600000', LEASE_HEARTBEAT_MS: '300000', ...more });
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
    await shop.stopOutsideWrites(holder);
    expect((await call(writer!, 'POST', '/api/v1/cart/items', token, { productId, quantity: 2 })).status).to.equal(200);
    const reading = call(reader!, 'GET', '/api/v1/cart', token);
    await new Promise((resolve) => setTimeout(resolve, 300));
    holder.child.kill('SIGCONT');
    const cart = await reading;
    expect(cart.status).to.equal(200);
    expect(cart.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).to.deep.equal([[productId, 2]]);
  });

  it('runs a keyed request once when it reaches two processes at once: the same body gets the first answer, another body a 422, and nothing is made twice', async () => {
    shop = new ShopProcesses(env());
    const [first, second] = await shop.start(2);
    const admin = await shop.admin();
    const body = (sku: string) => ({ sku, name: sku, description: '', brand: 'b', category: 'c', price: { amount: 1000, currency: 'USD' } });
    const keyed = (key: string) => ({ 'idempotency-key': key });
    for (let i = 0; i < 5; i += 1) {
      const other = await Promise.all([
        call(first!, 'POST', '/api/v1/products', admin, body(`ONE-${i}`), keyed(`other-${i}`)),
        call(second!, 'POST', '/api/v1/products', admin, body(`TWO-${i}`), keyed(`other-${i}`)),
      ]);
      expect(other.map((r) => r.status).sort(), JSON.stringify(other.map((r) => r.body))).to.deep.equal([201, 422]);
      expect(other.find((r) => r.status === 422)!.body.type).to.equal('urn:shop:problem:idempotency-key-reused');

      const same = await Promise.all([
        call(first!, 'POST', '/api/v1/products', admin, body(`SAME-${i}`), keyed(`same-${i}`)),
        call(second!, 'POST', '/api/v1/products', admin, body(`SAME-${i}`), keyed(`same-${i}`)),
      ]);
      expect(same.map((r) => r.status)).to.deep.equal([201, 201]);
      expect(same[0]!.body).to.deep.equal(same[1]!.body);
      expect(same.filter((r) => r.headers.get('idempotent-replayed') === 'true')).to.have.length(1);
    }
    await shop.stop('SIGTERM');
    const { log } = await readShop(dir.path, []);
    const created = log.filter((e) => e.type === 'ProductCreated').map((e) => String(e.data.sku)).sort();
    expect(created).to.have.length(10);
    for (let i = 0; i < 5; i += 1) expect(created.filter((sku) => sku.endsWith(`-${i}`) && sku !== `SAME-${i}`)).to.have.length(1);
  });
});
