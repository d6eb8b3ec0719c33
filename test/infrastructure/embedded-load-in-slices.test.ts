import { expect } from 'chai';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { inBulk, STATEMENTS, versionCounter } from '../../src/infrastructure/read-models/embedded-statements.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A collection a query scans is loaded into memory on its first query after a start. Loaded
 * in one piece, a catalog of 50,000 products held the event loop about 3 s; now it is read in
 * slices, others served between them, and what changed meanwhile (by this process or another)
 * is read again as the slices end.
 */
describe('embedded read-model store: a collection loaded in slices', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let stores: EmbeddedReadModelStore[];
  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'read-models.db');
    stores = [];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    dir.remove();
  });

  const open = () => {
    const store = new EmbeddedReadModelStore({ path });
    stores.push(store);
    return store;
  };
  type Product = { _id: string; brand: string; n: number };
  const id = (i: number) => `p${String(i).padStart(5, '0')}`;
  const PRODUCTS = 6000;

  /** The products written by one process; another, started after, holds nothing of them yet. */
  const written = async () => {
    const writer = open();
    await writer.addIndex('products', { keys: { brand: 1 }, name: 'brand_1' });
    await writer.bulkWrite(Array.from({ length: PRODUCTS }, (_, i) => ({ collection: 'products', insertOne: { document: { _id: id(i), brand: i % 2 ? 'acme' : 'zeta', n: 0, text: 'x'.repeat(400) } } })));
    return { writer, reader: open() };
  };

  /** Turns of the event loop that other work had while `query` ran. */
  const turnsDuring = async <T>(query: Promise<T>) => {
    let done = false;
    let turns = 0;
    const counting = (async () => {
      while (!done) {
        await nextTurn();
        turns += 1;
      }
    })();
    const result = await query;
    done = true;
    await counting;
    return { result, turns };
  };

  it('serves other work between its slices, and answers as a load in one piece would', async () => {
    const { reader } = await written();
    const { result, turns } = await turnsDuring(reader.collection<Product>('products').countDocuments({ brand: 'acme' }));
    expect(result).to.equal(PRODUCTS / 2);
    expect(turns, 'turns of the event loop while it loaded').to.be.greaterThan(1);
    expect(reader.memory.collectionLoads).to.equal(1);
    // Held now: the next query runs without a turn.
    expect((await turnsDuring(reader.collection<Product>('products').countDocuments({ brand: 'zeta' }))).result).to.equal(PRODUCTS / 2);
  });

  it('shows what was written meanwhile, by itself or another process, before and after the slice being read', async () => {
    const { writer, reader } = await written();
    const products = (store: EmbeddedReadModelStore) => store.collection<Product>('products');
    const loading = products(reader).find({ brand: 'acme' }, { readonly: true });
    await nextTurn();
    await nextTurn();
    // Early ids (read already), late ones (not yet), a new one and a deleted one; from both connections.
    await products(writer).updateOne({ _id: id(1) }, { $set: { n: 1 } });
    await products(reader).updateOne({ _id: id(3) }, { $set: { brand: 'zeta' } });
    await products(writer).updateOne({ _id: id(PRODUCTS - 1) }, { $set: { n: 2 } });
    await products(writer).deleteOne({ _id: id(5) });
    await products(reader).insertOne({ _id: 'a-new', brand: 'acme', n: 3 });
    await loading;
    const acme = await products(reader).find({ brand: 'acme' }, { readonly: true });
    expect(acme.length).to.equal(PRODUCTS / 2 - 2 + 1);
    const byId = new Map(acme.map((doc) => [doc._id, doc]));
    expect(byId.get(id(1))?.n).to.equal(1);
    expect(byId.get(id(PRODUCTS - 1))?.n).to.equal(2);
    expect(byId.has(id(3)) || byId.has(id(5))).to.equal(false);
    expect(byId.get('a-new')?.n).to.equal(3);
    expect(await products(reader).countDocuments({ brand: 'zeta' })).to.equal(PRODUCTS / 2 + 1);
  });

  it('makes the queries that come while it loads wait for the same load', async () => {
    const { reader } = await written();
    const [acme, zeta, all] = await Promise.all([
      reader.collection('products').countDocuments({ brand: 'acme' }),
      reader.collection('products').countDocuments({ brand: 'zeta' }),
      reader.collection('products').aggregate([{ $match: {} }, { $count: 'n' }]),
    ]);
    expect([acme, zeta, all]).to.deep.equal([PRODUCTS / 2, PRODUCTS / 2, [{ n: PRODUCTS }]]);
    expect(reader.memory.collectionLoads).to.equal(1);
  });

  it("loads in one piece when the collection was written in bulk while it read its slices (a rebuild's load names no document)", async () => {
    const { reader } = await written();
    const loading = reader.collection('products').countDocuments({ n: 5 });
    await nextTurn();
    // As the loader thread writes (its connection, between two of the reader's slices).
    const db = new Database(path);
    db.transaction(() => {
      const bulk = inBulk(db);
      db.prepare(STATEMENTS.touch).run('products', versionCounter(db)());
      bulk.begin('products');
      db.prepare(STATEMENTS.upsert).run('products', id(PRODUCTS - 2), JSON.stringify({ _id: id(PRODUCTS - 2), brand: 'zeta', n: 5 }));
      db.prepare(STATEMENTS.upsert).run('products', id(0), JSON.stringify({ _id: id(0), brand: 'zeta', n: 5 }));
      bulk.end();
    }).immediate();
    db.close();
    expect(await loading).to.equal(2);
  });

  it('loads in one piece when the indexes changed while it read its slices', async () => {
    const { writer, reader } = await written();
    const loading = reader.collection('products').countDocuments({ n: 0 });
    await nextTurn();
    await writer.addIndex('products', { keys: { n: 1 }, name: 'n_1' });
    expect(await loading).to.equal(PRODUCTS);
    expect(reader.memory.cache.get('products')!.indexes.map((index) => index.spec.name)).to.deep.equal(['brand_1', 'n_1']);
  });
});
