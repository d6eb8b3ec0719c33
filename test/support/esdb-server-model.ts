import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type EventData,
  type ReadPosition,
  type ReadRevision,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { EsdbClient } from '../../src/infrastructure/event-store/esdb-event-store.js';

/**
 * An in-memory model of an EventStoreDB server (v24.10) as the gRPC client (6.x) hands it
 * over, to test the adapter's logic and the app on it without a server. What it keeps of
 * the server (read from its sources):
 * - an append is checked as IndexWriter.CheckCommit does: for `any`/`stream_exists` the
 *   ids are looked up in the committed-events cache (lost on `restart()`); for an expected
 *   revision below the current one the ids are compared after it; an expected revision
 *   equal to the current one is written whatever ids it repeats;
 * - positions are byte offsets (commit = prepare), the log starts with a system record and
 *   system events come between appends; a position that is no record's start is refused:
 *   by a subscription with INVALID_ARGUMENT "Trying to read from an invalid position."
 *   (Enumerator.AllSubscription*), by a `$all` read with UNKNOWN "Unexpected ReadAllResult:
 *   InvalidPosition" (Enumerator.ReadAll* has no case for it); the client makes both an
 *   UnknownError carrying the gRPC code and grpc-js's message `<code> <NAME>: <details>`;
 * - `$all` reads forwards start at the position, backwards before it; stream reads carry
 *   the `$all` position (22.6+), or Int64 -1 as uint64 with `legacyStreamReads` (before 22.6).
 */

type StoredRecord = {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  created: Date;
  position: bigint;
};

type Check = { decision: 'ok' } | { decision: 'idempotent'; last: StoredRecord } | { decision: 'wrong'; current: bigint | 'no_stream' };

const NO_POSITION = 2n ** 64n - 1n;

export class EsdbServerModel {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly starts = new Set<bigint>();
  private committedEvents = new Map<string, { streamId: string; revision: bigint }>();
  private nextPosition = 0n;
  private wake = new Set<() => void>();
  /** Stream reads carry no `$all` position, as from servers before 22.6. */
  legacyStreamReads = false;
  /** Subscriptions fail with it, new and live ones (the server unreachable, access denied...), until cleared. */
  private subscriptionError: Error | undefined;
  /** Every subscription opened, with where it started. */
  readonly subscriptionsOpened: Array<ReadPosition | undefined> = [];

  constructor(private readonly clock: () => Date = () => new Date()) {
    this.write('$epoch', '$epoch', {});
  }

  /** Reads of `$all` forwards (catching up) fail with it until cleared. */
  forwardReadError: Error | undefined;

  /** Fails every subscription with `error` (a live one at once) until called with undefined. */
  failSubscriptions(error: Error | undefined): void {
    this.subscriptionError = error;
    for (const wake of [...this.wake]) wake();
  }

  /** What a server restart loses: the committed-events cache. */
  restart(): void {
    this.committedEvents = new Map();
  }

  /** Every application event of a stream as stored, duplicates included. */
  stored(streamName: string): Array<{ id: string; type: string; revision: number }> {
    return (this.streams.get(streamName) ?? []).map((r) => ({ id: r.id, type: r.type, revision: Number(r.revision) }));
  }

  client(): EsdbClient {
    const client = {
      appendToStream: async (streamName: string, events: EventData | EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}) =>
        this.append(streamName, Array.isArray(events) ? events : [events], options.expectedRevision ?? ANY),
      readStream: (streamName: string, options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint } = {}) =>
        streaming(() => this.readStream(streamName, options)),
      readAll: (options: { direction?: string; fromPosition?: ReadPosition; maxCount?: number | bigint } = {}) =>
        streaming(() => this.readAll(options)),
      subscribeToAll: (options: { fromPosition?: ReadPosition } = {}) => this.subscribe(options.fromPosition),
      dispose: async () => undefined,
    };
    return client as unknown as EsdbClient;
  }

  // ---------------------------------------------------------------- append

  private async append(streamId: string, events: EventData[], expected: AppendExpectedRevision): Promise<AppendResult> {
    await Promise.resolve();
    const check = this.check(streamId, expected, events.map((e) => e.id));
    if (check.decision === 'wrong') throw new WrongExpectedVersionError(undefined, { streamName: streamId, expected, current: check.current });
    if (check.decision === 'idempotent') return result(check.last);
    let last: StoredRecord | undefined;
    for (const event of events) last = this.write(streamId, event.type, event.data, event.metadata, event.id);
    if (this.log.length % 5 === 0) this.write('$stats-127.0.0.1:2113', '$statsCollected', { 'proc-id': 1 });
    for (const wake of [...this.wake]) wake();
    return result(last!);
  }

  /** IndexWriter.CheckCommit (v24.10), for a stream that is not deleted. */
  private check(streamId: string, expected: AppendExpectedRevision, ids: string[]): Check {
    const records = this.streams.get(streamId) ?? [];
    const current = BigInt(records.length) - 1n;
    const wrong: Check = { decision: 'wrong', current: records.length === 0 ? 'no_stream' : current };
    if (records.length === 0) return expected === ANY || expected === NO_STREAM ? { decision: 'ok' } : wrong;
    if (expected === ANY || expected === STREAM_EXISTS) {
      let end: bigint | undefined;
      for (const id of ids) {
        const info = this.committedEvents.get(id);
        if (!info || info.streamId !== streamId) return end === undefined ? { decision: 'ok' } : wrong;
        end = info.revision;
      }
      return { decision: 'idempotent', last: records[Number(end)]! };
    }
    const after = expected === NO_STREAM ? -1n : expected;
    if (after > current) return wrong;
    if (after === current) return { decision: 'ok' };
    let revision = after;
    for (const id of ids) {
      revision += 1n;
      if (records[Number(revision)]?.id !== id) return wrong; // first: wrong version; later: corrupted idempotency, answered the same
    }
    return { decision: 'idempotent', last: records[Number(revision)]! };
  }

  private write(streamId: string, type: string, data: unknown, metadata?: unknown, id: string = randomUUID()): StoredRecord {
    const stream = this.streams.get(streamId) ?? [];
    const record: StoredRecord = {
      streamId,
      id,
      revision: BigInt(stream.length),
      type,
      data: structuredClone(data),
      metadata: metadata === undefined ? undefined : structuredClone(metadata),
      created: this.clock(),
      position: this.nextPosition,
    };
    stream.push(record);
    this.streams.set(streamId, stream);
    this.log.push(record);
    this.starts.add(record.position);
    this.committedEvents.set(id, { streamId, revision: record.revision });
    this.nextPosition += BigInt(100 + JSON.stringify(data ?? null).length);
    return record;
  }

  // ---------------------------------------------------------------- read

  private *readStream(streamId: string, options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint }) {
    const records = this.streams.get(streamId);
    if (!records) throw new StreamNotFoundError(undefined, streamId);
    const last = records.length - 1;
    const backwards = options.direction === BACKWARDS;
    const from = options.fromRevision;
    let i = from === START ? 0 : from === END || from === undefined ? (backwards ? last : 0) : Math.min(Number(from), backwards ? last : Infinity);
    for (let left = Number(options.maxCount ?? Infinity); left > 0 && i >= 0 && i <= last; left -= 1) {
      yield this.legacyStreamReads ? { event: { ...fromRecord(records[i]!), position: { commit: NO_POSITION, prepare: NO_POSITION } } } : fromAll(records[i]!);
      i += backwards ? -1 : 1;
    }
  }

  private *readAll(options: { direction?: string; fromPosition?: ReadPosition; maxCount?: number | bigint }) {
    const backwards = options.direction === BACKWARDS;
    if (!backwards && this.forwardReadError) throw this.forwardReadError;
    const at = this.indexOf(options.fromPosition ?? (backwards ? END : START), 'read');
    let i = backwards ? at - 1 : at;
    for (let left = Number(options.maxCount ?? Infinity); left > 0 && i >= 0 && i < this.log.length; left -= 1) {
      yield fromAll(this.log[i]!);
      i += backwards ? -1 : 1;
    }
  }

  /** The index in the log of the record at a position (the log's length for its end). */
  private indexOf(position: ReadPosition, by: 'read' | 'subscription'): number {
    if (position === START) return 0;
    if (position === END || position.commit === this.nextPosition) return this.log.length;
    if (!this.starts.has(position.commit)) throw refusedPosition(by);
    return this.log.findIndex((r) => r.position === position.commit);
  }

  // ---------------------------------------------------------------- subscribe

  private subscribe(from: ReadPosition | undefined) {
    this.subscriptionsOpened.push(from);
    const model = this;
    let ended = false;
    let wakeUp = () => {};
    const confirmed: Array<() => void> = [];
    const subscription = {
      async unsubscribe() {
        ended = true;
        wakeUp();
      },
      destroy() {
        ended = true;
        wakeUp();
      },
      once(_event: 'confirmation', listener: () => void) {
        confirmed.push(listener);
        return subscription;
      },
      async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
        await Promise.resolve();
        if (model.subscriptionError) throw model.subscriptionError;
        let i = from === undefined || from === START ? 0 : model.indexOf(from, 'subscription') + 1;
        for (const listener of confirmed) listener();
        while (!ended) {
          if (model.subscriptionError) throw model.subscriptionError;
          if (i < model.log.length) {
            yield fromAll(model.log[i++]!);
            continue;
          }
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            model.wake.add(resolve);
          });
          model.wake.delete(wakeUp);
        }
      },
    };
    return subscription;
  }
}

const fromRecord = (r: StoredRecord) => ({
  streamId: r.streamId,
  id: r.id,
  revision: r.revision,
  type: r.type,
  data: structuredClone(r.data),
  metadata: r.metadata === undefined ? undefined : structuredClone(r.metadata),
  isJson: true as const,
  created: r.created,
});

const fromAll = (r: StoredRecord): AllStreamResolvedEvent => ({
  event: { ...fromRecord(r), position: { commit: r.position, prepare: r.position } } as AllStreamResolvedEvent['event'],
  commitPosition: r.position,
});

/** What the client throws for a position that is no record's start (see the notes above). */
export const refusedPosition = (by: 'read' | 'subscription') =>
  by === 'read'
    ? clientError(2, 'UNKNOWN', 'Unexpected ReadAllResult: InvalidPosition')
    : clientError(3, 'INVALID_ARGUMENT', 'Trying to read from an invalid position.');

/** An error as the client makes it of a gRPC status it has no class for (convertToCommandError). */
export const clientError = (code: number, name: string, details: string) =>
  new UnknownError(Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata: undefined as never }));

const result = (last: StoredRecord): AppendResult => ({
  success: true,
  nextExpectedRevision: last.revision,
  position: { commit: last.position, prepare: last.position },
});

/** A client read: a Readable of resolved events with `cancel()`; errors surface on iteration, as the client's do. */
const streaming = <T>(read: () => Iterable<T>) => {
  const readable = Readable.from(
    (function* () {
      yield* read();
    })(),
    { objectMode: true },
  );
  return Object.assign(readable, { cancel: async () => void readable.destroy() });
};
