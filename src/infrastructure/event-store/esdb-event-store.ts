import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  excludeSystemEvents,
} from '@eventstore/db-client';
import {
  IdempotencyViolationError,
  UnrecoverableReadError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type EventToAppend,
  type ExpectedRevision,
  type LookBack,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from './event-store.js';
import {
  collect,
  isApplicationEvent,
  scan,
  toAppendResult,
  toClientExpectedRevision,
  toClientPosition,
  toEventData,
  toPortAppendError,
  toRevision,
  toSafeNumber,
} from './esdb-mapping.js';
import { EsdbSubscription, isUnrecoverable, type Backoff, type SubscriptionLogger } from './esdb-subscription.js';

/**
 * The EventStoreDB adapter of the event-store port, over the official gRPC client.
 * Needs EventStoreDB 22.6 or later: older servers send no `$all` position on stream reads.
 */

export type EsdbEventStoreOptions = {
  /** Delay before resubscribing after a dropped subscription; doubles up to `maxMs`. */
  resubscribeBackoff?: Backoff;
  /** Told of every dropped or failed subscription. */
  logger?: SubscriptionLogger;
};

/** The calls of the client this adapter makes (a test gives a model of the server instead). */
export type EsdbClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

/** The look-back reads pages backwards, small first: most searches end at the first event past the bounds. */
const FIRST_PAGE = 16;
const LARGEST_PAGE = 1024;

export class EsdbEventStore implements EventStore {
  private readonly client: EsdbClient;
  private readonly backoff: Backoff;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  /** @param connection e.g. `esdb://localhost:2113?tls=false`, or a client */
  constructor(connection: string | EsdbClient, private readonly options: EsdbEventStoreOptions = {}) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
    this.backoff = options.resubscribeBackoff ?? { initialMs: 250, maxMs: 5000 };
  }

  /**
   * With `lookBack`, first searches the stream for the batch's ids: the server would find
   * them only right after a lower expected revision or in its id cache (see the port).
   */
  async appendToStream(streamName: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('an append needs at least one event');
    const expected = options.expectedRevision ?? 'any';
    if (options.lookBack) {
      const repeat = await this.findRepeat(streamName, events, options.lookBack, expected);
      if (repeat) return repeat;
    }
    const result = await this.client
      .appendToStream(streamName, events.map(toEventData), { expectedRevision: toClientExpectedRevision(expected) })
      .catch((error: unknown) => {
        throw toPortAppendError(error, streamName, expected);
      });
    if (result.success && !result.position) return this.positionOfRepeat(streamName, events, toSafeNumber(result.nextExpectedRevision, 'revision'));
    return toAppendResult(result);
  }

  /**
   * A repeat the server recognised, answered without a position: the server reads the batch's
   * last event back for it and sends none when that read fails (IndexWriter's CheckCommit: -1;
   * the client then resolves with `position` undefined), e.g. under a stream's limits or ACLs.
   * The events are stored: their position is read here, rather than the retry answered 500.
   */
  private async positionOfRepeat(streamName: string, events: readonly EventToAppend[], revision: number): Promise<AppendResult> {
    const [last] = await this.readStream(streamName, { fromRevision: revision, maxCount: 1 });
    if (!last || last.id !== events[events.length - 1]!.id) {
      throw new Error(`EventStoreDB took the append to ${streamName} as written before but sent no position, and its revision ${revision} is not the append's last event`);
    }
    return { nextExpectedRevision: revision, position: last.position, repeated: false };
  }

  /** Reads the stream backwards within the bounds until it meets one of the batch's ids. */
  private async findRepeat(
    streamName: string,
    events: readonly EventToAppend[],
    bounds: LookBack,
    expected: ExpectedRevision,
  ): Promise<AppendResult | undefined> {
    const indexOf = new Map(events.map((event, i) => [event.id, i]));
    const since = bounds.since === undefined ? undefined : Date.parse(bounds.since);
    const outside = (event: RecordedEvent) =>
      (bounds.afterPosition !== undefined && event.position <= bounds.afterPosition) ||
      (since !== undefined && Date.parse(event.recordedAt) < since);
    let from = searchFrom(bounds, expected);
    for (let size = FIRST_PAGE; from === undefined || from >= 0; size = Math.min(size * 4, LARGEST_PAGE)) {
      const page = await this.readStream(streamName, { direction: 'backwards', fromRevision: from, maxCount: size });
      for (const event of page) {
        const index = indexOf.get(event.id);
        if (index !== undefined) return this.earlierWrite(streamName, events, event.revision - index);
        if (outside(event)) return undefined;
      }
      if (page.length < size) return undefined;
      from = page[page.length - 1]!.revision - 1;
    }
    return undefined;
  }

  /** The batch as written from `start`, or IdempotencyViolationError when the stream holds something else there. */
  private async earlierWrite(streamName: string, events: readonly EventToAppend[], start: number): Promise<AppendResult> {
    const stored = start < 0 ? [] : await this.readStream(streamName, { fromRevision: start, maxCount: events.length });
    const same = stored.length === events.length && stored.every((event, i) => event.id === events[i]!.id);
    if (!same) throw new IdempotencyViolationError(streamName);
    const last = stored[stored.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, repeated: true };
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
    const events = await collect(read, maxCount, isApplicationEvent).catch(unrecoverable);
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
      this.options.logger,
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position ?? 0;
  }

  /** Reads the events to count them (no payload is parsed): the server keeps no count. */
  async countEventsAfter(position: number, limit: number): Promise<number> {
    let count = 0;
    if (limit <= 0) return count;
    const after = BigInt(position);
    const read = this.client.readAll({ direction: FORWARDS, fromPosition: position === 0 ? START : toClientPosition(position) });
    await scan(read, (resolved) => {
      if (isApplicationEvent(resolved) && resolved.event.position.commit > after) count += 1;
      return count < limit;
    }).catch(unrecoverable);
    return count;
  }

  /** EventStoreDB keeps its own files: nothing to empty here. */
  async truncateJournal(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

/**
 * The revision the search starts at (undefined: the end). Only an exact expectation lets it
 * skip what the caller knows: whatever came after that revision fails the version check.
 */
const searchFrom = ({ belowRevision }: LookBack, expected: ExpectedRevision): number | undefined =>
  belowRevision === undefined || typeof expected !== 'number' ? undefined : Math.min(belowRevision, expected + 1) - 1;

/** A `$all` read that would fail the same way again is named so: followers stop on it instead of retrying. */
const unrecoverable = (error: unknown): never => {
  throw isUnrecoverable(error) ? new UnrecoverableReadError(error) : error;
};
