import type Database from 'better-sqlite3';
import { LruCache } from '../lru-cache.js';
import { inTransaction } from '../sqlite-transaction.js';
import { DocumentIndex } from './document-index.js';
import type { Staging } from './embedded-staging.js';
import type { Cached } from './embedded-write-view.js';
import type { Document, Filter, IndexSpec } from './read-model-store.js';
import { CallbackCheck } from '../callback-check.js';

type Statements = {
  load: Database.Statement<[string], { id: string; doc: string }>;
  byIds: Database.Statement<[string, string], { doc: string }>;
  collection: Database.Statement<[string], { version: number; indexes: string }>;
  versions: Database.Statement<[], { name: string; version: number }>;
};

/**
 * What the embedded read-model store holds of its file in memory: whole collections that
 * queries scan (with their indexes), documents read lately by id, and index specs; each kept
 * only while the file says it is current. Another process's commit (or the loader thread's)
 * changes the file's `data_version` and the versions of the collections it wrote: what it
 * changed, and only that, is dropped and read again. (Dropping every document read by id at
 * any commit elsewhere made two processes of one DATA_DIR read again from the file, at each of
 * the other's commits, documents it had not touched: `WORKERS=2` spent twice the CPU per order.)
 */
/**
 * The code of a read model document the file holds that is not JSON (written by hand, or by
 * another program): damage, as SQLite's own codes say (src/api/store-files.ts names the file and
 * what to do), never a bare SyntaxError.
 */
export const DAMAGED_DOCUMENT = 'SQLITE_CORRUPT_DOCUMENT';

const storedDocument = (json: string, collection: string, id?: string): Document => {
  const which = id === undefined ? 'a document' : `the document ${JSON.stringify(id)}`;
  const damaged = (why: string) => Object.assign(new Error(`${which} of the read model collection ${JSON.stringify(collection)} ${why}`), { code: DAMAGED_DOCUMENT });
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (error) {
    throw damaged(`is not JSON (${(error as Error).message})`);
  }
  // JSON, and no document (null, a number, a list), or one under another id than its row's: damage all the same.
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw damaged(`is not a document (${json.slice(0, 20)})`);
  const { _id } = doc as { _id?: unknown };
  if (_id === undefined || _id === null || (id !== undefined && String(_id) !== id)) throw damaged(`has no _id of its own (${JSON.stringify(_id)})`);
  return doc as Document;
};

export class EmbeddedMemory {
  /** Collections loaded whole, at the version of the file they were read or written at. */
  readonly cache = new Map<string, Cached>();
  /**
   * Documents of collections not loaded whole, read lately by id (keyed by `docKey`), and ids
   * looked up lately and not found (null): a projection's batch looks up every document it is
   * about to write, and those of a new order are not there yet. A write of ours to an id known
   * here puts what it wrote in its place, so the next batch finds it without reading the file.
   */
  private readonly docCache: LruCache<string, Document | null>;
  /** The collections' versions as this connection knows them: read from the file when another connection's commit shows, stamped by its own writes. */
  private versions: Map<string, number>;
  /**
   * A generation per collection, part of its cached documents' keys: raised when another
   * connection changed the collection, so that nothing cached of it before is found again
   * (those entries age out of the LRU).
   */
  private readonly generations = new Map<string, number>();
  /** Documents cached per collection since its generation last moved, and how many entries of older generations the cache may still hold. */
  private readonly cachedSince = new Map<string, number>();
  private stale = 0;
  /** Index specs of collections not loaded, until the file changes. */
  readonly specs = new Map<string, Array<IndexSpec & { name: string }>>();
  private dataVersion: number;
  /** Whether this callback looked at the file's data_version already (see sync). */
  private readonly check = new CallbackCheck();
  private commitsSeen = 0;
  /** Commits by any embedded read-model store of this process (tests and tools open several on one file). */
  static commitsInProcess = 0;
  private readonly dataVersionStatement: Database.Statement;
  /** Reads from the file of documents not held in memory (tests and diagnostics). */
  readsFromFile = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    private readonly cachedDocuments: number,
  ) {
    this.docCache = new LruCache(cachedDocuments);
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = this.readDataVersion();
    this.versions = this.readVersions();
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
      const hit = this.docCache.get(this.docKey(name, id));
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
      this.remember(name, doc._id, doc);
      absent.delete(doc._id);
      read.push(doc);
    }
    for (const id of absent) this.remember(name, id, null);
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

  private loadCollection(name: string): Cached {
    const row = this.sql.collection.get(name);
    const specs = row ? (JSON.parse(row.indexes) as Array<IndexSpec & { name: string }>) : [];
    const docs = new Map<string, Document>();
    for (const { id, doc } of this.sql.load.iterate(name)) docs.set(id, storedDocument(doc, name, id));
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
   * changed (or created, or dropped) has its loaded copy, its documents read by id and its
   * specs dropped. Returns those collections.
   */
  private refresh(): Set<string> {
    const current = this.readVersions();
    const changed = new Set<string>();
    for (const [name, version] of current) if (this.versions.get(name) !== version) changed.add(name);
    for (const name of this.versions.keys()) if (!current.has(name)) changed.add(name);
    this.versions = current;
    for (const name of changed) this.invalidate(name);
    for (const [name, cached] of this.cache) if (current.get(name) !== cached.version) this.cache.delete(name);
    return changed;
  }

  private invalidate(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    this.specs.delete(name);
    this.stale += this.cachedSince.get(name) ?? 0;
    this.cachedSince.delete(name);
    // Entries of an older generation hold memory until the LRU drops them: past a quarter of it, the cache starts over.
    if (this.stale > this.cachedDocuments / 4) {
      this.docCache.clear();
      this.cachedSince.clear();
      this.stale = 0;
    }
  }

  private remember(name: string, id: string, doc: Document | null): void {
    this.docCache.set(this.docKey(name, id), doc);
    this.cachedSince.set(name, (this.cachedSince.get(name) ?? 0) + 1);
  }

  private readVersions(): Map<string, number> {
    return new Map(this.sql.versions.all().map((row) => [row.name, row.version]));
  }

  private docKey(collection: string, id: string): string {
    return `${collection}\u0000${this.generations.get(collection) ?? 0}\u0000${id}`;
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
      for (const [id, staged] of changes) {
        const key = this.docKey(name, id);
        if (this.docCache.get(key) !== undefined) this.docCache.set(key, staged ? staged.doc : null);
      }
      const cached = this.cache.get(name);
      if (!cached) continue;
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
}

const NOTHING: ReadonlySet<string> = new Set();

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

