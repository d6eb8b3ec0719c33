import { expect } from 'chai';
import { DuplicateKeyError, IndexConflictError, type IndexSpec, type ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { catalog, rejection, type Product } from './read-model-store-fixture.js';
import { queryingContract } from './read-model-store-queries.contract.js';
import { writingContract } from './read-model-store-writes.contract.js';

/**
 * The one contract every read-model adapter keeps: MongoDB's semantics. Its queries are in
 * read-model-store-queries.contract.ts and its writes in read-model-store-writes.contract.ts; both run here, on each adapter.
 */
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

    queryingContract({ store: () => store, seeded });

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

      it('upsert by `_id` and another field: the document matching both is replaced or updated; one whose field differs is a duplicate key, as a guard', async () => {
        await store.collection('a').insertOne({ _id: 'cp', collection: 'orders', position: 1 });
        await store.collection('a').insertOne({ _id: 'tagged', tags: ['x', 'y'], n: 0 });
        await store.bulkWrite([
          { collection: 'a', replaceOne: { filter: { _id: 'cp', collection: 'orders' }, replacement: { _id: 'cp', collection: 'orders', position: 2 }, upsert: true } },
          { collection: 'a', updateOne: { filter: { _id: 'cp', collection: 'orders', position: 2 }, update: { $inc: { position: 1 } }, upsert: true } },
          // An array field holding the value matches it (MongoDB's equality on arrays).
          { collection: 'a', updateOne: { filter: { _id: 'tagged', tags: 'y' }, update: { $inc: { n: 1 } }, upsert: true } },
        ]);
        expect(await store.collection('a').find({}, { sort: { _id: 1 } })).to.deep.equal([
          { _id: 'cp', collection: 'orders', position: 3 },
          { _id: 'tagged', tags: ['x', 'y'], n: 1 },
        ]);
        for (const operation of [
          { collection: 'a', replaceOne: { filter: { _id: 'cp', collection: 'orders_v2' }, replacement: { _id: 'cp', collection: 'orders_v2', position: 9 }, upsert: true } },
          { collection: 'a', updateOne: { filter: { _id: 'cp', position: 2 }, update: { $set: { position: 9 } }, upsert: true } },
          { collection: 'a', updateOne: { filter: { _id: 'tagged', tags: 'z' }, update: { $inc: { n: 1 } }, upsert: true } },
        ]) {
          const error = await rejection(store.bulkWrite([{ collection: 'b', insertOne: { document: { _id: 'first', n: 1 } } }, operation], { durable: false }));
          expect(error, JSON.stringify(operation)).to.be.instanceOf(DuplicateKeyError);
        }
        expect(await store.collection('b').countDocuments()).to.equal(0);
        expect(await store.collection('a').find({}, { sort: { _id: 1 } })).to.deep.equal([
          { _id: 'cp', collection: 'orders', position: 3 },
          { _id: 'tagged', tags: ['x', 'y'], n: 1 },
        ]);
        // Without upsert, a field that differs matches nothing and changes nothing.
        await store.bulkWrite([{ collection: 'a', updateOne: { filter: { _id: 'cp', collection: 'payments' }, update: { $set: { position: 0 } } } }]);
        expect(await store.collection('a').findOne({ _id: 'cp' })).to.deep.equal({ _id: 'cp', collection: 'orders', position: 3 });
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

