import type { Logger } from 'pino';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import { REBUILDS, type RebuildStatus } from './rebuild-claims.js';

/**
 * The versions of a projection's collection (`products`, `products__v7`) and what becomes of the
 * old ones. A rebuild that swapped a new version in drops the one it replaced after a grace
 * period (other processes may still query it for a moment), held in memory: a process killed in
 * that grace, or the command line's rebuild interrupted while it waits, left it for good, with
 * every customer's data as it stood (a black-box probe found erased customers' emails in such a
 * `customers__v9`, untouched by their erasures and by restarts). So whoever runs a projection
 * looks now and then, and the erasure once more before it empties the journals, for versions
 * that no checkpoint names and no rebuild writes, and drops them.
 */

/** The collection each projection's checkpoint names (the projection's own when it has none). */
export const currentCollections = async (store: ReadModelStore, selected: readonly Projection[]): Promise<Map<string, string>> => {
  const checkpoints = await store.collection<Checkpoint>(CHECKPOINTS).find({ _id: { $in: selected.map((p) => p.name) } });
  return new Map(selected.map((p) => [p.name, checkpoints.find((c) => c._id === p.name)?.collection ?? p.collection]));
};

/** Before a rebuild: the versions of its collections that no checkpoint names (what an interrupted rebuild left), and its targets. */
export const dropLeftovers = async (store: ReadModelStore, selected: readonly Projection[], current: Map<string, string>, targets: Record<string, string>): Promise<void> => {
  const existing = await store.listCollections();
  for (const projection of selected) {
    const keep = current.get(projection.name);
    for (const name of existing) {
      if (isVersionOf(projection.collection, name) && name !== keep) await store.dropCollection(name);
    }
    if (targets[projection.name] !== keep) await store.dropCollection(targets[projection.name]!);
  }
};

/** How long after a swap the collection it replaced may still be queried (by a process that has not seen the swap yet). */
export const RETIRE_GRACE_MS = 5000;

/** `products` is version 1 of itself; `products__v7` is version 7. */
export const versionOf = (logical: string, collection: string): number => {
  if (collection === logical) return 1;
  const match = /__v(\d+)$/.exec(collection);
  return match && collection.startsWith(`${logical}__v`) ? Number(match[1]) : 1;
};

export const isVersionOf = (logical: string, name: string) => name === logical || new RegExp(`^${escape(logical)}__v\\d+$`).test(name);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Drops the versions of these projections' collections that are retired: not the one their
 * checkpoint names (serving), none while a rebuild of the projection is marked running (what it
 * writes, and what an interrupted one left, are the next rebuild's to drop), and only once the
 * grace after the last rebuild's end has passed. Collections are listed before anything else
 * is read: a version made after that (a rebuild started meanwhile) is never among them.
 * Resolves to the collections dropped.
 */
export const dropRetired = async (
  deps: { store: ReadModelStore; logger: Logger; now: () => Date },
  projections: ReadonlyArray<Pick<Projection, 'name' | 'collection'>>,
  graceMs = RETIRE_GRACE_MS,
): Promise<string[]> => {
  if (projections.length === 0) return [];
  const existing = await deps.store.listCollections();
  const names = projections.map((p) => p.name);
  const rebuilds = await deps.store.collection<RebuildStatus>(REBUILDS).find({ _id: { $in: names } });
  const checkpoints = await deps.store.collection<Checkpoint>(CHECKPOINTS).find({ _id: { $in: names } });
  const now = deps.now().getTime();
  const dropped: string[] = [];
  for (const projection of projections) {
    const rebuild = rebuilds.find((r) => r._id === projection.name);
    if (rebuild?.status === 'running') continue;
    if (rebuild?.finishedAt !== undefined && Date.parse(rebuild.finishedAt) > now - graceMs) continue;
    const serving = checkpoints.find((c) => c._id === projection.name)?.collection ?? projection.collection;
    for (const name of existing.filter((n) => isVersionOf(projection.collection, n) && n !== serving)) {
      await deps.store.dropCollection(name);
      dropped.push(name);
    }
  }
  if (dropped.length > 0) {
    deps.logger.warn({ collections: dropped }, 'dropped read model collections a rebuild had retired and not dropped (its process stopped in its grace)');
    await deps.store.truncateJournal();
  }
  return dropped;
};
