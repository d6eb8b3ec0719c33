import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { DROP_SLICE, EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';
import { readModelStoreContract } from './read-model-store.contract.js';

let dir: ReturnType<typeof tempDir>;
let store: EmbeddedReadModelStore | undefined;

readModelStoreContract(
  'embedded',
  async () => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    return store;
  },
  async () => {
    await store?.close();
    dir.remove();
  },
);

describe('embedded read-model store', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('answers a readonly find with its own documents, sorted, paged or projected alike, and copies otherwise', async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'readonly.db') });
    try {
      const orders = store.collection<{ _id: string; customerId: string; at: number; lines: string[] }>('orders');
      for (const [id, at] of [['b', 2], ['a', 1]] as const) await orders.insertOne({ _id: id, customerId: 'c', at, lines: ['x'] });
      for (const options of [{}, { sort: { at: 1 as const } }, { sort: { at: 1 as const }, skip: 1 }, { projection: { lines: 1 as const } }]) {
        const first = await orders.find({ customerId: 'c' }, { ...options, readonly: true });
        const again = await orders.find({ customerId: 'c' }, { ...options, readonly: true });
        expect(first[0]!.lines, JSON.stringify(options)).to.equal(again[0]!.lines);
        const copies = await orders.find({ customerId: 'c' }, options);
        expect(copies[0]!.lines, JSON.stringify(options)).to.not.equal(first[0]!.lines);
        expect(copies[0]!.lines).to.deep.equal(['x']);
      }
      expect((await orders.find({}, { sort: { at: 1 }, readonly: true })).map((o) => o._id)).to.deep.equal(['a', 'b']);
    } finally {
      await store.close();
    }
  });

  it('moves the documents of a file written in the first layout (WITHOUT ROWID) into the current one', async () => {
    const path = join(dir.path, 'old.db');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE documents (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (collection, id)) WITHOUT ROWID;
      CREATE TABLE collections (name TEXT PRIMARY KEY, version INTEGER NOT NULL, indexes TEXT NOT NULL DEFAULT '[]');
      CREATE TABLE sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
      INSERT INTO sequence (id, value) VALUES (1, 7);
      INSERT INTO collections (name, version, indexes) VALUES ('users', 7, '[{"keys":{"email":1},"unique":true,"name":"email_1"}]');
      INSERT INTO documents VALUES ('users', 'u1', '{"_id":"u1","email":"a@example.com"}'), ('users', 'u2', '{"_id":"u2","email":"b@example.com"}');
    `);
    old.close();
    const store = new EmbeddedReadModelStore({ path });
    const users = store.collection('users');
    expect(await users.find({}, { sort: { _id: 1 } })).to.deep.equal([
      { _id: 'u1', email: 'a@example.com' },
      { _id: 'u2', email: 'b@example.com' },
    ]);
    expect(await rejection(users.insertOne({ _id: 'u3', email: 'a@example.com' }))).to.have.property('code', 11000);
    await users.updateOne({ _id: 'u2' }, { $set: { email: 'c@example.com' } });
    await store.close();
    const file = new Database(path, { readonly: true });
    expect(file.pragma('user_version', { simple: true })).to.equal(4);
    const table = file.prepare("SELECT sql FROM sqlite_master WHERE name = 'documents'").get() as { sql: string };
    expect(table.sql).to.not.match(/WITHOUT ROWID/i);
    expect(file.prepare("SELECT doc FROM documents WHERE collection = 'users' AND id = 'u2'").pluck().get()).to.equal('{"_id":"u2","email":"c@example.com"}');
    file.close();
    const reopened = new EmbeddedReadModelStore({ path });
    expect(await reopened.collection('users').countDocuments()).to.equal(2);
    await reopened.close();
  });

  it('keeps documents and indexes across a reopen', async () => {
    const path = join(dir.path, 'rm.db');
    const first = new EmbeddedReadModelStore({ path });
    await first.collection('users').createIndex({ keys: { email: 1 }, unique: true });
    await first.collection('users').insertOne({ _id: 'u1', email: 'a@example.com' });
    await first.close();
    const second = new EmbeddedReadModelStore({ path });
    expect(await second.collection('users').findOne({ email: 'a@example.com' })).to.deep.equal({
      _id: 'u1',
      email: 'a@example.com',
    });
    const duplicate = await second.collection('users').insertOne({ _id: 'u2', email: 'a@example.com' }).catch((e) => e);
    expect(duplicate).to.have.property('code', 11000);
    await second.close();
  });

  it('shows one process the writes, renames and drops of another sharing the file', async () => {
    const path = join(dir.path, 'rm.db');
    const server = new EmbeddedReadModelStore({ path });
    const tool = new EmbeddedReadModelStore({ path });
    await server.collection('products').insertOne({ _id: 'p1', v: 1 });
    expect(await server.collection('products').countDocuments()).to.equal(1); // cached now
    await tool.collection('products').updateOne({ _id: 'p1' }, { $set: { v: 2 } });
    expect(await server.collection('products').findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 2 });
    await tool.collection('products_next').insertOne({ _id: 'p9', v: 9 });
    await tool.renameCollection('products_next', 'products');
    expect(await server.collection('products').find({})).to.deep.equal([{ _id: 'p9', v: 9 }]);
    await tool.dropCollection('products');
    expect(await server.collection('products').countDocuments()).to.equal(0);
    await tool.close();
    await server.close();
  });

  it('loads from a thread of its own: the store (its collections in memory too) and another process see the documents once the load resolves', async () => {
    const path = join(dir.path, 'rm.db');
    const server = new EmbeddedReadModelStore({ path });
    const tool = new EmbeddedReadModelStore({ path });
    await server.collection('products').insertOne({ _id: 'p1', v: 1 });
    expect(await server.collection('products').countDocuments()).to.equal(1); // in memory now
    expect(await server.collection('products').findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 1 });
    await server.load([
      { collection: 'products', id: 'p1', doc: { _id: 'p1', v: 2 } },
      { collection: 'products', id: 'p2', doc: { _id: 'p2', v: 1 } },
    ]);
    const expected = [{ _id: 'p1', v: 2 }, { _id: 'p2', v: 1 }];
    expect(await server.collection('products').find({}, { sort: { _id: 1 } })).to.deep.equal(expected);
    expect(await server.collection('products').findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 2 });
    expect(await tool.collection('products').find({}, { sort: { _id: 1 } })).to.deep.equal(expected);
    await tool.close();
    await server.close();
  });

  it('writes none of a load that fails in its thread, rejects it, and loads again afterwards', async () => {
    const path = join(dir.path, 'rm.db');
    const store = new EmbeddedReadModelStore({ path });
    // An id SQLite cannot bind: the loader thread's transaction fails after the first document.
    const broken = store.load([
      { collection: 'products', id: 'p1', doc: { _id: 'p1', v: 1 } },
      { collection: 'products', id: undefined as unknown as string, doc: { _id: 'p2', v: 1 } },
    ]);
    const error = await broken.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/^loading documents failed/);
    expect(await store.collection('products').countDocuments()).to.equal(0);
    await store.load([{ collection: 'products', id: 'p3', doc: { _id: 'p3', v: 1 } }]);
    expect(await store.collection('products').find({})).to.deep.equal([{ _id: 'p3', v: 1 }]);
    await store.close();
  });

  it("drops a collection a slice at a time from its loader thread: the store's writes made meanwhile go between slices, and the collection ends gone, for another process too", async () => {
    const path = join(dir.path, 'rm.db');
    const server = new EmbeddedReadModelStore({ path });
    const tool = new EmbeddedReadModelStore({ path });
    const size = Math.floor(DROP_SLICE * 2.5);
    await server.load(Array.from({ length: size }, (_, i) => ({ collection: 'orders__v2', id: `o${i}`, doc: { _id: `o${i}`, filler: 'x'.repeat(200) } })));
    await server.collection('orders').insertOne({ _id: 'kept', n: 0 });
    expect(await tool.collection('orders__v2').countDocuments()).to.equal(size);
    const file = new Database(path, { readonly: true });
    const left = () => file.prepare("SELECT COUNT(*) FROM documents WHERE collection = 'orders__v2'").pluck().get() as number;
    const dropping = server.dropCollection('orders__v2');
    // Made while the first slice is deleted: it waits for that slice (not for the whole drop), and no slice runs while it writes.
    const between = await server.write(() => left(), { durable: false });
    await server.collection('orders').updateOne({ _id: 'kept' }, { $inc: { n: 1 } });
    await dropping;
    expect(between, 'what was left when the write made during the drop ran').to.equal(size - DROP_SLICE);
    expect(await server.collection('orders').findOne({ _id: 'kept' })).to.deep.equal({ _id: 'kept', n: 1 });
    for (const store of [server, tool]) {
      expect(await store.listCollections()).to.deep.equal(['orders']);
      expect(await store.collection('orders__v2').countDocuments()).to.equal(0);
    }
    expect(left()).to.equal(0);
    file.close();
    await tool.close();
    await server.close();
  });

  it('a store without a file (:memory:) loads and drops through its own connection', async () => {
    const store = new EmbeddedReadModelStore({ path: ':memory:' });
    await store.load([
      { collection: 'products', id: 'p1', doc: { _id: 'p1', v: 1 } },
      { collection: 'products', id: 'p2', doc: { _id: 'p2', v: 2 } },
    ]);
    expect(await store.collection('products').find({}, { sort: { _id: 1 } })).to.deep.equal([{ _id: 'p1', v: 1 }, { _id: 'p2', v: 2 }]);
    await store.dropCollection('products');
    expect(await store.listCollections()).to.deep.equal([]);
    expect(await store.collection('products').countDocuments()).to.equal(0);
    await store.close();
  });

  it('computes a write against the latest documents even when another process wrote last', async () => {
    const path = join(dir.path, 'rm.db');
    const one = new EmbeddedReadModelStore({ path });
    const two = new EmbeddedReadModelStore({ path });
    await one.collection('counters').insertOne({ _id: 'c', n: 0 });
    await one.collection('counters').findOne({ _id: 'c' });
    await two.collection('counters').findOne({ _id: 'c' });
    for (let i = 0; i < 10; i += 1) {
      await one.collection('counters').updateOne({ _id: 'c' }, { $inc: { n: 1 } });
      await two.collection('counters').updateOne({ _id: 'c' }, { $inc: { n: 1 } });
    }
    expect(await one.collection('counters').findOne({ _id: 'c' })).to.deep.equal({ _id: 'c', n: 20 });
    await one.close();
    await two.close();
  });

  it('narrows equality queries with a single-field index and still applies the whole filter', async () => {
    const products = new EmbeddedReadModelStore({ path: join(dir.path, 'rm.db') }).collection('products');
    await products.createIndex({ keys: { category: 1 } });
    await products.insertOne({ _id: 'a', category: 'tools', price: 5, tags: ['x'] });
    await products.insertOne({ _id: 'b', category: 'tools', price: 50 });
    await products.insertOne({ _id: 'c', category: 'toys', price: 5 });
    const found = await products.find({ category: 'tools', price: { $lt: 10 } });
    expect(found.map((p) => p._id)).to.deep.equal(['a']);
    await products.updateOne({ _id: 'a' }, { $set: { category: 'toys' } });
    expect((await products.find({ category: { $in: ['toys'] } }, { sort: { _id: 1 } })).map((p) => p._id)).to.deep.equal([
      'a',
      'c',
    ]);
  });

  it('answers with its indexes exactly what it answers without them, after writes too', async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'rm.db') });
    const indexed = store.collection('indexed');
    const plain = store.collection('plain');
    for (const field of ['tags', 'brand', 'price.amount']) await indexed.createIndex({ keys: { [field]: 1 } });
    const docs = [
      { _id: 'a', brand: 'acme', tags: ['red', 'small'], price: { amount: 5 } },
      { _id: 'b', brand: 'acme', tags: ['red'], price: { amount: 7 } },
      { _id: 'c', brand: null, tags: [], price: { amount: 5 } },
      { _id: 'd', tags: 'red', price: [{ amount: 5 }, { amount: 9 }] },
      { _id: 'e', brand: 'globex', tags: [1, '1', null], price: { amount: 9 } },
      { _id: 'f', brand: 'globex', tags: [['red']] },
    ];
    for (const collection of [indexed, plain]) {
      for (const doc of docs) await collection.insertOne(doc);
      await collection.updateOne({ _id: 'b' }, { $set: { tags: ['blue', 'small'], brand: 'globex' } });
      await collection.deleteOne({ _id: 'a' });
      await collection.insertOne({ _id: 'g', brand: 'acme', tags: ['red', 'blue'], price: { amount: 7 } });
      await collection.updateMany({ tags: 'red', brand: 'acme' }, { $set: { seen: true } });
    }
    const filters = [
      { tags: 'red' },
      { tags: { $all: ['red', 'blue'] } },
      { tags: { $all: ['small'] }, brand: 'globex' },
      { tags: { $in: ['blue', 1] } },
      { tags: '1' },
      { tags: null },
      { brand: null },
      { brand: { $in: ['acme', null] } },
      { brand: 'acme', seen: true },
      { 'price.amount': 5 },
      { 'price.amount': { $in: [9] } },
      { tags: { $all: ['red'] }, brand: { $in: ['acme', 'globex'] }, 'price.amount': 7 },
    ];
    const ids = (found: Array<{ _id: string }>) => found.map((doc) => doc._id);
    for (const filter of filters) {
      const expected = ids(await plain.find(filter, { sort: { _id: 1 } }));
      expect(ids(await indexed.find(filter, { sort: { _id: 1 } })), JSON.stringify(filter)).to.deep.equal(expected);
      expect(await indexed.countDocuments(filter), JSON.stringify(filter)).to.equal(expected.length);
      const pipeline = [{ $match: filter }, { $sort: { _id: 1 } }, { $project: { _id: 1 } }];
      expect(ids(await indexed.aggregate<{ _id: string }>(pipeline)), JSON.stringify(filter)).to.deep.equal(expected);
    }
    expect(ids(await indexed.find({ tags: 'red' }, { sort: { _id: 1 } }))).to.deep.equal(['d', 'g']);
    expect(ids(await indexed.find({ brand: null }, { sort: { _id: 1 } }))).to.deep.equal(['c', 'd']);
    await store.close();
  });
});

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
