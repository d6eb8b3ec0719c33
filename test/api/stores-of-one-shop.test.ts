import { expect } from 'chai';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { damageIndexLeaf } from '../support/damaged-log.js';
import { EXIT_WITH_PARENT, killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A shop's stores must be of one shop: a log emptied or restored from an older backup beside
 * read models that folded more of it, or a key store lost beside a log sealed with its keys,
 * was served without a word (new orders skipped as folded already; every account locked out
 * and its email free to register again). The shop refuses to start, naming the store and what
 * to do. And a log it cannot write (stdout on a full disk) loses lines, never the shop.
 */
describe('the stores of one shop, checked at start', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    server = undefined;
    dir.remove();
  });

  const env = () => ({ DATA_DIR: dir.path, SEED_DEMO: 'false', ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', RATE_LIMIT_PER_MINUTE: '0' });
  const register = async (email: string) => {
    const res = await fetch(`${server!.url}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct-horse', name: 'Kept' }) });
    expect(res.status, await res.clone().text()).to.equal(201);
  };
  const stop = async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).to.equal(0);
    server = undefined;
  };
  const files = (name: string) => [name, `${name}-wal`, `${name}-shm`].map((file) => join(dir.path, file));
  const refused = async () => {
    const failure = await startServer(env()).then(
      (started) => ((server = started), undefined),
      (error: Error) => error,
    );
    expect(failure, 'refused to start').to.be.instanceOf(Error);
    return failure!.message;
  };
  /** A shop with customers whose read models folded the log: then stopped. */
  const shop = async () => {
    server = await startServer(env());
    for (let i = 0; i < 3; i += 1) await register(`kept-${i}@test.local`);
    await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
    await stop();
  };

  it('refuses an event log that ends before what the read models folded (emptied, or an older backup), naming both stores', async () => {
    await shop();
    for (const file of files('events.db')) rmSync(file, { force: true });
    const message = await refused();
    expect(message).to.match(/exited with 1/).and.match(/cannot start: the read models have folded the event log up to position \d+/).and.match(/the log ends at 0/);
    expect(message).to.not.match(/\n\s+at /); // no stack trace
    // The operator's way out, as the message says: without the read models, they are rebuilt from this log.
    for (const file of files('read-models.db')) rmSync(file, { force: true });
    server = await startServer(env());
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });

  it('refuses an older backup of the log beside newer read models', async () => {
    server = await startServer(env());
    await register('first@test.local');
    await stop();
    const backup = join(dir.path, 'events-backup.db');
    copyFileSync(join(dir.path, 'events.db'), backup);
    server = await startServer(env());
    for (let i = 0; i < 3; i += 1) await register(`later-${i}@test.local`);
    await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
    await stop();
    for (const file of files('events.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(dir.path, 'events.db'));
    expect(await refused()).to.match(/cannot start: the read models have folded the event log up to position \d+/);
  });

  it('refuses a log sealed with keys the key store has no trace of (keys.db lost), naming the key store; restored, the shop is as it was', async () => {
    await shop();
    const backup = join(dir.path, 'keys-backup.db');
    copyFileSync(join(dir.path, 'keys.db'), backup);
    for (const file of files('keys.db')) rmSync(file, { force: true });
    const message = await refused();
    expect(message).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/).and.match(/keys\.db/);
    // The refused start changed nothing: with the key store back, the customers sign in and their emails stay taken.
    for (const file of files('keys.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(dir.path, 'keys.db'));
    server = await startServer(env());
    const login = await fetch(`${server.url}/api/v1/account/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'kept-0@test.local', password: 'correct-horse' }) });
    expect(login.status).to.equal(200);
    const again = await fetch(`${server.url}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'kept-1@test.local', password: 'correct-horse', name: 'Twice' }) });
    expect(again.status).to.equal(409);
  });

  it('refuses a lost keys.db whatever the log ends with: the customers the read models know have no key', async () => {
    await shop();
    // The log's latest 1,100 events seal nothing (stock receipts, appended as an older version of the shop would have).
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const productId = uuid();
    await events.appendToStream('inventory-SKU-R', Array.from({ length: 1_100 }, () => ({
      id: uuid(), type: 'StockReceived', data: { sku: 'SKU-R', productId, quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' },
      metadata: { correlationId: uuid(), causationId: uuid(), actor: 'admin:ops', occurredAt: '2026-01-01T00:00:00.000Z' },
    })));
    await events.close();
    for (const file of files('keys.db')) rmSync(file, { force: true });
    expect(await refused()).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/);
  });

  /** The log's latest 1,100 events seal nothing (stock receipts, appended as an older version of the shop would have). */
  const receipts = async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const productId = uuid();
    await events.appendToStream(`inventory-SKU-${productId}`, Array.from({ length: 1_100 }, () => ({
      id: uuid(), type: 'StockReceived', data: { sku: 'SKU-R', productId, quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' },
      metadata: { correlationId: uuid(), causationId: uuid(), actor: 'admin:ops', occurredAt: '2026-01-01T00:00:00.000Z' },
    })));
    await events.close();
  };

  it('refuses a lost keys.db with the read models removed too (nothing left that knows the customers but the log), whatever the log ends with', async () => {
    await shop();
    await receipts();
    for (const file of [...files('keys.db'), ...files('read-models.db')]) rmSync(file, { force: true });
    expect(await refused()).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/);
  });

  it('refuses a keys.db restored from a backup older than the log: a customer registered since has no key, whatever the log ends with', async () => {
    await shop();
    const backup = join(dir.path, 'keys-backup.db');
    copyFileSync(join(dir.path, 'keys.db'), backup);
    server = await startServer(env());
    // Customers registered after the backup (among them, ids anywhere in the order of ids).
    for (let i = 0; i < 5; i += 1) await register(`later-${i}@test.local`);
    await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
    await stop();
    await receipts();
    for (const file of files('keys.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(dir.path, 'keys.db'));
    const message = await refused();
    expect(message).to.match(/cannot start: the event log holds personal data sealed with 5 key\(s\) the key store has no trace of/).and.include('older than the log');
  });

  it('refuses keys.db and read-models.db restored together from a backup older than the log: customers registered since have no key', async () => {
    await shop();
    const backup = tempDir();
    try {
      for (const name of ['keys.db', 'read-models.db']) for (const [i, file] of files(name).entries()) if (existsSync(file)) copyFileSync(file, join(backup.path, `${name}${['', '-wal', '-shm'][i]}`));
      server = await startServer(env());
      for (let i = 0; i < 4; i += 1) await register(`since-${i}@test.local`);
      await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
      await stop();
      await receipts();
      for (const name of ['keys.db', 'read-models.db']) {
        for (const file of files(name)) rmSync(file, { force: true });
        for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(backup.path, `${name}${suffix}`))) copyFileSync(join(backup.path, `${name}${suffix}`), join(dir.path, `${name}${suffix}`));
      }
      expect(await refused()).to.match(/cannot start: the event log holds personal data sealed with 4 key\(s\) the key store has no trace of/);
    } finally {
      backup.remove();
    }
  });

  it("refuses another copy of this shop's log (a copy of its DATA_DIR written to since) beside read models that folded other events at their positions", async () => {
    await shop();
    const copy = tempDir();
    try {
      for (const name of ['events.db', 'read-models.db', 'keys.db', 'jwt-secret']) for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(dir.path, `${name}${suffix}`))) copyFileSync(join(dir.path, `${name}${suffix}`), join(copy.path, `${name}${suffix}`));
      // Each copy goes its own way: ours a little, the copy more (its log longer than what our read models folded).
      server = await startServer(env());
      await register('ours@test.local');
      await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
      await stop();
      const ours = server;
      server = await startServer({ ...env(), DATA_DIR: copy.path });
      for (let i = 0; i < 4; i += 1) await register(`copy-${i}@test.local`);
      await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
      await stop();
      server = ours;
      for (const [i, file] of files('events.db').entries()) {
        rmSync(file, { force: true });
        const from = join(copy.path, `events.db${['', '-wal', '-shm'][i]}`);
        if (existsSync(from)) copyFileSync(from, file);
      }
      // The keys of the copy's customers are in the copy's keys.db: with it, only the events tell the logs apart.
      for (const [i, file] of files('keys.db').entries()) {
        rmSync(file, { force: true });
        const from = join(copy.path, `keys.db${['', '-wal', '-shm'][i]}`);
        if (existsSync(from)) copyFileSync(from, file);
      }
      const message = await refused();
      expect(message).to.match(/cannot start: the read models folded the event log up to position \d+ \([a-z-]+\), where they read event [0-9a-f-]{36}, but this log has event [0-9a-f-]{36} there/);
    } finally {
      copy.remove();
    }
  });

  it("names another shop's log beside our read models and keys as the log's mix-up, not as a lost key store", async () => {
    await shop();
    const other = tempDir();
    try {
      // Another shop with customers of its own, and a longer log.
      const ours = server;
      server = await startServer({ ...env(), DATA_DIR: other.path });
      for (let i = 0; i < 6; i += 1) await register(`theirs-${i}@test.local`);
      await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
      await stop();
      server = ours;
      for (const file of files('events.db')) rmSync(file, { force: true });
      copyFileSync(join(other.path, 'events.db'), join(dir.path, 'events.db'));
      const message = await refused();
      expect(message).to.match(/cannot start: the read models were built from the event log of shop [0-9a-f-]{36}, but this log is shop [0-9a-f-]{36}'s/);
    } finally {
      other.remove();
    }
  });

  it('finds an events.db damaged where nothing reads it at start (an index page of old events): not ready, writes refused with 503, the file named once', async () => {
    await shop();
    await receipts();
    // A leaf of the index of event ids, in the middle of it: the start's reads take other paths.
    const path = join(dir.path, 'events.db');
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
    const started = await startServer(env()).then(
      (running) => ((server = running), undefined),
      (error: Error) => error.message,
    );
    if (started !== undefined) {
      expect(started).to.match(/^data: .*events\.db is damaged/m).and.include('do not delete it');
    } else {
      const ready = await eventually(async () => {
        const res = await fetch(`${server!.url}/ready`);
        const body = (await res.json()) as { checks: { eventStore: string } };
        return res.status === 503 && /damaged/.test(body.checks.eventStore) ? body : undefined;
      });
      expect(ready.checks.eventStore).to.include('events.db is damaged');
      const write = await fetch(`${server!.url}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'after@test.local', password: 'correct-horse', name: 'After' }) });
      expect(write.status).to.equal(503);
      expect(((await write.json()) as { type: string }).type).to.equal('urn:shop:problem:storage-damaged');
      const named = server!.logs.filter((line) => line.includes('data: ') && line.includes('events.db is damaged'));
      expect(named, 'said once').to.have.length(1);
      expect(named[0]).to.include('do not delete it');
    }
    expect(headOf(), 'nothing more written to it').to.equal(head);
  });

  it('starts on stores that agree, the same as before', async () => {
    await shop();
    server = await startServer(env());
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });

  it('keeps answering when its log cannot be written (stdout on a full disk: /dev/full)', async () => {
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [...EXIT_WITH_PARENT, MAIN], {
      env: { ...process.env, ...env(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'debug', PASSWORD_HASH_COST: '10', CREDENTIAL_ATTEMPTS_PER_MINUTE: '0' },
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
