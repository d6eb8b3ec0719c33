import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  NotLeaderError,
  StreamDeletedError,
  UnavailableError,
  UnknownError,
  type AllStreamResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { UnrecoverableReadError } from '../../src/infrastructure/event-store/event-store.js';
import { EsdbSubscription, isUnrecoverable } from '../../src/infrastructure/event-store/esdb-subscription.js';
import { clientError, refusedPosition } from '../support/esdb-server-model.js';
import { eventually } from '../support/temp-dir.js';

/** A client event as the client hands it over from `$all`. */
const fromAll = (position: number, overrides: { type?: string } = {}): AllStreamResolvedEvent => ({
  event: {
    streamId: 'order-1',
    id: `00000000-0000-4000-8000-${String(position % 1e12).padStart(12, '0')}`,
    isJson: true,
    revision: 3n,
    type: overrides.type ?? 'OrderPlaced',
    created: new Date('2024-05-01T10:00:00.123Z'),
    data: { n: 1 },
    metadata: {},
    position: { commit: BigInt(position), prepare: BigInt(position) },
  },
  commitPosition: BigInt(position),
});

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

/** A scripted client subscription: yields its events, then fails, or waits until unsubscribed. */
const scripted = (events: AllStreamResolvedEvent[], ending: Error | 'wait' | 'end') => {
  let release = () => {};
  const source = {
    unsubscribed: false,
    async unsubscribe() {
      source.unsubscribed = true;
      release();
    },
    destroy() {
      release();
    },
    async *[Symbol.asyncIterator]() {
      yield* events;
      if (ending === 'end') return;
      if (ending !== 'wait') throw ending;
      await new Promise<void>((resolve) => (release = resolve));
    },
  };
  return source;
};

const fast = { initialMs: 1, maxMs: 4 };

describe('EventStoreDB adapter subscription', () => {
  it('resubscribes after a drop from the last delivered position, without gaps or repeats', async () => {
    const opened: Array<Position | undefined> = [];
    const sources = [
      scripted([fromAll(10), fromAll(20)], new UnavailableError()),
      // A server that repeats the last event must not make the subscriber see it twice.
      scripted([fromAll(20), fromAll(30)], 'wait'),
    ];
    const subscription = new EsdbSubscription(
      (after) => {
        opened.push(after);
        return sources[opened.length - 1]!;
      },
      5,
      fast,
    );
    const seen: number[] = [];
    for await (const event of subscription) {
      seen.push(event.position);
      if (seen.length === 3) break;
    }
    await subscription.close();
    expect(seen).to.deep.equal([10, 20, 30]);
    expect(opened).to.deep.equal([
      { commit: 5n, prepare: 5n },
      { commit: 20n, prepare: 20n },
    ]);
    expect(sources.every((s) => s.unsubscribed)).to.equal(true);
  });

  it('starts at the beginning of $all without a checkpoint and skips what is not an application event', async () => {
    const opened: Array<Position | undefined> = [];
    const source = scripted([fromAll(1, { type: '$statsCollected' }), { commitPosition: 2n }, fromAll(3)], 'wait');
    const subscription = new EsdbSubscription((after) => (opened.push(after), source), undefined, fast);
    for await (const event of subscription) {
      expect(event.position).to.equal(3);
      break;
    }
    await subscription.close();
    expect(opened).to.deep.equal([undefined]);
  });

  it('ends the iteration when closed while the client subscription is silent', async () => {
    const readable = Object.assign(new Readable({ objectMode: true, read() {} }), { unsubscribe: async () => {} });
    const subscription = new EsdbSubscription(() => readable, undefined, fast);
    const finished = (async () => {
      let count = 0;
      for await (const _ of subscription) count += 1;
      return count;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await subscription.close();
    expect(await finished).to.equal(0);
    expect(readable.destroyed).to.equal(true);
  });

  it('ends the iteration when closed while waiting to resubscribe', async () => {
    let opens = 0;
    const subscription = new EsdbSubscription(
      () => (opens++, scripted([], new UnavailableError())),
      undefined,
      { initialMs: 60_000, maxMs: 60_000 },
    );
    const finished = (async () => {
      for await (const _ of subscription) return 'event';
      return 'ended';
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await subscription.close();
    expect(await finished).to.equal('ended');
    expect(opens).to.equal(1);
  });

  it('logs each drop and says it is retrying until the server confirms a new subscription', async () => {
    const logger = new RecordingLogger();
    const confirmations: Array<() => void> = [];
    let opens = 0;
    const subscription = new EsdbSubscription(
      () => {
        opens += 1;
        if (opens <= 3) return scripted([], unknownError(2, 'Unexpected ReadAllResult: Error'));
        return Object.assign(scripted([], 'wait'), { once: (_: 'confirmation', listener: () => void) => confirmations.push(listener) });
      },
      undefined,
      fast,
      () => {},
      logger,
    );
    const iterating = drain(subscription);
    await eventually(() => (confirmations.length === 1 ? true : undefined));
    expect(logger.lines.filter((l) => l.level === 'warn')).to.have.length(3);
    expect(logger.lines[0]!.msg).to.match(/dropped; resubscribing/);
    expect(subscription.retrying).to.equal('UnknownError: Unexpected ReadAllResult: Error');
    confirmations[0]!();
    expect(subscription.retrying).to.equal(undefined);
    expect(logger.lines.at(-1)!.msg).to.match(/resumed/);
    await subscription.close();
    await iterating;
  });

  it('treats a subscription the server ends as a drop, and resubscribes', async () => {
    const logger = new RecordingLogger();
    const sources = [scripted([fromAll(10)], 'end'), scripted([fromAll(20)], 'wait')];
    let opens = 0;
    const subscription = new EsdbSubscription(() => sources[opens++]!, undefined, fast, () => {}, logger);
    const seen: number[] = [];
    for await (const event of subscription) {
      seen.push(event.position);
      if (seen.length === 2) break;
    }
    await subscription.close();
    expect(seen).to.deep.equal([10, 20]);
    expect(logger.lines.map((l) => l.msg)).to.include('subscription to $all dropped; resubscribing');
  });

  const lasting: Array<[string, () => Error | AllStreamResolvedEvent]> = [
    ['access denied', () => new AccessDeniedError()],
    ['permission denied (a gRPC status the client leaves unknown)', () => unknownError(7, 'Access Denied')],
    ['an invalid position (INVALID_ARGUMENT, which the client leaves unknown)', () => unknownError(3, 'Trying to read from an invalid position.')],
    ['not found', () => new NotFoundError(undefined, 'not found')],
    ['an invalid argument', () => new InvalidArgumentError('bad filter')],
    ['an event that is not JSON', () => Object.assign(fromAll(30), { event: { ...fromAll(30).event!, data: new Uint8Array([1]) } })],
    ['an event at a position past 2^53', () => fromAll(2 ** 60)],
  ];
  for (const [what, failure] of lasting) {
    it(`fails for good, once, on ${what}`, async () => {
      const logger = new RecordingLogger();
      let opens = 0;
      const made = failure();
      const source = made instanceof Error ? scripted([], made) : scripted([made], 'wait');
      const subscription = new EsdbSubscription(() => (opens++, source), undefined, fast, () => {}, logger);
      const error = await rejection(drain(subscription));
      expect(error).to.be.instanceOf(UnrecoverableReadError);
      if (made instanceof Error) expect((error as Error).cause).to.equal(made);
      expect(opens).to.equal(1);
      expect(logger.lines.map((l) => [l.level, l.msg])).to.deep.equal([['error', 'subscription to $all failed; not retrying']]);
      await subscription.close();
    });
  }

  const passing: Array<[string, () => Error]> = [
    ['the server unavailable', () => new UnavailableError()],
    ['a leader change (NOT_FOUND with not-leader)', () => notLeader()],
    ['an unknown server error', () => unknownError(2, 'Unexpected ReadAllResult: Error')],
    ['a deadline', () => new DeadlineExceededError(undefined, 'deadline')],
    ['a call cancelled by the server', () => new CancelledError(undefined, 'cancelled')],
    ['a connection reset', () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ];
  for (const [what, failure] of passing) {
    it(`resubscribes after ${what}`, async () => {
      let opens = 0;
      const subscription = new EsdbSubscription(
        () => (opens++ === 0 ? scripted([], failure()) : scripted([fromAll(40)], 'wait')),
        undefined,
        fast,
        () => {},
        new RecordingLogger(),
      );
      for await (const event of subscription) {
        expect(event.position).to.equal(40);
        break;
      }
      await subscription.close();
      expect(opens).to.equal(2);
    });
  }

  it('classifies errors as the client hands them over', () => {
    expect(isUnrecoverable(unknownError(3, 'x'))).to.equal(true);
    // A $all read from no record's start: the server has no status for it but UNKNOWN.
    expect(isUnrecoverable(refusedPosition('read'))).to.equal(true);
    expect(isUnrecoverable(refusedPosition('subscription'))).to.equal(true);
    expect(isUnrecoverable(clientError(2, 'UNKNOWN', 'Unexpected ReadAllResult: Expired'))).to.equal(false);
    expect(isUnrecoverable(clientError(2, 'UNKNOWN', 'Unexpected ReadAllResult: Error'))).to.equal(false);
    expect(isUnrecoverable(unknownError(14, 'x'))).to.equal(false);
    expect(isUnrecoverable(notLeader())).to.equal(false);
    expect(isUnrecoverable(new StreamDeletedError(undefined, '$all'))).to.equal(true);
  });
});

/** The client's NotLeaderError (its constructor wants a gRPC error with the leader's address). */
const notLeader = () => Object.assign(Object.create(NotLeaderError.prototype) as NotLeaderError, { code: 5, message: 'Leader info available' });

/** An error as the client makes it of a gRPC status it has no class for. */
const unknownError = (code: number, message: string) => Object.assign(new UnknownError(undefined, message), { code });

const drain = async (subscription: EsdbSubscription) => {
  for await (const _ of subscription) continue;
};

class RecordingLogger {
  readonly lines: Array<{ level: string; msg: string }> = [];
  warn = (_: unknown, msg: string) => void this.lines.push({ level: 'warn', msg });
  error = (_: unknown, msg: string) => void this.lines.push({ level: 'error', msg });
  info = (_: unknown, msg: string) => void this.lines.push({ level: 'info', msg });
}
