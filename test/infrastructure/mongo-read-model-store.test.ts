import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { MongoBulkWriteError, MongoClient, MongoServerError, type BulkWriteResult, type WriteError } from 'mongodb';
import {
  MongoReadModelStore,
  batchesByCollection,
  databaseNameOf,
  duplicateKeyOf,
  keyOfMessage,
} from '../../src/infrastructure/read-models/mongo-read-model-store.js';
import type { WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { readModelStoreContract } from './read-model-store.contract.js';

/**
 * The MongoDB read-model store: the contract suite on a real server (MONGODB_URL), and the
 * adapter's own mapping. What it sends to the driver: mongo-driver-calls.test.ts; what it makes
 * of the server's answers when connecting: mongo-server.test.ts.
 */


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
