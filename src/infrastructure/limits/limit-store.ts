import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Where limits are counted (failed sign-ins per account, requests per client). On a shared
 * store every process of the shop counts against the same numbers, and the numbers outlive
 * the processes: a lockout holds whichever process is asked, and after a restart.
 */

export type LimitOptions = {
  /** Keeps one limit's keys apart from another's in the shared table. */
  keyPrefix: string;
  /** What a key may spend in a window. */
  points: number;
  /** The window, in seconds, from a key's first spending. */
  duration: number;
  /** How long a key that went over is refused, in seconds, from the moment it went over. */
  blockDuration?: number;
};

/** The part of rate-limiter-flexible's limiters the shop uses: every store's limiter has it. */
export interface Limiter {
  /** Spends points; rejects with a RateLimiterRes when the key has gone over (or is blocked). */
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  /** Spends points without ever rejecting: the answer says how many the window holds now. */
  penalty(key: string, points?: number): Promise<RateLimiterRes>;
  /** Gives points back. */
  reward(key: string, points?: number): Promise<RateLimiterRes>;
  /** Forgets the key. */
  delete(key: string): Promise<boolean>;
}

export interface LimitStore {
  /** For the log: what keeps the counts. */
  readonly kind: string;
  limiter(options: LimitOptions): Limiter;
  /**
   * Writes the journal (SQLite's write-ahead log) into the store's file and empties it, so that
   * bytes just deleted or overwritten (with secure_delete) are gone from every file of it: called
   * after an erasure's scrub. A no-op on a server (EventStoreDB, MongoDB), which keeps its own files.
   */
  truncateJournal(): Promise<void>;
  close(): Promise<void>;
}

/** Counts in this process's memory: nothing shared, nothing kept. For tests, and the fallback of a shared store. */
export class MemoryLimitStore implements LimitStore {
  readonly kind = 'memory';

  limiter(options: LimitOptions): Limiter {
    return new RateLimiterMemory(options);
  }

  async truncateJournal(): Promise<void> {}

  async close(): Promise<void> {}
}
