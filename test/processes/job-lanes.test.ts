import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_LANE_ATTEMPTS, DEFAULT_LANE_SLOTS, JOB_LANES, LaneSlots, laneFilter, laneOf } from '../../src/processes/job-lanes.js';
import { JOBS, JobRunner, PARKED_JOBS, type JobHandlers, type JobRunnerOptions } from '../../src/processes/jobs.js';
import type { Job, JobKind } from '../../src/processes/process-manager.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { scheduleJobs } from './job-fixture.js';

/**
 * Job lanes (src/processes/job-lanes.ts): each kind of job runs in a lane with slots of its
 * own, so jobs that hang in one lane (a mail server that never answers) hold no slot of
 * another (charges), in the local queue and in the store's searches alike.
 */
describe('Job lanes', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let ran: string[];
  let release: () => void;
  let hung: Promise<void>;
  /** Mail jobs started, and how many were running at once at most. */
  let mail: { started: number; running: number; most: number };

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    ran = [];
    hung = new Promise<void>((resolve) => (release = resolve));
    mail = { started: 0, running: 0, most: 0 };
  });

  afterEach(async () => {
    release();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const done = async (payload: Record<string, unknown>) => void ran.push(String(payload.n));
  /** Emails hang until the test ends (a mail server that accepts and never answers); every other kind is done at once. */
  const hangingMail = async (payload: Record<string, unknown>) => {
    mail.started += 1;
    mail.running += 1;
    mail.most = Math.max(mail.most, mail.running);
    await hung;
    mail.running -= 1;
    ran.push(String(payload.n));
  };
  const handlers = (): JobHandlers => ({
    'charge-payment': done,
    'expire-payment': done,
    'reconcile-payment': done,
    'refund-payment': done,
    'send-notification': hangingMail,
    'notify-stock': hangingMail,
    'notify-admins': hangingMail,
    'book-shipment': done,
    'carrier-webhook': done,
    'renew-subscription': done,
    'erase-customer': done,
    'expire-invoices': done,
  });

  const runner = (options: JobRunnerOptions = {}) => {
    const r = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date() }, handlers(), { retryBaseMs: 5, ...options });
    runners.push(r);
    r.start();
    return r;
  };
  const job = (n: number, kind: JobKind): Job => ({ id: `${kind}-${n}`, kind, runAt: new Date(Date.now() - 1000 + n).toISOString(), payload: { n } });
  const emails = (count: number) => Array.from({ length: count }, (_, n) => job(n, 'send-notification'));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('starts a charge at once while every mail slot is held by emails that hang, and counts the emails waiting in the mail lane only', async () => {
    const r = runner({ pollMs: 60_000 });
    await sleep(20); // the first search is over: the next is a minute away
    r.wake(await scheduleJobs(store, emails(12)));
    await eventually(() => (mail.started === 8 ? true : undefined));
    await sleep(100);
    // The mail lane's 8 slots hold 8 emails; 4 wait for them.
    expect(mail).to.deep.include({ started: 8, most: 8 });
    expect(r.behindMs(['mail'])).to.be.above(50);
    r.wake(await scheduleJobs(store, [job(1, 'charge-payment'), job(2, 'book-shipment'), job(3, 'erase-customer')]));
    await eventually(() => (ran.length === 3 ? true : undefined));
    expect(ran.sort()).to.deep.equal(['1', '2', '3']);
    expect(r.behindMs(['payments'])).to.equal(0);
    expect(r.behindMs(['payments', 'carrier', 'shop'])).to.equal(0);
    // Every lane: the emails' wait shows.
    expect(r.behindMs()).to.be.above(50);
    // Let go, the waiting emails are sent too.
    release();
    await eventually(() => (ran.length === 15 ? true : undefined));
    expect(mail.most).to.equal(8);
    await eventually(() => (r.behindMs() === 0 ? true : undefined));
  });

  it('finds by its search a charge nobody told it about behind older emails that hang, lane by lane', async () => {
    // 30 emails due before the charge, and two mail slots: one search sorted by due time over every kind would find emails only.
    await scheduleJobs(store, emails(30));
    await scheduleJobs(store, [job(100, 'charge-payment')]);
    runner({ pollMs: 30, concurrency: { mail: 2 } });
    await eventually(() => (ran.includes('100') ? true : undefined));
    expect(mail).to.deep.include({ started: 2, most: 2 });
    expect(ran).to.deep.equal(['100']);
  });

  it('counts as behind the due jobs its search left in the store for want of a slot, not only its own queue\'s', async () => {
    // Nobody told it of these (a restart, another process's): its search finds them, starts one, and leaves two.
    await scheduleJobs(store, emails(3));
    const r = runner({ pollMs: 30, concurrency: { mail: 1 } });
    await eventually(() => (mail.started === 1 ? true : undefined));
    await sleep(200);
    expect(r.behindMs(['mail'])).to.be.above(150);
    expect(r.behindMs(['payments'])).to.equal(0);
    release();
    await eventually(() => (ran.length === 3 ? true : undefined));
    await eventually(() => (r.behindMs(['mail']) === 0 ? true : undefined));
  });

  it('searches again as soon as a slot comes free for the jobs its search left in the store, not a pollMs later', async () => {
    release(); // emails go at once here
    await scheduleJobs(store, emails(20));
    const r = runner({ pollMs: 60_000, concurrency: { mail: 2 } });
    // One search a minute: only the searches brought forward by the freed slots start the other 18.
    await eventually(() => (ran.length === 20 ? true : undefined), 10_000);
    await eventually(() => (r.behindMs() === 0 ? true : undefined));
    expect(mail.most).to.be.at.most(2);
  });

  it('keeps a job of its queue when the store fails on its way to start it, and starts it a moment later', async () => {
    let failures = 1;
    // The jobs' collection fails its next findOne (the runner's fetch of the job it was told of), once.
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop !== 'collection') return Reflect.get(target, prop, target);
        return (name: string) => {
          const collection = target.collection(name);
          return new Proxy(collection, {
            get(inner, key) {
              if (key === 'findOne' && name === JOBS && failures > 0)
                return async () => {
                  failures -= 1;
                  throw new Error('the store did not answer');
                };
              const value = Reflect.get(inner, key, inner);
              return typeof value === 'function' ? value.bind(inner) : value;
            },
          });
        };
      },
    });
    const r = new JobRunner({ readModels: flaky, logger: pino({ level: 'silent' }), clock: () => new Date() }, handlers(), { pollMs: 60_000 });
    runners.push(r);
    r.start();
    await sleep(20);
    r.wake(await scheduleJobs(store, [job(1, 'charge-payment')]));
    await eventually(() => (ran.includes('1') ? true : undefined));
    expect(failures).to.equal(0);
  });

  it('runs no more of a lane at once than its slots, each lane on its own', async () => {
    const r = runner({ pollMs: 60_000, concurrency: 3 });
    await sleep(20);
    r.wake(await scheduleJobs(store, [...emails(7), ...Array.from({ length: 5 }, (_, n) => job(n, 'refund-payment'))]));
    await eventually(() => (ran.length === 5 ? true : undefined));
    await sleep(100);
    expect(mail).to.deep.include({ started: 3, most: 3 });
    release();
    await eventually(() => (ran.length === 12 ? true : undefined));
    expect(mail.most).to.equal(3);
    // Each leaves the queue once its handler is done (finished jobs are deleted together, a moment later).
    await eventually(async () => ((await store.collection(JOBS).countDocuments()) === 0 ? true : undefined));
  });

  it('runs a kind no lane names (a later version\'s) in the shop lane: found by the search, failed for want of a handler, parked', async () => {
    runner({ pollMs: 30, maxAttempts: 2 });
    await scheduleJobs(store, [{ id: 'future-1', kind: 'print-label' as JobKind, runAt: new Date().toISOString(), payload: {} }]);
    const parked = await eventually(async () => (await store.collection(PARKED_JOBS).findOne({ _id: 'future-1' })) ?? undefined);
    expect(parked).to.deep.include({ kind: 'print-label', attempts: 2 });
    expect(String(parked.lastError)).to.match(/TypeError/);
  });

  it('parks a charge that keeps failing after 10 attempts, and tries an email 30 times (a mail outage of minutes parks nothing)', async () => {
    const failing = async () => {
      throw new Error('down');
    };
    const r = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date() }, { ...handlers(), 'charge-payment': failing, 'send-notification': failing }, { pollMs: 60_000, retryBaseMs: 1 });
    runners.push(r);
    r.start();
    await sleep(20);
    r.wake(await scheduleJobs(store, [job(1, 'charge-payment'), job(2, 'send-notification')]));
    // Back-off from 1 ms, doubling: the 10th attempt comes after about a second, the 12th after about four.
    const parked = await eventually(async () => (await store.collection(PARKED_JOBS).findOne({ _id: 'charge-payment-1' })) ?? undefined, 10_000);
    expect(parked).to.deep.include({ attempts: 10 });
    const email = await eventually(async () => {
      const doc = await store.collection(JOBS).findOne({ _id: 'send-notification-2' });
      return doc && Number(doc.attempts) >= 11 ? doc : undefined;
    }, 15_000);
    expect(email.attempts).to.be.at.least(11);
    expect(await store.collection(PARKED_JOBS).findOne({ _id: 'send-notification-2' })).to.equal(null);
    expect(DEFAULT_LANE_ATTEMPTS).to.deep.equal({ payments: 10, carrier: 10, mail: 30, shop: 10 });
  });

  it('puts each kind in its lane, the shop lane matching every kind the others do not name', () => {
    expect(['charge-payment', 'expire-payment', 'reconcile-payment', 'refund-payment'].map(laneOf)).to.deep.equal(['payments', 'payments', 'payments', 'payments']);
    expect(['send-notification', 'notify-stock', 'notify-admins'].map(laneOf)).to.deep.equal(['mail', 'mail', 'mail']);
    expect(['book-shipment', 'carrier-webhook'].map(laneOf)).to.deep.equal(['carrier', 'carrier']);
    expect(['renew-subscription', 'erase-customer', 'expire-invoices', 'print-label'].map(laneOf)).to.deep.equal(['shop', 'shop', 'shop', 'shop']);
    expect(laneFilter('mail')).to.deep.equal({ kind: { $in: ['send-notification', 'notify-stock', 'notify-admins'] } });
    expect(laneFilter('shop').kind).to.have.property('$nin').that.has.members(['charge-payment', 'expire-payment', 'reconcile-payment', 'refund-payment', 'send-notification', 'notify-stock', 'notify-admins', 'book-shipment', 'carrier-webhook']);
  });

  it('refuses a lane without a slot', () => {
    expect(() => new LaneSlots({ mail: 0 })).to.throw(/mail: 0/);
    expect(() => new LaneSlots(1.5)).to.throw(/at least one slot/);
    expect(new LaneSlots({ mail: 2 }).free('payments')).to.equal(16);
  });
});

describe('JOB_SLOTS', () => {
  it('gives the lanes it names their slots, the others keeping theirs', () => {
    expect(loadConfig({}).jobSlots).to.deep.equal({});
    expect(loadConfig({ JOB_SLOTS: '' }).jobSlots).to.deep.equal({});
    expect(loadConfig({ JOB_SLOTS: 'payments=64, mail = 2' }).jobSlots).to.deep.equal({ payments: 64, mail: 2 });
    const slots = new LaneSlots(loadConfig({ JOB_SLOTS: 'payments=64,mail=2' }).jobSlots);
    expect(JOB_LANES.map((lane) => slots.free(lane))).to.deep.equal([64, DEFAULT_LANE_SLOTS.carrier, 2, DEFAULT_LANE_SLOTS.shop]);
  });

  it('stops the start on a lane it does not know, a lane twice, or slots that are not 1 to 1024', () => {
    for (const raw of ['email=4', 'payments=0', 'payments=1025', 'payments=-1', 'payments=1.5', 'payments=', 'payments', 'payments=4,payments=8', 'payments=4;mail=2', 'payments=4,', 'Payments=4']) {
      expect(() => loadConfig({ JOB_SLOTS: raw }), raw).to.throw(ConfigError, /JOB_SLOTS must list lanes \(payments, carrier, mail, shop\)/);
    }
  });
});
