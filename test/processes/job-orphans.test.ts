import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, type JobDocument, type JobHandlers } from '../../src/processes/jobs.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { scheduleJobs } from './job-fixture.js';

/**
 * A job claimed by a process that died (SIGKILL in the middle of a charge or an email) is
 * claimed again once that process has left the shop's live processes, not two minutes later
 * when its claim would run out.
 */
describe('Jobs claimed by a process that died', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runner: JobRunner | undefined;
  let ran: string[];

  beforeEach(async () => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    ran = [];
    await scheduleJobs(store, [{ id: 'job-1', kind: 'send-notification', payload: {}, runAt: new Date(Date.now() - 1000).toISOString() }]);
    // Claimed for two minutes (by the store's clock: this host's) by process "gone", which died right after.
    await store.collection<JobDocument>(JOBS).updateOne({ _id: 'job-1' }, { $set: { lockedUntil: Date.now() + 120_000, owner: 'gone', claim: 'c-gone' } });
  });
  afterEach(async () => {
    await runner?.stop();
    await store.close();
    dir.remove();
  });

  const start = (live: string[]) => {
    const h = async () => void ran.push('job-1');
    const handlers: JobHandlers = { 'charge-payment': h, 'expire-payment': h, 'reconcile-payment': h, 'refund-payment': h, 'send-notification': h, 'notify-stock': h, 'notify-admins': h, 'book-shipment': h, 'carrier-webhook': h, 'renew-subscription': h, 'erase-customer': h, 'expire-invoices': h };
    runner = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date() }, handlers, { owner: 'me', liveOwners: async () => live, pollMs: 20 });
    runner.start();
  };

  it('runs it at its next search once its owner is not among the live processes', async () => {
    start(['me', 'other']);
    await eventually(async () => (ran.length === 1 ? true : undefined), 5_000);
    await eventually(async () => ((await store.collection(JOBS).findOne({ _id: 'job-1' })) === null ? true : undefined), 5_000);
  });

  it('leaves it alone while its owner is alive, and while the list does not even show this process', async () => {
    start(['me', 'gone']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runner!.stop();
    start(['other']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ran).to.deep.equal([]);
    expect((await store.collection<JobDocument>(JOBS).findOne({ _id: 'job-1' }))?.owner).to.equal('gone');
  });
});
