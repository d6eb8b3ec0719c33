import { expect } from 'chai';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SharedPages } from '../../src/infrastructure/event-store/shared-pages.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp-dir.js';

/** A log of `size` events at positions 1..size, and a reader of it that counts the events it reads. */
const logOf = (size: number) => {
  const events: RecordedEvent[] = Array.from({ length: size }, (_, i) =>
    Object.freeze({ id: `e${i + 1}`, type: 'Happened', streamName: `s-${i % 7}`, revision: Math.floor(i / 7), position: i + 1, data: { n: i + 1 }, metadata: {}, recordedAt: '2026-12-04T00:00:00.000Z' }),
  );
  const file = { events, read: 0 };
  const read = (from: number, count: number) => {
    const page = events.filter((e) => e.position >= from).slice(0, count);
    file.read += page.length;
    return page;
  };
  return { file, read, expected: (from: number, count: number) => events.filter((e) => e.position >= from).slice(0, count) };
};

/** Reads the whole log as a LogFollower does: each page from the last event handled on. */
const follow = (pages: SharedPages, read: (from: number, count: number) => RecordedEvent[], size: number) => {
  const seen: number[] = [];
  let position = 0;
  for (;;) {
    const fresh = pages.read(position, size, read).filter((e) => e.position > position);
    if (fresh.length === 0) return seen;
    for (const e of fresh) seen.push(e.position);
    position = fresh[fresh.length - 1]!.position;
  }
};

describe('SharedPages: the events followers catching up at once read from the file once between them', () => {
  it('answers every read as the file does, whatever the readers, their page sizes and their order (the same event objects)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 4, max: 60 }),
        fc.array(fc.record({ reader: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 80 }),
        (logSize, capacity, steps) => {
          const { read, expected } = logOf(logSize);
          const pages = new SharedPages(capacity);
          const positions = [0, 0, 0, 0];
          for (const { reader, size } of steps) {
            const from = positions[reader]!;
            const page = pages.read(from, size, read);
            const want = expected(from, size);
            expect(page).to.have.length(want.length);
            page.forEach((event, i) => expect(event).to.equal(want[i]));
            if (page.length > 0) positions[reader] = page[page.length - 1]!.position;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps nothing for a lone reader (a rebuild): its pages meet at one event, so a page of it read again comes from the file', () => {
    const { file, read } = logOf(1000);
    const pages = new SharedPages(10_000);
    expect(follow(pages, read, 50)).to.have.length(1000);
    const once = file.read;
    expect(once).to.be.at.least(1000);
    for (const from of [0, 491, 981]) {
      const before = file.read;
      expect(pages.read(from, 10, read)).to.have.length(10);
      expect(file.read, `from ${from}`).to.equal(before + 10);
    }
  });

  it("keeps what a second reader's pages overlap, so a third reader, with pages of its own size, reads nothing from the file", () => {
    const { file, read } = logOf(1000);
    const pages = new SharedPages(10_000);
    expect(follow(pages, read, 500)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(follow(pages, read, 200)).to.have.length(1000);
    const twice = file.read;
    expect(follow(pages, read, 70)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(file.read).to.equal(twice);
  });

  it('keeps at most its capacity, forgetting the first kept: a reader behind them reads the file again', () => {
    const { file, read } = logOf(1000);
    const pages = new SharedPages(300);
    follow(pages, read, 100);
    follow(pages, read, 100);
    const before = file.read;
    expect(pages.read(900, 100, read).map((e) => e.position)).to.deep.equal(Array.from({ length: 100 }, (_, i) => 900 + i));
    expect(file.read, 'the last pages are kept').to.equal(before);
    expect(pages.read(1, 100, read)).to.have.length(100);
    expect(file.read, 'the first ones are not').to.equal(before + 100);
  });

  it('forgets what it kept once nobody has read any of it for a while', async () => {
    const { file, read } = logOf(100);
    const pages = new SharedPages(10_000, 20);
    follow(pages, read, 30);
    follow(pages, read, 30);
    const kept = file.read;
    pages.read(1, 30, read);
    expect(file.read, 'kept while read').to.equal(kept);
    // Expiry takes two idle periods (the read above counts as use): look every 100 ms, well apart from them, for up to 2 s
    // (a loaded machine delays timers; a read that still finds them kept counts as use again, hence the spacing).
    let before = file.read;
    for (const deadline = Date.now() + 2_000; Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      before = file.read;
      pages.read(1, 30, read);
      if (file.read > before) break;
    }
    expect(file.read, 'forgotten after a while unread').to.equal(before + 30);
  });

  describe('in the embedded event store', () => {
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => dir.remove());

    it('serves followers catching up on a log the process did not append from what the first two read, and a lone reader from the file', async () => {
      const path = join(dir.path, 'events.db');
      const writer = new SqliteEventStore({ path });
      for (let i = 0; i < 30; i += 1) await writer.appendToStream(`cart-${i % 4}`, Array.from({ length: 10 }, (_, j) => ({ id: uuid(), type: 'Added', data: { n: i * 10 + j }, metadata: {} })));
      await writer.close();
      const catchUp = async (store: SqliteEventStore, size: number) => {
        const seen: RecordedEvent[] = [];
        for (let position = 0; ; ) {
          const fresh = (await store.readAll({ fromPosition: position, maxCount: size })).filter((e) => e.position > position);
          if (fresh.length === 0) return seen;
          seen.push(...fresh);
          position = fresh[fresh.length - 1]!.position;
        }
      };
      const shop = new SqliteEventStore({ path });
      const first = await catchUp(shop, 100);
      expect(first.map((e) => e.data.n)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
      expect(await catchUp(shop, 40)).to.deep.equal(first);
      // Behind every store's back (events never change: this only shows where an answer came from).
      const db = new Database(path);
      db.prepare('UPDATE events SET data = ? WHERE position = 150').run(JSON.stringify({ tampered: true }));
      db.close();
      const third = await catchUp(shop, 25);
      expect(third[149]!.data, 'from what the first two read').to.deep.equal({ n: 149 });
      expect(third).to.deep.equal(first);
      const lone = new SqliteEventStore({ path });
      expect((await catchUp(lone, 100))[149]!.data, 'a lone reader of another store reads the file').to.deep.equal({ tampered: true });
      await lone.close();
      await shop.close();
    });
  });
});
