import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { killServer, runCli, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

const cli = (args: string[], env: Record<string, string>) => runCli('parked', args, env);

describe('npm run parked', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  it('lists what the server parked, replays events (which may still fail) and requeues jobs', async () => {
    const env = { DATA_DIR: dir.path, SEED_DEMO: 'false' };
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const poison = uuid();
    await events.appendToStream(`order-${poison}`, [{ id: uuid(), type: 'OrderCreated', data: { orderId: poison, customerId: 'c-1' }, metadata: {} }]);
    await events.close();
    server = await startServer(env);
    await eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined), 20_000);
    await killServer(server, 'SIGTERM');

    const listed = await cli(['list', '--json'], env);
    expect(listed.code, listed.stderr).to.equal(0);
    const parked = JSON.parse(listed.stdout) as Array<{ _id: string; processManager: string; eventType: string }>;
    expect(parked.map((p) => p.processManager).sort()).to.deep.equal(['notifications', 'order-saga']);
    expect(parked.every((p) => p.eventType === 'OrderCreated')).to.equal(true);
    const table = await cli(['list'], env);
    expect(table.stdout).to.include(`OrderCreated @ order-${poison}`);

    const replayed = await cli(['replay', 'all'], env);
    expect(replayed.code).to.equal(1);
    expect(replayed.stdout).to.match(/still fails: TypeError/);

    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    await store.collection('parked_jobs').insertOne({ _id: 'expire-payment:p-1', kind: 'expire-payment', runAt: '2026-01-01T00:00:00.000Z', payload: { paymentId: 'p-1' }, attempts: 10, createdAt: '2026-01-01T00:00:00.000Z', lockedUntil: '', lastError: 'Error: boom', parkedAt: '2026-01-01T00:00:01.000Z' });
    await store.close();
    const requeued = await cli(['replay', '--jobs', 'expire-payment:p-1'], env);
    expect(requeued.code, requeued.stderr).to.equal(0);
    expect(requeued.stdout).to.match(/expire-payment:p-1: queued again/);
    const after = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    expect(await after.collection('jobs').findOne({ _id: 'expire-payment:p-1' })).to.include({ attempts: 0, kind: 'expire-payment' });
    expect(await after.collection('parked_jobs').countDocuments()).to.equal(0);
    await after.close();
  });

  it('requeues each parked job it is given, saying which ids are not parked, and exits 1 for them', async () => {
    await new SqliteEventStore({ path: join(dir.path, 'events.db') }).close();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    await store.collection('parked_jobs').insertOne({ _id: 'expire-payment:p-2', kind: 'expire-payment', runAt: '2026-01-01T00:00:00.000Z', payload: { paymentId: 'p-2' }, attempts: 10, createdAt: '2026-01-01T00:00:00.000Z', lockedUntil: '', lastError: 'Error: boom', parkedAt: '2026-01-01T00:00:01.000Z' });
    await store.close();
    const run = await cli(['replay', 'nosuch-a', 'expire-payment:p-2', 'nosuch-b', '--jobs'], { DATA_DIR: dir.path });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout.trim().split('\n')).to.deep.equal([
      'nosuch-a: not queued again: no parked job nosuch-a',
      'expire-payment:p-2: queued again',
      'nosuch-b: not queued again: no parked job nosuch-b',
    ]);
    const after = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    expect(await after.collection('jobs').findOne({ _id: 'expire-payment:p-2' })).to.include({ attempts: 0 });
    await after.close();
  });

  it('says so when there is nothing parked to replay', async () => {
    await new SqliteEventStore({ path: join(dir.path, 'events.db') }).close();
    for (const [args, nothing] of [[['replay', 'all'], 'no parked events to replay'], [['replay', '--jobs', 'all'], 'no parked jobs to replay']] as const) {
      const run = await cli([...args], { DATA_DIR: dir.path });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trim()).to.equal(nothing);
    }
  });
});
