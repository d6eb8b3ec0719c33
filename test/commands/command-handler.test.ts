import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { CommandHandler, derivedId, type CommandContext } from '../../src/commands/command-handler.js';
import {
  inventoryDecider,
  inventoryStream,
  levels,
  type AdjustStock,
  type ReceiveStock,
  type RegisterInventoryItem,
} from '../../src/domain/inventory/inventory.js';
import { ConcurrencyError, IllegalStateError, NotFoundError, PreconditionFailedError } from '../../src/domain/shared/errors.js';
import { eventSchema, type EventSchema } from '../../src/domain/shared/event-schema.js';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LookBack,
} from '../../src/infrastructure/event-store/event-store.js';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { Snapshot, SnapshotStore } from '../../src/infrastructure/snapshots/snapshot-store.js';
import { EsdbServerModel } from '../support/esdb-server-model.js';

describe('Command handler', () => {
  let store: SqliteEventStore;
  let handler: CommandHandler;

  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    handler = new CommandHandler(store, { schema: eventSchema([]) });
  });

  afterEach(() => store.close());

  const stored = () => store.readStream(STREAM);
  const onHand = async () => levels((await new CommandHandler(store, { schema: eventSchema([]) }).load(inventoryDecider, STREAM)).state)?.onHand;

  describe('when the command decides events', () => {
    it('appends them with the context as metadata', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const [event] = await stored();
      expect(event!.type).to.equal('InventoryItemRegistered');
      expect(event!.data).to.deep.equal({ sku: SKU, productId: PRODUCT, registeredAt: NOW });
      expect(event!.metadata).to.deep.equal({
        correlationId: 'correlation-1',
        causationId: 'causation-1',
        actor: 'clerk-1',
        occurredAt: NOW,
        schemaVersion: 1,
      });
    });

    it('records the idempotency key when there is one', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context({ idempotencyKey: 'key-1' }));
      const [event] = await stored();
      expect(event!.metadata.idempotencyKey).to.equal('key-1');
    });

    it('stamps each event with the current schema version of its type', async () => {
      const versioned = new CommandHandler(store, { schema: schemaWithStockReceivedV2() });
      await versioned.handle(inventoryDecider, STREAM, register(), context());
      await versioned.handle(inventoryDecider, STREAM, receive(3), context());
      expect((await stored()).map((e) => [e.type, e.metadata.schemaVersion])).to.deep.equal([
        ['InventoryItemRegistered', 1],
        ['StockReceived', 2],
      ]);
    });

    it('returns the new state, the stream revision, the global position and what it appended', async () => {
      const first = await handler.handle(inventoryDecider, STREAM, register(), context());
      const second = await handler.handle(inventoryDecider, STREAM, receive(7), context());
      const events = await stored();
      expect(first.revision).to.equal(0);
      expect(second.revision).to.equal(1);
      expect(first.position).to.equal(events[0]!.position);
      expect(second.position).to.equal(events[1]!.position);
      expect(second.appended.map((e) => e.id)).to.deep.equal([events[1]!.id]);
      expect(second.replayed).to.equal(false);
      expect(levels(second.state)).to.deep.equal({ sku: SKU, onHand: 7, reserved: 0, available: 7 });
    });

    it('decides on what another handler appended since it last read the stream', async () => {
      const other = new CommandHandler(store, { schema: eventSchema([]) });
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context());
      await other.handle(inventoryDecider, STREAM, receive(3), context());
      const result = await handler.handle(inventoryDecider, STREAM, adjust(-2), context());
      expect(levels(result.state)?.onHand).to.equal(6);
      expect(result.revision).to.equal(3);
    });

    it('folds old events through the upcasters', async () => {
      await store.appendToStream(STREAM, [
        { id: uuid(), type: 'InventoryItemRegistered', data: { sku: SKU, productId: PRODUCT, registeredAt: NOW }, metadata: { schemaVersion: 1 } },
        { id: uuid(), type: 'StockReceived', data: { sku: SKU, productId: PRODUCT, qty: 4, receivedAt: NOW }, metadata: { schemaVersion: 1 } },
      ]);
      const versioned = new CommandHandler(store, { schema: schemaWithStockReceivedV2() });
      const result = await versioned.handle(inventoryDecider, STREAM, receive(1), context());
      expect(levels(result.state)?.onHand).to.equal(5);
    });
  });

  describe('when the command decides nothing', () => {
    it('appends nothing and reports the unchanged revision', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const result = await handler.handle(inventoryDecider, STREAM, register(), context());
      expect(result).to.deep.include({ revision: 0, appended: [], replayed: false });
      expect(result.position).to.equal(undefined);
      expect(await stored()).to.have.length(1);
    });
  });

  describe('when the decider throws', () => {
    it('propagates the domain error and appends nothing', async () => {
      const failure = await handler.handle(inventoryDecider, STREAM, receive(5), context()).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(NotFoundError);
      expect(await stored()).to.deep.equal([]);
    });

    it('leaves the stream open to the next command', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const failure = await handler.handle(inventoryDecider, STREAM, adjust(-1), context()).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(IllegalStateError);
      const result = await handler.handle(inventoryDecider, STREAM, receive(2), context());
      expect(result.revision).to.equal(1);
      expect((await stored()).map((e) => e.type)).to.deep.equal(['InventoryItemRegistered', 'StockReceived']);
    });
  });

  describe('with If-Match', () => {
    it('appends when the stream is at the expected revision', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const result = await handler.handle(inventoryDecider, STREAM, receive(2), context({ ifMatch: 0 }));
      expect(result.revision).to.equal(1);
      expect(await stored()).to.have.length(2);
    });

    it('creates a stream when -1 (no stream) is expected', async () => {
      const result = await handler.handle(inventoryDecider, STREAM, register(), context({ ifMatch: -1 }));
      expect(result.revision).to.equal(0);
    });

    it('fails the precondition, with the current revision, when the stream moved on', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(2), context());
      const failure = await handler.handle(inventoryDecider, STREAM, receive(3), context({ ifMatch: 0 })).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(PreconditionFailedError);
      expect((failure as PreconditionFailedError).currentRevision).to.equal(1);
      expect(await stored()).to.have.length(2);
    });

    it('fails the precondition, with no revision, when the stream does not exist', async () => {
      const failure = await handler.handle(inventoryDecider, STREAM, register(), context({ ifMatch: 0 })).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(PreconditionFailedError);
      expect((failure as PreconditionFailedError).currentRevision).to.equal(null);
      expect(await stored()).to.deep.equal([]);
    });

    it('answers as the command does on a stream that does not exist (an unknown SKU), not with a failed precondition', async () => {
      const failure = await handler.handle(inventoryDecider, STREAM, receive(2), context({ ifMatch: 0 })).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(NotFoundError);
      expect(await stored()).to.deep.equal([]);
    });

    it('fails the precondition, without retrying, when another writer gets in before the append', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const racing = new SpyStore(store, anotherWriterFirst(store));
      const raced = new CommandHandler(racing, { schema: eventSchema([]) });
      const failure = await raced.handle(inventoryDecider, STREAM, receive(2), context({ ifMatch: 0 })).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(PreconditionFailedError);
      expect((failure as PreconditionFailedError).currentRevision).to.equal(1);
      expect(racing.appendCalls).to.equal(1);
      expect((await stored()).map((e) => e.data.quantity)).to.deep.equal([undefined, 100]);
    });
  });

  describe('with concurrent commands on one stream', () => {
    const quantities = [1, 2, 3, 4, 5, 6, 7, 8];
    const sum = quantities.reduce((a, b) => a + b, 0);

    it('applies every one through one handler: no lost update', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const results = await Promise.all(quantities.map((q) => handler.handle(inventoryDecider, STREAM, receive(q), context())));
      expect(await onHand()).to.equal(sum);
      expect(results.map((r) => r.revision).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await stored()).to.have.length(9);
    });

    it('applies every one through two handlers sharing the store, retrying version conflicts', async () => {
      const counting = new SpyStore(store);
      const first = new CommandHandler(counting, { schema: eventSchema([]) });
      const second = new CommandHandler(counting, { schema: eventSchema([]) });
      await first.handle(inventoryDecider, STREAM, register(), context());
      const before = counting.appendCalls;
      const results = await Promise.all(
        quantities.map((q, i) => (i % 2 === 0 ? first : second).handle(inventoryDecider, STREAM, receive(q), context())),
      );
      expect(await onHand()).to.equal(sum);
      expect(results.map((r) => r.revision).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await stored()).to.have.length(9);
      expect(counting.appendCalls - before, 'appends attempted: some must have conflicted').to.be.greaterThan(quantities.length);
    });

    it('decides again on fresh state when another writer got in first', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context());
      const racing = new SpyStore(store, anotherWriterFirst(store, -3));
      const raced = new CommandHandler(racing, { schema: eventSchema([]) });
      // On the state it first read (5 on hand) the adjustment is fine; on the fresh state (2) it is not.
      const failure = await raced.handle(inventoryDecider, STREAM, adjust(-5), context()).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(IllegalStateError);
      expect(racing.appendCalls).to.equal(1);
      expect(await onHand()).to.equal(2);
    });

    it('appends once the retry succeeds', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const racing = new SpyStore(store, anotherWriterFirst(store));
      const raced = new CommandHandler(racing, { schema: eventSchema([]) });
      const result = await raced.handle(inventoryDecider, STREAM, receive(2), context());
      expect(racing.appendCalls).to.equal(2);
      expect(result.revision).to.equal(2);
      expect(await onHand()).to.equal(102);
    });

    it('gives up with a ConcurrencyError after the last attempt, having appended nothing', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const conflicting = new SpyStore(store, async (streamName, options) => {
        throw new WrongExpectedVersionError(streamName, options?.expectedRevision ?? 'any', 41);
      });
      const doomed = new CommandHandler(conflicting, { schema: eventSchema([]), maxAttempts: 3 });
      const failure = await doomed.handle(inventoryDecider, STREAM, receive(2), context()).catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(ConcurrencyError);
      expect(conflicting.appendCalls).to.equal(3);
      expect(await stored()).to.have.length(1);
    });
  });

  describe('with an idempotency key', () => {
    it('replays a repeated command: nothing appended the second time', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const first = await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      const again = await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      expect(first.replayed).to.equal(false);
      expect(again).to.deep.include({ replayed: true, appended: [], revision: 1 });
      expect(levels(again.state)?.onHand).to.equal(5);
      const events = await stored();
      expect(events).to.have.length(2);
      expect(events[1]!.id).to.equal(first.appended[0]!.id);
    });

    it('replays a repeated command on another handler (nothing cached)', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      const fresh = new CommandHandler(store, { schema: eventSchema([]) });
      const again = await fresh.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      expect(again.replayed).to.equal(true);
      expect(await onHand()).to.equal(5);
    });

    it('replays before deciding: a repeat that would now be refused still succeeds', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context());
      await handler.handle(inventoryDecider, STREAM, adjust(-5), context({ idempotencyKey: 'key-1' }));
      const again = await handler.handle(inventoryDecider, STREAM, adjust(-5), context({ idempotencyKey: 'key-1' }));
      expect(again.replayed).to.equal(true);
      expect(await onHand()).to.equal(0);
    });

    it('derives the same event ids from the same key and stream', async () => {
      const elsewhere = new SqliteEventStore({ path: ':memory:' });
      try {
        const here = await handler.handle(inventoryDecider, STREAM, register(), context({ idempotencyKey: 'key-1' }));
        const there = await new CommandHandler(elsewhere, { schema: eventSchema([]) }).handle(
          inventoryDecider,
          STREAM,
          register(),
          context({ idempotencyKey: 'key-1' }),
        );
        expect(there.appended.map((e) => e.id)).to.deep.equal(here.appended.map((e) => e.id));
        expect((await stored()).map((e) => e.id)).to.deep.equal(here.appended.map((e) => e.id));
      } finally {
        await elsewhere.close();
      }
    });

    it('derives different ids from different keys, and appends again', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const one = await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      const two = await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-2' }));
      expect(two.replayed).to.equal(false);
      expect(two.appended[0]!.id).to.not.equal(one.appended[0]!.id);
      expect(await onHand()).to.equal(10);
    });

    it('does not replay the same key on another stream', async () => {
      const other = inventoryStream('SKU-2');
      const one = await handler.handle(inventoryDecider, STREAM, register(), context({ idempotencyKey: 'key-1' }));
      const two = await handler.handle(inventoryDecider, other, register({ sku: 'SKU-2' }), context({ idempotencyKey: 'key-1' }));
      expect(two.replayed).to.equal(false);
      expect(two.appended[0]!.id).to.not.equal(one.appended[0]!.id);
      expect(await store.readStream(other)).to.have.length(1);
    });

    it('stores a repeated command once when two handlers race with it', async () => {
      const first = new CommandHandler(store, { schema: eventSchema([]) });
      const second = new CommandHandler(store, { schema: eventSchema([]) });
      await first.handle(inventoryDecider, STREAM, register(), context());
      await second.load(inventoryDecider, STREAM);
      await Promise.all([
        first.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' })),
        second.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' })),
      ]);
      expect(await stored()).to.have.length(2);
      expect(await onHand()).to.equal(5);
    });

    // The embedded store tells the loser its batch was there (`repeated`); EventStoreDB answers it like a write.
    it('stores the events of two handlers racing with one key once, and both succeed', async () => {
      const first = new CommandHandler(store, { schema: eventSchema([]) });
      const second = new CommandHandler(store, { schema: eventSchema([]) });
      await first.handle(inventoryDecider, STREAM, register(), context());
      await second.load(inventoryDecider, STREAM);
      const results = await Promise.all([
        first.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' })),
        second.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' })),
      ]);
      expect(results.map((r) => r.revision)).to.deep.equal([1, 1]);
      expect(results.map((r) => r.replayed).sort()).to.deep.equal([false, true]);
      expect((await store.readStream(STREAM)).filter((e) => e.type === 'StockReceived')).to.have.length(1);
      expect(await onHand()).to.equal(5);
    });

    // The retry of a request that succeeded carries the If-Match it was sent with, now stale.
    it('replays a repeated command that carries the same If-Match', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1', ifMatch: 0 }));
      const again = await handler
        .handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1', ifMatch: 0 }))
        .catch((e: unknown) => e);
      expect(again).to.deep.include({ replayed: true, appended: [] });
      expect(await onHand()).to.equal(5);
    });

    // Beyond the ids the handler remembers, the store recognises the reused ids.
    it('replays a repeated command after many more events on the stream', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }));
      for (let i = 0; i < 300; i += 1) await handler.handle(inventoryDecider, STREAM, receive(1), context());
      handler = new CommandHandler(store, { schema: eventSchema([]), rememberedIds: 16 }); // key-1 is out of sight
      const again = await handler
        .handle(inventoryDecider, STREAM, receive(5), context({ idempotencyKey: 'key-1' }))
        .catch((e: unknown) => e);
      expect(again).to.deep.include({ replayed: true, appended: [] });
      expect(await onHand()).to.equal(305);
    });
  });

  // Where the store must look for the key's ids beyond those remembered (see CommandHandler).
  describe('telling the store where to look back', () => {
    const appendOptions = async (handle: (h: CommandHandler) => Promise<unknown>, options: Partial<ConstructorParameters<typeof CommandHandler>[1]> = {}) => {
      const seen: AppendOptions[] = [];
      const watched = new SpyStore(store, async (_stream, appendOptions) => void seen.push(appendOptions ?? {}));
      await handle(new CommandHandler(watched, { schema: eventSchema([]), ...options }));
      return seen;
    };

    it('asks nothing without an idempotency key, or when every id of the stream is remembered', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      const [plain] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), context()));
      expect(plain!.lookBack).to.equal(undefined);
      const [keyed] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), context({ idempotencyKey: 'key-9' })));
      expect(keyed!.lookBack).to.equal(undefined);
    });

    it("looks below the ids remembered back to the key's retention before now (less 5 minutes)", async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      for (let i = 0; i < 9; i += 1) await handler.handle(inventoryDecider, STREAM, receive(1), context());
      const [keyed] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), context({ idempotencyKey: 'key-9' })), { rememberedIds: 4 });
      expect(keyed!.lookBack).to.deep.equal({ belowRevision: 6, since: '2024-05-01T09:55:00.000Z' });
      const [shorter] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), context({ idempotencyKey: 'key-8' })), {
        rememberedIds: 4,
        idempotencyKeyRetentionMs: 3600_000,
      });
      expect(shorter!.lookBack).to.deep.equal({ belowRevision: 7, since: '2024-05-02T08:55:00.000Z' });
    });

    it("looks back to the cause of a process manager's command, and not at all when the ids remembered reach past it", async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      for (let i = 0; i < 9; i += 1) await handler.handle(inventoryDecider, STREAM, receive(1), context());
      const events = await stored();
      const cause = (n: number) => context({ idempotencyKey: `saga:${n}`, causationPosition: events[n]!.position });
      const [old] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), cause(2)), { rememberedIds: 4 });
      expect(old!.lookBack).to.deep.equal({ belowRevision: 6, afterPosition: events[2]!.position });
      const [recent] = await appendOptions((h) => h.handle(inventoryDecider, STREAM, receive(1), cause(8)), { rememberedIds: 4 });
      expect(recent!.lookBack).to.equal(undefined);
    });
  });

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

    const onHandIn = async () => levels((await new CommandHandler(esdb, { schema: eventSchema([]) }).load(inventoryDecider, STREAM)).state)?.onHand;
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

  describe('load', () => {
    it('folds the stream without a command', async () => {
      await handler.handle(inventoryDecider, STREAM, register(), context());
      await handler.handle(inventoryDecider, STREAM, receive(4), context());
      const { state, revision } = await new CommandHandler(store, { schema: eventSchema([]) }).load(inventoryDecider, STREAM);
      expect(revision).to.equal(1);
      expect(levels(state)?.onHand).to.equal(4);
    });

    it('reports revision -1 and the initial state for a missing stream', async () => {
      expect(await handler.load(inventoryDecider, STREAM)).to.deep.equal({ state: { status: 'None' }, revision: -1 });
    });
  });

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

  describe('derivedId', () => {
    it('is the same for the same seed and purpose', () => expect(derivedId('key-1', 'order')).to.equal(derivedId('key-1', 'order')));

    it('differs per purpose', () => expect(derivedId('key-1', 'order')).to.not.equal(derivedId('key-1', 'payment')));

    it('differs per seed', () => expect(derivedId('key-1', 'order')).to.not.equal(derivedId('key-2', 'order')));

    it('is a UUID', () => expect(derivedId('key-1', 'order')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
  });
});

// ------------------------------------------------------------------ fixtures

const SKU = 'SKU-1';
const PRODUCT = 'product-1';
const STREAM = inventoryStream(SKU);
const NOW = '2024-05-02T10:00:00.000Z';

const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  correlationId: 'correlation-1',
  causationId: 'causation-1',
  actor: 'clerk-1',
  now: NOW,
  ...overrides,
});

const register = (overrides: Partial<RegisterInventoryItem> = {}): RegisterInventoryItem => ({
  type: 'RegisterInventoryItem',
  sku: SKU,
  productId: PRODUCT,
  now: NOW,
  ...overrides,
});

const receive = (quantity: number): ReceiveStock => ({ type: 'ReceiveStock', quantity, now: NOW });

const adjust = (delta: number): AdjustStock => ({ type: 'AdjustStock', delta, reason: 'stock count', now: NOW });

/** StockReceived v1 carried `qty`; v2 carries `quantity`. */
const schemaWithStockReceivedV2 = (): EventSchema =>
  eventSchema([{ type: 'StockReceived', fromVersion: 1, upcast: ({ qty, ...rest }) => ({ ...rest, quantity: qty }) }]);

type AppendOptions = { expectedRevision?: ExpectedRevision; lookBack?: LookBack };
type BeforeAppend = (streamName: string, options: AppendOptions | undefined, call: number) => Promise<void>;

/** On the first append only, another writer appends to the same stream first (a receipt, or an adjustment by `delta`). */
const anotherWriterFirst =
  (inner: EventStore, delta?: number): BeforeAppend =>
  async (streamName, _options, call) => {
    if (call !== 1) return;
    const event: EventToAppend =
      delta === undefined
        ? { id: uuid(), type: 'StockReceived', data: { sku: SKU, productId: PRODUCT, quantity: 100, receivedAt: NOW }, metadata: {} }
        : { id: uuid(), type: 'StockAdjusted', data: { sku: SKU, productId: PRODUCT, delta, reason: 'theft', adjustedAt: NOW }, metadata: {} };
    await inner.appendToStream(streamName, [event]);
  };

/** Snapshots in memory, remembering every save. */
class MemorySnapshots implements SnapshotStore {
  readonly saved: Snapshot[] = [];
  loads = 0;
  private readonly latest = new Map<string, Snapshot>();

  async load(streamName: string): Promise<Snapshot | undefined> {
    this.loads += 1;
    const snapshot = this.latest.get(streamName);
    return snapshot && (JSON.parse(JSON.stringify(snapshot)) as Snapshot);
  }

  async save(snapshot: Snapshot): Promise<void> {
    this.saved.push(snapshot);
    if ((this.latest.get(snapshot.streamName)?.revision ?? -1) < snapshot.revision) this.latest.set(snapshot.streamName, snapshot);
  }
}

/** The real store, counting appends and noting where stream reads start, with a hook that runs before each append. */
class SpyStore implements EventStore {
  appendCalls = 0;
  readonly readsFrom: number[] = [];

  constructor(
    private readonly inner: EventStore,
    private readonly beforeAppend: BeforeAppend = async () => undefined,
  ) {}

  async appendToStream(streamName: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    this.appendCalls += 1;
    await this.beforeAppend(streamName, options, this.appendCalls);
    return this.inner.appendToStream(streamName, events, options);
  }

  readStream: EventStore['readStream'] = (streamName, options) => {
    this.readsFrom.push(options?.fromRevision ?? 0);
    return this.inner.readStream(streamName, options);
  };
  readAll: EventStore['readAll'] = (...args) => this.inner.readAll(...args);
  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.inner.subscribeToAll(...args);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  countEventsAfter: EventStore['countEventsAfter'] = (...args) => this.inner.countEventsAfter(...args);
  truncateJournal: EventStore['truncateJournal'] = () => this.inner.truncateJournal();
  close: EventStore['close'] = () => this.inner.close();
}
