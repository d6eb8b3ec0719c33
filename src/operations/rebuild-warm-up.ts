import type { Logger } from 'pino';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';

/** How long a swap waits at most for the processes holding the old collections to load the new ones. */
export const WARM_WAIT_MS = 10_000;

/**
 * Before a rebuild's swap, its collections complete and written no more until then: every
 * process that holds a replaced collection in memory loads its replacement now (the embedded
 * store; see embedded-warm-up.ts), where each used to load it at its first query after the swap,
 * every query of it waiting (5.3 s for the search's 50,000 products under traffic). Bounded: a
 * process that does not answer delays the swap by `waitMs` at most; a failure of it is logged, and
 * the swap goes on. Never rejects (a stop races it and goes on without it; a failure once
 * `stopping` says so, the store closed under it, is not one to log). MongoDB holds nothing.
 */
export const warmReplacements = async (
  deps: { store: ReadModelStore; logger: Logger; stopping?: () => boolean },
  projections: ReadonlyArray<{ name: string; collection: string; previous: string }>,
  waitMs: number,
): Promise<void> => {
  if (!deps.store.warmBeforeSwap) return;
  const started = Date.now();
  const replacements = projections.map(({ previous, collection }) => ({ previous, next: collection }));
  let outcome;
  try {
    outcome = await deps.store.warmBeforeSwap(replacements, waitMs);
  } catch (error) {
    // The process stopped during the wait (its store closed under it): no swap follows, and nothing went wrong.
    if (deps.stopping?.()) return;
    // Ahead of the queries only: the swap goes on, and the first queries load what they need as before.
    deps.logger.warn({ err: error, projections: projections.map((p) => p.name) }, 'could not have the rebuilt read models loaded before their swap');
    return;
  }
  const { holders, late } = outcome;
  if (holders === 0) return;
  const fields = { projections: projections.map((p) => p.name), holders, late, ms: Date.now() - started };
  if (late > 0) deps.logger.warn(fields, 'swapping rebuilt read models in before every process holding the old ones loaded them: their first queries load them');
  else deps.logger.info(fields, 'rebuilt read models loaded by the processes that hold the old ones');
};
