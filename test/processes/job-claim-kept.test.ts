import { expect } from 'chai';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, type JobDocument, type JobHandlers } from '../../src/processes/jobs.js';
import { scheduleJobs } from './job-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A job whose handler runs longer than a claim (a mail server or a payment provider slow to
 * answer) keeps its claim while it runs: renewed every third of one. Before, the claim ran out
 * under the running handler, and another process's search took the job and ran it a second
 * time at once (two sends of one email, two calls to the provider for one charge).
 */
describe('A job whose handler outlasts its claim', () => {
  const LEASE_MS = 600;
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let ran: string[];
  let warnings: Array<{ msg: string; job?: string }>;
  let release: () => void;
  let held: Promise<void>;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    ran = [];
    warnings = [];
    held = new Promise<void>((resolve) => (release = resolve));
  });

  afterEach(async () => {
    release();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const jobs = () => store.collection<JobDocument>(JOBS);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A runner whose every handler notes that it ran, then waits for the hold; its warnings are kept. */
  const runner = (owner: string, pollMs: number) => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string; job?: string }) });
    const run = async () => {
      ran.push(owner);
      await held;
    };
    const handlers = new Proxy({}, { get: () => run }) as JobHandlers;
    const r = new JobRunner({ readModels: store, logger, clock: () => new Date() }, handlers, { owner, leaseMs: LEASE_MS, pollMs, liveOwners: async () => ['a', 'b'] });
    runners.push(r);
    r.start();
    return r;
  };

  const email = { id: 'email-1', kind: 'send-notification' as const, runAt: new Date().toISOString(), payload: { to: 'ada@example.com' } };

  it('renews it while the handler runs, so that another runner searching all along leaves the job alone', async () => {
    await scheduleJobs(store, [email]);
    runner('a', 20);
    await eventually(() => (ran.length === 1 ? true : undefined));
    runner('b', 20);
    await sleep(LEASE_MS * 4); // four claims' time, b searching every 20 ms
    expect(ran).to.deep.equal(['a']);
    const job = await jobs().findOne({ _id: 'email-1' });
    expect(job).to.include({ owner: 'a' });
    expect(job!.lockedUntil).to.be.above(Date.now() + LEASE_MS / 3);

    release();
    await eventually(async () => ((await jobs().countDocuments({})) === 0 ? true : undefined));
    expect(ran).to.deep.equal(['a']);
    expect(warnings).to.deep.equal([]);
  });

  it('stops renewing, and says so, once another process holds the claim (this one stalled past it)', async () => {
    await scheduleJobs(store, [email]);
    runner('a', 60_000);
    await eventually(() => (ran.length === 1 ? true : undefined));
    // What another process's claim writes once a's had run out while a stalled.
    await jobs().updateOne({ _id: 'email-1' }, { $set: { owner: 'b', claim: 'b-claim', lockedUntil: Date.now() + 60_000 } });
    await eventually(() => (warnings.length === 1 ? true : undefined));
    expect(warnings[0]).to.include({ msg: 'a running job lost its claim: another process may run it too', job: 'email-1' });
    await sleep(LEASE_MS); // nothing more is renewed or said
    expect(await jobs().findOne({ _id: 'email-1' })).to.include({ owner: 'b', claim: 'b-claim' });
    expect(warnings).to.have.length(1);
  });
});
