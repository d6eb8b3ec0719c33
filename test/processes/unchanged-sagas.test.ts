import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { nothing, type ProcessManager, type Reaction, type SagaCommand } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import type { SagaDocument } from '../../src/processes/saga-documents.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';

/**
 * A batch whose reactions change nothing (no state, no command, no job, nothing parked) is not
 * written: the saga stays as it was stored, and its checkpoint waits for the pacer, as after
 * events the manager does not follow at all.
 */

type Door = { open: boolean; pokes: number };

describe('A process manager whose reaction changes nothing', () => {
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

  const register: SagaCommand = { aggregate: 'inventory', id: 'SKU-D', command: { type: 'RegisterInventoryItem', sku: 'SKU-D', productId: 'product-SKU-D', now: '2024-05-01T09:00:00.000Z' } };
  const door: ProcessManager<Door> = {
    name: 'doors',
    eventTypes: ['DoorOpened', 'DoorNoted', 'DoorPoked', 'DoorClosed'],
    sagaId: () => 'door-1',
    initialState: () => ({ open: false, pokes: 0 }),
    react: (state, event): Reaction<Door> => {
      switch (event.type) {
        case 'DoorOpened':
          return { state: { ...state, open: true }, commands: [], jobs: [] };
        case 'DoorPoked':
          // A command sent on the state as it was: written all the same.
          return { state, commands: [register], jobs: [] };
        case 'DoorClosed':
          return { state: { ...state, open: false }, commands: [], jobs: [] };
        default:
          return nothing(state);
      }
    },
  };

  const runner = () =>
    new ProcessManagerRunner(
      { eventStore: events, readModels: store, schema: eventSchema([]), commands: new CommandHandler(events, { schema: eventSchema([]) }), logger: silentLogger(), clock: () => new Date() },
      door,
      { retryDelayMs: 1 },
    );
  const saga = () => store.collection<SagaDocument<Door>>('saga_doors').findOne({ _id: 'door-1' });
  const checkpoint = async () => (await store.collection<{ _id: string; position: number }>('checkpoints').findOne({ _id: 'process:doors' }))?.position;

  it('writes neither the saga nor the checkpoint; the next change is written over the saga as it was', async () => {
    const doors = runner();
    const opened = await appendOne(events, 'door-1', 'DoorOpened', {});
    await doors.apply([opened]);
    expect(await saga()).to.deep.include({ state: { open: true, pokes: 0 }, _position: opened.position, _version: 1 });
    expect(await checkpoint()).to.equal(opened.position);

    const noted = await appendOne(events, 'door-1', 'DoorNoted', {});
    await doors.apply([noted]);
    expect(await saga()).to.deep.include({ _position: opened.position, _version: 1 });
    expect(await checkpoint()).to.equal(opened.position); // left to the pacer
    expect(doors.checkpoint).to.equal(noted.position);

    const closed = await appendOne(events, 'door-1', 'DoorClosed', {});
    await doors.apply([closed]);
    expect(await saga()).to.deep.include({ state: { open: false, pokes: 0 }, _position: closed.position, _version: 2 });
    expect(await checkpoint()).to.equal(closed.position);
  });

  it('writes nothing for a saga it never created whose first event changes nothing', async () => {
    const noted = await appendOne(events, 'door-1', 'DoorNoted', {});
    await runner().apply([noted]);
    expect(await saga()).to.equal(null);
    expect(await store.collection('saga_doors').countDocuments({})).to.equal(0);
  });

  it('writes a reaction that sent a command, though the state is as it was', async () => {
    const doors = runner();
    const opened = await appendOne(events, 'door-1', 'DoorOpened', {});
    await doors.apply([opened]);
    const poked = await appendOne(events, 'door-1', 'DoorPoked', {});
    await doors.apply([poked]);
    expect(await saga()).to.deep.include({ _position: poked.position, _version: 2 });
    expect(await checkpoint()).to.equal(poked.position);
    expect((await events.readStream('inventory-SKU-D')).map((e) => e.type)).to.deep.equal(['InventoryItemRegistered']);
  });

  it('does nothing again for the event delivered again after a crash (its checkpoint unwritten)', async () => {
    const opened = await appendOne(events, 'door-1', 'DoorOpened', {});
    await runner().apply([opened]);
    const noted = await appendOne(events, 'door-1', 'DoorNoted', {});
    await runner().apply([noted]);
    const restarted = runner();
    await restarted.start();
    expect(await restarted.waitFor(noted.position, 5000)).to.equal(true);
    await restarted.stop();
    expect(await saga()).to.deep.include({ state: { open: true, pokes: 0 }, _position: opened.position, _version: 1 });
  });
});
