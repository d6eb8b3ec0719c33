import type { Logger } from 'pino';
import type { CriticalPath } from '../critical-path.js';
import { Signal } from '../signal.js';
import { inBatches } from './batches.js';
import { UnrecoverableReadError, type EventStore, type EventSubscription, type RecordedEvent } from './event-store.js';

/**
 * Follows `$all` from a checkpoint and hands batches of events to a handler, in order:
 * pages through the log to catch up, then follows the live subscription. When the handler
 * throws, the same events are offered again after a back-off, so nothing is skipped.
 * The handler decides what "done" means (and stores its own checkpoint); the follower
 * only tracks the position it reached.
 *
 * Status: `catching-up` while it pages through what the log held when it started (or took
 * over), `live` once the subscription delivers (however far behind a load leaves it); `retrying` while it resubscribes
 * after losing its server; `failing` while a batch keeps failing and is offered again;
 * `failed` after an error that trying again cannot mend (UnrecoverableReadError: the
 * server refuses the read, an event cannot be read): the follower stops there, logs it,
 * and `lastError` says why until a restart.
 */

export type FollowerStatus = 'starting' | 'catching-up' | 'live' | 'retrying' | 'failing' | 'failed' | 'stopped';

/** `live`, or e.g. `retrying: UnavailableError: ...`: the status with the error behind it, for operators. */
export const statusLine = ({ status, lastError }: { status: FollowerStatus; lastError?: string | undefined }): string =>
  (status === 'retrying' || status === 'failing' || status === 'failed') && lastError ? `${status}: ${lastError}` : status;

export type BatchHandler = (events: RecordedEvent[]) => Promise<void>;

/** Thrown by a handler whose checkpoint was moved back (a rebuild swapped its read model in): follow again from there. */
export class RewindTo extends Error {
  constructor(readonly position: number) {
    super(`rewinding to position ${position}`);
    this.name = 'RewindTo';
  }
}

/**
 * Thrown by a handler that may not go on (another process took its lease over): the follower
 * stops where it is, as if stopped, and `lastError` says why.
 */
export class StopFollowing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopFollowing';
  }
}

const YIELD_AFTER_MS = 10;

/**
 * How long the current turn of the event loop has been running this follower's work: from
 * its first batch in the turn (an unbroken chain of promises), not from the last time it
 * yielded. A follower that was idle for a while must not take its next live batch for a
 * long chain and wait a turn behind every request that came in meanwhile.
 */
class TurnClock {
  private startedAt = 0;
  private inTurn = false;

  /** Ms this turn's chain has run so far (0 for the first batch of a turn). */
  elapsed(): number {
    const now = performance.now();
    if (this.inTurn) return now - this.startedAt;
    this.restart(now);
    return 0;
  }

  /** A new chain starts (after a yield). */
  restart(now = performance.now()): void {
    this.inTurn = true;
    this.startedAt = now;
    setImmediate(() => (this.inTurn = false));
  }
}

type Waiter = { position: number; done: (reached: boolean) => void };

/**
 * Where a follower's batches go on the process's critical path (see CriticalPath). With
 * `critical`, a critical follower: tracked while it runs, and its batches that `critical`
 * says it reacts to run as critical work. Without, a background follower: its live batches
 * wait for the critical followers and the critical work of the moment.
 */
export type FollowerLane = { path: CriticalPath; critical?: (events: readonly RecordedEvent[]) => boolean };

export class LogFollower {
  private readonly stopping = new Signal();
  /** Callers of waitFor: each is answered once, by the batch that reaches its position, its timeout, or stop. */
  private waiters: Waiter[] = [];
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private state: FollowerStatus = 'starting';
  private error: string | undefined;
  /** The error behind `error` (its causes say what failed: a damaged file, by SQLite's code). */
  private failure: unknown;

  private position = 0;
  private readonly turn = new TurnClock();

  constructor(
    private readonly eventStore: EventStore,
    private readonly logger: Logger,
    private readonly batchSize = 500,
    private readonly lane?: FollowerLane,
  ) {}

  get checkpoint(): number {
    return this.position;
  }

  get status(): FollowerStatus {
    return this.state === 'live' && this.subscription?.retrying !== undefined ? 'retrying' : this.state;
  }

  /** What went wrong last: the subscription's drop while retrying, else the last failure. */
  get lastError(): string | undefined {
    return this.status === 'retrying' ? this.subscription?.retrying : this.error;
  }

  /** The last failure itself, with its causes (while `failing` or once `failed`). */
  get lastFailure(): unknown {
    return this.state === 'failing' || this.state === 'failed' ? this.failure : undefined;
  }

  get caughtUp(): boolean {
    return this.status === 'live';
  }

  /** Follows the log from just after `fromPosition` (a checkpoint), in the background. */
  start(fromPosition: number, handle: BatchHandler): void {
    this.stopped = false;
    this.position = fromPosition;
    const lane = this.lane;
    const untrack = lane?.critical ? lane.path.track({ position: () => this.position, live: () => !this.stopped && this.status === 'live' }) : undefined;
    this.running = this.loop(handle).finally(() => untrack?.());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.lane?.path.moved();
    await this.subscription?.close();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.done(false);
    this.stopping.notify();
    await this.running;
  }

  /** Stopped from inside (see StopFollowing): whoever waits is answered now. */
  private halt(reason: string): void {
    this.stopped = true;
    this.state = 'stopped';
    this.error = reason;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.done(false);
  }

  /** Resolves true once `position` has been handled, false after `timeoutMs` or on stop. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    if (this.stopped || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        done: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private async loop(handle: BatchHandler): Promise<void> {
    while (!this.stopped) {
      try {
        this.state = 'catching-up';
        await this.catchUp(handle);
        // Stopped while catching up: stop() closed what subscription there was, so open none.
        if (this.stopped) break;
        this.state = 'live';
        await this.follow(handle);
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof RewindTo) {
          this.position = error.position;
          continue;
        }
        if (error instanceof StopFollowing) {
          this.halt(error.message);
          break;
        }
        this.error = error instanceof Error ? error.message : String(error);
        this.failure = error;
        // No longer live: background batches waiting for it look again.
        this.lane?.path.moved();
        if (error instanceof UnrecoverableReadError) {
          this.state = 'failed';
          this.logger.fatal({ err: error, position: this.position }, 'following the log failed for good; stopped (restart once mended)');
          break;
        }
        this.failures += 1;
        this.state = 'failing';
        this.logger.error({ err: error, failures: this.failures }, 'handling a batch of events failed; retrying');
        await this.sleep(Math.min(30_000, 100 * 2 ** Math.min(this.failures, 9)), this.stopping);
      }
    }
  }

  /**
   * Pages through the log up to its end as it was when catching up began, or until a page ends
   * before its size (the end as that page was read); the live subscription (from the position
   * handled) then takes what came since, however much. Paging on until a page came back empty
   * kept a follower `catching-up` for as long as appends came faster than it read them (a
   * probe: the order saga taken over under a saturating load, which it shares the event loop
   * with, and which its own reactions add to: /ready 503 for 10 to 50 s after a restart).
   */
  private async catchUp(handle: BatchHandler): Promise<void> {
    const end = await this.eventStore.headPosition();
    for (;;) {
      const page = await this.eventStore.readAll({ fromPosition: this.position, maxCount: this.batchSize });
      const fresh = page.filter((event) => event.position > this.position);
      if (fresh.length === 0 || this.stopped) return;
      await this.handled(handle, fresh);
      if (page.length < this.batchSize || this.position >= end) return;
    }
  }

  private async follow(handle: BatchHandler): Promise<void> {
    this.subscription = this.eventStore.subscribeToAll({ fromPosition: this.position });
    try {
      const batches = this.subscription.batches?.(this.batchSize) ?? inBatches(this.subscription, this.batchSize);
      for await (const batch of batches) {
        if (this.stopped) break;
        const fresh = batch.filter((event) => event.position > this.position);
        if (fresh.length > 0) await this.handled(handle, fresh);
      }
    } finally {
      await this.subscription.close();
    }
  }

  private handled(handle: BatchHandler, events: RecordedEvent[]): Promise<void> {
    const lane = this.lane;
    if (lane?.critical?.(events)) return lane.path.critical(() => this.handledNow(handle, events));
    return this.handledNow(handle, events, lane && !lane.critical && this.state === 'live' ? lane.path : undefined);
  }

  /** `background`: a live batch of a background follower, which waits for its turn (see CriticalPath). */
  private async handledNow(handle: BatchHandler, events: RecordedEvent[], background?: CriticalPath): Promise<void> {
    if (background) {
      await background.background(events[events.length - 1]!.position);
      // Stopped meanwhile: the batch is the next holder's (or the next start's), as one not yet delivered.
      if (this.stopped) return;
    }
    if (this.turn.elapsed() > YIELD_AFTER_MS) {
      // The embedded stores answer synchronously, so catching up on a long log would otherwise
      // run as one unbroken chain of promises: after ~10 ms of it, let the server answer requests.
      await new Promise((resolve) => setImmediate(resolve));
      this.turn.restart();
    }
    await handle(events);
    this.position = events[events.length - 1]!.position;
    this.failures = 0;
    if (this.waiters.length > 0) this.release();
    if (this.lane?.critical) this.lane.path.moved();
  }

  /** Answers every waiter whose position is now reached; the others keep waiting. */
  private release(): void {
    const reached: Waiter[] = [];
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) (waiter.position <= this.position ? reached : waiting).push(waiter);
    this.waiters = waiting;
    for (const waiter of reached) waiter.done(true);
  }

  private async sleep(ms: number, wake: Signal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([wake.wait(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}
