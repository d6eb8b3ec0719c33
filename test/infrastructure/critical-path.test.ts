import { expect } from 'chai';
import { pino } from 'pino';
import { v4 as uuid } from 'uuid';
import { CriticalPath, onPath } from '../../src/infrastructure/critical-path.js';
import { LogFollower } from '../../src/infrastructure/event-store/log-follower.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JobRunner, type JobHandlers } from '../../src/processes/jobs.js';
import type { Job, JobKind } from '../../src/processes/process-manager.js';
import { scheduleJobs } from '../processes/job-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/** A promise and the function that settles it: work held under way until the test lets it end. */
const held = () => {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
};
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The order's critical path first (see CriticalPath): the order saga's batches and the payment
 * jobs run as critical work; the projections' live batches and the other process managers and
 * jobs wait until none is under way, so the saga's next append is committed before the others
 * fold what woke them all. Measured in the saga benchmark (see the README).
 */
describe('CriticalPath', () => {
  it('lets background work go after a turn of the event loop when no critical work is under way', async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    const background = path.background().then(() => order.push('background'));
    queueMicrotask(() => order.push('microtask'));
    await turn();
    await background;
    expect(order).to.deep.equal(['microtask', 'background']);
  });

  it('holds background work until the critical work under way is over, however many there are', async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    const first = held();
    const second = held();
    const saga = path.critical(async () => (await first.done, order.push('first critical')));
    const charge = path.critical(async () => (await second.done, order.push('second critical')));
    const background = path.background().then(() => order.push('background'));
    await sleep(30);
    expect(order, 'nothing runs while both are under way').to.deep.equal([]);
    expect(path.busy).to.equal(true);
    first.release();
    await saga;
    await sleep(30);
    expect(order, 'one is still under way').to.deep.equal(['first critical']);
    second.release();
    await Promise.all([charge, background]);
    expect(order).to.deep.equal(['first critical', 'second critical', 'background']);
    expect(path.busy).to.equal(false);
  });

  it('lets critical work woken with background work start first (the background turn comes after a turn of the loop)', async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    const commit = held();
    // Both woken by the same commit: the background one asks first, the critical one in a microtask after.
    const background = path.background().then(() => order.push('projections'));
    const saga = Promise.resolve().then(() => path.critical(async () => (order.push('saga appends'), await commit.done, order.push('saga committed'))));
    await sleep(20);
    commit.release();
    await Promise.all([saga, background]);
    expect(order).to.deep.equal(['saga appends', 'saga committed', 'projections']);
  });

  it('waits maxWaitMs at most for critical work that hangs', async () => {
    const path = new CriticalPath(40);
    const hang = held();
    const saga = path.critical(() => hang.done);
    const started = performance.now();
    await path.background();
    const waited = performance.now() - started;
    expect(waited).to.be.at.least(35);
    expect(path.busy, 'the critical work is still under way').to.equal(true);
    hang.release();
    await saga;
  });

  it('releases the path when critical work fails, and passes its error on', async () => {
    const path = new CriticalPath(5_000);
    const failing = path.critical(async () => {
      await turn();
      throw new Error('the provider refused');
    });
    const background = path.background();
    const error = await failing.then(() => undefined, (e: unknown) => e);
    expect(String(error)).to.contain('the provider refused');
    await background;
    expect(path.busy).to.equal(false);
  });

  it('runs the work at once when there is no path (tools, rebuilds)', async () => {
    let ran = false;
    const result = onPath(undefined, false, async () => ((ran = true), 7));
    expect(ran, 'started in the same call').to.equal(true);
    expect(await result).to.equal(7);
  });
});

describe('LogFollower on the critical path', function () {
  this.timeout(20_000);
  let store: SqliteEventStore;
  const followers: LogFollower[] = [];
  beforeEach(() => (store = new SqliteEventStore({ path: ':memory:' })));
  afterEach(async () => {
    for (const follower of followers.splice(0)) await follower.stop();
    await store.close();
  });

  const append = (eventStore: EventStore, type: string) => {
    const metadata = { correlationId: uuid(), causationId: uuid(), actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
    return eventStore.appendToStream(`thing-${uuid()}`, [{ id: uuid(), type, data: {}, metadata }]);
  };
  const start = (lane: { path: CriticalPath; critical: boolean } | undefined, handle: (events: RecordedEvent[]) => Promise<void>) => {
    const follower = new LogFollower(store, pino({ level: 'silent' }), 100, lane);
    followers.push(follower);
    follower.start(0, handle);
    return follower;
  };
  const live = (follower: LogFollower) => eventually(async () => (follower.status === 'live' ? true : undefined), 5_000);

  it("folds a live batch only after the critical follower's reaction to it, its append included, is done", async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    // Started first, as the projections are: woken first by every commit.
    const projections = start({ path, critical: false }, async (events) => void order.push(...events.map((e) => `folded ${e.type}`)));
    const saga = start({ path, critical: true }, async (events) => {
      for (const _created of events.filter((e) => e.type === 'OrderCreated')) {
        order.push('saga reacts');
        await append(store, 'PaymentRequested');
        order.push('saga appended');
      }
    });
    await Promise.all([live(projections), live(saga)]);
    await append(store, 'OrderCreated');
    await eventually(async () => (order.includes('folded PaymentRequested') ? true : undefined), 5_000);
    expect(order).to.deep.equal(['saga reacts', 'saga appended', 'folded OrderCreated', 'folded PaymentRequested']);
  });

  it('without a path, folds in the order the followers were woken (the critical follower waits behind the others)', async () => {
    const order: string[] = [];
    const projections = start(undefined, async (events) => void order.push(...events.map((e) => `folded ${e.type}`)));
    const saga = start(undefined, async (events) => {
      for (const _created of events.filter((e) => e.type === 'OrderCreated')) {
        order.push('saga reacts');
        await append(store, 'PaymentRequested');
        order.push('saga appended');
      }
    });
    await Promise.all([live(projections), live(saga)]);
    await append(store, 'OrderCreated');
    await eventually(async () => (order.includes('folded PaymentRequested') ? true : undefined), 5_000);
    expect(order.indexOf('folded OrderCreated')).to.be.lessThan(order.indexOf('saga appended'));
  });

  it('does not hand a batch it waited with to a handler once stopped', async () => {
    const path = new CriticalPath(5_000);
    const hang = held();
    const handled: string[] = [];
    const background = start({ path, critical: false }, async (events) => void handled.push(...events.map((e) => e.type)));
    await live(background);
    const saga = path.critical(() => hang.done);
    await append(store, 'OrderCreated');
    await sleep(30);
    const stopping = background.stop();
    hang.release();
    await Promise.all([stopping, saga]);
    expect(handled).to.deep.equal([]);
    expect(background.checkpoint).to.equal(0);
  });
});

describe('JobRunner on the critical path', () => {
  it("runs a payment job as critical work, and an email due with it once the charge is over", async () => {
    const dir = tempDir();
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const path = new CriticalPath(5_000);
    const charge = held();
    const order: string[] = [];
    const record = (what: string) => async () => void order.push(what);
    const handlers = Object.fromEntries(
      (['expire-payment', 'reconcile-payment', 'refund-payment', 'notify-stock', 'notify-admins', 'book-shipment', 'carrier-webhook', 'renew-subscription', 'erase-customer', 'expire-invoices'] as JobKind[]).map((kind) => [kind, record(kind)]),
    ) as unknown as JobHandlers;
    handlers['charge-payment'] = async () => {
      order.push('charge starts');
      await charge.done;
      order.push('charge done');
    };
    handlers['send-notification'] = record('email sent');
    const runner = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date(), criticalPath: path }, handlers, { pollMs: 60_000 });
    try {
      runner.start();
      await sleep(20);
      const job = (id: string, kind: JobKind): Job => ({ id, kind, runAt: new Date(Date.now() - 1000).toISOString(), payload: {} });
      runner.wake(await scheduleJobs(store, [job('charge-1', 'charge-payment'), job('email-1', 'send-notification')]));
      await eventually(async () => (order.includes('charge starts') ? true : undefined), 5_000);
      await sleep(50);
      expect(order, 'the email waits for the charge under way').to.deep.equal(['charge starts']);
      charge.release();
      await eventually(async () => (order.includes('email sent') ? true : undefined), 5_000);
      expect(order).to.deep.equal(['charge starts', 'charge done', 'email sent']);
    } finally {
      charge.release();
      await runner.stop();
      await store.close();
      dir.remove();
    }
  });
});
