import { expect } from 'chai';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { checkOneShop, IDENTITY_COLLECTION, IDENTITY_EVENT, IDENTITY_STREAM, logIdentity } from '../../src/api/shop-identity.js';
import { StartupRefused } from '../../src/api/startup-refused.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A log knows which shop it is, and read models which shop's log they were built from: another
 * shop's log beside our read models, longer than what they folded and with no customer whose
 * key could be missed, passed every check of positions and keys, and was served as ours.
 */
describe('the shop identity of the log and the read models', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let other: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    dir = tempDir();
    other = tempDir();
  });
  afterEach(async () => {
    await killServer(server);
    server = undefined;
    dir.remove();
    other.remove();
  });

  // The demo catalog and no customers: nothing personal in either log, so only the identity can tell two shops apart.
  const env = (dataDir: string) => ({ DATA_DIR: dataDir, SEED_DEMO: 'true', ADMIN_EMAIL: '', ADMIN_PASSWORD: '', RATE_LIMIT_PER_MINUTE: '0' });
  const files = (base: string, name: string) => [name, `${name}-wal`, `${name}-shm`].map((file) => join(base, file));
  /** A shop started on `dataDir`, its read models caught up, then stopped; its identity from the 'listening' line. */
  const run = async (dataDir: string): Promise<string> => {
    server = await startServer(env(dataDir));
    await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
    const listening = server.logs.map((line) => JSON.parse(line) as { msg?: string; shop?: string }).find((line) => line.msg === 'listening');
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
    server = undefined;
    return listening!.shop!;
  };
  const identityEvents = async (dataDir: string) => {
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db') });
    try {
      return await store.readStream(IDENTITY_STREAM);
    } finally {
      await store.close();
    }
  };
  /** Events added straight to a shop's log (stock received): a log longer than another's. */
  const lengthen = async (dataDir: string, count: number) => {
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db') });
    for (let i = 0; i < count; i += 1) {
      const metadata = { correlationId: uuid(), causationId: uuid(), actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
      await store.appendToStream(`inventory-LONGER-${i}`, [{ id: uuid(), type: 'StockReceived', data: { sku: `LONGER-${i}`, quantity: 1, receivedAt: metadata.occurredAt }, metadata }]);
    }
    await store.close();
  };
  const refused = async (dataDir: string) => {
    const failure = await startServer(env(dataDir)).then(
      (started) => ((server = started), undefined),
      (error: Error) => error,
    );
    expect(failure, 'refused to start').to.be.instanceOf(Error);
    expect(failure!.message).to.match(/exited with 1/).and.not.match(/\n\s+at /);
    return failure!.message;
  };

  it('gives a new shop one identity, in its log and its read models, and keeps it across restarts', async () => {
    const first = await run(dir.path);
    expect(first).to.match(/^[0-9a-f-]{36}$/);
    expect(await run(dir.path)).to.equal(first);
    const events = await identityEvents(dir.path);
    expect(events.map((event) => [event.type, event.data.shopId])).to.deep.equal([[IDENTITY_EVENT, first]]);
    const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    try {
      expect((await readModels.collection(IDENTITY_COLLECTION).findOne({ _id: 'log' }))?.shopId).to.equal(first);
    } finally {
      await readModels.close();
    }
  });

  it("refuses another shop's longer log beside our read models, naming both shops; without the read models it starts as that shop", async () => {
    const ours = await run(dir.path);
    const theirs = await run(other.path);
    expect(theirs).to.not.equal(ours);
    await lengthen(other.path, 50);
    for (const [from, to] of files(other.path, 'events.db').map((file, i) => [file, files(dir.path, 'events.db')[i]!] as const)) {
      rmSync(to, { force: true });
      try {
        copyFileSync(from, to);
      } catch {
        // No -wal or -shm left after a clean stop.
      }
    }
    const message = await refused(dir.path);
    expect(message).to.include(`cannot start: the read models were built from the event log of shop ${ours}, but this log is shop ${theirs}'s`);
    // The way out the message gives: the read models removed are rebuilt from this log, as its shop's.
    for (const file of files(dir.path, 'read-models.db')) rmSync(file, { force: true });
    expect(await run(dir.path)).to.equal(theirs);
  });

  it('refuses a log that carries no identity beside read models that name one', async () => {
    const ours = await run(dir.path);
    for (const file of files(dir.path, 'events.db')) rmSync(file, { force: true });
    // A log written without identities (another program's, or from before them), longer than what the read models folded.
    await lengthen(dir.path, 400);
    const message = await refused(dir.path);
    expect(message).to.include(`cannot start: the read models were built from the event log of shop ${ours}, but this log carries no shop identity`);
    expect(await identityEvents(dir.path)).to.deep.equal([]); // nothing written to a log refused
  });

  it('gives processes that start at once on a new shop one identity between them', async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const readModels = [0, 1, 2].map(() => new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') }));
    try {
      const now = new Date().toISOString();
      const ids = await Promise.all(readModels.map((store) => checkOneShop(events, store, { shopId: uuid(), now, correlationId: uuid() })));
      expect(new Set(ids).size).to.equal(1);
      expect(await logIdentity(events)).to.equal(ids[0]);
      expect(await events.readStream(IDENTITY_STREAM)).to.have.length(1);
      // And a store whose read models name another shop is refused, writing nothing.
      const stranger = new SqliteEventStore({ path: join(other.path, 'events.db') });
      try {
        const failure = await checkOneShop(stranger, readModels[0]!, { shopId: uuid(), now, correlationId: uuid() }).then(() => undefined, (error: unknown) => error);
        expect(failure).to.be.instanceOf(StartupRefused);
        expect(await stranger.headPosition()).to.equal(0);
      } finally {
        await stranger.close();
      }
    } finally {
      for (const store of readModels) await store.close();
      await events.close();
    }
  });
});
