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

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('reads again, after a commit elsewhere, the documents that commit changed, and keeps the others', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    writeElsewhere(path, [{ collection: 'orders', _id: 'o', n: 1 }, { collection: 'carts', _id: 'c', n: 1 }, { collection: 'carts', _id: 'd', n: 1 }]);
    expect(await reader.collection('orders').findOne({ _id: 'o' })).to.deep.equal({ _id: 'o', n: 1 });
    expect(await reader.collection('carts').findOne({ _id: 'c' })).to.deep.equal({ _id: 'c', n: 1 });
    expect(await reader.collection('carts').findOne({ _id: 'd' })).to.deep.equal({ _id: 'd', n: 1 });
    await nextTurn();
    writeElsewhere(path, [{ collection: 'carts', _id: 'c', n: 2 }]);
    await nextTurn();
    const reads = reader.memory.readsFromFile;
    expect(await reader.collection('carts').findOne({ _id: 'c' })).to.deep.equal({ _id: 'c', n: 2 });
    expect(reader.memory.readsFromFile, 'the changed document is read from the file').to.equal(reads + 1);
    expect(await reader.collection('carts').findOne({ _id: 'd' })).to.deep.equal({ _id: 'd', n: 1 });
    expect(await reader.collection('orders').findOne({ _id: 'o' })).to.deep.equal({ _id: 'o', n: 1 });
    expect(reader.memory.readsFromFile, 'the others, of its collection or not, from memory').to.equal(reads + 1);
    await reader.close();
  });

  it('forgets everything it holds of the collections changed elsewhere once the change log no longer names every change since it looked', async () => {
    const path = join(dir.path, 'rm.db');
    const reader = new EmbeddedReadModelStore({ path });
    writeElsewhere(path, [{ collection: 'a', _id: 'a1', n: 1 }, { collection: 'a', _id: 'a2', n: 1 }, { collection: 'b', _id: 'b1', n: 1 }]);
    await nextTurn();
    for (const [collection, id] of [['a', 'a1'], ['a', 'a2'], ['b', 'b1']] as const) await reader.collection(collection).findOne({ _id: id });
    expect(await reader.collection('b').countDocuments({ n: 1 })).to.equal(1); // b held whole
    await nextTurn();
    writeElsewhere(path, [{ collection: 'a', _id: 'a1', n: 2 }, { collection: 'b', _id: 'b2', n: 2 }]);
    // The log trimmed past the reader's place: the rows of that commit are gone (as after CHANGES_KEPT rows of a busy writer).
    const db = new Database(path);
    db.prepare('DELETE FROM changes WHERE seq < (SELECT max(seq) FROM changes)').run();
    db.close();
    await nextTurn();
    const [reads, loads] = [reader.memory.readsFromFile, reader.memory.collectionLoads];
    expect(await reader.collection('a').findOne({ _id: 'a2' })).to.deep.equal({ _id: 'a2', n: 1 });
    expect(reader.memory.readsFromFile, 'a2, unchanged, is read again: nothing tells').to.equal(reads + 1);
    expect(await reader.collection('a').findOne({ _id: 'a1' })).to.deep.equal({ _id: 'a1', n: 2 });
    expect((await reader.collection('b').find({}, { sort: { _id: 1 } })).map((doc) => doc._id)).to.deep.equal(['b1', 'b2']);
    expect(reader.memory.collectionLoads, 'b is loaded again').to.equal(loads + 1);
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
