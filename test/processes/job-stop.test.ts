import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../src/config.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, jobWrites, type JobDocument, type JobHandlers, type ScheduledJob } from '../../src/processes/jobs.js';
import { eventually, tempDir } from '../support/temp-dir.js';

const KINDS = ['charge-payment', 'expire-payment', 'reconcile-payment', 'refund-payment', 'send-notification', 'notify-stock', 'notify-admins', 'book-shipment', 'carrier-webhook', 'renew-subscription', 'erase-customer', 'expire-invoices'];

/**
 * JobRunner.stop: it starts nothing more, waits for the jobs running at most `stopGraceMs`
 * (a send to a silent mail server must not hold a process's stop for a minute), and from the
 * moment it is asked no job is written with its claim: those go to the other processes'
 * searches.
 */
describe('JobRunner.stop', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let release: () => void;
  let held: Promise<void>;
  let started: string[];
  let finished: string[];
  let warnings: Array<Record<string, unknown>>;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    started = [];
    finished = [];
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

  /** A runner whose handlers note the job, wait for the test's release, and note its end. */
  const runner = (owner: string, options: { stopGraceMs?: number; pollMs?: number; slots?: number } = {}) => {
    const run = async (payload: Record<string, unknown>) => {
      started.push(`${owner}:${String(payload.id)}`);
      await held;
      finished.push(`${owner}:${String(payload.id)}`);
    };
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const r = new JobRunner({ readModels: store, logger, clock: () => new Date() }, Object.fromEntries(KINDS.map((k) => [k, run])) as JobHandlers, {
      owner,
      pollMs: options.pollMs ?? 60_000,
      liveOwners: async () => ['a', 'b'],
      ...(options.slots === undefined ? {} : { concurrency: { mail: options.slots } }),
      ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    });
    runners.push(r);
    r.start();
    return r;
  };

  const schedule = async (r: JobRunner, id: string, claimed = true) => {
    const job: ScheduledJob = { id, kind: 'send-notification', runAt: new Date().toISOString(), payload: { id }, dueInMs: 0, ...(claimed ? { claimedBy: r.claimAtOnce() } : {}) };
    await store.bulkWrite(jobWrites(job, new Date().toISOString()));
    r.wake([job]);
    return job;
  };

  it('waits for the jobs it is running, then finds them done', async () => {
    const a = runner('a');
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    let stopped = false;
    const stopping = a.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped, 'stop waits for the running job').to.equal(false);
    release();
    await stopping;
    expect(finished).to.deep.equal(['a:mail-1']);
    expect(await jobs().findOne({ _id: 'mail-1' })).to.equal(null);
    expect(warnings).to.deep.equal([]);
  });

  it('returns after stopGraceMs with a job still running, and says which', async () => {
    const a = runner('a', { stopGraceMs: 200 });
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    await a.stop();
    expect(finished, 'the handler is still running').to.deep.equal([]);
    expect(warnings.map((w) => [w.msg, w.jobs])).to.deep.equal([['stopping with jobs still running: the other processes take them over once this one has left', ['mail-1']]]);
    // Still claimed by `a`: another process takes it over once `a` has left the live ones (searchLanes).
    expect(await jobs().findOne({ _id: 'mail-1' })).to.include({ owner: 'a' });
  });

  it('gives no claim once asked to stop: a job written meanwhile is left to another runner\'s search', async () => {
    const a = runner('a');
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    const stopping = a.stop();
    expect(a.claimAtOnce(), 'no claim while stopping').to.equal(undefined);
    // A process manager of the stopping process writes a job with no claim, and tells its runner.
    await schedule(a, 'mail-2');
    expect((await jobs().findOne({ _id: 'mail-2' }))?.owner).to.equal(undefined);
    runner('b', { pollMs: 20 });
    await eventually(() => (started.includes('b:mail-2') ? true : undefined));
    release();
    await stopping;
    expect(started.sort()).to.deep.equal(['a:mail-1', 'b:mail-2']);
  });

  it('lets go at once of the jobs written with its claim that it had not started: another runner runs them while it still waits', async () => {
    const a = runner('a', { slots: 1 });
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    await schedule(a, 'mail-2'); // claimed by `a`, waiting for its one slot
    runner('b', { pollMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started, 'b leaves a job claimed by a live runner alone').to.deep.equal(['a:mail-1']);
    const stopping = a.stop();
    await eventually(() => (started.includes('b:mail-2') ? true : undefined));
    expect(finished, 'a is still waiting for its own job').to.deep.equal([]);
    release();
    await stopping;
  });

  it('lets go of a job written with a claim it gave just before it was asked to stop, when told of it after', async () => {
    const a = runner('a');
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    const claimedBy = a.claimAtOnce()!;
    const stopping = a.stop();
    const job: ScheduledJob = { id: 'mail-2', kind: 'send-notification', runAt: new Date().toISOString(), payload: { id: 'mail-2' }, dueInMs: 0, claimedBy };
    await store.bulkWrite(jobWrites(job, new Date().toISOString()));
    a.wake([job]);
    runner('b', { pollMs: 20 });
    await eventually(() => (started.includes('b:mail-2') ? true : undefined));
    release();
    await stopping;
  });

  it('is behind by nothing once asked to stop: what it knew of is the other processes\' to find and measure', async () => {
    const a = runner('a', { slots: 1 });
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    await schedule(a, 'mail-2');
    await eventually(() => (a.behindMs() > 0 ? true : undefined));
    const stopping = a.stop();
    expect(a.behindMs()).to.equal(0);
    release();
    await stopping;
  });

  it('starts no job after it was asked to stop, even one it was told of', async () => {
    const a = runner('a');
    await schedule(a, 'mail-1');
    await eventually(() => (started.length === 1 ? true : undefined));
    const stopping = a.stop();
    await schedule(a, 'mail-2', false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await stopping;
    expect(started).to.deep.equal(['a:mail-1']);
    expect(await jobs().findOne({ _id: 'mail-2' }), 'left for the next start or another process').to.not.equal(null);
  });
});

describe('JOB_STOP_GRACE_MS', () => {
  it('is 15 s unless set, from 0 to under a job\'s claim', () => {
    expect(loadConfig({}).jobStopGraceMs).to.equal(15_000);
    expect(loadConfig({ JOB_STOP_GRACE_MS: '' }).jobStopGraceMs).to.equal(15_000);
    expect(loadConfig({ JOB_STOP_GRACE_MS: '0' }).jobStopGraceMs).to.equal(0);
    expect(loadConfig({ JOB_STOP_GRACE_MS: '119999' }).jobStopGraceMs).to.equal(119_999);
    // A claim is 120 s, or twice the payment's time when that is longer.
    expect(loadConfig({ JOB_STOP_GRACE_MS: '150000', PAYMENT_TIMEOUT_MS: '100000' }).jobStopGraceMs).to.equal(150_000);
    for (const raw of ['-1', '600001', '1.5', 'soon']) expect(() => loadConfig({ JOB_STOP_GRACE_MS: raw }), raw).to.throw(ConfigError, /JOB_STOP_GRACE_MS must be an integer/);
    // Waited past the claim, another process would take over a job the stopping one still runs.
    expect(() => loadConfig({ JOB_STOP_GRACE_MS: '120000' })).to.throw(ConfigError, /JOB_STOP_GRACE_MS must be under a job's claim \(120000 ms/);
    expect(() => loadConfig({ JOB_STOP_GRACE_MS: '200000', PAYMENT_TIMEOUT_MS: '100000' })).to.throw(ConfigError, /under a job's claim \(200000 ms/);
  });
});
