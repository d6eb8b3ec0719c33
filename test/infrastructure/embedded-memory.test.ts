import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/** What the embedded store holds in memory of documents read by id (EmbeddedMemory), against its file and other processes. */
describe('embedded read-model store: documents read by id', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it("answers repeated id lookups from memory, never stale: our writes, and another process's, show at once", async () => {
    const path = join(dir.path, 'rm.db');
    const server = new EmbeddedReadModelStore({ path });
    const tool = new EmbeddedReadModelStore({ path });
    const products = server.collection('products');
    await tool.collection('products').insertOne({ _id: 'p1', v: 1, tags: ['a'] });
    const first = (await products.findOne({ _id: 'p1' }))!;
    (first.tags as string[]).push('changed by the caller');
    expect(await products.findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 1, tags: ['a'] });
    await products.updateOne({ _id: 'p1' }, { $set: { v: 2 } });
    expect(await products.findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 2, tags: ['a'] });
    await tool.collection('products').updateOne({ _id: 'p1' }, { $set: { v: 3 } });
    expect(await products.findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 3, tags: ['a'] });
    await server.bulkWrite([{ collection: 'products', deleteOne: { filter: { _id: 'p1' } } }], { durable: false });
    expect(await products.findOne({ _id: 'p1' })).to.equal(null);
    await tool.collection('products').insertOne({ _id: 'p1', v: 4 });
    expect(await products.findOne({ _id: 'p1' })).to.deep.equal({ _id: 'p1', v: 4 });
    await tool.dropCollection('products');
    expect(await products.findOne({ _id: 'p1' })).to.equal(null);
    await tool.close();
    await server.close();
  });

  it("reads an id from the file once, found or not: our own writes of it answer from memory, another process's are read again", async () => {
    const path = join(dir.path, 'rm.db');
    const server = new EmbeddedReadModelStore({ path });
    const tool = new EmbeddedReadModelStore({ path });
    const orders = server.collection('orders');
    const reads = () => server.memory.readsFromFile;
    const start = reads();
    expect(await orders.findOne({ _id: 'o1' })).to.equal(null);
    expect(await orders.findOne({ _id: 'o1' })).to.equal(null);
    expect(reads() - start).to.equal(1);
    await orders.insertOne({ _id: 'o1', status: 'Pending' });
    await orders.updateOne({ _id: 'o1' }, { $set: { status: 'Paid' } });
    expect(await orders.findOne({ _id: 'o1' })).to.deep.equal({ _id: 'o1', status: 'Paid' });
    expect(reads() - start).to.equal(1);
    await orders.deleteOne({ _id: 'o1' });
    expect(await orders.findOne({ _id: 'o1' })).to.equal(null);
    expect(reads() - start).to.equal(1);
    // Another process's writes, to an id known missing here and to one known present, are read again.
    await orders.insertOne({ _id: 'o2', status: 'Pending' }); // unknown here: read once, to check it is new
    expect(reads() - start).to.equal(2);
    await tool.collection('orders').insertOne({ _id: 'o1', status: 'Shipped' });
    await tool.collection('orders').updateOne({ _id: 'o2' }, { $set: { status: 'Cancelled' } });
    expect(await orders.find({ _id: { $in: ['o1', 'o2'] } }, { sort: { _id: 1 } })).to.deep.equal([
      { _id: 'o1', status: 'Shipped' },
      { _id: 'o2', status: 'Cancelled' },
    ]);
    expect(reads() - start).to.equal(3);
    await tool.close();
    await server.close();
  });
});
