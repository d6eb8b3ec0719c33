import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { MongoLimitStore } from '../../src/infrastructure/limits/mongo-limit-store.js';
import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';
import { tempDir } from '../support/temp-dir.js';
import { limitStoreContract } from './limit-store.contract.js';

describe('SQLite limit store (limits.db)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('adds up the counts of processes spending at once in one file', async () => {
    const path = join(dir.path, 'limits.db');
    const counter = fileURLToPath(new URL('../support/limit-counter.js', import.meta.url));
    const startAt = String(Date.now() + 1000);
    const run = () => promisify(execFile)(process.execPath, [counter, path, 'k', '1000', startAt]);
    await Promise.all([run(), run(), run()]);
    const store = new SqliteLimitStore(path);
    const total = await store.limiter({ keyPrefix: 'counter', points: 1_000_000, duration: 600 }).penalty('k', 0);
    await store.close();
    expect(total.consumedPoints).to.equal(3000);
  });

  it('creates its file, WAL and shared memory readable by the owner only', async () => {
    const store = new SqliteLimitStore(join(dir.path, 'limits.db'));
    await store.limiter({ keyPrefix: 'test', points: 1, duration: 60 }).consume('k');
    const files = readdirSync(dir.path);
    expect(files).to.include.members(['limits.db', 'limits.db-wal', 'limits.db-shm']);
    expect(files.filter((file) => (statSync(join(dir.path, file)).mode & 0o777) !== 0o600)).to.deep.equal([]);
    await store.close();
  });

  it('drops the windows that ended, and only those', async () => {
    const store = new SqliteLimitStore(join(dir.path, 'limits.db'));
    const limiter = store.limiter({ keyPrefix: 'test', points: 5, duration: 60 });
    await limiter.consume('short');
    await store.limiter({ keyPrefix: 'test', points: 5, duration: 600 }).consume('long');
    expect(store.purgeExpired(Date.now() + 120_000)).to.equal(1);
    expect((await limiter.consume('short')).consumedPoints).to.equal(1);
    expect((await limiter.consume('long')).consumedPoints).to.equal(2);
    await store.close();
  });
});

{
  let dir: ReturnType<typeof tempDir> | undefined;
  limitStoreContract(
    'SQLite',
    async () => {
      dir ??= tempDir();
      return new SqliteLimitStore(join(dir.path, 'limits.db'));
    },
    async () => {
      dir?.remove();
      dir = undefined;
    },
  );
}

// Runs only against a real server: `docker compose up -d mongo`, then MONGODB_URL=... npm run test:integration.
const url = process.env.MONGODB_URL;
if (url) {
  let database: string | undefined;
  const clients: MongoClient[] = [];
  limitStoreContract(
    'MongoDB',
    async () => {
      database ??= `shop_test_${randomBytes(6).toString('hex')}`;
      const client = await new MongoClient(url).connect();
      clients.push(client);
      return MongoLimitStore.open(client.db(database));
    },
    async () => {
      await clients[0]!.db(database).dropDatabase();
      for (const client of clients.splice(0)) await client.close();
      database = undefined;
    },
  );

  describe('MongoDB limit store', () => {
    it('creates a unique key and a TTL index on expire, so the server drops ended windows', async () => {
      const database = `shop_test_${randomBytes(6).toString('hex')}`;
      const client = await new MongoClient(url).connect();
      try {
        await MongoLimitStore.open(client.db(database));
        const indexes = await client.db(database).collection('rate_limits').indexes();
        expect(indexes.find((index) => index.key.expire === -1)).to.include({ expireAfterSeconds: 0 });
        expect(indexes.find((index) => index.key.key === 1)).to.include({ unique: true });
      } finally {
        await client.db(database).dropDatabase();
        await client.close();
      }
    });
  });
}
