import { afterLockPause, DEFAULT_LOCK_WAIT_MS, isBusy } from '../sqlite-write-lock.js';
import type { AppendResult, RecordedEvent } from './event-store.js';
import { failureError, type AppendOutcome, type AppendRequest } from './sqlite-commit.js';
import { toRecorded } from './sqlite-event-statements.js';

type PendingAppend = {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

export type GroupCommitOptions = {
  /** Commits a batch (in the commit thread, or on the store's connection). */
  commit: (requests: AppendRequest[], recordedAt: string) => Promise<AppendOutcome[]>;
  /** After a batch is committed, before any of its appends is answered: the events it wrote, an array per append that wrote any. */
  committed: (written: RecordedEvent[][]) => void;
  /** After the batch's appends are answered. */
  answered: () => void;
  /** Upper bound of appends committed by one transaction. */
  maxBatch: number;
  /** How long appends wait for another process to let go of the file's write lock before they fail (SQLITE_BUSY). */
  lockWaitMs?: number;
};

/**
 * The embedded event store's queue of appends: appends that arrive while the event loop is
 * busy, or while the last batch is being committed, wait here and are written by one
 * transaction (one fsync), one batch at a time, in the order they came.
 */
export class GroupCommit {
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** Set while the pending appends wait for another process to let go of the file's write lock. */
  private lockWait: { since: number; attempts: number } | undefined;
  /** Cancels the retry of the batch that waits for the lock (set while it waits). */
  private lockTimer: (() => void) | undefined;
  private closing = false;
  /** Set while the WAL's checkpoint holds the batches (see WalRestart). */
  private held = false;
  /** The batch on its way. */
  private committing: Promise<void> | undefined;
  /** Transactions committed: appends per commit is the batching factor. */
  commitCount = 0;

  constructor(private readonly options: GroupCommitOptions) {}

  /** Whether a batch is on its way (committed perhaps, but not yet answered). */
  get busy(): boolean {
    return this.committing !== undefined;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('event store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flush();
      else this.flushSoon();
    });
  }

  /**
   * Holds the batches after the one on its way (see WalRestart): appends queue meanwhile, on
   * no timer and with nothing of the event loop held. Resolves once none is on its way.
   */
  hold(): Promise<void> {
    // A closing queue is written out now: held, its close would loop on the queue until the release.
    if (this.closing) return Promise.resolve();
    this.held = true;
    return this.committing ?? Promise.resolve();
  }

  /** Lets the queued appends go, as one batch. */
  release(): void {
    this.held = false;
    this.flushSoon();
  }

  /** Refuses new appends, gives those still waiting for another process's lock one last try, and resolves once every queued one is answered. */
  async close(): Promise<void> {
    this.lockTimer?.();
    this.lockTimer = undefined;
    this.closing = true;
    this.held = false;
    await this.committing;
    while (this.queue.length > 0) {
      this.flush();
      await this.committing;
    }
  }

  /** Writes the queued appends (up to maxBatch) in one transaction: one fsync for the whole batch. */
  private flush(): void {
    this.flushScheduled = false;
    // A batch on its way, or waiting for the lock, goes first; these follow it.
    if (this.lockTimer || this.committing || this.held) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    const recordedAt = new Date().toISOString();
    this.committing = this.options
      .commit(
        batch.map((pending) => pending.request),
        recordedAt,
      )
      .then(
        (outcomes) => this.committed(batch, outcomes, recordedAt),
        (error: unknown) => this.notCommitted(batch, error),
      )
      .finally(() => {
        this.committing = undefined;
        this.flushSoon();
      });
  }

  private committed(batch: PendingAppend[], outcomes: AppendOutcome[], recordedAt: string): void {
    this.lockWait = undefined;
    this.commitCount += 1;
    this.options.committed(batch.map((pending, i) => recordedOf(pending.request, outcomes[i]!, recordedAt)).filter((events) => events.length > 0));
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if ('ok' in outcome) pending.resolve(outcome.ok);
      else pending.reject(failureError(outcome.failed));
    });
    this.options.answered();
  }

  private notCommitted(batch: PendingAppend[], error: unknown): void {
    if (isBusy(error) && this.waitForLock(batch)) return;
    this.lockWait = undefined;
    for (const pending of batch) pending.reject(error);
  }

  /**
   * Another process holds the file's write lock (for a moment, or stopped inside a write):
   * the batch is tried again on the next turns of the loop, then from a timer with a growing
   * pause (afterLockPause), for up to
   * `lockWaitMs` in all (10 s by default), rather than waited for in SQLite's busy handler, which
   * would stop this whole process (or the commit thread, and with it the close) meanwhile.
   * Appends made in the meantime queue behind it. False once it has waited that long.
   */
  private waitForLock(batch: PendingAppend[]): boolean {
    const wait = (this.lockWait ??= { since: Date.now(), attempts: 0 });
    if (this.closing || Date.now() - wait.since >= (this.options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS)) return false;
    this.queue = [...batch, ...this.queue];
    this.lockTimer = afterLockPause(wait.attempts++, () => {
      this.lockTimer = undefined;
      this.flush();
    });
    return true;
  }

  private flushSoon(): void {
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }
}

/** The events an append wrote, as stored (none when it failed or was written before). */
const recordedOf = (request: AppendRequest, outcome: AppendOutcome, recordedAt: string): RecordedEvent[] => {
  if (!('ok' in outcome) || !outcome.positions) return [];
  const { positions, firstRevision } = outcome;
  return request.events.map((event, i) =>
    toRecorded({ position: positions[i]!, stream_name: request.streamName, revision: firstRevision! + i, event_id: event.id, type: event.type, data: event.data, metadata: event.metadata, recorded_at: recordedAt }),
  );
};
