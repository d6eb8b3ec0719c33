import { expect } from 'chai';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { runCli } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

const cli = (args: string[], env: Record<string, string>) => runCli('parked', args, env);

const EVENT = {
  _id: 'order-saga:0b6e2a1c-5f3d-4e8a-9c7b-2d4f6a8c0e1b', processManager: 'order-saga', eventId: '0b6e2a1c-5f3d-4e8a-9c7b-2d4f6a8c0e1b', eventType: 'OrderCreated',
  streamName: 'order-1', position: 1, sagaId: '1', error: 'TypeError: boom', attempts: 5, parkedAt: '2026-01-01T00:00:01.000Z',
};
const job = (id: string) => ({
  _id: id, kind: 'send-notification', runAt: '2026-01-01T00:00:00.000Z', payload: { to: 'gone@test.local' }, attempts: 10, createdAt: '2026-01-01T00:00:00.000Z',
  lastError: 'Error: 550 no such user', parkedAt: '2026-01-01T00:00:01.000Z',
});

describe('npm run parked -- discard', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = tempDir();
    env = { DATA_DIR: dir.path };
    await new SqliteEventStore({ path: join(dir.path, 'events.db') }).close();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    await store.collection('parked_events').insertOne(EVENT);
    await store.collection('parked_jobs').insertOne(job('send-notification:a'));
    await store.collection('parked_jobs').insertOne(job('send-notification:b'));
    await store.close();
  });
  afterEach(() => dir.remove());

  /** What the tool left in the store. */
  const stored = async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    try {
      const all = async (name: string) => store.collection(name).find({}, { sort: { _id: 1 } });
      return { parkedEvents: await all('parked_events'), parkedJobs: await all('parked_jobs'), discardedEvents: await all('discarded_events'), discardedJobs: await all('discarded_jobs') };
    } finally {
      await store.close();
    }
  };

  it('refuses without a valid --reason (exit 1), changing nothing', async () => {
    const before = await stored();
    for (const args of [['discard', 'all'], ['discard', '--jobs', 'all'], ['discard', EVENT._id, '--reason', 'bell\u0007'], ['discard', 'all', '--reason', '   '], ['discard', 'all', '--reason', 'x'.repeat(501)]]) {
      const run = await cli(args, env);
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.match(/--reason/);
    }
    expect(await stored()).to.deep.equal(before);
  });

  it('discards events or jobs with --reason, printing each, and keeps them with who, when and why', async () => {
    const event = await cli(['discard', EVENT._id, '--reason', 'resolved by hand'], env);
    expect(event.code, event.stderr).to.equal(0);
    expect(event.stdout).to.match(new RegExp(`^${EVENT._id}: discarded \\(cli(:[^,]+)?, \\d{4}-\\d\\d-\\d\\dT[^)]+\\)\\n$`));
    const jobs = await cli(['discard', '--jobs', 'all', '--reason', 'the address no longer exists'], env);
    expect(jobs.code, jobs.stderr).to.equal(0);
    expect(jobs.stdout.trim().split('\n').map((line) => line.split(':').slice(0, 2).join(':'))).to.deep.equal(['send-notification:a', 'send-notification:b']);

    const after = await stored();
    expect(after.parkedEvents).to.deep.equal([]);
    expect(after.parkedJobs).to.deep.equal([]);
    expect(after.discardedEvents).to.have.length(1);
    expect(after.discardedEvents[0]).to.deep.include({ ...EVENT, discardReason: 'resolved by hand' });
    expect(after.discardedEvents[0]!.discardedBy).to.match(/^cli/);
    expect(after.discardedJobs.map((j) => [j._id, j.discardReason, j.payload])).to.deep.equal([
      ['send-notification:a', 'the address no longer exists', { to: 'gone@test.local' }],
      ['send-notification:b', 'the address no longer exists', { to: 'gone@test.local' }],
    ]);

    const listed = await cli(['list', '--jobs', '--discarded'], env);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include('send-notification:a  send-notification').and.to.include(': the address no longer exists');
    expect((await cli(['list', '--jobs'], env)).stdout.trim()).to.equal('no parked jobs');
    // Not parked any more (or never): said, exit 1, the record as it was.
    const again = await cli(['discard', EVENT._id, 'nope', '--reason', 'again'], env);
    expect(again.code).to.equal(1);
    expect(again.stdout).to.match(new RegExp(`${EVENT._id}: not discarded: event ${EVENT._id} is no longer parked: discarded by cli`));
    expect(again.stdout).to.include('nope: not discarded: no parked event nope');
    expect((await stored()).discardedEvents).to.deep.equal(after.discardedEvents);
  });
});
