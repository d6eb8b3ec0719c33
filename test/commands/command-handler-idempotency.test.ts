/**
 * The command handler with an idempotency key, on the embedded store: a repeated command is replayed
 * (same derived ids, nothing appended), also across handlers, races and a stale If-Match; and where it
 * tells the store to look back for the key's ids beyond those it remembers.
 * The same on EventStoreDB: command-handler-idempotency-esdb.
 */
import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream, levels } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { STREAM, SpyStore, adjust, context, onHandOf, receive, register, type AppendOptions } from './command-handler-fixture.js';

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
});
