import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, MongoBulkWriteError, MongoClient, type BulkWriteResult, type Db, type WriteConcernError, type WriteError } from 'mongodb';
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

describe('MongoDB key store, creating keys (a faked driver)', () => {
  const KEY = Buffer.alloc(32, 7);
  /** What the driver throws from an unordered bulk write: the first write error's code, every write error, the result. */
  const bulkError = (codes: number[], writeConcernError?: { code: number; errmsg: string }) =>
    new MongoBulkWriteError(
      {
        message: 'write failed',
        code: codes[0]!,
        writeErrors: codes.map((code, index) => ({ code, index, errmsg: code === 11000 ? 'E11000 duplicate key error' : 'failed' })) as unknown as WriteError[],
      },
      { getWriteConcernError: () => writeConcernError as WriteConcernError | undefined } as unknown as BulkWriteResult,
    );
  /**
   * A database whose bulk write answers `outcome` (an error to throw, or nothing), where a key
   * for profile-a shows from the second read on (another process created it meanwhile);
   * `calls` records each call's session and the sessions opened.
   */
  const storeAnswering = (outcome?: Error) => {
    const calls: Array<[string, unknown]> = [];
    let reads = 0;
    const collection = {
      bulkWrite: async (_models: unknown, options: { session?: unknown }) => {
        calls.push(['bulkWrite', options.session]);
        if (outcome) throw outcome;
        return {};
      },
      find: (_filter: unknown, options: { session?: unknown; readConcern?: unknown }) => {
        calls.push(['find', options.session]);
        const found = reads++ === 0 ? [] : [{ _id: 'profile-a', key: new Binary(KEY), createdAt: '2026-12-03T10:00:00.000Z' }];
        return { toArray: async () => found };
      },
    };
    const client = {
      withSession: async (options: unknown, run: (session: unknown) => Promise<unknown>) => {
        const session = { options };
        calls.push(['withSession', session]);
        return run(session);
      },
    };
    return { calls, store: new MongoKeyStore({ collection: () => collection, client } as unknown as Db) };
  };
  const storeFailingWith = (error: Error) => storeAnswering(error).store;

  it('reads the keys it creates in the causally consistent session it wrote them in (the read waits for the write)', async () => {
    const { calls, store } = storeAnswering();
    expect((await store.keys(['profile-a'], { create: true })).get('profile-a')).to.deep.equal({ key: KEY });
    const session = calls.find(([call]) => call === 'withSession')?.[1];
    expect(session).to.deep.equal({ options: { causalConsistency: true } });
    // The first read, which finds what is missing, needs no session; the write and the read after it share one.
    expect(calls).to.deep.equal([
      ['find', undefined],
      ['withSession', session],
      ['bulkWrite', session],
      ['find', session],
    ]);
  });

  it('reads the keys another process created meanwhile when every failed upsert was a duplicate key', async () => {
    const keys = await storeFailingWith(bulkError([11000])).keys(['profile-a'], { create: true });
    expect(keys.get('profile-a')).to.deep.equal({ key: KEY });
  });

  it('fails when another upsert failed too, or the writes were not majority-written: keys may be missing or not durable', async () => {
    for (const error of [bulkError([11000, 121]), bulkError([11000], { code: 64, errmsg: 'waiting for replication timed out' })]) {
      const failure = await storeFailingWith(error)
        .keys(['profile-a', 'profile-b'], { create: true })
        .then(() => undefined, (reason: unknown) => reason);
      expect(failure).to.equal(error);
    }
  });
});

describe('MongoDB key store, counting destructions (a faked driver)', () => {
  /** A database whose counter document holds `count`; `reads` and `writes` record the calls. */
  const counting = (freshMs?: number) => {
    const calls = { reads: [] as unknown[], writes: [] as unknown[], count: 0 };
    const counts = {
      // Answers what the server held when asked, on a later turn (a round trip).
      findOne: async (filter: unknown, options: unknown) => {
        calls.reads.push([filter, options]);
        const held = calls.count;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return held === 0 ? null : { _id: 'destructions', count: held };
      },
      updateOne: async (filter: unknown, update: unknown, options: unknown) => {
        calls.writes.push([filter, update, options]);
        calls.count += 1;
        return {};
      },
    };
    const keys = { updateOne: async (filter: unknown, update: unknown, options: unknown) => void calls.writes.push([filter, update, options]) };
    const db = { collection: (name: string) => (name === 'data_key_destructions' ? counts : keys), client: {} } as unknown as Db;
    return { calls, store: new MongoKeyStore(db, freshMs) };
  };

  it('counts each destruction, majority-written and journaled, after the tombstone', async () => {
    const { calls, store } = counting();
    expect(await store.destructions()).to.equal(0);
    await store.destroy('profile-a', '2026-12-03T10:00:00.000Z');
    expect(calls.writes[1]).to.deep.equal([{ _id: 'destructions' }, { $inc: { count: 1 } }, { upsert: true, writeConcern: { w: 'majority', journal: true } }]);
    expect(await store.destructions(), 'its own destruction is seen at once').to.equal(1);
    expect(calls.reads.at(-1)).to.deep.equal([{ _id: 'destructions' }, { readConcern: { level: 'majority' } }]);
  });

  it('sees its own destruction at once, even when a read of the count begun before it comes back after it', async () => {
    const { calls, store } = counting(60_000);
    const stale = store.destructions(); // its read is on its way (findOne answers on a later turn)
    await store.destroy('profile-a', '2026-12-03T10:00:00.000Z');
    expect(await stale, 'what the server held when it was asked').to.equal(0);
    expect(await store.destructions(), 'not the stale answer kept for the window').to.equal(1);
    expect(calls.count).to.equal(1);
  });

  it("reads the count at most once per freshness window, one read at a time: another process's destruction shows after it", async () => {
    const { calls, store } = counting(60_000);
    expect(await Promise.all([store.destructions(), store.destructions()])).to.deep.equal([0, 0]);
    calls.count = 5; // another process destroyed keys
    expect(await store.destructions(), 'within the window').to.equal(0);
    expect(calls.reads).to.have.length(1);
    const { calls: fresh, store: always } = counting(0);
    await always.destructions();
    fresh.count = 5;
    expect(await always.destructions()).to.equal(5);
  });
});

// The production adapter runs the same contract against a real server when MONGODB_URL is set.
if (process.env.MONGODB_URL) {
  const url = process.env.MONGODB_URL;
  let client: MongoClient | undefined;
  const dbName = `keys_test_${process.pid}`;
  keyStoreContract(
    'MongoDB',
    async () => {
      client ??= await MongoClient.connect(url);
      // Counts read afresh each time: the contract asks right after another store destroyed.
      return new MongoKeyStore(client.db(dbName), 0);
    },
    async () => {
      await client?.db(dbName).dropDatabase();
      await client?.close();
      client = undefined;
    },
  );
}
