import { expect } from 'chai';
import type { Document, ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { catalog, type ContractCase } from './read-model-store-fixture.js';

/** The read-model store contract's queries (part of readModelStoreContract, on every adapter): MongoDB's semantics. */
export const queryingContract = (current: ContractCase) =>
  describe('querying', () => {
    let store: ReadModelStore;
    beforeEach(() => {
      store = current.store();
    });
    const seeded = current.seeded;

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

    it("projects a find's answers as MongoDB does: fields and dotted paths kept, _id left out when asked, fields excluded, paths through arrays", async () => {
      const products = await seeded();
      expect(await products.findOne({ _id: 'p1' }, { projection: { 'stock.onHand': 1, _id: 0 } })).to.deep.equal({ stock: { onHand: 3 } });
      expect(await products.findOne({ _id: 'p4' }, { projection: { name: 1, stock: 1, 'missing.path': 1 } })).to.deep.equal({ _id: 'p4', name: 'Drone' });
      expect(await products.findOne({ _id: 'p1' }, { projection: { stock: 0, tags: 0, views: 0 } })).to.deep.equal({ _id: 'p1', name: 'Anvil', brand: 'Acme', price: 500 });
      const orders = store.collection('orders');
      await orders.insertOne({ _id: 'o1', lines: [{ sku: 'a', quantity: 1 }, { sku: 'b', quantity: 2 }], total: 7 });
      expect(await orders.findOne({ _id: 'o1' }, { projection: { 'lines.sku': 1 } })).to.deep.equal({ _id: 'o1', lines: [{ sku: 'a' }, { sku: 'b' }] });
      const answer = (await products.findOne({ _id: 'p1' }, { projection: { stock: 1 } }))!;
      (answer.stock as { onHand: number }).onHand = 99;
      expect(await products.findOne({ _id: 'p1' }, { projection: { stock: 1 } }), 'an answer is a copy').to.deep.equal({ _id: 'p1', stock: { onHand: 3 } });
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
