import Database from 'better-sqlite3';
import { indexConflict } from './document-index.js';
import { stageIndex } from './embedded-add-index.js';
import { EmbeddedCollection, stageOperation } from './embedded-collection.js';
import { EmbeddedLoader } from './embedded-loader.js';
import { WalCheckpointer, restartHolding } from '../wal/wal-checkpointer.js';
import { CHANGES_KEPT, prepareStoreStatements, type StoreStatements } from './embedded-statements.js';
import { openDocumentsFile } from './embedded-documents-file.js';
import type { Staging } from './embedded-staging.js';
import { stageGroup, WriteGroups, type GroupedWrite, type Outcome } from './embedded-write-groups.js';
import { EmbeddedMemory } from './embedded-memory.js';
import { WalFile, WalSync } from './embedded-wal-sync.js';
import { WriteView } from './embedded-write-view.js';
import { WarmUps } from './embedded-warm-up.js';
import {
  loadOperation,
  type Document,
  type IndexSpec,
  type LoadedDocument,
  type ReadModelCollection,
  type Replacement,
  type WarmedBeforeSwap,
  type ReadModelStore,
  type WriteOperation,
  type WriteOptions,
} from './read-model-store.js';
import { inImmediateTransaction } from '../sqlite-transaction.js';
import { WriteLockQueue } from '../sqlite-write-lock.js';
import { truncateWal } from '../wal/truncate-wal.js';

/**
 * The embedded read-model store: documents persisted as JSON in one SQLite file and served
 * from memory, with MongoDB's query and update language evaluated by mingo. Writes commit on
 * the event loop, those of one tick in one transaction (see WriteGroups), without an fsync
 * (WAL, `synchronous = NORMAL`); a durable one resolves once the WAL is synced, off the event
 * loop and in groups (see WalSync). Like MongoDB's default read concern, readers may see a
 * durable write before it is on disk.
 *
 * Several processes may share the file (the server and the command-line tools): every
 * write transaction stamps the collections it touched with a new version, and a reader
 * that sees the file change (`PRAGMA data_version`) reloads the collections whose
 * version moved. Writes take SQLite's write lock first (BEGIN IMMEDIATE), so a write
 * is always computed against the latest documents.
 */

export type EmbeddedReadModelStoreOptions = {
  path: string;
  /** Documents of collections not loaded in memory kept after an `_id` lookup (a product page, a cart). */
  cachedDocuments?: number;
  /** How long a write waits for another process to let go of the file's write lock before it fails (SQLITE_BUSY). */
  lockWaitMs?: number;
  /** How the WAL is made durable (tests delay it or make it fail); by default an fdatasync of the WAL file (see WalFile). */
  syncWal?: () => Promise<void>;
  /** Frames in the WAL at which a checkpoint holds the writes for a moment so that the WAL starts over (see WalRestart). */
  walRestartFrames?: number;
  /** How often the store looks for a rebuild asking it to load a collection before its swap (0: never; see WarmUps). */
  warmPollMs?: number;
};

export class EmbeddedReadModelStore implements ReadModelStore {
  private readonly db: Database.Database;
  private readonly sql: StoreStatements;
  private readonly lock: WriteLockQueue;
  /** Writes load()'s documents from a thread of its own. */
  private readonly loader: EmbeddedLoader;
  /** False for a `:memory:` store, which the loader thread's connection cannot reach. */
  private readonly inFile: boolean;
  /** What is held of the file in memory, and kept current with it (see EmbeddedMemory). */
  readonly memory: EmbeddedMemory;
  /** The documents as a write sees them while it stages (see WriteView). */
  readonly writes: WriteView;
  /** Durable writes wait here for their fsync, in groups. */
  readonly durability: WalSync;
  private readonly walFile: WalFile;
  /** Checkpoints the WAL from a thread of its own (see WalCheckpointer); none without a WAL. */
  private readonly checkpointer: WalCheckpointer | undefined;
  /** The writes of a tick, committed together (see WriteGroups). */
  private readonly groups = new WriteGroups((group) => this.lock.run(() => this.writeGroup(group)));
  /** Collections loaded ahead of their queries: at start, before a rebuild's swap (see WarmUps). */
  private readonly warmUps: WarmUps;
  /** Transactions that committed writes (writes per transaction is the grouping factor). */
  commitCount = 0;

  constructor(options: EmbeddedReadModelStoreOptions) {
    const { db, wal } = openDocumentsFile(options.path);
    this.db = db;
    this.loader = new EmbeddedLoader(options.path);
    this.lock = new WriteLockQueue(options.lockWaitMs);
    this.walFile = new WalFile(options.path);
    this.inFile = wal;
    // Checkpoints from a thread of its own, a moment after commits, not inside a commit on the event loop (see WalCheckpointer).
    const restart = restartHolding(this.lock, options.walRestartFrames);
    this.checkpointer = wal ? new WalCheckpointer({ path: options.path, synchronous: 'NORMAL', failed: () => this.checkpointHere(), restart }) : undefined;
    if (this.checkpointer) this.db.pragma('wal_autocheckpoint = 0');
    this.durability = new WalSync(options.syncWal ?? (wal ? () => this.walFile.sync() : async () => undefined));
    this.sql = prepareStoreStatements(this.db);
    this.memory = new EmbeddedMemory(this.db, this.sql, options.cachedDocuments ?? 10_000);
    this.writes = new WriteView(this.memory);
    this.warmUps = new WarmUps(this.db, this.lock, this.memory, () => this.checkpointer?.committed(), options.warmPollMs);
  }

  warmUp(): Promise<string[]> {
    return this.warmUps.warmUp();
  }

  warmBeforeSwap(replacements: readonly Replacement[], waitMs: number): Promise<WarmedBeforeSwap> {
    return this.warmUps.beforeSwap(replacements, waitMs);
  }

  collection<T extends Document = Document>(name: string): ReadModelCollection<T> {
    return new EmbeddedCollection<T>(this, name);
  }

  async bulkWrite(operations: readonly WriteOperation[], options: WriteOptions = {}): Promise<void> {
    await this.write((staging) => {
      for (const operation of operations) stageOperation(this.collection(operation.collection) as EmbeddedCollection<Document>, staging, operation);
    }, options);
  }

  /**
   * From the loader thread (see EmbeddedLoader), which commits through a connection of its
   * own: to this store its commits are another process's, seen through `data_version` like
   * theirs. A collection with a unique index is written here instead, where the index is
   * checked, as is everything of a store without a file.
   */
  async load(documents: readonly LoadedDocument[]): Promise<void> {
    if (documents.length === 0) return;
    // The writes asked for before it go first, as they would have gone at once.
    void this.groups.flush();
    if (!this.inFile || documents.some(({ collection }) => this.memory.indexSpecs(collection).some((spec) => spec.unique))) {
      await this.loader.settled(); // after the loads before it, as loads go
      return this.bulkWrite(documents.map(loadOperation), { durable: false });
    }
    const rows = documents.map(({ collection, id, doc }): [string, string, string | null] => [collection, id, doc && JSON.stringify(doc._id === id ? doc : { ...doc, _id: id })]);
    // A transaction per few thousand: the loader thread's heap is kept small.
    const loads: Array<Promise<void>> = [];
    for (let i = 0; i < rows.length; i += LOAD_ROWS) loads.push(this.loader.load(rows.slice(i, i + LOAD_ROWS)));
    await Promise.all(loads);
    // Every store of this process (this one included) looks at data_version again before its next read.
    EmbeddedMemory.commitsInProcess += 1;
  }

  async listCollections(): Promise<string[]> {
    this.memory.sync();
    return this.sql.names.all().map((row) => row.name);
  }

  /**
   * Deletes the documents DROP_SLICE to a transaction, from the loader thread (a rebuild
   * retires the collections of a shop's whole history: deleting 14,500 orders at once, with
   * secure_delete overwriting every page freed, held the event loop for 220 ms). The file's
   * write lock is let go between slices, and this store's writes made meanwhile go between
   * them, waiting for a slice at most (30-50 ms for a rebuild's orders). Each slice
   * stamps the collection, so readers see what is left of it; the last one deletes the
   * collection itself. A store without a file (`:memory:`) has no loader: it drops at once.
   */
  async dropCollection(name: string): Promise<void> {
    this.refuseIfNotDurable();
    void this.groups.flush();
    if (this.inFile) {
      // Each slice in this store's queue of writes: those that come while it runs go next, none tries the file meanwhile.
      while ((await this.lock.runElsewhere(() => this.loader.dropSlice(name, DROP_SLICE))) === DROP_SLICE);
      EmbeddedMemory.commitsInProcess += 1;
    } else {
      await this.lock.run(() =>
        this.db
          .transaction(() => {
            this.sql.dropDocs.run(name);
            this.sql.dropCollection.run(name);
          })
          .immediate(),
      );
      this.memory.committed();
    }
    this.checkpointer?.committed();
    this.memory.forget(name);
    await this.durability.durable();
  }

  async renameCollection(from: string, to: string): Promise<void> {
    this.refuseIfNotDurable();
    void this.groups.flush();
    await this.lock.run(() =>
      inImmediateTransaction(this.db, () => {
        this.sql.inBulk.begin(from, to);
        this.sql.dropDocs.run(to);
        this.sql.dropCollection.run(to);
        this.sql.renameDocs.run(to, from);
        this.sql.inBulk.end();
        const version = this.sql.nextVersion();
        if (this.sql.renameCollection.run(to, version, from).changes === 0) this.sql.touch.run(to, version);
      }),
    );
    this.memory.committed();
    this.checkpointer?.committed();
    this.memory.forget(from, to);
    await this.durability.durable();
  }

  async ping(): Promise<void> {
    this.refuseIfNotDurable();
    this.db.prepare('SELECT 1').get();
  }

  async truncateJournal(): Promise<void> {
    await truncateWal(this.db, 'read-models.db');
  }

  async close(): Promise<void> {
    await this.groups.flush();
    await this.warmUps.close();
    await this.loader.close();
    // First: it lets go of the writes a checkpoint holds, which commit meanwhile and are synced below (after it, they were not).
    await this.checkpointer?.close();
    await this.durability.settled();
    if (this.db.open) this.db.close();
    await this.walFile.close();
  }

  /** The checkpoint thread failed: this connection checkpoints again itself, at SQLite's default 1000 pages. */
  private checkpointHere(): void {
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  // ---------------------------------------------------------------- writes

  /**
   * A write: its changes staged under the write lock, checked, persisted, then shown to
   * readers, in one transaction with the other writes asked for in the same tick (see
   * WriteGroups and writeGroup). At once when the file is free; else once another process
   * lets go of its lock, waited for off the event loop (see WriteLockQueue). A durable write
   * then waits for the WAL's next sync, which makes every write committed before it durable
   * too (a write that is not durable is made durable by the next one that is).
   */
  async write<R>(stageAll: (staging: Staging) => R, options: WriteOptions = {}): Promise<R> {
    const durable = options.durable !== false;
    if (durable) this.refuseIfNotDurable();
    const result = await this.groups.add(stageAll);
    if (durable) await this.durability.durable();
    return result;
  }

  /** One transaction for a group of writes (see stageGroup): persisted, committed and shown together. */
  private writeGroup(group: readonly GroupedWrite[]): Outcome[] {
    const staging: Staging = new Map();
    let end = 0;
    const outcomes = inImmediateTransaction(this.db, () => {
      this.memory.sync(true);
      const staged = stageGroup(group, staging, this.writes);
      this.persist(staging);
      end = this.memory.changeLogEnd();
      return staged;
    });
    this.commitCount += 1;
    this.memory.committedHere(end);
    this.memory.committed();
    this.checkpointer?.committed();
    this.memory.publish(staging);
    return outcomes;
  }

  /** After a failed sync the file may have lost what readers were shown: durable writes, and pings, fail until a restart. */
  private refuseIfNotDurable(): void {
    if (this.durability.failed !== undefined) throw this.durability.failed;
  }

  private persist(staging: Staging): void {
    if (staging.size === 0) return;
    const version = this.sql.nextVersion();
    for (const [name, docs] of staging) {
      this.sql.touch.run(name, version);
      for (const [id, staged] of docs) {
        if (staged) this.sql.upsert.run(name, id, staged.json);
        else this.sql.delete.run(name, id);
      }
      this.memory.stamped(name, version);
    }
    // The change log's oldest rows, now and then: a slice that keeps up with what a commit adds.
    if ((this.commitCount + 1) % TRIM_EVERY === 0) this.sql.trimChanges.run(CHANGES_KEPT, TRIM_EVERY * 100);
  }

  /** Persists a new index spec and builds it; fails like MongoDB when existing documents break uniqueness, or another index has its name or keys (indexConflict). */
  async addIndex(name: string, spec: IndexSpec & { name: string }): Promise<void> {
    this.refuseIfNotDurable();
    // An index the file has already (every projection asks for its indexes as it starts) needs no documents: building one
    // loaded the whole collection, and a runner taken over loaded the search's 50,000 products four times (about 3 s each).
    this.memory.sync();
    const known = indexConflict(name, this.memory.indexSpecs(name), spec);
    if (known === 'exists') return;
    if (known) throw known;
    const wasLoaded = this.memory.cache.has(name);
    // Alone: it writes by SQL and changes the indexes held in memory as it stages.
    await this.groups.alone((staging: Staging) => stageIndex(this.memory, this.sql, staging, name, spec));
    await this.durability.durable();
    // Building the index needed the documents; keeping them is for queries to decide.
    this.memory.specs.delete(name);
    if (!wasLoaded) this.memory.cache.delete(name);
  }
}

/** Documents a transaction of dropCollection deletes (30-40 ms of the loader thread for a rebuild's orders). */
export const DROP_SLICE = 1000;

/** Commits between two trims of the change log (each takes up to 100 rows a commit off its start). */
const TRIM_EVERY = 64;

/** Documents per transaction of the loader thread. */
const LOAD_ROWS = 5000;

