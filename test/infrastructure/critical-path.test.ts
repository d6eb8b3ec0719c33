import { expect } from 'chai';
import { pino } from 'pino';
import { v4 as uuid } from 'uuid';
import { CriticalPath, onPath } from '../../src/infrastructure/critical-path.js';
import { LogFollower, type FollowerLane } from '../../src/infrastructure/event-store/log-follower.js';
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
  it('lets background work go at once, in the same turn, when no critical work is under way or behind', async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    setImmediate(() => order.push('next turn'));
    await path.background(10);
    order.push('background');
    await turn();
    expect(order).to.deep.equal(['background', 'next turn']);
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

  it("holds a background batch until every live critical follower has passed its events (the saga woken by the same commit)", async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    const saga = { position: 10, live: true };
    path.track({ position: () => saga.position, live: () => saga.live });
    const commit = held();
    // Both woken by the commit of position 11: the projections ask first, the saga reacts in a microtask after.
    const background = path.background(11).then(() => order.push('projections fold 11'));
    const reaction = Promise.resolve().then(() =>
      path.critical(async () => {
        order.push('saga appends');
        await commit.done;
        order.push('saga committed');
        saga.position = 11;
        path.moved();
      }),
    );
    await sleep(20);
    expect(order).to.deep.equal(['saga appends']);
    commit.release();
    await Promise.all([reaction, background]);
    expect(order).to.deep.equal(['saga appends', 'saga committed', 'projections fold 11']);
  });

  it('does not wait for a critical follower that is not live (catching up, failing, stopped) or that left', async () => {
    const path = new CriticalPath(5_000);
    const saga = { position: 0, live: false };
    const untrack = path.track({ position: () => saga.position, live: () => saga.live });
    const started = performance.now();
    await path.background(500);
    saga.live = true;
    const waiting = path.background(500);
    await sleep(20);
    untrack();
    await waiting;
    expect(performance.now() - started).to.be.below(1000);
  });

  it('lets critical work handed on as the last one ends (the charge the saga wakes) go first too', async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    const saga = held();
    const charge = held();
    const chain = path
      .critical(async () => (await saga.done, order.push('saga wrote its job')))
      // Woken by that write, in the microtasks after it: nothing critical is under way in between.
      .then(() => path.critical(async () => (order.push('charge starts'), await charge.done, order.push('charge done'))));
    const background = path.background().then(() => order.push('projections'));
    await sleep(20);
    saga.release();
    await sleep(30);
    expect(order).to.deep.equal(['saga wrote its job', 'charge starts']);
    charge.release();
    await Promise.all([chain, background]);
    expect(order).to.deep.equal(['saga wrote its job', 'charge starts', 'charge done', 'projections']);
  });

  it('waits maxWaitMs at most in all, however often critical work comes back', async () => {
    const path = new CriticalPath(60);
    let going = true;
    // Critical work ending and starting again every few ms, for longer than the bound.
    const churn = (async () => {
      while (going) await path.critical(() => sleep(5));
    })();
    const started = performance.now();
    await path.background();
    const waited = performance.now() - started;
    going = false;
    await churn;
    expect(waited).to.be.at.least(55).and.below(1000);
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
  const start = (lane: FollowerLane | undefined, handle: (events: RecordedEvent[]) => Promise<void>) => {
    const follower = new LogFollower(store, pino({ level: 'silent' }), 100, lane);
    followers.push(follower);
    follower.start(0, handle);
    return follower;
  };
  const reactsToOrders = (events: readonly RecordedEvent[]) => events.some((e) => e.type === 'OrderCreated');
  /** A saga's handler: on each OrderCreated, appends a PaymentRequested, noting when it reacts and when its append is in. */
  const requestsPayments = (order: string[]) => async (events: RecordedEvent[]) => {
    for (const _created of events.filter((e) => e.type === 'OrderCreated')) {
      order.push('saga reacts');
      await append(store, 'PaymentRequested');
      order.push('saga appended');
    }
  };
  const live = (follower: LogFollower) => eventually(async () => (follower.status === 'live' ? true : undefined), 5_000);

  it("folds a live batch only after the critical follower's reaction to it, its append included, is done", async () => {
    const path = new CriticalPath(5_000);
    const order: string[] = [];
    // Started first, as the projections are: woken first by every commit.
    const projections = start({ path }, async (events) => void order.push(...events.map((e) => `folded ${e.type}`)));
    const saga = start({ path, critical: reactsToOrders }, requestsPayments(order));
    await Promise.all([live(projections), live(saga)]);
    await append(store, 'OrderCreated');
    await eventually(async () => (order.includes('folded PaymentRequested') ? true : undefined), 5_000);
    expect(order).to.deep.equal(['saga reacts', 'saga appended', 'folded OrderCreated', 'folded PaymentRequested']);
  });

  it('without a path, folds in the order the followers were woken (the critical follower waits behind the others)', async () => {
    const order: string[] = [];
    const projections = start(undefined, async (events) => void order.push(...events.map((e) => `folded ${e.type}`)));
    const saga = start(undefined, requestsPayments(order));
    await Promise.all([live(projections), live(saga)]);
    await append(store, 'OrderCreated');
    await eventually(async () => (order.includes('folded PaymentRequested') ? true : undefined), 5_000);
    expect(order.indexOf('folded OrderCreated')).to.be.lessThan(order.indexOf('saga appended'));
  });

  it("folds a batch the saga reacts to nothing of within the same turn as before (a shop taking cart commands)", async () => {
    const path = new CriticalPath(5_000);
    const folded: string[] = [];
    const projections = start({ path }, async (events) => void folded.push(...events.map((e) => e.type)));
    const saga = start({ path, critical: reactsToOrders }, async () => undefined);
    await Promise.all([live(projections), live(saga)]);
    await append(store, 'CartItemAdded');
    // Scheduled as the append is answered, before the followers woken by its commit run: they fold in the microtasks before it.
    const atNextTurn = await new Promise<string[]>((resolve) => setImmediate(() => resolve([...folded])));
    expect(atNextTurn).to.deep.equal(['CartItemAdded']);
    expect(path.busy).to.equal(false);
  });

  it("waits for a saga that is slow on the same events, at most maxWaitMs", async () => {
    const path = new CriticalPath(80);
    const slow = held();
    const folded: number[] = [];
    const projections = start({ path }, async (events) => void folded.push(...events.map((e) => e.position)));
    const saga = start({ path, critical: reactsToOrders }, () => slow.done);
    await Promise.all([live(projections), live(saga)]);
    const started = performance.now();
    await append(store, 'CartItemAdded');
    await eventually(async () => (folded.length === 1 ? true : undefined), 5_000);
    const waited = performance.now() - started;
    expect(waited, 'waited for the saga to pass the event').to.be.at.least(70);
    expect(waited).to.be.below(2_000);
    slow.release();
  });

  it('does not hand a batch it waited with to a handler once stopped', async () => {
    const path = new CriticalPath(5_000);
    const hang = held();
    const handled: string[] = [];
    const background = start({ path }, async (events) => void handled.push(...events.map((e) => e.type)));
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
