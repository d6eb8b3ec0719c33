import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';

/**
 * A process that counts in a limits file: `node limit-counter.js <file> <key> <times> <startAt>`
 * waits for the clock to reach `startAt` (ms), spends one point of `key` `times` times, one
 * after the other, then exits. Several started together count at the same moments (node's
 * own start takes longer than the counting), showing whether their counts add up.
 */

const [path, key, times, startAt] = process.argv.slice(2);
const store = new SqliteLimitStore(path!);
const limiter = store.limiter({ keyPrefix: 'counter', points: 1_000_000, duration: 600 });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
for (let i = 0; i < Number(times); i += 1) await limiter.penalty(key!, 1);
await store.close();
