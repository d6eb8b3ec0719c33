import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';

/**
 * A process that counts in a limits file: `node limit-counter.js <file> <key> <times> <startAt>`
 * waits for the clock to reach `startAt` (ms), spends one point of `key` `times` times, one
 * after the other, then exits. Several started together count at the same moments (node's
 * own start takes longer than the counting), showing whether their counts add up.
 *
 * A count that found the file busy past the store's short busy_timeout (a loaded machine
 * can deschedule the lock's holder for longer) wrote nothing, and is spent again: the server
 * falls back to counting in memory then (the fail-safe store); this test is about counts
 * that are written adding up, not about how long a writer may wait.
 */

const busy = (error: unknown) => (error as { code?: string } | null)?.code === 'SQLITE_BUSY' || String(error).includes('SQLITE_BUSY');
const spend = async (limiter: ReturnType<SqliteLimitStore['limiter']>, key: string) => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await limiter.penalty(key, 1);
    } catch (error) {
      if (!busy(error) || attempt >= 100) throw error;
    }
  }
};

const [path, key, times, startAt] = process.argv.slice(2);
const store = new SqliteLimitStore(path!);
const limiter = store.limiter({ keyPrefix: 'counter', points: 1_000_000, duration: 600 });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
for (let i = 0; i < Number(times); i += 1) await spend(limiter, key!);
await store.close();
