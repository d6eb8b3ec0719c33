import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { JOBS } from '../../src/processes/job-documents.js';
import type { ProcessManager } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';

/** A timer scheduled on TimerSet and taken out of the queue on TimerDone (as the order saga does with a payment's expiry). */
describe('A process manager cancelling a job it scheduled', () => {
  let events: SqliteEventStore;
  let store: EmbeddedReadModelStore;
  let told: string[];

  beforeEach(() => {
    events = new SqliteEventStore({ path: ':memory:' });
    store = new EmbeddedReadModelStore({ path: ':memory:' });
    told = [];
  });

  afterEach(async () => {
    await events.close();
    await store.close();
  });

  const timers: ProcessManager<Record<string, never>> = {
    name: 'timers',
    eventTypes: ['TimerSet', 'TimerDone'],
    sagaId: () => 'timer-1',
    initialState: () => ({}),
    react: (state, event) =>
      event.type === 'TimerSet'
        ? { state, commands: [], jobs: [{ id: 'expire-payment:p-1', kind: 'expire-payment', runAt: '2030-01-01T00:00:00.000Z', payload: { paymentId: 'p-1' } }] }
        : { state, commands: [], jobs: [], cancelled: ['expire-payment:p-1'] },
  };

  const runner = () =>
    new ProcessManagerRunner(
      {
        eventStore: events,
        readModels: store,
        schema: eventSchema([]),
        commands: new CommandHandler(events, { schema: eventSchema([]) }),
        logger: silentLogger(),
        clock: () => new Date(),
        jobsScheduled: (jobs) => told.push(...jobs.map((job) => job.id)),
      },
      timers,
    );
  const queued = async () => (await store.collection(JOBS).find({})).map((job) => job._id);

  it('deletes the job with the batch that cancels it, so it never runs', async () => {
    const pm = runner();
    await pm.apply([await appendOne(events, 'timer-1', 'TimerSet', {})]);
    expect(await queued()).to.deep.equal(['expire-payment:p-1']);

    await pm.apply([await appendOne(events, 'timer-1', 'TimerDone', {})]);

    expect(await queued()).to.deep.equal([]);
  });

  it('never writes a job that a later event of the same batch cancels, nor tells the job runner of it', async () => {
    const set = await appendOne(events, 'timer-1', 'TimerSet', {});
    const done = await appendOne(events, 'timer-1', 'TimerDone', {});

    await runner().apply([set, done]);

    expect(await queued()).to.deep.equal([]);
    expect(told).to.deep.equal([]);
  });

  it('deletes a job of that id written before, when one batch schedules it again (which leaves it as it was) and then cancels it', async () => {
    const pm = runner();
    await pm.apply([await appendOne(events, 'timer-1', 'TimerSet', {})]);
    const again = await appendOne(events, 'timer-1', 'TimerSet', {});
    const done = await appendOne(events, 'timer-1', 'TimerDone', {});

    await pm.apply([again, done]);

    expect(await queued()).to.deep.equal([]);
  });

  it('cancels nothing else, and is harmless when the job is gone already (it ran, or was cancelled before)', async () => {
    await store.collection(JOBS).insertOne({ _id: 'send-notification:e-1', kind: 'send-notification', runAt: '2030-01-01T00:00:00.000Z', payload: {}, attempts: 0, dueAt: 0, lockedUntil: 0 });
    const pm = runner();

    await pm.apply([await appendOne(events, 'timer-1', 'TimerDone', {})]);

    expect(await queued()).to.deep.equal(['send-notification:e-1']);
    expect(pm.checkpoint).to.be.greaterThan(0);
  });
});
