import { expect } from 'chai';
import { DuplicateKeyError, IndexConflictError, type Document, type IndexSpec, type ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { catalog, rejection, type Product } from './read-model-store-fixture.js';
import { writingContract } from './read-model-store-writes.contract.js';

/** The one contract every read-model adapter keeps: MongoDB's semantics. */
export const readModelStoreContract = (
  adapter: string,
  open: () => Promise<ReadModelStore>,
  dispose: () => Promise<void>,
) => {
  describe(`read-model store contract: ${adapter}`, () => {
    let store: ReadModelStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await dispose();
    });

    const seeded = async () => {
      const products = store.collection<Product>('products');
      for (const product of catalog) await products.insertOne(structuredClone(product));
      return products;
    };

    describe('querying', () => {
      it('finds one document by _id and returns null for an unknown one', async () => {
        const products = await seeded();
        expect(await products.findOne({ _id: 'p2' })).to.deep.equal(catalog[1]);
        expect(await products.findOne({ _id: 'nope' })).to.equal(null);
      });

      it('filters with equality, ranges, $in, $or, dotted paths and array membership', async () => {
        const products = await seeded();
        const ids = async (filter: Record<string, unknown>) =>
          (await products.find(filter, { sort: { _id: 1 } })).map((p) => p._id);
        expect(await ids({ brand: 'Acme' })).to.deep.equal(['p1', 'p3']);
        expect(await ids({ price: { $gte: 1000, $lt: 3000 } })).to.deep.equal(['p2', 'p3']);
        expect(await ids({ brand: { $in: ['Zeta', 'Nova'] } })).to.deep.equal(['p2', 'p4']);
        expect(await ids({ $or: [{ price: { $lt: 600 } }, { brand: 'Nova' }] })).to.deep.equal(['p1', 'p4']);
        expect(await ids({ 'stock.onHand': { $gt: 0 } })).to.deep.equal(['p1', 'p2']);
        expect(await ids({ tags: 'sale' })).to.deep.equal(['p1', 'p4']);
        expect(await ids({ name: { $regex: '^c', $options: 'i' } })).to.deep.equal(['p3']);
        expect(await ids({ views: { $exists: false } })).to.deep.equal(['p2', 'p3', 'p4']);
      });

      it('sorts on several keys, skips, limits and projects', async () => {
        const products = await seeded();
        const page = await products.find({}, { sort: { brand: 1, price: -1 }, skip: 1, limit: 2 });
        expect(page.map((p) => p._id)).to.deep.equal(['p1', 'p4']);
        const named = await products.find({ brand: 'Acme' }, { sort: { _id: 1 }, projection: { name: 1 } });
        expect(named).to.deep.equal([
          { _id: 'p1', name: 'Anvil' },
          { _id: 'p3', name: 'Catapult' },
        ]);
      });

      it("sorts an array by its least element ascending and its greatest descending, an empty one below null, in BSON's order of types", async () => {
        const values = store.collection('values');
        const docs: Document[] = [
          { _id: 'a', v: [1, 5] },
          { _id: 'b', v: [3, 2] },
          { _id: 'c', v: [] },
          { _id: 'd' },
          { _id: 'e', v: null },
          { _id: 'f', v: 4 },
          { _id: 'g', v: 'text' },
          { _id: 'h', v: [[0]] },
          { _id: 'i', v: { x: 1 } },
          { _id: 'j', v: [true, 0] },
        ];
        for (const doc of docs) await values.insertOne(doc);
        const ids = (found: Document[]) => found.map((doc) => doc._id).join(' ');
        // Keys: a 1|5, b 2|3, c undefined (the empty array), d e null, h the array [0] (an array in an array is one element), j 0|true.
        const ascending = 'c d e j a b f g i h';
        const descending = 'j h i g a f b d e c';
        expect(ids(await values.find({}, { sort: { v: 1, _id: 1 } }))).to.equal(ascending);
        expect(ids(await values.find({}, { sort: { v: -1, _id: 1 } }))).to.equal(descending);
        expect(ids(await values.find({}, { sort: { v: -1, _id: 1 }, skip: 3, limit: 3, projection: { _id: 1 } }))).to.equal('g a f');
        expect(ids(await values.aggregate([{ $sort: { v: 1, _id: 1 } }]))).to.equal(ascending);
        const [faceted] = await values.aggregate<{ down: Document[] }>([{ $facet: { down: [{ $sort: { v: -1, _id: 1 } }, { $limit: 4 }] } }]);
        expect(ids(faceted!.down)).to.equal('j h i g');

        // A path through an array of documents: each element's value, null for one without it or for an empty array.
        const lines = store.collection('lines');
        for (const doc of [
          { _id: 'j', items: [{ p: 3 }, { p: 9 }] },
          { _id: 'k', items: [{ p: 5 }] },
          { _id: 'l', items: [{ q: 1 }, { p: 7 }] },
          { _id: 'm', items: [] },
        ]) {
          await lines.insertOne(doc);
        }
        expect(ids(await lines.find({}, { sort: { 'items.p': 1, _id: 1 } }))).to.equal('l m j k');
        expect(ids(await lines.find({}, { sort: { 'items.p': -1, _id: 1 } }))).to.equal('j l k m');
        expect(ids(await lines.aggregate([{ $sort: { 'items.p': -1, _id: 1 } }]))).to.equal('j l k m');
      });

      it('sorts strings by their code points (UTF-8 bytes), as MongoDB does: a character beyond U+FFFF after one below it', async () => {
        const names = store.collection('names');
        for (const [_id, name] of [['emoji', '\u{1F600}'], ['ligature', '\uFB01'], ['latin', 'z'], ['accented', '\u00E9']]) await names.insertOne({ _id, name });
        const ids = (found: Document[]) => found.map((doc) => doc._id).join(' ');
        expect(ids(await names.find({}, { sort: { name: 1 } }))).to.equal('latin accented ligature emoji');
        expect(ids(await names.find({}, { sort: { name: -1 }, limit: 2 }))).to.equal('emoji ligature');
        expect(ids(await names.aggregate([{ $sort: { name: 1 } }]))).to.equal('latin accented ligature emoji');
        expect(ids(await names.aggregate([{ $sort: { name: -1 } }, { $unwind: '$name' }]))).to.equal('emoji ligature accented latin');
        expect(await names.aggregate([{ $group: { _id: null, least: { $min: '$name' }, most: { $max: '$name' } } }])).to.deep.equal([{ _id: null, least: 'z', most: '\u{1F600}' }]);
        expect(await names.aggregate([{ $group: { _id: null, least: { $min: '$name' } } }])).to.deep.equal([{ _id: null, least: 'z' }]);
      });

      it('projects { _id: 0 } alone as an exclusion: every other field is kept', async () => {
        const products = await seeded();
        const rows = await products.aggregate([{ $match: { _id: 'p3' } }, { $project: { _id: 0 } }]);
        expect(rows).to.deep.equal([{ name: 'Catapult', brand: 'Acme', price: 2999, stock: { onHand: 0 } }]);
        const grouped = await products.aggregate([{ $group: { _id: '$brand', n: { $sum: 1 } } }, { $sort: { _id: 1 } }, { $project: { _id: 0 } }]);
        expect(grouped).to.deep.equal([{ n: 2 }, { n: 1 }, { n: 1 }]);
      });

      it('counts matching documents', async () => {
        const products = await seeded();
        expect(await products.countDocuments()).to.equal(4);
        expect(await products.countDocuments({ price: { $gt: 1000 } })).to.equal(3);
        expect(await products.countDocuments({ brand: 'Nobody' })).to.equal(0);
      });

      it('aggregates with $match, $group and $sort', async () => {
        const products = await seeded();
        const byBrand = await products.aggregate<{ _id: string; count: number; total: number }>([
          { $match: { price: { $gt: 100 } } },
          { $group: { _id: '$brand', count: { $sum: 1 }, total: { $sum: '$price' } } },
          { $sort: { _id: 1 } },
        ]);
        expect(byBrand).to.deep.equal([
          { _id: 'Acme', count: 2, total: 2999 + 500 },
          { _id: 'Nova', count: 1, total: 3500 },
          { _id: 'Zeta', count: 1, total: 1500 },
        ]);
      });

      it("runs search's shapes: $project of paths and a score, then $facet with $min names, $nin and pages of ids", async () => {
        const products = await seeded();
        await products.insertOne({ _id: 'p5', name: 'Emu', brand: 'ACME', price: 700, tags: ['new'], stock: { onHand: 1 } });
        for (const brand of ['Acme', 'ACME', 'Nova', 'Zeta']) await products.updateMany({ brand }, { $set: { key: brand.toLowerCase() } });
        const [answer] = await products.aggregate<Record<string, unknown>>([
          { $match: { price: { $gt: 100 } } },
          { $project: { brand: 1, key: 1, 'stock.onHand': 1, tags: 1, score: { $add: [{ $ifNull: ['$views', 1] }, 2] } } },
          {
            $facet: {
              total: [{ $count: 'n' }],
              brand: [
                { $group: { _id: '$brand', key: { $first: '$key' }, count: { $sum: 1 } } },
                { $group: { _id: '$key', name: { $min: '$_id' }, count: { $sum: '$count' } } },
                { $sort: { count: -1, _id: 1 } },
              ],
              ids: [{ $sort: { score: -1, 'stock.onHand': -1, _id: 1 } }, { $limit: 4 }, { $match: { tags: { $nin: ['sale'] } } }, { $skip: 1 }, { $limit: 2 }, { $project: { _id: 1 } }],
              rows: [{ $sort: { _id: 1 } }, { $limit: 2 }],
            },
          },
        ]);
        expect(answer).to.deep.equal({
          total: [{ n: 5 }],
          brand: [
            { _id: 'acme', name: 'ACME', count: 3 },
            { _id: 'nova', name: 'Nova', count: 1 },
            { _id: 'zeta', name: 'Zeta', count: 1 },
          ],
          // By score (views + 2, else 3), then stock: p1 (5), p2 (3, 9), p5 (3, 1), p3 (3, 0); p1 has "sale".
          ids: [{ _id: 'p5' }, { _id: 'p3' }],
          rows: [
            { _id: 'p1', brand: 'Acme', key: 'acme', stock: { onHand: 3 }, tags: ['sale'], score: 5 },
            { _id: 'p2', brand: 'Zeta', key: 'zeta', stock: { onHand: 9 }, tags: [], score: 3 },
          ],
        });
      });

      it('compares a field with undefined as with null (missing or null): an undefined value never drops its condition', async () => {
        const products = await seeded();
        const ids = async (filter: Record<string, unknown>) => (await products.find(filter, { sort: { _id: 1 } })).map((p) => p._id);
        expect(await ids({ views: undefined })).to.deep.equal(['p2', 'p3', 'p4']);
        expect(await ids({ $or: [{ views: { $ne: undefined } }, { _id: 'p4' }] })).to.deep.equal(['p1', 'p4']);
        expect(await products.countDocuments({ _id: undefined })).to.equal(0);
        expect(await products.findOne({ _id: 'p1', views: undefined })).to.equal(null);
        const matched = await products.aggregate<{ ids: Array<{ _id: string }> }>([
          { $match: { brand: 'Acme', views: undefined } },
          { $facet: { ids: [{ $match: { stock: { $ne: undefined } } }, { $project: { _id: 1 } }] } },
        ]);
        expect(matched).to.deep.equal([{ ids: [{ _id: 'p3' }] }]);
        // A conditional write whose condition is undefined (a claim not set) leaves a document that does not meet it alone.
        expect(await products.updateOne({ _id: 'p1', views: undefined }, { $set: { name: 'taken' } })).to.deep.equal({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
        expect(await products.deleteOne({ _id: 'p1', views: undefined })).to.deep.equal({ deletedCount: 0 });
        await store.bulkWrite([{ collection: 'products', deleteOne: { filter: { _id: 'p1', views: undefined } } }]);
        expect(await products.deleteMany({ brand: 'Acme', views: undefined })).to.deep.equal({ deletedCount: 1 });
        expect(await ids({})).to.deep.equal(['p1', 'p2', 'p4']);
        expect((await products.findOne({ _id: 'p1' }))!.name).to.equal('Anvil');
      });

      it('reads undefined in the values of $in, $nin and $all as null (missing or null)', async () => {
        const products = await seeded();
        const ids = async (filter: Record<string, unknown>) => (await products.find(filter, { sort: { _id: 1 } })).map((p) => p._id);
        expect(await ids({ views: { $in: [undefined] } })).to.deep.equal(['p2', 'p3', 'p4']);
        expect(await ids({ stock: { $in: [undefined] } })).to.deep.equal(['p4']);
        expect(await ids({ views: { $in: [undefined, 3] } })).to.deep.equal(['p1', 'p2', 'p3', 'p4']);
        expect(await ids({ views: { $nin: [undefined] } })).to.deep.equal(['p1']);
        expect(await ids({ views: { $all: [undefined] } })).to.deep.equal(['p2', 'p3', 'p4']);
        expect(await products.countDocuments({ $or: [{ stock: { $in: [undefined] } }, { _id: 'p1' }] })).to.equal(2);
        const unwound = await products.aggregate([{ $match: { stock: { $in: [undefined] } } }, { $unwind: '$tags' }, { $project: { tags: 1 } }]);
        expect(unwound).to.deep.equal([
          { _id: 'p4', tags: 'sale' },
          { _id: 'p4', tags: 'new' },
        ]);
        expect(await products.deleteMany({ views: { $nin: [undefined] } })).to.deep.equal({ deletedCount: 1 });
        expect(await ids({})).to.deep.equal(['p2', 'p3', 'p4']);
      });

      it('hands out copies: changing a returned document changes nothing stored', async () => {
        const products = await seeded();
        const found = (await products.findOne({ _id: 'p1' }))!;
        found.name = 'changed';
        found.tags!.push('mutated');
        expect(await products.findOne({ _id: 'p1' })).to.deep.equal(catalog[0]);
      });
    });

    writingContract({ store: () => store, seeded });

    describe('unique indexes', () => {
      it('rejects an insert or an update that would duplicate a unique key', async () => {
        const users = store.collection('users');
        await users.createIndex({ keys: { email: 1 }, unique: true, name: 'email_unique' });
        await users.createIndex({ keys: { email: 1 }, unique: true, name: 'email_unique' }); // idempotent
        await users.insertOne({ _id: 'u1', email: 'a@example.com' });
        await users.insertOne({ _id: 'u2', email: 'b@example.com' });
        expect(await rejection(users.insertOne({ _id: 'u3', email: 'a@example.com' }))).to.be.instanceOf(
          DuplicateKeyError,
        );
        expect(await rejection(users.updateOne({ _id: 'u2' }, { $set: { email: 'a@example.com' } }))).to.be.instanceOf(
          DuplicateKeyError,
        );
        await users.updateOne({ _id: 'u1' }, { $set: { email: 'c@example.com' } });
        await users.insertOne({ _id: 'u3', email: 'a@example.com' });
        expect(await users.countDocuments()).to.equal(3);
        expect((await users.findOne({ email: 'a@example.com' }))!._id).to.equal('u3');
      });

      it("refuses an index whose name or keys another index has with another spec, as MongoDB does (IndexKeySpecsConflict 86, IndexOptionsConflict 85)", async () => {
        const users = store.collection('users');
        expect(await users.createIndex({ keys: { email: 1 }, unique: true, name: 'email_unique' })).to.equal('email_unique');
        const conflict = async (spec: IndexSpec, code: number) => {
          const error = await rejection(users.createIndex(spec));
          expect(error, JSON.stringify(spec)).to.be.instanceOf(IndexConflictError);
          expect((error as IndexConflictError).code).to.equal(code);
        };
        await conflict({ keys: { email: 1 }, name: 'email_unique' }, 86); // the name, without unique
        await conflict({ keys: { name: 1 }, unique: true, name: 'email_unique' }, 86); // the name, other keys
        await conflict({ keys: { email: 1 }, unique: true, name: 'other' }, 85); // the keys and unique, another name
        await conflict({ keys: { email: 1 }, unique: true }, 85); // ... the default name (email_1)
        expect(await users.createIndex({ keys: { email: 1, name: 1 } })).to.equal('email_1_name_1');
        await conflict({ keys: { name: 1, email: 1 }, name: 'email_1_name_1' }, 86); // keys in another order are other keys
        // unique is part of an index's identity: a plain index of the same keys is another index.
        expect(await users.createIndex({ keys: { email: 1 } })).to.equal('email_1');
        expect(await users.createIndex({ keys: { email: 1 } })).to.equal('email_1');
        // What was refused was not created: the name is free, the unique index still holds.
        expect(await users.createIndex({ keys: { name: 1 }, name: 'other' })).to.equal('other');
        await users.insertOne({ _id: 'u1', email: 'a@example.com', name: 'A' });
        expect(await rejection(users.insertOne({ _id: 'u2', email: 'a@example.com', name: 'B' }))).to.be.instanceOf(DuplicateKeyError);
        expect(await users.countDocuments()).to.equal(1);
      });
    });

    describe('bulk writes', () => {
      it('apply across collections all together', async () => {
        await store.bulkWrite([
          { collection: 'a', insertOne: { document: { _id: '1', n: 1 } } },
          { collection: 'b', updateOne: { filter: { _id: 'x' }, update: { $set: { n: 2 } }, upsert: true } },
          { collection: 'a', updateOne: { filter: { _id: '1' }, update: { $inc: { n: 10 } } } },
          { collection: 'b', replaceOne: { filter: { _id: 'y' }, replacement: { _id: 'y', n: 3 }, upsert: true } },
        ]);
        expect(await store.collection('a').find({})).to.deep.equal([{ _id: '1', n: 11 }]);
        expect(await store.collection('b').find({}, { sort: { _id: 1 } })).to.deep.equal([
          { _id: 'x', n: 2 },
          { _id: 'y', n: 3 },
        ]);
      });

      it('write nothing at all when one operation fails', async () => {
        await store.collection('a').insertOne({ _id: 'taken', n: 0 });
        const error = await rejection(
          store.bulkWrite([
            { collection: 'b', insertOne: { document: { _id: 'first', n: 1 } } },
            { collection: 'a', updateOne: { filter: { _id: 'taken' }, update: { $set: { n: 5 } } } },
            { collection: 'a', insertOne: { document: { _id: 'taken', n: 2 } } },
          ]),
        );
        expect(error).to.be.instanceOf(DuplicateKeyError);
        expect(await store.collection('b').countDocuments()).to.equal(0);
        expect(await store.collection('a').find({})).to.deep.equal([{ _id: 'taken', n: 0 }]);
      });

      it('that need no fsync are still all or nothing, and later durable writes go on as before', async () => {
        await store.collection('a').insertOne({ _id: 'taken', n: 0 });
        const error = await rejection(
          store.bulkWrite(
            [
              { collection: 'b', insertOne: { document: { _id: 'first', n: 1 } } },
              { collection: 'a', insertOne: { document: { _id: 'taken', n: 2 } } },
            ],
            { durable: false },
          ),
        );
        expect(error).to.be.instanceOf(DuplicateKeyError);
        expect(await store.collection('b').countDocuments()).to.equal(0);
        await store.bulkWrite([{ collection: 'b', insertOne: { document: { _id: 'second', n: 2 } } }], { durable: false });
        await store.bulkWrite([{ collection: 'b', insertOne: { document: { _id: 'third', n: 3 } } }]);
        expect(await store.collection('b').find({}, { sort: { _id: 1 } })).to.deep.equal([
          { _id: 'second', n: 2 },
          { _id: 'third', n: 3 },
        ]);
      });
    });

    describe('loads (rebuilds)', () => {
      it('store documents by id, replacing or deleting them, in the order of the calls', async () => {
        await store.collection('a').insertOne({ _id: '1', n: 0, old: true });
        await store.collection('a').insertOne({ _id: '2', n: 0 });
        expect(await store.collection('a').countDocuments()).to.equal(2);
        // Not awaited one by one: the second comes after the first all the same.
        const first = store.load([
          { collection: 'a', id: '1', doc: { _id: '1', n: 1 } },
          { collection: 'b', id: 'x', doc: { _id: 'x', n: 1 } },
          { collection: 'a', id: '2', doc: null },
        ]);
        const second = store.load([
          { collection: 'a', id: '1', doc: { _id: '1', n: 2 } },
          { collection: 'a', id: '3', doc: { _id: 'ignored', n: 3 } },
        ]);
        await Promise.all([first, second]);
        expect(await store.collection('a').find({}, { sort: { _id: 1 } })).to.deep.equal([
          { _id: '1', n: 2 },
          { _id: '3', n: 3 },
        ]);
        expect(await store.collection('b').find({})).to.deep.equal([{ _id: 'x', n: 1 }]);
        expect(await store.collection('a').findOne({ _id: '2' })).to.equal(null);
      });

      it('reject a document that breaks a unique index', async () => {
        await store.collection('users').createIndex({ keys: { email: 1 }, unique: true });
        await store.collection('users').insertOne({ _id: 'u1', email: 'a@example.com' });
        const error = await rejection(store.load([{ collection: 'users', id: 'u2', doc: { _id: 'u2', email: 'a@example.com' } }]));
        expect(error).to.be.instanceOf(DuplicateKeyError);
        expect((await store.collection('users').find({})).map((u) => u._id)).to.deep.equal(['u1']);
      });
    });

    describe('collections', () => {
      it('renames a collection over an existing one, atomically replacing it', async () => {
        await store.collection('live').insertOne({ _id: 'old', v: 1 });
        await store.collection('next').insertOne({ _id: 'new', v: 2 });
        await store.renameCollection('next', 'live');
        expect(await store.collection('live').find({})).to.deep.equal([{ _id: 'new', v: 2 }]);
        expect(await store.collection('next').countDocuments()).to.equal(0);
        const names = await store.listCollections();
        expect(names).to.include('live');
        expect(names).to.not.include('next');
      });

      it('drops a collection and its documents', async () => {
        await store.collection('gone').insertOne({ _id: '1' });
        await store.dropCollection('gone');
        await store.dropCollection('never-existed');
        expect(await store.collection('gone').countDocuments()).to.equal(0);
        expect(await store.listCollections()).to.not.include('gone');
      });

      it('answers a ping', async () => {
        await store.ping();
      });
    });
  });
};

