/**
 * The read-model store port: a subset of MongoDB's collection API with MongoDB's
 * semantics (query language, update operators, upsert, sort/skip/limit, unique indexes,
 * aggregation). The embedded adapter evaluates the very same filters and updates with
 * mingo; the MongoDB adapter hands them to the server.
 *
 * Conventions that keep both adapters equal:
 * - `_id` is always a string chosen by the caller;
 * - documents hold JSON values only (dates are ISO strings, money is integer minor units): a
 *   field set to undefined is absent, in a document written and in an update (`$set` of
 *   undefined unsets the field: undefined-update), and undefined in a filter reads as null
 *   (missing or null: undefined-filter);
 * - `bulkWrite` is atomic across collections (a MongoDB transaction, one SQLite transaction),
 *   which is what lets a projection write its documents and its checkpoint together.
 */

export type Document = { _id: string; [key: string]: unknown };

/**
 * A MongoDB query filter. `$expr` may compare with the store's clock, in milliseconds:
 * `{ $expr: { $lte: ['$expiresAt', { $toLong: '$$NOW' }] } }` (times are numbers here: a
 * document holds JSON values, and MongoDB's `$$NOW` is a date).
 */
export type Filter = Record<string, unknown>;

/** MongoDB update operators: $set, $unset, $inc, $push, $pull, $addToSet, $min, $max, $setOnInsert, ... */
export type UpdateOperators = Record<string, unknown>;

/**
 * An update as an aggregation pipeline (MongoDB 4.2+): `$set`/`$addFields`, `$unset`,
 * `$project`, `$replaceWith`/`$replaceRoot` stages whose expressions read the document as it
 * was and the store's clock (`$$NOW`). An upsert applies it to the filter's equality fields.
 * What a write computes from the store's clock does not depend on the writer's.
 */
export type UpdatePipeline = Array<Record<string, unknown>>;

export type Update = UpdateOperators | UpdatePipeline;

export type Sort = Record<string, 1 | -1>;

export type FindOptions = {
  sort?: Sort;
  skip?: number;
  limit?: number;
  /** Inclusion (1) or exclusion (0) of fields, MongoDB style. */
  projection?: Record<string, 0 | 1>;
  /**
   * The caller will not change the documents it gets (projections and sagas build new ones):
   * the embedded store then hands out its own instead of copies. MongoDB ignores it.
   */
  readonly?: boolean;
};

/**
 * `durable: false` is for writes that may be lost to a power cut without harm: what can be
 * derived again, or bookkeeping whose loss only makes work run again (an idempotent job's
 * lease). The write stays atomic and ordered; the embedded store skips its fsync, and a
 * later durable write makes it durable too. MongoDB writes it to a majority either way, and
 * has a majority journal a durable one (mongo-filter, writeConcernOf).
 */
export type WriteOptions = { durable?: boolean };

export type UpdateOptions = WriteOptions & { upsert?: boolean };

export type UpdateResult = { matchedCount: number; modifiedCount: number; upsertedId: string | null };

export type DeleteResult = { deletedCount: number };

export type IndexSpec = {
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  name?: string;
};

/** One write of a `bulkWrite`, MongoDB's shape plus the collection it targets. */
export type WriteOperation = { collection: string } & (
  | { insertOne: { document: Document } }
  | { replaceOne: { filter: Filter; replacement: Document; upsert?: boolean } }
  | { updateOne: { filter: Filter; update: Update; upsert?: boolean } }
  | { updateMany: { filter: Filter; update: Update; upsert?: boolean } }
  | { deleteOne: { filter: Filter } }
  | { deleteMany: { filter: Filter } }
);

/** A document `load` stores under `id` (its `_id` becomes `id`), or deletes (`doc: null`). */
export type LoadedDocument = { collection: string; id: string; doc: Document | null };

/** A loaded document as the bulk write that stores it. */
export const loadOperation = ({ collection, id, doc }: LoadedDocument): WriteOperation =>
  doc
    ? { collection, replaceOne: { filter: { _id: id }, replacement: doc._id === id ? doc : { ...doc, _id: id }, upsert: true } }
    : { collection, deleteOne: { filter: { _id: id } } };

export interface ReadModelCollection<T extends Document = Document> {
  readonly name: string;
  findOne(filter: Filter, options?: Pick<FindOptions, 'sort' | 'projection' | 'readonly'>): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter?: Filter): Promise<number>;
  /** Runs a MongoDB aggregation pipeline ($match, $group, $sort, $facet, $project, ...). */
  aggregate<R = Document>(pipeline: Record<string, unknown>[]): Promise<R[]>;
  /** Throws DuplicateKeyError when `_id` or a unique index is taken. */
  insertOne(document: T): Promise<void>;
  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult>;
  updateOne(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter, options?: WriteOptions): Promise<DeleteResult>;
  deleteMany(filter: Filter, options?: WriteOptions): Promise<DeleteResult>;
  /**
   * Idempotent: creating an index that exists with the same spec does nothing. Throws
   * IndexConflictError for a name or keys an index has with another spec (see there).
   */
  createIndex(index: IndexSpec): Promise<string>;
}

export interface ReadModelStore {
  collection<T extends Document = Document>(name: string): ReadModelCollection<T>;
  /**
   * All or nothing, across collections. Throws DuplicateKeyError and writes nothing on a unique-key clash.
   * `durable: false` (see WriteOptions) suits projections and saga state written with their
   * checkpoints: a power cut takes the checkpoint back with them, and the events come again.
   */
  bulkWrite(operations: readonly WriteOperation[], options?: WriteOptions): Promise<void>;
  /**
   * Rebuilds: stores documents by `_id` (replacing what is there), or deletes them, in
   * collections that nothing else writes meanwhile. Not durable (see WriteOptions) and not
   * atomic: an interrupted rebuild starts over. The promise settles once the documents are
   * written; until then reads may or may not see them, and the caller writes those
   * documents no other way. Loads are applied in the order of the calls, and may be done
   * off the calling thread (the embedded store) or the calling process (MongoDB), so the
   * caller goes on folding meanwhile.
   */
  load(documents: readonly LoadedDocument[]): Promise<void>;
  listCollections(): Promise<string[]>;
  /**
   * Deletes a collection and its documents; durable once it resolves. For collections nobody
   * reads or writes any more (a rebuild's retired versions, its leftovers, verify's scratch):
   * the embedded store deletes the documents a slice at a time off the event loop, and a
   * reader meanwhile sees what is left of them, where MongoDB drops the collection at once.
   */
  dropCollection(name: string): Promise<void>;
  /** Atomically replaces `to` with `from` (MongoDB's renameCollection with dropTarget). */
  renameCollection(from: string, to: string): Promise<void>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /**
   * Writes the journal (SQLite's write-ahead log) into the store's file and empties it, so that
   * bytes just deleted or overwritten (with secure_delete) are gone from every file of it: called
   * after an erasure's scrub. A no-op on a server (EventStoreDB, MongoDB), which keeps its own files.
   */
  truncateJournal(): Promise<void>;
  /**
   * Stores that serve queries from memory (the embedded one; MongoDB has none of it): loads, in
   * the background, the collections its processes held in memory before, so that the first
   * queries after a start do not wait for them. Resolves with the collections loaded.
   */
  warmUp?(): Promise<string[]>;
  /**
   * Stores that serve queries from memory: before a rebuild's swap, every process holding a
   * replaced collection loads its replacement; resolves once they all hold it or after `waitMs`.
   */
  warmBeforeSwap?(replacements: readonly Replacement[], waitMs: number): Promise<WarmedBeforeSwap>;
  close(): Promise<void>;
}

/** A collection a rebuild swaps in (`next`) for the one serving now (`previous`). */
export type Replacement = { previous: string; next: string };

/** Processes that held a replaced collection, and how many of them did not load its replacement in time. */
export type WarmedBeforeSwap = { holders: number; late: number };

/** MongoDB's E11000. */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
  constructor(
    readonly collection: string,
    readonly key: Record<string, unknown>,
  ) {
    super(`E11000 duplicate key error collection: ${collection} dup key: ${JSON.stringify(key)}`);
    this.name = 'DuplicateKeyError';
  }
}

/**
 * MongoDB's refusal of a createIndex that clashes with an index the collection has:
 * IndexKeySpecsConflict (86), an index of that name with other keys or another `unique`; or
 * IndexOptionsConflict (85), an index of those keys and `unique` under another name. Changing an
 * index is dropping it and creating the new one, deliberately (index_catalog_impl.cpp,
 * _doesSpecConflictWithExisting; `unique` is part of an index's identity since MongoDB 4.9, SERVER-47657).
 */
export class IndexConflictError extends Error {
  constructor(
    readonly code: 85 | 86,
    readonly collection: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IndexConflictError';
  }

  get codeName(): string {
    return this.code === 86 ? 'IndexKeySpecsConflict' : 'IndexOptionsConflict';
  }
}
