import { expect } from 'chai';
import { join } from 'node:path';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS, JobRunner, jobWrites, type JobDocument, type JobHandlers, type JobRunnerOptions, type ScheduledJob } from '../../src/processes/jobs.js';
import type { ProcessManager } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { scheduleJobs } from './job-fixture.js';

/**
 * A job due at once that a process manager schedules is written with the claim of the job
 * runner of the same process (JobRunner.claimAtOnce), which then runs it without a claim
 * write of its own. The claim holds as any other: other runners leave the job alone while its
 * process lives, take it over once it died, and find it free at once when it stopped first.
 */
describe('Jobs claimed as they are scheduled', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runners: JobRunner[];
  let ran: Array<{ runner: string; id: string; claim: string | undefined }>;
  let gate: { open: () => void; closed: Promise<void> } | undefined;

  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runners = [];
    ran = [];
    gate = undefined;
  });

  afterEach(async () => {
    gate?.open();
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    dir.remove();
  });

  const jobs = () => store.collection<JobDocument>(JOBS);

  /** A runner whose handlers note what ran and under which claim (read at the start of the handler), and wait at the gate when one is shut. */
  const runner = (owner: string, options: JobRunnerOptions = {}, start = true) => {
    const h = (name: string) => async (payload: Record<string, unknown>) => {
      const id = String(payload.id);
      ran.push({ runner: name, id, claim: (await jobs().findOne({ _id: id }))?.claim });
      await gate?.closed;
    };
    const handler = h(owner);
    const handlers: JobHandlers = { 'charge-payment': handler, 'expire-payment': handler, 'reconcile-payment': handler, 'refund-payment': handler, 'send-notification': handler, 'notify-stock': handler, 'notify-admins': handler, 'book-shipment': handler, 'carrier-webhook': handler, 'renew-subscription': handler, 'erase-customer': handler, 'expire-invoices': handler };
    const r = new JobRunner({ readModels: store, logger: silentLogger(), clock: () => new Date() }, handlers, { owner, pollMs: 10, retryBaseMs: 5, ...options });
    runners.push(r);
    if (start) r.start();
    return r;
  };

  const shut = () => {
    let open!: () => void;
    const closed = new Promise<void>((resolve) => (open = resolve));
    gate = { open, closed };
    return gate;
  };

  /** A charge due now, as a process manager schedules it for `claimant` (see claimAtOnce). */
  const claimedJob = (id: string, claimant: JobRunner): ScheduledJob => ({
    id,
    kind: 'charge-payment',
    runAt: new Date().toISOString(),
    payload: { id },
    dueInMs: 0,
    claimedBy: claimant.claimAtOnce(),
  });

  const write = (job: ScheduledJob) => store.bulkWrite(jobWrites(job, new Date().toISOString()));

  /** Two charges written with `a`'s claim, then handed to it, as its process manager's batch does. */
  const writeTwoAndWake = async (a: JobRunner) => {
    const first = claimedJob('charge-1', a);
    const second = claimedJob('charge-2', a);
    await write(first);
    await write(second);
    a.wake([first, second]);
    return { first, second };
  };

  it('writes the job claimed, and runs it under that very claim: no claim of its own after', async () => {
    const a = runner('a');
    const job = claimedJob('charge-1', a);
    const before = Date.now();
    await write(job);
    const written = (await jobs().findOne({ _id: 'charge-1' }))!;
    expect(written.owner).to.equal('a');
    expect(written.claim).to.equal(job.claimedBy!.claim);
    expect(written.lockedUntil).to.be.at.least(before + 120_000);

    a.wake([job]);
    await eventually(async () => ((await jobs().findOne({ _id: 'charge-1' })) === null ? true : undefined));
    // The claim the handler saw is the one written with the job: a claim write would have put a new id.
    expect(ran).to.deep.equal([{ runner: 'a', id: 'charge-1', claim: job.claimedBy!.claim }]);
  });

  it('is left alone by the searches of other live runners, even while it waits for a free slot of its own runner', async () => {
    shut();
    const a = runner('a', { concurrency: 1, liveOwners: async () => ['a', 'b'] });
    const { first, second } = await writeTwoAndWake(a);
    runner('b', { liveOwners: async () => ['a', 'b'] });
    await eventually(() => (ran.length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200)); // twenty searches of b's
    expect(ran).to.deep.equal([{ runner: 'a', id: 'charge-1', claim: first.claimedBy!.claim }]);

    gate!.open();
    await eventually(async () => ((await jobs().countDocuments({})) === 0 ? true : undefined));
    expect(ran.map((r) => `${r.runner}:${r.id}`)).to.deep.equal(['a:charge-1', 'a:charge-2']);
    expect(ran[1]!.claim).to.equal(second.claimedBy!.claim);
  });

  it('claims nothing when the job was there already (an event delivered again): the job keeps its own claim, and runs once', async () => {
    await scheduleJobs(store, [{ id: 'charge-1', kind: 'charge-payment', runAt: new Date().toISOString(), payload: { id: 'charge-1' } }]);
    const stored = (await jobs().findOne({ _id: 'charge-1' }))!;
    // Started once the write is checked: its first search would find the job due and run it.
    const a = runner('a', { pollMs: 60_000 }, false);
    const again = claimedJob('charge-1', a);
    await write(again);
    expect(await jobs().findOne({ _id: 'charge-1' })).to.deep.equal(stored);

    a.start();
    a.wake([again]);
    await eventually(async () => ((await jobs().findOne({ _id: 'charge-1' })) === null ? true : undefined));
    expect(ran).to.have.length(1);
    // Run under a claim of its own, taken after the write: not the one the write carried.
    expect(ran[0]!.claim).to.be.a('string').and.not.equal(again.claimedBy!.claim);
  });

  it('does not run a job another runner has claimed since', async () => {
    const a = runner('a', { pollMs: 60_000 });
    const job = claimedJob('charge-1', a);
    await write(job);
    // b took it over (a stalled past the claim, say): b's claim is there now.
    await jobs().updateOne({ _id: 'charge-1' }, { $set: { owner: 'b', claim: 'claim-of-b', lockedUntil: Date.now() + 60_000 } });
    a.wake([job]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ran).to.deep.equal([]);
    expect((await jobs().findOne({ _id: 'charge-1' }))?.claim).to.equal('claim-of-b');
  });

  it('lets go of the jobs it had not started when it stops: another runner runs them at its next search', async () => {
    shut();
    // Both alive to the end, as a process stopping is until its last beat runs out: only its letting go frees the job.
    const a = runner('a', { concurrency: 1, liveOwners: async () => ['a', 'b'] });
    await writeTwoAndWake(a);
    await eventually(() => (ran.length === 1 ? true : undefined));
    const stopping = a.stop();
    gate!.open();
    await stopping;
    const left = (await jobs().findOne({ _id: 'charge-2' }))!;
    expect(left.lockedUntil).to.equal(0);

    runner('b', { liveOwners: async () => ['a', 'b'] });
    await eventually(() => (ran.length === 2 ? true : undefined));
    expect(ran[1]).to.include({ runner: 'b', id: 'charge-2' });
  });

  it('is taken over once its process died (never stopped), as any claim of a dead process', async () => {
    const a = runner('a', {}, false); // never started: it died right after the write
    const job = claimedJob('charge-1', a);
    await write(job);
    runner('b', { liveOwners: async () => ['b'] });
    await eventually(() => (ran.length === 1 ? true : undefined));
    expect(ran[0]).to.include({ runner: 'b', id: 'charge-1' });
    expect(ran[0]!.claim).to.not.equal(job.claimedBy!.claim);
  });
});

/**
 * The process manager's runner claims, for the job runner of its process, the jobs due at
 * once that a batch schedules, and only those: a timer is claimed when it falls due.
 */
describe('A process manager scheduling jobs due at once', () => {
  it('writes them with the claim it was given, and jobs due later without one, and tells the job runner of both', async () => {
    const events = new SqliteEventStore({ path: ':memory:' });
    const store = new EmbeddedReadModelStore({ path: ':memory:' });
    try {
      const manager: ProcessManager<{ n: number }> = {
        name: 'timers',
        eventTypes: ['Started'],
        sagaId: (event) => String(event.data.id),
        initialState: () => ({ n: 0 }),
        react: (state, event) => {
          const at = Date.parse(String(event.recordedAt));
          return {
            state: { n: state.n + 1 },
            commands: [],
            jobs: [
              { id: `now-${event.data.id}`, kind: 'send-notification', runAt: new Date(at).toISOString(), payload: {} },
              { id: `later-${event.data.id}`, kind: 'expire-payment', runAt: new Date(at + 60_000).toISOString(), payload: {} },
            ],
          };
        },
      };
      const told: ScheduledJob[] = [];
      let claims = 0;
      const deps = {
        eventStore: events,
        readModels: store,
        schema: eventSchema([]),
        commands: new CommandHandler(events, { schema: eventSchema([]) }),
        logger: silentLogger(),
        clock: () => new Date(),
        jobsScheduled: (jobs: ScheduledJob[]) => void told.push(...jobs),
        claimJob: () => ({ owner: 'here', claim: `claim-${(claims += 1)}`, leaseMs: 120_000 }),
      };
      const runner = new ProcessManagerRunner(deps, manager);
      await runner.apply([await appendOne(events, 'timer-1', 'Started', { id: '1' })]);

      const now = await store.collection<JobDocument>(JOBS).findOne({ _id: 'now-1' });
      const later = await store.collection<JobDocument>(JOBS).findOne({ _id: 'later-1' });
      expect(now).to.include({ owner: 'here', claim: 'claim-1' });
      expect(now!.lockedUntil).to.be.greaterThan(Date.now());
      expect(later).to.include({ lockedUntil: 0 });
      expect(later).to.not.have.property('owner');
      expect(claims).to.equal(1);
      expect(told.map((job) => [job.id, job.claimedBy?.claim])).to.deep.equal([
        ['now-1', 'claim-1'],
        ['later-1', undefined],
      ]);
    } finally {
      await events.close();
      await store.close();
    }
  });
});
