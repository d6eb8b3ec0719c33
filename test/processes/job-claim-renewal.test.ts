import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, jobWrites, type JobDocument, type JobHandlers, type ScheduledJob } from '../../src/processes/jobs.js';
import { silentLogger } from '../projections/projection-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A job claimed as it was scheduled (JobRunner.claimAtOnce) that waits in its runner's queue
 * for a free slot may outlast its claim. It runs only under a claim that holds: renewed while
 * the first one still does, claimed anew (as any job) once it ran out. Run under a claim that
 * had run out, another runner's search took it while it ran, and both ran it (two processes
 * sending one email: one marked it uncertain and ended the job, the other's send failed and
 * left it pending with no job to send it).
 */
describe('A job claimed at once that waited for a slot', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let ran: Array<{ runner: string; id: string; claim: string | undefined; lockedUntil: number | undefined }>;
  let holds: Map<string, { release: () => void; held: Promise<void> }>;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    ran = [];
    holds = new Map();
    for (const id of ['charge-1', 'charge-2']) {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      holds.set(id, { release, held });
    }
  });

  afterEach(async () => {
    for (const hold of holds.values()) hold.release();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const jobs = () => store.collection<JobDocument>(JOBS);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A runner with one payment slot, whose handlers note what ran under which claim, then wait for their job's hold. */
  const runner = (owner: string, leaseMs: number, pollMs: number) => {
    const run = async (payload: Record<string, unknown>) => {
      const id = String(payload.id);
      const doc = await jobs().findOne({ _id: id });
      ran.push({ runner: owner, id, claim: doc?.claim, lockedUntil: doc?.lockedUntil });
      await holds.get(id)?.held;
    };
    const handlers = Object.fromEntries(
      ['charge-payment', 'expire-payment', 'reconcile-payment', 'refund-payment', 'send-notification', 'notify-stock', 'notify-admins', 'book-shipment', 'carrier-webhook', 'renew-subscription', 'erase-customer', 'expire-invoices'].map((kind) => [kind, run]),
    ) as JobHandlers;
    const r = new JobRunner({ readModels: store, logger: silentLogger(), clock: () => new Date() }, handlers, {
      owner,
      leaseMs,
      pollMs,
      concurrency: { payments: 1 },
      liveOwners: async () => ['a', 'b'],
    });
    runners.push(r);
    r.start();
    return r;
  };

  /** Two charges written with `a`'s claim, then handed to it, as its process manager's batch does: the second waits for the one slot. */
  const writeTwoAndWake = async (a: JobRunner) => {
    const claimed = (id: string): ScheduledJob => ({ id, kind: 'charge-payment', runAt: new Date().toISOString(), payload: { id }, dueInMs: 0, claimedBy: a.claimAtOnce() });
    const both = [claimed('charge-1'), claimed('charge-2')];
    await store.bulkWrite(both.flatMap((job) => jobWrites(job, new Date().toISOString())));
    a.wake(both);
    await eventually(() => (ran.length === 1 ? true : undefined));
    return both;
  };

  it('claims it anew once its claim ran out, so that another runner\'s search leaves it alone while it runs', async () => {
    const a = runner('a', 2000, 60_000);
    const [, second] = await writeTwoAndWake(a);
    await sleep(2300); // both claims ran out; nobody else is looking yet
    holds.get('charge-1')!.release();
    await eventually(() => (ran.length === 2 ? true : undefined));
    await eventually(async () => ((await jobs().findOne({ _id: 'charge-1' })) === null ? true : undefined));
    expect(ran[1]).to.include({ runner: 'a', id: 'charge-2' });
    expect(ran[1]!.claim).to.be.a('string').and.not.equal(second!.claimedBy!.claim);

    // Another runner searches every 10 ms while charge-2 runs, inside its new claim.
    runner('b', 2000, 10);
    await sleep(150);
    expect(ran.map((r) => `${r.runner}:${r.id}`)).to.deep.equal(['a:charge-1', 'a:charge-2']);
    holds.get('charge-2')!.release();
    await eventually(async () => ((await jobs().countDocuments({})) === 0 ? true : undefined));
    expect(ran.map((r) => `${r.runner}:${r.id}`)).to.deep.equal(['a:charge-1', 'a:charge-2']);
  });

  it('renews the claim it was written with while it still holds, for a whole claim from when it starts', async () => {
    const a = runner('a', 1000, 60_000);
    const [, second] = await writeTwoAndWake(a);
    await sleep(250); // past a tenth of the claim, well inside it
    const released = Date.now();
    holds.get('charge-1')!.release();
    await eventually(() => (ran.length === 2 ? true : undefined));
    expect(ran[1]).to.include({ runner: 'a', id: 'charge-2', claim: second!.claimedBy!.claim });
    // Written first until about 1000 ms after the write, 250 ms before; renewed until 1000 ms after the start.
    expect(ran[1]!.lockedUntil).to.be.at.least(released + 900);
  });
});
