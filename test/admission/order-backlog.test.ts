import { expect } from 'chai';
import { OrderBacklog, OrdersBackloggedError, retryAfterSeconds, type BacklogDeps } from '../../src/admission/order-backlog.js';
import type { RunnerState } from '../../src/cluster/view.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { ReadAllOptions, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';

/**
 * The gate in front of checkout: how far behind the order saga is, measured from where it
 * stands and the time of the first event it has still to read, and refused above the limit.
 */
describe('OrderBacklog', () => {
  const T0 = Date.parse('2026-12-05T10:00:00.000Z');
  let now = T0;
  let sagaAt = 0;
  let log: RecordedEvent[] = [];
  let reads: ReadAllOptions[] = [];
  let runnerReads = 0;
  let failing = false;
  let jobs: number[] = [];

  const runner = (name: string, position: number): RunnerState => ({ name, kind: 'process-manager', owner: 'p1', epoch: 1, position, status: 'live', caughtUp: true });
  const deps: BacklogDeps = {
    runners: async () => {
      runnerReads += 1;
      if (failing) throw new Error('store unreachable');
      return [runner('notifications', 0), runner('order-saga', sagaAt), runner('erasure', 0)];
    },
    eventStore: {
      readAll: async (options = {}) => {
        reads.push(options);
        return log.filter((e) => e.position >= (options.fromPosition ?? 0)).slice(0, options.maxCount);
      },
    },
    jobsBehind: async () => jobs,
    now: () => now,
  };
  /** An event at `position`, recorded `agoMs` before now; positions spaced as EventStoreDB's byte offsets are. */
  const event = (position: number, agoMs: number): RecordedEvent =>
    ({ position, revision: 0, streamName: `order-${position}`, id: `e${position}`, type: 'OrderCreated', data: {}, metadata: {}, recordedAt: new Date(now - agoMs).toISOString() }) as RecordedEvent;

  beforeEach(() => {
    now = T0;
    sagaAt = 0;
    log = [];
    reads = [];
    runnerReads = 0;
    failing = false;
    jobs = [0];
  });

  it('admits while the saga has read everything, and measures it 0 behind', async () => {
    log = [event(100, 60_000), event(250, 30_000)];
    sagaAt = 250;
    const gate = new OrderBacklog(deps, { limitMs: 1000 });
    await gate.admit();
    expect(await gate.current()).to.deep.equal({ behindMs: 0, sagaMs: 0, jobsMs: 0, measuredAt: now });
  });

  it('measures the age of the first event after the saga, read from the saga\'s own position (not the other runners\')', async () => {
    log = [event(100, 60_000), event(250, 30_000), event(400, 2000)];
    sagaAt = 100;
    const gate = new OrderBacklog(deps, { limitMs: 40_000 });
    await gate.admit();
    expect((await gate.current())?.behindMs).to.equal(30_000);
    // From the saga's position itself: on EventStoreDB a position is an event's byte offset, and 101 would be none.
    expect(reads[0]).to.deep.equal({ fromPosition: 100, maxCount: 2 });
  });

  it('refuses with a 503 error and a Retry-After once the saga is further behind than the limit, and counts the refusals', async () => {
    log = [event(1, 12_500), event(2, 100)];
    sagaAt = 0;
    const gate = new OrderBacklog(deps, { limitMs: 10_000, refreshMs: 0 });
    const refused = await gate.admit().then(() => undefined, (error: unknown) => error);
    expect(refused).to.be.instanceOf(OrdersBackloggedError);
    expect((refused as OrdersBackloggedError).retryAfterSeconds).to.equal(3);
    expect((refused as Error).message).to.match(/about 13 s behind\): nothing was placed/);
    await gate.admit().catch(() => undefined);
    expect(gate.refused).to.equal(2);
    // Caught up: admitted again at the next measure.
    sagaAt = 2;
    await gate.admit();
    expect(gate.refused).to.equal(2);
  });

  it('refuses while a process\'s job runner is further behind than the limit, the saga caught up: a charge that waits is as late as one not asked for', async () => {
    log = [event(1, 60_000)];
    sagaAt = 1;
    jobs = [200, 11_000, 0];
    const gate = new OrderBacklog(deps, { limitMs: 10_000, refreshMs: 0 });
    const refused = await gate.admit().then(() => undefined, (error: unknown) => error);
    expect(refused).to.be.instanceOf(OrdersBackloggedError);
    expect(await gate.current()).to.deep.include({ behindMs: 11_000, sagaMs: 0, jobsMs: 11_000 });
    jobs = [9000];
    await gate.admit();
  });

  it('admits at the limit itself', async () => {
    log = [event(1, 10_000)];
    await new OrderBacklog(deps, { limitMs: 10_000 }).admit();
  });

  it('measures once for the checkouts that ask within refreshMs, and again after it', async () => {
    log = [event(1, 5000)];
    const gate = new OrderBacklog(deps, { limitMs: 10_000, refreshMs: 250 });
    await Promise.all([gate.admit(), gate.admit(), gate.admit()]);
    await gate.admit();
    expect(runnerReads).to.equal(1);
    now += 249;
    await gate.admit();
    expect(runnerReads).to.equal(1);
    now += 1;
    log = [event(1, 20_000)];
    const refused = await gate.admit().then(() => undefined, (error: unknown) => error);
    expect(runnerReads).to.equal(2);
    expect(refused).to.be.instanceOf(OrdersBackloggedError);
  });

  it('admits when it cannot measure (the store unreachable): the checkout meets the store itself', async () => {
    log = [event(1, 60_000)];
    failing = true;
    const gate = new OrderBacklog(deps, { limitMs: 1000, refreshMs: 0 });
    await gate.admit();
    expect(await gate.current()).to.equal(undefined);
    expect(gate.refused).to.equal(0);
  });

  it('with a limit of 0 admits every checkout without measuring', async () => {
    log = [event(1, 3_600_000)];
    await new OrderBacklog(deps, { limitMs: 0 }).admit();
    expect(runnerReads).to.equal(0);
  });

  it('asks for a retry after what it is behind by beyond the limit: at least 1 s, at most 30 s', () => {
    expect(retryAfterSeconds(10_001, 10_000)).to.equal(1);
    expect(retryAfterSeconds(14_200, 10_000)).to.equal(5);
    expect(retryAfterSeconds(600_000, 10_000)).to.equal(30);
  });
});

describe('ORDER_BACKLOG_LIMIT_MS', () => {
  it('is a third of PAYMENT_TIMEOUT_MS, at most 10 s, unless set; 0 takes every checkout; anything else is refused at start', () => {
    expect(loadConfig({}).orderBacklogLimitMs).to.equal(10_000);
    expect(loadConfig({ PAYMENT_TIMEOUT_MS: '6000' }).orderBacklogLimitMs).to.equal(2000);
    expect(loadConfig({ PAYMENT_TIMEOUT_MS: '600000' }).orderBacklogLimitMs).to.equal(10_000);
    expect(loadConfig({ ORDER_BACKLOG_LIMIT_MS: '0' }).orderBacklogLimitMs).to.equal(0);
    expect(loadConfig({ ORDER_BACKLOG_LIMIT_MS: '25000' }).orderBacklogLimitMs).to.equal(25_000);
    expect(() => loadConfig({ ORDER_BACKLOG_LIMIT_MS: '-1' })).to.throw(ConfigError, /ORDER_BACKLOG_LIMIT_MS/);
    expect(() => loadConfig({ ORDER_BACKLOG_LIMIT_MS: 'soon' })).to.throw(ConfigError, /ORDER_BACKLOG_LIMIT_MS/);
  });
});
