import { expect } from 'chai';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { damageIndexLeaf } from '../support/damaged-log.js';
import { EXIT_WITH_PARENT, startServer } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { storesFixture } from './stores-fixture.js';

/**
 * A shop's stores must be of one shop (the key store: key-store-checks.test.ts): a log emptied or restored from an older backup beside
 * read models that folded more of it, or a key store lost beside a log sealed with its keys,
 * was served without a word (new orders skipped as folded already; every account locked out
 * and its email free to register again). The shop refuses to start, naming the store and what
 * to do. And a log it cannot write (stdout on a full disk) loses lines, never the shop.
 */
describe('the stores of one shop, checked at start', function () {
  this.timeout(60_000);
  const f = storesFixture();

  it('refuses an event log that ends before what the read models folded (emptied, or an older backup), naming both stores', async () => {
    await f.shop();
    for (const file of f.files('events.db')) rmSync(file, { force: true });
    const message = await f.refused();
    expect(message).to.match(/exited with 1/).and.match(/cannot start: the read models have folded the event log up to position \d+/).and.match(/the log ends at 0/);
    expect(message).to.not.match(/\n\s+at /); // no stack trace
    // The operator's way out, as the message says: without the read models, they are rebuilt from this log.
    for (const file of f.files('read-models.db')) rmSync(file, { force: true });
    await f.start();
    expect((await fetch(`${f.url()}/health`)).status).to.equal(200);
  });

  it('refuses an older backup of the log beside newer read models', async () => {
    await f.start();
    await f.register('first@test.local');
    await f.stop();
    const backup = join(f.dir().path, 'events-backup.db');
    copyFileSync(join(f.dir().path, 'events.db'), backup);
    await f.start();
    for (let i = 0; i < 3; i += 1) await f.register(`later-${i}@test.local`);
    await f.ready();
    await f.stop();
    for (const file of f.files('events.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(f.dir().path, 'events.db'));
    expect(await f.refused()).to.match(/cannot start: the read models have folded the event log up to position \d+/);
  });

  it("refuses another copy of this shop's log (a copy of its DATA_DIR written to since) beside read models that folded other events at their positions", async () => {
    await f.shop();
    const copy = tempDir();
    try {
      for (const name of ['events.db', 'read-models.db', 'keys.db', 'jwt-secret']) for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(f.dir().path, `${name}${suffix}`))) copyFileSync(join(f.dir().path, `${name}${suffix}`), join(copy.path, `${name}${suffix}`));
      // Each copy goes its own way: ours a little, the copy more (its log longer than what our read models folded).
      await f.start();
      await f.register('ours@test.local');
      await f.ready();
      await f.stop();
      await f.start({ DATA_DIR: copy.path });
      for (let i = 0; i < 4; i += 1) await f.register(`copy-${i}@test.local`);
      await f.ready();
      await f.stop();
      for (const [i, file] of f.files('events.db').entries()) {
        rmSync(file, { force: true });
        const from = join(copy.path, `events.db${['', '-wal', '-shm'][i]}`);
        if (existsSync(from)) copyFileSync(from, file);
      }
      // The keys of the copy's customers are in the copy's keys.db: with it, only the events tell the logs apart.
      for (const [i, file] of f.files('keys.db').entries()) {
        rmSync(file, { force: true });
        const from = join(copy.path, `keys.db${['', '-wal', '-shm'][i]}`);
        if (existsSync(from)) copyFileSync(from, file);
      }
      const message = await f.refused();
      expect(message).to.match(/cannot start: the read models folded the event log up to position \d+ \([a-z-]+\), where they read event [0-9a-f-]{36}, but this log has event [0-9a-f-]{36} there/);
    } finally {
      copy.remove();
    }
  });

  it("names another shop's log beside our read models and keys as the log's mix-up, not as a lost key store", async () => {
    await f.shop();
    const other = tempDir();
    try {
      // Another shop with customers of its own, and a longer log.
      await f.start({ DATA_DIR: other.path });
      for (let i = 0; i < 6; i += 1) await f.register(`theirs-${i}@test.local`);
      await f.ready();
      await f.stop();
      for (const file of f.files('events.db')) rmSync(file, { force: true });
      copyFileSync(join(other.path, 'events.db'), join(f.dir().path, 'events.db'));
      const message = await f.refused();
      expect(message).to.match(/cannot start: the read models were built from the event log of shop [0-9a-f-]{36}, but this log is shop [0-9a-f-]{36}'s/);
    } finally {
      other.remove();
    }
  });

  it('finds an events.db damaged where nothing reads it at start (an index page of old events): not ready, writes refused with 503, the file named once', async () => {
    await f.shop();
    await f.receipts();
    // A leaf of the index of event ids, in the middle of it: the start's reads take other paths.
    const path = join(f.dir().path, 'events.db');
    damageIndexLeaf(path);
    const headOf = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare<[], number>('SELECT MAX(position) FROM events').pluck().get()!;
      } finally {
        db.close();
      }
    };
    const head = headOf();
    // The whole file is checked from a thread as the store opens. Found before the start is through
    // (a small file: milliseconds), the start is refused naming it; found after, the shop is not
    // ready and refuses every write. Either way it is named, and nothing more is written to it.
    const started = await startServer(f.env()).then(
      (running) => (f.adopt(running), undefined),
      (error: Error) => error.message,
    );
    if (started !== undefined) {
      expect(started).to.match(/^data: .*events\.db is damaged/m).and.include('do not delete it');
    } else {
      const ready = await eventually(async () => {
        const res = await fetch(`${f.url()}/ready`);
        const body = (await res.json()) as { checks: { eventStore: string } };
        return res.status === 503 && /damaged/.test(body.checks.eventStore) ? body : undefined;
      });
      expect(ready.checks.eventStore).to.include('events.db is damaged');
      const write = await fetch(`${f.url()}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'after@test.local', password: 'correct-horse', name: 'After' }) });
      expect(write.status).to.equal(503);
      expect(((await write.json()) as { type: string }).type).to.equal('urn:shop:problem:storage-damaged');
      const named = f.logs().filter((line) => line.includes('data: ') && line.includes('events.db is damaged'));
      expect(named, 'said once').to.have.length(1);
      expect(named[0]).to.include('do not delete it');
    }
    expect(headOf(), 'nothing more written to it').to.equal(head);
  });

  it('starts on stores that agree, the same as before', async () => {
    await f.shop();
    await f.start();
    expect((await fetch(`${f.url()}/health`)).status).to.equal(200);
  });

  it('keeps answering when its log cannot be written (stdout on a full disk: /dev/full)', async () => {
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [...EXIT_WITH_PARENT, MAIN], {
      env: { ...process.env, ...f.env(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'debug', PASSWORD_HASH_COST: '10', CREDENTIAL_ATTEMPTS_PER_MINUTE: '0', PASSWORD_HASHES_IN_FLIGHT: '0' },
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await fetch(`${url}/health`).catch(() => undefined))?.status === 200 ? true : undefined), 20_000);
      // Every request logs a line (debug), none of which the disk takes.
      for (let i = 0; i < 50; i += 1) {
        const res = await fetch(`${url}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `full-${i}@test.local`, password: 'correct-horse', name: 'Full' }) });
        expect(res.status).to.equal(201);
      }
      expect((await fetch(`${url}/health`)).status).to.equal(200);
      expect(child.exitCode, stderr).to.equal(null);
      child.kill('SIGTERM');
      expect(await exited, stderr).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});


const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
