import { ConcurrencyError, PreconditionFailedError } from '../domain/shared/errors.js';
import { derivedId } from '../domain/shared/ids.js';
import type { Decider, DomainEvent } from '../domain/shared/types.js';
import {
  IdempotencyViolationError,
  WrongExpectedVersionError,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
} from '../infrastructure/event-store/event-store.js';
import { LruCache } from '../infrastructure/lru-cache.js';
import { KeyedLock } from './keyed-lock.js';
import { RecentEvents } from './recent-events.js';
import { eventIds, lookBackFor } from './repeats.js';
import type { CommandContext, CommandHandlerOptions, Handled } from './command-types.js';

export type { CommandContext, CommandHandlerOptions, Handled } from './command-types.js';

/** What the handler needs to know of a decider to snapshot its state. */
type Snapshotted = Pick<Decider<unknown, never, DomainEvent>, 'snapshotVersion'>;

/**
 * A folded stream. `recent` holds the ids of its last events, up to `revision`, and their
 * positions (at most: an appended batch's events all get the last one's).
 */
type Loaded = {
  decider: unknown;
  state: unknown;
  revision: number;
  recent: RecentEvents;
  snapshotRevision: number;
  /** The key store's count of destructions when the stream was read (see `keyDestructions`). */
  destructions: number;
};


/**
 * The generic command handler: read the stream, fold it, decide, append with the
 * expected revision.
 * - If-Match (`ifMatch`) pins the revision the client saw: a mismatch is a 412 and is never retried.
 * - Without it a version conflict (another writer got in first) is retried on fresh state.
 * - With an idempotency key the event ids derive from it, so a repeated request finds its
 *   own events already in the stream and appends nothing. The handler remembers the ids of
 *   the last events of each cached stream; for the part of the stream it does not remember
 *   (before a snapshot, or further back) it asks the store to look back (`LookBack`), as
 *   far as an earlier attempt can have written: after the event that caused the command
 *   (`causationPosition`, a process manager's commands), else within the key's retention
 *   (24 h by default, as the stored answers) before `now`, less 5 minutes for clock skew.
 *   A key repeated after its retention on such a stream may be executed again on EventStoreDB
 *   (ids and look-back bounds: ./repeats.ts).
 * Commands on one stream queue behind each other in this process (no wasted conflicts), and
 * the folded state of recently used streams is kept, so a command reads only the events
 * appended since. Aggregates with a `snapshotVersion` are also snapshotted every
 * `snapshotEvery` events, so loading a long stream anew (after a restart, or once it left
 * the cache) reads its snapshot and the events after it, not its whole history.
 */
export class CommandHandler {
  private readonly lock = new KeyedLock();
  private readonly sections = new KeyedLock();
  private readonly cache: LruCache<string, Loaded>;
  private readonly maxAttempts: number;
  private readonly rememberedIds: number;
  private readonly snapshotEvery: number;

  constructor(
    private readonly store: EventStore,
    private readonly options: CommandHandlerOptions,
  ) {
    this.cache = new LruCache(options.cachedStreams ?? 10_000);
    this.maxAttempts = options.maxAttempts ?? 20;
    this.rememberedIds = options.rememberedIds ?? 4096;
    this.snapshotEvery = options.snapshotEvery ?? 250;
  }

  handle<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    streamName: string,
    command: Command,
    context: CommandContext,
  ): Promise<Handled<State>> {
    return this.lock.run(streamName, () => this.attempt(decider, streamName, command, context));
  }

  /**
   * Runs a command that decides on one stream and then writes others (a checkout reads the
   * cart, places an order, then empties the cart) one at a time per key in this process, so
   * that a second one decides on what the first is done with, not on what it is about to change.
   */
  exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.sections.run(key, task);
  }

  /** The metadata of a stream's first event (the request that created it, its key); undefined when there is no such stream. */
  async creation(streamName: string): Promise<EventMetadata | undefined> {
    const [first] = await this.store.readStream(streamName, { maxCount: 1 });
    return first?.metadata;
  }

  /** The current state of a stream, folded with the decider (no command). */
  async load<State, Event extends DomainEvent>(
    decider: Decider<State, never, Event>,
    streamName: string,
  ): Promise<{ state: State; revision: number }> {
    const { state, revision } = await this.read(decider, streamName);
    return { state: state as State, revision };
  }

  private async attempt<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    streamName: string,
    command: Command,
    context: CommandContext,
  ): Promise<Handled<State>> {
    for (let attempt = 1; ; attempt += 1) {
      const loaded = await this.read(decider, streamName);
      const state = loaded.state as State;
      const idOf = eventIds(streamName, command, context.idempotencyKey);
      // A repeat is recognised before If-Match: the retry of a request that succeeded carries the old revision.
      if (context.idempotencyKey && loaded.recent.includes(idOf(0))) return replayed(state, loaded.revision);
      if (context.ifMatch !== undefined && context.ifMatch !== loaded.revision) {
        // RFC 9110 §13.2.1: a precondition counts only where the request would otherwise succeed. On a stream that
        // does not exist the command answers as it does without one (an unknown product: 404); a creation, 412.
        if (loaded.revision < 0) decider.decide(command, state);
        throw preconditionFailed(streamName, context.ifMatch, loaded.revision);
      }
      // `If-Match: *` matches a current representation, and a stream with no events has none: as above, the command's own
      // refusal first (an unknown product: 404), then 412 (a first review, a first cart line: a creation).
      if (context.ifExists && loaded.revision < 0) {
        decider.decide(command, state);
        throw new PreconditionFailedError(`If-Match: * names something that exists, and ${streamName} does not yet`, null);
      }
      const events = decider.decide(command, state);
      if (events.length === 0) return { state, revision: loaded.revision, appended: [], replayed: false };
      const appended = events.map((event, i) => this.toAppend(event, idOf(i), context));
      // The rest of a batch straddling the oldest id remembered (what `lookBack` tells the store is checked here).
      const known = (event: EventToAppend) => loaded.recent.includes(event.id);
      if (context.idempotencyKey && appended.slice(1).some(known)) return replayed(state, loaded.revision);
      try {
        const result = await this.store.appendToStream(streamName, appended, {
          expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision,
          lookBack: lookBackFor(loaded, context, this.options.idempotencyKeyRetentionMs),
        });
        // Written before (the state here may not be the one it was decided on): report the stream as it is.
        if (result.repeated) return this.replayedNow(decider, streamName);
        const next = events.reduce(decider.evolve, state);
        this.remember(streamName, decider, next, result.nextExpectedRevision, loaded, appended, result.position);
        return { state: next, revision: result.nextExpectedRevision, position: result.position, appended, replayed: false };
      } catch (error) {
        // Ids derived from this key are already in the stream, further back than the ids we keep: a repeat.
        if (error instanceof IdempotencyViolationError && context.idempotencyKey) return this.replayedNow(decider, streamName);
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (context.ifMatch !== undefined) throw preconditionFailed(streamName, context.ifMatch, error.actual);
        if (attempt >= this.maxAttempts) throw new ConcurrencyError(streamName, String(loaded.revision), String(error.actual));
        await backoff(attempt);
      }
    }
  }

  private async replayedNow<State, Event extends DomainEvent>(
    decider: Decider<State, never, Event>,
    streamName: string,
  ): Promise<Handled<State>> {
    const current = await this.read(decider, streamName);
    return replayed(current.state as State, current.revision);
  }

  private async read<State, Event extends DomainEvent>(
    decider: Decider<State, never, Event>,
    streamName: string,
  ): Promise<Loaded> {
    const destructions = this.options.keyDestructions ? await this.options.keyDestructions() : 0;
    const cached = this.cache.get(streamName);
    const start = cached?.decider === decider && cached.destructions === destructions ? cached : await this.fromSnapshot(decider, streamName, destructions);
    const events = await this.store.readStream(streamName, { fromRevision: start ? start.revision + 1 : 0 });
    if (start && events.length === 0) {
      if (start !== cached) this.cache.set(streamName, start);
      return start;
    }
    let state = (start?.state as State | undefined) ?? decider.initialState();
    for (const recorded of events) {
      const { type, data } = this.options.schema.upcast(recorded);
      state = decider.evolve(state, { type, data } as unknown as Event);
    }
    const revision = events.length > 0 ? events[events.length - 1]!.revision : (start?.revision ?? -1);
    const recent = (start?.recent ?? RecentEvents.empty()).plus(
      events.map((e) => e.id),
      events.map((e) => e.position),
      this.rememberedIds,
    );
    const loaded = { decider, state, revision, recent, snapshotRevision: start?.snapshotRevision ?? -1, destructions };
    this.snapshotIfDue(streamName, decider, loaded);
    this.cache.set(streamName, loaded);
    return loaded;
  }

  private remember(
    streamName: string,
    decider: Snapshotted,
    state: unknown,
    revision: number,
    previous: Loaded,
    appended: EventToAppend[],
    position: number,
  ): void {
    const recent = previous.recent.plus(
      appended.map((e) => e.id),
      appended.map(() => position),
      this.rememberedIds,
    );
    const loaded = { decider, state, revision, recent, snapshotRevision: previous.snapshotRevision, destructions: previous.destructions };
    this.snapshotIfDue(streamName, decider, loaded);
    this.cache.set(streamName, loaded);
  }

  /** The stream's snapshot as a starting point, when there is one of this decider's version. */
  private async fromSnapshot(decider: Snapshotted, streamName: string, destructions: number): Promise<Loaded | undefined> {
    const { snapshots } = this.options;
    if (!snapshots || decider.snapshotVersion === undefined) return undefined;
    // A snapshot is a shortcut: when it cannot be read, the stream is folded from its start.
    const snapshot = await snapshots.load(streamName).catch(() => undefined);
    if (!snapshot || snapshot.version !== decider.snapshotVersion) return undefined;
    return { decider, state: snapshot.state, revision: snapshot.revision, recent: RecentEvents.empty(), snapshotRevision: snapshot.revision, destructions };
  }

  /** Saves a snapshot once `snapshotEvery` events were folded since the last one (in the background). */
  private snapshotIfDue(streamName: string, decider: Snapshotted, loaded: Loaded): void {
    const { snapshots } = this.options;
    if (!snapshots || decider.snapshotVersion === undefined) return;
    if (loaded.revision - loaded.snapshotRevision < this.snapshotEvery) return;
    loaded.snapshotRevision = loaded.revision;
    const snapshot = { streamName, revision: loaded.revision, version: decider.snapshotVersion, state: loaded.state };
    snapshots.save(snapshot).catch((error: unknown) => this.options.onSnapshotError?.(error, streamName));
  }

  private toAppend(event: DomainEvent, id: string, context: CommandContext): EventToAppend {
    const metadata: EventMetadata = {
      correlationId: context.correlationId,
      causationId: context.causationId,
      actor: context.actor,
      occurredAt: context.now,
      schemaVersion: this.options.schema.currentVersion(event.type),
    };
    if (context.idempotencyKey) metadata.idempotencyKey = context.idempotencyKey;
    return { id, type: event.type, data: event.data as Record<string, unknown>, metadata };
  }
}

/** A deterministic id for something created by a request with an idempotency key (e.g. a new order id). */
export { derivedId };

/**
 * A creation has no revision for If-Match to name, nor a current representation for `*` to
 * match, so the condition never holds (RFC 9110):
 * refused before a command that writes several streams writes the first.
 */
export const refuseIfMatch = (context: CommandContext, what: string) => {
  if (context.ifMatch !== undefined || context.ifExists) throw new PreconditionFailedError(`${what} has no revision yet to match`, null);
};

const replayed = <State>(state: State, revision: number): Handled<State> => ({ state, revision, appended: [], replayed: true });

const preconditionFailed = (streamName: string, expected: number, actual: number | 'no_stream') =>
  new PreconditionFailedError(
    `${streamName} is at revision ${actual === 'no_stream' || actual < 0 ? 'none' : actual}, not ${expected}`,
    actual === 'no_stream' || actual < 0 ? null : actual,
  );

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt) * Math.random()));
