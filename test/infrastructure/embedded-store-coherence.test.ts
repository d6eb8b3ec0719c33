import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { STATEMENTS, versionCounter } from '../../src/infrastructure/read-models/embedded-statements.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A reader in another process than the writer (verify, against a busy server) reads several
 * collections one after the other, all within one turn of the event loop. What it reads from
 * the file must never be newer than what it serves from memory: a checkpoint read at the end
 * that is ahead of a read model cached at the start makes two moments look like one.
 */
describe('embedded read-model store: reads that mix memory and the file', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  /** Another process's write: a document of each collection, in one transaction, as the store's writes do. */
  const writeElsewhere = (path: string, docs: Array<{ collection: string; _id: string; n: number }>) => {
    const db = new Database(path);
    db.transaction(() => {
      const version = versionCounter(db)();
      for (const { collection, ...doc } of docs) {
        db.prepare(STATEMENTS.upsert).run(collection, doc._id, JSON.stringify(doc));
        db.prepare(STATEMENTS.touch).run(collection, version);
      }
    }).immediate();
    db.close();
  };

  it('serves no cached collection older than a collection it then loads from the file', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    writeElsewhere(path, [{ collection: 'products', _id: 'p', n: 1 }, { collection: 'checkpoints', _id: 'c', n: 1 }]);
    expect(await reader.collection('products').find({})).to.deep.equal([{ _id: 'p', n: 1 }]);
    // In the same turn: the server moves the read model and its checkpoint together.
    writeElsewhere(path, [{ collection: 'products', _id: 'p', n: 2 }, { collection: 'checkpoints', _id: 'c', n: 2 }]);
    const checkpoint = (await reader.collection('checkpoints').find({}))[0]!;
    const product = (await reader.collection('products').find({}))[0]!;
    expect(product.n, 'the product read after a checkpoint is at least as new as it').to.be.at.least(checkpoint.n as number);
    await reader.close();
  });

  it('serves no cached collection older than documents it then reads by id from the file', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    writeElsewhere(path, [{ collection: 'products', _id: 'p', n: 1 }, { collection: 'checkpoints', _id: 'c', n: 1 }]);
    expect(await reader.collection('products').find({})).to.deep.equal([{ _id: 'p', n: 1 }]);
    writeElsewhere(path, [{ collection: 'products', _id: 'p', n: 2 }, { collection: 'checkpoints', _id: 'c', n: 2 }]);
    const checkpoint = (await reader.collection('checkpoints').findOne({ _id: 'c' }))!;
    const product = (await reader.collection('products').find({}))[0]!;
    expect(product.n).to.be.at.least(checkpoint.n as number);
    await reader.close();
  });

  /** Another connection's change to a document that stamps no version: a write the store is never told of, to see what it reads again. */
  const rewriteUnstamped = (path: string, collection: string, doc: { _id: string; n: number }) => {
    const db = new Database(path);
    db.prepare(STATEMENTS.upsert).run(collection, doc._id, JSON.stringify(doc));
    db.close();
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('reads again, after a commit elsewhere, the documents of the collections that commit changed, and keeps the others', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    writeElsewhere(path, [{ collection: 'orders', _id: 'o', n: 1 }, { collection: 'carts', _id: 'c', n: 1 }, { collection: 'carts', _id: 'd', n: 1 }]);
    expect(await reader.collection('orders').findOne({ _id: 'o' })).to.deep.equal({ _id: 'o', n: 1 });
    expect(await reader.collection('carts').findOne({ _id: 'c' })).to.deep.equal({ _id: 'c', n: 1 });
    expect(await reader.collection('carts').findOne({ _id: 'd' })).to.deep.equal({ _id: 'd', n: 1 });
    await nextTurn();
    writeElsewhere(path, [{ collection: 'carts', _id: 'c', n: 2 }]);
    rewriteUnstamped(path, 'orders', { _id: 'o', n: 99 });
    await nextTurn();
    // carts' version moved: both of its documents are read again (d as well, unchanged by that commit but of its collection).
    rewriteUnstamped(path, 'carts', { _id: 'd', n: 3 });
    expect(await reader.collection('carts').findOne({ _id: 'c' })).to.deep.equal({ _id: 'c', n: 2 });
    expect(await reader.collection('carts').findOne({ _id: 'd' })).to.deep.equal({ _id: 'd', n: 3 });
    // orders' did not: its document is the one read before, from memory.
    expect(await reader.collection('orders').findOne({ _id: 'o' })).to.deep.equal({ _id: 'o', n: 1 });
    // A stamped change to orders, later: read again.
    await nextTurn();
    writeElsewhere(path, [{ collection: 'orders', _id: 'o', n: 4 }]);
    await nextTurn();
    expect(await reader.collection('orders').findOne({ _id: 'o' })).to.deep.equal({ _id: 'o', n: 4 });
    await reader.close();
  });

  it('starts its document cache over once a quarter of it may be documents of collections changed elsewhere', async () => {
    const path = join(dir.path, 'rm.db');
    // Room for 8 documents: past 2 left behind by changes elsewhere, the cache starts over.
    const reader = new EmbeddedReadModelStore({ path, cachedDocuments: 8 });
    writeElsewhere(path, [{ collection: 'a', _id: 'a1', n: 1 }, { collection: 'b', _id: 'b1', n: 1 }, { collection: 'b', _id: 'b2', n: 1 }]);
    await nextTurn();
    for (const [collection, id] of [['a', 'a1'], ['b', 'b1'], ['b', 'b2']] as const) await reader.collection(collection).findOne({ _id: id });
    await nextTurn();
    writeElsewhere(path, [{ collection: 'b', _id: 'b1', n: 2 }]);
    rewriteUnstamped(path, 'a', { _id: 'a1', n: 9 });
    await nextTurn();
    // Two of b's left behind: a's document is still the one read before.
    expect(await reader.collection('a').findOne({ _id: 'a1' })).to.deep.equal({ _id: 'a1', n: 1 });
    for (const id of ['b1', 'b2']) await reader.collection('b').findOne({ _id: id });
    await nextTurn();
    writeElsewhere(path, [{ collection: 'b', _id: 'b2', n: 2 }]);
    await nextTurn();
    // Four left behind now: everything was dropped, a's document too.
    expect(await reader.collection('a').findOne({ _id: 'a1' })).to.deep.equal({ _id: 'a1', n: 9 });
    await reader.close();
  });

  it('reads again the documents of a collection another connection dropped and made anew', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    const writer = new EmbeddedReadModelStore({ path });
    await writer.collection('views').insertOne({ _id: 'v', n: 1 });
    await nextTurn();
    expect(await reader.collection('views').findOne({ _id: 'v' })).to.deep.equal({ _id: 'v', n: 1 });
    await writer.dropCollection('views');
    await nextTurn();
    expect(await reader.collection('views').findOne({ _id: 'v' })).to.equal(null);
    await writer.collection('views').insertOne({ _id: 'v', n: 2 });
    await nextTurn();
    expect(await reader.collection('views').findOne({ _id: 'v' })).to.deep.equal({ _id: 'v', n: 2 });
    await writer.close();
    await reader.close();
  });

  it('hands every write transaction, on any connection, a version no other got, and keeps counting across reopening', async () => {
    const path = join(dir.path, 'rm.db');
    const store = new EmbeddedReadModelStore({ path });
    const other = new Database(path);
    const next = versionCounter(other);
    const versionOf = (name: string) => (other.prepare('SELECT version FROM collections WHERE name = ?').get(name) as { version: number }).version;
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      await store.collection('mine').insertOne({ _id: `m${i}` });
      seen.push(versionOf('mine'));
      seen.push(other.transaction(() => next()).immediate());
    }
    expect(new Set(seen).size).to.equal(seen.length);
    expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
    await store.close();
    other.close();
    const reopened = new Database(path);
    expect(reopened.transaction(() => versionCounter(reopened)()).immediate()).to.equal(seen.at(-1)! + 1);
    reopened.close();
  });
});
