import { Binary, MongoBulkWriteError, MongoServerError, type ClientSession, type Collection, type Db, type MongoClient } from 'mongodb';
import type { KeyState, KeyStore } from './key-store.js';
import { newDataKey } from './sealing.js';

/**
 * The key store of a shop on MongoDB: the `data_keys` collection of the read models'
 * database (the log is in EventStoreDB: keys and ciphertexts never share a server).
 * A key is created with an upsert that only sets it on insert, so concurrent creators
 * agree on the first one written; destroying unsets it and keeps a tombstone. The
 * deployment should run MongoDB with encryption at rest (WiredTiger keeps freed pages until
 * they are reused): the README says so. Nothing is cached, as in the embedded store.
 */

type KeyDocument = { _id: string; key?: Binary; createdAt: string; destroyedAt?: string };
type CountDocument = { _id: 'destructions'; count: number };

const COLLECTION = 'data_keys';
const DESTRUCTIONS = 'data_key_destructions';
const DUPLICATE_KEY = 11000;
/**
 * How long a process uses the count of destructions it read last: reading it is a round trip,
 * and every command asks. A key destroyed by another process may so leave values opened with
 * it in this process's command states for up to this long (README, Limits).
 */
export const DESTRUCTIONS_FRESH_MS = 1000;

export class MongoKeyStore implements KeyStore {
  private readonly collection: Collection<KeyDocument>;
  private readonly counts: Collection<CountDocument>;
  private readonly client: MongoClient;
  private known: { count: number; readAt: number } | undefined;
  private reading: Promise<number> | undefined;
  /** Destructions made here: a read begun before one must not stand for the count after it. */
  private destroyedHere = 0;

  constructor(
    db: Db,
    private readonly freshMs = DESTRUCTIONS_FRESH_MS,
  ) {
    this.collection = db.collection<KeyDocument>(COLLECTION);
    this.counts = db.collection<CountDocument>(DESTRUCTIONS);
    this.client = db.client;
  }

  async keys(ids: readonly string[], options: { create?: boolean } = {}): Promise<Map<string, KeyState>> {
    let states = await this.read(ids);
    const missing = ids.filter((id) => !states.has(id));
    if (options.create && missing.length > 0) {
      const now = new Date().toISOString();
      const upserts = missing.map((id) => ({
        updateOne: { filter: { _id: id }, update: { $setOnInsert: { key: new Binary(newDataKey()), createdAt: now } }, upsert: true },
      }));
      // In a causally consistent session: the read after the write then carries the write's
      // operation time (afterClusterTime), and the server answers it once its majority snapshot
      // holds the write. A majority read alone may not see a majority write yet (a primary elected
      // meanwhile), and a key missing here fails the append as if its customer were erased.
      states = await this.client.withSession({ causalConsistency: true }, async (session) => {
        // Two upserts of one id racing may both insert: the server refuses the second with a
        // duplicate key error, and the document the first wrote is the one both then read.
        await this.collection.bulkWrite(upserts, { session, ordered: false, writeConcern: { w: 'majority', journal: true } }).catch((error: unknown) => {
          if (!duplicatesOnly(error)) throw error;
        });
        return this.read(ids, session);
      });
    }
    return states;
  }

  async destroy(id: string, at: string): Promise<void> {
    await this.collection.updateOne(
      { _id: id },
      { $unset: { key: '' }, $min: { destroyedAt: at }, $setOnInsert: { createdAt: at } },
      { upsert: true, writeConcern: { w: 'majority', journal: true } },
    );
    await this.counts.updateOne({ _id: 'destructions' }, { $inc: { count: 1 } }, { upsert: true, writeConcern: { w: 'majority', journal: true } });
    this.destroyedHere += 1;
    this.known = undefined;
    this.reading = undefined;
  }

  /** Read at most every `freshMs` (one read at a time), majority-committed. */
  async destructions(): Promise<number> {
    if (this.known && Date.now() - this.known.readAt < this.freshMs) return this.known.count;
    const before = this.destroyedHere;
    const reading = (this.reading ??= this.counts
      .findOne({ _id: 'destructions' }, { readConcern: { level: 'majority' } })
      .then((doc) => {
        const count = doc?.count ?? 0;
        if (this.destroyedHere === before) this.known = { count, readAt: Date.now() };
        return count;
      })
      .finally(() => {
        if (this.reading === reading) this.reading = undefined;
      }));
    return reading;
  }

  /** The read-model store owns the client. */
  async close(): Promise<void> {}

  private async read(ids: readonly string[], session?: ClientSession): Promise<Map<string, KeyState>> {
    const states = new Map<string, KeyState>();
    const options = { readConcern: { level: 'majority' as const }, ...(session ? { session } : {}) };
    for (const doc of await this.collection.find({ _id: { $in: [...ids] } }, options).toArray()) {
      states.set(doc._id, doc.key ? { key: Buffer.from(doc.key.buffer) } : { destroyedAt: doc.destroyedAt ?? '' });
    }
    return states;
  }
}

/**
 * A bulk write that failed only on duplicate keys (concurrent upserts of the same ids): every
 * other write went through, durably. The driver's MongoBulkWriteError takes the code of the
 * first write error alone, and reports a write-concern error only in its result when there are
 * write errors too (mongodb lib/bulk/common.js, handleWriteError): its code being E11000 says
 * neither that the other writes are in nor that they are majority-written.
 */
const duplicatesOnly = (error: unknown): boolean => {
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = [error.writeErrors].flat();
    return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY) && error.result?.getWriteConcernError() === undefined;
  }
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
};
