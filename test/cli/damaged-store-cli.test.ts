import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrecoverableReadError } from '../../src/infrastructure/event-store/event-store.js';
import { StorageDamagedError } from '../../src/infrastructure/event-store/file-damage.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { damagedStoreFile } from '../../src/api/store-files.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { runnerOn } from '../projections/projection-fixture.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { damagedLog } from '../support/damaged-log.js';
import { runCli, startServer } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The operator's tools on a log damaged in the middle: each one that reads it stops at once and
 * names the file and what to do, as the server does (a rebuild retried the damaged read for 30 s,
 * then printed SQLite's words alone: "the rebuild keeps failing: database disk image is malformed").
 */
describe('the operator tools on a damaged events.db', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    dir = tempDir();
    await damagedLog(dir.path);
  });
  afterEach(() => dir.remove());

  it('is read by the log as a failure no retry mends: followers (a rebuild\'s too) stop at once rather than try again', async () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    try {
      const error = await store.readAll().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnrecoverableReadError);
      expect((error as Error).message).to.include('database disk image is malformed');
    } finally {
      await store.close();
    }
  });

  it('stops a follower at once, and names the file, when the check of the whole file found the damage before the follower read it', async () => {
    // The race a CI run lost: the check (a thread of its own) found the damage first, so the follower's next call
    // met the store's StorageDamagedError, not a damaged page; it retried for 30 s and the rebuild printed no `data:` line.
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db'), checkWholeFile: true });
    const readModels = new EmbeddedReadModelStore({ path: ':memory:' });
    const runner = runnerOn(store, readModels, ALL_PROJECTIONS);
    try {
      await eventually(async () => ((await store.headPosition().catch((e: unknown) => e)) instanceof StorageDamagedError ? true : undefined));
      await runner.start();
      await eventually(async () => (runner.status === 'failed' || runner.status === 'failing' ? true : undefined));
      expect(runner.status, 'stopped, not retrying').to.equal('failed');
      expect(runner.lastFailure).to.be.instanceOf(StorageDamagedError);
      // What a rebuild or verify throws carries it as its cause: the tools name the file from it.
      const named = await damagedStoreFile(dir.path, new Error(`the rebuild failed: ${runner.lastError}`, { cause: runner.lastFailure }));
      expect(named?.message).to.match(/events\.db is damaged/).and.include('do not delete it');
    } finally {
      await runner.stop();
      await readModels.close();
      await store.close();
    }
  });

  for (const args of [['rebuild', 'all'], ['verify']]) {
    it(`projections ${args.join(' ')} names the file, says not to delete it, and writes nothing to it`, async () => {
      const before = readFileSync(join(dir.path, 'events.db'));
      const run = await runCli('projections', args, { DATA_DIR: dir.path });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.match(/^data: .*events\.db is damaged/m).and.include('do not delete it');
      expect(run.stderr).to.not.match(/^\s+at /m);
      expect(readFileSync(join(dir.path, 'events.db')).equals(before)).to.equal(true);
    });
  }
});

/** A read model document the file holds that is not JSON (written by hand): named as damage of read-models.db, never a bare SyntaxError. */
describe('the operator tools on a read-models.db holding a document that is not JSON', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    dir = tempDir();
    const server = await startServer({ DATA_DIR: dir.path });
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
    const file = new (await import('better-sqlite3')).default(join(dir.path, 'read-models.db'));
    try {
      expect(file.prepare("UPDATE documents SET doc = '{not json' WHERE collection LIKE 'products%'").run().changes).to.be.greaterThan(0);
    } finally {
      file.close();
    }
  });
  afterEach(() => dir.remove());

  it('projections verify names the file, the collection and what to do', async () => {
    const run = await runCli('projections', ['verify'], { DATA_DIR: dir.path });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^data: .*read-models\.db is damaged/m).and.include('products').and.include('rebuilt from the event log');
    expect(run.stderr).to.not.match(/^\s+at /m);
  });
});
