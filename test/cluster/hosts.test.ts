import { expect } from 'chai';
import { ProjectionHost } from '../../src/cluster/hosts.js';
import { fenceOf, LeaseStore } from '../../src/cluster/leases.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { REBUILDS } from '../../src/operations/rebuild-claims.js';
import { stockLevelsProjection } from '../../src/projections/stock-levels/stock-levels.js';
import { silentLogger, untyped } from '../projections/projection-fixture.js';

describe('The projections a process holds', () => {
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

  const host = (asked: string[][], everyMs = 0) =>
    new ProjectionHost(
      { eventStore: events, readModels: store, schema: eventSchema([]), logger: silentLogger() },
      [untyped({ ...productsProjection, version: 3 }), untyped(stockLevelsProjection)],
      { rebuildOutdated: async (names) => void asked.push(names) },
      everyMs,
    );
  const leases = async (...runners: string[]) => Promise.all(runners.map(async (r) => (await new LeaseStore(store, 60_000).claim(r, 'me', 0))!));
  const fence = (held: Parameters<typeof fenceOf>[0]) => fenceOf(held, () => undefined);

  it('run in one runner, replaced when the set changes, and stopped when none is held', async () => {
    const held = await leases('products', 'stock-levels');
    const projections = host([]);
    await projections.hold(held.slice(0, 1), fence);
    const first = projections.current()!;
    expect(first.projections.map((p) => p.name)).to.deep.equal(['products']);
    await projections.hold(held.slice(0, 1), fence);
    expect(projections.current()).to.equal(first);
    await projections.hold(held, fence);
    expect(projections.current()!.projections.map((p) => p.name)).to.deep.equal(['products', 'stock-levels']);
    expect(first.status).to.equal('stopped');
    expect(projections.report('stock-levels')).to.include({ position: 0 });
    await projections.hold([], fence);
    expect(projections.current()).to.equal(undefined);
    expect(projections.report('products')).to.equal(undefined);
  });

  it('asks for the rebuild of a read model another version folded when it starts running it, and again while its checkpoint says so', async () => {
    await store.collection(CHECKPOINTS).insertOne({ _id: 'products', logical: 'products', collection: 'products', position: 5, version: 2, updatedAt: '' });
    const asked: string[][] = [];
    const projections = host(asked);
    await projections.hold(await leases('products', 'stock-levels'), fence);
    expect(asked).to.deep.equal([['products']]);
    await projections.tend();
    expect(asked).to.deep.equal([['products'], ['products']]);
    await store.collection(CHECKPOINTS).updateOne({ _id: 'products' }, { $set: { collection: 'products__v2', version: 3 } });
    await projections.tend();
    expect(asked).to.have.length(2);
    await projections.hold([], fence);
  });

  it('starts again a rebuild of its projections that its process cut short (still marked running, its heartbeat stopped), and only that', async () => {
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const claim = (name: string, status: string, heartbeatAt: string) => ({ _id: name, status, startedAt: ago(120_000), heartbeatAt, position: 0, head: 9, events: 0, owner: 'gone', epoch: 1 });
    for (const status of [claim('products', 'running', ago(60_000)), claim('stock-levels', 'running', ago(1_000)), claim('orders', 'running', ago(60_000))]) {
      await store.collection(REBUILDS).insertOne(status);
    }
    const asked: string[][] = [];
    const projections = host(asked, 60_000);
    await projections.hold(await leases('products', 'stock-levels'), fence);
    expect(asked, 'nothing outdated when it starts').to.deep.equal([[]]);
    await projections.tend();
    // Not stock-levels (its rebuild is alive elsewhere), not orders (not run here).
    expect(asked).to.deep.equal([[], ['products']]);
    await store.collection(REBUILDS).updateOne({ _id: 'products' }, { $set: { status: 'done' } });
    await projections.tend();
    expect(asked).to.have.length(2);
    await projections.hold([], fence);
  });

  it('asks for the collections rebuilds retired of the projections it runs to be dropped when it starts running them, and again now and then', async () => {
    const dropped: string[][] = [];
    const projections = new ProjectionHost(
      { eventStore: events, readModels: store, schema: eventSchema([]), logger: silentLogger() },
      [untyped(productsProjection), untyped(stockLevelsProjection)],
      { dropRetired: async (names) => void dropped.push(names) },
      0,
    );
    const held = await leases('products', 'stock-levels');
    await projections.hold(held.slice(0, 1), fence);
    expect(dropped).to.deep.equal([['products']]);
    await projections.tend();
    expect(dropped).to.deep.equal([['products'], ['products']]);
    await projections.hold([], fence);
  });
});
