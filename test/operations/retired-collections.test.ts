import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { REBUILDS } from '../../src/operations/rebuild-claims.js';
import { dropRetired } from '../../src/operations/retired-collections.js';
import { customerProfilesProjection } from '../../src/projections/customer-profiles/customer-profiles.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { eraseById, erasureDone } from '../support/erasure.js';
import { silentLogger } from '../projections/projection-fixture.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A rebuild drops the collection it replaced after a grace period held in memory: a process
 * killed in it (or the command line's rebuild interrupted while it waits) left the old version
 * for good, erased customers' emails in it (a black-box probe). Whoever runs the projection, and
 * every erasure, drops such versions once the grace after the rebuild's end has passed.
 */
describe('Collections a rebuild retired', () => {
  const NOW = Date.parse('2026-06-01T12:00:00.000Z');
  let store: EmbeddedReadModelStore;
  beforeEach(() => (store = new EmbeddedReadModelStore({ path: ':memory:' })));
  afterEach(async () => store.close());

  const withDocs = async (...names: string[]) => {
    for (const name of names) await store.collection(name).insertOne({ _id: `${name}-doc` });
  };
  const rebuilt = (status: 'done' | 'running' | 'failed', finishedMsAgo: number) =>
    store.collection(REBUILDS).insertOne({ _id: 'products', status, startedAt: '', heartbeatAt: '', position: 0, head: 0, events: 0, owner: 'o', ...(status === 'running' ? {} : { finishedAt: new Date(NOW - finishedMsAgo).toISOString() }) });
  const drop = () => dropRetired({ store, logger: silentLogger(), now: () => new Date(NOW) }, [productsProjection], 5000);

  it('drops every version but the one its checkpoint names, once the grace after the rebuild has passed; other read models untouched', async () => {
    await withDocs('products', 'products__v2', 'products__v3', 'products__v4', 'customers__v2', 'productsx');
    await store.collection(CHECKPOINTS).insertOne({ _id: 'products', logical: 'products', collection: 'products__v3', position: 1, updatedAt: '' });
    await rebuilt('done', 60_000);
    expect((await drop()).sort()).to.deep.equal(['products', 'products__v2', 'products__v4']);
    expect((await store.listCollections()).filter((n) => !n.startsWith('_') && n !== CHECKPOINTS && n !== REBUILDS).sort()).to.deep.equal(['customers__v2', 'products__v3', 'productsx']);
    expect(await drop(), 'again: nothing').to.deep.equal([]);
  });

  it('drops nothing within the grace, nor while a rebuild is marked running (its own leftovers are the next rebuild\'s)', async () => {
    await withDocs('products', 'products__v2');
    await store.collection(CHECKPOINTS).insertOne({ _id: 'products', logical: 'products', collection: 'products__v2', position: 1, updatedAt: '' });
    await rebuilt('done', 1000);
    expect(await drop()).to.deep.equal([]);
    await store.collection(REBUILDS).deleteMany({});
    await rebuilt('running', 0);
    expect(await drop()).to.deep.equal([]);
    await store.collection(REBUILDS).deleteMany({});
    await rebuilt('failed', 10_000);
    expect(await drop()).to.deep.equal(['products']);
  });

  it('keeps the version a projection serves without a checkpoint (its first), and drops a leftover of a rebuild that never swapped', async () => {
    await withDocs('products', 'products__v2');
    expect(await drop()).to.deep.equal(['products__v2']);
    expect(await store.collection('products').countDocuments()).to.equal(1);
  });
});

describe('Collections a rebuild retired, at an erasure', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  it('drops the old version of the profiles left by a rebuild whose process died in its grace: the erased email is in no file', async () => {
    const admin = await app.adminToken();
    const shopper = await app.customer('Leftover Lottie');
    await app.settled();
    // What the process killed in the grace left: the profiles served from a new version, the old one still there.
    const checkpoint = await app.store.collection(CHECKPOINTS).findOne({ _id: customerProfilesProjection.name });
    const serving = String(checkpoint!.collection);
    const old = `${customerProfilesProjection.collection}__v90`;
    for (const doc of await app.store.collection(serving).find({})) await app.store.collection(old).insertOne(doc);
    await app.store.collection(REBUILDS).insertOne({ _id: customerProfilesProjection.name, status: 'done', startedAt: '', heartbeatAt: '', finishedAt: new Date(Date.now() - 60_000).toISOString(), position: 0, head: 0, events: 0, owner: 'dead' });
    expect(await app.store.collection(old).countDocuments({ email: shopper.email })).to.equal(1);

    expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    await app.settled();
    expect(await app.store.listCollections()).to.not.include(old);
    expect(await app.store.listCollections()).to.include(serving);
    for (const file of ['read-models.db', 'read-models.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(app.dataDir, file), 'latin1');
      } catch {
        continue;
      }
      expect(bytes.includes(shopper.email), file).to.equal(false);
    }
  });
});
