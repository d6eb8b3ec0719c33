import { DocumentIndex, indexConflict } from './document-index.js';
import type { EmbeddedMemory } from './embedded-memory.js';
import type { Staging } from './embedded-staging.js';
import type { StoreStatements } from './embedded-statements.js';
import { DuplicateKeyError, type IndexSpec } from './read-model-store.js';

/**
 * A new index of a collection, staged alone under the write lock (addIndex): built over the
 * collection's documents (loaded for it), refused like MongoDB when they break its uniqueness or
 * another index has its name or keys, written into the file's specs and held in memory. The
 * collection is stamped with a new version, so other processes build their indexes again.
 */
export const stageIndex = (memory: EmbeddedMemory, sql: Pick<StoreStatements, 'touch' | 'setIndexes'>, staging: Staging, name: string, spec: IndexSpec & { name: string }): void => {
  const cached = memory.documents(name);
  const conflict = indexConflict(name, cached.indexes.map((index) => index.spec), spec);
  if (conflict === 'exists') return;
  if (conflict) throw conflict;
  const index = new DocumentIndex(spec);
  for (const doc of cached.docs.values()) {
    if (spec.unique && index.keysOf(doc).some((key) => index.owners(key).size > 0)) throw new DuplicateKeyError(name, { index: spec.name });
    index.add(doc);
  }
  const specs = [...cached.indexes.map((i) => i.spec), spec];
  sql.touch.run(name, cached.version);
  sql.setIndexes.run(JSON.stringify(specs), name);
  cached.indexes.push(index);
  staging.set(name, new Map());
};
