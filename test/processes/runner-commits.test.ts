import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ProcessManager, SagaCommand } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';
import { eventually } from '../support/temp-dir.js';

describe('A process manager reacting with several commands', () => {
  let events: SqliteEventStore;
  let store: EmbeddedReadModelStore;

  beforeEach(() => {
    events = new SqliteEventStore({ path: ':memory:' });
    store = new EmbeddedReadModelStore({ path: ':memory:' });
  });

  afterEach(async () => {
    await events.close();
    await store.close();
  });

  const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];
  const register = (sku: string): SagaCommand => ({
    aggregate: 'inventory',
    id: sku,
    command: { type: 'RegisterInventoryItem', sku, productId: `product-${sku}`, now: '2024-05-01T09:00:00.000Z' },
  });
  const shelving: ProcessManager<Record<string, never>> = {
    name: 'shelving',
    eventTypes: ['ShelvesOrdered'],
    sagaId: () => 'shelf-1',
    initialState: () => ({}),
    react: (state) => ({ state, commands: SKUS.map(register), jobs: [] }),
  };

  const runnerWith = (commands: CommandHandler) =>
    new ProcessManagerRunner(
      { eventStore: events, readModels: store, schema: eventSchema([]), commands, logger: silentLogger(), clock: () => new Date() },
      shelving,
      { retryDelayMs: 1 },
    );

  const stored = () => store.collection<{ _id: string; position: number }>('checkpoints').findOne({ _id: 'process:shelving' });

  const appendedAfter = async (position: number) =>
    (await events.readAll({ fromPosition: position + 1 })).map((e) => [e.streamName, e.type]);

  it('sends them together: their events are written by one commit of the log', async () => {
    const trigger = await appendOne(events, 'shelf-1', 'ShelvesOrdered', {});
    const before = events.commitCount;

    await runnerWith(new CommandHandler(events, { schema: eventSchema([]) })).apply([trigger]);

    expect(events.commitCount - before).to.equal(1);
    expect(await appendedAfter(trigger.position)).to.deep.equal(SKUS.map((sku) => [`inventory-${sku}`, 'InventoryItemRegistered']));
  });

  it('when one of them fails, retries the reaction once all have settled, and appends nothing twice', async () => {
    const trigger = await appendOne(events, 'shelf-1', 'ShelvesOrdered', {});
    const commands = new CommandHandler(events, { schema: eventSchema([]) });
    const handle = commands.handle.bind(commands);
    let failures = 1;
    commands.handle = ((...args: Parameters<typeof handle>) => {
      if (args[1] === 'inventory-SKU-B' && failures-- > 0) return Promise.reject(new Error('the store hiccuped'));
      return handle(...args);
    }) as typeof handle;

    await runnerWith(commands).apply([trigger]);

    expect(await appendedAfter(trigger.position)).to.have.deep.members(SKUS.map((sku) => [`inventory-${sku}`, 'InventoryItemRegistered']));
    expect(await store.collection('parked_events').countDocuments({})).to.equal(0);
  });

  it('writes, when it stops, the checkpoint it left unwritten after events that changed nothing', async () => {
    const runner = runnerWith(new CommandHandler(events, { schema: eventSchema([]) }));
    await runner.start();
    const unrelated = await appendOne(events, 'shelf-1', 'ShelvesDusted', {});
    expect(await runner.waitFor(unrelated.position, 5000)).to.equal(true);
    expect(await stored()).to.equal(null); // paced: a batch that changed nothing writes no checkpoint at once

    await runner.stop();

    expect((await stored())?.position).to.equal(unrelated.position);
  });

  it("writes the checkpoint it left unwritten once the pacer's second has passed with no batch (a quiet shop), and not before", async () => {
    const runner = runnerWith(new CommandHandler(events, { schema: eventSchema([]) }));
    await runner.start();
    try {
      const unrelated = await appendOne(events, 'shelf-1', 'ShelvesDusted', {});
      expect(await runner.waitFor(unrelated.position, 5000)).to.equal(true);
      const handledAt = performance.now();
      expect(await stored(), 'paced').to.equal(null);
      const written = await eventually(async () => (await stored()) ?? undefined, 3000);
      expect(performance.now() - handledAt, "not before the pacer's interval").to.be.greaterThan(500);
      expect(written.position).to.equal(unrelated.position);
      expect(runner.checkpoint).to.equal(unrelated.position);
    } finally {
      await runner.stop();
    }
  });
});
