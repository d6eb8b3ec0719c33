import { DocumentIndex } from './document-index.js';
import { compileFilter } from './document-filter.js';
import type { Staged, Staging, StagingUndo } from './embedded-staging.js';
import { DuplicateKeyError, type Document, type Filter, type IndexSpec } from './read-model-store.js';

/** A collection as the embedded store holds it in memory: its documents and their indexes, at a version of the file. */
export type Cached = {
  version: number;
  docs: Map<string, Document>;
  indexes: DocumentIndex[];
};

/** What a write's view needs of the store: its documents as they are before the write. */
export type StoreReads = {
  byIds(name: string, ids: readonly string[]): Document[];
  candidates(name: string, filter: Filter): { docs: Iterable<Document>; residual: Filter };
  indexSpecs(name: string): Array<IndexSpec & { name: string }>;
  documents(name: string): Cached;
};

/**
 * The embedded store's documents as one write sees them while it stages its changes: what
 * it changed so far (its Staging) over what the store holds. Stages new versions after
 * checking `_id` and unique indexes against that view, as MongoDB would refuse them
 * (DuplicateKeyError); nothing is written or shown to readers until the write commits.
 */
export class WriteView {
  /** Set while a write of a group stages (see WriteGroups): what it changes is recorded, to be taken back if it fails. */
  undo: StagingUndo | undefined;

  constructor(private readonly reads: StoreReads) {}

  /** The current view of a document inside a write: staged if it was changed, else cached. */
  view(staging: Staging, name: string, id: string): Document | undefined {
    const staged = staging.get(name);
    if (staged?.has(id)) return staged.get(id)?.doc;
    return this.reads.byIds(name, [id])[0];
  }

  /** Documents of `name` matching `filter` as the write currently sees them. */
  matching(staging: Staging, name: string, filter: Filter, limit = Infinity): Document[] {
    const named = limit > 0 ? this.namedById(staging, name, filter) : undefined;
    if (named !== undefined) return named;
    const { docs, residual } = this.reads.candidates(name, filter);
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

  /**
   * What a filter of an `_id` and plain equalities (`{ _id, collection }`: a projection's
   * checkpoint; a lease's guard) matches, read by id without compiling the filter, which every
   * runner's batch paid for each of its checkpoints: the document when it is there and matches
   * as plainly, none when it is not there (`_id` is unique). Undefined for any other filter, or
   * a document that does not match as plainly (an array holding the value, say): the general
   * path then decides.
   */
  private namedById(staging: Staging, name: string, filter: Filter): Document[] | undefined {
    const id = filter._id;
    if (typeof id !== 'string') return undefined;
    const others = Object.keys(filter).filter((key) => key !== '_id');
    for (const key of others) {
      const value = filter[key];
      if (key.startsWith('$') || key.includes('.') || !(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return undefined;
    }
    const doc = this.view(staging, name, id);
    if (!doc) return [];
    return others.every((key) => doc[key] === filter[key]) ? [doc] : undefined;
  }

  /** Stages a document version after checking `_id` and unique indexes against the write's view. */
  put(staging: Staging, name: string, version: Staged, replacing: string | undefined): void {
    if (replacing === undefined && this.view(staging, name, version.id)) {
      throw new DuplicateKeyError(name, { _id: version.id });
    }
    // Unique keys are checked in memory: only a collection with a unique index is loaded for it.
    if (this.reads.indexSpecs(name).some((spec) => spec.unique)) {
      for (const index of this.reads.documents(name).indexes) {
        if (!index.spec.unique) continue;
        for (const key of index.keysOf(version.doc)) this.checkUnique(staging, name, index, key, version.id);
      }
    }
    this.undo?.before(staging, name, version.id);
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
    this.undo?.before(staging, name, id);
    let staged = staging.get(name);
    if (!staged) staging.set(name, (staged = new Map()));
    staged.set(id, null);
  }
}
