import { expect } from 'chai';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { WalCheckpointer } from '../../src/infrastructure/wal/wal-checkpointer.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/** The database file as it is without its WAL: what a checkpoint has copied into it, and nothing else. */
const withoutWal = (dir: string, file: string): Database.Database => {
  const copy = join(dir, `copy-${uuid()}.db`);
  copyFileSync(join(dir, file), copy);
  return new Database(copy, { readonly: true });
};

describe('WAL checkpoints off the event loop', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => (dir = tempDir('wal-checkpoint-')));
  afterEach(() => dir.remove());

  it('copies the commits of the event store into its file from a thread of its own, long before the WAL reaches the 1000 pages at which its connection would have', async () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    try {
      const meta = { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
      for (let i = 0; i < 40; i += 1) await store.appendToStream(`item-${i}`, [{ id: uuid(), type: 'ItemAdded', data: { i, pad: 'x'.repeat(2000) }, metadata: meta }]);
      const copied = await eventually(() => {
        const db = withoutWal(dir.path, 'events.db');
        try {
          const { n } = db.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
          return n === 40 ? n : undefined;
        } finally {
          db.close();
        }
      }, 5_000);
      expect(copied).to.equal(40);
    } finally {
      await store.close();
    }
  });

  it('copies the read-model store\'s writes into its file, a moment after they commit', async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    try {
      for (let i = 0; i < 30; i += 1) await store.collection('things').insertOne({ _id: `t-${i}`, pad: 'y'.repeat(3000) });
      const copied = await eventually(() => {
        const db = withoutWal(dir.path, 'read-models.db');
        try {
          const { n } = db.prepare("SELECT count(*) AS n FROM documents WHERE collection = 'things'").get() as { n: number };
          return n === 30 ? n : undefined;
        } finally {
          db.close();
        }
      }, 5_000);
      expect(copied).to.equal(30);
    } finally {
      await store.close();
    }
  });

  it('runs one checkpoint for the commits of a moment, and another for commits made while one ran', async () => {
    const path = join(dir.path, 'plain.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    const checkpointer = new WalCheckpointer({ path, synchronous: 'FULL', delayMs: 20, failed: () => expect.fail('the thread failed') });
    try {
      for (let i = 0; i < 10; i += 1) {
        db.prepare('INSERT INTO t (v) VALUES (?)').run('z'.repeat(500));
        checkpointer.committed();
      }
      await eventually(() => (checkpointer.checkpoints >= 1 ? true : undefined), 5_000);
      expect(checkpointer.checkpoints).to.equal(1);
      expect(checkpointer.last).to.deep.include({ busy: 0 });
      const last = checkpointer.last as { log: number; checkpointed: number };
      expect(last.checkpointed).to.equal(last.log);
      db.prepare('INSERT INTO t (v) VALUES (?)').run('after');
      checkpointer.committed();
      await eventually(() => (checkpointer.checkpoints >= 2 ? true : undefined), 5_000);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('tells the store when its thread fails, so that the store checkpoints again itself', async () => {
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer({ path: join(dir.path, 'no-such-dir', 'x.db'), synchronous: 'FULL', delayMs: 1, failed: (error) => failures.push(error) });
    checkpointer.committed();
    await eventually(() => (failures.length > 0 ? true : undefined), 5_000);
    expect(failures[0]!.message).to.match(/no-such-dir|unable to open|directory/i);
    checkpointer.committed(); // stopped: nothing more happens
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures).to.have.length(1);
    await checkpointer.close();
  });

  it('does nothing with a checkpoint reply that comes after it was closed (no hold of the writes, no checkpoint after it)', async () => {
    const holds: string[] = [];
    const failures: Error[] = [];
    const restart = { afterFrames: 10, hold: async () => void holds.push('hold'), release: () => void holds.push('release') };
    const checkpointer = new WalCheckpointer({ path: join(dir.path, 'late.db'), synchronous: 'NORMAL', delayMs: 1, failed: (error) => failures.push(error), restart });
    await checkpointer.close();
    // As the thread's 'message' listener would call it: a reply already on its way when close() terminated the thread.
    const late = checkpointer as unknown as { replied(reply: { busy: number; log: number; checkpointed: number } | { error: string }): void };
    late.replied({ busy: 0, log: 50, checkpointed: 40 });
    late.replied({ error: 'SQLITE_MISUSE' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(holds).to.deep.equal([]);
    expect(failures).to.deep.equal([]);
  });

  it('runs the held checkpoint and lets the writes go even when the batch it waited for failed (hold() rejected)', async () => {
    const path = join(dir.path, 'failed-batch.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    for (let i = 0; i < 20; i += 1) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(3000));
    const calls: string[] = [];
    const restart = {
      afterFrames: 5,
      hold: async () => {
        calls.push('hold');
        throw new Error('the batch on its way failed');
      },
      release: () => void calls.push('release'),
    };
    const checkpointer = new WalCheckpointer({ path, synchronous: 'NORMAL', delayMs: 1, failed: (error) => calls.push(`failed: ${error.message}`), restart });
    try {
      checkpointer.committed();
      await eventually(() => (calls.includes('release') ? true : undefined), 5_000);
      expect(calls).to.deep.equal(['hold', 'release']);
      expect(checkpointer.checkpoints).to.equal(2);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('keeps its spacing of held checkpoints across a reply that found another process checkpointing (busy, -1 frames)', async () => {
    const calls: string[] = [];
    const restart = { afterFrames: 100, hold: async () => void calls.push('hold'), release: () => void calls.push('release') };
    const checkpointer = new WalCheckpointer({ path: join(dir.path, 'busy.db'), synchronous: 'NORMAL', delayMs: 1_000, failed: () => undefined, restart });
    type Reply = { busy: number; log: number; checkpointed: number };
    const reply = (r: Reply) => (checkpointer as unknown as { replied(reply: Reply): void }).replied(r);
    try {
      reply({ busy: 0, log: 150, checkpointed: 150 }); // 150 frames: the next checkpoint holds the writes
      reply({ busy: 0, log: 160, checkpointed: 160 }); // that one, held: the WAL did not start over (a reader elsewhere)
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal(['hold', 'release']);
      reply({ busy: 1, log: -1, checkpointed: -1 }); // another process was checkpointing
      reply({ busy: 0, log: 200, checkpointed: 200 }); // 40 frames more: not yet another 100
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal(['hold', 'release']);
      reply({ busy: 0, log: 260, checkpointed: 260 }); // another 100 since the held one: hold again
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal(['hold', 'release', 'hold', 'release']);
    } finally {
      await checkpointer.close();
    }
  });

  /** Runs test/support/checkpointer-exit.ts; fails if the process has not exited on its own within 5 s. */
  const runUntilExit = async (mode: 'idle' | 'held'): Promise<string[]> => {
    const script = fileURLToPath(new URL('../support/checkpointer-exit.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, join(dir.path, `${mode}.db`), mode], { timeout: 5_000 });
    return stdout.trim().split('\n');
  };

  it('does not keep the process alive once its checkpoint is done (a process that never closes its store still exits)', async () => {
    expect(await runUntilExit('idle')).to.deep.equal(['checkpoints: 1']);
  });

  it('keeps the process alive while it holds the store\'s writes, until it lets them go', async () => {
    expect(await runUntilExit('held')).to.deep.equal(['held', 'released']);
  });
});
