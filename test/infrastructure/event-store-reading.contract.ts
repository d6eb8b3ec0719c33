import { expect } from 'chai';
import { type EventStore, type RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { event, ours, streamName, types, until } from './event-store-contract-support.js';

export const eventStoreReadingContract = (adapter: string, open: () => Promise<EventStore>, dispose: () => Promise<void>) => {
  describe(`event store contract, reading: ${adapter}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await dispose();
    });

    describe('counting events', () => {
      it('counts the events after a position, up to a limit', async () => {
        const stream = streamName();
        const first = await store.appendToStream(stream, [event('A')]);
        await store.appendToStream(stream, [event('B'), event('C')]);
        const last = await store.appendToStream(streamName(), [event('D')]);
        expect(await store.countEventsAfter(last.position, 10)).to.equal(0);
        expect(await store.countEventsAfter(first.position, 1000)).to.equal(3);
        expect(await store.countEventsAfter(first.position, 2)).to.equal(2);
        expect(await store.countEventsAfter(first.position, 0)).to.equal(0);
      });
    });

    describe('reading a stream', () => {
      it('returns nothing for a stream that does not exist', async () => {
        expect(await store.readStream(streamName())).to.deep.equal([]);
      });

      it('reads forwards and backwards, from a revision, with a limit', async () => {
        const stream = streamName();
        await store.appendToStream(stream, ['A', 'B', 'C', 'D'].map((t) => event(t)));
        expect(await types(store, stream)).to.deep.equal(['A', 'B', 'C', 'D']);
        const backwards = await store.readStream(stream, { direction: 'backwards' });
        expect(backwards.map((e) => e.type)).to.deep.equal(['D', 'C', 'B', 'A']);
        const middle = await store.readStream(stream, { fromRevision: 1, maxCount: 2 });
        expect(middle.map((e) => [e.type, e.revision])).to.deep.equal([['B', 1], ['C', 2]]);
        const lastTwo = await store.readStream(stream, { direction: 'backwards', fromRevision: 2, maxCount: 2 });
        expect(lastTwo.map((e) => e.type)).to.deep.equal(['C', 'B']);
      });

      it('returns the data, metadata, id, stream and positions that were appended', async () => {
        const stream = streamName();
        const appended = event('Created', { total: { amount: 1250, currency: 'USD' }, tags: ['a'] });
        const result = await store.appendToStream(stream, [appended]);
        const [read] = await store.readStream(stream);
        expect(read).to.include({ id: appended.id, type: 'Created', streamName: stream, revision: 0 });
        expect(read!.position).to.equal(result.position);
        expect(read!.data).to.deep.equal(appended.data);
        expect(read!.metadata).to.deep.equal(appended.metadata);
        expect(Date.parse(read!.recordedAt)).to.not.be.NaN;
      });
    });

    describe('reading $all', () => {
      it('orders events of every stream by a growing global position', async () => {
        const [one, two] = [streamName(), streamName()];
        const first = await store.appendToStream(one, [event('A')]);
        await store.appendToStream(two, [event('B')]);
        await store.appendToStream(one, [event('C')]);
        const all = ours(await store.readAll({ fromPosition: first.position }), [one, two]);
        expect(all.map((e) => e.type)).to.deep.equal(['A', 'B', 'C']);
        const positions = all.map((e) => e.position);
        expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
        expect(new Set(positions).size).to.equal(3);
      });

      it('reads from a position inclusively, backwards from the end, and knows its head', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A')]);
        const second = await store.appendToStream(stream, [event('B')]);
        await store.appendToStream(stream, [event('C')]);
        const fromSecond = ours(await store.readAll({ fromPosition: second.position }), [stream]);
        expect(fromSecond.map((e) => e.type)).to.deep.equal(['B', 'C']);
        const latest = await store.readAll({ direction: 'backwards', maxCount: 1 });
        expect(latest[0]!.type).to.equal('C');
        expect(await store.headPosition()).to.equal(latest[0]!.position);
      });

      it('reads backwards from a position inclusively (EventStoreDB reads before it), with a limit', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [event('A')]);
        const second = await store.appendToStream(stream, [event('B')]);
        await store.appendToStream(stream, [event('C')]);
        const back = await store.readAll({ direction: 'backwards', fromPosition: second.position, maxCount: 2 });
        expect(back.map((e) => [e.type, e.streamName])).to.deep.equal([['B', stream], ['A', stream]]);
        const one = await store.readAll({ direction: 'backwards', fromPosition: second.position, maxCount: 1 });
        expect(one.map((e) => e.position)).to.deep.equal([second.position]);
      });
    });

    describe('subscribing to $all', () => {
      it('catches up from a checkpoint, then delivers live appends as they happen', async () => {
        const stream = streamName();
        const before = await store.appendToStream(stream, [event('Old')]);
        await store.appendToStream(stream, [event('A'), event('B')]);
        const subscription = store.subscribeToAll({ fromPosition: before.position });
        const seen: RecordedEvent[] = [];
        const done = (async () => {
          for await (const e of subscription) {
            if (e.streamName !== stream) continue;
            seen.push(e);
            if (e.type === 'Live') break;
          }
        })();
        await until(() => seen.length === 2);
        expect(seen.map((e) => e.type)).to.deep.equal(['A', 'B']);
        await store.appendToStream(stream, [event('Live')]);
        await done;
        await subscription.close();
        expect(seen.map((e) => e.type)).to.deep.equal(['A', 'B', 'Live']);
      });

      it('ends the iteration when closed while waiting for events', async () => {
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
        const finished = (async () => {
          let count = 0;
          for await (const _ of subscription) count += 1;
          return count;
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await subscription.close();
        expect(await finished).to.be.a('number');
      });

      it('delivers every one of many concurrent appends exactly once, in position order', async () => {
        const from = await store.headPosition();
        const streams = Array.from({ length: 50 }, () => streamName());
        const subscription = store.subscribeToAll({ fromPosition: from });
        const seen: RecordedEvent[] = [];
        const done = (async () => {
          for await (const e of subscription) {
            if (!streams.includes(e.streamName)) continue;
            seen.push(e);
            if (seen.length === streams.length) break;
          }
        })();
        const results = await Promise.all(streams.map((s) => store.appendToStream(s, [event('Concurrent')])));
        await done;
        await subscription.close();
        expect(new Set(results.map((r) => r.position)).size).to.equal(50);
        const positions = seen.map((e) => e.position);
        expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
        expect(new Set(seen.map((e) => e.streamName)).size).to.equal(50);
      });
    });
  });
};
