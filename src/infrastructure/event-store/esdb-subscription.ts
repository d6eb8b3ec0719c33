import {
  AccessDeniedError,
  InvalidArgumentError,
  NotFoundError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  UnsupportedError,
  type AllStreamResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import { UnrecoverableReadError, describeError, type EventSubscription, type RecordedEvent } from './event-store.js';
import { UnreadableEventError, isApplicationEvent, toClientPosition, toRecordedEvent } from './esdb-mapping.js';

export type Backoff = { initialMs: number; maxMs: number };

/** The part of the client's `$all` subscription the adapter relies on (a Node Readable). */
export type ClientSubscription = AsyncIterable<AllStreamResolvedEvent> & {
  unsubscribe(): Promise<void>;
  destroy(): unknown;
  /** The client emits `confirmation` once the server has accepted the subscription. */
  once?(event: 'confirmation', listener: () => void): unknown;
};

/** Opens a client subscription that starts after `after`, or at the start of `$all`. */
export type OpenSubscription = (after: Position | undefined) => ClientSubscription;

/** What the subscription logs through (a pino logger will do). */
export type SubscriptionLogger = { [level in 'info' | 'warn' | 'error']: (fields: object, message: string) => void };

/**
 * A catch-up subscription that survives drops: it resubscribes from the last delivered
 * position, which the server treats as exclusive, so no event is skipped or repeated.
 * Every drop is logged, and `retrying` names it until the server confirms a new
 * subscription. An error that a new subscription would only meet again (see
 * `isUnrecoverable`) ends the iteration with UnrecoverableReadError.
 */
export class EsdbSubscription implements EventSubscription {
  private after: number | undefined;
  private current: ClientSubscription | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  retrying: string | undefined;

  constructor(
    private readonly open: OpenSubscription,
    fromPosition: number | undefined,
    private readonly backoff: Backoff,
    private readonly onClose: () => void = () => {},
    private readonly logger?: SubscriptionLogger,
  ) {
    this.after = fromPosition;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let delay = this.backoff.initialMs;
    while (!this.closed) {
      let drop: unknown = new Error('the server ended the subscription');
      try {
        for await (const event of this.untilDropped()) {
          delay = this.backoff.initialMs;
          yield event;
        }
      } catch (error) {
        drop = error;
      }
      if (this.closed) return;
      if (isUnrecoverable(drop)) {
        this.logger?.error({ err: drop, after: this.after }, 'subscription to $all failed; not retrying');
        throw new UnrecoverableReadError(drop);
      }
      this.retrying = describeError(drop);
      this.logger?.warn({ err: drop, after: this.after, retryInMs: delay }, 'subscription to $all dropped; resubscribing');
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.backoff.maxMs);
    }
  }

  private async *untilDropped(): AsyncGenerator<RecordedEvent> {
    const subscription = this.open(this.after === undefined ? undefined : toClientPosition(this.after));
    this.current = subscription;
    subscription.once?.('confirmation', () => this.resumed());
    try {
      for await (const resolved of subscription) {
        if (!isApplicationEvent(resolved)) continue;
        const event = toRecordedEvent(resolved);
        // The server should never repeat an event after a resubscription; make sure of it.
        if (this.after !== undefined && event.position <= this.after) continue;
        this.after = event.position;
        this.resumed();
        yield event;
      }
    } finally {
      this.current = undefined;
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  private resumed(): void {
    if (this.retrying === undefined) return;
    this.retrying = undefined;
    this.logger?.info({ after: this.after }, 'subscription to $all resumed');
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

/** gRPC status codes (see @grpc/grpc-js `status`) that the same request would meet again. */
const LASTING_STATUS = new Set([
  3, // INVALID_ARGUMENT, e.g. a position that is not the start of a record ("Trying to read from an invalid position.")
  5, // NOT_FOUND
  7, // PERMISSION_DENIED
  9, // FAILED_PRECONDITION (a deleted stream)
  11, // OUT_OF_RANGE
  12, // UNIMPLEMENTED
  15, // DATA_LOSS
  16, // UNAUTHENTICATED
]);

/**
 * A `$all` read (not a subscription) from a position that is no record's start: the server
 * (v24.10 Enumerator.ReadAll*) has no status for ReadAllResult.InvalidPosition and sends
 * UNKNOWN "Unexpected ReadAllResult: InvalidPosition" (RpcExceptions.UnknownError), which
 * reads as transient by its code alone. A subscription sends INVALID_ARGUMENT instead.
 */
const REFUSED_READ_POSITION = /\b(?:Filtered)?ReadAllResult: InvalidPosition\b/;
const UNKNOWN = 2;

/**
 * Errors that resubscribing cannot mend. The client turns a gRPC error into a typed one
 * only when the server names it (`exception` metadata) or for a few status codes; the
 * rest (INVALID_ARGUMENT, PERMISSION_DENIED without metadata...) arrive as UnknownError
 * carrying the status `code`, so the code decides, and for UNKNOWN the server's words.
 * NotLeaderError comes with NOT_FOUND but heals: the client reconnects to the new leader.
 * Everything else (unavailable, timeouts, a cancelled call, unknown) is worth another try.
 */
export const isUnrecoverable = (error: unknown): boolean => {
  if (error instanceof NotLeaderError) return false;
  if (
    error instanceof AccessDeniedError ||
    error instanceof NotFoundError ||
    error instanceof StreamNotFoundError ||
    error instanceof StreamDeletedError ||
    error instanceof InvalidArgumentError ||
    error instanceof UnsupportedError ||
    error instanceof UnreadableEventError ||
    error instanceof RangeError ||
    error instanceof TypeError
  ) {
    return true;
  }
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === UNKNOWN) return typeof message === 'string' && REFUSED_READ_POSITION.test(message);
  return typeof code === 'number' && LASTING_STATUS.has(code);
};
