import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * What a process knows of the log's tail (LocalTail) when another process appends to the same
 * file (here, another connection): it reads those events once and goes on answering from
 * memory, and what it knows of their streams is their last revision.
 */
describe('embedded SQLite event store: the local tail when another process appends', () => {
  let dir: ReturnType<typeof tempDir>;
  let mine: SqliteEventStore;
  let other: SqliteEventStore;
  beforeEach(() => {
    dir = tempDir();
    mine = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    other = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  });
  afterEach(async () => {
    await other.close();
    await mine.close();
    dir.remove();
  });

  const event = (type: string, data: Record<string, unknown> = {}) => ({ id: uuid(), type, data, metadata: {} });
  // Another process's commit becomes known here in a later turn of the event loop (an I/O event).
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  /** Changes an event in the file behind every store's back (events never change: this only shows where an answer came from). */
  const tamper = (position: number) => {
    const db = new Database(join(dir.path, 'events.db'));
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ tampered: true }), position);
    db.close();
  };

  it("answers a stream's new events after the other process appended to it, each time", async () => {
    await mine.appendToStream('mine-1', [event('Mine')]);
    await other.appendToStream('shared', [event('S0'), event('S1')]);
    await nextTurn();
    expect((await mine.readStream('shared', { fromRevision: 1 })).map((e) => e.type)).to.deep.equal(['S1']);
    expect(await mine.readStream('shared', { fromRevision: 2 })).to.deep.equal([]);
    await other.appendToStream('shared', [event('S2')]);
    await nextTurn();
    expect((await mine.readStream('shared', { fromRevision: 2 })).map((e) => e.type)).to.deep.equal(['S2']);
    // Its own appends go on after them, each where it belongs.
    await mine.appendToStream('shared', [event('S3')], { expectedRevision: 2 });
    expect((await mine.readAll({ fromPosition: 1 })).map((e) => e.type)).to.deep.equal(['Mine', 'S0', 'S1', 'S2', 'S3']);
  });

  it('reads the events another process appended once, then from memory', async () => {
    await mine.appendToStream('mine-1', [event('Mine')]);
    const { position } = await other.appendToStream('other-1', [event('Theirs', { n: 1 })]);
    await nextTurn();
    expect((await mine.readAll({ fromPosition: position })).map((e) => e.data)).to.deep.equal([{ n: 1 }]);
    tamper(position);
    await nextTurn();
    expect((await mine.readAll({ fromPosition: position })).map((e) => e.data), 'read once: from memory').to.deep.equal([{ n: 1 }]);
    // A store that never read it reads the file.
    expect((await other.readAll({ fromPosition: position })).map((e) => e.data)).to.deep.equal([{ n: 1 }]);
    const fresh = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    expect((await fresh.readAll({ fromPosition: position })).map((e) => e.data)).to.deep.equal([{ tampered: true }]);
    await fresh.close();
  });

  it('reads from the file again after a run of events longer than it takes in at once', async () => {
    await mine.appendToStream('mine-1', [event('Mine')]);
    await other.appendToStream('bulk', Array.from({ length: 2_001 }, (_, i) => event(`B${i}`)));
    await nextTurn();
    const all = await mine.readAll({ fromPosition: 2 });
    expect(all).to.have.length(2_001);
    expect([all[0]!.type, all[2_000]!.type]).to.deep.equal(['B0', 'B2000']);
    expect((await mine.readStream('bulk', { fromRevision: 2_000 })).map((e) => e.type)).to.deep.equal(['B2000']);
    await mine.appendToStream('bulk', [event('After')], { expectedRevision: 2_000 });
    expect((await other.readStream('bulk', { fromRevision: 2_001 })).map((e) => e.type)).to.deep.equal(['After']);
  });
});
