import { expect } from 'chai';
import { MongoServerError, type Collection } from 'mongodb';
import { MongoReadModelCollection, MongoReadModelStore, batchesByCollection } from '../../src/infrastructure/read-models/mongo-read-model-store.js';
import { serverFilter, serverPipeline } from '../../src/infrastructure/read-models/mongo-filter.js';
import { DuplicateKeyError, IndexConflictError, type Document, type WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';

/** What the MongoDB read-model store sends to the driver (a faked one): queries, filters, updates, write concerns, indexes. */
describe('MongoDB adapter: calls to the driver', () => {
  describe('queries sent to the driver', () => {
    /** The driver's collection as far as reads go: records each call's options, answers nothing. */
    const driverCollection = () => {
      const calls: Array<{ method: string; options: unknown }> = [];
      const answer = (method: string) => (_query: unknown, options?: unknown) => {
        calls.push({ method, options });
        return { toArray: async () => [] };
      };
      const fake = { collectionName: 'search', find: answer('find'), aggregate: answer('aggregate') };
      return { calls, collection: new MongoReadModelCollection(fake as unknown as Collection<Document>) };
    };

    it('lets aggregations and sorted finds spill to disk past 100 MB (deep pages), as MongoDB 5.0 needs to be told', async () => {
      const { calls, collection } = driverCollection();
      await collection.aggregate([{ $match: {} }, { $facet: { items: [{ $sort: { createdAt: -1 } }, { $skip: 999_900 }, { $limit: 100 }] } }]);
      await collection.find({}, { sort: { createdAt: -1 }, skip: 999_900, limit: 100, readonly: true });
      await collection.find({ _id: { $in: ['a'] } }, { readonly: true });
      expect(calls).to.deep.equal([
        { method: 'aggregate', options: { allowDiskUse: true } },
        { method: 'find', options: { sort: { createdAt: -1 }, skip: 999_900, limit: 100, allowDiskUse: true } },
        { method: 'find', options: {} },
      ]);
    });
  });

  describe('filters sent to the driver (whose ignoreUndefined would drop an undefined condition)', () => {
    /** The driver's collection: records each call's filter, answers as a driver that matched nothing. */
    const driverCollection = () => {
      const filters: Array<[string, unknown]> = [];
      const record =
        (method: string, answer: unknown) =>
        (filter: unknown): unknown => {
          filters.push([method, filter]);
          return answer;
        };
      const updated = Promise.resolve({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
      const fake = {
        collectionName: 'jobs',
        find: record('find', { toArray: async () => [] }),
        aggregate: record('aggregate', { toArray: async () => [] }),
        findOne: record('findOne', Promise.resolve(null)),
        countDocuments: record('countDocuments', Promise.resolve(0)),
        replaceOne: record('replaceOne', updated),
        updateOne: record('updateOne', updated),
        updateMany: record('updateMany', updated),
        deleteOne: record('deleteOne', Promise.resolve({ deletedCount: 0 })),
        deleteMany: record('deleteMany', Promise.resolve({ deletedCount: 0 })),
      };
      return { filters, collection: new MongoReadModelCollection(fake as unknown as Collection<Document>) };
    };

    it('sends a condition on undefined as one on null, as the embedded store reads it (missing or null)', async () => {
      const { filters, collection } = driverCollection();
      const claimed = { _id: 'j1', claim: undefined };
      await collection.find(claimed);
      await collection.findOne({ $or: [claimed, { owner: { $ne: undefined } }] });
      await collection.countDocuments({ tags: { $elemMatch: { $eq: undefined } } });
      await collection.replaceOne(claimed, { _id: 'j1' });
      await collection.updateOne(claimed, { $set: { done: true } });
      await collection.updateMany({ $and: [{ claim: undefined }] }, { $set: { done: true } });
      await collection.deleteOne(claimed);
      await collection.deleteMany({ claim: { $not: { $eq: undefined } } });
      await collection.aggregate([{ $match: claimed }, { $facet: { rest: [{ $match: { owner: undefined } }], all: [{ $count: 'n' }] } }]);
      const sent = { _id: 'j1', claim: null };
      expect(filters).to.deep.equal([
        ['find', sent],
        ['findOne', { $or: [sent, { owner: { $ne: null } }] }],
        ['countDocuments', { tags: { $elemMatch: { $eq: null } } }],
        ['replaceOne', sent],
        ['updateOne', sent],
        ['updateMany', { $and: [{ claim: null }] }],
        ['deleteOne', sent],
        ['deleteMany', { claim: { $not: { $eq: null } } }],
        ['aggregate', [{ $match: sent }, { $facet: { rest: [{ $match: { owner: null } }], all: [{ $count: 'n' }] } }]],
      ]);
    });

    it('sends undefined in the values of $in, $nin and $all as null, as the embedded store reads them', async () => {
      const { filters, collection } = driverCollection();
      await collection.find({ _id: { $in: ['a', undefined] }, $or: [{ tags: { $all: [undefined] } }, { owner: { $nin: [undefined, 'x'] } }] });
      await collection.aggregate([{ $match: { claim: { $in: [undefined] } } }]);
      expect(filters).to.deep.equal([
        ['find', { _id: { $in: ['a', null] }, $or: [{ tags: { $all: [null] } }, { owner: { $nin: [null, 'x'] } }] }],
        ['aggregate', [{ $match: { claim: { $in: [null] } } }]],
      ]);
    });

    it('leaves values, whole documents compared, lists of defined values and $expr as they are', () => {
      const filter = { _id: { $in: ['a', null] }, tags: { $nin: ['x'] }, address: { city: undefined }, $expr: { $eq: ['$a', undefined] }, n: 1 };
      expect(serverFilter(filter)).to.equal(filter);
      const pipeline = [{ $match: { n: 1 } }, { $facet: { all: [{ $count: 'n' }] } }, { $project: { gone: undefined } }];
      expect(serverPipeline(pipeline)).to.equal(pipeline);
    });

    it('maps the filters of bulk writes too', () => {
      expect(batchesByCollection([{ collection: 'jobs', deleteOne: { filter: { _id: 'j1', claim: undefined } } }])).to.deep.equal([
        { collection: 'jobs', models: [{ deleteOne: { filter: { _id: 'j1', claim: null } } }] },
      ]);
    });
  });

  describe('updates sent to the driver (whose ignoreUndefined would leave $set: { k: undefined } out and keep the old k)', () => {
    const driverCollection = () => {
      const updates: Array<[string, unknown]> = [];
      const record = (method: string) => (_filter: unknown, update: unknown) => {
        updates.push([method, update]);
        return Promise.resolve({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      };
      const fake = { collectionName: 'docs', updateOne: record('updateOne'), updateMany: record('updateMany') };
      return { updates, collection: new MongoReadModelCollection(fake as unknown as Collection<Document>) };
    };

    it('sends $set of undefined as $unset, and leaves other operators on undefined out, as the embedded store applies them', async () => {
      const { updates, collection } = driverCollection();
      await collection.updateOne({ _id: 'u1' }, { $set: { a: undefined, b: 2, 'n.m': undefined }, $inc: { c: undefined, d: 1 } });
      await collection.updateMany({}, { $set: { a: undefined } });
      await collection.updateOne({ _id: 'u2' }, { $setOnInsert: { kind: undefined }, $unset: { gone: undefined } }, { upsert: true });
      await collection.updateOne({ _id: 'u3' }, { $inc: { n: undefined } });
      expect(updates).to.deep.equal([
        ['updateOne', { $set: { b: 2 }, $inc: { d: 1 }, $unset: { a: '', 'n.m': '' } }],
        ['updateMany', { $unset: { a: '' } }],
        ['updateOne', { $unset: { gone: '' } }],
        // Nothing left to do: MongoDB 5.0+ takes an empty operator as a no-op.
        ['updateOne', { $inc: {} }],
      ]);
    });

    it('maps the updates of bulk writes too, and leaves updates without undefined and pipelines as they are', () => {
      const pipeline = [{ $set: { at: { $toLong: '$$NOW' } } }];
      const plain = { $set: { a: 1 } };
      expect(
        batchesByCollection([
          { collection: 'docs', updateOne: { filter: { _id: 'u1' }, update: { $set: { a: undefined, b: 1 } } } },
          { collection: 'docs', updateMany: { filter: {}, update: pipeline } },
          { collection: 'docs', updateOne: { filter: { _id: 'u2' }, update: plain, upsert: true } },
        ]),
      ).to.deep.equal([
        {
          collection: 'docs',
          models: [
            { updateOne: { filter: { _id: 'u1' }, update: { $set: { b: 1 }, $unset: { a: '' } } } },
            { updateMany: { filter: {}, update: pipeline } },
            { updateOne: { filter: { _id: 'u2' }, update: plain, upsert: true } },
          ],
        },
      ]);
    });
  });

  describe('write concerns sent to the driver (without one a write takes the deployment default, which may be w: 1)', () => {
    const durable = { w: 'majority', journal: true };
    const majority = { w: 'majority' };

    it('asks a majority to journal a durable single write, and a majority to have one that may be lost', async () => {
      const calls: Array<[string, unknown]> = [];
      const record = (method: string, answer: unknown) => (...args: unknown[]) => {
        calls.push([method, args.at(-1)]);
        return Promise.resolve(answer);
      };
      const updated = { matchedCount: 1, modifiedCount: 1, upsertedId: null };
      const fake = {
        collectionName: 'docs',
        insertOne: record('insertOne', { insertedId: 'd1' }),
        replaceOne: record('replaceOne', updated),
        updateOne: record('updateOne', updated),
        updateMany: record('updateMany', updated),
        deleteOne: record('deleteOne', { deletedCount: 1 }),
        deleteMany: record('deleteMany', { deletedCount: 1 }),
      };
      const collection = new MongoReadModelCollection(fake as unknown as Collection<Document>);
      await collection.insertOne({ _id: 'd1' });
      await collection.replaceOne({ _id: 'd1' }, { _id: 'd1', a: 1 }, { upsert: true });
      await collection.updateOne({ _id: 'd1' }, { $set: { a: 2 } }, { durable: true });
      await collection.updateMany({}, { $set: { a: 3 } }, { durable: false, upsert: false });
      await collection.deleteOne({ _id: 'd1' }, { durable: false });
      await collection.deleteMany({});
      expect(calls).to.deep.equal([
        ['insertOne', { writeConcern: durable }],
        ['replaceOne', { upsert: true, writeConcern: durable }],
        ['updateOne', { writeConcern: durable }],
        ['updateMany', { upsert: false, writeConcern: majority }],
        ['deleteOne', { writeConcern: majority }],
        ['deleteMany', { writeConcern: durable }],
      ]);
    });

    it('commits a durable bulk write with a majority journaling it, one that may be lost with a majority', async () => {
      const transactions: unknown[] = [];
      const session = {
        withTransaction: async (work: () => Promise<void>, options: unknown) => {
          transactions.push(options);
          await work();
        },
      };
      const client = { withSession: (work: (s: typeof session) => Promise<void>) => work(session) };
      const db = { collection: () => ({ bulkWrite: async () => ({}) }) };
      const store = new (MongoReadModelStore as unknown as new (client: unknown, db: unknown) => MongoReadModelStore)(client, db);
      const write: WriteOperation[] = [{ collection: 'docs', insertOne: { document: { _id: 'd1' } } }];
      await store.bulkWrite(write);
      await store.bulkWrite(write, { durable: false });
      expect(transactions).to.deep.equal([{ writeConcern: durable }, { writeConcern: majority }]);
    });

    it('has a majority write the loads, drops and renames that later majority writes build on (a checkpoint, a rebuild swap)', async () => {
      const calls: Array<[string, unknown]> = [];
      const db = {
        collection: () => ({ bulkWrite: async (_models: unknown, options: unknown) => calls.push(['bulkWrite', options]) }),
        dropCollection: async (_name: string, options: unknown) => calls.push(['dropCollection', options]),
        renameCollection: async (_from: string, _to: string, options: unknown) => calls.push(['renameCollection', options]),
      };
      const store = new (MongoReadModelStore as unknown as new (client: unknown, db: unknown) => MongoReadModelStore)({}, db);
      await store.load([{ collection: 'docs', id: 'd1', doc: { _id: 'd1' } }]);
      await store.dropCollection('old');
      await store.renameCollection('docs_next', 'docs');
      expect(calls).to.deep.equal([
        ['bulkWrite', { ordered: true, writeConcern: majority }],
        ['dropCollection', { writeConcern: majority }],
        ['renameCollection', { dropTarget: true, writeConcern: majority }],
      ]);
    });
  });

  describe('createIndex', () => {
    const refusing = (error: unknown) =>
      new MongoReadModelCollection({ collectionName: 'users', createIndex: () => Promise.reject(error) } as unknown as Collection<Document>);

    it("reports the server's IndexKeySpecsConflict and IndexOptionsConflict as the port's IndexConflictError, as the embedded store does", async () => {
      for (const [code, codeName] of [
        [86, 'IndexKeySpecsConflict'],
        [85, 'IndexOptionsConflict'],
      ] as const) {
        const server = new MongoServerError({ message: 'An existing index has the same name as the requested index', code, codeName });
        const error = await refusing(server).createIndex({ keys: { email: 1 }, name: 'email_unique' }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(IndexConflictError);
        expect(error).to.include({ code, collection: 'users', codeName, cause: server });
      }
    });

    it('leaves other failures as they are, and reports a unique index over clashing documents as a duplicate key', async () => {
      const other = new MongoServerError({ message: 'too many indexes', code: 67 });
      expect(await refusing(other).createIndex({ keys: { a: 1 } }).catch((e: unknown) => e)).to.equal(other);
      const clash = new MongoServerError({ message: 'E11000 duplicate key error', code: 11000, keyValue: { email: 'a@b.c' } });
      expect(await refusing(clash).createIndex({ keys: { email: 1 }, unique: true }).catch((e: unknown) => e)).to.be.instanceOf(DuplicateKeyError);
    });
  });

});
