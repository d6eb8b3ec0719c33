import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import type { RunnerHost } from '../../src/cluster/hosts.js';
import { LEASES, type Lease } from '../../src/cluster/leases.js';
import { MEMBERS, type Member } from '../../src/cluster/members.js';
import type { ReadModelStore, WriteOperation, WriteOptions } from '../../src/infrastructure/read-models/read-model-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { eventually, tempDir } from '../support/temp-dir.js';

const RUNNERS = ['products', 'stock-levels', 'customer-profiles', 'carts', 'orders', 'payments', 'shipments', 'search', 'reviews', 'purchases', 'order-saga', 'notifications'];

/** Runs what it is told to, except that it can be made to fail the next time it is told (a store that did not answer). */
class FlakyHost implements RunnerHost {
  running: Lease[] = [];
  failures = 0;

  constructor(readonly names: readonly string[]) {}

  async hold(held: readonly Lease[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      this.running = [];
      throw new Error('the store did not answer while the runners started');
    }
    this.running = held.filter((lease) => this.names.includes(lease.runner));
  }

  report(name: string) {
    return this.running.some((lease) => lease.runner === name) ? { status: 'live', caughtUp: true, position: 0 } : undefined;
  }
}

describe('Cluster: runners of the leases held', function () {
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

  const join_ = async () => {
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const host = new FlakyHost(RUNNERS);
    const cluster = new Cluster({ store, logger: pino({ level: 'silent' }) }, { leaseMs: 600, heartbeatMs: 50, pid: process.pid, host: 'test' }, [host]);
    await cluster.start();
    started.push({ cluster, store });
    return { cluster, host, store };
  };

  it('starts again, at a later heartbeat, the runners of leases it holds whose start failed (they are not left held and never run)', async () => {
    const a = await join_();
    const b = await join_();
    b.host.failures = 1; // the claims of its share succeed, starting their runners does not
    await eventually(() => (b.cluster.heldLeases().length === 6 ? true : undefined));
    const running = await eventually(() => (b.host.running.length === 6 ? b.host.running : undefined));
    expect(running.map((l) => l.runner).sort()).to.deep.equal(b.cluster.heldLeases().map((l) => l.runner).sort());
    expect(a.host.running).to.have.length(6);
  });

  it('does not come back in the list of processes when it starts listening after a stop asked for while it was starting', async () => {
    const a = await join_();
    await a.cluster.stop(); // the stop does not wait for the rest of the start: the server listens after it
    a.cluster.listening(8080);
    await new Promise((resolve) => setImmediate(resolve));
    const b = await join_();
    expect((await b.cluster.liveMembers()).map((m) => m._id)).to.deep.equal([b.cluster.id]);
    await eventually(() => (b.cluster.heldLeases().length === 12 ? true : undefined));
  });

  it('leaves the list of processes before it gives its leases back on a clean stop: never seen live and holding nothing (the others would give it work back)', async () => {
    const a = await join_();
    // Who is live by the store's clock at the moment a's leases are given back.
    let liveAtRelease: string[] | undefined;
    const store: ReadModelStore = a.store;
    const bulkWrite = store.bulkWrite.bind(store);
    store.bulkWrite = async (operations: readonly WriteOperation[], options?: WriteOptions) => {
      await bulkWrite(operations, options);
      if (operations.some((op) => op.collection === LEASES && 'updateOne' in op && JSON.stringify(op.updateOne.update).includes('"owner":null'))) {
        const live = await store.collection<Member>(MEMBERS).find({ $expr: { $gt: ['$expiresAt', { $toLong: '$$NOW' }] } });
        liveAtRelease = live.map((m) => m._id);
      }
    };
    await a.cluster.stop();
    expect(liveAtRelease).to.deep.equal([]);
    expect((await a.cluster.listLeases()).every((l) => !l.held)).to.equal(true);
  });
});
