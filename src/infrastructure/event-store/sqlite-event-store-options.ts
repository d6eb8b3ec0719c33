import type { StorageDamagedError } from './file-damage.js';

/** How an embedded event store (sqlite-event-store.ts) is opened. */
export type SqliteEventStoreOptions = {
  /** A file path, or ':memory:' for tests that need no durability. */
  path: string;
  /**
   * How often a waiting subscriber looks for appends made by other processes (ms): the
   * fallback behind the commit bell (see CrossProcessWake), which wakes it at once. Default
   * 1000 once the bell is heard here, 100 until then (or when it cannot be). Appends in this
   * process wake subscribers at once.
   */
  crossProcessPollMs?: number;
  /** Ring and listen to the commit bell (`<path>-wake`, see CommitBell). Default true; false leaves other processes to the poll. */
  crossProcessWake?: boolean;
  /** Upper bound of appends committed by one transaction. */
  maxBatch?: number;
  /** How long appends wait for another process to let go of the file's write lock before they fail (SQLITE_BUSY). */
  lockWaitMs?: number;
  /**
   * Commit a file's batches from a thread of its own (CommitThread). Off by default: the event
   * loop then goes on during the fsync (more requests answered under load, a lower p99), but
   * every batch pays two hops between threads, which appends that follow one another on one
   * stream (a hot SKU) and a lone append's latency feel; see the README's performance section.
   */
  commitThread?: boolean;
  /** Frames in the WAL at which a checkpoint holds the appends for a moment so that the WAL starts over (see WalRestart). */
  walRestartFrames?: number;
  /** Check the whole file from a thread when it opens (see FileDamage); `onDamage` hears of damage found, then or later, once. */
  checkWholeFile?: boolean;
  onDamage?: (error: StorageDamagedError) => void;
};
