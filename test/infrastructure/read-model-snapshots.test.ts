import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { ReadModelSnapshots, SNAPSHOTS } from '../../src/infrastructure/snapshots/read-model-snapshots.js';
import { tempDir } from '../support/temp-dir.js';

describe('Snapshots in the read-model store', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let snapshots: ReadModelSnapshots;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    snapshots = new ReadModelSnapshots(store);
  });

  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('finds nothing for a stream never snapshotted', async () => {
    expect(await snapshots.load('inventory-SKU-1')).to.equal(undefined);
  });

  it('gives back the state as saved, whatever keys it holds', async () => {
    const state = { status: 'Tracked', open: { '17': { 'order.with.dots': 2, $odd: 1 } }, settled: [{ a: { status: 'failed', quantity: 3 } }] };
    await snapshots.save({ streamName: 'inventory-SKU-1', revision: 41, version: 1, state });
    expect(await snapshots.load('inventory-SKU-1')).to.deep.equal({ streamName: 'inventory-SKU-1', revision: 41, version: 1, state });
  });

  it('keeps the newest: an older snapshot never replaces it', async () => {
    await snapshots.save({ streamName: 's-1', revision: 500, version: 1, state: { n: 500 } });
    await snapshots.save({ streamName: 's-1', revision: 499, version: 1, state: { n: 499 } });
    await snapshots.save({ streamName: 's-1', revision: 500, version: 2, state: { n: -1 } });
    expect(await snapshots.load('s-1')).to.deep.include({ revision: 500, version: 1, state: { n: 500 } });
    await snapshots.save({ streamName: 's-1', revision: 1000, version: 2, state: { n: 1000 } });
    expect(await snapshots.load('s-1')).to.deep.include({ revision: 1000, version: 2, state: { n: 1000 } });
    expect(await store.collection(SNAPSHOTS).countDocuments()).to.equal(1);
  });

  it('keeps one snapshot per stream, and survives a reopen', async () => {
    await snapshots.save({ streamName: 's-1', revision: 10, version: 1, state: { n: 1 } });
    await snapshots.save({ streamName: 's-2', revision: 20, version: 1, state: { n: 2 } });
    await store.close();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    snapshots = new ReadModelSnapshots(store);
    expect((await snapshots.load('s-1'))?.state).to.deep.equal({ n: 1 });
    expect((await snapshots.load('s-2'))?.revision).to.equal(20);
  });
});
