import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../test/support/temp-dir.js';
import { client } from './processes.js';

/**
 * The search benchmark's client for the shop, in a process of its own: the benchmark's process
 * holds the 50,000 products of the full-scan anchor and the garbage of its scans, and a GC of that
 * heap (up to 20 ms here) landing inside one of the shop's answers was counted as the shop's time;
 * with 90 queries a side, p99 is about the slowest answer. The anchor's scans stay in the
 * benchmark's process: their GC is their own cost.
 *
 * `node search-client.js <spec.json>` answers the queries one at a time, a turn of the event loop
 * between them, after `warmUp` unmeasured requests that match nothing (the client's code compiled
 * first), and prints `{ latencies, matched }` as JSON.
 */

export type SearchQuery = { shape: string; query: string };
type Spec = { url: string; queries: SearchQuery[]; warmUp: number };
export type SearchAnswers = { latencies: number[]; matched: number };

const CLIENT = fileURLToPath(import.meta.url);

/** Runs the queries against the shop from a process of its own. */
export const searchElsewhere = (url: string, queries: SearchQuery[], warmUp = 20): Promise<SearchAnswers> => {
  const dir = tempDir('bench-search-client-');
  const file = join(dir.path, 'spec.json');
  writeFileSync(file, JSON.stringify({ url, queries, warmUp } satisfies Spec));
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLIENT, file], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      dir.remove();
      if (error) return reject(new Error(`search client failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as SearchAnswers);
    }),
  );
};

const answer = async ({ url, queries, warmUp }: Spec): Promise<SearchAnswers> => {
  const http = client(url);
  for (let i = 0; i < warmUp; i += 1) await http('GET', `/api/v1/search?q=zzzzqq${i}`);
  const latencies: number[] = [];
  let matched = 0;
  for (const { query } of queries) {
    // A turn of the event loop between queries, as the anchor's side has.
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    const found = (await http('GET', `/api/v1/search?${query}`)) as { total: number };
    latencies.push(performance.now() - t0);
    matched += found.total;
  }
  return { latencies, matched };
};

if (process.argv[1] === CLIENT) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Spec;
  console.log(JSON.stringify(await answer(spec)));
  process.exit(0);
}
