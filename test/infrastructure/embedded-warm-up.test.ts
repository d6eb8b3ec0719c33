import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { HOLDER_GONE_MS, WARM_QUERIED_WITHIN_MS } from '../../src/infrastructure/read-models/embedded-warm-up.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The embedded store loads a collection in memory at its first query, and every query of it
 * waits for that: after a start, and after a rebuild's swap (a new collection). WarmUps loads
 * them ahead: at start what processes held before, and before a swap the replacement of what
 * each live process holds.
 */
describe('embedded read-model store: warming up', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  const open: EmbeddedReadModelStore[] = [];
  const store = (options: { warmPollMs?: number } = {}) => {
    const opened = new EmbeddedReadModelStore({ path, warmPollMs: 20, ...options });
    open.push(opened);
    return opened;
  };
  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'read-models.db');
  });
  afterEach(async () => {
    for (const opened of open.splice(0)) await opened.close();
    dir.remove();
  });

  const fill = async (target: EmbeddedReadModelStore, name: string, count: number, brand = 'acme') =>
    target.bulkWrite(Array.from({ length: count }, (_, i) => ({ collection: name, insertOne: { document: { _id: `p${i}`, brand, n: i } } })));
  const inFile = <T>(query: string, ...params: unknown[]): T[] => {
    const file = new Database(path, { readonly: true });
    try {
      return file.prepare(query).all(...params) as T[];
    } finally {
      file.close();
    }
  };
  const held = () => inFile<{ collection: string }>('SELECT collection FROM held_collections ORDER BY collection').map((row) => row.collection);
  const holders = (collection: string) => inFile<{ holder: string }>('SELECT holder FROM holders WHERE collection = ?', collection).map((row) => row.holder);

  it('loads at start what a process held for its queries before, so that the first query loads nothing', async () => {
    const before = store();
    await fill(before, 'products', 300);
    await fill(before, 'carts', 5);
    expect(await before.collection('products').countDocuments({ brand: 'acme' })).to.equal(300);
    await before.collection('carts').findOne({ _id: 'p1' }); // by id: nothing loaded whole
    await eventually(() => expect(held()).to.deep.equal(['products']));
    await before.close();

    const after = store();
    expect(after.memory.cache.has('products')).to.equal(false);
    expect(await after.warmUp()).to.deep.equal(['products']);
    expect(after.memory.cache.get('products')?.docs.size).to.equal(300);
    const loads = after.memory.collectionLoads;
    const reads = after.memory.readsFromFile;
    expect(await after.collection('products').countDocuments({ brand: 'acme' })).to.equal(300);
    expect(after.memory.collectionLoads, 'nothing loaded at the first query').to.equal(loads);
    expect(after.memory.readsFromFile).to.equal(reads);
  });

  it('loads at start only what queries scanned in the last day: an admin\'s one-off list is not loaded at every start after it', async () => {
    const before = store();
    await fill(before, 'orders', 20);
    await fill(before, 'products', 20);
    await before.collection('orders').find({ brand: 'acme' });
    await before.collection('products').find({ brand: 'acme' });
    await eventually(() => expect(held()).to.deep.equal(['orders', 'products']));
    await before.close();
    // The orders were last listed two days ago.
    const file = new Database(path);
    file.prepare("UPDATE held_collections SET queried_at = ? WHERE collection = 'orders'").run(Date.now() - 2 * WARM_QUERIED_WITHIN_MS);
    file.close();
    const after = store();
    expect(await after.warmUp()).to.deep.equal(['products']);
    expect(after.memory.cache.has('orders')).to.equal(false);
    // Loaded at a start, not queried: the note is not renewed by the warm-up itself.
    const noted = () => inFile<{ queried_at: number }>("SELECT queried_at FROM held_collections WHERE collection = 'products'")[0]!.queried_at;
    const at = noted();
    await after.close();
    const again = store();
    expect(await again.warmUp()).to.deep.equal(['products']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(noted()).to.equal(at);
    // A query renews it.
    await again.collection('products').find({ brand: 'acme' });
    await eventually(() => expect(noted()).to.be.above(at));
  });

  it('forgets a collection dropped or renamed: nothing of it is loaded at the next start', async () => {
    const before = store();
    await fill(before, 'old', 10);
    await fill(before, 'moved', 10);
    await fill(before, 'kept', 10);
    for (const name of ['old', 'moved', 'kept']) await before.collection(name).find({ brand: 'acme' });
    await eventually(() => expect(held()).to.deep.equal(['kept', 'moved', 'old']));
    await before.dropCollection('old');
    await before.renameCollection('moved', 'elsewhere');
    expect(held()).to.deep.equal(['kept']);
    expect(holders('old')).to.deep.equal([]);
    await before.close();
    expect(await store().warmUp()).to.deep.equal(['kept']);
  });

  it("lets go of its holders' rows as it closes; one not renewed for HOLDER_GONE_MS (a killed or frozen process, whose pid may be given again) is passed over and removed at the next start", async () => {
    const first = store();
    await fill(first, 'products', 10);
    await first.collection('products').find({ brand: 'acme' });
    await eventually(() => expect(holders('products')).to.have.length(1));
    await first.close();
    expect(holders('products')).to.deep.equal([]);
    // A process killed while it held the collection: its row stays, renewed no more.
    const file = new Database(path);
    file.prepare("INSERT INTO holders (collection, holder, seen_at) VALUES ('products', 'killed', ?)").run(Date.now() - HOLDER_GONE_MS - 1000);
    file.close();
    const next = store();
    await fill(next, 'products__v2', 10);
    const started = Date.now();
    expect(await next.warmBeforeSwap([{ previous: 'products', next: 'products__v2' }], 5000)).to.deep.equal({ holders: 0, late: 0 });
    expect(Date.now() - started, 'no wait for a gone process').to.be.below(5000);
    expect(await next.warmUp()).to.deep.equal(['products']);
    expect(holders('products')).to.have.length(1).and.not.include('killed');
  });

  it('waits no longer than its bound, its own load included', async () => {
    const rebuilding = store();
    await fill(rebuilding, 'p1', 5);
    await fill(rebuilding, 'p2', 5);
    await rebuilding.collection('p1').find({ brand: 'acme' });
    await eventually(() => expect(holders('p1')).to.have.length(1));
    // Its own load of the new collection takes 3 s (a serving process under traffic).
    rebuilding.memory.warm = () => new Promise((resolve) => setTimeout(() => resolve(true), 3000));
    const started = Date.now();
    expect(await rebuilding.warmBeforeSwap([{ previous: 'p1', next: 'p2' }], 300)).to.deep.equal({ holders: 1, late: 1 });
    expect(Date.now() - started).to.be.within(250, 1500);
  });

  it('before a swap, has every process holding the replaced collection load its replacement, and resolves once they hold it', async () => {
    const rebuilding = store();
    const serving = store();
    const idle = store();
    await fill(rebuilding, 'products__v1', 50, 'old');
    await fill(rebuilding, 'products__v2', 60, 'new');
    expect(await serving.collection('products__v1').countDocuments({ brand: 'old' })).to.equal(50);
    await eventually(() => expect(holders('products__v1')).to.have.length(1));
    const started = Date.now();
    const warmed = await rebuilding.warmBeforeSwap([{ previous: 'products__v1', next: 'products__v2' }], 10_000);
    expect(warmed).to.deep.equal({ holders: 1, late: 0 });
    expect(Date.now() - started).to.be.below(10_000);
    expect(serving.memory.cache.get('products__v2')?.docs.size).to.equal(60);
    expect(idle.memory.cache.has('products__v2'), 'a process that did not hold the old one loads nothing').to.equal(false);
    expect(rebuilding.memory.cache.has('products__v2')).to.equal(false);
    const loads = serving.memory.collectionLoads;
    expect(await serving.collection('products__v2').countDocuments({ brand: 'new' })).to.equal(60);
    expect(serving.memory.collectionLoads, 'the first query after the swap loads nothing').to.equal(loads);
  });

  it('warms the replacement in the rebuilding process too when it holds the old collection', async () => {
    const rebuilding = store({ warmPollMs: 0 });
    await fill(rebuilding, 'search__v1', 20);
    await fill(rebuilding, 'search__v2', 30);
    await rebuilding.collection('search__v1').find({ brand: 'acme' });
    await eventually(() => expect(holders('search__v1')).to.have.length(1));
    expect(await rebuilding.warmBeforeSwap([{ previous: 'search__v1', next: 'search__v2' }], 10_000)).to.deep.equal({ holders: 1, late: 0 });
    expect(rebuilding.memory.cache.get('search__v2')?.docs.size).to.equal(30);
  });

  it('swaps after the bound when a live holder does not load the replacement, saying how many did not', async () => {
    const rebuilding = store();
    const deaf = store({ warmPollMs: 0 }); // never looks for requests
    await fill(rebuilding, 'a', 5);
    await fill(rebuilding, 'b', 5);
    await deaf.collection('a').find({ brand: 'acme' });
    await eventually(() => expect(holders('a')).to.have.length(1));
    const started = Date.now();
    expect(await rebuilding.warmBeforeSwap([{ previous: 'a', next: 'b' }], 300)).to.deep.equal({ holders: 1, late: 1 });
    expect(Date.now() - started).to.be.at.least(250);
    expect(deaf.memory.cache.has('b')).to.equal(false);
  });

  it('asks nothing of a replacement with no collection (a rebuild that wrote no document), and waits for nobody', async () => {
    const rebuilding = store();
    const serving = store({ warmPollMs: 0 });
    await fill(rebuilding, 'reviews', 5);
    await serving.collection('reviews').find({ brand: 'acme' });
    await eventually(() => expect(holders('reviews')).to.have.length(1));
    expect(await rebuilding.warmBeforeSwap([{ previous: 'reviews', next: 'reviews__v2' }], 10_000)).to.deep.equal({ holders: 0, late: 0 });
    expect(inFile('SELECT * FROM warm_requests')).to.deep.equal([]);
  });

  it("drops a request with the replaced collection (the rebuild's retired one, dropped after its grace)", async () => {
    const rebuilding = store();
    await fill(rebuilding, 'x__v1', 5);
    await fill(rebuilding, 'x__v2', 5);
    await rebuilding.warmBeforeSwap([{ previous: 'x__v1', next: 'x__v2' }], 100);
    expect(inFile('SELECT collection, previous FROM warm_requests')).to.deep.equal([{ collection: 'x__v2', previous: 'x__v1' }]);
    await rebuilding.dropCollection('x__v1');
    expect(inFile('SELECT * FROM warm_requests')).to.deep.equal([]);
  });
});
