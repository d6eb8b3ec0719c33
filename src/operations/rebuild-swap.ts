import type { Logger } from 'pino';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { projectionVersion, type Projection } from '../projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import type { ProjectionViews } from '../projections/views.js';
import { TakenOver, type Claim, type RebuildClaims } from './rebuild-claims.js';

/**
 * A rebuild's swap: one atomic write, under the claims' guards: the checkpoints now name the
 * rebuilt collections, at the positions they reached, and the rebuilds are done. Nobody sees the
 * new collections serving while the status still says running, or the other way round.
 */
export const swapIn = async (
  deps: { store: ReadModelStore; logger: Logger; views?: ProjectionViews },
  claims: RebuildClaims,
  selected: readonly Projection[],
  rebuilt: ReadonlyArray<{ name: string; collection: string; position: number }>,
  claim: Claim,
  reached: { head: number; events: number },
): Promise<void> => {
  const updatedAt = new Date().toISOString();
  const checkpoints = rebuilt.map(({ name, collection, position }) => {
    const projection = selected.find((p) => p.name === name)!;
    const replacement: Checkpoint = { _id: name, logical: projection.collection, collection, position, updatedAt, version: projectionVersion(projection) };
    return { collection: CHECKPOINTS, replaceOne: { filter: { _id: name }, replacement, upsert: true } };
  });
  try {
    // The progress as it ended, not the last heartbeat's: a rebuild shorter than one beat had none.
    const position = Math.min(...rebuilt.map((p) => p.position));
    const done = claims.finishing(claim, { status: 'done', position, head: Math.max(reached.head, position), events: reached.events });
    await deps.store.bulkWrite([...claim.fence.guards(), ...checkpoints, ...done]);
  } catch (error) {
    throw claim.fence.refuses(error) ? new TakenOver(claim.names) : error;
  }
  deps.views?.invalidate();
  deps.logger.info({ projections: rebuilt }, 'rebuilt read models swapped in');
};
