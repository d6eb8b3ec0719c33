/**
 * The command handler replaying a repeated command on EventStoreDB (on a model of its server), where the
 * server alone would not recognise the batch: after a snapshot, a server restart, or long after its cause.
 */
import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, levels } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import { EsdbServerModel } from '../support/esdb-server-model.js';
import { MemorySnapshots, STREAM, context, onHandOf, receive, register } from './command-handler-fixture.js';

describe('Command handler', () => {
  // EventStoreDB itself finds a repeated batch only right after a lower expected revision:
  // these run on a model of its server (see EsdbServerModel).
  describe('with an idempotency key, on EventStoreDB', () => {
    let server: EsdbServerModel;
    let esdb: EsdbEventStore;
    beforeEach(() => {
      server = new EsdbServerModel();
      esdb = new EsdbEventStore(server.client());
    });
    afterEach(() => esdb.close());

    const onHandIn = () => onHandOf(esdb);
    const receipts = () => server.stored(STREAM).filter((e) => e.type === 'StockReceived').length;

    it('replays a command repeated after the stream was loaded from a snapshot past it, appending nothing', async () => {
      const snapshots = new MemorySnapshots();
      const writer = new CommandHandler(esdb, { schema: eventSchema([]), snapshots, snapshotEvery: 5 });
      await writer.handle(inventoryDecider, STREAM, register(), context());
      await writer.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      for (let i = 0; i < 8; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      await new Promise((resolve) => setImmediate(resolve));
      const restarted = new CommandHandler(esdb, { schema: eventSchema([]), snapshots, snapshotEvery: 5 });
      const again = await restarted.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      expect(again).to.deep.include({ replayed: true, appended: [], revision: 9 });
      expect(levels(again.state)?.onHand).to.equal(13);
      expect(receipts()).to.equal(9);
      // What it cached is the stream as it is: the next command builds on it.
      const next = await restarted.handle(inventoryDecider, STREAM, receive(1), context());
      expect(levels(next.state)?.onHand).to.equal(14);
      expect(await onHandIn()).to.equal(14);
    });

    it('replays a command repeated after more events than the ids remembered, after a server restart', async () => {
      const writer = new CommandHandler(esdb, { schema: eventSchema([]) });
      await writer.handle(inventoryDecider, STREAM, register(), context());
      await writer.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      for (let i = 0; i < 40; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      server.restart();
      const forgetful = new CommandHandler(esdb, { schema: eventSchema([]), rememberedIds: 16 });
      const again = await forgetful.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      expect(again).to.deep.include({ replayed: true, appended: [] });
      expect(await onHandIn()).to.equal(45);
    });

    it("replays a process manager's command redelivered long after, bounded by its cause", async () => {
      const writer = new CommandHandler(esdb, { schema: eventSchema([]) });
      await writer.handle(inventoryDecider, STREAM, register(), context());
      const [cause] = await esdb.readStream(STREAM);
      const saga = context({ idempotencyKey: 'order-saga:event-1:0', causationPosition: cause!.position, now: '2024-06-30T00:00:00.000Z' });
      await writer.handle(inventoryDecider, STREAM, receive(5), saga);
      for (let i = 0; i < 40; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      const again = await new CommandHandler(esdb, { schema: eventSchema([]), rememberedIds: 16 }).handle(inventoryDecider, STREAM, receive(5), saga);
      expect(again).to.deep.include({ replayed: true, appended: [] });
      expect(receipts()).to.equal(41);
    });
  });
});
