import type {
  Document,
  Filter,
  FindOptions,
  IndexSpec,
  LoadedDocument,
  ReadModelCollection,
  ReadModelStore,
  Update,
  UpdateOptions,
  WriteOptions,
  WriteOperation,
} from '../infrastructure/read-models/read-model-store.js';
import { CHECKPOINTS, type Checkpoint } from './runner.js';

/**
 * The read-model store as queries see it: a projection's collection is looked up by its
 * logical name (`products`) and served from the collection its checkpoint names now
 * (`products__v2` after a rebuild). The mapping is cached briefly; a swap by another
 * process is seen within `ttlMs`, and the previous collection is kept long enough for it.
 */
export class ProjectionViews implements ReadModelStore {
  private mapping = new Map<string, string>();
  private loadedAt = 0;
  /** A mapping read before this (a swap was seen at this time) is not taken, even by a refresh already under way. */
  private notBefore = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: ReadModelStore,
    private readonly ttlMs = 1000,
  ) {}

  collection<T extends Document = Document>(name: string): ReadModelCollection<T> {
    return new ViewCollection<T>(name, () => this.resolve(name), this.store);
  }

  /** The physical collection behind a logical name. */
  async resolve(name: string): Promise<string> {
    // A refresh under way when a swap was seen is not taken: read again (a few times at most, should the clock step back).
    for (let refreshes = 0; refreshes < 3 && (Date.now() - this.loadedAt > this.ttlMs || this.loadedAt < this.notBefore); refreshes += 1) await this.refresh();
    return this.mapping.get(name) ?? name;
  }

  /**
   * Forget the mapping: a swap was made (by a rebuild in this process) or seen (by this
   * process's runner, of another process's rebuild). Every read from now on reads the
   * checkpoints again first, a refresh that was under way included.
   */
  invalidate(): void {
    this.loadedAt = 0;
    this.notBefore = Date.now();
  }

  /**
   * Takes the mapping from checkpoints read at `readAt` when that is more recent than its own:
   * a reader that waited for the checkpoints to reach its position then reads the collections
   * they name, even right after a swap.
   */
  adopt(checkpoints: Iterable<Checkpoint>, readAt: number): void {
    if (readAt <= this.loadedAt || readAt < this.notBefore) return;
    this.mapping = mappingOf(checkpoints);
    this.loadedAt = readAt;
  }

  private refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const readAt = Date.now();
        this.adopt(await this.store.collection<Checkpoint>(CHECKPOINTS).find({ logical: { $exists: true } }), readAt);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  bulkWrite(operations: readonly WriteOperation[], options?: WriteOptions): Promise<void> {
    return this.store.bulkWrite(operations, options);
  }

  load(documents: readonly LoadedDocument[]): Promise<void> {
    return this.store.load(documents);
  }

  listCollections(): Promise<string[]> {
    return this.store.listCollections();
  }

  dropCollection(name: string): Promise<void> {
    return this.store.dropCollection(name);
  }

  renameCollection(from: string, to: string): Promise<void> {
    return this.store.renameCollection(from, to);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  truncateJournal(): Promise<void> {
    return this.store.truncateJournal();
  }

  warmUp(): Promise<string[]> {
    return this.store.warmUp?.() ?? Promise.resolve([]);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

const mappingOf = (checkpoints: Iterable<Checkpoint>) =>
  new Map([...checkpoints].filter((c) => typeof c.logical === 'string').map((c) => [c.logical, c.collection]));

/** A collection handle that finds its physical collection at every call. */
class ViewCollection<T extends Document> implements ReadModelCollection<T> {
  constructor(
    readonly name: string,
    private readonly resolve: () => Promise<string>,
    private readonly store: ReadModelStore,
  ) {}

  private async target() {
    return this.store.collection<T>(await this.resolve());
  }

  async findOne(filter: Filter, options?: Pick<FindOptions, 'sort' | 'projection' | 'readonly'>) {
    return (await this.target()).findOne(filter, options);
  }
  async find(filter: Filter, options?: FindOptions) {
    return (await this.target()).find(filter, options);
  }
  async countDocuments(filter?: Filter) {
    return (await this.target()).countDocuments(filter);
  }
  async aggregate<R = Document>(pipeline: Record<string, unknown>[]) {
    return (await this.target()).aggregate<R>(pipeline);
  }
  async insertOne(document: T) {
    return (await this.target()).insertOne(document);
  }
  async replaceOne(filter: Filter, replacement: T, options?: UpdateOptions) {
    return (await this.target()).replaceOne(filter, replacement, options);
  }
  async updateOne(filter: Filter, update: Update, options?: UpdateOptions) {
    return (await this.target()).updateOne(filter, update, options);
  }
  async updateMany(filter: Filter, update: Update, options?: UpdateOptions) {
    return (await this.target()).updateMany(filter, update, options);
  }
  async deleteOne(filter: Filter, options?: WriteOptions) {
    return (await this.target()).deleteOne(filter, options);
  }
  async deleteMany(filter: Filter, options?: WriteOptions) {
    return (await this.target()).deleteMany(filter, options);
  }
  async createIndex(index: IndexSpec) {
    return (await this.target()).createIndex(index);
  }
}
