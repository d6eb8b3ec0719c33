import { ReadModelsBehindError } from './read-models-behind.js';
import type { AppDeps } from './deps.js';

/** How long a read that found nothing waits for the read models to reach the log's head. */
export const CATCH_UP_MS = 2_000;

/**
 * A read of one thing by its id, whose miss is checked against the log before it is believed.
 * Read-your-writes (consistency.ts) covers a caller's own writes only: an admin opening an
 * order a customer placed a moment ago, or anyone opening a product an admin just created,
 * would be told 404 while the read models catch up (with WORKERS=n, a moment longer: another
 * process may run them). So a miss waits, bounded, until every projection has processed the
 * log as it stood when the miss was found, and looks once more. A hit never waits, and a true
 * miss costs one more lookup when the read models are caught up. A miss the read models could
 * not confirm in time is 503 `read-models-behind`, not 404.
 */
export const findCaughtUp = async <T>(deps: Pick<AppDeps, 'cluster' | 'eventStore'>, find: () => Promise<T | null | undefined>): Promise<T | null | undefined> => {
  const found = await find();
  if (found) return found;
  const head = await deps.eventStore.headPosition();
  const caughtUp = await deps.cluster.waitFor(head, CATCH_UP_MS);
  const again = await find();
  // Still missing from read models that did not reach the log's head: nothing says it does not exist.
  if (!again && !caughtUp) throw new ReadModelsBehindError(head, CATCH_UP_MS);
  return again;
};
