import { expect } from 'chai';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { narrowDatabaseFile, privateDatabaseFile, privateDirectory } from '../../src/infrastructure/private-files.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('private files', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('creates a directory 0700, and narrows an existing one that others could read', () => {
    const fresh = join(dir.path, 'a', 'b');
    expect(privateDirectory(fresh)).to.equal(false);
    expect(modeOf(fresh)).to.equal(0o700);
    const open = join(dir.path, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    expect(privateDirectory(open)).to.equal(true);
    expect(modeOf(open)).to.equal(0o700);
  });

  it('narrows the secrets an existing directory holds to 0600, and leaves the other files as they are', () => {
    const open = join(dir.path, 'shop');
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o700);
    for (const file of ['jwt-secret', 'carrier-webhook-secret', 'notes.txt', 'events.db']) {
      writeFileSync(join(open, file), 'x', { mode: 0o644 });
      chmodSync(join(open, file), 0o644);
    }
    expect(privateDirectory(open)).to.equal(true);
    expect(['jwt-secret', 'carrier-webhook-secret', 'notes.txt', 'events.db'].map((file) => modeOf(join(open, file)))).to.deep.equal([0o600, 0o600, 0o644, 0o644]);
    expect(privateDirectory(open)).to.equal(false);
  });

  it('creates a missing database file 0600, and narrows an existing one and its companions only when told it is the store\'s', () => {
    const fresh = join(dir.path, 'new.db');
    privateDatabaseFile(fresh);
    expect(modeOf(fresh)).to.equal(0o600);
    const db = join(dir.path, 'old.db');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) writeFileSync(file, '', { mode: 0o644 });
    privateDatabaseFile(db);
    expect([db, `${db}-wal`, `${db}-shm`].map(modeOf), 'not known for the store\'s yet').to.deep.equal([0o644, 0o644, 0o644]);
    narrowDatabaseFile(db);
    expect([db, `${db}-wal`, `${db}-shm`].map(modeOf)).to.deep.equal([0o600, 0o600, 0o600]);
  });

  it('the embedded stores narrow their existing files of an older version to 0600 as they open them', async () => {
    const path = join(dir.path, 'events.db');
    await new SqliteEventStore({ path }).close();
    chmodSync(path, 0o644);
    const events = new SqliteEventStore({ path });
    expect(modeOf(path)).to.equal(0o600);
    await events.close();
  });

  it('the embedded stores create their databases, WAL and shared-memory files 0600', async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    await events.appendToStream('order-1', [{ id: '8b1f6a39-3c3e-4b36-9a53-54a7e0f7c8d1', type: 'T', data: {}, metadata: {} }]);
    await readModels.collection('c').insertOne({ _id: 'x' });
    for (const file of ['events.db', 'events.db-wal', 'events.db-shm', 'read-models.db', 'read-models.db-wal', 'read-models.db-shm']) {
      expect(modeOf(join(dir.path, file)), file).to.equal(0o600);
    }
    await events.close();
    await readModels.close();
  });
});
