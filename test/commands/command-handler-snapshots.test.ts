/**
 * The command handler with a snapshot store: when it snapshots, loading from a snapshot (or past one of
 * another version), aggregates without a snapshot version, a failing snapshot store, and replay after a snapshot.
 */
import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, levels } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { SnapshotStore } from '../../src/infrastructure/snapshots/snapshot-store.js';
import { MemorySnapshots, STREAM, SpyStore, context, onHandOf, receive, register } from './command-handler-fixture.js';

describe('Command handler', () => {
  let store: SqliteEventStore;
  let handler: CommandHandler;

  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    handler = new CommandHandler(store, { schema: eventSchema([]) });
  });

  afterEach(() => store.close());

  const stored = () => store.readStream(STREAM);
  const onHand = () => onHandOf(store);

  describe('with snapshots', () => {
    const snapshotting = (snapshots: SnapshotStore, inner: EventStore = store, onSnapshotError?: (e: unknown) => void) =>
      new CommandHandler(inner, { schema: eventSchema([]), snapshots, snapshotEvery: 10, ...(onSnapshotError ? { onSnapshotError } : {}) });
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    it('snapshots a stream every `snapshotEvery` events; a new handler reads only the events after the snapshot', async () => {
      const snapshots = new MemorySnapshots();
      const writer = snapshotting(snapshots);
      await writer.handle(inventoryDecider, STREAM, register(), context());
      for (let i = 0; i < 25; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      await settle();
      expect(snapshots.saved.map((s) => s.revision)).to.deep.equal([9, 19]);
      expect(snapshots.saved[1]!.version).to.equal(inventoryDecider.snapshotVersion);

      const spy = new SpyStore(store);
      const loaded = await snapshotting(snapshots, spy).load(inventoryDecider, STREAM);
      expect(spy.readsFrom).to.deep.equal([20]);
      expect(loaded).to.deep.equal(await new CommandHandler(store, { schema: eventSchema([]) }).load(inventoryDecider, STREAM));
      expect(levels(loaded.state)?.onHand).to.equal(25);
    });

    it('snapshots a long stream the first time it folds it, so the next load starts there', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      for (let i = 0; i < 30; i += 1) await handler.handle(inventoryDecider, STREAM, receive(1), context());
      const snapshots = new MemorySnapshots();
      await snapshotting(snapshots).load(inventoryDecider, STREAM);
      await settle();
      expect(snapshots.saved.map((s) => s.revision)).to.deep.equal([30]);
    });

    it('folds from the start when the snapshot is of another version of the state', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(7), context());
      const snapshots = new MemorySnapshots();
      await snapshots.save({ streamName: STREAM, revision: 1, version: 999, state: { status: 'Tracked', onHand: 1_000_000 } });
      const spy = new SpyStore(store);
      const { state } = await snapshotting(snapshots, spy).load(inventoryDecider, STREAM);
      expect(spy.readsFrom).to.deep.equal([0]);
      expect(levels(state)?.onHand).to.equal(7);
    });

    it('never snapshots an aggregate without a snapshot version', async () => {
      const unversioned = { ...inventoryDecider, snapshotVersion: undefined };
      const snapshots = new MemorySnapshots();
      const writer = snapshotting(snapshots);
      await writer.handle(unversioned, STREAM, register(), context());
      for (let i = 0; i < 25; i += 1) await writer.handle(unversioned, STREAM, receive(1), context());
      await settle();
      expect(snapshots.saved).to.deep.equal([]);
      expect(snapshots.loads).to.equal(0);
    });

    it('carries on when the snapshot store fails, telling onSnapshotError', async () => {
      const errors: unknown[] = [];
      const broken: SnapshotStore = { load: () => Promise.reject(new Error('down')), save: () => Promise.reject(new Error('down')) };
      const writer = snapshotting(broken, store, (e) => errors.push(e));
      await writer.handle(inventoryDecider, STREAM, register(), context());
      for (let i = 0; i < 12; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      await settle();
      expect((await stored()).length).to.equal(13);
      expect(errors.map((e) => (e as Error).message)).to.deep.equal(['down']);
      expect(levels((await snapshotting(broken).load(inventoryDecider, STREAM)).state)?.onHand).to.equal(12);
    });

    it('still replays a repeated command when the stream was loaded from a snapshot past it', async () => {
      const snapshots = new MemorySnapshots();
      const writer = snapshotting(snapshots);
      await writer.handle(inventoryDecider, STREAM, register(), context());
      await writer.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      for (let i = 0; i < 20; i += 1) await writer.handle(inventoryDecider, STREAM, receive(1), context());
      await settle();
      const again = await snapshotting(snapshots).handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      expect(again).to.deep.include({ replayed: true, appended: [] });
      expect(await onHand()).to.equal(25);
    });
  });
});
