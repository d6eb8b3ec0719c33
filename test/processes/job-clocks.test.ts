import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Filter, ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { JOBS, JobRunner, PARKED_JOBS, requeueParkedJob, type JobDocument, type JobHandlers, type JobRunnerOptions } from '../../src/processes/jobs.js';
import type { ProcessManager } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { appendOne } from '../projections/projection-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { oldJob, scheduleJobs } from './job-fixture.js';

const MINUTE = 60_000;
/** A process's clock, `offsetMs` off the host's (and so off the embedded store's, whose `$$NOW` is the host's). */
const skewed = (offsetMs: number) => () => new Date(Date.now() + offsetMs);

/**
 * Processes on different hosts do not agree on the time. Who may run a job (it is due, its
 * claim ran out) is decided by the store's clock: a runner whose clock runs minutes off the
 * store's neither takes a job another still holds nor waits minutes for one that is free.
 * (The embedded store's clock cannot be faked, so the runners' clocks are skewed instead.)
 */
describe("Jobs on processes whose clocks disagree, by the store's clock", () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let entered: string[];
  let release: Array<() => void>;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    entered = [];
    release = [];
  });

  afterEach(async () => {
    for (const r of release) r();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  /** Handlers that note who runs what, and hang until the test ends (a charge under way). */
  const hanging = (who: string): JobHandlers => {
    const h = (payload: Record<string, unknown>) =>
      new Promise<void>((resolve) => {
        entered.push(`${who}:${String(payload.n)}`);
        release.push(resolve);
      });
    return { 'charge-payment': h, 'expire-payment': h, 'reconcile-payment': h, 'refund-payment': h, 'send-notification': h, 'notify-stock': h, 'notify-admins': h, 'book-shipment': h, 'carrier-webhook': h, 'renew-subscription': h, 'erase-customer': h, 'expire-invoices': h };
  };

  /** The searches a runner made (its queries for due jobs), counted through its store. */
  const searchesOf = (target: ReadModelStore) => {
    const counter = { searches: 0 };
    const isSearch = (filter: Filter) => 'lockedUntil' in filter && '$lte' in (filter.lockedUntil as object);
    const store = new Proxy(target, {
      get: (t, p) =>
        p === 'collection'
          ? (name: string) => {
              const collection = t.collection(name);
              return new Proxy(collection, {
                get: (c, q) => {
                  if (q === 'find') return (filter: Filter, options?: object) => ((counter.searches += isSearch(filter) ? 1 : 0), c.find(filter, options));
                  const value = Reflect.get(c, q) as unknown;
                  return typeof value === 'function' ? value.bind(c) : value;
                },
              });
            }
          : ((v: unknown) => (typeof v === 'function' ? v.bind(t) : v))(Reflect.get(t, p)),
    });
    return { store, counter };
  };

  const runner = (who: string, clock: () => Date, options: JobRunnerOptions, readModels: ReadModelStore = store) => {
    const r = new JobRunner({ readModels, logger: pino({ level: 'silent' }), clock }, hanging(who), { owner: who, retryBaseMs: 5, ...options });
    runners.push(r);
    r.start();
    return r;
  };

  const charge = (n: number) => ({ id: `charge-${n}`, kind: 'charge-payment' as const, runAt: new Date().toISOString(), payload: { n } });
  const stored = (id: string) => store.collection<JobDocument>(JOBS).findOne({ _id: id });

  it('a job still claimed by one runner is not claimed by another whose clock runs 10 minutes ahead', async () => {
    const [job] = await scheduleJobs(store, [charge(1)]);
    const a = runner('a', skewed(0), { pollMs: 60_000, leaseMs: MINUTE });
    a.wake([job!]);
    await eventually(() => (entered.length === 1 ? true : undefined));
    const claim = await stored('charge-1');

    const watched = searchesOf(store);
    const b = runner('b', skewed(10 * MINUTE), { pollMs: 5, leaseMs: MINUTE }, watched.store);
    b.wake([job!]);
    await eventually(() => (watched.counter.searches >= 20 ? true : undefined));

    expect(entered).to.deep.equal(['a:1']);
    expect(await stored('charge-1')).to.deep.equal(claim);
    expect(claim).to.include({ owner: 'a' });
  });

  it("an expired claim is taken over once it ran out by the store's clock, though the claimant's clock ran 10 minutes ahead (it stalled past its claim)", async () => {
    const [job] = await scheduleJobs(store, [charge(2)]);
    const a = runner('a', skewed(10 * MINUTE), { pollMs: 60_000, leaseMs: 200 });
    a.wake([job!]);
    await eventually(() => (entered.length === 1 ? true : undefined));
    // a running job's claim is renewed while its process runs (claim-keeper.ts): this one's process stalls for two claims.
    for (const until = Date.now() + 400; Date.now() < until; );

    runner('b', skewed(0), { pollMs: 10, leaseMs: MINUTE });
    await eventually(() => (entered.length === 2 ? true : undefined), 5_000);

    expect(entered).to.deep.equal(['a:2', 'b:2']);
    expect(await stored('charge-2')).to.include({ owner: 'b' });
  });

  it('a job scheduled for the time of its event is due at once, though the scheduling process runs 10 minutes behind; a timer, its delay later by the store', async () => {
    const events = new SqliteEventStore({ path: ':memory:' });
    try {
      const clock = skewed(-10 * MINUTE);
      const schema = eventSchema([]);
      const paying: ProcessManager<null> = {
        name: 'paying',
        eventTypes: ['PaymentAsked'],
        sagaId: () => 'p1',
        initialState: () => null,
        react: (state, event) => {
          const at = String(event.metadata.occurredAt);
          const later = new Date(Date.parse(at) + 15 * MINUTE).toISOString();
          return { state, commands: [], jobs: [{ ...charge(3), runAt: at }, { id: 'expire-3', kind: 'expire-payment', runAt: later, payload: { n: 3 } }] };
        },
      };
      const jobs = runner('here', clock, { pollMs: 60_000 });
      const deps = { eventStore: events, readModels: store, schema, commands: new CommandHandler(events, { schema }), logger: pino({ level: 'silent' }), clock, jobsScheduled: jobs.wake.bind(jobs) };
      // Recorded by a process whose clock is right.
      const asked = await appendOne(events, 'payment-p1', 'PaymentAsked', {}, { occurredAt: new Date().toISOString() });
      const before = Date.now();
      await new ProcessManagerRunner(deps, paying).apply([asked]);
      const after = Date.now();

      await eventually(() => (entered.includes('here:3') ? true : undefined), 5_000);
      const timer = (await stored('expire-3'))!;
      expect(timer.dueAt).to.be.within(before + 15 * MINUTE, after + 15 * MINUTE);
      expect(timer.runAt).to.equal(new Date(Date.parse(String(asked.metadata.occurredAt)) + 15 * MINUTE).toISOString());
      expect(entered).to.deep.equal(['here:3']);
    } finally {
      await events.close();
    }
  });

  it("takes up the previous version's jobs (ISO times): due ones run, a claim still held and a timer wait, a parked one requeued runs", async () => {
    const now = Date.now();
    const iso = (offset: number) => new Date(now + offset).toISOString();
    const jobs = store.collection(JOBS);
    await jobs.insertOne(oldJob('due', iso(-MINUTE)));
    await jobs.insertOne(oldJob('claim-ran-out', iso(-MINUTE), { lockedUntil: iso(-1000), owner: 'old' }));
    await jobs.insertOne(oldJob('claim-held', iso(-MINUTE), { lockedUntil: iso(60 * MINUTE), owner: 'old' }));
    await jobs.insertOne(oldJob('timer', iso(60 * MINUTE)));
    await store.collection(PARKED_JOBS).insertOne({ ...oldJob('parked', iso(-MINUTE)), attempts: 10, lastError: 'Error: boom', parkedAt: iso(-1000) });

    const watched = searchesOf(store);
    runner('new', () => new Date(), { pollMs: 5 }, watched.store);
    await eventually(() => (entered.length === 2 ? true : undefined), 5_000);
    await requeueParkedJob(store, 'parked', new Date());
    await eventually(() => (entered.length === 3 ? true : undefined), 5_000);
    const searched = watched.counter.searches;
    await eventually(() => (watched.counter.searches >= searched + 20 ? true : undefined));

    expect([...entered].sort()).to.deep.equal(['new:claim-ran-out', 'new:due', 'new:parked']);
    const held = (await stored('claim-held'))!;
    const timer = (await stored('timer'))!;
    expect(held).to.include({ owner: 'old' });
    expect(held.lockedUntil).to.be.within(now + 59 * MINUTE, now + 61 * MINUTE);
    expect(timer.dueAt).to.be.within(now + 59 * MINUTE, now + 61 * MINUTE);
    expect(timer).to.include({ lockedUntil: 0, runAt: iso(60 * MINUTE) });
  });
});
