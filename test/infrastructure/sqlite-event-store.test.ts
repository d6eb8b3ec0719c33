import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { IdempotencyViolationError } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp-dir.js';
import { eventStoreContract } from './event-store.contract.js';

let dir: ReturnType<typeof tempDir>;
let store: SqliteEventStore | undefined;

eventStoreContract(
  'embedded SQLite',
  async () => {
    dir = tempDir();
    store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    return store;
  },
  async () => {
    await store?.close();
    dir.remove();
  },
);

describe('embedded SQLite event store', () => {
  it('keeps appended events across a reopen of the file', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const first = new SqliteEventStore({ path });
    await first.appendToStream('durable-1', [{ id: uuid(), type: 'A', data: {}, metadata: {} }]);
    await first.close();
    const second = new SqliteEventStore({ path });
    expect((await second.readStream('durable-1')).map((e) => e.type)).to.deep.equal(['A']);
    await second.close();
    dir.remove();
  });

  it('runs durable: WAL journal with synchronous=FULL', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const opened = new SqliteEventStore({ path });
    expect(opened.pragma('journal_mode')).to.equal('wal');
    expect(opened.pragma('synchronous')).to.equal(2); // FULL
    await opened.close();
    dir.remove();
  });

  it('commits appends queued in the same turn of the event loop in one transaction', async () => {
    const dir = tempDir();
    const opened = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const before = opened.commitCount;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        opened.appendToStream(`group-${i}`, [{ id: uuid(), type: 'A', data: {}, metadata: {} }]),
      ),
    );
    expect(opened.commitCount - before).to.equal(1);
    await opened.close();
    dir.remove();
  });

  it('takes back only the append whose write fails inside a batch, of one event (no savepoint) or several, and commits its neighbours', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const opened = new SqliteEventStore({ path });
    // The disk refusing one row (as SQLITE_FULL or an I/O error would): a trigger aborts that INSERT.
    const db = new Database(path);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'Refused' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    db.close();
    const event = (type: string) => ({ id: uuid(), type, data: {}, metadata: {} });
    const before = opened.commitCount;
    const outcomes = await Promise.allSettled([
      opened.appendToStream('batch-a', [event('A')]),
      opened.appendToStream('batch-b', [event('Refused')]),
      opened.appendToStream('batch-c', [event('C1'), event('C2')]),
      opened.appendToStream('batch-d', [event('D1'), event('Refused')]),
      opened.appendToStream('batch-e', [event('E')]),
    ]);
    expect(opened.commitCount - before).to.equal(1);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).to.match(/refused/);
    const streams = new Map<string, string[]>();
    for (const e of await opened.readAll()) streams.set(e.streamName, [...(streams.get(e.streamName) ?? []), e.type]);
    expect(Object.fromEntries(streams)).to.deep.equal({ 'batch-a': ['A'], 'batch-c': ['C1', 'C2'], 'batch-e': ['E'] });
    // Read again from the file, not from what this process remembers of its appends.
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT stream_name, type FROM events ORDER BY position').all()).to.deep.equal([
      { stream_name: 'batch-a', type: 'A' },
      { stream_name: 'batch-c', type: 'C1' },
      { stream_name: 'batch-c', type: 'C2' },
      { stream_name: 'batch-e', type: 'E' },
    ]);
    reopened.close();
    await opened.close();
    dir.remove();
  });

  // Stricter than EventStoreDB, which writes such a batch with the duplicate id in it.
  it('rejects a batch that repeats an id of the stream after a new first id, writing nothing', async () => {
    const dir = tempDir();
    const opened = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const a = { id: uuid(), type: 'A', data: {}, metadata: {} };
    await opened.appendToStream('dup-1', [a], { expectedRevision: 'no_stream' });
    const error = await opened
      .appendToStream('dup-1', [{ id: uuid(), type: 'B', data: {}, metadata: {} }, a], { expectedRevision: 0 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(IdempotencyViolationError);
    expect((await opened.readStream('dup-1')).map((e) => e.type)).to.deep.equal(['A']);
    await opened.close();
    dir.remove();
  });

  // Stricter than EventStoreDB, which finds it only when told where to look (lookBack).
  it('finds a batch written before anywhere in the stream, without being told where to look, and writes nothing', async () => {
    const dir = tempDir();
    const opened = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const batch = [{ id: uuid(), type: 'A', data: {}, metadata: {} }, { id: uuid(), type: 'B', data: {}, metadata: {} }];
    const first = await opened.appendToStream('again-1', batch, { expectedRevision: 'no_stream' });
    await opened.appendToStream('again-1', [{ id: uuid(), type: 'C', data: {}, metadata: {} }], { expectedRevision: 1 });
    for (const expectedRevision of [2, 'any', 'stream_exists'] as const) {
      expect(await opened.appendToStream('again-1', batch, { expectedRevision })).to.deep.equal({ ...first, repeated: true });
    }
    expect((await opened.readStream('again-1')).map((e) => e.type)).to.deep.equal(['A', 'B', 'C']);
    await opened.close();
    dir.remove();
  });

  it('wakes a subscriber when another process (connection) appends to the file', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const reader = new SqliteEventStore({ path, crossProcessPollMs: 10 });
    const writer = new SqliteEventStore({ path });
    const subscription = reader.subscribeToAll();
    const received = (async () => {
      for await (const e of subscription) return e.type;
      return undefined;
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await writer.appendToStream('other-1', [{ id: uuid(), type: 'FromElsewhere', data: {}, metadata: {} }]);
    expect(await received).to.equal('FromElsewhere');
    await subscription.close();
    await writer.close();
    await reader.close();
    dir.remove();
  });

  it('hands a subscription batches of what is there at once, up to the size asked, and the next one in the turn an append wakes it', async () => {
    const dir = tempDir();
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const append = (n: number) => store.appendToStream(`batch-${n}`, [{ id: uuid(), type: `E${n}`, data: {}, metadata: {} }]);
    for (let n = 1; n <= 5; n += 1) await append(n);
    const subscription = store.subscribeToAll();
    const batches = subscription.batches!(3)[Symbol.asyncIterator]();
    const types = async () => ((await batches.next()).value as Array<{ type: string }>).map((e) => e.type);
    expect(await types()).to.deep.equal(['E1', 'E2', 'E3']);
    expect(await types()).to.deep.equal(['E4', 'E5']);
    const next = types();
    await append(6);
    // Resolved before the loop comes round (setImmediate): no turn is waited for to see whether more comes.
    let turned = false;
    setImmediate(() => (turned = true));
    expect(await next).to.deep.equal(['E6']);
    expect(turned, 'a turn of the loop went by first').to.equal(false);
    await subscription.close();
    await store.close();
    dir.remove();
  });
});
