import Database from 'better-sqlite3';
import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The erasure's last step empties every embedded store's WAL (`truncateJournal`): until then
 * the WAL holds the former pages of what was deleted. SQLite cannot empty a WAL that a reader
 * still uses (another process, the loader or checkpoint thread, a query): the pragma answered
 * `busy` after the connection's 25 ms busy_timeout, which was ignored, so the erasure was taken
 * as done with the deleted values still in the -wal file. Now a busy WAL is tried again until
 * the reader lets go (and is an error past a few seconds, so the job is retried).
 */

const MARKER = 'Wobblethorpe-Journal-9KQ2ZX';

/** A reader in another connection, in a read transaction on the WAL, for `ms`. */
const readerFor = (path: string, table: string, ms: number): Promise<void> => {
  const reader = new Database(path, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare(`SELECT count(*) FROM ${table}`).get();
  return new Promise((resolve) =>
    setTimeout(() => {
      reader.exec('COMMIT');
      reader.close();
      resolve();
    }, ms),
  );
};

const walHolds = (path: string, value: string) => existsSync(`${path}-wal`) && readFileSync(`${path}-wal`).includes(Buffer.from(value));
const walSize = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

describe('emptying the stores\' journals while a reader uses them', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('read-models.db: waits for the reader, then the WAL is empty and holds no deleted value', async () => {
    const path = join(dir.path, 'read-models.db');
    const store = new EmbeddedReadModelStore({ path });
    try {
      const customers = store.collection('customers');
      await customers.insertOne({ _id: 'a', name: MARKER });
      await customers.deleteOne({ _id: 'a' });
      expect(walHolds(path, MARKER), 'the deleted value is in the WAL first').to.equal(true);
      const released = readerFor(path, 'documents', 300);
      await store.truncateJournal();
      await released;
      expect(walHolds(path, MARKER)).to.equal(false);
      expect(walSize(path)).to.equal(0);
    } finally {
      await store.close();
    }
  });

  it('events.db: waits for the reader, then the WAL is empty', async () => {
    const path = join(dir.path, 'events.db');
    const store = new SqliteEventStore({ path });
    try {
      await store.appendToStream('thing-1', [{ id: '2b1f0c55-8a4e-4f7e-9d7c-1f2e3d4c5b6a', type: 'ThingHappened', data: { note: MARKER }, metadata: {} }]);
      expect(walSize(path)).to.be.greaterThan(0);
      const released = readerFor(path, 'events', 300);
      await store.truncateJournal();
      await released;
      expect(walSize(path)).to.equal(0);
    } finally {
      await store.close();
    }
  });

  it('limits.db: waits for the reader, then the WAL is empty and holds no deleted window', async () => {
    const path = join(dir.path, 'limits.db');
    const limits = new SqliteLimitStore(path);
    try {
      const limiter = limits.limiter({ keyPrefix: 'login', points: 5, duration: 900 });
      await limiter.consume(MARKER);
      await limiter.delete(MARKER);
      const table = (new Database(path, { readonly: true }).prepare("SELECT name FROM sqlite_master WHERE type = 'table'").get() as { name: string }).name;
      const released = readerFor(path, table, 300);
      await limits.truncateJournal();
      await released;
      expect(walHolds(path, MARKER)).to.equal(false);
      expect(walSize(path)).to.equal(0);
    } finally {
      await limits.close();
    }
  });
});
