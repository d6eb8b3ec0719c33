/**
 * The event-store port. Its semantics are EventStoreDB's, so that the embedded
 * adapter and the EventStoreDB adapter are interchangeable:
 * - stream revisions are 0-based; a stream with one event is at revision 0;
 * - the global position orders every event in `$all` and only ever grows. Its unit is the
 *   adapter's: the embedded store numbers events 1, 2, 3...; EventStoreDB gives byte offsets
 *   in its transaction log. A difference of positions is therefore no count of events: ask
 *   `countEventsAfter` for that;
 * - `readAll` starts AT `fromPosition` (inclusive), `subscribeToAll` starts AFTER it
 *   (a checkpoint is the position of the last event handled).
 *
 * Appending ids that are already in the stream (a retried request whose ids derive from
 * its idempotency key), with `lookBack` on any adapter, and always on the embedded one:
 * - when the batch's ids are there as consecutive events, in the batch's order, starting
 *   with the batch's first id (the batch, or its beginning, was appended before), nothing
 *   is written and the append resolves with the earlier write: `repeated: true`, the
 *   revision and position of the last of those events (not the stream's current ones);
 * - when only some are there, or not so, it throws IdempotencyViolationError and writes nothing;
 * - both whatever the expected revision (`any`, `no_stream`, `stream_exists`, or a number
 *   equal to, below or above the current revision): the earlier write passed its own check.
 * Without `lookBack`, EventStoreDB (no index by event id) finds only what its server finds:
 * the batch right after an exact or no_stream expectation below the current revision, or
 * the batch's ids in an in-memory cache (about 8 MB, lost on restart) for `any` and
 * `stream_exists`. It answers such a batch like a write (`repeated: false`, the earlier
 * write's revision and position), a partial one with WrongExpectedVersionError (an exact
 * expectation) or IdempotencyViolationError, and writes everything else again: with an
 * exact expectation equal to the current revision, a batch further back is written twice.
 * So an append whose ids may repeat says so with `lookBack`: the EventStoreDB adapter
 * reads the stream backwards (in pages) within its bounds before writing. An id further
 * back than the bounds is not found there: the bounds must cover every place an earlier
 * attempt can have written to (the command handler's are documented there).
 */

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export type EventMetadata = {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  occurredAt?: string;
  schemaVersion?: number;
  [key: string]: unknown;
};

export type EventToAppend = {
  /** A UUID: random, or derived from an idempotency key (see the port's notes on repeated ids). */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

export type RecordedEvent = {
  id: string;
  type: string;
  streamName: string;
  revision: number;
  position: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  /** When the store recorded the event (ISO 8601). */
  recordedAt: string;
};

export type AppendResult = {
  /**
   * The stream's revision after the append: pass it as the next expected revision. For a
   * repeated batch, the revision of its last event (the stream may have moved on since).
   */
  nextExpectedRevision: number;
  /** The global position of the last event of the append (or of the repeated batch). */
  position: number;
  /**
   * True when the adapter found the batch already written and appended nothing. Without
   * `lookBack`, EventStoreDB answers a repeat it recognises itself exactly like a write
   * (false, with the earlier write's revision and position); with it, the adapter tells.
   */
  repeated: boolean;
};

/**
 * Where an earlier attempt can have appended the batch's ids, for an adapter that must
 * search for them (EventStoreDB). It searches the stream's events below `belowRevision`,
 * newest first, and stops at the first event at or before `afterPosition` or recorded
 * before `since`: none of those can be an earlier attempt's. No bound: the whole stream.
 */
export type LookBack = {
  /**
   * With an exact expected revision: the caller knows the ids of the events from this
   * revision up to the expected one, and none is the batch's. (Events after the expected
   * revision fail the version check; a batch a racing twin wrote right after it, the
   * server answers like a write.)
   */
  belowRevision?: number;
  /** Nothing at or before this position can be an earlier attempt's (e.g. the event that caused the command). */
  afterPosition?: number;
  /** Nothing recorded before this time (ISO 8601, the store's clock) can be an earlier attempt's. */
  since?: string;
};

export type AppendOptions = {
  expectedRevision?: ExpectedRevision;
  /** Set when the batch's ids may already be in the stream (they derive from an idempotency key). */
  lookBack?: LookBack;
};

export type Direction = 'forwards' | 'backwards';

export type ReadStreamOptions = {
  direction?: Direction;
  /** Inclusive. Defaults to the first event (forwards) or the last (backwards). */
  fromRevision?: number;
  maxCount?: number;
};

export type ReadAllOptions = {
  direction?: Direction;
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromPosition?: number;
  maxCount?: number;
};

export type SubscribeToAllOptions = {
  /** Exclusive: the position of the last event already handled. Omit for the start. */
  fromPosition?: number;
};

/**
 * Catch-up then live, in order, until closed. A subscription that loses its server
 * resubscribes by itself; one that cannot heal (refused, an unreadable event) ends the
 * iteration with UnrecoverableReadError.
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
  /**
   * While the subscription is resubscribing after losing its server: the last error.
   * Undefined while it delivers. Optional: the embedded store's subscriptions never drop.
   */
  readonly retrying?: string;
  /**
   * The same events in batches: each one what is there to read at once, up to `maxSize`.
   * Optional: without it, `inBatches` makes the batches, waiting a turn of the loop to see
   * whether more comes. A subscription is read one way or the other, never both.
   */
  batches?(maxSize: number): AsyncIterable<RecordedEvent[]>;
}

export interface EventStore {
  /** Expected revision `any` by default; see the port's notes for ids already in the stream. */
  appendToStream(streamName: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): EventSubscription;
  /** The position of the last event in `$all`, or 0 when the log is empty. */
  headPosition(): Promise<number>;
  /**
   * How many events `$all` holds after `position` (a checkpoint), counted up to `limit`:
   * a follower's lag in events. EventStoreDB has no count, so it reads them: keep `limit` small.
   */
  countEventsAfter(position: number, limit: number): Promise<number>;
  /**
   * Writes the journal (SQLite's write-ahead log) into the store's file and empties it, so that
   * bytes just deleted or overwritten (with secure_delete) are gone from every file of it: called
   * after an erasure's scrub. A no-op on a server (EventStoreDB, MongoDB), which keeps its own files.
   */
  truncateJournal(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the stream is not at the expected revision. */
export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/**
 * Thrown when some of a batch's ids are already in the stream, but not as that batch
 * (consecutive, in order, from its first id): ids reused for a different batch. Nothing is written.
 */
export class IdempotencyViolationError extends Error {
  constructor(readonly streamName: string) {
    super(`stream ${streamName}: the append reuses event ids of a different batch`);
    this.name = 'IdempotencyViolationError';
  }
}

/**
 * A read of `$all`, or a subscription to it, that trying again cannot mend: the server
 * refuses it (access denied, an invalid position or argument) or an event cannot be read.
 * Followers stop on it and report it, instead of retrying forever.
 */
export class UnrecoverableReadError extends Error {
  constructor(cause: unknown, message = `reading $all failed for good: ${describeError(cause)}`) {
    super(message, { cause });
    this.name = 'UnrecoverableReadError';
  }
}

/** `Name: message` of an error, for logs and status lines (the client's errors are all named `Error`: their class tells). */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const name = error.name === 'Error' ? error.constructor.name : error.name;
  return `${name}: ${error.message}`;
};

/** The category of `order-123` is `order`. */
export const streamCategory = (streamName: string): string => streamName.slice(0, streamName.indexOf('-'));

export const streamId = (streamName: string): string => streamName.slice(streamName.indexOf('-') + 1);
