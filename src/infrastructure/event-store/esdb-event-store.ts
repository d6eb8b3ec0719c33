import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type Position,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  IdempotencyViolationError,
  WrongExpectedVersionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventSubscription,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from './event-store.js';

/**
 * The EventStoreDB adapter of the event-store port, over the official gRPC client.
 *
 * A port position is the commit position of an event in `$all`. EventStoreDB (20+) writes every
 * event as an implicitly committed prepare, so its commit and prepare positions are equal and
 * `{ commit: p, prepare: p }` names the event again. Positions must come from this store: the
 * server rejects a position that is not the start of a record.
 */

export type Backoff = { initialMs: number; maxMs: number };

export type EsdbEventStoreOptions = {
  /** Delay before resubscribing after a dropped subscription; doubles up to `maxMs`. */
  resubscribeBackoff?: Backoff;
};

type ClientResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly backoff: Backoff;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  /** @param connectionString e.g. `esdb://localhost:2113?tls=false` */
  constructor(connectionString: string, options: EsdbEventStoreOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.backoff = options.resubscribeBackoff ?? { initialMs: 250, maxMs: 5000 };
  }

  async appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('an append needs at least one event');
    const expected = options.expectedRevision ?? 'any';
    const result = await this.client
      .appendToStream(streamName, events.map(toEventData), { expectedRevision: toClientExpectedRevision(expected) })
      .catch((error: unknown) => {
        throw toPortAppendError(error, streamName, expected);
      });
    return toAppendResult(result);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    const read = this.client.readStream(streamName, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : toRevision(options.fromRevision),
      maxCount,
    });
    try {
      return await collect(read, maxCount, (resolved) => resolved.event !== undefined);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition;
    // No server-side maxCount: system events are filtered out here, so the server cannot count for us.
    const read = this.client.readAll({
      direction: backwards ? BACKWARDS : FORWARDS,
      fromPosition: from === undefined ? (backwards ? END : START) : toClientPosition(from),
    });
    const events = await collect(read, maxCount, isApplicationEvent);
    if (!backwards || from === undefined) return events;
    // The server reads backwards from a position exclusively; the port includes the event at it.
    const [atFrom] = await this.readAll({ fromPosition: from, maxCount: 1 });
    return atFrom?.position === from ? [atFrom, ...events].slice(0, maxCount) : events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    const subscription = new EsdbSubscription(
      (after) => this.client.subscribeToAll({ fromPosition: after ?? START, filter: excludeSystemEvents() }),
      options.fromPosition,
      this.backoff,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

// ---------------------------------------------------------------- subscription

/** The part of the client's `$all` subscription the adapter relies on (a Node Readable). */
export type ClientSubscription = AsyncIterable<AllStreamResolvedEvent> & {
  unsubscribe(): Promise<void>;
  destroy(): unknown;
};

/** Opens a client subscription that starts after `after`, or at the start of `$all`. */
export type OpenSubscription = (after: Position | undefined) => ClientSubscription;

/**
 * A catch-up subscription that survives drops: it resubscribes from the last delivered
 * position, which the server treats as exclusive, so no event is skipped or repeated.
 */
export class EsdbSubscription implements EventSubscription {
  private after: Position | undefined;
  private current: ClientSubscription | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly open: OpenSubscription,
    fromPosition: number | undefined,
    private readonly backoff: Backoff,
    private readonly onClose: () => void = () => {},
  ) {
    this.after = fromPosition === undefined ? undefined : toClientPosition(fromPosition);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let delay = this.backoff.initialMs;
    while (!this.closed) {
      try {
        for await (const event of this.untilDropped()) {
          delay = this.backoff.initialMs;
          yield event;
        }
      } catch (error) {
        if (this.closed) return;
        if (!isTransient(error)) throw error;
      }
      if (this.closed) return;
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.backoff.maxMs);
    }
  }

  private async *untilDropped(): AsyncGenerator<RecordedEvent> {
    const subscription = this.open(this.after);
    this.current = subscription;
    try {
      for await (const resolved of subscription) {
        if (!isApplicationEvent(resolved)) continue;
        const position = resolved.event.position;
        // The server should never repeat an event after a resubscription; make sure of it.
        if (this.after && !isAfter(position, this.after)) continue;
        const event = toRecordedEvent(resolved);
        this.after = position;
        yield event;
      }
    } finally {
      this.current = undefined;
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.wake?.();
    const current = this.current;
    if (!current) return;
    await current.unsubscribe().catch(() => undefined);
    // Unsubscribing ends the iteration once the server acknowledges; destroying ends it now.
    current.destroy();
  }
}

// ---------------------------------------------------------------- mapping

/** A stored event this adapter cannot turn into a port event (not JSON, no position). */
export class UnreadableEventError extends Error {
  constructor(eventId: string, reason: string) {
    super(`event ${eventId}: ${reason}`);
    this.name = 'UnreadableEventError';
  }
}

export const toSafeNumber = (value: bigint, what: string): number => {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new RangeError(`${what} ${value} is not a safe integer`);
  return number;
};

const toUnsignedBigInt = (value: number, what: string): bigint => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer: ${value}`);
  return BigInt(value);
};

export const toRevision = (revision: number): bigint => toUnsignedBigInt(revision, 'revision');

export const toClientPosition = (position: number): Position => {
  const p = toUnsignedBigInt(position, 'position');
  return { commit: p, prepare: p };
};

export const toClientExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return toRevision(expected);
  }
};

const toEventData = ({ id, type, data, metadata }: EventToAppend) => jsonEvent({ id, type, data, metadata });

export const toAppendResult = (result: EsdbAppendResult): AppendResult => {
  // `success: false` only comes with `throwOnAppendFailure=false`, which hides the actual revision.
  if (!result.success) throw new Error('unsupported connection setting: throwOnAppendFailure=false');
  if (!result.position) throw new Error('EventStoreDB returned no position for the append');
  return {
    nextExpectedRevision: toSafeNumber(result.nextExpectedRevision, 'revision'),
    position: toSafeNumber(result.position.commit, 'commit position'),
  };
};

export const toPortAppendError = (error: unknown, streamName: string, expected: ExpectedRevision): unknown => {
  if (!(error instanceof EsdbWrongExpectedVersionError)) return error;
  const actual = error.actualVersion === NO_STREAM ? 'no_stream' : toSafeNumber(error.actualVersion, 'revision');
  // `any`, and `stream_exists` on an existing stream, pass every version check: the server
  // reports a wrong version only when the batch repeats some, not all, of the written ids.
  if (expected === 'any' || (expected === 'stream_exists' && actual !== 'no_stream')) {
    return new IdempotencyViolationError(streamName);
  }
  return new WrongExpectedVersionError(streamName, expected, actual);
};

type WithEvent<R extends ClientResolvedEvent> = R & { event: NonNullable<R['event']> };

/** Application events only: no system events, no links, no links to deleted events. */
export const isApplicationEvent = <R extends ClientResolvedEvent>(resolved: R): resolved is WithEvent<R> =>
  resolved.event !== undefined &&
  resolved.link === undefined &&
  !resolved.event.type.startsWith('$') &&
  !resolved.event.streamId.startsWith('$');

export const toRecordedEvent = (resolved: ClientResolvedEvent): RecordedEvent => {
  const event = resolved.event;
  if (!event) throw new TypeError('a resolved event without an event (a link to a deleted event)');
  const data = event.data;
  if (!isJsonObject(data)) throw new UnreadableEventError(event.id, 'data is not a JSON object');
  const metadata = event.metadata ?? {};
  if (!isJsonObject(metadata)) throw new UnreadableEventError(event.id, 'metadata is not a JSON object');
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: toSafeNumber(event.revision, 'revision'),
    position: toSafeNumber(commitPositionOf(resolved, event.id), 'commit position'),
    data,
    metadata: metadata as EventMetadata,
    recordedAt: event.created.toISOString(),
  };
};

/** $all reads carry the position twice; stream reads carry it only from EventStoreDB 22.6 (0 before). */
const commitPositionOf = (resolved: ClientResolvedEvent, eventId: string): bigint => {
  const commit = [resolved.event?.position?.commit, resolved.commitPosition].find((p) => p !== undefined && p > 0n);
  if (commit === undefined) throw new UnreadableEventError(eventId, 'the server sent no $all position');
  return commit;
};

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const isAfter = (a: Position, b: Position): boolean => a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

/** Drops worth a resubscription; a refused subscription or an unreadable event would only repeat. */
const isTransient = (error: unknown): boolean =>
  !(error instanceof AccessDeniedError || error instanceof UnreadableEventError || error instanceof RangeError);

/** Reads until `maxCount` kept events; a read stopped early is cancelled so the server stops sending. */
const collect = async <R extends ClientResolvedEvent>(
  read: StreamingRead<R>,
  maxCount: number,
  keep: (resolved: R) => boolean,
): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  let exhausted = false;
  try {
    for await (const resolved of read) {
      if (!keep(resolved)) continue;
      events.push(toRecordedEvent(resolved));
      if (events.length >= maxCount) return events;
    }
    exhausted = true;
    return events;
  } finally {
    if (!exhausted) await read.cancel().catch(() => undefined);
  }
};
