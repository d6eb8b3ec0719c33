import { expect } from 'chai';
import { OrderBacklog, OrdersBackloggedError, retryAfterSeconds, type BacklogDeps } from '../../src/admission/order-backlog.js';
import type { Member } from '../../src/cluster/members.js';
import type { RunnerState } from '../../src/cluster/view.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { ReadAllOptions, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';

/**
 * The gate in front of checkout: how far behind the order saga and the job runners are, each
 * measured where it is known (the saga by the process that runs it, told to the others with
 * its heartbeat), and checkouts refused above the limit.
 */
describe('OrderBacklog', () => {
  const T0 = Date.parse('2026-12-05T10:00:00.000Z');
  const HEARTBEAT = 1000;
  let now = T0;
  /** The saga's runner in this process (undefined: it runs elsewhere). */
  let here: { checkpoint: number } | undefined;
  /** The saga as the shop's runners list it: its stored or reported position, and its holder. */
  let saga: { position: number; owner: string | null };
  let members: Member[];
  let jobsHere = 0;
  let log: RecordedEvent[] = [];
  let reads: ReadAllOptions[] = [];
  let measures = 0;
  let failing = false;

  const runner = (name: string, position: number, owner: string | null): RunnerState => ({ name, kind: 'process-manager', owner, epoch: 1, position, status: 'live', caughtUp: true });
  const deps: BacklogDeps = {
    localSaga: () => here,
    runners: async () => [runner('notifications', 0, 'me'), runner('order-saga', saga.position, saga.owner)],
    members: async () => {
      measures += 1;
      if (failing) throw new Error('store unreachable');
      return members;
    },
    self: 'me',
    jobsBehindMs: () => jobsHere,
    eventStore: {
      readAll: async (options = {}) => {
        reads.push(options);
        return log.filter((e) => e.position >= (options.fromPosition ?? 0)).slice(0, options.maxCount);
      },
    },
    now: () => now,
  };
  const member = (_id: string, told: { jobsBehindMs?: number; sagaBehindMs?: number | null } = {}, lastSeenAt = T0): Member =>
    ({ _id, pid: 1, host: 'h', port: 1, startedAt: '', lastSeenAt, expiresAt: lastSeenAt + 5000, jobsBehindMs: 0, sagaBehindMs: 0, ...told }) as Member;
  /** An event at `position`, recorded `agoMs` before now; positions spaced as EventStoreDB's byte offsets are. */
  const event = (position: number, agoMs: number): RecordedEvent =>
    ({ position, revision: 0, streamName: `order-${position}`, id: `e${position}`, type: 'OrderCreated', data: {}, metadata: {}, recordedAt: new Date(now - agoMs).toISOString() }) as RecordedEvent;
  const gate = (limitMs: number, refreshMs = 0) => new OrderBacklog(deps, { limitMs, refreshMs, heartbeatMs: HEARTBEAT });
  const refusal = (backlog: OrderBacklog) => backlog.admit().then(() => undefined, (error: unknown) => error);

  beforeEach(() => {
    now = T0;
    here = { checkpoint: 0 };
    saga = { position: 0, owner: 'me' };
    members = [member('me')];
    jobsHere = 0;
    log = [];
    reads = [];
    measures = 0;
    failing = false;
  });

  describe('where the saga runs', () => {
    it('admits while the saga has read everything, and measures it 0 behind', async () => {
      log = [event(100, 60_000), event(250, 30_000)];
      here = { checkpoint: 250 };
      const backlog = gate(1000);
      await backlog.admit();
      expect(await backlog.current()).to.deep.equal({ behindMs: 0, sagaMs: 0, jobsMs: 0, measuredAt: now });
    });

    it('measures the age of the first event after the runner\'s own position (not the stored one)', async () => {
      log = [event(100, 60_000), event(250, 30_000), event(400, 2000)];
      here = { checkpoint: 100 };
      saga.position = 0;
      const backlog = gate(40_000);
      await backlog.admit();
      expect((await backlog.current())?.sagaMs).to.equal(30_000);
      // From the position itself: on EventStoreDB a position is an event's byte offset, and 101 would be none.
      expect(reads[0]).to.deep.equal({ fromPosition: 100, maxCount: 2 });
    });

    it('refuses with a 503 error and a Retry-After once further behind than the limit, counts the refusals, and admits once caught up', async () => {
      log = [event(1, 12_500), event(2, 100)];
      const backlog = gate(10_000);
      const refused = await refusal(backlog);
      expect(refused).to.be.instanceOf(OrdersBackloggedError);
      expect((refused as OrdersBackloggedError).retryAfterSeconds).to.equal(3);
      expect((refused as Error).message).to.match(/about 13 s behind\): nothing was placed/);
      // Refused together, told to come back over three seconds.
      const next = await Promise.all([refusal(backlog), refusal(backlog), refusal(backlog)]);
      expect(next.map((error) => (error as OrdersBackloggedError).retryAfterSeconds)).to.deep.equal([4, 5, 3]);
      expect(backlog.refused).to.equal(4);
      here = { checkpoint: 2 };
      await backlog.admit();
      expect(backlog.refused).to.equal(4);
    });

    it('tells the others, with its heartbeat, how far behind its saga and its job runner are', async () => {
      log = [event(1, 60_000), event(2, 4000)];
      here = { checkpoint: 1 };
      jobsHere = 700;
      expect(await gate(10_000).local()).to.deep.equal({ jobsBehindMs: 700, sagaBehindMs: 4000 });
      // Not running it: it tells nothing of the saga (null), rather than that it keeps up.
      here = undefined;
      expect(await gate(10_000).local()).to.deep.equal({ jobsBehindMs: 700, sagaBehindMs: null });
    });
  });

  describe('where another process runs the saga', () => {
    beforeEach(() => {
      here = undefined;
      saga = { position: 1, owner: 'other' };
      // The position the holder reported with its last renewal: an event after it looks unread, and may not be.
      log = [event(1, 60_000), event(2, 9000)];
    });

    it('takes what the holder told at its last beat, not the age of what follows the position it reported', async () => {
      members = [member('me'), member('other', { sagaBehindMs: 0 })];
      await gate(2000).admit();
      expect(reads).to.deep.equal([]);
      members = [member('me'), member('other', { sagaBehindMs: 12_000 })];
      expect(await refusal(gate(10_000))).to.be.instanceOf(OrdersBackloggedError);
    });

    it('measures from the stored position when the holder has not been heard from for two heartbeats (stalled), or nobody holds it', async () => {
      members = [member('me', {}, T0 + 2 * HEARTBEAT + 1), member('other', { sagaBehindMs: 0 }, T0)];
      const backlog = gate(5000);
      expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
      expect(await backlog.current()).to.deep.include({ sagaMs: 9000 });
      members = [member('me', {}, T0 + 2 * HEARTBEAT), member('other', { sagaBehindMs: 0 }, T0)];
      await gate(5000).admit();
      saga.owner = null;
      expect(await refusal(gate(5000))).to.be.instanceOf(OrdersBackloggedError);
    });

    it('measures from the stored position while the holder has told nothing of the saga (it took it over after its last beat)', async () => {
      members = [member('me'), member('other', { sagaBehindMs: null })];
      const backlog = gate(5000);
      expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
      expect(await backlog.current()).to.deep.include({ sagaMs: 9000 });
    });

    it('refuses while any live process\'s job runner is further behind than the limit, the saga caught up: a charge that waits is as late as one not asked for', async () => {
      members = [member('me'), member('other', { jobsBehindMs: 11_000 }), member('third', { jobsBehindMs: 200 })];
      const backlog = gate(10_000);
      expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
      expect(await backlog.current()).to.deep.include({ behindMs: 11_000, sagaMs: 0, jobsMs: 11_000 });
      members = [member('me'), member('other', { jobsBehindMs: 9000 })];
      jobsHere = 10_500;
      expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
      jobsHere = 0;
      await backlog.admit();
    });
  });

  it('admits when what it measured is no number (a time that does not parse), rather than refuse with Retry-After NaN', async () => {
    log = [{ ...event(1, 60_000), recordedAt: 'not a time' }];
    const backlog = gate(1000);
    await backlog.admit();
    expect(await backlog.current()).to.equal(undefined);
  });

  it('counts the job runners even where the shop lists no order saga', async () => {
    here = undefined;
    saga = { position: 0, owner: null };
    const without = { ...deps, runners: async () => [runner('notifications', 0, 'me')] };
    jobsHere = 20_000;
    const backlog = new OrderBacklog(without, { limitMs: 10_000, refreshMs: 0, heartbeatMs: HEARTBEAT });
    expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
    expect(await backlog.current()).to.deep.include({ sagaMs: 0, jobsMs: 20_000 });
  });

  it('does not hold a checkout for a measure the store is slow to answer: the last measure (none: admitted) serves meanwhile', async () => {
    log = [event(1, 20_000)];
    let answer!: () => void;
    const slow = { ...deps, members: () => new Promise<Member[]>((resolve) => (answer = () => resolve(members))) };
    const backlog = new OrderBacklog(slow, { limitMs: 10_000, refreshMs: 60_000, heartbeatMs: HEARTBEAT });
    const started = Date.now();
    await backlog.admit();
    expect(Date.now() - started).to.be.below(1000);
    answer();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The measure came in after all: it serves the checkouts that come next.
    expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
  });

  it('admits at the limit itself', async () => {
    log = [event(1, 10_000)];
    await gate(10_000).admit();
  });

  it('measures once for the checkouts that ask within refreshMs, and again after it', async () => {
    log = [event(1, 5000)];
    const backlog = gate(10_000, 250);
    await Promise.all([backlog.admit(), backlog.admit(), backlog.admit()]);
    await backlog.admit();
    expect(measures).to.equal(1);
    now += 249;
    await backlog.admit();
    expect(measures).to.equal(1);
    now += 1;
    log = [event(1, 20_000)];
    expect(await refusal(backlog)).to.be.instanceOf(OrdersBackloggedError);
    expect(measures).to.equal(2);
  });

  it('admits when it cannot measure (the store unreachable): the checkout meets the store itself', async () => {
    log = [event(1, 60_000)];
    failing = true;
    const backlog = gate(1000);
    await backlog.admit();
    expect(await backlog.current()).to.equal(undefined);
    expect(backlog.refused).to.equal(0);
  });

  it('with a limit of 0 admits every checkout without measuring', async () => {
    log = [event(1, 3_600_000)];
    await gate(0).admit();
    expect(measures).to.equal(0);
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

  it('is never 0 by default (a payment timeout under 3 ms still gets a limit), and must be under PAYMENT_TIMEOUT_MS when set', () => {
    expect(loadConfig({ PAYMENT_TIMEOUT_MS: '2' }).orderBacklogLimitMs).to.equal(1);
    // A millisecond's payment time leaves no room for a limit: it starts, with the gate off.
    expect(loadConfig({ PAYMENT_TIMEOUT_MS: '1' }).orderBacklogLimitMs).to.equal(0);
    expect(() => loadConfig({ PAYMENT_TIMEOUT_MS: '6000', ORDER_BACKLOG_LIMIT_MS: '6000' })).to.throw(ConfigError, /ORDER_BACKLOG_LIMIT_MS must be under PAYMENT_TIMEOUT_MS/);
    expect(loadConfig({ PAYMENT_TIMEOUT_MS: '6000', ORDER_BACKLOG_LIMIT_MS: '5999' }).orderBacklogLimitMs).to.equal(5999);
  });
});

describe('Whole-number settings', () => {
  it('take decimal digits only: a blank value, hex, binary, an exponent or a fraction stops the start with the name', () => {
    for (const raw of [' ', '\t', '0x10', '0b11', '1e3', '1.5', '+5', '12abc']) {
      expect(() => loadConfig({ ORDER_BACKLOG_LIMIT_MS: raw }), JSON.stringify(raw)).to.throw(ConfigError, /ORDER_BACKLOG_LIMIT_MS must be an integer/);
      expect(() => loadConfig({ PORT: raw }), JSON.stringify(raw)).to.throw(ConfigError, /PORT must be an integer/);
    }
    expect(loadConfig({ PORT: '8080' }).port).to.equal(8080);
    expect(loadConfig({ PORT: '' }).port).to.equal(3000);
  });
});
