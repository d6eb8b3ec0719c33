import type Database from 'better-sqlite3';
import { DocumentCache } from './embedded-document-cache.js';
import { inTransaction } from '../sqlite-transaction.js';
import { candidatesIn, idCandidates } from './embedded-candidates.js';
import type { Staging } from './embedded-staging.js';
import type { Cached } from './embedded-write-view.js';
import type { Document, Filter, IndexSpec } from './read-model-store.js';
import { CallbackCheck } from '../callback-check.js';
import { ChangeFollower, type ChangedIds } from './embedded-change-log.js';
import { caughtUpWith, replaceHeld, storedDocument } from './embedded-documents.js';
import { loadWhole, QueryLoads } from './embedded-collection-loads.js';
import { WHOLE_COLLECTION, type StoreStatements } from './embedded-statements.js';

type Statements = Pick<StoreStatements, 'load' | 'loadSlice' | 'byIds' | 'collection' | 'versions' | 'changedDocs' | 'changesAfter' | 'firstChange' | 'lastChange'>;

/**
 * What the embedded read-model store holds of its file in memory: whole collections that
 * queries scan (with their indexes), documents read lately by id, and index specs; each kept
 * only while the file says it is current. Another process's commit (or the loader thread's)
 * changes the file's `data_version` and the versions of the collections it wrote; the file's
 * change log names the documents it wrote or deleted, and those documents, and only those,
 * are read again (or forgotten) in what is held. (Dropping every document read by id at any
 * commit elsewhere made two processes of one DATA_DIR read again from the file, at each of the
 * other's commits, documents it had not touched: `WORKERS=2` spent twice the CPU per order;
 * reloading a whole collection held in memory at each of them made a search take 5-6 s.)
 */
export class EmbeddedMemory {
  /** Collections loaded whole, at the version of the file they were read or written at. */
  readonly cache = new Map<string, Cached>();
  /** Documents of collections not loaded whole, read lately by id (see DocumentCache). */
  private readonly docCache: DocumentCache;
  /** The collections' versions as this connection knows them: read from the file when another connection's commit shows, stamped by its own writes. */
  private versions: Map<string, number>;
  /** Index specs of collections not loaded, until the file changes. */
  readonly specs = new Map<string, Array<IndexSpec & { name: string }>>();
  private dataVersion: number;
  /** Whether this callback looked at the file's data_version already (see sync). */
  private readonly check = new CallbackCheck();
  private commitsSeen = 0;
  /** Commits by any embedded read-model store of this process (tests and tools open several on one file). */
  static commitsInProcess = 0;
  private readonly dataVersionStatement: Database.Statement;
  /**
   * Tests and diagnostics: reads from the file of documents not held in memory; collections
   * loaded whole (a first query, or after a change too large to follow); documents of those
   * held read again, as the change log named them.
   */
  readsFromFile = 0;
  collectionLoads = 0;
  documentsFollowed = 0;
  /** Where this connection is in the file's change log. */
  private readonly changes: ChangeFollower;
  /** Collections being loaded in slices, for queries. */
  private readonly loads: QueryLoads;
  /** Called as a query scans a collection (see WarmUps). */
  onQueried: ((name: string) => void) | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    cachedDocuments: number,
  ) {
    this.docCache = new DocumentCache(cachedDocuments);
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = this.readDataVersion();
    this.versions = this.readVersions();
    this.changes = new ChangeFollower(sql);
    this.loads = new QueryLoads(db, sql, {
      sync: () => this.sync(),
      holds: (name) => this.cache.has(name),
      fromFile: (read) => this.fromFile(read),
      adopt: (name, cached) => this.adopt(name, cached),
    });
  }

  /** The change log's end, read inside a write transaction of this connection, for committedHere once it commits. */
  changeLogEnd(): number {
    return this.changes.end();
  }

  /**
   * After a commit of this connection, with the change log's end read inside its transaction:
   * every other connection's commit before it was applied as the transaction began (sync), and
   * this one's writes are published here, so the rows up to that end need no reading.
   */
  committedHere(end: number): void {
    this.changes.caughtUp(end);
  }

  /** Forgets collections (dropped or renamed): their loaded copies, documents read by id, and specs. */
  forget(...names: string[]): void {
    for (const name of names) {
      this.cache.delete(name);
      this.versions.delete(name);
      this.invalidate(name);
    }
  }

  /** A write of this connection stamped `version` on the collection (the changed documents it publishes). */
  stamped(name: string, version: number): void {
    this.versions.set(name, version);
    const cached = this.cache.get(name);
    if (cached) cached.version = version;
  }

  /**
   * A collection loaded into memory, for queries that scan it (never hand its documents out:
   * callers get clones). `_id` lookups and writes do not load a collection: a rebuild writing
   * a million documents keeps none of them in memory.
   */
  documents(name: string): Cached {
    this.sync();
    let cached = this.cache.get(name);
    if (!cached) {
      this.collectionLoads += 1;
      cached = this.fromFile(() => loadWhole(this.sql, name));
      this.cache.set(name, cached);
    }
    return cached;
  }

  /** Before a query that scans a collection not held yet: see QueryLoads (undefined when nothing is to wait for). */
  loadForQuery(name: string, filter: Filter): Promise<void> | undefined {
    return this.loads.forQuery(name, filter);
  }

  /** Loads a collection ahead of its queries, in slices as for them (see WarmUps); whether it is held now. */
  async warm(name: string): Promise<boolean> {
    await this.loads.forQuery(name, {});
    return this.cache.has(name);
  }

  /** A collection loaded in slices (see QueryLoads), now held. */
  private adopt(name: string, cached: Cached): void {
    this.collectionLoads += 1;
    this.cache.set(name, cached);
  }

  /**
   * The documents that may match `filter`, narrowed by `_id` (without loading) or a
   * single-field index, and what of `filter` is left to test on them: an index that answers
   * its field's condition exactly takes that condition out.
   */
  candidates(name: string, filter: Filter): { docs: Iterable<Document>; residual: Filter } {
    const byId = idCandidates(filter);
    if (byId) return { docs: this.byIds(name, byId), residual: filter };
    return candidatesIn(this.scanned(name), filter);
  }

  /** A collection a query scans (see documents), noted as queried (see WarmUps). */
  scanned(name: string): Cached {
    const cached = this.documents(name);
    this.onQueried?.(name);
    return cached;
  }

  /**
   * Documents by id: from memory when the collection is loaded or the document was read
   * lately, else from SQLite. Like a loaded collection's, they are never handed out as
   * they are: callers get clones.
   */
  byIds(name: string, ids: readonly string[]): Document[] {
    this.sync();
    const cached = this.cache.get(name);
    if (cached) return ids.flatMap((id) => cached.docs.get(id) ?? []);
    const found: Document[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.docCache.get(name, id);
      if (hit) found.push(hit);
      else if (hit === undefined) missing.push(id);
    }
    if (missing.length === 0) return found;
    const { rows, changed } = this.fromFile((changed) => {
      const stale = changed.has(name);
      return { changed: stale, rows: this.sql.byIds.all(name, JSON.stringify(stale ? ids : missing)) };
    });
    // Another connection changed the collection since those hits were cached: all of them were read anew, at one moment.
    const read = changed ? [] : found;
    const absent = new Set(changed ? ids : missing);
    for (const row of rows) {
      const doc = storedDocument(row.doc, name);
      this.docCache.remember(name, doc._id, doc);
      absent.delete(doc._id);
      read.push(doc);
    }
    for (const id of absent) this.docCache.remember(name, id, null);
    return read;
  }

  /** Index specs of a collection, without loading its documents (remembered until the file changes). */
  indexSpecs(name: string): Array<IndexSpec & { name: string }> {
    const cached = this.cache.get(name);
    if (cached) return cached.indexes.map((index) => index.spec);
    let specs = this.specs.get(name);
    if (!specs) {
      const row = this.sql.collection.get(name);
      specs = row ? (JSON.parse(row.indexes) as Array<IndexSpec & { name: string }>) : [];
      this.specs.set(name, specs);
    }
    return specs;
  }

  /**
   * Reads from the file in one read transaction that first checks what is in memory against
   * the same state of the file: a read from the file may be newer than this turn's check
   * (another process committed since), and a caller reading a checkpoint and then a cached
   * read model would otherwise get the read model older than the checkpoint says it is.
   */
  private fromFile<T>(read: (changed: ReadonlySet<string>) => T): T {
    this.readsFromFile += 1;
    const checked = () => {
      const dataVersion = this.readDataVersion();
      // No other connection committed since we looked: what is in memory is the file's state.
      if (dataVersion === this.dataVersion) return read(NOTHING);
      // data_version before the versions: a commit between them is seen again at the next check.
      this.dataVersion = dataVersion;
      return read(this.refresh());
    };
    // Inside a write's transaction (a write reading what it changes) the reads are of one state
    // already: a savepoint around them would cost two statements and guard nothing.
    return this.db.inTransaction ? checked() : inTransaction(this.db, checked);
  }

  /**
   * The versions in the file against those we knew: each collection another connection
   * changed (or created, or dropped) has the documents the change log names read again in its
   * loaded copy, and dropped from those read by id; its specs are read again. A copy whose
   * indexes changed, or that more than a quarter of its documents changed (a rebuild's swap),
   * is dropped, to be loaded again; so is everything held of the changed collections when the
   * log no longer names every change since the last look. One read transaction for all of it
   * (a savepoint inside a caller's). Returns the collections changed.
   */
  private refresh(): Set<string> {
    const look = () => {
      const current = this.readVersions();
      const changed = new Set<string>();
      for (const [name, version] of current) if (this.versions.get(name) !== version) changed.add(name);
      for (const name of this.versions.keys()) if (!current.has(name)) changed.add(name);
      this.versions = current;
      const held = [...changed].some((name) => this.cache.has(name) || this.docCache.holds(name));
      const ids = held ? this.changes.changedSince() : (this.changes.caughtUp(), undefined);
      // The log's rows of a collection whose version did not move (a write that stamped none: not one of the store's).
      for (const name of ids?.keys() ?? []) if (current.has(name)) changed.add(name);
      for (const name of changed) this.followed(name, current.get(name), ids);
      return changed;
    };
    return this.db.inTransaction ? look() : inTransaction(this.db, look);
  }

  /** A collection changed elsewhere, to `version` (undefined: dropped), with the documents `ids` names (undefined: not known). */
  private followed(name: string, version: number | undefined, ids: ChangedIds | undefined): void {
    this.specs.delete(name);
    if (version === undefined || ids === undefined) {
      this.cache.delete(name);
      this.invalidate(name);
      return;
    }
    const changed = ids.get(name);
    if (changed?.has(WHOLE_COLLECTION)) {
      // Written in bulk (a load, a drop, a rename): its documents are not named one by one.
      this.cache.delete(name);
      this.invalidate(name);
      return;
    }
    if (changed && this.docCache.holds(name)) this.docCache.forgetIds(name, changed);
    const cached = this.cache.get(name);
    if (!cached) return;
    if (caughtUpWith(this.sql, name, cached, version, changed)) this.documentsFollowed += changed?.size ?? 0;
    else this.cache.delete(name);
  }

  private invalidate(name: string): void {
    this.specs.delete(name);
    this.docCache.forgetAll(name);
  }

  private readVersions(): Map<string, number> {
    return new Map(this.sql.versions.all().map((row) => [row.name, row.version]));
  }

  /** Drops cached collections that another process changed since we last looked. */
  sync(force = false): void {
    // Once per callback of the event loop is enough for reads: another process's commit can
    // only become known here through I/O, which comes as a callback of its own (see
    // CallbackCheck). Writes always check, under the write lock; a commit by another store in
    // this process always counts.
    if (!force && this.check.holds && this.commitsSeen === EmbeddedMemory.commitsInProcess) return;
    this.commitsSeen = EmbeddedMemory.commitsInProcess;
    this.check.look();
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.refresh();
  }

  /** After a commit of ours: our cache has it; other stores of this process must look again. */
  committed(): void {
    EmbeddedMemory.commitsInProcess += 1;
    this.commitsSeen = EmbeddedMemory.commitsInProcess;
  }

  private readDataVersion(): number {
    return this.dataVersionStatement.get() as number;
  }

  publish(staging: Staging): void {
    for (const [name, changes] of staging) {
      // Ids known by id (found or not, lately) take what was written, the collection loaded or not (a
      // loaded copy can be let go: addIndex's); a bulk write of documents nobody read fills nothing.
      for (const [id, staged] of changes) this.docCache.written(name, id, staged ? staged.doc : null);
      const cached = this.cache.get(name);
      if (!cached) continue;
      replaceHeld(cached, changes.keys(), (id) => changes.get(id)?.doc);
    }
  }
}

const NOTHING: ReadonlySet<string> = new Set();
