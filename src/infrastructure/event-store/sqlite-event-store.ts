import Database from 'better-sqlite3';
import { Signal } from '../signal.js';
import { BUSY_SLICE_MS, DEFAULT_LOCK_WAIT_MS, isBusy } from '../sqlite-write-lock.js';
import { CrossProcessWake } from './cross-process-wake.js';
import { LocalTail } from './local-tail.js';
import { SCHEMA, prepareStatements, toRecorded, type Statements } from './sqlite-event-statements.js';
import { SqliteSubscription } from './sqlite-subscription.js';
import {
  IdempotencyViolationError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from './event-store.js';
import { privateDatabaseFile } from '../private-files.js';

/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an
 * acknowledged append survives a power cut.
 *
 * Group commit: appends that arrive while the event loop is busy are queued and written
 * by one transaction (one fsync) on the next turn of the loop. Each append runs inside
 * its own savepoint, so one append's failure (a wrong expected revision) never touches
 * its neighbours in the batch.
 */

export type SqliteEventStoreOptions = {
  /** A file path, or ':memory:' for tests that need no durability. */
  path: string;
  /**
   * How often a waiting subscriber looks for appends made by other processes (ms): the
   * fallback behind the commit bell (see CrossProcessWake), which wakes it at once. Default
   * 1000 once the bell is heard here, 100 until then (or when it cannot be). Appends in this
   * process wake subscribers at once.
   */
  crossProcessPollMs?: number;
  /** Ring and listen to the commit bell (`<path>-wake`, see CommitBell). Default true; false leaves other processes to the poll. */
  crossProcessWake?: boolean;
  /** Upper bound of appends committed by one transaction. */
  maxBatch?: number;
  /** How long appends wait for another process to let go of the file's write lock before they fail (SQLITE_BUSY). */
  lockWaitMs?: number;
};


type PendingAppend = {
  streamName: string;
  events: readonly EventToAppend[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
  /** The events as stored, once written (for the local tail). */
  recorded?: RecordedEvent[];
};


export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly appended = new Signal();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly elsewhere: CrossProcessWake;
  /** Set while the pending appends wait for another process to let go of the file's write lock. */
  private lockWait: { since: number; pause: number } | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly tail = new LocalTail();
  /** The data_version the local tail is valid for: another process's commit changes it. */
  private tailDataVersion = 0;
  private tailCheckedThisTurn = false;
  private commitsSeen = 0;
  /** Commits by any embedded event store of this process. */
  private static commitsInProcess = 0;
  private readonly dataVersionStatement: Database.Statement;
  private closed = false;
  private readonly maxBatch: number;
  private readonly lockWaitMs: number;
  /** Transactions committed by the group commit: appends per commit is the batching factor. */
  commitCount = 0;

  constructor(options: SqliteEventStoreOptions) {
    privateDatabaseFile(options.path);
    this.db = new Database(options.path);
    // Opening may wait for processes opening the file at the same moment (WAL mode, the schema): blocking is fine here.
    this.db.pragma(`busy_timeout = ${DEFAULT_LOCK_WAIT_MS}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    // From now on a short wait inside SQLite only: a longer one is waited for off the event loop (see sqlite-write-lock.ts).
    this.db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
    this.maxBatch = options.maxBatch ?? 1000;
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
    this.statements = prepareStatements(this.db);
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.tailDataVersion = this.readDataVersion();
    this.elsewhere = new CrossProcessWake(
      { path: options.path, bell: options.crossProcessWake !== false && isFile(options.path), pollMs: options.crossProcessPollMs },
      {
        dataVersion: () => this.readDataVersion(),
        appended: this.appended,
        // The local tail may have been checked earlier in this turn, before that commit was known.
        changedElsewhere: () => (this.tailCheckedThisTurn = false),
      },
    );
  }

  // ---------------------------------------------------------------- append

  /** Ids already in the stream are found wherever they are (an index): `lookBack` is not needed here. */
  appendToStream(streamName: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (events.length === 0) return Promise.reject(new RangeError('an append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.queue.push({ streamName, events, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.flushSoon();
    });
  }

  /** Writes every queued append in one transaction: one fsync for the whole batch. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.lockTimer) return; // the batch waiting for the lock goes first; these follow it
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: AppendResult } | { error: unknown }> = [];
    const recordedAt = new Date().toISOString();
    try {
      this.db.transaction(() => {
        for (const pending of batch) {
          try {
            // A nested transaction is a savepoint: a failed append rolls back alone.
            outcomes.push({ ok: this.db.transaction(() => this.appendNow(pending, recordedAt))() });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      }).immediate(); // The write lock first: another process's commit makes a read turned write fail at once (SQLITE_BUSY).
    } catch (error) {
      if (isBusy(error) && this.waitForLock(batch)) return;
      this.lockWait = undefined;
      for (const pending of batch) pending.reject(error);
      this.flushSoon();
      return;
    }
    if (this.lockWait) {
      // Appends queued while the lock was waited for, beyond what this batch took.
      this.lockWait = undefined;
      this.flushSoon();
    }
    this.commitCount += 1;
    SqliteEventStore.commitsInProcess += 1;
    this.commitsSeen = SqliteEventStore.commitsInProcess;
    // Before any append is answered: whoever learns of it (and then kills this process) finds the others told.
    if (outcomes.some((outcome) => 'ok' in outcome && !outcome.ok.repeated)) this.elsewhere.committed();
    for (const [i, pending] of batch.entries()) if ('ok' in outcomes[i]! && pending.recorded) this.tail.appended(pending.recorded);
    // A refused append may have decided on a tail another process had moved: look again.
    if (outcomes.some((outcome) => 'error' in outcome)) this.tailCheckedThisTurn = false;
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if ('ok' in outcome) pending.resolve(outcome.ok);
      else pending.reject(outcome.error);
    });
    this.appended.notify();
  }

  /**
   * Another process holds the file's write lock (for a moment, or stopped inside a write):
   * the batch is tried again from a timer, with a growing pause, for up to
   * `lockWaitMs` in all (10 s by default), rather than waited for in SQLite's busy handler, which
   * would stop this whole process meanwhile. Appends made in the meantime queue behind it.
   * False once it has waited that long.
   */
  private waitForLock(batch: PendingAppend[]): boolean {
    const wait = (this.lockWait ??= { since: Date.now(), pause: 1 });
    if (this.closing || Date.now() - wait.since >= this.lockWaitMs) return false;
    wait.pause = Math.min(wait.pause * 2, 100);
    this.queue = [...batch, ...this.queue];
    this.lockTimer = setTimeout(() => {
      this.lockTimer = undefined;
      this.flush();
    }, wait.pause);
    return true;
  }

  private flushSoon(): void {
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private appendNow(pending: PendingAppend, recordedAt: string): AppendResult {
    const { streamName, events, expected } = pending;
    const alreadyWritten = this.findRepeat(streamName, events);
    if (alreadyWritten) return alreadyWritten;
    const current = this.statements.lastRevision.get(streamName)?.revision ?? -1;
    this.checkExpected(streamName, expected, current);
    let revision = current;
    const recorded: RecordedEvent[] = [];
    for (const event of events) {
      revision += 1;
      recorded.push(this.insert(streamName, revision, event, recordedAt));
    }
    pending.recorded = recorded;
    return { nextExpectedRevision: revision, position: recorded[recorded.length - 1]!.position, repeated: false };
  }

  /** Inserts one event; returns it as stored (a copy: the caller's objects may change after this). */
  private insert(streamName: string, revision: number, event: EventToAppend, recordedAt: string): RecordedEvent {
    try {
      const data = JSON.stringify(event.data);
      const metadata = JSON.stringify(event.metadata);
      const info = this.statements.insert.run(streamName, revision, event.id, event.type, data, metadata, recordedAt);
      const position = Number(info.lastInsertRowid);
      return toRecorded({ position, stream_name: streamName, revision, event_id: event.id, type: event.type, data, metadata, recorded_at: recordedAt });
    } catch (error) {
      // An id already in the stream, past the first of the batch: ids reused for a different batch.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new IdempotencyViolationError(streamName);
      throw error;
    }
  }

  private checkExpected(streamName: string, expected: ExpectedRevision, current: number): void {
    const actual = current < 0 ? 'no_stream' : current;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current < 0) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersionError(streamName, expected, actual);
  }

  /**
   * The batch written before (see the port): its ids consecutive in the stream, in order,
   * from its first. Some ids there but not so: ids reused for another batch. None: undefined.
   */
  private findRepeat(streamName: string, events: readonly EventToAppend[]): AppendResult | undefined {
    const found = events.map((event) => this.statements.eventById.get(streamName, event.id));
    if (found.every((row) => row === undefined)) return undefined;
    const start = found[0]?.revision;
    if (start === undefined || found.some((row, i) => row?.revision !== start + i)) throw new IdempotencyViolationError(streamName);
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, repeated: true };
  }

  // ---------------------------------------------------------------- read

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.readStreamSync(streamName, options);
  }

  readStreamSync(streamName: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    // "Anything after revision r?" about a stream this process wrote last: no, without asking SQLite.
    if (options.direction !== 'backwards' && options.fromRevision !== undefined && this.localTail()) {
      const known = this.tail.revisionOf(streamName);
      if (known !== undefined && options.fromRevision > known) return [];
    }
    const rows =
      options.direction === 'backwards'
        ? this.statements.streamBackwards.all(streamName, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.statements.streamForwards.all(streamName, options.fromRevision ?? 0, maxCount);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options);
  }

  readAllSync(options: ReadAllOptions = {}): RecordedEvent[] {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction !== 'backwards' && this.localTail()) {
      const recent = this.tail.readAll(options.fromPosition ?? 0, maxCount);
      if (recent) return recent;
    }
    const rows =
      options.direction === 'backwards'
        ? this.statements.allBackwards.all(options.fromPosition ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.statements.allForwards.all(options.fromPosition ?? 0, maxCount);
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<number> {
    return this.statements.head.get()?.position ?? 0;
  }

  async countEventsAfter(position: number, limit: number): Promise<number> {
    return this.statements.countAfter.get(position, limit)!;
  }

  // ---------------------------------------------------------------- subscribe

  subscribeToAll(options: SubscribeToAllOptions = {}): EventSubscription {
    const subscription = new SqliteSubscription(this, options.fromPosition ?? 0, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Resolves on the next append in this process or, through the commit bell or the poll, in another one. */
  waitForAppend(): Promise<void> {
    if (!this.closed) this.elsewhere.waiting();
    return this.appended.wait();
  }

  wake(): void {
    this.appended.notify();
  }

  /**
   * The local tail, cleared first if another process wrote to the file since it was built.
   * Looked at once per turn of the event loop: another process's commit can only become
   * known here through an I/O event, in a later turn. A turn here ends at the next
   * setImmediate, which an I/O callback can come before: the commit bell's ring (or the
   * poll finding a commit) has the tail looked at again at once. (A command deciding on a
   * tail a turn old still appends with its expected revision, which SQLite checks.)
   */
  private localTail(): LocalTail {
    // Another store of this process committing counts at once (tests and tools open several).
    if (this.tailCheckedThisTurn && this.commitsSeen === SqliteEventStore.commitsInProcess) return this.tail;
    this.commitsSeen = SqliteEventStore.commitsInProcess;
    if (!this.tailCheckedThisTurn) {
      this.tailCheckedThisTurn = true;
      setImmediate(() => (this.tailCheckedThisTurn = false));
    }
    const version = this.readDataVersion();
    if (version !== this.tailDataVersion) {
      this.tail.clear();
      this.tailDataVersion = version;
    }
    return this.tail;
  }

  /** Changes whenever another connection commits to the file. */
  private readDataVersion(): number {
    return this.dataVersionStatement.get() as number;
  }

  /** Reads a pragma's value (for diagnostics and tests). */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  // ---------------------------------------------------------------- lifecycle

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends still waiting for another process's lock get one last try, then fail: nothing waits past the close.
    clearTimeout(this.lockTimer);
    this.lockTimer = undefined;
    this.closing = true;
    this.flush();
    this.closed = true;
    this.elsewhere.close();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

const isFile = (path: string) => path !== '' && path !== ':memory:' && !path.startsWith('file:');
