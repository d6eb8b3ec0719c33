import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { Cluster, type ClusterOptions } from '../../src/cluster/cluster.js';
import type { RunnerHost } from '../../src/cluster/hosts.js';
import { LEASES, type LeaseRecord, type Lease } from '../../src/cluster/leases.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { eventually, tempDir } from '../support/temp-dir.js';

const RUNNERS = ['products', 'stock-levels', 'customer-profiles', 'carts', 'orders', 'payments', 'shipments', 'search', 'reviews', 'purchases', 'order-saga', 'notifications'];

/** Runs nothing; records what it is told to run, and who held a lease when it was told to stop it. */
class RecordingHost implements RunnerHost {
  running: Lease[] = [];
  /** For each runner stopped here: the lease's owner in the store at that moment. */
  readonly stoppedWhileOwnedBy: Array<{ runner: string; owner: string | null }> = [];

  constructor(
    readonly names: readonly string[],
    private readonly store: EmbeddedReadModelStore,
  ) {}

  async hold(held: readonly Lease[]): Promise<void> {
    for (const lease of this.running.filter((r) => !held.some((h) => h.runner === r.runner))) {
      const stored = await this.store.collection<LeaseRecord>(LEASES).findOne({ _id: lease.runner });
      this.stoppedWhileOwnedBy.push({ runner: lease.runner, owner: stored?.owner ?? null });
    }
    this.running = held.filter((lease) => this.names.includes(lease.runner));
  }

  report(name: string) {
    return this.running.some((lease) => lease.runner === name) ? { status: 'live', caughtUp: true, position: 0 } : undefined;
  }
}

/** Processes of one shop on one read-model file, each with its own connection and a short lease. */
describe('Cluster: leases over processes sharing one store', function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof tempDir>;
  const started: Array<{ cluster: Cluster; store: EmbeddedReadModelStore }> = [];
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    for (const { cluster, store } of started.splice(0)) {
      await cluster.stop().catch(() => undefined);
      await store.close();
    }
    dir.remove();
  });

  const join_ = async (options: { leaseMs?: number; heartbeatMs?: number; report?: ClusterOptions['report'] } = {}) => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const host = new RecordingHost(RUNNERS, store);
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const cluster = new Cluster({ store, logger }, { leaseMs: options.leaseMs ?? 600, heartbeatMs: options.heartbeatMs ?? 100, pid: process.pid, host: 'test', report: options.report }, [host]);
    await cluster.start();
    started.push({ cluster, store });
    return { cluster, host, logs, store };
  };
  const held = (cluster: Cluster) => cluster.heldLeases().map((l) => l.runner);

  it('lets one process alone hold every runner as soon as it has started', async () => {
    const a = await join_();
    expect(held(a.cluster).sort()).to.deep.equal([...RUNNERS].sort());
    expect(a.host.running).to.have.length(RUNNERS.length);
    expect(a.logs.filter((l) => l.msg === 'lease claimed')).to.have.length(RUNNERS.length);
  });

  it('gives a joining process its share; the holder stops a runner before it gives its lease back', async () => {
    const a = await join_();
    const b = await join_();
    await eventually(() => (held(a.cluster).length === 6 && held(b.cluster).length === 6 ? true : undefined));
    expect(new Set([...held(a.cluster), ...held(b.cluster)]).size).to.equal(12);
    expect(a.host.stoppedWhileOwnedBy).to.have.length(6);
    for (const stop of a.host.stoppedWhileOwnedBy) expect(stop.owner, stop.runner).to.equal(a.cluster.id);
    const listed = await b.cluster.liveMembers();
    expect(listed.map((m) => m._id).sort()).to.deep.equal([a.cluster.id, b.cluster.id].sort());
  });

  it('tells, with every beat, how far behind its job runner and saga are: the others read it among the live processes; a report that fails or hangs still beats, telling the last one', async () => {
    let load: () => Promise<{ jobsBehindMs: number; sagaBehindMs: number | null }> = async () => ({ jobsBehindMs: 0, sagaBehindMs: 0 });
    const a = await join_({ report: () => load() });
    const b = await join_();
    const told = async () => {
      const member = (await b.cluster.liveMembers()).find((m) => m._id === a.cluster.id);
      return member && { jobsBehindMs: member.jobsBehindMs, sagaBehindMs: member.sagaBehindMs, lastSeenAt: member.lastSeenAt };
    };
    expect(await told()).to.deep.include({ jobsBehindMs: 0, sagaBehindMs: 0 });
    load = async () => ({ jobsBehindMs: 4200, sagaBehindMs: 1300 });
    await eventually(async () => ((await told())?.jobsBehindMs === 4200 ? true : undefined), 5000);
    expect(await told()).to.deep.include({ sagaBehindMs: 1300 });
    // Nothing to report: nothing behind in its jobs, nothing told of a saga.
    expect((await a.cluster.liveMembers()).find((m) => m._id === b.cluster.id)).to.deep.include({ jobsBehindMs: 0, sagaBehindMs: null });
    load = async () => {
      throw new Error('the store did not answer');
    };
    // Failed, or never answered: the beat still goes out, on time, and tells the last measure again.
    const before = (await told())!.lastSeenAt;
    await eventually(async () => ((await told())!.lastSeenAt > before ? true : undefined), 5000);
    expect(await told()).to.deep.include({ jobsBehindMs: 4200, sagaBehindMs: 1300 });
    load = () => new Promise(() => undefined);
    const hung = (await told())!.lastSeenAt;
    await eventually(async () => ((await told())!.lastSeenAt > hung ? true : undefined), 5000);
    expect(await told()).to.deep.include({ jobsBehindMs: 4200, sagaBehindMs: 1300 });
    expect(held(a.cluster).length + held(b.cluster).length).to.equal(RUNNERS.length);
  });

  it('gives every lease back at once on a clean stop: another process takes them all at its next heartbeat, not a lease later', async () => {
    const a = await join_({ leaseMs: 60_000, heartbeatMs: 60_000 }); // holds everything, and never gives anything back by itself
    const b = await join_({ leaseMs: 60_000 });
    expect(held(b.cluster)).to.deep.equal([]);
    await a.cluster.stop();
    expect((await b.cluster.listLeases()).every((l) => l.owner === null && !l.held)).to.equal(true);
    expect(a.logs.filter((l) => l.msg === 'lease released')).to.have.length(12);
    await eventually(() => (held(b.cluster).length === 12 ? true : undefined), 5000);
    expect((await b.cluster.liveMembers()).map((m) => m._id)).to.deep.equal([b.cluster.id]);
  });

  it('takes over, at the next epoch, the runners of a process that stopped renewing, and says so', async () => {
    const a = await join_({ leaseMs: 400, heartbeatMs: 60_000 }); // claims, then never renews: a stall
    const epochs = new Map((await a.cluster.listLeases()).map((l) => [l._id, l.epoch]));
    const b = await join_({ leaseMs: 2000 });
    await eventually(() => (held(b.cluster).length === 12 ? true : undefined), 10_000);
    for (const lease of b.cluster.heldLeases()) expect(lease.epoch, lease.runner).to.equal(epochs.get(lease.runner)! + 1);
    const takeovers = b.logs.filter((l) => l.msg === 'lease taken over from a process that stopped renewing it');
    expect(takeovers).to.have.length(12);
    expect(takeovers.every((l) => l.from === a.cluster.id)).to.equal(true);
  });

  it('warns once, in each process, of another process of the shop that runs with a different LEASE_MS', async () => {
    const a = await join_({ leaseMs: 600 });
    const b = await join_({ leaseMs: 900 });
    const c = await join_({ leaseMs: 600 });
    const mismatch = (logs: Array<Record<string, unknown>>) => logs.filter((l) => String(l.msg).startsWith('another process of this shop runs with a different LEASE_MS'));
    await eventually(() => (mismatch(a.logs).length > 0 && mismatch(b.logs).length === 2 ? true : undefined), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few more heartbeats: still once per process met
    expect(mismatch(a.logs).map((l) => [l.process, l.theirLeaseMs, l.ourLeaseMs])).to.deep.equal([[b.cluster.id, 900, 600]]);
    expect(mismatch(b.logs).map((l) => l.process).sort()).to.deep.equal([a.cluster.id, c.cluster.id].sort());
    expect(mismatch(c.logs).map((l) => l.process)).to.deep.equal([b.cluster.id]);
  });
});
