import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { EsdbEventStore, type EsdbClient } from '../../src/infrastructure/event-store/esdb-event-store.js';
import { UnreadableEventError } from '../../src/infrastructure/event-store/esdb-mapping.js';
import { UnrecoverableReadError, type EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { EsdbServerModel } from '../support/esdb-server-model.js';

describe('EventStoreDB adapter on a model of the server', () => {
  let server: EsdbServerModel;
  let now: Date;
  let store: EsdbEventStore;
  let reads: Array<{ fromRevision?: unknown; maxCount?: unknown; direction?: unknown }>;

  beforeEach(() => {
    now = new Date('2024-05-01T10:00:00.000Z');
    server = new EsdbServerModel(() => now);
    const client = server.client();
    reads = [];
    const spied: EsdbClient = Object.assign(Object.create(null) as EsdbClient, client, {
      readStream: ((name: string, options: (typeof reads)[number]) => {
        reads.push({ fromRevision: options.fromRevision, maxCount: options.maxCount, direction: options.direction });
        return client.readStream(name, options as never);
      }) as EsdbClient['readStream'],
    });
    store = new EsdbEventStore(spied);
  });
  afterEach(() => store.close());

  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  const types = () => server.stored('inventory-1').map((e) => e.type);

  /** The batch of a first attempt, then other events after it. */
  const retried = async (after = 2) => {
    const batch = [event('StockReceived')];
    const first = await store.appendToStream('inventory-1', batch, { expectedRevision: 'no_stream' });
    for (let i = 0; i < after; i += 1) await store.appendToStream('inventory-1', [event(`Later${i}`)], { expectedRevision: i });
    return { batch, first };
  };

  describe('when a retried batch is further back than the expected revision', () => {
    it('is written again by the server alone when expected is the current revision (the reason for lookBack)', async () => {
      const { batch } = await retried();
      await store.appendToStream('inventory-1', batch, { expectedRevision: 2 });
      expect(types()).to.deep.equal(['StockReceived', 'Later0', 'Later1', 'StockReceived']);
    });

    it('is found with lookBack and not written, expecting the current revision', async () => {
      const { batch, first } = await retried();
      expect(await store.appendToStream('inventory-1', batch, { expectedRevision: 2, lookBack: {} })).to.deep.equal({ ...first, repeated: true });
      expect(types()).to.deep.equal(['StockReceived', 'Later0', 'Later1']);
    });

    it('is found with lookBack after a server restart (its id cache lost), expecting any or stream_exists', async () => {
      const { batch, first } = await retried();
      server.restart();
      for (const expectedRevision of ['any', 'stream_exists'] as const) {
        expect(await store.appendToStream('inventory-1', batch, { expectedRevision, lookBack: {} })).to.deep.equal({ ...first, repeated: true });
      }
      await store.appendToStream('inventory-1', batch, { expectedRevision: 'any' });
      expect(types(), 'without lookBack, the restarted server writes it again').to.deep.equal(['StockReceived', 'Later0', 'Later1', 'StockReceived']);
    });
  });

  describe('the look-back search', () => {
    it('reads backwards in growing pages, from below what the caller knows', async () => {
      const { batch, first } = await retried(100);
      reads = [];
      const again = await store.appendToStream('inventory-1', batch, { expectedRevision: 100, lookBack: { belowRevision: 90 } });
      expect(again).to.deep.equal({ ...first, repeated: true });
      const backwards = reads.filter((r) => r.direction === 'backwards');
      expect(backwards.map((r) => [r.fromRevision, r.maxCount])).to.deep.equal([
        [89n, 16],
        [73n, 64],
        [9n, 256],
      ]);
    });

    it('stops at the first event at or before afterPosition, finding nothing older', async () => {
      const { batch } = await retried(40);
      const [cause] = await store.readStream('inventory-1', { fromRevision: 30, maxCount: 1 });
      reads = [];
      const result = await store.appendToStream('inventory-1', batch, { expectedRevision: 40, lookBack: { afterPosition: cause!.position } });
      expect(result.repeated).to.equal(false);
      expect(reads.filter((r) => r.direction === 'backwards')).to.have.length(1);
      expect(server.stored('inventory-1')).to.have.length(42);
    });

    it('stops at the first event recorded before since, finding nothing older', async () => {
      const { batch } = await retried(40);
      later(25 * 3600_000);
      await store.appendToStream('inventory-1', [event('Recent')], { expectedRevision: 40 });
      const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
      reads = [];
      const result = await store.appendToStream('inventory-1', batch, { expectedRevision: 41, lookBack: { since } });
      expect(result.repeated).to.equal(false);
      expect(reads.filter((r) => r.direction === 'backwards')).to.have.length(1);
      expect(server.stored('inventory-1').map((e) => e.type).at(-1)).to.equal('StockReceived');
    });

    it('finds a batch recorded just inside since', async () => {
      const { batch, first } = await retried(0);
      later(23 * 3600_000);
      await store.appendToStream('inventory-1', [event('Recent')], { expectedRevision: 0 });
      const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
      expect(await store.appendToStream('inventory-1', batch, { expectedRevision: 1, lookBack: { since } })).to.deep.equal({ ...first, repeated: true });
    });

    it('searches the whole stream when the expectation is not exact, whatever belowRevision says', async () => {
      const { batch, first } = await retried(3);
      server.restart();
      expect(await store.appendToStream('inventory-1', batch, { expectedRevision: 'any', lookBack: { belowRevision: 0 } })).to.deep.equal({
        ...first,
        repeated: true,
      });
    });
  });

  describe('a repeat the server answers without a position', () => {
    /** The store on a client whose append answers as the server does when it cannot read a recognised repeat back (IndexWriter's CheckCommit: -1, no position). */
    const positionless = () => {
      const client = server.client();
      return new EsdbEventStore(
        Object.assign(Object.create(null) as EsdbClient, client, {
          appendToStream: (async (...args: Parameters<EsdbClient['appendToStream']>) => ({ ...(await client.appendToStream(...args)), position: undefined })) as EsdbClient['appendToStream'],
        }),
      );
    };

    it('reads the position of the append\'s last event back, rather than failing a retry whose events are stored', async () => {
      const batch = [event('A'), event('B')];
      const first = await store.appendToStream('inventory-1', batch, { expectedRevision: 'no_stream' });
      const other = positionless();
      try {
        expect(await other.appendToStream('inventory-1', batch, { expectedRevision: 'no_stream' })).to.deep.equal({ nextExpectedRevision: 1, position: first.position, repeated: false });
        expect(types()).to.deep.equal(['A', 'B']);
      } finally {
        await other.close();
      }
    });

    it('fails, naming the stream, when the revision answered is not the append\'s last event', async () => {
      await store.appendToStream('inventory-1', [event('A')], { expectedRevision: 'no_stream' });
      const other = positionless();
      try {
        // A new write answered without a position: its revision holds it, so it is read back too.
        const written = await other.appendToStream('inventory-1', [event('B')], { expectedRevision: 0 });
        expect(written.nextExpectedRevision).to.equal(1);
        expect(written.position).to.equal((await store.readStream('inventory-1'))[1]!.position);
        // A client whose answer names a revision holding another event: no position to give.
        const lying = new EsdbEventStore(
          Object.assign(Object.create(null) as EsdbClient, server.client(), {
            appendToStream: (async () => ({ success: true, nextExpectedRevision: 0n, position: undefined })) as unknown as EsdbClient['appendToStream'],
          }),
        );
        const error = await lying.appendToStream('inventory-1', [event('C')], { expectedRevision: 1 }).catch((e: unknown) => e);
        await lying.close();
        expect((error as Error).message).to.match(/inventory-1.*sent no position/);
      } finally {
        await other.close();
      }
    });
  });

  describe('reading', () => {
    it('reads a stream on a server before 22.6 as unreadable (no $all position), not as a RangeError', async () => {
      await store.appendToStream('inventory-1', [event('A')]);
      server.legacyStreamReads = true;
      const error = await store.readStream('inventory-1').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnreadableEventError);
      expect((error as Error).message).to.match(/22\.6/);
    });

    it('names a $all read from a position that is no record\'s start unrecoverable, as the server answers it (UNKNOWN, not INVALID_ARGUMENT)', async () => {
      // E.g. checkpoints kept from the embedded store (positions 1, 2, 3...) or from another server.
      const first = await store.appendToStream('inventory-1', [event('A')]);
      await store.appendToStream('inventory-1', [event('B')]);
      for (const read of [() => store.readAll({ fromPosition: first.position + 1, maxCount: 10 }), () => store.countEventsAfter(first.position + 1, 10)]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).to.be.instanceOf(UnrecoverableReadError);
        expect((error as Error).message).to.match(/2 UNKNOWN: Unexpected ReadAllResult: InvalidPosition/);
      }
    });

    it('counts application events after a position, up to a limit, skipping system events', async () => {
      const first = await store.appendToStream('inventory-1', [event('A')]);
      for (let i = 0; i < 12; i += 1) await store.appendToStream(`other-${i}`, [event('B')]);
      expect(await store.countEventsAfter(first.position, 100)).to.equal(12);
      expect(await store.countEventsAfter(first.position, 5)).to.equal(5);
      expect(await store.countEventsAfter(0, 100)).to.equal(13);
    });
  });
});

const event = (type: string): EventToAppend => ({ id: uuid(), type, data: { n: 1 }, metadata: {} });
