import Database from 'better-sqlite3';
import { Signal } from '../signal.js';
import { BUSY_SLICE_MS, DEFAULT_LOCK_WAIT_MS, whileBusy } from '../sqlite-write-lock.js';
import { CrossProcessWake } from './cross-process-wake.js';
import { LocalTail } from './local-tail.js';
import { SharedPages } from './shared-pages.js';
import { CommitThread } from './commit-thread.js';
import { WalCheckpointer, restartHolding } from '../wal/wal-checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { commitAppends, type AppendOutcome, type AppendRequest } from './sqlite-commit.js';
import { SCHEMA, fromColumns, prepareStatements, type Statements } from './sqlite-event-statements.js';
import { SqliteSubscription } from './sqlite-subscription.js';
import { CallbackCheck } from '../callback-check.js';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type EventToAppend,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  UnrecoverableReadError,
} from './event-store.js';
import { refuseForeignFile } from '../foreign-file.js';
import { FileDamage } from './file-damage.js';
import type { SqliteEventStoreOptions } from './sqlite-event-store-options.js';
import { narrowDatabaseFile, privateDatabaseFile } from '../private-files.js';
import { truncateWal } from '../wal/truncate-wal.js';

export type { SqliteEventStoreOptions } from './sqlite-event-store-options.js';

/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an
 * acknowledged append survives a power cut.
 *
 * Group commit: appends that arrive while the event loop is busy, or while the last batch
 * is being committed, are queued and written by one transaction (one fsync). Each append
 * runs inside its own savepoint, so one append's failure (a wrong expected revision) never
 * touches its neighbours in the batch (see sqlite-commit.ts). With `commitThread`, a file's
 * batches are committed by a thread of its own (CommitThread), so the event loop goes on
 * during the fsync; reads stay on this connection, which then writes nothing.
 */



export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly appended = new Signal();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly elsewhere: CrossProcessWake;
  private readonly thread: CommitThread | undefined;
  private readonly group: GroupCommit;
  /** Checkpoints the WAL from a thread of its own, when this connection commits (see WalCheckpointer). */
  private readonly checkpointer: WalCheckpointer | undefined;
  private readonly tail = new LocalTail();
  /** Pages of `$all` that followers catching up at once read from the file once between them. */
  private readonly pages = new SharedPages();
  /** The data_version the local tail is valid for: another process's commit changes it. */
  private tailDataVersion = 0;
  /** Whether this callback looked at the file for the local tail already (see localTail). */
  private readonly tailCheck = new CallbackCheck();
  private tailUsable = true;
  private commitsSeen = 0;
  /** Commits by any embedded event store of this process. */
  private static commitsInProcess = 0;
  private readonly dataVersionStatement: Database.Statement;
  private closed = false;
  private closeDone: Promise<void> | undefined;
  /** The file found damaged: nothing more is written to it (see FileDamage). */
  private readonly damage: FileDamage;

  constructor(options: SqliteEventStoreOptions) {
    this.damage = new FileDamage(options.path, options.onDamage);
    privateDatabaseFile(options.path);
    this.db = new Database(options.path);
    // Opening may wait for processes opening the file at the same moment (WAL mode, the schema): blocking is fine here.
    this.db.pragma(`busy_timeout = ${DEFAULT_LOCK_WAIT_MS}`);
    whileBusy(() => {
      // Before anything is written to it (WAL mode changes its header): another program's file is left as it was.
      refuseForeignFile(this.db, { events: ['position', 'stream_name', 'revision', 'event_id', 'type', 'data', 'metadata', 'recorded_at'] });
      narrowDatabaseFile(options.path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // What is deleted or moved is overwritten with zeros, not left in free pages (issue 17; every connection sets it).
      this.db.pragma('secure_delete = ON');
      this.db.exec(SCHEMA);
    });
    // From now on a short wait inside SQLite only: a longer one is waited for off the event loop (see sqlite-write-lock.ts).
    this.db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
    this.statements = prepareStatements(this.db);
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.tailDataVersion = this.readDataVersion();
    this.tail.clear(this.readHead());
    const bell = options.crossProcessWake !== false && isFile(options.path);
    const thread = (this.thread = options.commitThread && isFile(options.path) ? new CommitThread(options.path, bell ? `${options.path}-wake` : undefined) : undefined);
    const group = (this.group = new GroupCommit({
      commit: (requests, recordedAt) =>
        (thread ? thread.commit(requests, recordedAt) : this.commitHere(requests, recordedAt)).catch((error: unknown) => {
          throw this.damage.seen(error) ? this.damage.error : error;
        }),
      committed: (written) => this.committed(written),
      answered: () => this.appended.notify(),
      maxBatch: options.maxBatch ?? 1000,
      ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
    }));
    // The commit thread's connection checkpoints as it commits, off the event loop already.
    const restart = restartHolding(group, options.walRestartFrames);
    this.checkpointer = !thread && isFile(options.path) ? new WalCheckpointer({ path: options.path, synchronous: 'FULL', failed: () => this.checkpointHere(), restart }) : undefined;
    if (this.checkpointer) this.db.pragma('wal_autocheckpoint = 0');
    this.elsewhere = new CrossProcessWake(
      { path: options.path, bell, pollMs: options.crossProcessPollMs },
      {
        dataVersion: () => this.readDataVersion(),
        appended: this.appended,
        // The local tail may have been looked at earlier in this callback, before that commit was known.
        changedElsewhere: () => this.tailCheck.forget(),
      },
    );
    if (options.checkWholeFile && isFile(options.path)) this.damage.checkWholeFile();
  }

  // ---------------------------------------------------------------- append

  /** Ids already in the stream are found wherever they are (an index): `lookBack` is not needed here. */
  appendToStream(streamName: string, events: readonly EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    if (this.damage.error) return Promise.reject(this.damage.error);
    if (events.length === 0) return Promise.reject(new RangeError('an append needs at least one event'));
    let request: AppendRequest;
    try {
      // As JSON now: the caller's objects may change once this returns, and strings cross to the commit thread as they are.
      request = { streamName, expected: options.expectedRevision ?? 'any', events: events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) })) };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.group.append(request);
  }

  /** Transactions committed by the group commit: appends per commit is the batching factor. */
  get commitCount(): number {
    return this.group.commitCount;
  }

  private commitHere(requests: AppendRequest[], recordedAt: string): Promise<AppendOutcome[]> {
    try {
      return Promise.resolve(commitAppends(this.db, this.statements, requests, recordedAt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A batch is committed: the others are told and the local tail learns of it, before any append is answered. */
  private committed(written: RecordedEvent[][]): void {
    SqliteEventStore.commitsInProcess += 1;
    if (written.length > 0) this.checkpointer?.committed();
    this.commitsSeen = SqliteEventStore.commitsInProcess;
    // Before any append is answered: whoever learns of it (and then kills this process) finds the others told.
    // (The commit thread rang already, as soon as it had committed.)
    if (written.length > 0 && !this.thread) this.elsewhere.committed();
    for (const events of written) this.tail.appended(events);
    // A refused append may have decided on a tail another process had moved: look again.
    this.tailCheck.forget();
  }

  // ---------------------------------------------------------------- read

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    try {
      return this.readStreamSync(streamName, options);
    } catch (error) {
      throw this.damage.seen(error) ? this.damage.error : error;
    }
  }

  readStreamSync(streamName: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    // "Anything after revision r?" about a stream this process wrote last: no, without asking SQLite.
    const tail = options.direction !== 'backwards' && options.fromRevision !== undefined ? this.localTail() : undefined;
    if (tail && options.fromRevision !== undefined) {
      const known = tail.revisionOf(streamName);
      if (known !== undefined && options.fromRevision > known) return [];
    }
    const rows =
      options.direction === 'backwards'
        ? this.statements.streamBackwards.all(streamName, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.statements.streamForwards.all(streamName, options.fromRevision ?? 0, maxCount);
    return rows.map(fromColumns);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    try {
      return this.readAllSync(options);
    } catch (error) {
      // A damaged page: reading again finds it damaged again. Followers stop and say so (see the port).
      if (this.damage.seen(error)) throw new UnrecoverableReadError(error);
      throw error;
    }
  }

  readAllSync(options: ReadAllOptions = {}): RecordedEvent[] {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const tail = options.direction !== 'backwards' ? this.localTail() : undefined;
    if (tail) {
      const recent = tail.readAll(options.fromPosition ?? 0, maxCount);
      if (recent) return recent;
    }
    if (options.direction === 'backwards') return this.statements.allBackwards.all(options.fromPosition ?? Number.MAX_SAFE_INTEGER, maxCount).map(fromColumns);
    return this.pages.read(options.fromPosition ?? 0, maxCount, (from, count) => this.statements.allForwards.all(from, count).map(fromColumns));
  }

  async headPosition(): Promise<number> {
    // A damaged log is not ready (/ready asks this).
    this.damage.refuseIfDamaged();
    return this.readHead();
  }

  private readHead(): number {
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
   * The local tail, cleared first if another process wrote to the file since it was built;
   * undefined while that cannot be told (a batch of ours is on its way: the file's head may
   * be past the tail because of it), when the file must be read instead.
   * Looked at once per callback of the event loop (see CallbackCheck): another process's
   * commit can only become known here through I/O, which comes as a callback of its own. The
   * commit bell's ring (or the poll finding a commit) has the tail looked at again at once.
   * (A command deciding on an older tail still appends with its expected revision, which
   * SQLite checks.)
   * This connection's data_version changes with the commit thread's commits as much as with
   * another process's: the file's head tells them apart (the tail holds every position this
   * process wrote, and knows when another one wrote in between: see LocalTail.appended).
   */
  private localTail(): LocalTail | undefined {
    // Another store of this process committing counts at once (tests and tools open several).
    if (this.tailCheck.holds && this.commitsSeen === SqliteEventStore.commitsInProcess) return this.tailUsable ? this.tail : undefined;
    this.commitsSeen = SqliteEventStore.commitsInProcess;
    this.tailCheck.look();
    this.tailUsable = true;
    const version = this.readDataVersion();
    if (version === this.tailDataVersion) return this.tail;
    // The version first, then the head: a commit between the two shows in the head, and the tail is cleared for it.
    const head = this.readHead();
    if (head === this.tail.head) this.tailDataVersion = version;
    else if (this.group.busy) this.tailUsable = false;
    else {
      // Another process appended: its events, read once, extend the tail (see LocalTail.catchUp).
      this.tail.catchUp(head, (from, count) => this.statements.allForwards.all(from, count).map(fromColumns));
      this.tailDataVersion = version;
    }
    return this.tailUsable ? this.tail : undefined;
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

  async truncateJournal(): Promise<void> {
    await truncateWal(this.db, 'events.db');
  }

  close(): Promise<void> {
    return (this.closeDone ??= this.closeNow());
  }

  private async closeNow(): Promise<void> {
    // Appends still waiting for another process's lock get one last try, then fail: nothing waits past the close.
    await this.group.close();
    this.closed = true;
    this.elsewhere.close();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.thread?.close();
    await this.checkpointer?.close();
    await this.damage.close();
    this.db.close();
  }

  /** The checkpoint thread failed: this connection checkpoints again itself, at SQLite's default 1000 pages. */
  private checkpointHere(): void {
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

const isFile = (path: string) => path !== '' && path !== ':memory:' && !path.startsWith('file:');

