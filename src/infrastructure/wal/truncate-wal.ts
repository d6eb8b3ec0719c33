import type Database from 'better-sqlite3';

/**
 * Copies a WAL into its database file and empties it (`wal_checkpoint(TRUNCATE)`), as the
 * erasure does once it has deleted: until then the WAL still holds the deleted documents'
 * former pages. SQLite cannot empty a WAL while a reader (another process, the loader or the
 * checkpoint thread) still uses it: the pragma then says `busy` and leaves the WAL as it was,
 * waiting no longer than the connection's busy_timeout (25 ms on the stores' connections). So
 * it is tried again for a while, and a WAL that could not be emptied is an error, never a
 * silent success: the erasure job fails and runs again later instead of being taken as done.
 */
export const truncateWal = async (db: Database.Database, file: string, waitMs = TRUNCATE_WAIT_MS): Promise<void> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (!result || result.busy === 0) return;
    if (Date.now() >= deadline) throw new Error(`${file}: the WAL could not be emptied within ${waitMs} ms (a reader keeps using it); try again later`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Readers hold the WAL for a query at a time: a few seconds is plenty, and short enough for a job to fail and retry. */
const TRUNCATE_WAIT_MS = 5_000;
