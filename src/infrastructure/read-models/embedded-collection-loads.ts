import type Database from 'better-sqlite3';
import { inTransaction } from '../sqlite-transaction.js';
import { TurnBudget } from '../turn-budget.js';
import { DocumentIndex } from './document-index.js';
import { readAgain, replaceHeld, storedDocument } from './embedded-documents.js';
import type { Cached } from './embedded-write-view.js';
import type { Filter, IndexSpec } from './read-model-store.js';
import { idCandidates } from './embedded-candidates.js';
import { WHOLE_COLLECTION } from './embedded-statements.js';

type Statements = {
  load: Database.Statement<[string], { id: string; doc: string }>;
  loadSlice: Database.Statement<[string, string, number], { id: string; doc: string }>;
  collection: Database.Statement<[string], { version: number; indexes: string }>;
  changedDocs: Database.Statement<[string, string], { id: string; doc: string }>;
  changesAfter: Database.Statement<[number, number], { seq: number; collection: string; id: string }>;
  firstChange: Database.Statement<[], number | null>;
  lastChange: Database.Statement<[], number | null>;
};

/** A collection in one piece, with its indexes (inside a read transaction). */
export const loadWhole = (sql: Statements, name: string): Cached => {
  const row = sql.collection.get(name);
  const specs = row ? (JSON.parse(row.indexes) as Array<IndexSpec & { name: string }>) : [];
  const docs: Cached['docs'] = new Map();
  for (const { id, doc } of sql.load.iterate(name)) docs.set(id, storedDocument(doc, name, id));
  const indexes = specs.map((spec) => new DocumentIndex(spec));
  for (const index of indexes) for (const doc of docs.values()) index.add(doc);
  return { version: row?.version ?? 0, docs, indexes };
};

/** Documents read per statement: a few milliseconds of reading, parsing and indexing. */
const ROWS_PER_READ = 200;
const LOG_ROWS_PER_READ = 5000;

/** A collection read in slices, and where the change log was as the first was read. */
export type Slices = { name: string; seq: number; indexes: string; docs: Cached['docs']; held: DocumentIndex[] };

/**
 * Reads a collection a query is to scan in slices of ROWS_PER_READ documents (in the order of
 * their ids), the event loop serving others between them, a turn every 10 ms of the reading
 * (taken in turn with the other long reads: exports, audits). Loaded in one piece, a catalog of
 * 50,000 products held the loop about 3 s at its first search after a start. Each slice is read
 * at a moment of its own: what changed meanwhile is read again as they end (finishSlices).
 */
export const readSlices = async (db: Database.Database, sql: Statements, name: string): Promise<Slices> => {
  const start = inTransaction(db, () => ({ seq: sql.lastChange.get() ?? 0, row: sql.collection.get(name) }));
  const indexes = start.row?.indexes ?? '[]';
  const held = (JSON.parse(indexes) as Array<IndexSpec & { name: string }>).map((spec) => new DocumentIndex(spec));
  const docs: Cached['docs'] = new Map();
  const budget = new TurnBudget();
  let after = '';
  // The documents first, the indexes after: built slice by slice alongside, their keys were
  // allocated between the documents, and a whole-catalog query over documents so spread out
  // took 36-40 ms against 24-25 (it reads fields of every document: memory, not computation).
  for (;;) {
    await budget.pause();
    const rows = sql.loadSlice.all(name, after, ROWS_PER_READ);
    for (const { id, doc } of rows) docs.set(id, storedDocument(doc, name, id));
    if (rows.length < ROWS_PER_READ) break;
    after = rows[rows.length - 1]!.id;
  }
  if (held.length > 0) {
    let done = 0;
    for (const doc of docs.values()) {
      for (const index of held) index.add(doc);
      if ((done += 1) % ROWS_PER_READ === 0) await budget.pause();
    }
  }
  return { name, seq: start.seq, indexes, docs, held };
};

/**
 * The collection read in slices, brought to the file's state now (call it inside a read
 * transaction): the documents the change log names since the first slice was read again.
 * Undefined when that cannot be told (the log trimmed past that point, or its indexes changed):
 * the caller loads it in one piece.
 */
export const finishSlices = (sql: Statements, slices: Slices): Cached | undefined => {
  const { name, seq } = slices;
  const row = sql.collection.get(name);
  if ((row?.indexes ?? '[]') !== slices.indexes) return undefined;
  if ((sql.firstChange.get() ?? 0) > seq + 1) return undefined;
  const ids = new Set<string>();
  for (let from = seq; ; ) {
    const rows = sql.changesAfter.all(from, LOG_ROWS_PER_READ);
    for (const change of rows) if (change.collection === name) ids.add(change.id);
    if (rows.length < LOG_ROWS_PER_READ) break;
    from = rows[rows.length - 1]!.seq;
  }
  // Written in bulk meanwhile (a load, a rename): its documents are not named one by one.
  if (ids.has(WHOLE_COLLECTION)) return undefined;
  const cached: Cached = { version: row?.version ?? 0, docs: slices.docs, indexes: slices.held };
  const found = readAgain(sql, name, ids);
  replaceHeld(cached, ids, (id) => found.get(id));
  return cached;
};

/** What QueryLoads needs of the memory it loads collections into (EmbeddedMemory). */
export type LoadTarget = {
  /** Looks at the file for other connections' commits. */
  sync(): void;
  holds(name: string): boolean;
  /** Reads in one read transaction, what is held brought to the same state of the file first. */
  fromFile<T>(read: () => T): T;
  /** Takes a collection loaded, to hold. */
  adopt(name: string, cached: Cached): void;
};

/**
 * Before a query that scans a collection not held yet (one not narrowed by `_id`): the
 * collection loaded in slices (see readSlices), the event loop serving others meanwhile;
 * queries of it that come meanwhile wait for the same load. When it was loaded in one piece
 * meanwhile (a write that needed it) or could not be brought up to date, the query's own
 * reading loads it as before. Undefined, at once, when there is nothing to wait for: a query of
 * a collection held runs in the same microtask as before.
 */
export class QueryLoads {
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    private readonly target: LoadTarget,
  ) {}

  forQuery(name: string, filter: Filter): Promise<void> | undefined {
    if (idCandidates(filter)) return undefined;
    this.target.sync();
    if (this.target.holds(name)) return undefined;
    let loading = this.loading.get(name);
    if (!loading) {
      loading = this.inSlices(name).finally(() => this.loading.delete(name));
      this.loading.set(name, loading);
    }
    return loading;
  }

  private async inSlices(name: string): Promise<void> {
    const slices = await readSlices(this.db, this.sql, name);
    if (this.target.holds(name)) return;
    // With a look at what else is held, in one read transaction: the copy and the rest are of one state of the file.
    const cached = this.target.fromFile(() => finishSlices(this.sql, slices));
    if (!cached || this.target.holds(name)) return;
    this.target.adopt(name, cached);
  }
}
