import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/** A WAL sync the test lets finish (or fail) when it wants: each call waits for its own release. */
class HeldSyncs {
  readonly calls: Array<{ release: () => void; fail: (error: Error) => void }> = [];
  readonly sync = (): Promise<void> =>
    new Promise((resolve, reject) => {
      this.calls.push({ release: resolve, fail: reject });
    });

  /** Resolves once `count` syncs were asked for. */
  async asked(count: number): Promise<void> {
    while (this.calls.length < count) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Tracks whether a promise settled, and how. */
const track = <T>(promise: Promise<T>) => {
  const state: { settled: 'no' | 'resolved' | 'rejected'; error?: unknown } = { settled: 'no' };
  promise.then(
    () => (state.settled = 'resolved'),
    (error: unknown) => Object.assign(state, { settled: 'rejected', error }),
  );
  return state;
};

const turns = async (n = 5) => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('embedded read-model store: durable writes in groups (one WAL sync per group)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('answers no durable write before its sync, and gives the writes made while a sync is in flight one sync together', async () => {
    const syncs = new HeldSyncs();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'rm.db'), syncWal: syncs.sync });
    const items = store.collection('items');
    const first = track(items.insertOne({ _id: 'a', n: 1 }));
    await syncs.asked(1);
    const later = [
      track(items.insertOne({ _id: 'b', n: 1 })),
      track(items.updateOne({ _id: 'a' }, { $inc: { n: 1 } })),
      track(items.replaceOne({ _id: 'c' }, { _id: 'c', n: 1 }, { upsert: true })),
      track(store.bulkWrite([{ collection: 'items', deleteOne: { filter: { _id: 'b' } } }])),
    ];
    await turns();
    expect(syncs.calls).to.have.length(1); // the four wait for the next one, not one each
    expect([first, ...later].map((state) => state.settled)).to.deep.equal(['no', 'no', 'no', 'no', 'no']);
    syncs.calls[0]!.release();
    await syncs.asked(2);
    await turns();
    expect(first.settled).to.equal('resolved');
    expect(later.map((state) => state.settled)).to.deep.equal(['no', 'no', 'no', 'no']);
    syncs.calls[1]!.release();
    await turns();
    expect(later.map((state) => state.settled)).to.deep.equal(['resolved', 'resolved', 'resolved', 'resolved']);
    expect(syncs.calls).to.have.length(2);
    expect(await items.find({}, { sort: { _id: 1 } })).to.deep.equal([
      { _id: 'a', n: 2 },
      { _id: 'c', n: 1 },
    ]);
    await store.close();
  });

  it('starts the sync of writes made together before the event loop comes round (its other callbacks can take milliseconds under load)', async () => {
    const syncs = new HeldSyncs();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'rm.db'), syncWal: syncs.sync });
    const items = store.collection('items');
    // A callback already waiting for the next turn, as the requests of a busy poll phase are.
    const askedByNextTurn = new Promise<number>((resolve) => setImmediate(() => resolve(syncs.calls.length)));
    const writes = [track(items.insertOne({ _id: 'a' })), track(items.insertOne({ _id: 'b' }))];
    expect(await askedByNextTurn).to.equal(1); // one sync for both, asked for before that callback ran
    expect(writes.map((state) => state.settled)).to.deep.equal(['no', 'no']);
    syncs.calls[0]!.release();
    await turns();
    expect(writes.map((state) => state.settled)).to.deep.equal(['resolved', 'resolved']);
    expect(syncs.calls).to.have.length(1);
    await store.close();
  });

  it('writes that are not durable resolve at once, ask for no sync, and keep their order with durable writes of the same document', async () => {
    const syncs = new HeldSyncs();
    const path = join(dir.path, 'rm.db');
    const store = new EmbeddedReadModelStore({ path, syncWal: syncs.sync });
    const items = store.collection('items');
    await items.replaceOne({ _id: 'a' }, { _id: 'a', v: 0 }, { upsert: true, durable: false });
    expect(syncs.calls).to.have.length(0);
    const durable = track(items.updateOne({ _id: 'a' }, { $set: { v: 1 } }));
    await items.updateOne({ _id: 'a' }, { $set: { v: 2 } }, { durable: false });
    expect(durable.settled).to.equal('no');
    await syncs.asked(1);
    syncs.calls[0]!.release();
    await turns();
    expect(durable.settled).to.equal('resolved');
    await store.close();
    const file = new Database(path, { readonly: true });
    expect(file.prepare("SELECT doc FROM documents WHERE collection = 'items' AND id = 'a'").pluck().get()).to.equal('{"_id":"a","v":2}');
    file.close();
  });

  it('rejects every durable write of a group whose sync fails, and every durable write and ping after it', async () => {
    const syncs = new HeldSyncs();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'rm.db'), syncWal: syncs.sync });
    const items = store.collection('items');
    const first = track(items.insertOne({ _id: 'a' }));
    await syncs.asked(1);
    const group = [track(items.insertOne({ _id: 'b' })), track(items.updateOne({ _id: 'a' }, { $set: { v: 1 } }))];
    syncs.calls[0]!.release();
    await syncs.asked(2);
    const broken = new Error('EIO: i/o error, fdatasync');
    syncs.calls[1]!.fail(broken);
    await turns();
    expect(first.settled).to.equal('resolved');
    expect(group.map((state) => [state.settled, state.error])).to.deep.equal([
      ['rejected', broken],
      ['rejected', broken],
    ]);
    expect(await items.insertOne({ _id: 'c' }).catch((error: unknown) => error)).to.equal(broken);
    expect(await store.dropCollection('items').catch((error: unknown) => error)).to.equal(broken);
    expect(await store.ping().catch((error: unknown) => error)).to.equal(broken);
    expect(await items.findOne({ _id: 'c' })).to.equal(null); // refused before it was written
    expect(syncs.calls).to.have.length(2);
    await store.close();
  });

  it('syncs the WAL file itself: durable writes made together share one fdatasync, and survive a reopen', async () => {
    const path = join(dir.path, 'rm.db');
    const store = new EmbeddedReadModelStore({ path });
    const items = store.collection('items');
    await Promise.all(Array.from({ length: 20 }, (_, i) => items.insertOne({ _id: `i${i}`, n: i })));
    expect(store.durability.syncs).to.equal(1);
    await Promise.all(Array.from({ length: 20 }, (_, i) => items.updateOne({ _id: `i${i}` }, { $inc: { n: 100 } })));
    expect(store.durability.syncs).to.equal(2);
    await store.close();
    const reopened = new EmbeddedReadModelStore({ path });
    expect(await reopened.collection('items').countDocuments({ n: { $gte: 100 } })).to.equal(20);
    await reopened.close();
  });

  it('a store without a WAL (in memory) answers durable writes once committed, with no file to sync', async () => {
    const store = new EmbeddedReadModelStore({ path: ':memory:' });
    await store.collection('items').insertOne({ _id: 'a' });
    await store.bulkWrite([{ collection: 'items', updateOne: { filter: { _id: 'a' }, update: { $set: { v: 1 } } } }]);
    expect(await store.collection('items').findOne({ _id: 'a' })).to.deep.equal({ _id: 'a', v: 1 });
    await store.ping();
    await store.close();
  });

  it('close waits for the syncs asked for: a durable write made just before it resolves', async () => {
    const path = join(dir.path, 'rm.db');
    const store = new EmbeddedReadModelStore({ path });
    const write = track(store.collection('items').insertOne({ _id: 'a' }));
    await store.close();
    await turns(1);
    expect(write.settled).to.equal('resolved');
    expect(store.durability.syncs).to.equal(1);
  });
});
