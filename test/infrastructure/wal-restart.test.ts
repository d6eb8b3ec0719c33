import Database from 'better-sqlite3';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { GroupCommit } from '../../src/infrastructure/event-store/group-commit.js';
import type { AppendOutcome, AppendRequest } from '../../src/infrastructure/event-store/sqlite-commit.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { WriteLockQueue } from '../../src/infrastructure/sqlite-write-lock.js';
import { WalCheckpointer } from '../../src/infrastructure/wal/wal-checkpointer.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * Under steady writes a checkpoint never catches up with them, and SQLite starts its WAL
 * over only when a write begins after a checkpoint that copied every frame: the WAL grew
 * for as long as the writes went on (half a gigabyte of read-model WAL in 3 s of heavy
 * writes). Once the WAL holds enough frames, one checkpoint runs with the store's writes
 * held (see WalRestart), and the first write after it starts the WAL over.
 */
describe('Starting the WAL over under steady writes', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('wal-restart-')));
  afterEach(() => dir.remove());

  const tick = () => new Promise((resolve) => setImmediate(resolve));
  /**
   * How many times the WAL started over: its header's checkpoint sequence number, which SQLite
   * increments at each restart (the file's size is its high-water mark, which a slow first
   * checkpoint alone can raise).
   */
  const walRestarts = (path: string) => readFileSync(`${path}-wal`).readUInt32BE(12);

  it('holds the writes for one checkpoint once the WAL holds afterFrames frames; the write after it starts the WAL over', async () => {
    const path = join(dir.path, 'plain.db');
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
    try {
      for (let i = 0; i < 40; i += 1) write('x'.repeat(200));
      const firstLog = await eventually(() => (checkpointer.checkpoints >= 1 ? (checkpointer.last as { log: number }).log : undefined), 5_000);
      expect(firstLog).to.be.at.least(40);
      await eventually(() => (checkpointer.checkpoints >= 3 ? true : undefined), 5_000);
      // The write made while held waited for the checkpoint; once let go, it started the WAL over: one frame in it.
      expect(seen).to.deep.equal(['hold: 40 rows', 'release: 40 rows']);
      expect(rows()).to.equal(41);
      expect(checkpointer.held).to.equal(1);
      expect(checkpointer.last).to.deep.include({ log: 1, checkpointed: 1 });
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('starts the event store\'s WAL over again and again under steady appends, where it never did', async () => {
    const walAfterSteadyAppends = async (walRestartFrames: number) => {
      const path = join(dir.path, `events-${walRestartFrames}.db`);
      const store = new SqliteEventStore({ path, walRestartFrames });
      const meta = { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
      try {
        const until = Date.now() + 2_000;
        let n = 0;
        while (Date.now() < until) {
          // Two appends at a time, one after the other: a checkpoint never finds the writes paused.
          await Promise.all([0, 1].map(() => store.appendToStream(`item-${n++}`, [{ id: uuid(), type: 'ItemAdded', data: { pad: 'x'.repeat(1000) }, metadata: meta }])));
        }
        return walRestarts(path);
      } finally {
        await store.close();
      }
    };
    const growing = await walAfterSteadyAppends(Number.POSITIVE_INFINITY);
    const restarted = await walAfterSteadyAppends(64);
    // A checkpoint every 200 ms or so, every other one held: several restarts in 2 s.
    expect(restarted).to.be.at.least(growing + 2);
  });

  it('starts the read-model store\'s WAL over again and again under steady writes, where it never did', async () => {
    const walAfterSteadyWrites = async (walRestartFrames: number) => {
      const path = join(dir.path, `read-models-${walRestartFrames}.db`);
      const store = new EmbeddedReadModelStore({ path, walRestartFrames });
      try {
        const until = Date.now() + 2_000;
        for (let n = 0; Date.now() < until; n += 1) {
          await store.collection('things').replaceOne({ _id: `t-${n % 50}` }, { _id: `t-${n % 50}`, n, pad: 'y'.repeat(1000) }, { upsert: true, durable: false });
          if (n % 20 === 0) await tick();
        }
        return walRestarts(path);
      } finally {
        await store.close();
      }
    };
    const growing = await walAfterSteadyWrites(Number.POSITIVE_INFINITY);
    const restarted = await walAfterSteadyWrites(64);
    expect(restarted).to.be.at.least(growing + 2);
  });

  it('group commit: hold() waits for the batch on its way; appends made meanwhile go as one batch once let go', async () => {
    const batches: string[][] = [];
    let finishFirst!: () => void;
    const first = new Promise<void>((resolve) => (finishFirst = resolve));
    const group = new GroupCommit({
      commit: async (requests: AppendRequest[]): Promise<AppendOutcome[]> => {
        batches.push(requests.map((r) => r.streamName));
        if (batches.length === 1) await first;
        return requests.map(() => ({ ok: { nextExpectedRevision: 0, position: 0, repeated: false } }));
      },
      committed: () => undefined,
      answered: () => undefined,
      maxBatch: 100,
    });
    const request = (streamName: string): AppendRequest => ({ streamName, expected: 'any', events: [{ id: uuid(), type: 'T', data: '{}', metadata: '{}' }] });
    const a = group.append(request('a'));
    await tick();
    expect(batches).to.deep.equal([['a']]);
    let heldDone = false;
    const held = group.hold().then(() => (heldDone = true));
    await tick();
    expect(heldDone, 'hold() resolves only once the batch on its way is done').to.equal(false);
    finishFirst();
    await held;
    await a;
    const later = [group.append(request('b')), group.append(request('c'))];
    await tick();
    await tick();
    expect(batches, 'nothing is committed while held').to.deep.equal([['a']]);
    group.release();
    await Promise.all(later);
    expect(batches).to.deep.equal([['a'], ['b', 'c']]);
    await group.close();
  });

  it('group commit: a hold asked for while it closes holds nothing, and the close still answers every queued append', async () => {
    let finishFirst!: () => void;
    const first = new Promise<void>((resolve) => (finishFirst = resolve));
    let commits = 0;
    const group = new GroupCommit({
      commit: async (requests: AppendRequest[]): Promise<AppendOutcome[]> => {
        if ((commits += 1) === 1) await first;
        return requests.map(() => ({ ok: { nextExpectedRevision: 0, position: 0, repeated: false } }));
      },
      committed: () => undefined,
      answered: () => undefined,
      maxBatch: 100,
    });
    const request = (streamName: string): AppendRequest => ({ streamName, expected: 'any', events: [{ id: uuid(), type: 'T', data: '{}', metadata: '{}' }] });
    const appends = [group.append(request('a'))];
    await tick();
    appends.push(group.append(request('b')));
    let closed = false;
    const closing = group.close().then(() => (closed = true));
    const holding = group.hold(); // a checkpoint's hold, while the close waits for the batch on its way
    finishFirst();
    await holding;
    try {
      // Before, the close looped on the held queue in microtasks for good: no timer or I/O ran again.
      for (let i = 0; i < 1_000 && !closed; i += 1) await Promise.resolve();
      expect(closed, 'closed without waiting for a release').to.equal(true);
    } finally {
      group.release();
    }
    await closing;
    await Promise.all(appends);
  });

  it('write lock queue: hold() waits for the writes queued before it; those after it wait for release()', async () => {
    const lock = new WriteLockQueue();
    const done: string[] = [];
    // A write that finds the file busy once queues, and holds the queue until it is through.
    let busyOnce = true;
    const busyFirst = lock.run(() => {
      if (busyOnce) {
        busyOnce = false;
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      }
      done.push('queued before');
    });
    const held = lock.hold().then(() => done.push('held'));
    const after = lock.run(() => done.push('after'));
    await busyFirst;
    await held;
    await tick();
    expect(done).to.deep.equal(['queued before', 'held']);
    lock.release();
    await after;
    expect(done).to.deep.equal(['queued before', 'held', 'after']);
    // With nothing queued, a write runs at once again.
    let now = false;
    void lock.run(() => (now = true));
    expect(now).to.equal(true);
  });

  it('read-model store: a close during a held checkpoint resolves only once the writes it let go are committed and synced', async () => {
    let synced = 0;
    // A WAL sync that takes a moment, as an fdatasync under load does.
    const syncWal = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      synced += 1;
    };
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'close-held.db'), walRestartFrames: 1, syncWal });
    const items = store.collection('items');
    // Steady writes until one no longer runs at once: a checkpoint holds them.
    let heldNow = false;
    for (let n = 0; !heldNow; n += 1) {
      await items.replaceOne({ _id: `i-${n % 5}` }, { _id: `i-${n % 5}`, n }, { upsert: true, durable: false });
      await tick();
      let ran = false;
      const probe = store.write(() => (ran = true), { durable: false });
      heldNow = !ran;
      if (!heldNow) await probe;
    }
    let answered = false;
    const held = items.insertOne({ _id: 'made while held' }).then(() => (answered = true));
    await store.close();
    expect(answered, 'the durable write let go by the close was answered before the close resolved').to.equal(true);
    expect(synced).to.be.at.least(1);
    await held;
  });
});
