import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { CHANGES_KEPT, STATEMENTS } from '../../src/infrastructure/read-models/embedded-statements.js';
import { tempDir } from '../support/temp-dir.js';
import { rejection } from './event-store-contract-support.js';

/**
 * Two processes on one read-model file (WORKERS=2): a collection one of them holds in memory
 * for its queries follows the other's writes through the file's change log, the documents
 * changed and only those, instead of being loaded again whole at every commit of the other.
 */
describe('embedded read-model store: the change log', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let reader: EmbeddedReadModelStore;
  let writer: EmbeddedReadModelStore;
  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'read-models.db');
    reader = new EmbeddedReadModelStore({ path });
    writer = new EmbeddedReadModelStore({ path });
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    dir.remove();
  });

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const products = (store: EmbeddedReadModelStore) => store.collection<{ _id: string; brand: string; n: number }>('products');
  const ids = (docs: Array<{ _id: string }>) => docs.map((doc) => doc._id).sort();

  /** Twenty products, a brand index, and the reader holding them in memory (a query). */
  const held = async () => {
    await writer.addIndex('products', { keys: { brand: 1 }, name: 'brand_1' });
    await writer.bulkWrite(Array.from({ length: 20 }, (_, i) => ({ collection: 'products', insertOne: { document: { _id: `p${i}`, brand: i < 10 ? 'acme' : 'zeta', n: 0 } } })));
    await nextTurn();
    expect(await products(reader).countDocuments({ brand: 'acme' })).to.equal(10);
    expect(reader.memory.collectionLoads).to.equal(1);
  };

  it('follows inserts, updates and deletes of another connection into the collection it holds, its indexes too, without loading it again', async () => {
    await held();
    await products(writer).updateOne({ _id: 'p0' }, { $set: { brand: 'zeta', n: 1 } });
    await products(writer).deleteOne({ _id: 'p1' });
    await products(writer).insertOne({ _id: 'p20', brand: 'acme', n: 2 });
    await nextTurn();
    expect(ids(await products(reader).find({ brand: 'acme' }))).to.deep.equal(['p2', 'p20', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    expect(await products(reader).findOne({ brand: 'zeta', n: 1 })).to.deep.equal({ _id: 'p0', brand: 'zeta', n: 1 });
    expect(await products(reader).countDocuments()).to.equal(20);
    expect(reader.memory.collectionLoads, 'followed, not loaded again').to.equal(1);
  });

  it('loads the collection again when more than a quarter of it changed, or its indexes did', async () => {
    await held();
    await products(writer).updateMany({ _id: { $in: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'] } }, { $set: { n: 5 } });
    await nextTurn();
    expect(await products(reader).countDocuments({ n: 5 })).to.equal(6);
    expect(reader.memory.collectionLoads).to.equal(2);
    await writer.addIndex('products', { keys: { n: 1 }, name: 'n_1' });
    await nextTurn();
    expect(await products(reader).countDocuments({ n: 5 })).to.equal(6);
    expect(reader.memory.collectionLoads).to.equal(3);
    expect(reader.memory.cache.get('products')!.indexes.map((index) => index.spec.name)).to.deep.equal(['brand_1', 'n_1']);
  });

  it("follows a rebuild's swap (a collection renamed over the one held) and its drop", async () => {
    await held();
    await writer.collection('products__v2').insertOne({ _id: 'q1', brand: 'acme', n: 7 });
    await writer.collection('products__v2').insertOne({ _id: 'q2', brand: 'zeta', n: 7 });
    await writer.renameCollection('products__v2', 'products');
    await nextTurn();
    expect(ids(await products(reader).find({}))).to.deep.equal(['q1', 'q2']);
    await writer.dropCollection('products');
    await nextTurn();
    expect(await products(reader).countDocuments()).to.equal(0);
  });

  it("sees the loader thread's writes (a rebuild's load: one row in the log for the collection, not one per document) and loads what it holds of it again", async () => {
    await held();
    const seq = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT max(seq) FROM changes').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    const before = seq();
    await writer.load([
      { collection: 'products', id: 'p2', doc: { _id: 'p2', brand: 'acme', n: 9 } },
      { collection: 'products', id: 'p3', doc: null },
      { collection: 'other', id: 'o1', doc: { _id: 'o1' } },
    ]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT collection, id FROM changes WHERE seq > ? ORDER BY collection').all(before)).to.deep.equal([
      { collection: 'other', id: '' },
      { collection: 'products', id: '' },
    ]);
    expect(db.prepare('SELECT count(*) FROM bulk_writes').pluck().get(), 'emptied before its commit').to.equal(0);
    db.close();
    await nextTurn();
    expect(await products(reader).findOne({ n: 9 })).to.deep.equal({ _id: 'p2', brand: 'acme', n: 9 });
    expect(await products(reader).countDocuments()).to.equal(19);
    expect(reader.memory.collectionLoads).to.equal(2);
  });

  it('misses no write of another connection made after one of its own failed with its rows logged (their numbers are given again)', async () => {
    await held();
    // The reader's connection fails its next write after logging a first document: SQLite rolls the transaction back, rows and all.
    const own = (reader as unknown as { db: Database.Database }).db;
    own.exec("CREATE TEMP TRIGGER fail_second AFTER INSERT ON main.changes WHEN NEW.id = 'p19' BEGIN SELECT RAISE(ABORT, 'the disk'); END");
    const failed = await reader
      .bulkWrite([
        { collection: 'products', updateOne: { filter: { _id: 'p18' }, update: { $set: { n: 8 } } } },
        { collection: 'products', updateOne: { filter: { _id: 'p19' }, update: { $set: { n: 8 } } } },
      ])
      .then(() => undefined, (error: unknown) => error);
    expect(String(failed)).to.match(/the disk/);
    own.exec('DROP TRIGGER temp.fail_second');
    await products(writer).updateOne({ _id: 'p5' }, { $set: { n: 3 } });
    await nextTurn();
    expect(await products(reader).findOne({ n: 3 })).to.deep.equal({ _id: 'p5', brand: 'acme', n: 3 });
    expect(await products(reader).countDocuments({ n: 8 })).to.equal(0);
  });

  it('does not read its own writes back from the file', async () => {
    await held();
    await products(reader).updateOne({ _id: 'p4' }, { $set: { n: 4 } });
    await products(writer).updateOne({ _id: 'p6' }, { $set: { n: 6 } });
    await nextTurn();
    const followed = reader.memory.documentsFollowed;
    expect(await products(reader).countDocuments({ n: { $gt: 0 } })).to.equal(2);
    expect(reader.memory.documentsFollowed - followed, "the writer's document, not its own").to.equal(1);
    expect(reader.memory.collectionLoads).to.equal(1);
  });

  it('keeps the newest CHANGES_KEPT rows when trimmed, a bounded slice off the start at a time', () => {
    const db = new Database(join(dir.path, 'log.db'));
    db.exec('CREATE TABLE changes (seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL)');
    const insert = db.prepare("INSERT INTO changes (collection, id) VALUES ('c', 'x')");
    for (let i = 0; i < 100; i += 1) insert.run();
    const trim = db.prepare(STATEMENTS.trimChanges);
    const bounds = () => db.prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS n FROM changes').get();
    expect(trim.run(30, 25).changes).to.equal(25);
    expect(bounds()).to.deep.equal({ first: 26, last: 100, n: 75 });
    expect(trim.run(30, 100).changes).to.equal(45);
    expect(bounds()).to.deep.equal({ first: 71, last: 100, n: 30 });
    expect(trim.run(30, 100).changes).to.equal(0);
    insert.run();
    expect(bounds()).to.deep.equal({ first: 71, last: 101, n: 31 });
    db.close();
    expect(CHANGES_KEPT).to.be.at.least(10_000);
  });

  it('logs every document written or deleted, by any connection to the file, and nothing of what it holds but ids', async () => {
    await products(writer).insertOne({ _id: 'a', brand: 'secret-brand', n: 1 });
    await products(reader).replaceOne({ _id: 'a' }, { _id: 'a', brand: 'other', n: 2 });
    await products(writer).deleteOne({ _id: 'a' });
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT collection, id FROM changes ORDER BY seq').all();
    db.close();
    expect(rows).to.deep.equal([
      { collection: 'products', id: 'a' },
      { collection: 'products', id: 'a' },
      { collection: 'products', id: 'a' },
    ]);
  });

  describe('the file', () => {
    it('adds the change log to a file of the second layout, its documents kept', async () => {
      const path = join(dir.path, 'layout2.db');
      const old = new Database(path);
      old.exec(`
        CREATE TABLE documents (collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE UNIQUE INDEX documents_by_key ON documents (collection, id);
        CREATE TABLE collections (name TEXT PRIMARY KEY, version INTEGER NOT NULL, indexes TEXT NOT NULL DEFAULT '[]');
        CREATE TABLE sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
        INSERT INTO sequence (id, value) VALUES (1, 3);
        INSERT INTO collections (name, version) VALUES ('users', 3);
        INSERT INTO documents VALUES ('users', 'u1', '{"_id":"u1","n":1}');
      `);
      old.pragma('user_version = 2');
      old.close();
      const store = new EmbeddedReadModelStore({ path });
      expect(await store.collection('users').find({})).to.deep.equal([{ _id: 'u1', n: 1 }]);
      await store.collection('users').updateOne({ _id: 'u1' }, { $set: { n: 2 } });
      await store.close();
      const file = new Database(path, { readonly: true });
      expect(file.pragma('user_version', { simple: true })).to.equal(4);
      expect(file.prepare('SELECT collection, id FROM changes').all()).to.deep.equal([{ collection: 'users', id: 'u1' }]);
      file.close();
    });

    it('loads no document for an index the file has already (a projection asking for its indexes as it starts), and refuses a conflicting one as before', async () => {
      const path = join(dir.path, 'indexed.db');
      const first = new EmbeddedReadModelStore({ path });
      await first.addIndex('search', { keys: { terms: 1 }, name: 'terms_1' });
      await first.collection('search').insertOne({ _id: 's1', terms: ['lamp'] });
      await first.close();
      const next = new EmbeddedReadModelStore({ path });
      await next.addIndex('search', { keys: { terms: 1 }, name: 'terms_1' });
      expect(next.memory.collectionLoads, 'no collection loaded').to.equal(0);
      expect(await rejection(next.addIndex('search', { keys: { boosted: 1 }, name: 'terms_1' }))).to.have.property('code', 86);
      expect(next.memory.collectionLoads).to.equal(0);
      await next.addIndex('search', { keys: { boosted: 1 }, name: 'boosted_1' });
      expect(await next.collection('search').find({ terms: 'lamp' })).to.deep.equal([{ _id: 's1', terms: ['lamp'] }]);
      await next.close();
    });
  });
});
