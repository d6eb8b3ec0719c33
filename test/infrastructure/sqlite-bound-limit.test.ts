import Database from 'better-sqlite3';
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { LIMIT_PARAM } from '../../src/infrastructure/sqlite-bound-limit.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * No statement of the embedded stores binds a bare `LIMIT ?` (see LIMIT_PARAM): SQLite plans
 * such a statement on the value bound, and compiles it again each time better-sqlite3 binds it,
 * which is every run. Both the source and the statements the stores prepare are checked, and
 * the reads that bind a limit still answer that many.
 */
const BARE_BOUND_LIMIT = /\b(?:LIMIT|OFFSET)\s+\?/i;
/** In the source, SQL's own spelling (`limit ?` is also a ternary of JavaScript); the module that explains it is left out. */
const BARE_BOUND_LIMIT_IN_SOURCE = /\b(?:LIMIT|OFFSET)\s+\?/;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });

describe('embedded stores: a bound LIMIT is never a bare parameter', () => {
  let dir: ReturnType<typeof tempDir>;
  let prepared: string[];
  const prepare = Database.prototype.prepare;
  beforeEach(() => {
    dir = tempDir();
    prepared = [];
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push(sql);
      return prepare.call(this, sql);
    } as typeof prepare;
  });
  afterEach(() => {
    Database.prototype.prepare = prepare;
    dir.remove();
  });

  it('writes it `LIMIT +?`, which the planner does not read', () => {
    expect(LIMIT_PARAM).to.equal('LIMIT +?');
    expect(LIMIT_PARAM).not.to.match(BARE_BOUND_LIMIT);
  });

  it('has no bare `LIMIT ?` or `OFFSET ?` anywhere in the source', () => {
    const files = sourceFiles(join(process.cwd(), 'src')).filter((file) => !file.endsWith('sqlite-bound-limit.ts'));
    expect(files.length).to.be.greaterThan(100);
    const offending = files.filter((file) => BARE_BOUND_LIMIT_IN_SOURCE.test(readFileSync(file, 'utf8')));
    expect(offending).to.deep.equal([]);
  });

  it('prepares none in the event store, and its limited reads answer that many events', async () => {
    const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    try {
      const events = Array.from({ length: 5 }, (_, i) => ({ id: uuid(), type: `E${i}`, data: {}, metadata: {} }));
      await store.appendToStream('s-1', events);
      expect((await store.readStream('s-1', { maxCount: 2 })).map((e) => e.type)).to.deep.equal(['E0', 'E1']);
      expect((await store.readStream('s-1', { direction: 'backwards', maxCount: 1 })).map((e) => e.type)).to.deep.equal(['E4']);
      expect((await store.readStream('s-1', { fromRevision: 1, maxCount: 0 })).length).to.equal(0);
      expect((await store.readAll({ maxCount: 3 })).map((e) => e.type)).to.deep.equal(['E0', 'E1', 'E2']);
      expect(await store.countEventsAfter(0, 3)).to.equal(3);
      expect((await store.readStream('never-written')).length).to.equal(0);
    } finally {
      await store.close();
    }
    expect(prepared.filter((sql) => sql.includes(LIMIT_PARAM)).length).to.be.greaterThan(3);
    expect(prepared.filter((sql) => BARE_BOUND_LIMIT.test(sql))).to.deep.equal([]);
  });

  it('prepares none in the read-model store', async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    try {
      await store.collection('things').insertOne({ _id: 'a', n: 1 });
      expect(await store.collection('things').findOne({ _id: 'a' })).to.include({ n: 1 });
      await store.dropCollection('things');
    } finally {
      await store.close();
    }
    expect(prepared.some((sql) => sql.includes(LIMIT_PARAM))).to.equal(true);
    expect(prepared.filter((sql) => BARE_BOUND_LIMIT.test(sql))).to.deep.equal([]);
  });
});
