import { randomUUID } from 'node:crypto';
import { Query } from 'mingo';
import { compileFilter, QUERY_OPTIONS } from './document-filter.js';
import { aggregator, sortDocuments } from './document-sort.js';
import { applyUpdate, seedFromFilter } from './document-update.js';
import { runNative } from './native-aggregate.js';
import { Unsupported } from './native-expressions.js';
import { compileProjection } from './native-projection.js';
import { undefinedAsNullInPipeline } from './undefined-filter.js';
import type { EmbeddedReadModelStore } from './embedded-read-model-store.js';
import { Staged, type Staging } from './embedded-staging.js';
import type {
  DeleteResult,
  Document,
  Filter,
  FindOptions,
  IndexSpec,
  ReadModelCollection,
  Sort,
  Update,
  UpdateOptions,
  WriteOperation,
  WriteOptions,
  UpdateResult,
} from './read-model-store.js';

/**
 * One collection of the embedded store. Reads evaluate mingo over the store's in-memory
 * documents (narrowed by an index where one applies) and hand out copies; every write,
 * alone or within a bulk write, goes through the store's staging, so that it is checked
 * against unique keys and persisted atomically.
 */
export class EmbeddedCollection<T extends Document> implements ReadModelCollection<T> {
  constructor(
    private readonly store: EmbeddedReadModelStore,
    readonly name: string,
  ) {}

  async findOne(filter: Filter, options: Pick<FindOptions, 'sort' | 'projection' | 'readonly'> = {}): Promise<T | null> {
    return (await this.find(filter, { ...options, limit: 1 }))[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const loading = this.store.memory.loadForQuery(this.name, filter);
    if (loading) await loading;
    const { docs, residual } = this.store.memory.candidates(this.name, filter);
    const test = compileFilter(residual);
    const matched: Document[] = [];
    for (const doc of docs) if (test(doc)) matched.push(doc);
    if (!options.sort && !options.skip && !options.projection) {
      const page = matched.slice(0, options.limit || undefined) as T[];
      return options.readonly ? page : page.map(clone);
    }
    // Sorted by MongoDB's order (mingo's cursor orders arrays otherwise: see document-sort),
    // paged, then projected: a field projected away still decides the order.
    const skip = options.skip ?? 0;
    const page = options.sort ? sortedPage(matched, options.sort, skip, options.limit) : matched.slice(skip, options.limit ? skip + options.limit : undefined);
    const answers = options.projection ? projectPage(page, options.projection) : page;
    // Sorted, paged or projected alike: a caller that changes nothing gets the store's own (1,800 orders cloned took 40-100 ms).
    return (options.readonly ? answers : answers.map(clone)) as T[];
  }

  async countDocuments(filter: Filter = {}): Promise<number> {
    const loading = this.store.memory.loadForQuery(this.name, filter);
    if (loading) await loading;
    const { docs, residual } = this.store.memory.candidates(this.name, filter);
    const test = compileFilter(residual);
    let count = 0;
    for (const doc of docs) if (test(doc)) count += 1;
    return count;
  }

  async aggregate<R = Document>(given: Record<string, unknown>[]): Promise<R[]> {
    // Undefined in a $match reads as null, as MongoDB is sent it (see undefinedAsNull): mingo runs some of them.
    let pipeline = undefinedAsNullInPipeline(given);
    const first = pipeline[0]?.$match as Filter | undefined;
    const loading = this.store.memory.loadForQuery(this.name, first && typeof first === 'object' && Object.keys(pipeline[0]!).length === 1 ? first : {});
    if (loading) await loading;
    let source: Document[];
    if (first && typeof first === 'object' && Object.keys(pipeline[0]!).length === 1) {
      // The first $match narrowed by an index: what the index answers exactly is not matched again.
      const { docs, residual } = this.store.memory.candidates(this.name, first);
      source = [...docs];
      pipeline = Object.keys(residual).length > 0 ? [{ $match: residual }, ...pipeline.slice(1)] : pipeline.slice(1);
    } else source = [...this.store.memory.scanned(this.name).docs.values()];
    // The common stages natively; a pipeline that goes beyond them runs on mingo as a whole.
    const results = (runNative(source, pipeline) ?? aggregator(pipeline).run(source)) as R[];
    return results.map((doc) => structuredClone(doc));
  }

  async insertOne(document: T): Promise<void> {
    await this.store.write((staging) => this.stageInsert(staging, document));
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write((staging) => this.stageReplace(staging, filter, replacement, options), options);
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write((staging) => this.stageUpdate(staging, filter, update, options, 1), options);
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.store.write((staging) => this.stageUpdate(staging, filter, update, options, Infinity), options);
  }

  async deleteOne(filter: Filter, options: WriteOptions = {}): Promise<DeleteResult> {
    return this.store.write((staging) => this.stageDelete(staging, filter, 1), options);
  }

  async deleteMany(filter: Filter, options: WriteOptions = {}): Promise<DeleteResult> {
    return this.store.write((staging) => this.stageDelete(staging, filter, Infinity), options);
  }

  async createIndex(index: IndexSpec): Promise<string> {
    const name = index.name ?? Object.entries(index.keys).map(([k, v]) => `${k}_${v}`).join('_');
    await this.store.addIndex(this.name, { ...index, name });
    return name;
  }

  // ------------------------------------------------ staged forms, shared with bulkWrite

  stageInsert(staging: Staging, document: Document): void {
    const json = JSON.stringify(document);
    this.store.writes.put(staging, this.name, new Staged(json, document._id), undefined);
  }

  /** `counted`: whether the caller wants modifiedCount (bulk writes do not; they skip the comparison). */
  stageReplace(staging: Staging, filter: Filter, replacement: Document, options: UpdateOptions, counted = true): UpdateResult {
    // An upsert by _id ends with the replacement stored whether or not the document existed:
    // in a bulk write (no counts to report) there is nothing to look up.
    const onlyId = Object.keys(filter).length === 1 && typeof filter._id === 'string';
    if (!counted && options.upsert && onlyId && (replacement._id === undefined || replacement._id === filter._id)) {
      const json = JSON.stringify(replacement._id === undefined ? { ...replacement, _id: filter._id } : replacement);
      this.store.writes.put(staging, this.name, new Staged(json, filter._id as string), filter._id as string);
      return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
    }
    const [target] = this.store.writes.matching(staging, this.name, filter, 1);
    if (target) {
      const json = JSON.stringify({ ...replacement, _id: target._id });
      const unchanged = counted && json === JSON.stringify(target);
      if (!unchanged) this.store.writes.put(staging, this.name, new Staged(json, target._id), target._id);
      return { matchedCount: 1, modifiedCount: unchanged ? 0 : 1, upsertedId: null };
    }
    if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedId: null };
    const seededId = seedFromFilter(filter)._id;
    const _id = replacement._id ?? (typeof seededId === 'string' ? seededId : randomUUID());
    this.stageInsert(staging, { ...replacement, _id });
    return { matchedCount: 0, modifiedCount: 0, upsertedId: _id };
  }

  stageUpdate(staging: Staging, filter: Filter, update: Update, options: UpdateOptions, limit: number): UpdateResult {
    const targets = this.store.writes.matching(staging, this.name, filter, limit);
    let modifiedCount = 0;
    for (const target of targets) {
      const next = applyUpdate(target, update, false);
      const json = JSON.stringify(next);
      if (json === JSON.stringify(target)) continue;
      this.store.writes.put(staging, this.name, new Staged(json, target._id, storable(next)), target._id);
      modifiedCount += 1;
    }
    if (targets.length > 0 || !options.upsert) return { matchedCount: targets.length, modifiedCount, upsertedId: null };
    const seed = seedFromFilter(filter);
    const inserted = applyUpdate({ ...seed, _id: typeof seed._id === 'string' ? seed._id : randomUUID() }, update, true);
    this.store.writes.put(staging, this.name, new Staged(JSON.stringify(inserted), inserted._id, storable(inserted)), undefined);
    return { matchedCount: 0, modifiedCount: 0, upsertedId: inserted._id };
  }

  stageDelete(staging: Staging, filter: Filter, limit: number): DeleteResult {
    const targets = this.store.writes.matching(staging, this.name, filter, limit);
    for (const target of targets) this.store.writes.remove(staging, this.name, target._id);
    return { deletedCount: targets.length };
  }
}

const clone = <D>(doc: D): D => structuredClone(doc);

/**
 * The document an update computed, when it is what its JSON reads back as; else undefined, and
 * the store keeps the document parsed from its JSON (see Staged). An update may leave a value
 * JSON has not (an undefined in an object or an array, a number that is not finite): read back
 * by id from memory, it would differ from the same document read from the file, or from MongoDB.
 */
const storable = (doc: Document): Document | undefined => (isJson(doc) ? doc : undefined);

const isJson = (value: unknown): boolean => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (!isJson((value as Record<string, unknown>)[key])) return false;
  return true;
};

/**
 * A page projected as MongoDB projects a find's answers: natively where the projection is in
 * the subset of $project that native-projection.ts runs (fields to include, computed fields),
 * else by mingo (an exclusion, a path through an array). A lookup by id that reads a few
 * fields (a request's role check) costs a tenth of building mingo's query for it.
 */
const projectPage = (page: Document[], projection: Record<string, unknown>): Array<Record<string, unknown>> => {
  try {
    const { apply } = compileProjection(projection);
    return page.map(apply);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
  }
  return new Query({}, QUERY_OPTIONS).find<Record<string, unknown>>(page, projection).all();
};

/**
 * The documents `skip` to `skip + limit` in the order of `sort`: natively (the best `skip + limit`
 * kept as they stream past) where the sort keys are scalars, else by MongoDB's sort of arrays.
 */
const sortedPage = (docs: Document[], sort: Sort, skip: number, limit: number | undefined): Document[] => {
  const pipeline: Array<Record<string, unknown>> = [{ $sort: sort }];
  if (skip > 0) pipeline.push({ $skip: skip });
  if (limit) pipeline.push({ $limit: limit });
  const native = runNative(docs, pipeline) as Document[] | undefined;
  if (native) return native;
  return sortDocuments(docs, sort).slice(skip, limit ? skip + limit : undefined);
};

/** Stages one operation of a bulk write on its collection. */
export const stageOperation = (collection: EmbeddedCollection<Document>, staging: Staging, operation: WriteOperation): void => {
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
};
