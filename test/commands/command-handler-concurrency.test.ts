/**
 * The command handler with more than one writer on a stream: If-Match preconditions, and concurrent
 * commands (no lost update; version conflicts retried on fresh state, up to a ConcurrencyError).
 */
import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider } from '../../src/domain/inventory/inventory.js';
import { ConcurrencyError, IllegalStateError, NotFoundError, PreconditionFailedError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { WrongExpectedVersionError, type EventStore, type EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { NOW, PRODUCT, SKU, STREAM, SpyStore, adjust, context, onHandOf, receive, register, type BeforeAppend } from './command-handler-fixture.js';

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
});

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
