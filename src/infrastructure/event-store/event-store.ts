/**
 * The event-store port. Its semantics are EventStoreDB's, so that the embedded
 * adapter and the EventStoreDB adapter are interchangeable:
 * - stream revisions are 0-based; a stream with one event is at revision 0;
 * - the global position orders every event in `$all` and only ever grows;
 * - `readAll` starts AT `fromPosition` (inclusive), `subscribeToAll` starts AFTER it
 *   (a checkpoint is the position of the last event handled).
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
  /** A UUID. Appending the same ids again to the same stream is idempotent. */
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
  /** The stream's revision after the append: pass it as the next expected revision. */
  nextExpectedRevision: number;
  /** The global position of the last event of the append. */
  position: number;
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

/** Catch-up then live, in order, until closed. */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
  /**
   * The same events in batches: each one what is there to read at once, up to `maxSize`.
   * Optional: without it, `inBatches` makes the batches, waiting a turn of the loop to see
   * whether more comes. A subscription is read one way or the other, never both.
   */
  batches?(maxSize: number): AsyncIterable<RecordedEvent[]>;
}

export interface EventStore {
  appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): EventSubscription;
  /** The position of the last event in `$all`, or 0 when the log is empty. */
  headPosition(): Promise<number>;
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
 * Thrown when some, but not all, of the events of an append were already written:
 * the same ids were reused for a different batch.
 */
export class IdempotencyViolationError extends Error {
  constructor(readonly streamName: string) {
    super(`stream ${streamName}: the append reuses event ids of a different batch`);
    this.name = 'IdempotencyViolationError';
  }
}

/** The category of `order-123` is `order`. */
export const streamCategory = (streamName: string): string => streamName.slice(0, streamName.indexOf('-'));

export const streamId = (streamName: string): string => streamName.slice(streamName.indexOf('-') + 1);
