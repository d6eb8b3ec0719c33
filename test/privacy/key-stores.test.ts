import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { MongoKeyStore } from '../../src/privacy/mongo-key-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { tempDir } from '../support/temp-dir.js';
import { keyStoreContract } from './key-store.contract.js';

describe('SQLite key store (keys.db)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('leaves no byte of a destroyed key in its files (database, WAL, shared memory), while another connection reads', async () => {
    const path = join(dir.path, 'keys.db');
    const store = new SqliteKeyStore(path);
    const reader = new SqliteKeyStore(path);
    const keys = await store.keys(['profile-x', 'profile-y'], { create: true });
    const doomed = (keys.get('profile-x') as { key: Buffer }).key;
    const kept = (keys.get('profile-y') as { key: Buffer }).key;
    await reader.keys(['profile-x']);
    await store.destroy('profile-x', '2026-12-02T10:00:00.000Z');
    const bytes = Buffer.concat(readdirSync(dir.path).map((file) => readFileSync(join(dir.path, file))));
    expect(bytes.includes(doomed), 'the destroyed key is gone').to.equal(false);
    expect(bytes.includes(kept), 'the kept key is still there (the search can find one)').to.equal(true);
    await reader.close();
    await store.close();
  });

  it('creates its files readable by the owner only', async () => {
    const store = new SqliteKeyStore(join(dir.path, 'keys.db'));
    await store.keys(['profile-a'], { create: true });
    const files = readdirSync(dir.path);
    expect(files).to.include('keys.db');
    expect(files.filter((file) => (statSync(join(dir.path, file)).mode & 0o777) !== 0o600)).to.deep.equal([]);
    await store.close();
  });
});

{
  let dir: ReturnType<typeof tempDir> | undefined;
  keyStoreContract(
    'SQLite',
    async () => {
      dir ??= tempDir();
      return new SqliteKeyStore(join(dir.path, 'keys.db'));
    },
    async () => {
      dir?.remove();
      dir = undefined;
    },
  );
}

// The production adapter runs the same contract against a real server when MONGODB_URL is set.
if (process.env.MONGODB_URL) {
  const url = process.env.MONGODB_URL;
  let client: MongoClient | undefined;
  const dbName = `keys_test_${process.pid}`;
  keyStoreContract(
    'MongoDB',
    async () => {
      client ??= await MongoClient.connect(url);
      return new MongoKeyStore(client.db(dbName));
    },
    async () => {
      await client?.db(dbName).dropDatabase();
      await client?.close();
      client = undefined;
    },
  );
}
