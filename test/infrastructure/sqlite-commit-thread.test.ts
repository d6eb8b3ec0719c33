import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { WrongExpectedVersionError } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp-dir.js';
import { eventStoreContract } from './event-store.contract.js';

/**
 * With `commitThread`, the embedded event store commits a file's batches from a thread of its
 * own, while its own connection only reads: what it knows of the log's tail (LocalTail) must tell its own
 * commits (made by the thread) from another process's.
 */

let contractDir: ReturnType<typeof tempDir>;
let contractStore: SqliteEventStore | undefined;

eventStoreContract(
  'embedded SQLite, committing from its thread',
  async () => {
    contractDir = tempDir();
    contractStore = new SqliteEventStore({ path: join(contractDir.path, 'events.db'), commitThread: true });
    return contractStore;
  },
  async () => {
    await contractStore?.close();
    contractDir.remove();
  },
);

const event = (type = 'A') => ({ id: uuid(), type, data: { n: Math.random() }, metadata: {} });

describe('embedded event store: commits from a thread of its own', () => {
  let dir: ReturnType<typeof tempDir>;
  const opened: SqliteEventStore[] = [];
  const open = () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db'), commitThread: true });
    opened.push(store);
    return store;
  };
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    dir.remove();
  });

  it('writes through another connection than the one it reads with (the commit thread\'s)', async () => {
    const store = open();
    const reader = new Database(join(dir.path, 'events.db'), { readonly: true });
    const version = () => reader.pragma('data_version', { simple: true }) as number;
    const before = version();
    await store.appendToStream('s-1', [event()]);
    expect(version()).to.not.equal(before);
    // The store's own connection sees the commit as another connection's: it wrote nothing itself.
    const own = store.pragma('data_version') as number;
    await store.appendToStream('s-1', [event()]);
    expect(store.pragma('data_version')).to.not.equal(own);
    reader.close();
  });

  it('sees, in a stream it appended to last, what another process appended after it', async () => {
    const mine = open();
    const other = open();
    await mine.appendToStream('shared', [event()]);
    expect((await mine.readStream('shared', { fromRevision: 1 })).length).to.equal(0); // known from the tail: nothing after 0
    await other.appendToStream('shared', [event('B')], { expectedRevision: 0 });
    const after = await mine.readStream('shared', { fromRevision: 1 });
    expect(after.map((e) => e.type)).to.deep.equal(['B']);
    // And an append deciding on revision 0 is refused, not written over it.
    const refused = await mine.appendToStream('shared', [event()], { expectedRevision: 0 }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(WrongExpectedVersionError);
  });

  it('reads $all with every process appends in position order, when they interleave with its own', async () => {
    const mine = open();
    const other = open();
    const types: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const store = i % 3 === 1 ? other : mine;
      const type = `${store === mine ? 'M' : 'O'}${i}`;
      await store.appendToStream(`s-${i % 2}`, [event(type)]);
      types.push(type);
      expect((await mine.readAll()).map((e) => e.type)).to.deep.equal(types);
      const head = await mine.headPosition();
      expect((await mine.readAll({ fromPosition: head })).map((e) => e.type)).to.deep.equal([type]);
      expect(await mine.readAll({ fromPosition: head + 1 })).to.deep.equal([]);
    }
  });

  it('commits what is appended while a batch is on its way in the next batch, each append in its order', async () => {
    const store = open();
    const first = store.appendToStream('ordered', [event('1')]);
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is on its way
    const rest = [2, 3, 4].map((n) => store.appendToStream('ordered', [event(String(n))]));
    const results = await Promise.all([first, ...rest]);
    expect(results.map((r) => r.nextExpectedRevision)).to.deep.equal([0, 1, 2, 3]);
    expect((await store.readStream('ordered')).map((e) => e.type)).to.deep.equal(['1', '2', '3', '4']);
  });

  it('waits for the batch on its way when closed, and refuses appends made after the close began', async () => {
    const store = open();
    const pending = store.appendToStream('closing', [event()]);
    const closed = store.close();
    const late = await store.appendToStream('closing', [event()]).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(Error);
    expect((late as Error).message).to.equal('event store is closed');
    expect((await pending).nextExpectedRevision).to.equal(0);
    await closed;
    const reopened = open();
    expect((await reopened.readStream('closing')).length).to.equal(1);
  });
});
