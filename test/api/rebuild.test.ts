import Database from 'better-sqlite3';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { verify } from '../../src/operations/verify.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { addToCart, buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { silentLogger } from '../projections/projection-fixture.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/** A shop with some history: products, stock, customers, carts, and orders in every state. */
const shopWithHistory = async (app: TestApp) => {
  const admin = await app.adminToken();
  const products = [await stockedProduct(app, admin, 20, 1500), await stockedProduct(app, admin, 3, 990), await stockedProduct(app, admin, 0, 4500)];
  const shoppers: Shopper[] = [];
  for (let i = 0; i < 4; i += 1) shoppers.push(await app.customer(`Customer ${i}`));
  const orders = [
    await buy(app, shoppers[0]!, products[0]!.productId, 2),
    await buy(app, shoppers[1]!, products[1]!.productId, 1, 'tok_declined'),
    await buy(app, shoppers[2]!, products[0]!.productId, 1),
  ];
  for (const [i, orderId] of orders.entries()) await orderReaches(app, shoppers[i]!.token, orderId, ['Confirmed', 'Failed']);
  const { shipmentId } = (await eventually(async () => (await getOrder(app, shoppers[0]!.token, orders[0]!)).body.shipment ?? undefined)) as { shipmentId: string };
  await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`);
  await orderReaches(app, shoppers[0]!.token, orders[0]!, ['Shipped']);
  await addToCart(app, shoppers[3]!, products[1]!.productId, 2);
  await app.settled();
  return { admin, products, shoppers, orders };
};

describe('rebuilding projections', function () {
  this.timeout(60_000);
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  it('rebuilds every projection while queries run: none fails, and the answers after the swap equal those before', async () => {
    const { admin, products, shoppers, orders } = await shopWithHistory(app);
    const queries: Array<[string, string]> = [
      ['/api/v1/products?sort=price', admin],
      ...products.map((p): [string, string] => [`/api/v1/products/${p.productId}`, admin]),
      ...products.map((p): [string, string] => [`/api/v1/inventory/${p.sku}`, admin]),
      ['/api/v1/orders?pageSize=50', admin],
      ...orders.map((id, i): [string, string] => [`/api/v1/orders/${id}`, shoppers[i]!.token]),
      ['/api/v1/shipments', admin],
      ['/api/v1/cart', shoppers[3]!.token],
      ['/api/v1/account/me', shoppers[2]!.token],
    ];
    const ask = async ([path, token]: [string, string]) => app.http().get(path).set('Authorization', `Bearer ${token}`);
    const before = new Map<string, unknown>();
    for (const query of queries) before.set(query[0], (await ask(query)).body);

    let running = true;
    const outcomes = { asked: 0, failed: [] as string[], different: [] as string[] };
    const load = Array.from({ length: 4 }, async (_, worker) => {
      for (let i = worker; running; i += 1) {
        const query = queries[i % queries.length]!;
        const res = await ask(query);
        outcomes.asked += 1;
        if (res.status !== 200) outcomes.failed.push(`${query[0]} → ${res.status}`);
        else if (JSON.stringify(res.body) !== JSON.stringify(before.get(query[0]))) outcomes.different.push(query[0]);
      }
    });
    const result = await app.deps.rebuilds.run(['all']);
    await result.retired;
    await new Promise((resolve) => setTimeout(resolve, 100));
    running = false;
    await Promise.all(load);

    expect(outcomes.failed).to.deep.equal([]);
    expect(outcomes.different).to.deep.equal([]);
    expect(outcomes.asked).to.be.greaterThan(queries.length * 2);
    expect(result.projections.map((p) => p.collection).sort()).to.deep.equal(ALL_PROJECTIONS.map((p) => `${p.collection}__v2`).sort());
    for (const query of queries) expect((await ask(query)).body, query[0]).to.deep.equal(before.get(query[0]));
    const collections = await app.store.listCollections();
    expect(collections).to.include('products__v2');
    expect(collections).to.not.include('products');
  });

  it('has the rebuilt catalog loaded in memory before its swap: the first query after it loads nothing', async () => {
    const { admin } = await shopWithHistory(app);
    const catalog = async () => app.http().get('/api/v1/products?sort=price').set('Authorization', `Bearer ${admin}`);
    const before = (await catalog()).body;
    const { memory } = app.store;
    expect(memory.cache.has('products')).to.equal(true);
    // The process notes in the file that it holds the catalog (a write of its own, a moment after the load).
    const holds = () => {
      const file = new Database(join(app.dataDir, 'read-models.db'), { readonly: true });
      try {
        return file.prepare("SELECT count(*) FROM holders WHERE collection = 'products'").pluck().get();
      } finally {
        file.close();
      }
    };
    await eventually(() => expect(holds()).to.equal(1));
    await app.deps.rebuilds.run(['products']);
    expect(memory.cache.get('products__v2')?.docs.size).to.equal(3);
    const loads = memory.collectionLoads;
    const after = await catalog();
    expect(after.status).to.equal(200);
    expect(after.body).to.deep.equal(before);
    expect(memory.collectionLoads, 'the first query of the rebuilt catalog loads nothing').to.equal(loads);
  });

  it('keeps projecting new events into the rebuilt read models after the swap', async () => {
    const { admin, products } = await shopWithHistory(app);
    await (await app.deps.rebuilds.run(['products', 'stock-levels'])).retired;
    await app.http().post(`/api/v1/inventory/${products[2]!.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 9 });
    const level = await app.http().get(`/api/v1/inventory/${products[2]!.sku}`).set('Authorization', `Bearer ${admin}`);
    expect(level.body).to.include({ onHand: 9, available: 9 });
    const product = await app.http().get(`/api/v1/products/${products[2]!.productId}`).set('Authorization', `Bearer ${admin}`);
    expect(product.body.available).to.equal(9);
    const checkpoint = await app.store.collection(CHECKPOINTS).findOne({ _id: 'products' });
    expect(checkpoint).to.include({ collection: 'products__v2', logical: 'products' });
  });

  it("reads a rebuild swapped in by another process (the CLI's) at once: a write right after it is read back", async () => {
    const { products, shoppers } = await shopWithHistory(app);
    const shopper = shoppers[3]!;
    const cartOf = async () => (await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`)).body as { items: Array<{ productId: string; quantity: number }> };
    // This process has just read its mapping (the collections the checkpoints name): it is fresh for a second.
    expect((await cartOf()).items.map((item) => item.productId)).to.deep.equal([products[1]!.productId]);
    // Another process's rebuild: on the same files, with no way to tell this process's queries.
    const elsewhere = new Rebuilds({ eventStore: app.deps.eventStore, store: app.store, schema: eventSchema(UPCASTERS), logger: silentLogger(), projections: ALL_PROJECTIONS }, { graceMs: 300 });
    try {
      await elsewhere.run(['carts']);
      await addToCart(app, shopper, products[0]!.productId, 1);
      expect((await cartOf()).items.map((item) => [item.productId, item.quantity])).to.have.deep.members([[products[1]!.productId, 2], [products[0]!.productId, 1]]);
    } finally {
      await elsewhere.stop();
    }
  });

  it('rebuilds a read model named twice once (it used to refuse, its second claim finding the first running)', async () => {
    await shopWithHistory(app);
    const result = await app.deps.rebuilds.run(['products', 'products']);
    await result.retired;
    expect((await app.store.collection(CHECKPOINTS).findOne({ _id: 'products' }))?.collection).to.equal('products__v2');
  });

  it("empties the read models' journal once the old collections are dropped: no -wal file keeps what the rebuild wrote", async () => {
    const { products } = await shopWithHistory(app);
    await app.settled();
    const wal = join(app.dataDir, 'read-models.db-wal');
    const name = Buffer.from(products[0]!.sku);
    expect(readFileSync(wal).includes(name)).to.equal(true); // the projections wrote it there, as the rebuild does again

    await (await app.deps.rebuilds.run(['products'])).retired;

    expect(readFileSync(wal).includes(name)).to.equal(false);
    expect((await app.http().get(`/api/v1/products/${products[0]!.productId}`)).body.sku).to.equal(products[0]!.sku);
  });

  it('drops the leftovers of an interrupted rebuild and takes over its stale claim', async () => {
    await shopWithHistory(app);
    await app.store.collection('orders__v5').insertOne({ _id: 'half-built' });
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    await app.store.collection('rebuilds').insertOne({ _id: 'orders', status: 'running', heartbeatAt: stale, startedAt: stale, owner: 'dead-process', position: 3, head: 9, events: 3 });
    const result = await app.deps.rebuilds.run(['orders']);
    // Past the leftover's version: the interrupted rebuild may not be dead, only stalled (its writes are fenced, its collection is its own).
    expect(result.projections[0]).to.include({ collection: 'orders__v6', previous: 'orders' });
    expect(await app.store.listCollections()).to.not.include('orders__v5');
    expect(await app.store.collection('rebuilds').findOne({ _id: 'orders' })).to.include({ status: 'done' });
  });

  describe('verification', () => {
    it('finds no divergence in read models built from the log', async () => {
      await shopWithHistory(app);
      const report = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(report.divergences).to.deep.equal([]);
      expect(report.position).to.equal(await app.head());
    });

    it('finds a divergence planted in a read model: a changed field, a missing and an unexpected document', async () => {
      const { products, shoppers } = await shopWithHistory(app);
      await app.store.collection('products').updateOne({ _id: products[0]!.productId }, { $set: { name: 'Tampered' } });
      await app.store.collection('customers').deleteOne({ _id: shoppers[1]!.customerId });
      await app.store.collection('payments').insertOne({ _id: 'ghost-payment', _position: 1 });
      const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(divergences).to.deep.include({
        projection: 'products',
        collection: 'products',
        id: products[0]!.productId,
        kind: 'different',
        fields: [{ field: 'name', live: 'Tampered', rebuilt: 'Widget' }],
      });
      expect(divergences).to.deep.include({ projection: 'customer-profiles', collection: 'customers', id: shoppers[1]!.customerId, kind: 'missing' });
      expect(divergences).to.deep.include({ projection: 'payments', collection: 'payments', id: 'ghost-payment', kind: 'unexpected' });
      expect(divergences).to.have.length(3);
    });

    it('names read models an earlier version of their projection folded, whose divergences are then expected (the server rebuilds them at its start)', async () => {
      await shopWithHistory(app);
      expect((await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS)).outdated).to.deep.equal([]);
      await app.store.collection('checkpoints').updateOne({ _id: 'payments' }, { $set: { version: 1 } });
      const { outdated } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(outdated).to.deep.equal([{ projection: 'payments', live: 1, current: 2 }]);
    });
  });

  describe('over the admin API', () => {
    it('lists every projection and process manager with its position, lag and status', async () => {
      const { admin } = await shopWithHistory(app);
      const res = await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`);
      expect(res.status).to.equal(200);
      const names = res.body.map((p: { name: string }) => p.name);
      expect(names).to.deep.equal([...ALL_PROJECTIONS.map((p) => p.name), 'order-saga', 'notifications', 'subscription-renewals', 'erasures']);
      const head = await app.head();
      for (const entry of res.body) {
        expect(entry).to.include.keys('name', 'kind', 'position', 'lag', 'status');
        expect(entry.position + entry.lag).to.equal(head);
      }
    });

    it('rebuilds a projection (202) and shows it served from the new collection', async () => {
      const { admin } = await shopWithHistory(app);
      const res = await app.http().post('/api/v1/admin/projections/orders/rebuild').set('Authorization', `Bearer ${admin}`);
      expect(res.status).to.equal(202);
      const listed = await eventually(async () => {
        const all = (await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`)).body as Array<Record<string, any>>;
        const orders = all.find((p) => p.name === 'orders')!;
        return orders.collection === 'orders__v2' && orders.lastRebuild?.status === 'done' ? orders : undefined;
      });
      expect(listed.status).to.be.oneOf(['live', 'catching-up']);
      // Its progress as it ended, a rebuild shorter than one heartbeat included (it said head 0, 0 events).
      const head = await app.head();
      expect(listed.lastRebuild.head).to.be.within(1, head);
      expect(listed.lastRebuild.position).to.equal(listed.lastRebuild.head);
      expect(listed.lastRebuild.events).to.be.within(1, listed.lastRebuild.head);
    });

    it('refuses a second rebuild of a projection being rebuilt (409), an unknown one (404) and customers (403)', async () => {
      const { admin, shoppers } = await shopWithHistory(app);
      const now = new Date().toISOString();
      await app.store.collection('rebuilds').insertOne({ _id: 'carts', status: 'running', heartbeatAt: now, startedAt: now, owner: 'another-process', position: 0, head: 1, events: 0 });
      expectProblem(await app.http().post('/api/v1/admin/projections/carts/rebuild').set('Authorization', `Bearer ${admin}`), 409);
      expectProblem(await app.http().post('/api/v1/admin/projections/nope/rebuild').set('Authorization', `Bearer ${admin}`), 404);
      expectProblem(await app.http().post('/api/v1/admin/projections/orders/rebuild').set('Authorization', `Bearer ${shoppers[0]!.token}`), 403);
      expectProblem(await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${shoppers[0]!.token}`), 403);
    });

    it('keeps no refused rebuild as the answer to its Idempotency-Key: once the other rebuild is over, the same key starts one', async () => {
      const admin = await app.adminToken();
      const now = new Date().toISOString();
      await app.store.collection('rebuilds').insertOne({ _id: 'carts', status: 'running', heartbeatAt: now, startedAt: now, owner: 'another-process', position: 0, head: 1, events: 0 });
      const rebuild = () => app.http().post('/api/v1/admin/projections/carts/rebuild').set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', 'rebuild-carts');
      expectProblem(await rebuild(), 409);
      await app.store.collection('rebuilds').deleteMany({ _id: 'carts' });
      const started = await rebuild();
      expect(started.status, JSON.stringify(started.body)).to.equal(202);
      expect(started.headers['idempotent-replayed']).to.equal(undefined);
    });
  });
});
