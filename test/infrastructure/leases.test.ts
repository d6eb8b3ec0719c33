import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { MongoReadModelStore } from '../../src/infrastructure/read-models/mongo-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';
import { leaseContract, type TwoProcesses } from './leases.contract.js';

// The embedded store, two connections to one file: two processes on one DATA_DIR.
{
  let dir: ReturnType<typeof tempDir>;
  let stores: TwoProcesses | undefined;
  leaseContract(
    'embedded store',
    async () => {
      dir = tempDir();
      const path = join(dir.path, 'read-models.db');
      stores = { a: new EmbeddedReadModelStore({ path }), b: new EmbeddedReadModelStore({ path }) };
      return stores;
    },
    async () => {
      await stores?.a.close();
      await stores?.b.close();
      dir.remove();
    },
  );
}

// MongoDB, two clients of one database: `docker compose up -d mongo`, then MONGODB_URL=... npm run test:integration.
const url = process.env.MONGODB_URL;
if (url) {
  let stores: TwoProcesses | undefined;
  let database = '';
  leaseContract(
    'MongoDB',
    async () => {
      database = `shop_test_${randomBytes(6).toString('hex')}`;
      stores = { a: await MongoReadModelStore.connect(url, { database }), b: await MongoReadModelStore.connect(url, { database }) };
      return stores;
    },
    async () => {
      await stores?.a.close();
      await stores?.b.close();
      const client = await new MongoClient(url).connect();
      await client.db(database).dropDatabase();
      await client.close();
    },
  );
}
