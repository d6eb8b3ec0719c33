import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
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
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from './event-store.js';

/**
 * Between the EventStoreDB client's types and the port's.
 *
 * A port position is the commit position of an event in `$all`. EventStoreDB (20+) writes every
 * event as an implicitly committed prepare, so its commit and prepare positions are equal and
 * `{ commit: p, prepare: p }` names the event again. Positions must come from this store: the
 * server rejects a position that is not the start of a record.
 */

export type ClientResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

/** A stored event this adapter cannot turn into a port event (not JSON, no position). */
export class UnreadableEventError extends Error {
  constructor(eventId: string, reason: string) {
    super(`event ${eventId}: ${reason}`);
    this.name = 'UnreadableEventError';
  }
}

/**
 * The server's "no position": Int64 -1 sent as uint64. A record has it where the server
 * knows no `$all` position, e.g. on stream reads from servers before 22.6.
 */
export const UNKNOWN_POSITION = 2n ** 64n - 1n;

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

export const toEventData = ({ id, type, data, metadata }: EventToAppend) => jsonEvent({ id, type, data, metadata });

/**
 * The port's result. A repeat the server recognises itself (the batch right after a lower
 * expected revision, or in its id cache) comes back exactly like a write: `repeated` is
 * false here, and only the adapter's own search (`lookBack`) finds repeats it can tell.
 */
export const toAppendResult = (result: EsdbAppendResult): AppendResult => {
  // `success: false` only comes with `throwOnAppendFailure=false`, which hides the actual revision.
  if (!result.success) throw new Error('unsupported connection setting: throwOnAppendFailure=false');
  if (!result.position) throw new Error('EventStoreDB returned no position for the append');
  return {
    nextExpectedRevision: toSafeNumber(result.nextExpectedRevision, 'revision'),
    position: toSafeNumber(result.position.commit, 'commit position'),
    repeated: false,
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

/** A position the server actually knows: not its "no position", not protobuf's unset 0 (no event is at 0). */
const known = (position: bigint | undefined): bigint | undefined =>
  position !== undefined && position !== UNKNOWN_POSITION && position > 0n ? position : undefined;

/**
 * The record's commit position, else the resolved event's (both are there on `$all` reads
 * and, from EventStoreDB 22.6, on stream reads; before 22.6 a stream read carries neither).
 */
const commitPositionOf = (resolved: ClientResolvedEvent, eventId: string): bigint => {
  const commit = known(resolved.event?.position?.commit) ?? known(resolved.commitPosition);
  if (commit === undefined) {
    throw new UnreadableEventError(eventId, 'the server sent no $all position (stream reads carry one from EventStoreDB 22.6)');
  }
  return commit;
};

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** Reads until `maxCount` kept events; a read stopped early is cancelled so the server stops sending. */
export const collect = async <R extends ClientResolvedEvent>(
  read: StreamingRead<R>,
  maxCount: number,
  keep: (resolved: R) => boolean,
): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  await scan(read, (resolved) => {
    if (keep(resolved)) events.push(toRecordedEvent(resolved));
    return events.length < maxCount;
  });
  return events;
};

/** Hands each resolved event to `next` while it answers true; a read stopped early is cancelled. */
export const scan = async <R extends ClientResolvedEvent>(read: StreamingRead<R>, next: (resolved: R) => boolean): Promise<void> => {
  let exhausted = false;
  try {
    for await (const resolved of read) if (!next(resolved)) return;
    exhausted = true;
  } finally {
    if (!exhausted) await read.cancel().catch(() => undefined);
  }
};
