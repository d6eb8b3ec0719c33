import { WrongExpectedVersionError as EsdbWrongExpectedVersionError, UnavailableError, type AllStreamResolvedEvent } from '@eventstore/db-client';
import { expect } from 'chai';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import {
  UNKNOWN_POSITION,
  UnreadableEventError,
  isApplicationEvent,
  toAppendResult,
  toClientExpectedRevision,
  toClientPosition,
  toPortAppendError,
  toRecordedEvent,
  toSafeNumber,
} from '../../src/infrastructure/event-store/esdb-mapping.js';
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../src/infrastructure/event-store/event-store.js';
import { EsdbServerModel } from '../support/esdb-server-model.js';
import { eventStoreContract } from './event-store.contract.js';

// Runs only against a live server, e.g. EVENTSTORE_URL='esdb://localhost:2113?tls=false'.
if (process.env.EVENTSTORE_URL) {
  const url = process.env.EVENTSTORE_URL;
  let store: EsdbEventStore | undefined;
  eventStoreContract(
    'EventStoreDB',
    async () => (store = new EsdbEventStore(url)),
    async () => {
      await store?.close();
      store = undefined;
    },
  );
}

// Always: the adapter's logic on an in-memory model of the server (see EsdbServerModel).
{
  let store: EsdbEventStore | undefined;
  eventStoreContract(
    'EventStoreDB adapter on a model of the server',
    async () => (store = new EsdbEventStore(new EsdbServerModel().client())),
    async () => {
      await store?.close();
      store = undefined;
    },
  );
}

const CREATED = new Date('2024-05-01T10:00:00.123Z');

/** A client event as the client hands it over from `$all`. */
const fromAll = (position: number, overrides: { type?: string; streamId?: string } = {}): AllStreamResolvedEvent => ({
  event: {
    streamId: overrides.streamId ?? 'order-1',
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    isJson: true,
    revision: 3n,
    type: overrides.type ?? 'OrderPlaced',
    created: CREATED,
    data: { total: { amount: 1250, currency: 'USD' }, lines: [1, 2] },
    metadata: { correlationId: 'c-1', schemaVersion: 1 },
    position: { commit: BigInt(position), prepare: BigInt(position) },
  },
  commitPosition: BigInt(position),
});

describe('EventStoreDB adapter mapping', () => {
  describe('expected revision', () => {
    it('maps the named expectations to the client constants and numbers to bigint', () => {
      expect(toClientExpectedRevision('any')).to.equal('any');
      expect(toClientExpectedRevision('no_stream')).to.equal('no_stream');
      expect(toClientExpectedRevision('stream_exists')).to.equal('stream_exists');
      expect(toClientExpectedRevision(0)).to.equal(0n);
      expect(toClientExpectedRevision(41)).to.equal(41n);
    });

    it('refuses revisions that are not non-negative integers', () => {
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
        expect(() => toClientExpectedRevision(bad), String(bad)).to.throw(RangeError);
      }
    });
  });

  describe('bigint to number', () => {
    it('keeps safe integers exact', () => {
      expect(toSafeNumber(0n, 'position')).to.equal(0);
      expect(toSafeNumber(123_456_789n, 'position')).to.equal(123_456_789);
      expect(toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER), 'position')).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('throws rather than round an unsafe value', () => {
      expect(() => toSafeNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'position')).to.throw(RangeError, /position/);
      // The "no position" sentinel of uint64 max must never become a position.
      expect(() => toSafeNumber(2n ** 64n - 1n, 'position')).to.throw(RangeError);
    });

    it('names a port position in $all with commit == prepare', () => {
      expect(toClientPosition(1056)).to.deep.equal({ commit: 1056n, prepare: 1056n });
      expect(() => toClientPosition(-1)).to.throw(RangeError);
    });
  });

  describe('append result', () => {
    it('returns the revision and the commit position as numbers', () => {
      const result = toAppendResult({ success: true, nextExpectedRevision: 2n, position: { commit: 900n, prepare: 900n } });
      expect(result).to.deep.equal({ nextExpectedRevision: 2, position: 900, repeated: false });
    });

    it('throws when the position is missing or unsafe, or the client hid a failure', () => {
      expect(() => toAppendResult({ success: true, nextExpectedRevision: 0n })).to.throw(/no position/);
      const huge = 2n ** 60n;
      expect(() => toAppendResult({ success: true, nextExpectedRevision: 0n, position: { commit: huge, prepare: huge } })).to.throw(
        RangeError,
      );
      expect(() => toAppendResult({ success: false, nextExpectedRevision: 1n })).to.throw(/throwOnAppendFailure/);
    });
  });

  describe('append errors', () => {
    const clientError = (current: bigint | 'no_stream') =>
      new EsdbWrongExpectedVersionError(undefined, { streamName: 'order-1', expected: 0n, current });

    it('maps a wrong expected version with the actual revision', () => {
      const error = toPortAppendError(clientError(4n), 'order-1', 2);
      expect(error).to.be.instanceOf(WrongExpectedVersionError);
      expect(error).to.include({ streamName: 'order-1', expected: 2, actual: 4 });
    });

    it("maps a missing stream to 'no_stream'", () => {
      const error = toPortAppendError(clientError('no_stream'), 'order-1', 'stream_exists');
      expect(error).to.be.instanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).actual).to.equal('no_stream');
    });

    it('names a partial reuse of ids when the expectation could not have failed', () => {
      expect(toPortAppendError(clientError(1n), 'order-1', 'any')).to.be.instanceOf(IdempotencyViolationError);
      expect(toPortAppendError(clientError(1n), 'order-1', 'stream_exists')).to.be.instanceOf(IdempotencyViolationError);
    });

    it('passes other errors through untouched', () => {
      const other = new UnavailableError();
      expect(toPortAppendError(other, 'order-1', 0)).to.equal(other);
    });
  });

  describe('recorded event', () => {
    it('maps every field of a client event', () => {
      expect(toRecordedEvent(fromAll(4242))).to.deep.equal({
        id: '00000000-0000-4000-8000-000000004242',
        type: 'OrderPlaced',
        streamName: 'order-1',
        revision: 3,
        position: 4242,
        data: { total: { amount: 1250, currency: 'USD' }, lines: [1, 2] },
        metadata: { correlationId: 'c-1', schemaVersion: 1 },
        recordedAt: '2024-05-01T10:00:00.123Z',
      });
    });

    it('gives an empty metadata object when the event has none', () => {
      const resolved = fromAll(10);
      resolved.event!.metadata = undefined;
      expect(toRecordedEvent(resolved).metadata).to.deep.equal({});
    });

    it("takes the resolved event's position when the record's is the server's unknown one (Int64 -1 as uint64)", () => {
      const resolved: AllStreamResolvedEvent = { ...fromAll(10), commitPosition: 777n };
      resolved.event!.position = { commit: UNKNOWN_POSITION, prepare: UNKNOWN_POSITION };
      expect(UNKNOWN_POSITION).to.equal(18_446_744_073_709_551_615n);
      expect(toRecordedEvent(resolved).position).to.equal(777);
    });

    it('names an event read with no known position unreadable, never a RangeError (stream reads before 22.6)', () => {
      // Such a server sends Int64 -1 as the record's positions and no position beside it.
      const resolved: AllStreamResolvedEvent = { ...fromAll(10), commitPosition: undefined };
      resolved.event!.position = { commit: UNKNOWN_POSITION, prepare: UNKNOWN_POSITION };
      expect(() => toRecordedEvent(resolved)).to.throw(UnreadableEventError, /no \$all position.*22\.6/);
      resolved.event!.position = { commit: 0n, prepare: 0n };
      expect(() => toRecordedEvent(resolved)).to.throw(UnreadableEventError, /no \$all position/);
    });

    it('refuses events that are not JSON objects', () => {
      const binary = fromAll(10);
      binary.event!.data = 'not an object';
      expect(() => toRecordedEvent(binary)).to.throw(UnreadableEventError, /data/);
      const badMetadata = fromAll(11);
      badMetadata.event!.metadata = new Uint8Array([1, 2]);
      expect(() => toRecordedEvent(badMetadata)).to.throw(UnreadableEventError, /metadata/);
    });

    it('keeps application events only', () => {
      expect(isApplicationEvent(fromAll(1))).to.equal(true);
      expect(isApplicationEvent(fromAll(1, { type: '$metadata' }))).to.equal(false);
      expect(isApplicationEvent(fromAll(1, { streamId: '$projections-x-result' }))).to.equal(false);
      expect(isApplicationEvent({ commitPosition: 1n })).to.equal(false);
      expect(isApplicationEvent({ ...fromAll(1), link: fromAll(2).event as never })).to.equal(false);
    });
  });
});
