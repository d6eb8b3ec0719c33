import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  MongoServerSelectionError,
  type BulkWriteResult,
  type Collection,
  type ServerDescription,
  type TopologyDescription,
  type WriteError,
} from 'mongodb';
import {
  MongoReadModelCollection,
  MongoReadModelStore,
  batchesByCollection,
  databaseNameOf,
  duplicateKeyOf,
  keyOfMessage,
} from '../../src/infrastructure/read-models/mongo-read-model-store.js';
import { serverFilter, serverPipeline } from '../../src/infrastructure/read-models/mongo-filter.js';
import { connectFailure, redacted, serverTooOld, transactionsUnavailable } from '../../src/infrastructure/read-models/mongo-server.js';
import { DuplicateKeyError, IndexConflictError, type Document, type WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { readModelStoreContract } from './read-model-store.contract.js';

// Runs only against a real server: `docker compose up -d mongo`, then MONGODB_URL=... npm run test:integration.
const url = process.env.MONGODB_URL;
if (url) {
  let store: MongoReadModelStore | undefined;
  let database = '';

  readModelStoreContract(
    'MongoDB',
    async () => {
      database = `shop_test_${randomBytes(6).toString('hex')}`;
      store = undefined;
      store = await MongoReadModelStore.connect(url, { database });
      return store;
    },
    async () => {
      await store?.close();
      const client = await new MongoClient(url).connect();
      await client.db(database).dropDatabase();
      await client.close();
    },
  );

  describe('MongoDB adapter: connecting', () => {
    it('connects to a server that can run transactions (the replica set the contract suite uses)', async () => {
      const connected = await MongoReadModelStore.connect(url, { database: `shop_test_${randomBytes(6).toString('hex')}` });
      await connected.close();
    });
  });
}

describe('MongoDB adapter mapping', () => {
  describe('duplicateKeyOf', () => {
    it('takes the keyValue a single write reports', () => {
      const error = new MongoServerError({
        message: 'E11000 duplicate key error collection: shop.products index: sku_1 dup key: { sku: "A-1" }',
        code: 11000,
        keyPattern: { sku: 1 },
        keyValue: { sku: 'A-1' },
      });
      expect(duplicateKeyOf(error)).to.deep.equal({ sku: 'A-1' });
    });

    it('reads the key back from the message of a bulk write error, which drops keyValue', () => {
      const errmsg = 'E11000 duplicate key error collection: shop.carts index: _id_ dup key: { _id: "cart-7" }';
      expect(duplicateKeyOf(bulkError(11000, [{ code: 11000, errmsg }]))).to.deep.equal({ _id: 'cart-7' });
    });

    it('finds the duplicate among several write errors', () => {
      const errmsg = 'E11000 duplicate key error collection: shop.users index: email_1 dup key: { email: "a@b.c" }';
      const error = bulkError(121, [{ code: 121, errmsg: 'Document failed validation' }, { code: 11000, errmsg }]);
      expect(duplicateKeyOf(error)).to.deep.equal({ email: 'a@b.c' });
    });

    it('still reports a duplicate, with an empty key, when the message cannot be read', () => {
      const unreadable = bulkError(11000, [{ code: 11000, errmsg: 'E11000 duplicate key error' }]);
      expect(duplicateKeyOf(unreadable)).to.deep.equal({});
    });

    it('ignores every other error', () => {
      expect(duplicateKeyOf(new MongoServerError({ message: 'ns not found', code: 26 }))).to.equal(undefined);
      expect(duplicateKeyOf(bulkError(121, [{ code: 121, errmsg: 'Document failed validation' }]))).to.equal(undefined);
      expect(duplicateKeyOf(new Error('E11000 lookalike'))).to.equal(undefined);
      expect(duplicateKeyOf(null)).to.equal(undefined);
      expect(duplicateKeyOf('E11000')).to.equal(undefined);
    });
  });

  describe('keyOfMessage', () => {
    const message = (key: string) => `E11000 duplicate key error collection: shop.x index: i_1 dup key: ${key}`;

    it('reads compound keys, dotted paths, numbers and strings holding commas or quotes', () => {
      expect(keyOfMessage(message('{ shop: "s1", sku: "A, B" }'))).to.deep.equal({ shop: 's1', sku: 'A, B' });
      expect(keyOfMessage(message('{ address.city: "Oslo", n: 5.0 }'))).to.deep.equal({
        'address.city': 'Oslo',
        n: 5,
      });
      expect(keyOfMessage(message('{ name: "say \\"hi\\"" }'))).to.deep.equal({ name: 'say "hi"' });
      expect(keyOfMessage(message('{ active: true, gone: null }'))).to.deep.equal({ active: true, gone: null });
    });

    it('keeps non-JSON values as the server wrote them', () => {
      expect(keyOfMessage(message(`{ _id: ObjectId('64b7f0c2a1b2c3d4e5f60718') }`))).to.deep.equal({
        _id: `ObjectId('64b7f0c2a1b2c3d4e5f60718')`,
      });
    });

    it('gives up on nested values, unnamed fields and other messages', () => {
      expect(keyOfMessage(message('{ a: { b: 1 } }'))).to.equal(undefined);
      expect(keyOfMessage(message('{ : "x" }'))).to.equal(undefined);
      expect(keyOfMessage('Document failed validation')).to.equal(undefined);
    });
  });

  describe('transactionsUnavailable (what connect refuses, from the hello answer)', () => {
    const toSet = { directConnection: false };
    const direct = { directConnection: true };

    it('refuses a standalone mongod, naming the fix: a single-node replica set and ?replicaSet=rs0', () => {
      const problem = transactionsUnavailable({ isWritablePrimary: true, maxWireVersion: 21, ok: 1 }, toSet);
      expect(problem).to.match(/standalone/).and.match(/--replSet rs0/).and.match(/rs\.initiate\(\)/).and.match(/\?replicaSet=rs0/);
    });

    it('refuses a member whose replica set is not initiated yet', () => {
      expect(transactionsUnavailable({ isreplicaset: true, isWritablePrimary: false }, direct)).to.match(/not initiated: run rs\.initiate\(\)/);
    });

    it('refuses a secondary or an arbiter reached directly, naming the set to connect to', () => {
      for (const member of [{ secondary: true }, { arbiterOnly: true }]) {
        const problem = transactionsUnavailable({ setName: 'shopset', isWritablePrimary: false, ...member }, direct);
        expect(problem).to.match(/not the primary/).and.match(/\?replicaSet=shopset/).and.match(/directConnection/);
      }
    });

    it('accepts a member that answers as a secondary over a connection to the set: the primary stepped down meanwhile (an election)', () => {
      // The driver sent hello to the member it knew as the primary; the set elects another, and writes wait for it.
      expect(transactionsUnavailable({ setName: 'rs0', isWritablePrimary: false, secondary: true }, toSet)).to.equal(undefined);
    });

    it('accepts a replica-set primary (hello, or isMaster before 4.4.2) and a mongos', () => {
      for (const connection of [toSet, direct]) {
        expect(transactionsUnavailable({ setName: 'rs0', isWritablePrimary: true }, connection)).to.equal(undefined);
        expect(transactionsUnavailable({ setName: 'rs0', ismaster: true }, connection)).to.equal(undefined);
        expect(transactionsUnavailable({ msg: 'isdbgrid', isWritablePrimary: true }, connection)).to.equal(undefined);
      }
    });
  });

  describe('serverTooOld', () => {
    it('refuses MongoDB before 5.0, which refuses dotted field names in replacements (a SKU as a key)', () => {
      expect(serverTooOld({ setName: 'rs0', isWritablePrimary: true, maxWireVersion: 9 })).to.match(/older than MongoDB 5\.0 \(wire version 9\)/);
      for (const maxWireVersion of [13, 17, 21, 25]) expect(serverTooOld({ setName: 'rs0', maxWireVersion })).to.equal(undefined);
    });
  });

  describe('connectFailure (a connect that found no server to use)', () => {
    /** The driver's own view of a server from its hello answer (SDAM's server description). */
    const seen = (address: string, hello: Record<string, unknown>) =>
      new driverSdam.ServerDescription(address, { ok: 1, minWireVersion: 0, maxWireVersion: 21, ...hello });
    const selectionFailed = (...servers: Array<{ address: string }>) =>
      new MongoServerSelectionError(
        'Server selection timed out after 30000 ms',
        new driverSdam.TopologyDescription('Unknown', new Map(servers.map((server) => [server.address, server]))),
      );

    it('names an uninitiated replica set, which the driver never selects, instead of a bare selection timeout', () => {
      const timeout = selectionFailed(seen('mongo:27017', { isreplicaset: true, isWritablePrimary: false, secondary: false }));
      const error = connectFailure('mongodb://shop:pw@mongo:27017/shop', timeout) as Error;
      expect(error.message).to.equal('MongoDB at mongodb://shop:***@mongo:27017/shop: the server was started as a replica-set member but the set is not initiated: run rs.initiate() once');
      expect(error.cause).to.equal(timeout);
    });

    it('names a replica set without a primary', () => {
      const secondary = seen('db1:27017', { setName: 'rs0', secondary: true, isWritablePrimary: false, hosts: ['db1:27017', 'db2:27017'] });
      const error = connectFailure('mongodb://db1,db2/shop?replicaSet=rs0', selectionFailed(secondary)) as Error;
      expect(error.message).to.match(/replica set rs0 has no primary/);
    });

    it('leaves other failures as the driver made them (an unreachable server, a refused login)', () => {
      const unreachable = selectionFailed(new driverSdam.ServerDescription('mongo:27017'));
      expect(connectFailure('mongodb://mongo:27017', unreachable)).to.equal(unreachable);
      const other = new Error('Authentication failed.');
      expect(connectFailure('mongodb://mongo:27017', other)).to.equal(other);
    });
  });

  describe('redacted', () => {
    it('names the server in its message without the password', () => {
      expect(redacted('mongodb://shop:s3cr%40t@db1:27017,db2/shop?replicaSet=rs0')).to.equal('mongodb://shop:***@db1:27017,db2/shop?replicaSet=rs0');
      expect(redacted('mongodb+srv://u:p@cluster.example.net/')).to.equal('mongodb+srv://u:***@cluster.example.net/');
      expect(redacted('mongodb://localhost:27017/shop')).to.equal('mongodb://localhost:27017/shop');
    });
  });

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

  describe('batchesByCollection', () => {
    it('groups consecutive operations on one collection, in order, without the collection field', () => {
      const operations: WriteOperation[] = [
        { collection: 'orders', insertOne: { document: { _id: 'o1' } } },
        { collection: 'orders', updateOne: { filter: { _id: 'o0' }, update: { $set: { paid: true } }, upsert: true } },
        { collection: 'checkpoints', replaceOne: { filter: { _id: 'orders' }, replacement: { _id: 'orders', at: 9 } } },
        { collection: 'orders', deleteMany: { filter: { paid: false } } },
      ];
      expect(batchesByCollection(operations)).to.deep.equal([
        {
          collection: 'orders',
          models: [
            { insertOne: { document: { _id: 'o1' } } },
            { updateOne: { filter: { _id: 'o0' }, update: { $set: { paid: true } }, upsert: true } },
          ],
        },
        {
          collection: 'checkpoints',
          models: [{ replaceOne: { filter: { _id: 'orders' }, replacement: { _id: 'orders', at: 9 } } }],
        },
        { collection: 'orders', models: [{ deleteMany: { filter: { paid: false } } }] },
      ]);
    });

    it('makes no batch of no operations', () => {
      expect(batchesByCollection([])).to.deep.equal([]);
    });
  });

  describe('databaseNameOf', () => {
    it('takes the database from the URL path', () => {
      expect(databaseNameOf('mongodb://localhost:27017/shop?replicaSet=rs0')).to.equal('shop');
      expect(databaseNameOf('mongodb://u:p%40ss@h1:27017,h2:27018/orders?authSource=admin')).to.equal('orders');
      expect(databaseNameOf('mongodb+srv://cluster.example.net/read%20models')).to.equal('read models');
    });

    it("falls back to 'shop' when the URL names no database", () => {
      expect(databaseNameOf('mongodb://localhost:27017')).to.equal('shop');
      expect(databaseNameOf('mongodb://localhost:27017/')).to.equal('shop');
      expect(databaseNameOf('mongodb://localhost:27017/?replicaSet=rs0')).to.equal('shop');
      expect(databaseNameOf('mongodb://localhost:27017/?replicaSet=rs0', 'other')).to.equal('other');
    });
  });
});

/** What the driver throws from an ordered collection.bulkWrite: the first write error's code, all write errors. */
const bulkError = (code: number, writeErrors: { code: number; errmsg: string }[]) =>
  new MongoBulkWriteError(
    {
      message: writeErrors[0]?.errmsg ?? 'write operation failed',
      code,
      writeErrors: writeErrors as unknown as WriteError[],
    },
    {} as BulkWriteResult,
  );

/** The driver's SDAM classes, whose constructors its type declarations leave out. */
const driverSdam = {
  ServerDescription: createRequire(import.meta.url)('mongodb/lib/sdam/server_description.js').ServerDescription as new (
    address: string,
    hello?: Record<string, unknown>,
  ) => ServerDescription,
  TopologyDescription: createRequire(import.meta.url)('mongodb/lib/sdam/topology_description.js').TopologyDescription as new (
    type: string,
    servers: Map<string, unknown>,
  ) => TopologyDescription,
};
