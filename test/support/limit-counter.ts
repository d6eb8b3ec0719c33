import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';

/**
 * A process that counts in a limits file: `node limit-counter.js <file> <key> <times>`
 * spends one point of `key` `times` times, one after the other, then exits. Several of
 * them at once show whether counts from separate processes add up.
 */

const [path, key, times] = process.argv.slice(2);
const store = new SqliteLimitStore(path!);
const limiter = store.limiter({ keyPrefix: 'counter', points: 1_000_000, duration: 600 });
for (let i = 0; i < Number(times); i += 1) await limiter.penalty(key!, 1);
await store.close();
