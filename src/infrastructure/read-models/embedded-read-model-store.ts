import Database from 'better-sqlite3';
import { LruCache } from '../lru-cache.js';
import { DocumentIndex } from './document-index.js';
import { compileFilter } from './document-filter.js';
import { EmbeddedCollection } from './embedded-collection.js';
import { EmbeddedLoader } from './embedded-loader.js';
import { openSchema, STATEMENTS } from './embedded-statements.js';
import { Staged, type Staging } from './embedded-staging.js';
import {
  DuplicateKeyError,
  loadOperation,
  type Document,
  type Filter,
  type IndexSpec,
  type LoadedDocument,
  type ReadModelCollection,
  type ReadModelStore,
  type WriteOperation,
  type WriteOptions,
} from './read-model-store.js';
import { privateDatabaseFile } from '../private-files.js';
import { BUSY_SLICE_MS, DEFAULT_LOCK_WAIT_MS, WriteLockQueue } from '../sqlite-write-lock.js';

/**
 * The embedded read-model store: documents persisted as JSON in one SQLite file
 * (`synchronous=FULL`) and served from memory, with MongoDB's query and update language
 * evaluated by mingo.
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
};

type Cached = {
  version: number;
  docs: Map<string, Document>;
  indexes: DocumentIndex[];
};

export class EmbeddedReadModelStore implements ReadModelStore {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly cache = new Map<string, Cached>();
  /**
   * Recently read documents of collections that are not loaded, by `collection\0id`: what
   * `_id` lookups hit again and again. Kept current by our writes; emptied when another
   * connection commits (or a collection is dropped or renamed).
   */
  private readonly docCache: LruCache<string, Document>;
  private readonly lock: WriteLockQueue;
  /** Index specs of collections not in memory. */
  private readonly specs = new Map<string, Array<IndexSpec & { name: string }>>();
  private dataVersion: number;
  private checkedThisTurn = false;
  private commitsSeen = 0;
  /** Commits by any embedded store of this process (other instances' caches must look again). */
  private static commitsInProcess = 0;
  /** Prepared once: better-sqlite3's pragma() prepares a statement at every call. */
  private readonly dataVersionStatement: Database.Statement;
  /** Writes load()'s documents from a thread of its own. */
  private readonly loader: EmbeddedLoader;

  constructor(options: EmbeddedReadModelStoreOptions) {
    privateDatabaseFile(options.path);
    this.db = new Database(options.path);
    // Opening may wait for processes opening the file at the same moment (WAL mode, the schema): blocking is fine here.
    this.db.pragma(`busy_timeout = ${DEFAULT_LOCK_WAIT_MS}`);
    this.loader = new EmbeddedLoader(options.path);
    this.docCache = new LruCache(options.cachedDocuments ?? 10_000);
    this.lock = new WriteLockQueue(options.lockWaitMs);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // A 16 MB page cache (SQLite's default is 2 MB). The WAL is checkpointed at SQLite's
    // default 1000 pages (4 MB): 10,000 made rebuilds a few percent faster but doubled the
    // projection lag of a server reading the file.
    this.db.pragma('cache_size = -16000');
    this.db.pragma('wal_autocheckpoint = 1000');
    openSchema(this.db);
    // From now on a short wait inside SQLite only: a longer one is waited for off the event loop (see sqlite-write-lock.ts).
    this.db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
    this.sql = {
      load: this.db.prepare<[string], { id: string; doc: string }>('SELECT id, doc FROM documents WHERE collection = ?'),
      byIds: this.db.prepare<[string, string], { doc: string }>(
        'SELECT doc FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))',
      ),
      collection: this.db.prepare<[string], { version: number; indexes: string }>(
        'SELECT version, indexes FROM collections WHERE name = ?',
      ),
      versions: this.db.prepare<[], { name: string; version: number }>('SELECT name, version FROM collections'),
      nextVersion: this.db.prepare<[], { value: number }>(STATEMENTS.nextVersion),
      touch: this.db.prepare<[string, number]>(STATEMENTS.touch),
      setIndexes: this.db.prepare<[string, string]>('UPDATE collections SET indexes = ? WHERE name = ?'),
      upsert: this.db.prepare<[string, string, string]>(STATEMENTS.upsert),
      delete: this.db.prepare<[string, string]>(STATEMENTS.delete),
      dropDocs: this.db.prepare<[string]>('DELETE FROM documents WHERE collection = ?'),
      dropCollection: this.db.prepare<[string]>('DELETE FROM collections WHERE name = ?'),
      renameDocs: this.db.prepare<[string, string]>('UPDATE documents SET collection = ? WHERE collection = ?'),
      renameCollection: this.db.prepare<[string, number, string]>(
        'UPDATE collections SET name = ?, version = ? WHERE name = ?',
      ),
      names: this.db.prepare<[], { name: string }>('SELECT name FROM collections ORDER BY name'),
      syncNormal: this.db.prepare('PRAGMA synchronous = NORMAL'),
      syncFull: this.db.prepare('PRAGMA synchronous = FULL'),
    };
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = this.readDataVersion();
  }

  collection<T extends Document = Document>(name: string): ReadModelCollection<T> {
    return new EmbeddedCollection<T>(this, name);
  }

  async bulkWrite(operations: readonly WriteOperation[], options: WriteOptions = {}): Promise<void> {
    await this.write((staging) => {
      for (const operation of operations) this.stage(staging, operation);
    }, options);
  }

  /**
   * From the loader thread (see EmbeddedLoader), which commits through a connection of its
   * own: to this store its commits are another process's, seen through `data_version` like
   * theirs. A collection with a unique index is written here instead, where the index is
   * checked.
   */
  async load(documents: readonly LoadedDocument[]): Promise<void> {
    if (documents.length === 0) return;
    if (documents.some(({ collection }) => this.indexSpecs(collection).some((spec) => spec.unique))) {
      await this.loader.settled(); // after the loads before it, as loads go
      return this.bulkWrite(documents.map(loadOperation), { durable: false });
    }
    const rows = documents.map(({ collection, id, doc }): [string, string, string | null] => [collection, id, doc && JSON.stringify(doc._id === id ? doc : { ...doc, _id: id })]);
    // A transaction per few thousand: the loader thread's heap is kept small.
    const loads: Array<Promise<void>> = [];
    for (let i = 0; i < rows.length; i += LOAD_ROWS) loads.push(this.loader.load(rows.slice(i, i + LOAD_ROWS)));
    await Promise.all(loads);
    // Every store of this process (this one included) looks at data_version again before its next read.
    EmbeddedReadModelStore.commitsInProcess += 1;
  }

  async listCollections(): Promise<string[]> {
    this.sync();
    return this.sql.names.all().map((row) => row.name);
  }

  async dropCollection(name: string): Promise<void> {
    await this.lock.run(() =>
      this.db
        .transaction(() => {
          this.sql.dropDocs.run(name);
          this.sql.dropCollection.run(name);
        })
        .immediate(),
    );
    this.committed();
    this.cache.delete(name);
    this.docCache.clear();
  }

  async renameCollection(from: string, to: string): Promise<void> {
    await this.lock.run(() =>
      this.db
        .transaction(() => {
          this.sql.dropDocs.run(to);
          this.sql.dropCollection.run(to);
          this.sql.renameDocs.run(to, from);
          const version = this.sql.nextVersion.get()!.value;
          if (this.sql.renameCollection.run(to, version, from).changes === 0) this.sql.touch.run(to, version);
        })
        .immediate(),
    );
    this.committed();
    this.cache.delete(from);
    this.cache.delete(to);
    this.docCache.clear();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.loader.close();
    if (this.db.open) this.db.close();
  }

  // ---------------------------------------------------------------- reads

  /**
   * A collection loaded into memory, for queries that scan it (never hand its documents out:
   * callers get clones). `_id` lookups and writes do not load a collection: a rebuild writing
   * a million documents keeps none of them in memory.
   */
  documents(name: string): Cached {
    this.sync();
    let cached = this.cache.get(name);
    if (!cached) {
      cached = this.fromFile(() => this.loadCollection(name));
      this.cache.set(name, cached);
    }
    return cached;
  }

  /**
   * The documents that may match `filter`, narrowed by `_id` (without loading) or a
   * single-field index, and what of `filter` is left to test on them: an index that answers
   * its field's condition exactly takes that condition out.
   */
  candidates(name: string, filter: Filter): { docs: Iterable<Document>; residual: Filter } {
    const byId = idCandidates(filter);
    if (byId) return { docs: this.byIds(name, byId), residual: filter };
    const cached = this.documents(name);
    let best: { index: DocumentIndex; size: number; exact: boolean } | undefined;
    for (const index of cached.indexes) {
      const size = index.estimate(filter);
      if (size === undefined) continue;
      const exact = index.exact(filter);
      // An exact index is worth more than a merely smaller one: its condition is not tested again.
      if (!best || (exact && !best.exact) || (exact === best.exact && size < best.size)) best = { index, size, exact };
    }
    if (best?.exact) {
      const { [best.index.fields[0]!]: _answered, ...residual } = filter;
      return { docs: best.index.candidates(filter)!, residual };
    }
    // An inexact index that keeps most of the collection narrows nothing worth a detour.
    if (best && best.size * 2 < cached.docs.size) return { docs: best.index.candidates(filter)!, residual: filter };
    return { docs: cached.docs.values(), residual: filter };
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
      const hit = this.docCache.get(docKey(name, id));
      if (hit) found.push(hit);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const { rows, changed } = this.fromFile((changed) => ({ changed, rows: this.sql.byIds.all(name, JSON.stringify(changed ? ids : missing)) }));
    // The file changed since those hits were cached: all of them were read anew, at one moment.
    const read = changed ? [] : found;
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as Document;
      this.docCache.set(docKey(name, doc._id), doc);
      read.push(doc);
    }
    return read;
  }

  /** Index specs of a collection, without loading its documents (remembered until the file changes). */
  private indexSpecs(name: string): Array<IndexSpec & { name: string }> {
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

  private loadCollection(name: string): Cached {
    const row = this.sql.collection.get(name);
    const specs = row ? (JSON.parse(row.indexes) as Array<IndexSpec & { name: string }>) : [];
    const docs = new Map<string, Document>();
    for (const { id, doc } of this.sql.load.iterate(name)) docs.set(id, JSON.parse(doc) as Document);
    const indexes = specs.map((spec) => new DocumentIndex(spec));
    for (const index of indexes) for (const doc of docs.values()) index.add(doc);
    return { version: row?.version ?? 0, docs, indexes };
  }

  /**
   * Reads from the file in one read transaction that first checks what is in memory against
   * the same state of the file: a read from the file may be newer than this turn's check
   * (another process committed since), and a caller reading a checkpoint and then a cached
   * read model would otherwise get the read model older than the checkpoint says it is.
   */
  private fromFile<T>(read: (changed: boolean) => T): T {
    return this.db.transaction(() => {
      // data_version before the versions: a commit between them is seen again at the next check.
      const dataVersion = this.readDataVersion();
      const current = new Map(this.sql.versions.all().map((row) => [row.name, row.version]));
      const changed = dataVersion !== this.dataVersion;
      if (changed) {
        this.dataVersion = dataVersion;
        this.specs.clear();
        this.docCache.clear();
      }
      for (const [name, cached] of this.cache) if (current.get(name) !== cached.version) this.cache.delete(name);
      return read(changed);
    })();
  }

  /** Drops cached collections that another process changed since we last looked. */
  private sync(force = false): void {
    // Once per turn of the event loop is enough for reads: another process's commit can only
    // become known here through an I/O event, which comes in a later turn. Writes always check,
    // under the write lock; a commit by another store in this process always counts.
    if (!force && this.checkedThisTurn && this.commitsSeen === EmbeddedReadModelStore.commitsInProcess) return;
    this.commitsSeen = EmbeddedReadModelStore.commitsInProcess;
    if (!this.checkedThisTurn) {
      this.checkedThisTurn = true;
      setImmediate(() => (this.checkedThisTurn = false));
    }
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.specs.clear();
    this.docCache.clear();
    const current = new Map(this.sql.versions.all().map((row) => [row.name, row.version]));
    for (const [name, cached] of this.cache) if (current.get(name) !== cached.version) this.cache.delete(name);
  }

  /** After a commit of ours: our cache has it; other stores of this process must look again. */
  private committed(): void {
    EmbeddedReadModelStore.commitsInProcess += 1;
    this.commitsSeen = EmbeddedReadModelStore.commitsInProcess;
  }

  private readDataVersion(): number {
    return this.dataVersionStatement.get() as number;
  }

  // ---------------------------------------------------------------- writes

  /**
   * One transaction: stages every change under the write lock, checks it, persists it; then
   * shows it to readers. At once when the file is free; else once another process lets go of
   * its lock, waited for off the event loop (see WriteLockQueue).
   */
  write<R>(stageAll: (staging: Staging) => R, options: WriteOptions = {}): Promise<R> {
    return this.lock.run(() => this.writeNow(stageAll, options));
  }

  private writeNow<R>(stageAll: (staging: Staging) => R, options: WriteOptions): R {
    const staging: Staging = new Map();
    const transaction = this.db.transaction(() => {
      this.sync(true);
      const out = stageAll(staging);
      this.persist(staging);
      return out;
    });
    let result: R;
    if (options.durable !== false) result = transaction.immediate();
    else {
      // WAL with synchronous=NORMAL: atomic and consistent, without the fsync. The next durable
      // commit syncs the whole WAL, so whatever was written before it is durable from then on.
      this.sql.syncNormal.run();
      try {
        result = transaction.immediate();
      } finally {
        this.sql.syncFull.run();
      }
    }
    this.committed();
    this.publish(staging);
    return result;
  }

  private persist(staging: Staging): void {
    if (staging.size === 0) return;
    const version = this.sql.nextVersion.get()!.value;
    for (const [name, docs] of staging) {
      this.sql.touch.run(name, version);
      for (const [id, staged] of docs) {
        if (staged) this.sql.upsert.run(name, id, staged.json);
        else this.sql.delete.run(name, id);
      }
      const cached = this.cache.get(name);
      if (cached) cached.version = version;
    }
  }

  private publish(staging: Staging): void {
    for (const [name, changes] of staging) {
      const cached = this.cache.get(name);
      if (!cached) {
        for (const [id, staged] of changes) {
          const key = docKey(name, id);
          if (!staged) this.docCache.delete(key);
          else if (this.docCache.get(key)) this.docCache.set(key, staged.doc);
        }
        continue;
      }
      for (const [id, staged] of changes) {
        const previous = cached.docs.get(id);
        if (previous) for (const index of cached.indexes) index.remove(previous);
        if (staged) {
          cached.docs.set(id, staged.doc);
          for (const index of cached.indexes) index.add(staged.doc);
        } else cached.docs.delete(id);
      }
    }
  }

  /** The current view of a document inside a write: staged if it was changed, else cached. */
  private view(staging: Staging, name: string, id: string): Document | undefined {
    const staged = staging.get(name);
    if (staged?.has(id)) return staged.get(id)?.doc;
    return this.byIds(name, [id])[0];
  }

  /** Documents of `name` matching `filter` as the write currently sees them. */
  matching(staging: Staging, name: string, filter: Filter, limit = Infinity): Document[] {
    const { docs, residual } = this.candidates(name, filter);
    const test = compileFilter(residual);
    const whole = residual === filter ? test : compileFilter(filter);
    const staged = staging.get(name);
    const found: Document[] = [];
    for (const doc of docs) {
      if (found.length >= limit) return found;
      if (staged?.has(doc._id)) continue;
      if (test(doc)) found.push(doc);
    }
    for (const version of staged?.values() ?? []) {
      if (found.length >= limit) break;
      if (version && whole(version.doc)) found.push(version.doc);
    }
    return found;
  }

  /** Stages a document version after checking `_id` and unique indexes against the write's view. */
  put(staging: Staging, name: string, version: Staged, replacing: string | undefined): void {
    if (replacing === undefined && this.view(staging, name, version.id)) {
      throw new DuplicateKeyError(name, { _id: version.id });
    }
    // Unique keys are checked in memory: only a collection with a unique index is loaded for it.
    if (this.indexSpecs(name).some((spec) => spec.unique)) {
      for (const index of this.documents(name).indexes) {
        if (!index.spec.unique) continue;
        for (const key of index.keysOf(version.doc)) this.checkUnique(staging, name, index, key, version.id);
      }
    }
    let staged = staging.get(name);
    if (!staged) staging.set(name, (staged = new Map()));
    staged.set(version.id, version);
  }

  private checkUnique(staging: Staging, name: string, index: DocumentIndex, key: string, id: string): void {
    const clash = (otherId: string) => {
      if (otherId === id) return false;
      const other = this.view(staging, name, otherId);
      return other !== undefined && index.keysOf(other).includes(key);
    };
    const stagedIds = [...(staging.get(name)?.keys() ?? [])];
    if ([...index.owners(key).keys()].some(clash) || stagedIds.some(clash)) {
      throw new DuplicateKeyError(name, Object.fromEntries(index.fields.map((f, i) => [f, JSON.parse(key)[i]])));
    }
  }

  remove(staging: Staging, name: string, id: string): void {
    let staged = staging.get(name);
    if (!staged) staging.set(name, (staged = new Map()));
    staged.set(id, null);
  }

  private stage(staging: Staging, operation: WriteOperation): void {
    const collection = this.collection(operation.collection) as EmbeddedCollection<Document>;
    if ('insertOne' in operation) collection.stageInsert(staging, operation.insertOne.document);
    else if ('replaceOne' in operation) {
      const { filter, replacement, upsert } = operation.replaceOne;
      collection.stageReplace(staging, filter, replacement, { upsert }, false);
    } else if ('updateOne' in operation) {
      const { filter, update, upsert } = operation.updateOne;
      collection.stageUpdate(staging, filter, update, { upsert }, 1);
    } else if ('updateMany' in operation) {
      const { filter, update, upsert } = operation.updateMany;
      collection.stageUpdate(staging, filter, update, { upsert }, Infinity);
    } else if ('deleteOne' in operation) collection.stageDelete(staging, operation.deleteOne.filter, 1);
    else collection.stageDelete(staging, operation.deleteMany.filter, Infinity);
  }

  /** Persists a new index spec and builds it; fails like MongoDB when existing documents break uniqueness. */
  async addIndex(name: string, spec: IndexSpec & { name: string }): Promise<void> {
    const wasLoaded = this.cache.has(name);
    await this.write((staging) => {
      const cached = this.documents(name);
      if (cached.indexes.some((index) => index.spec.name === spec.name)) return;
      const index = new DocumentIndex(spec);
      for (const doc of cached.docs.values()) {
        if (spec.unique && index.keysOf(doc).some((key) => index.owners(key).size > 0)) {
          throw new DuplicateKeyError(name, { index: spec.name });
        }
        index.add(doc);
      }
      const specs = [...cached.indexes.map((i) => i.spec), spec];
      this.sql.touch.run(name, cached.version);
      this.sql.setIndexes.run(JSON.stringify(specs), name);
      cached.indexes.push(index);
      staging.set(name, new Map()); // stamps a new version so other processes rebuild their indexes
    });
    // Building the index needed the documents; keeping them is for queries to decide.
    this.specs.delete(name);
    if (!wasLoaded) this.cache.delete(name);
  }
}

const idCandidates = (filter: Filter): string[] | undefined => {
  const id = filter._id;
  if (typeof id === 'string') return [id];
  if (id && typeof id === 'object' && !Array.isArray(id)) {
    const ops = id as Record<string, unknown>;
    if (Object.keys(ops).length === 1 && typeof ops.$eq === 'string') return [ops.$eq];
    if (Object.keys(ops).length === 1 && Array.isArray(ops.$in) && ops.$in.every((v) => typeof v === 'string')) {
      return ops.$in as string[];
    }
  }
  return undefined;
};


/** Documents per transaction of the loader thread. */
const LOAD_ROWS = 5000;

const docKey = (collection: string, id: string) => `${collection}\u0000${id}`;
