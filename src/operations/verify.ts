import type { Logger } from 'pino';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { Document, ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { projectionVersion, type Projection } from '../projections/projection.js';
import { CHECKPOINTS, ProjectionRunner, type Checkpoint } from '../projections/runner.js';
import { checkInvariants, type InvariantsReport } from './invariants.js';
import { canonical } from './invariants-snapshot.js';
import { REBUILD_BATCH, WRITE_BEHIND } from './rebuild.js';
import { standing } from './standing.js';

/**
 * Verifies read models against the log, two ways:
 * - divergences: folds the selected projections from the start into scratch collections,
 *   up to where the live ones stand (see standing.ts), and compares document by document. Documents the live
 *   projection changed after that point are left out, so a verification can run while the
 *   server writes. A fold that is wrong is wrong the same way twice: this cannot see it.
 * - invariants (see invariants.ts): what must hold across read models and the log, which a
 *   wrong fold breaks.
 */

export type Divergence = {
  projection: string;
  collection: string;
  id: string;
  kind: 'missing' | 'unexpected' | 'different';
  /** For `different`: the top-level fields that differ, with the live and the rebuilt value. */
  fields?: Array<{ field: string; live: unknown; rebuilt: unknown }>;
};

export type VerifyDeps = { eventStore: EventStore; store: ReadModelStore; schema: EventSchema; logger: Logger };

const VERIFY_CHECKPOINTS = 'verify_checkpoints';

/**
 * `head`: the log's head; past `position`, what the read models have not folded yet is not checked;
 * `behind`: the projections whose read models stand before it.
 * `outdated`: projections whose live read models an earlier version of the projection folded
 * (the server rebuilds them when it starts): their divergences say so, not that a fold went wrong.
 */
export type Verification = { position: number; head: number; behind: string[]; divergences: Divergence[]; invariants: InvariantsReport; outdated: Array<{ projection: string; live: number; current: number }> };

export const verify = async (deps: VerifyDeps, selected: readonly Projection[]): Promise<Verification> => {
  const live = await deps.store.collection<Checkpoint>(CHECKPOINTS).find({ _id: { $in: selected.map((p) => p.name) } });
  const liveOf = (p: Projection) => live.find((c) => c._id === p.name);
  const head = await deps.eventStore.headPosition();
  const stands = await standing(deps, selected, new Map(live.map((c) => [c._id, c.position])), head);
  const position = Math.min(...selected.map((p) => stands.get(p.name)!));
  const scratch = Object.fromEntries(selected.map((p) => [p.name, `${p.collection}__verify`]));
  await clean(deps, selected, scratch);
  try {
    if (position > 0) await fold(deps, selected, scratch, position);
    const divergences: Divergence[] = [];
    for (const projection of selected) {
      const collection = liveOf(projection)?.collection ?? projection.collection;
      divergences.push(...(await compare(deps.store, projection.name, collection, scratch[projection.name]!, position)));
    }
    const outdated = selected.flatMap((p) => {
      const checkpoint = liveOf(p);
      const live = checkpoint?.version ?? 1;
      return checkpoint && checkpoint.position > 0 && live !== projectionVersion(p) ? [{ projection: p.name, live, current: projectionVersion(p) }] : [];
    });
    const behind = selected.filter((p) => stands.get(p.name)! < head).map((p) => p.name);
    return { position, head, behind, divergences, invariants: await checkInvariants(deps, selected), outdated };
  } finally {
    await clean(deps, selected, scratch);
  }
};

const fold = async (deps: VerifyDeps, selected: readonly Projection[], scratch: Record<string, string>, until: number) => {
  const runner = new ProjectionRunner(
    { eventStore: deps.eventStore, readModels: deps.store, schema: deps.schema, logger: deps.logger },
    selected,
    { checkpoints: VERIFY_CHECKPOINTS, targets: scratch, until, batchSize: REBUILD_BATCH, writeBehind: WRITE_BEHIND, fresh: true },
  );
  await runner.start();
  try {
    while (!(await runner.waitFor(until, 1000))) {
      if (runner.status === 'failing' || runner.status === 'failed') throw new Error(`verification could not fold the log: ${runner.lastError}`, { cause: runner.lastFailure });
    }
  } finally {
    await runner.stop();
  }
};

const compare = async (store: ReadModelStore, projection: string, collection: string, scratch: string, position: number): Promise<Divergence[]> => {
  const [liveDocs, rebuiltDocs] = await Promise.all([store.collection(collection).find({}), store.collection(scratch).find({})]);
  const live = new Map(liveDocs.map((d) => [d._id, d]));
  const rebuilt = new Map(rebuiltDocs.map((d) => [d._id, d]));
  const divergences: Divergence[] = [];
  for (const id of new Set([...live.keys(), ...rebuilt.keys()])) {
    const l = live.get(id);
    const r = rebuilt.get(id);
    if (l && Number(l._position ?? 0) > position) continue; // changed since: not comparable
    if (!l) divergences.push({ projection, collection, id, kind: 'missing' });
    else if (!r) divergences.push({ projection, collection, id, kind: 'unexpected' });
    else {
      const fields = differences(l, r);
      if (fields.length > 0) divergences.push({ projection, collection, id, kind: 'different', fields });
    }
  }
  return divergences;
};

/** The same document stored by another path compares equal (canonical: sorted keys). */
const differences = (live: Document, rebuilt: Document) =>
  [...new Set([...Object.keys(live), ...Object.keys(rebuilt)])]
    .filter((field) => canonical(live[field]) !== canonical(rebuilt[field]))
    .map((field) => ({ field, live: live[field], rebuilt: rebuilt[field] }));

const clean = async (deps: VerifyDeps, selected: readonly Projection[], scratch: Record<string, string>) => {
  for (const name of Object.values(scratch)) await deps.store.dropCollection(name);
  await deps.store.collection(VERIFY_CHECKPOINTS).deleteMany({ _id: { $in: selected.map((p) => p.name) } });
};
