import { expect } from 'chai';
import { IdempotencyViolationError, WrongExpectedVersionError, type EventStore, type EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { event, rejection, streamName, types } from './event-store-contract-support.js';
import { eventStoreReadingContract } from './event-store-reading.contract.js';


/**
 * The one contract every event-store adapter keeps. Stream names are unique per test so
 * that the suite also runs against a long-lived EventStoreDB.
 */
export const eventStoreContract = (adapter: string, open: () => Promise<EventStore>, dispose: () => Promise<void>) => {
  describe(`event store contract: ${adapter}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await dispose();
    });

    describe('appending with an expected revision', () => {
      it('creates a stream with no_stream and starts at revision 0', async () => {
        const stream = streamName();
        const result = await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).to.equal(0);
        expect(result.position).to.be.greaterThan(0);
        expect(result.repeated).to.equal(false);
      });

      it('rejects no_stream when the stream exists, naming the actual revision', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
        const error = await rejection(store.appendToStream(stream, [event('C')], { expectedRevision: 'no_stream' }));
        expect(error).to.be.instanceOf(WrongExpectedVersionError);
        expect((error as WrongExpectedVersionError).actual).to.equal(1);
        expect(await types(store, stream)).to.deep.equal(['A', 'B']);
      });

      it('rejects stream_exists on a missing stream and accepts it on an existing one', async () => {
        const stream = streamName();
        const error = await rejection(store.appendToStream(stream, [event('A')], { expectedRevision: 'stream_exists' }));
        expect(error).to.be.instanceOf(WrongExpectedVersionError);
        expect((error as WrongExpectedVersionError).actual).to.equal('no_stream');
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, [event('B')], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).to.equal(1);
      });

      it('accepts the exact current revision and rejects any other', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
        const ok = await store.appendToStream(stream, [event('B')], { expectedRevision: 0 });
        expect(ok.nextExpectedRevision).to.equal(1);
        for (const stale of [0, 2, 5]) {
          const error = await rejection(store.appendToStream(stream, [event('X')], { expectedRevision: stale }));
          expect(error).to.be.instanceOf(WrongExpectedVersionError);
          expect((error as WrongExpectedVersionError).actual).to.equal(1);
        }
        expect(await types(store, stream)).to.deep.equal(['A', 'B']);
      });

      it('rejects an exact revision on a missing stream', async () => {
        const error = await rejection(store.appendToStream(streamName(), [event('A')], { expectedRevision: 0 }));
        expect(error).to.be.instanceOf(WrongExpectedVersionError);
      });

      it('appends with any whatever the stream holds', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'any' });
        const result = await store.appendToStream(stream, [event('B'), event('C')]);
        expect(result.nextExpectedRevision).to.equal(2);
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C']);
      });

      it('gives one winner among concurrent appends with the same expected revision', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.appendToStream(stream, [event(`B${i}`)], { expectedRevision: 0 })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).to.have.length(1);
        expect(lost).to.have.length(7);
        for (const loss of lost) expect(loss.reason).to.be.instanceOf(WrongExpectedVersionError);
        expect(await store.readStream(stream)).to.have.length(2);
      });
    });

    describe('appending the same event ids again', () => {
      it('is idempotent with an exact or no_stream expectation', async () => {
        const stream = streamName();
        const first = [event('A'), event('B')];
        const created = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
        // Without lookBack EventStoreDB answers these like writes: `repeated` is not told (see the port).
        expect({ ...again, repeated: false }).to.deep.equal(created);
        const next = [event('C')];
        const appended = await store.appendToStream(stream, next, { expectedRevision: 1 });
        const repeated = await store.appendToStream(stream, next, { expectedRevision: 1 });
        expect({ ...repeated, repeated: false }).to.deep.equal(appended);
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C']);
      });

      it('is idempotent with any', async () => {
        const stream = streamName();
        const batch = [event('A'), event('B')];
        const first = await store.appendToStream(stream, batch);
        await store.appendToStream(stream, [event('C')]);
        const again = await store.appendToStream(stream, batch);
        expect({ ...again, repeated: false }).to.deep.equal(first);
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C']);
      });

      it('rejects a batch that reuses only some of the ids', async () => {
        const stream = streamName();
        const a = event('A');
        await store.appendToStream(stream, [a, event('B')], { expectedRevision: 'no_stream' });
        const error = await rejection(store.appendToStream(stream, [a, event('Z')], { expectedRevision: 'no_stream' }));
        // The server reports a wrong expected version; the embedded store names the reuse precisely.
        const rejected = error instanceof IdempotencyViolationError || error instanceof WrongExpectedVersionError;
        expect(rejected, String(error)).to.equal(true);
        expect(await types(store, stream)).to.deep.equal(['A', 'B']);
      });

      it('treats the same id in another stream as another event', async () => {
        const shared = event('A');
        const [one, two] = [streamName(), streamName()];
        await store.appendToStream(one, [shared]);
        await store.appendToStream(two, [shared]);
        expect(await store.readStream(one)).to.have.length(1);
        expect(await store.readStream(two)).to.have.length(1);
      });
    });

    // What a retried request whose ids derive from its idempotency key meets: its batch
    // written before, other events after it. The server alone would write it again.
    describe('appending ids that are further back in the stream (with lookBack)', () => {
      const written = async () => {
        const stream = streamName();
        const batch = [event('A'), event('B')];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, [event('C')], { expectedRevision: 1 });
        await store.appendToStream(stream, [event('D')], { expectedRevision: 2 });
        return { stream, batch, first };
      };

      for (const expectedRevision of [3, 'any', 'stream_exists', 2, 0, 'no_stream', 9] as const) {
        it(`finds the batch and writes nothing, expecting ${expectedRevision}${expectedRevision === 3 ? ' (the current revision)' : ''}`, async () => {
          const { stream, batch, first } = await written();
          const again = await store.appendToStream(stream, batch, { expectedRevision, lookBack: {} });
          expect(again).to.deep.equal({ ...first, repeated: true });
          expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C', 'D']);
        });
      }

      it('finds a batch that is the beginning of the one written before', async () => {
        const { stream, batch, first } = await written();
        const again = await store.appendToStream(stream, [batch[0]!], { expectedRevision: 3, lookBack: {} });
        const [a] = await store.readStream(stream);
        expect(again).to.deep.equal({ nextExpectedRevision: 0, position: a!.position, repeated: true });
        expect(first.nextExpectedRevision).to.equal(1);
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C', 'D']);
      });

      it('rejects a batch that repeats only some of those ids, or not in their order, writing nothing', async () => {
        const { stream, batch } = await written();
        const [a, b] = batch as [EventToAppend, EventToAppend];
        for (const reused of [[a, event('Z')], [event('Z'), a], [b, a], [a, b, event('Z')]]) {
          const error = await rejection(store.appendToStream(stream, reused, { expectedRevision: 3, lookBack: {} }));
          expect(error, reused.map((e) => e.type).join()).to.be.instanceOf(IdempotencyViolationError);
        }
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C', 'D']);
      });

      it('finds a batch far back, past many events (the search reads in pages)', async () => {
        const stream = streamName();
        const batch = [event('Old')];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, Array.from({ length: 150 }, (_, i) => event(`E${i}`)), { expectedRevision: 0 });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 150, lookBack: { afterPosition: 0 } });
        expect(again).to.deep.equal({ ...first, repeated: true });
        expect(await store.readStream(stream)).to.have.length(151);
      });

      it('looks in the stream appended to only', async () => {
        const shared = event('A');
        const [one, two] = [streamName(), streamName()];
        await store.appendToStream(one, [shared]);
        const result = await store.appendToStream(two, [shared], { expectedRevision: 'no_stream', lookBack: {} });
        expect(result.repeated).to.equal(false);
        expect(await store.readStream(two)).to.have.length(1);
      });

      it('writes new ids as usual, checking the expected revision', async () => {
        const { stream } = await written();
        const result = await store.appendToStream(stream, [event('E')], { expectedRevision: 3, lookBack: { belowRevision: 2 } });
        expect(result).to.include({ nextExpectedRevision: 4, repeated: false });
        const stale = await rejection(store.appendToStream(stream, [event('F')], { expectedRevision: 3, lookBack: {} }));
        expect(stale).to.be.instanceOf(WrongExpectedVersionError);
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C', 'D', 'E']);
      });
    });
  });
  eventStoreReadingContract(adapter, open, dispose);
};
