import Database from 'better-sqlite3';
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * No copies left behind (issue 17): SQLite leaves a deleted row's bytes in the page's free
 * space (and frees pages without clearing them) unless `secure_delete` is on. Every embedded
 * store's connections turn it on, so once the WAL is checkpointed, a deleted or replaced
 * value is in none of the files (the database, its -wal, its -shm).
 */

const MARKER = 'Xyloquent-Marmaduke-7Q4ZPW';
const FILLER = 'f'.repeat(300);

const filesOf = (path: string) => [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
const holds = (path: string, value: string) => filesOf(path).some((file) => readFileSync(file).includes(Buffer.from(value)));

/** What an erasure does once it has deleted: the WAL's pages copied into the file, and the WAL emptied. */
const checkpoint = (path: string) => {
  const db = new Database(path);
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    expect(result!.busy, 'the checkpoint was blocked').to.equal(0);
  } finally {
    db.close();
  }
};

describe('secure_delete on the embedded stores', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('a plain SQLite connection leaves a deleted row in the file: what the check below looks for', () => {
    const path = join(dir.path, 'plain.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, doc TEXT)');
    db.prepare('INSERT INTO t VALUES (?, ?), (?, ?)').run('a', `${FILLER}${MARKER}${FILLER}`, 'b', FILLER);
    db.prepare('DELETE FROM t WHERE id = ?').run('a');
    db.close();
    checkpoint(path);
    expect(holds(path, MARKER)).to.equal(true);
  });

  describe('read models (read-models.db)', () => {
    let store: EmbeddedReadModelStore;
    let path: string;
    beforeEach(() => {
      path = join(dir.path, 'read-models.db');
      store = new EmbeddedReadModelStore({ path });
    });
    afterEach(() => store.close());

    const written = async () => {
      const customers = store.collection('customers');
      await customers.insertOne({ _id: 'a', name: MARKER, filler: FILLER });
      await customers.insertOne({ _id: 'b', name: 'Someone else', filler: FILLER });
      checkpoint(path);
      expect(holds(path, MARKER), 'written, the value is in the file').to.equal(true);
      return customers;
    };

    it('a deleted document is gone from every file after a checkpoint', async () => {
      const customers = await written();
      await customers.deleteOne({ _id: 'a' });
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(false);
      expect(await customers.findOne({ _id: 'b' })).to.include({ name: 'Someone else' });
    });

    it("a replaced document's former value is gone too", async () => {
      const customers = await written();
      await customers.replaceOne({ _id: 'a' }, { _id: 'a', name: '[erased]' });
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(false);
    });

    it('a dropped collection leaves nothing either', async () => {
      await written();
      await store.dropCollection('customers');
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(false);
    });

    it("documents deleted by a rebuild's load (the loader thread's connection) are gone too", async () => {
      await store.load([{ collection: 'rebuilt', id: 'a', doc: { _id: 'a', name: MARKER, filler: FILLER } }, { collection: 'rebuilt', id: 'b', doc: { _id: 'b', filler: FILLER } }]);
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(true);
      await store.load([{ collection: 'rebuilt', id: 'a', doc: null }]);
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(false);
    });
  });

  it('limits (limits.db): a deleted window, as a successful sign-in deletes its account\'s, is gone after a checkpoint', async () => {
    const path = join(dir.path, 'limits.db');
    const limits = new SqliteLimitStore(path);
    try {
      const limiter = limits.limiter({ keyPrefix: 'login', points: 5, duration: 900 });
      await limiter.consume(MARKER);
      await limiter.consume(`other-${FILLER}`);
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(true);
      await limiter.delete(MARKER);
      checkpoint(path);
      expect(holds(path, MARKER)).to.equal(false);
    } finally {
      await limits.close();
    }
  });

  it('the event log (events.db) opens with it too', async () => {
    const path = join(dir.path, 'events.db');
    const store = new SqliteEventStore({ path, commitThread: true });
    try {
      expect(store.pragma('secure_delete')).to.equal(1);
      await store.appendToStream('customer-1', [{ id: '6f1c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f', type: 'Noted', data: { note: MARKER }, metadata: {} }]);
      expect((await store.readStream('customer-1'))[0]!.data).to.deep.equal({ note: MARKER });
    } finally {
      await store.close();
    }
  });
});
