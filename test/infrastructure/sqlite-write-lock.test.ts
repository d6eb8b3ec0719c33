import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { BUSY_SLICE_MS, WriteLockQueue } from '../../src/infrastructure/sqlite-write-lock.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A process of the shop stopped while it holds a shared file's write lock (SIGSTOP, a frozen
 * VM, a GC pause inside a transaction) must not stop the others: their writes wait for the
 * lock off the event loop, in order, and fail after a bound; their event loops keep turning.
 * Here another connection to the file stands for the stopped process.
 */
describe('Writes to a file another process holds locked', function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  /** Holds the file's write lock, as a process stopped inside a write would. */
  const lockFile = (path: string) => {
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    return () => {
      other.exec('COMMIT');
      other.close();
    };
  };
  /**
   * How many times a 10 ms timer fired during `ms`: a frozen event loop fires none (the lock is
   * waited for in slices of at most 25 ms). A machine under load delays timers, so a turning
   * loop is told by a few ticks, not by the 30 an idle one fires.
   */
  const ticksDuring = async (ms: number) => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    await new Promise((resolve) => setTimeout(resolve, ms));
    clearInterval(timer);
    return ticks;
  };
  const settled = <T>(promise: Promise<T>) => {
    const state: { done: boolean; value?: T; error?: unknown } = { done: false };
    promise.then((value) => Object.assign(state, { done: true, value }), (error: unknown) => Object.assign(state, { done: true, error }));
    return state;
  };

  describe('the embedded read-model store', () => {
    it('waits for the lock without stopping the event loop, then writes in the order asked', async () => {
      const path = join(dir.path, 'read-models.db');
      const store = new EmbeddedReadModelStore({ path });
      const docs = store.collection<{ _id: string; n: number }>('things');
      await docs.insertOne({ _id: 'a', n: 0 });
      const unlock = lockFile(path);
      const first = settled(docs.updateOne({ _id: 'a' }, { $set: { n: 1 } }));
      const second = settled(docs.updateOne({ _id: 'a' }, { $set: { n: 2 } }));
      expect(await ticksDuring(300)).to.be.greaterThan(3);
      expect(first.done || second.done).to.equal(false);
      unlock();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([first.done, second.done, first.error, second.error]).to.deep.equal([true, true, undefined, undefined]);
      expect((await docs.findOne({ _id: 'a' }))?.n).to.equal(2);
      await store.close();
    });

    it('fails a write with SQLITE_BUSY once it has waited lockWaitMs, writing nothing', async () => {
      const path = join(dir.path, 'read-models.db');
      const store = new EmbeddedReadModelStore({ path, lockWaitMs: 200 });
      const docs = store.collection<{ _id: string }>('things');
      const unlock = lockFile(path);
      try {
        const error = await docs.insertOne({ _id: 'late' }).then(() => undefined, (e: unknown) => e);
        expect((error as { code?: string })?.code).to.match(/^SQLITE_BUSY/);
      } finally {
        unlock();
      }
      expect(await docs.findOne({ _id: 'late' })).to.equal(null);
      await docs.insertOne({ _id: 'after' });
      expect(await docs.findOne({ _id: 'after' })).to.deep.equal({ _id: 'after' });
      await store.close();
    });
  });

  describe('the embedded event store', () => {
    const event = (type: string) => ({ id: crypto.randomUUID(), type, data: {}, metadata: {} });

    it('keeps appends waiting for the lock without stopping the event loop, then commits them in the order asked', async () => {
      const path = join(dir.path, 'events.db');
      const store = new SqliteEventStore({ path });
      await store.appendToStream('s-1', [event('Zero')]);
      const unlock = lockFile(path);
      const first = settled(store.appendToStream('s-1', [event('One')], { expectedRevision: 0 }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = settled(store.appendToStream('s-1', [event('Two')], { expectedRevision: 1 }));
      expect(await ticksDuring(300)).to.be.greaterThan(3);
      expect(first.done || second.done).to.equal(false);
      unlock();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([first.error, second.error]).to.deep.equal([undefined, undefined]);
      expect((await store.readStream('s-1')).map((e) => e.type)).to.deep.equal(['Zero', 'One', 'Two']);
      await store.close();
    });

    it('fails appends with SQLITE_BUSY once they have waited lockWaitMs, appending nothing, and appends again once the lock is free', async () => {
      const path = join(dir.path, 'events.db');
      const store = new SqliteEventStore({ path, lockWaitMs: 200 });
      const unlock = lockFile(path);
      try {
        const error = await store.appendToStream('s-2', [event('Late')]).then(() => undefined, (e: unknown) => e);
        expect((error as { code?: string })?.code).to.match(/^SQLITE_BUSY/);
      } finally {
        unlock();
      }
      expect(await store.readStream('s-2')).to.deep.equal([]);
      await store.appendToStream('s-2', [event('After')]);
      expect((await store.readStream('s-2')).map((e) => e.type)).to.deep.equal(['After']);
      await store.close();
    });

    it('fails, on close, the appends still waiting for the lock', async () => {
      const path = join(dir.path, 'events.db');
      const store = new SqliteEventStore({ path });
      const unlock = lockFile(path);
      try {
        const waiting = store.appendToStream('s-3', [event('Waiting')]).then(() => undefined, (e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.close();
        expect(await waiting).to.be.instanceOf(Error);
      } finally {
        unlock();
      }
    });
  });

  /**
   * SQLite's busy handler sleeps on the thread that asked (1, 2, 5, 10 ms at a time, up to the
   * connection's busy_timeout): waiting there for another process's commit stopped this
   * process's event loop each time. A write asks for the lock without waiting and tries again
   * from the loop. Told here by the loop's stalls: a turn that came 20 ms or more after the one
   * before. The old wait stalled 25 ms at every attempt (six or more in 300 ms); a loop that
   * turns freely shows none, or a few on a machine so loaded that it paused this process (two,
   * in a CI run beside a probe of several shop processes on the same two cores).
   */
  describe('a write that finds the lock held', () => {
    const stallsDuring = async (ms: number) => {
      let stalls = 0;
      let last = performance.now();
      let stop = false;
      const turn = () => {
        const now = performance.now();
        if (now - last >= 20) stalls += 1;
        last = now;
        if (!stop) setImmediate(turn);
      };
      setImmediate(turn);
      await new Promise((resolve) => setTimeout(resolve, ms));
      stop = true;
      return stalls;
    };

    it('never waits for it inside SQLite: the event store retries from the loop, then commits', async () => {
      const path = join(dir.path, 'events.db');
      const store = new SqliteEventStore({ path });
      await store.appendToStream('s-4', [{ id: crypto.randomUUID(), type: 'Zero', data: {}, metadata: {} }]);
      const unlock = lockFile(path);
      const waiting = settled(store.appendToStream('s-4', [{ id: crypto.randomUUID(), type: 'One', data: {}, metadata: {} }], { expectedRevision: 0 }));
      expect(await stallsDuring(300)).to.be.at.most(3);
      expect(waiting.done).to.equal(false);
      unlock();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(waiting.error).to.equal(undefined);
      expect((await store.readStream('s-4')).map((e) => e.type)).to.deep.equal(['Zero', 'One']);
      // What waits inside SQLite still may: the connection's busy_timeout is back to its slice.
      expect(store.pragma('busy_timeout')).to.equal(BUSY_SLICE_MS);
      await store.close();
    });

    it('never waits for it inside SQLite: the read-model store retries from the loop, then writes', async () => {
      const path = join(dir.path, 'read-models.db');
      const store = new EmbeddedReadModelStore({ path });
      const docs = store.collection<{ _id: string; n: number }>('things');
      await docs.insertOne({ _id: 'a', n: 0 });
      const unlock = lockFile(path);
      const waiting = settled(docs.updateOne({ _id: 'a' }, { $set: { n: 1 } }));
      expect(await stallsDuring(300)).to.be.at.most(3);
      expect(waiting.done).to.equal(false);
      unlock();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(waiting.error).to.equal(undefined);
      expect((await docs.findOne({ _id: 'a' }))?.n).to.equal(1);
      await store.close();
    });
  });
});

describe("A write another connection of the process commits (the loader thread's), in the queue of writes", () => {
  it('goes after the writes asked before it; those asked meanwhile are not tried until it is done, then go in order, before the next', async () => {
    const queue = new WriteLockQueue();
    const order: string[] = [];
    let tried = 0;
    let finishElsewhere!: () => void;
    const before = queue.run(() => order.push('before'));
    const elsewhere = queue.runElsewhere(() => new Promise<void>((resolve) => (finishElsewhere = () => resolve(void order.push('elsewhere')))));
    const meanwhile = queue.run(() => {
      tried += 1;
      order.push('meanwhile');
    });
    const next = queue.runElsewhere(async () => void order.push('next elsewhere'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(tried, 'not tried while the other connection writes').to.equal(0);
    expect(order).to.deep.equal(['before']);
    finishElsewhere();
    await Promise.all([before, elsewhere, meanwhile, next]);
    expect(order).to.deep.equal(['before', 'elsewhere', 'meanwhile', 'next elsewhere']);
    expect(tried).to.equal(1);
  });
});
