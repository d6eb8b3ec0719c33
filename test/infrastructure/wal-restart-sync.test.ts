import Database from 'better-sqlite3';
import { expect } from 'chai';
import { readdirSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncDatabaseFile } from '../../src/infrastructure/wal/database-file-sync.js';
import { WalCheckpointer } from '../../src/infrastructure/wal/wal-checkpointer.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * Only a checkpoint that copies every frame syncs the database file, so the held checkpoint
 * of a WAL restart used to sync every page the unheld checkpoints had copied since the last
 * restart, with the store's writes held (5-8 ms of the log's appends under load). The file is
 * now synced first, the writes going on, and the held checkpoint finds only its own pages.
 */
describe('Starting the WAL over: the database file synced before the writes are held', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('wal-restart-sync-')));
  afterEach(() => dir.remove());

  /** A plain WAL database written by `write`, its checkpointer restarting after 20 frames; `seen` tells the order of things. */
  const restartingDatabase = (name: string, syncFile: (path: string, write: (v: string) => void) => Promise<void>) => {
    const path = join(dir.path, name);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    const rows = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    let held = false;
    const queued: string[] = [];
    const seen: string[] = [];
    const write = (v: string) => {
      if (held) return void queued.push(v);
      db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
      checkpointer.committed();
    };
    const checkpointer: WalCheckpointer = new WalCheckpointer({
      path,
      synchronous: 'FULL',
      delayMs: 10,
      failed: () => expect.fail('the thread failed'),
      syncFile: (file) => {
        seen.push(`sync ${file === path ? 'of the file' : file}: ${rows()} rows`);
        return syncFile(file, write);
      },
      restart: {
        afterFrames: 20,
        hold: async () => {
          held = true;
          write('made while held');
          seen.push(`hold: ${rows()} rows`);
        },
        release: () => {
          seen.push(`release: ${rows()} rows`);
          held = false;
          for (const v of queued.splice(0)) write(v);
        },
      },
    });
    return { db, rows, seen, write, checkpointer };
  };

  it('syncs the file first, with the writes going on, then holds them for one checkpoint; the write after it starts the WAL over', async () => {
    const { db, rows, seen, write, checkpointer } = restartingDatabase('synced.db', async (_file, writeMeanwhile) => {
      writeMeanwhile('made while syncing');
    });
    try {
      for (let i = 0; i < 40; i += 1) write('x'.repeat(200));
      await eventually(() => (checkpointer.held >= 1 && checkpointer.checkpoints >= 3 ? true : undefined), 5_000);
      // The write made during the sync went in at once; the one made while held waited for the checkpoint.
      expect(seen).to.deep.equal(['sync of the file: 40 rows', 'hold: 41 rows', 'release: 41 rows']);
      expect(rows()).to.equal(42);
      expect(checkpointer.held).to.equal(1);
      expect(checkpointer.last, 'the WAL started over: one frame in it').to.deep.include({ log: 1, checkpointed: 1 });
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('a sync that fails holds all the same, and the WAL starts over', async () => {
    const { db, rows, seen, write, checkpointer } = restartingDatabase('failed-sync.db', async () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    });
    try {
      for (let i = 0; i < 40; i += 1) write('x'.repeat(200));
      await eventually(() => (checkpointer.held >= 1 && checkpointer.checkpoints >= 3 ? true : undefined), 5_000);
      expect(seen).to.deep.equal(['sync of the file: 40 rows', 'hold: 40 rows', 'release: 40 rows']);
      expect(rows()).to.equal(41);
      expect(checkpointer.last).to.deep.include({ log: 1, checkpointed: 1 });
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('a close during the sync holds nothing afterwards', async () => {
    let finishSync!: () => void;
    const { db, seen, write, checkpointer } = restartingDatabase('closed-during-sync.db', () => new Promise<void>((resolve) => (finishSync = resolve)));
    try {
      for (let i = 0; i < 40; i += 1) write('x'.repeat(200));
      await eventually(() => (seen.length >= 1 ? true : undefined), 5_000);
      await checkpointer.close();
      finishSync();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).to.deep.equal(['sync of the file: 40 rows']);
      expect(checkpointer.held).to.equal(0);
    } finally {
      db.close();
    }
  });

  describe('syncDatabaseFile', () => {
    /** This process's descriptors open on `path` (the file as it is now, or the one it replaced). */
    const descriptorsOn = (path: string) =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
        } catch {
          return false; // the directory's own descriptor, closed since
        }
      }).length;

    it('keeps one descriptor per file, however often it syncs it (closing one would let go of SQLite\'s locks on the file)', async () => {
      const path = join(dir.path, 'some.db');
      writeFileSync(path, 'pages');
      await syncDatabaseFile(path);
      await Promise.all([syncDatabaseFile(path), syncDatabaseFile(path), syncDatabaseFile(path)]);
      expect(descriptorsOn(path)).to.equal(1);
    });

    it('a file replaced at the same path gets a descriptor of its own; a missing file is refused', async () => {
      const path = join(dir.path, 'replaced.db');
      writeFileSync(path, 'first');
      await syncDatabaseFile(path);
      writeFileSync(join(dir.path, 'next.db'), 'second');
      renameSync(join(dir.path, 'next.db'), path);
      await syncDatabaseFile(path);
      expect(descriptorsOn(path), 'one on the file replaced (deleted), one on the file there now').to.equal(2);
      const missing = await syncDatabaseFile(join(dir.path, 'missing.db')).then(() => undefined, (error: NodeJS.ErrnoException) => error.code);
      expect(missing).to.equal('ENOENT');
    });
  });
});
