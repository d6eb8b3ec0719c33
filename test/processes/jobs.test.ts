import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { DueQueue, JOBS, JobRunner, PARKED_JOBS, type JobHandlers, type JobRunnerOptions } from '../../src/processes/jobs.js';
import type { Job } from '../../src/processes/process-manager.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { scheduleJobs } from './job-fixture.js';

describe('Job runner', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let ran: string[];

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    ran = [];
  });

  afterEach(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const handlers = (charge: JobHandlers['charge-payment'] = async (payload) => void ran.push(String(payload.n))): JobHandlers => ({
    'charge-payment': charge,
    'expire-payment': charge,
    'reconcile-payment': charge,
    'refund-payment': charge,
    'send-notification': charge,
    'notify-stock': charge,
    'notify-admins': charge,
    'book-shipment': charge,
    'carrier-webhook': charge,
    'renew-subscription': charge,
    'erase-customer': charge,
    'expire-invoices': charge,
  });

  const runner = (options: JobRunnerOptions = {}, jobHandlers = handlers()) => {
    const r = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date() }, jobHandlers, { retryBaseMs: 5, ...options });
    runners.push(r);
    r.start();
    return r;
  };

  const job = (n: number, inMs = 0): Job => ({ id: `job-${n}`, kind: 'charge-payment', runAt: new Date(Date.now() + inMs).toISOString(), payload: { n } });
  const schedule = (...jobs: Job[]) => scheduleJobs(store, jobs);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('runs a job it is told about when due, without searching the store for it, and deletes it', async () => {
    const r = runner({ pollMs: 60_000 });
    await sleep(20); // the first search is over: the next is a minute away
    r.wake(await schedule(job(1)));
    await eventually(() => (ran.length === 1 ? true : undefined));
    expect(ran).to.deep.equal(['1']);
    await eventually(async () => ((await store.collection(JOBS).countDocuments()) === 0 ? true : undefined));
  });

  it('finds the jobs nobody told it about (another process, before a restart) by searching every pollMs', async () => {
    runner({ pollMs: 30 });
    await schedule(job(1), job(2));
    await eventually(() => (ran.length === 2 ? true : undefined));
    expect(ran.sort()).to.deep.equal(['1', '2']);
  });

  it('says how long its earliest due job has waited to start while every slot is busy (behindMs), and 0 once none waits', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const r = runner({ pollMs: 60_000, concurrency: 1 }, handlers(async (payload) => {
      ran.push(String(payload.n));
      if (payload.n === 1) await held;
    }));
    await sleep(20);
    expect(r.behindMs()).to.equal(0);
    r.wake(await schedule(job(1), job(2), job(3, 60_000)));
    await eventually(() => (ran.length === 1 ? true : undefined));
    await sleep(150);
    // Job 2 is due and waits for the one slot; job 3 is not due yet and counts for nothing.
    expect(r.behindMs()).to.be.within(140, 1000);
    release();
    await eventually(() => (ran.length === 2 ? true : undefined));
    // (A search that ran late, after the jobs were written, left job 2 in the store: it counts until the search that follows the free slot.)
    await eventually(() => (r.behindMs() === 0 ? true : undefined));
  });

  it('runs a timer at its time, not before', async () => {
    const r = runner({ pollMs: 60_000 });
    r.wake(await schedule(job(1, 300)));
    await sleep(100);
    expect(ran).to.deep.equal([]);
    await eventually(() => (ran.length === 1 ? true : undefined));
  });

  it('retries a failing job, then parks it with its last error once it has failed maxAttempts times', async () => {
    let attempts = 0;
    const r = runner(
      { pollMs: 60_000, maxAttempts: 3 },
      handlers(async () => {
        attempts += 1;
        throw new Error(`provider down (${attempts})`);
      }),
    );
    r.wake(await schedule(job(1)));
    // Parked first, then taken out of the queue (see JobRunner.park): the two are two writes, and a reader may come between them.
    const parked = await eventually(async () => {
      const doc = await store.collection(PARKED_JOBS).findOne({ _id: 'job-1' });
      return doc && (await store.collection(JOBS).countDocuments()) === 0 ? doc : undefined;
    });
    expect(parked).to.deep.include({ attempts: 3, lastError: 'Error: provider down (3)' });
    expect(attempts).to.equal(3);
    expect(await store.collection(JOBS).countDocuments()).to.equal(0);
  });

  it('never parks a job the store refused for now (its disk full): retried without counting, it runs once there is space', async () => {
    let attempts = 0;
    const r = runner(
      { pollMs: 60_000, maxAttempts: 3, retryBaseMs: 1 },
      handlers(async () => {
        attempts += 1;
        if (attempts <= 6) throw Object.assign(new Error('database or disk is full'), { code: attempts % 2 === 0 ? 'SQLITE_FULL' : 'ENOSPC' });
      }),
    );
    r.wake(await schedule(job(1)));
    await eventually(async () => ((await store.collection(JOBS).countDocuments()) === 0 ? true : undefined), 10_000);
    expect(attempts).to.equal(7);
    expect(await store.collection(PARKED_JOBS).countDocuments()).to.equal(0);
  });

  it('runs each job once when two runners share the store', async () => {
    const jobs = await schedule(...Array.from({ length: 20 }, (_, n) => job(n)));
    const a = runner({ pollMs: 20 });
    const b = runner({ pollMs: 20 });
    a.wake(jobs);
    b.wake(jobs);
    await eventually(() => (ran.length >= 20 ? true : undefined));
    await sleep(100);
    expect(ran.sort()).to.deep.equal(jobs.map((j) => String(j.payload.n)).sort());
  });

  it('skips a job it was told about that is gone (done by another process)', async () => {
    const r = runner({ pollMs: 60_000 });
    const [gone] = await schedule(job(1));
    await store.collection(JOBS).deleteOne({ _id: gone!.id });
    r.wake([gone!, ...(await schedule(job(2)))]);
    await eventually(() => (ran.length === 1 ? true : undefined));
    await sleep(50);
    expect(ran).to.deep.equal(['2']);
  });
});

describe('Due queue', () => {
  it('hands out ids in the order they fall due, only once due', () => {
    const queue = new DueQueue();
    for (const [id, at] of [['c', 30], ['a', 10], ['d', 40], ['b', 20]] as const) queue.add(id, at);
    expect(queue.next()).to.equal(10);
    expect(queue.takeDue(5)).to.equal(undefined);
    expect([queue.takeDue(25), queue.takeDue(25), queue.takeDue(25)]).to.deep.equal(['a', 'b', undefined]);
    expect([queue.takeDue(100), queue.takeDue(100), queue.takeDue(100)]).to.deep.equal(['c', 'd', undefined]);
    expect(queue.next()).to.equal(Number.POSITIVE_INFINITY);
  });

  it('keeps the latest time of an id added again', () => {
    const queue = new DueQueue();
    queue.add('a', 10);
    queue.add('b', 20);
    queue.add('a', 50);
    expect(queue.size).to.equal(2);
    expect(queue.takeDue(30)).to.equal('b');
    expect(queue.takeDue(30)).to.equal(undefined);
    expect(queue.takeDue(50)).to.equal('a');
  });
});
