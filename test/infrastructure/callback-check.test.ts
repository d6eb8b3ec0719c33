import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { CallbackCheck } from '../../src/infrastructure/callback-check.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { tempDir } from '../support/temp-dir.js';
import { writerProcess, type Write, type WriterProcess } from '../support/writer-process.js';

/**
 * The embedded stores look at their file (PRAGMA data_version) once per callback of the event
 * loop, not on every read. They held that look for a whole turn of the loop (until the next
 * setImmediate), and a turn runs its timers before its I/O callbacks: a look made by a timer
 * (a process manager's retry, a poll) then held for a request that came in the same turn from
 * a client another process had just answered, and the request read what was there before
 * that client's write. Here the other process writes while a timer of this one is running,
 * right after it looked, and this process reads in the callback of the message that tells it:
 * the read sees the write, in each of the three stores.
 */
describe('The embedded stores after another process wrote, in the same turn of the event loop', () => {
  let dir: ReturnType<typeof tempDir>;
  let writer: WriterProcess;
  const closing: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    dir = tempDir();
    writer = await writerProcess(dir.path);
  });
  afterEach(async () => {
    await writer.close();
    for (const close of closing.splice(0)) await close();
    dir.remove();
  });

  let turns = 0;
  /**
   * `look` in a timer (it must finish there); in the next timer of the same turn, the other
   * process's `write`, waited for without leaving that timer; then `read`, in the callback of
   * the message that answers the write: an I/O callback of the same turn.
   */
  const lookWriteRead = <T>(look: () => Promise<unknown>, write: Write, read: () => Promise<T>): Promise<T> => {
    turns += 1;
    const go = join(dir.path, `go-${turns}`);
    const done = join(dir.path, `done-${turns}`);
    const answered = writer.writeWhenTold(write, go, done);
    return new Promise<T>((resolve, reject) => {
      let looked = false;
      setTimeout(() => void look().then(() => (looked = true), reject), 0);
      setTimeout(() => {
        if (!looked) return reject(new Error('the look did not finish in its timer'));
        writeFileSync(go, '');
        const until = Date.now() + 10_000;
        while (!existsSync(done)) if (Date.now() > until) return reject(new Error('the other process did not write'));
        // Its answer on its way into this process's pipe, before this timer ends.
        const sent = Date.now() + 50;
        while (Date.now() < sent);
        void answered.then(read).then(resolve, reject);
      }, 0);
    });
  };

  it('the log: a stream read sees the event the other process appended', async () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db'), crossProcessWake: false, crossProcessPollMs: 3_600_000 });
    closing.push(() => store.close());
    const stream = `cart-${uuid()}`;
    await store.appendToStream(stream, [{ id: uuid(), type: 'Written', data: {}, metadata: {} }]);
    const after = () => store.readStream(stream, { fromRevision: 1 });
    expect(await after(), 'nothing after revision 0 yet').to.deep.equal([]);

    const seen = await lookWriteRead(after, { op: 'append', streamName: stream }, after);

    expect(seen.map((event) => [event.revision, event.type])).to.deep.equal([[1, 'Written']]);
  });

  it('the read models: a document read by id has the value the other process wrote', async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    closing.push(() => store.close());
    const carts = store.collection<{ _id: string; value: number }>('carts');
    await carts.updateOne({ _id: 'c1' }, { $set: { value: 1 } }, { upsert: true });
    const read = () => carts.findOne({ _id: 'c1' });
    expect(await read()).to.deep.equal({ _id: 'c1', value: 1 });

    const seen = await lookWriteRead(read, { op: 'set', collection: 'carts', id: 'c1', value: 2 }, read);

    expect(seen).to.deep.equal({ _id: 'c1', value: 2 });
  });

  it('the keys: a key the other process destroyed reads as destroyed', async () => {
    const store = new SqliteKeyStore(join(dir.path, 'keys.db'));
    closing.push(() => store.close());
    await store.keys(['k1'], { create: true });
    const read = async () => (await store.keys(['k1'])).get('k1');
    expect(await read()).to.have.property('key');
    const destructions = await store.destructions();

    const seen = await lookWriteRead(read, { op: 'destroy', keyId: 'k1' }, async () => ({ state: await read(), destructions: await store.destructions() }));

    expect(seen.state).to.have.property('destroyedAt').that.is.a('string');
    expect(seen.state).not.to.have.property('key');
    expect(seen.destructions).to.equal(destructions + 1);
  });
});

describe('CallbackCheck', () => {
  it('holds for the callback that looked and the microtasks it led to, and not for the next callback', async () => {
    const check = new CallbackCheck();
    const seen: string[] = [];
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        seen.push(`before the look: ${check.holds}`);
        check.look();
        void Promise.resolve()
          .then(() => Promise.resolve())
          .then(() => seen.push(`in its microtasks: ${check.holds}`));
        setTimeout(() => {
          seen.push(`in the next timer: ${check.holds}`);
          check.look();
          check.forget();
          seen.push(`once forgotten: ${check.holds}`);
          resolve();
        }, 0);
      }, 0),
    );
    expect(seen).to.deep.equal(['before the look: false', 'in its microtasks: true', 'in the next timer: false', 'once forgotten: false']);
  });
});
