import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { DuplicateKeyError } from '../../src/infrastructure/read-models/read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/** The embedded store's writes of one tick, committed by one transaction (WriteGroups). */
describe('embedded read-model store: the writes of a tick in one transaction', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  const open = () => new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
  beforeEach(() => {
    dir = tempDir();
    store = open();
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('commits the writes asked for in one tick together, and those of a later tick apart', async () => {
    const before = store.commitCount;
    await Promise.all([
      store.collection('products').insertOne({ _id: 'p1', name: 'Mug' }),
      store.collection('checkpoints').replaceOne({ _id: 'products' }, { _id: 'products', position: 7 }, { upsert: true }),
      store.bulkWrite([{ collection: 'carts', insertOne: { document: { _id: 'c1', lines: [] } } }], { durable: false }),
    ]);
    expect(store.commitCount - before).to.equal(1);
    await store.collection('products').updateOne({ _id: 'p1' }, { $set: { name: 'Cup' } });
    await store.collection('carts').deleteOne({ _id: 'c1' });
    expect(store.commitCount - before).to.equal(3);
    expect(await store.collection('products').findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', name: 'Cup' });
    expect(await store.collection('checkpoints').findOne({ _id: 'products' })).to.deep.equal({ _id: 'products', position: 7 });
    expect(await store.collection('carts').countDocuments()).to.equal(0);
  });

  it('shows each write of a group what the writes before it staged, as if they had committed', async () => {
    const counters = store.collection('counters');
    const results = await Promise.all([
      counters.insertOne({ _id: 'n', value: 1 }),
      counters.updateOne({ _id: 'n' }, { $inc: { value: 10 } }),
      counters.updateOne({ _id: 'n' }, { $inc: { value: 100 } }),
      counters.deleteOne({ _id: 'gone' }),
    ]);
    expect(results[1]).to.include({ matchedCount: 1, modifiedCount: 1 });
    expect(await counters.findOne({ _id: 'n' })).to.deep.equal({ _id: 'n', value: 111 });
    const reopened = open();
    expect(await reopened.collection('counters').findOne({ _id: 'n' })).to.deep.equal({ _id: 'n', value: 111 });
    await reopened.close();
  });

  it('fails a write of a group alone, taking back what it staged; the writes before and after it commit', async () => {
    const items = store.collection('items');
    await items.insertOne({ _id: 'taken', n: 0 });
    const before = store.commitCount;
    const [first, failing, after] = await Promise.allSettled([
      items.insertOne({ _id: 'a', n: 1 }),
      // Stages b, changes a, then fails on the id already taken: none of it may stay.
      store.bulkWrite([
        { collection: 'items', insertOne: { document: { _id: 'b', n: 2 } } },
        { collection: 'items', updateOne: { filter: { _id: 'a' }, update: { $set: { n: 99 } } } },
        { collection: 'items', insertOne: { document: { _id: 'taken', n: 3 } } },
      ]),
      // After the failed write: it sees a as the first write left it, and no b.
      store.bulkWrite([
        { collection: 'items', insertOne: { document: { _id: 'b', n: 4 } } },
        { collection: 'items', updateOne: { filter: { _id: 'a' }, update: { $inc: { n: 1 } } } },
      ]),
    ]);
    expect(first.status).to.equal('fulfilled');
    expect(failing.status).to.equal('rejected');
    expect((failing as PromiseRejectedResult).reason).to.be.instanceOf(DuplicateKeyError);
    expect(after.status).to.equal('fulfilled');
    expect(store.commitCount - before).to.equal(1);
    const expected = [
      { _id: 'a', n: 2 },
      { _id: 'b', n: 4 },
      { _id: 'taken', n: 0 },
    ];
    expect(await items.find({}, { sort: { _id: 1 } })).to.deep.equal(expected);
    const reopened = open();
    expect(await reopened.collection('items').find({}, { sort: { _id: 1 } })).to.deep.equal(expected);
    await reopened.close();
  });

  it('commits the writes asked for before a drop, a load and a close ahead of them', async () => {
    const writes = [store.collection('old').insertOne({ _id: 'x' }), store.collection('kept').insertOne({ _id: 'y', v: 1 })];
    const drop = store.dropCollection('old');
    const load = store.load([{ collection: 'kept', id: 'y', doc: { _id: 'y', v: 2 } }]);
    await Promise.all([...writes, drop, load]);
    expect(await store.collection('old').countDocuments()).to.equal(0);
    expect(await store.collection('kept').findOne({ _id: 'y' })).to.deep.equal({ _id: 'y', v: 2 });
    // Asked for and not awaited before the close: committed by it.
    const last = store.collection('kept').insertOne({ _id: 'z' });
    await store.close();
    await last;
    store = open();
    expect(await store.collection('kept').countDocuments()).to.equal(2);
    expect(await store.listCollections()).to.not.include('old');
  });

  it('builds an index apart from the writes of its tick, which it sees committed: a duplicate among them fails the index', async () => {
    const users = store.collection('users');
    const [first, second, index] = await Promise.allSettled([
      users.insertOne({ _id: 'u1', email: 'a@example.com' }),
      users.insertOne({ _id: 'u2', email: 'a@example.com' }),
      users.createIndex({ keys: { email: 1 }, unique: true }),
    ]);
    expect([first.status, second.status]).to.deep.equal(['fulfilled', 'fulfilled']);
    expect(index.status).to.equal('rejected');
    expect((index as PromiseRejectedResult).reason).to.be.instanceOf(DuplicateKeyError);
  });
});
