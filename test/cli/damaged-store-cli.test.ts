import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrecoverableReadError } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { damagedLog } from '../support/damaged-log.js';
import { runCli, startServer } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

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
