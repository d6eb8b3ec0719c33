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
    const store = new MongoLimitStore(db);
    await (store.limiter({ keyPrefix: 'indexes', points: 1, duration: 1 }) as RateLimiterMongo).createIndexes();
    return store;
  }

  limiter(options: LimitOptions): Limiter {
    // The Db itself, not the client: RateLimiterMongo then uses it as it is (no dbName of its own).
    return new RateLimiterMongo({ ...options, storeClient: this.db, tableName: COLLECTION, disableIndexesCreation: true });
  }

  /** The read-model store owns the client. */
  async close(): Promise<void> {}
}
