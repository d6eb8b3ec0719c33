import {
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type CreateIndexesOptions,
  type Db,
  type TransactionOptions,
  type UpdateResult as MongoUpdateResult,
  type WriteConcernSettings,
} from 'mongodb';
import {
  IndexConflictError,
  loadOperation,
  type DeleteResult,
  type Document,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type LoadedDocument,
  type ReadModelCollection,
  type ReadModelStore,
  type Update,
  type UpdateOptions,
  type WriteOptions,
  type UpdateResult,
  type WriteOperation,
} from './read-model-store.js';
import { duplicateKeyOf, keyOfMessage, rethrowDuplicateKey } from './mongo-errors.js';
import { serverFilter, serverModel, serverPipeline, serverUpdate, writeConcernOf } from './mongo-filter.js';
import { connectFailure, helloOf, redacted, serverTooOld, transactionsUnavailable } from './mongo-server.js';

/**
 * The read-model port on a MongoDB server, straight through the official driver.
 * `bulkWrite` needs multi-document transactions, so the server must be a replica set
 * (docker-compose runs a single-node one) or a sharded cluster, at MongoDB 5.0 or later:
 * collections are created implicitly inside a transaction (4.4+), and documents may hold
 * field names with dots (5.0+; see serverTooOld).
 */

const NAMESPACE_NOT_FOUND = 26;
const NAMESPACE_EXISTS = 48;
const INDEX_OPTIONS_CONFLICT = 85;
const INDEX_KEY_SPECS_CONFLICT = 86;

/**
 * Loads (not durable), drops and renames: majority-written, so that a failover never takes back
 * one that a later majority write (the checkpoint after a load, a rebuild's swap) builds on.
 */
const MAJORITY = writeConcernOf({ durable: false });


export class MongoReadModelStore implements ReadModelStore {
  /** The last load on its way: the next one starts after it (loads are applied in call order). */
  private loading: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  /**
   * The database is `options.database`, else the one in the URL path, else 'shop'. Refuses a
   * server that cannot run transactions: every projection write would fail there while
   * pings, and so `/ready`, stayed green.
   */
  static async connect(url: string, options: { database?: string } = {}): Promise<MongoReadModelStore> {
    // Documents are JSON: a field set to undefined is left out, as JSON.stringify does, not stored as null.
    const client = new MongoClient(url, { ignoreUndefined: true });
    try {
      await client.connect();
      const hello = await helloOf(client);
      const problem = serverTooOld(hello) ?? transactionsUnavailable(hello, client.options);
      if (problem) throw new Error(`MongoDB at ${redacted(url)}: ${problem}`);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw connectFailure(url, error);
    }
    return new MongoReadModelStore(client, client.db(options.database ?? databaseNameOf(url)));
  }

  collection<T extends Document = Document>(name: string): ReadModelCollection<T> {
    return new MongoReadModelCollection<T>(this.db.collection<Document>(name));
  }

  /** The database itself, for what keeps documents there through the driver, outside the port (the rate limits). */
  database(): Db {
    return this.db;
  }

  /** A projection's documents and its checkpoint survive a primary failover together: majority-written, journaled when durable (see writeConcernOf). */
  async bulkWrite(operations: readonly WriteOperation[], options: WriteOptions = {}): Promise<void> {
    if (operations.length === 0) return;
    const batches = batchesByCollection(operations);
    const transaction: TransactionOptions = { writeConcern: writeConcernOf(options) };
    await this.client.withSession((session) =>
      session.withTransaction(async () => {
        // One after the other: the driver does not support parallel operations in a transaction.
        for (const { collection, models } of batches) {
          await this.db
            .collection<Document>(collection)
            .bulkWrite(models, { session, ordered: true })
            .catch(rethrowDuplicateKey(collection));
        }
      }, transaction),
    );
  }

  /**
   * One ordered bulk write per collection, outside any transaction (a load is not atomic),
   * majority-written; after the previous load, whatever became of it.
   */
  load(documents: readonly LoadedDocument[]): Promise<void> {
    const previous = this.loading;
    const current = (async () => {
      await previous.catch(() => undefined);
      for (const { collection, models } of batchesByCollection(documents.map(loadOperation))) {
        await this.db.collection<Document>(collection).bulkWrite(models, { ordered: true, writeConcern: MAJORITY }).catch(rethrowDuplicateKey(collection));
      }
    })();
    this.loading = current;
    return current;
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return infos.map((info) => info.name).filter((name) => !name.startsWith('system.')).sort();
  }

  async dropCollection(name: string): Promise<void> {
    // The driver already answers false, instead of throwing, on "ns not found".
    await this.db.dropCollection(name, { writeConcern: MAJORITY });
  }

  /**
   * A missing `from` counts as an empty collection: `to` ends up existing and empty. That case
   * renames a freshly created empty `from` too, so readers of `to` never see a half-done swap.
   */
  async renameCollection(from: string, to: string): Promise<void> {
    if (from === to) return; // the server refuses a rename onto itself (IllegalOperation)
    try {
      await this.db.renameCollection(from, to, { dropTarget: true, writeConcern: MAJORITY });
    } catch (error) {
      if (!hasCode(error, NAMESPACE_NOT_FOUND)) throw error;
      await this.db.createCollection(from, { writeConcern: MAJORITY }).catch(ignoreCode(NAMESPACE_EXISTS));
      await this.db.renameCollection(from, to, { dropTarget: true, writeConcern: MAJORITY });
    }
  }

  async ping(): Promise<void> {
    await this.client.db('admin').command({ ping: 1 });
  }

  /** MongoDB keeps its own files: nothing to empty here. */
  async truncateJournal(): Promise<void> {}

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * A sort or a group that holds more than 100 MB (a deep page: page × pageSize rows, up to a
 * million) spills to disk instead of failing. MongoDB 6.0+ does so by default; 5.0, which
 * this store also serves, fails the query without it ("Sort exceeded memory limit").
 */
const SPILL = { allowDiskUse: true } as const;

export class MongoReadModelCollection<T extends Document> implements ReadModelCollection<T> {
  readonly name: string;
  private readonly duplicateKey: (error: unknown) => never;

  constructor(private readonly collection: Collection<Document>) {
    this.name = collection.collectionName;
    this.duplicateKey = rethrowDuplicateKey(this.name);
  }

  // The driver cannot type a generic T's filters, so it sees every collection as holding
  // port Documents (string _id); results are cast back to the caller's T.
  async findOne(filter: Filter, options: Pick<FindOptions, 'sort' | 'projection' | 'readonly'> = {}): Promise<T | null> {
    const { readonly: _hint, ...driverOptions } = options;
    return (await this.collection.findOne(serverFilter(filter), driverOptions)) as T | null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    // `readonly` is a hint for the embedded store; the driver hands out fresh documents anyway.
    const { readonly: _hint, ...driverOptions } = options;
    return (await this.collection.find(serverFilter(filter), driverOptions.sort ? { ...driverOptions, ...SPILL } : driverOptions).toArray()) as T[];
  }

  countDocuments(filter: Filter = {}): Promise<number> {
    return this.collection.countDocuments(serverFilter(filter));
  }

  async aggregate<R = Document>(pipeline: Record<string, unknown>[]): Promise<R[]> {
    return (await this.collection.aggregate(serverPipeline(pipeline), SPILL).toArray()) as R[];
  }

  // Every write names its write concern (see writeConcernOf); an insert is always durable.
  async insertOne(document: T): Promise<void> {
    await this.collection.insertOne(document, { writeConcern: writeConcernOf({}) }).catch(this.duplicateKey);
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    return updateResult(await this.collection.replaceOne(serverFilter(filter), replacement, updateOptions(options)).catch(this.duplicateKey));
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return updateResult(await this.collection.updateOne(serverFilter(filter), serverUpdate(update), updateOptions(options)).catch(this.duplicateKey));
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return updateResult(await this.collection.updateMany(serverFilter(filter), serverUpdate(update), updateOptions(options)).catch(this.duplicateKey));
  }

  async deleteOne(filter: Filter, options: WriteOptions = {}): Promise<DeleteResult> {
    const { deletedCount } = await this.collection.deleteOne(serverFilter(filter), { writeConcern: writeConcernOf(options) });
    return { deletedCount };
  }

  async deleteMany(filter: Filter, options: WriteOptions = {}): Promise<DeleteResult> {
    const { deletedCount } = await this.collection.deleteMany(serverFilter(filter), { writeConcern: writeConcernOf(options) });
    return { deletedCount };
  }

  /** A unique index over documents that already clash fails with E11000 too. */
  createIndex({ keys, unique, name }: IndexSpec): Promise<string> {
    const options: CreateIndexesOptions = {};
    if (unique) options.unique = true;
    if (name) options.name = name;
    return this.collection.createIndex(keys, options).catch((error: unknown) => {
      if (hasCode(error, INDEX_OPTIONS_CONFLICT) || hasCode(error, INDEX_KEY_SPECS_CONFLICT)) {
        throw new IndexConflictError((error as MongoServerError).code as 85 | 86, this.name, (error as MongoServerError).message, { cause: error });
      }
      return this.duplicateKey(error);
    });
  }
}

const updateOptions = ({ upsert, ...write }: UpdateOptions): { upsert?: boolean; writeConcern: WriteConcernSettings } =>
  upsert === undefined ? { writeConcern: writeConcernOf(write) } : { upsert, writeConcern: writeConcernOf(write) };

const updateResult = ({ matchedCount, modifiedCount, upsertedId }: MongoUpdateResult<Document>): UpdateResult => ({
  matchedCount,
  modifiedCount,
  // An upsert whose filter and update name no _id gets a server-made ObjectId: hand back its hex.
  upsertedId: upsertedId == null ? null : String(upsertedId),
});

/** Consecutive operations on one collection become one ordered `collection.bulkWrite` (filters as serverFilter sends them). */
export type CollectionBatch = { collection: string; models: AnyBulkWriteOperation<Document>[] };

export const batchesByCollection = (operations: readonly WriteOperation[]): CollectionBatch[] =>
  operations.reduce<CollectionBatch[]>((batches, { collection, ...model }) => {
    const last = batches.at(-1);
    const sent = serverModel(model);
    if (last?.collection === collection) last.models.push(sent);
    else batches.push({ collection, models: [sent] });
    return batches;
  }, []);

/** The duplicate-key readers, where the unit tests find them. */
export { duplicateKeyOf, keyOfMessage };

/** The database named by the URL path (`mongodb://host/shop?...`), else `fallback`. */
export const databaseNameOf = (url: string, fallback = 'shop'): string => {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : fallback;
};

const hasCode = (error: unknown, code: number): boolean => error instanceof MongoServerError && error.code === code;

const ignoreCode =
  (code: number) =>
  (error: unknown): void => {
    if (!hasCode(error, code)) throw error;
  };
