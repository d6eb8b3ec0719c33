/**
 * The command handler's ordinary path: it loads a stream, decides, appends what was decided with the
 * command's context as metadata (or nothing, or the decider's error), and folds a stream without a command.
 * Also derivedId. Concurrency and If-Match: command-handler-concurrency; idempotency keys:
 * command-handler-idempotency(-esdb); snapshots: command-handler-snapshots.
 */
import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { CommandHandler, derivedId } from '../../src/commands/command-handler.js';
import { inventoryDecider, levels } from '../../src/domain/inventory/inventory.js';
import { IllegalStateError, NotFoundError } from '../../src/domain/shared/errors.js';
import { eventSchema, type EventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { NOW, PRODUCT, SKU, STREAM, adjust, context, receive, register } from './command-handler-fixture.js';

describe('Command handler', () => {
  let store: SqliteEventStore;
  let handler: CommandHandler;

  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    handler = new CommandHandler(store, { schema: eventSchema([]) });
  });

  afterEach(() => store.close());

  const stored = () => store.readStream(STREAM);

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

  describe('derivedId', () => {
    it('is the same for the same seed and purpose', () => expect(derivedId('key-1', 'order')).to.equal(derivedId('key-1', 'order')));

    it('differs per purpose', () => expect(derivedId('key-1', 'order')).to.not.equal(derivedId('key-1', 'payment')));

    it('differs per seed', () => expect(derivedId('key-1', 'order')).to.not.equal(derivedId('key-2', 'order')));

    it('is a UUID', () => expect(derivedId('key-1', 'order')).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
  });
});

/** StockReceived v1 carried `qty`; v2 carries `quantity`. */
const schemaWithStockReceivedV2 = (): EventSchema =>
  eventSchema([{ type: 'StockReceived', fromVersion: 1, upcast: ({ qty, ...rest }) => ({ ...rest, quantity: qty }) }]);
