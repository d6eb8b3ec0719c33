import { expect } from 'chai';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { RunnerBoard } from '../../src/cluster/view.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { stockLevelsProjection } from '../../src/projections/stock-levels/stock-levels.js';
import { appendOne, runnerOn, untyped } from '../projections/projection-fixture.js';
import { created } from '../projections/runner-fixture.js';
import { soloCluster } from '../support/solo-cluster.js';

/**
 * A process that runs none of the projections still answers read-your-writes: it follows the
 * checkpoints their holder stores, and does not wait for a projection the log has nothing for.
 */
describe('Waiting for the read models from a process that does not run them', () => {
  const projections = [untyped(productsProjection), untyped(stockLevelsProjection)];
  let events: SqliteEventStore;
  let store: EmbeddedReadModelStore;
  beforeEach(() => {
    events = new SqliteEventStore({ path: ':memory:' });
    store = new EmbeddedReadModelStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await events.close();
    await store.close();
  });

  /** This process: no projection runs here. */
  const elsewhere = () =>
    new RunnerBoard({ store, eventStore: events, schema: eventSchema([]) }, soloCluster([]), { projections: () => undefined, process: () => undefined }, projections, []);
  /** The process that runs them, driven by hand. */
  const holder = () => runnerOn(events, store, projections);

  it('resolves once the holder has stored a checkpoint at the position', async () => {
    const runner = holder();
    await runner.start();
    const { position } = await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
    expect(await elsewhere().waitFor(position, 5000)).to.equal(true);
    expect((await store.collection(CHECKPOINTS).findOne({ _id: 'products' }))!.position).to.be.at.least(position);
    await runner.stop();
  });

  it('gives up after its time while the holder has not processed an event it has to', async () => {
    const { position } = await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
    expect(await elsewhere().waitFor(position, 50)).to.equal(false);
  });

  it('does not wait for projections whose checkpoint stays behind only over events that are none of theirs', async () => {
    const runner = holder();
    await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
    await runner.apply(await events.readAll());
    const before = (await store.collection(CHECKPOINTS).find({})).map((c) => c.position);
    const { position } = await appendOne(events, 'customer-c1', 'CustomerRegistered', { customerId: 'c1', email: 'c1@test.local', name: 'C', role: 'customer', registeredAt: created('p1').createdAt });
    await runner.apply(await events.readAll()); // nothing to write: its checkpoints may stay where they are
    expect((await store.collection(CHECKPOINTS).find({})).map((c) => c.position)).to.deep.equal(before);
    expect(await elsewhere().waitFor(position, 5000)).to.equal(true);
    const later = await appendOne(events, 'product-p2', 'ProductCreated', { ...created('p2'), sku: 'SKU-2' });
    expect(await elsewhere().waitFor(later.position, 50)).to.equal(false);
  });

  it("does not wait for a projection the holder's last batch gave no event (its checkpoint not written yet), and waits for one it did", async () => {
    const runner = holder();
    const product = await appendOne(events, 'product-p1', 'ProductCreated', created('p1'));
    await runner.apply([product]);
    expect((await store.collection(CHECKPOINTS).find({})).map((c) => c._id)).to.deep.equal(['products']);
    expect(await elsewhere().waitFor(product.position, 5000)).to.equal(true);
    const threshold = await appendOne(events, 'inventory-SKU-1', 'LowStockThresholdSet', { sku: 'SKU-1', productId: 'p1', threshold: 3, setAt: created('p1').createdAt });
    expect(await elsewhere().waitFor(threshold.position, 50)).to.equal(false);
    await runner.apply([threshold]);
    expect(await elsewhere().waitFor(threshold.position, 5000)).to.equal(true);
  });

  it('reads each event once for all the projections behind it, and on the next wait only what came since', async () => {
    const readAll = events.readAll.bind(events);
    const read: number[] = [];
    events.readAll = async (options) => {
      const page = await readAll(options);
      read.push(...page.filter((e) => e.position > (options?.fromPosition ?? 0)).map((e) => e.position));
      return page;
    };
    const board = elsewhere();
    const customer = (i: number) => ({ customerId: `c${i}`, email: `c${i}@test.local`, name: 'C', role: 'customer', registeredAt: created('p1').createdAt });
    for (let i = 0; i < 300; i += 1) await appendOne(events, `customer-c${i}`, 'CustomerRegistered', customer(i));
    const head = await events.headPosition();
    read.length = 0;
    expect(await board.waitFor(head, 5000)).to.equal(true);
    expect(read, 'each of the 300 events once, for both projections').to.have.length(300);
    expect(new Set(read).size).to.equal(300);

    read.length = 0;
    const more = await appendOne(events, 'customer-c300', 'CustomerRegistered', customer(300));
    expect(await board.waitFor(more.position, 5000)).to.equal(true);
    expect(read).to.deep.equal([more.position]);
  });

  it('answers a position past the end of the log with false once its time is up', async () => {
    expect(await elsewhere().waitFor(1_000_000, 50)).to.equal(false);
  });
});
