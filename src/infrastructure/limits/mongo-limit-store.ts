import type { Db } from 'mongodb';
import { RateLimiterMongo } from 'rate-limiter-flexible';
import type { Limiter, LimitOptions, LimitStore } from './limit-store.js';

/**
 * The limits of a shop on MongoDB: one collection (`rate_limits`) in the read models'
 * database, counted by rate-limiter-flexible's RateLimiterMongo (one atomic
 * findOneAndUpdate per count). Its TTL index on `expire` lets the server drop ended
 * windows; a window that ended is never counted, whether or not the server dropped it yet.
 */

const COLLECTION = 'rate_limits';

export class MongoLimitStore implements LimitStore {
  readonly kind = 'mongodb';

  private constructor(private readonly db: Db) {}

  /** Creates the indexes (the unique key, the TTL) first: a failure there stops the start, where it is seen. */
  static async open(db: Db): Promise<MongoLimitStore> {
    await limiterOn(db, { keyPrefix: 'indexes', points: 1, duration: 1 }).createIndexes();
    return new MongoLimitStore(db);
  }

  limiter(options: LimitOptions): Limiter {
    return limiterOn(this.db, options);
  }

  /** The read-model store owns the client. */
  /** MongoDB keeps its own files: nothing to empty here. */
  async truncateJournal(): Promise<void> {}

  async close(): Promise<void> {}
}

// The Db itself, not the client: RateLimiterMongo then uses it as it is (no dbName of its own).
const limiterOn = (db: Db, options: LimitOptions) =>
  new RateLimiterMongo({ ...options, storeClient: db, tableName: COLLECTION, disableIndexesCreation: true });
