import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { STATEMENTS } from '../../src/infrastructure/read-models/embedded-statements.js';
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
      const version = (db.prepare(STATEMENTS.nextVersion).get() as { value: number }).value;
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
});
