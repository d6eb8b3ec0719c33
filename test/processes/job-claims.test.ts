import { expect } from 'chai';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, PARKED_JOBS, type JobDocument, type JobHandlers, type JobRunnerOptions } from '../../src/processes/jobs.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { scheduleJobs } from './job-fixture.js';

/** A handler held at a gate: it settles when the test says so. */
class Gate {
  entered = 0;
  private settle: Array<(error?: Error) => void> = [];

  readonly handler = () =>
    new Promise<void>((resolve, reject) => {
      this.entered += 1;
      this.settle.push((error) => (error ? reject(error) : resolve()));
    });

  open(error?: Error): void {
    for (const settle of this.settle.splice(0)) settle(error);
  }
}

/**
 * A runner that stalled past its claim on a job (a GC pause, SIGSTOP) while another runner
 * claimed and runs it: what the first one writes when its handler ends must not undo the
 * second one's claim.
 */
describe('Job claims', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let gates: Gate[];

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    gates = [];
  });

  afterEach(async () => {
    for (const gate of gates) gate.open();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const runner = (gate: Gate, options: JobRunnerOptions) => {
    gates.push(gate);
    const h = gate.handler;
    const handlers: JobHandlers = { 'charge-payment': h, 'expire-payment': h, 'reconcile-payment': h, 'refund-payment': h, 'send-notification': h, 'notify-stock': h, 'notify-admins': h, 'book-shipment': h, 'carrier-webhook': h, 'renew-subscription': h, 'erase-customer': h, 'expire-invoices': h };
    const r = new JobRunner({ readModels: store, logger: pino({ level: 'silent' }), clock: () => new Date() }, handlers, { retryBaseMs: 5, ...options });
    runners.push(r);
    r.start();
    return r;
  };

  /** Runner A claims the job briefly and hangs in its handler; once A's claim ran out, B claims it and runs it. */
  const stalledClaim = async (options: JobRunnerOptions = {}) => {
    const [job] = await scheduleJobs(store, [{ id: 'charge-1', kind: 'charge-payment', runAt: new Date().toISOString(), payload: { paymentId: 'p1' } }]);
    const a = new Gate();
    const stalled = runner(a, { pollMs: 60_000, leaseMs: 1, ...options });
    stalled.wake([job!]);
    await eventually(() => (a.entered === 1 ? true : undefined));
    const b = new Gate();
    runner(b, { pollMs: 10, leaseMs: 60_000 });
    await eventually(() => (b.entered === 1 ? true : undefined));
    const claimedByB = (await store.collection<JobDocument>(JOBS).findOne({ _id: job!.id }))!;
    return { a, b, stalled, claimedByB };
  };

  it("does not put back in the queue a job whose claim it lost: the failure of a stalled runner leaves the new holder's claim as it is", async () => {
    const { a, stalled, claimedByB } = await stalledClaim();
    a.open(new Error('provider timeout'));
    await stalled.stop(); // its failure is recorded (or not) by then

    const job = await store.collection<JobDocument>(JOBS).findOne({ _id: 'charge-1' });
    expect(job).to.deep.equal(claimedByB);
    expect(job!.lockedUntil).to.be.greaterThan(Date.now()); // the embedded store's clock is this host's
  });

  it('does not park a job whose claim it lost while another runner runs it; that runner finishes it', async () => {
    const { a, b, stalled, claimedByB } = await stalledClaim({ maxAttempts: 1 });
    a.open(new Error('provider down'));
    await stalled.stop();

    expect(await store.collection(PARKED_JOBS).countDocuments()).to.equal(0);
    expect(await store.collection<JobDocument>(JOBS).findOne({ _id: 'charge-1' })).to.deep.equal(claimedByB);
    b.open();
    await eventually(async () => ((await store.collection(JOBS).countDocuments()) === 0 ? true : undefined));
    expect(await store.collection(PARKED_JOBS).countDocuments()).to.equal(0);
  });

  it('parks a job that keeps failing under its own claim, as before', async () => {
    const [job] = await scheduleJobs(store, [{ id: 'charge-2', kind: 'charge-payment', runAt: new Date().toISOString(), payload: {} }]);
    const gate = new Gate();
    const r = runner(gate, { pollMs: 60_000, maxAttempts: 1 });
    r.wake([job!]);
    await eventually(() => (gate.entered === 1 ? true : undefined));
    gate.open(new Error('declined'));
    // Parked first, then taken out of the queue (see JobRunner.park): the two are two writes, and a reader may come between them.
    const parked = await eventually(async () => {
      const doc = await store.collection(PARKED_JOBS).findOne({ _id: 'charge-2' });
      return doc && (await store.collection(JOBS).countDocuments()) === 0 ? doc : undefined;
    });
    expect(parked).to.deep.include({ attempts: 1, lastError: 'Error: declined' });
    expect(parked).to.not.have.any.keys('dueAt', 'lockedUntil', 'owner', 'claim'); // times by the store's clock, and the claim, mean nothing once parked
    expect(await store.collection(JOBS).countDocuments()).to.equal(0);
  });
});
