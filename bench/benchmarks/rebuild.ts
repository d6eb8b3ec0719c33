import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { writeHistory } from '../support/history.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { round, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * rebuild: events/s rebuilding every read model from a shop's history (1M events; quick:
 * 200k) on the embedded stores, and the peak RSS of the process doing it. Anchor: a raw
 * scan of the same events with better-sqlite3 (read and parse, no handler), in interleaved
 * pairs with rebuilds (each rebuild starts from the read models the last one left, as
 * `projections:rebuild` does on a running shop's data). A rebuild is timed until the rebuilt
 * read models serve; the drop of those they replaced, which follows in the background (as the
 * CLI waits for before it exits), is timed apart and given in params.
 */

const CHILD = fileURLToPath(new URL('../child.js', import.meta.url));
const PAIRS = 3;

export const rebuildBenchmark = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const events = quick ? 200_000 : 1_000_000;
  const dir = tempDir('bench-rebuild-');
  try {
    // Written by another process, so that this one's peak RSS is the rebuild's (and the scan's) alone.
    execFileSync(process.execPath, [CHILD, 'history', dir.path, String(events)], { stdio: ['ignore', 'inherit', 'inherit'] });
    const pairs = await interleaved(PAIRS, () => rebuildAll(dir.path), () => rawScan(join(dir.path, 'events.db')));
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const ratio = ratioOf('sqlite_raw_scan', pairs, (o) => o.rate, (a) => a);
    const rate = medianOf(pairs, (p) => p.ours.rate);
    return [
      {
        id: 'rebuild',
        value: round(rate),
        unit: 'events/s',
        anchors: { sqlite_raw_scan: round(medianOf(pairs, (p) => p.anchor)) },
        ratios: [ratio],
        target: '>= 0.25 x sqlite_raw_scan',
        met: ratio.median >= 0.25,
        params: {
          events,
          projections: ALL_PROJECTIONS.length,
          pairs: PAIRS,
          seconds: round(medianOf(pairs, (p) => p.ours.seconds), 2),
          // Until the replaced read models are dropped too (the first rebuild has none to drop): information.
          retirement_seconds: pairs.map((p) => round(p.ours.retiredSeconds, 2)).join(' '),
          with_retirement_over_sqlite_raw_scan: pairs.map((p) => round(p.ours.withRetirement / p.anchor, 3)).join(' '),
        },
      },
      { id: 'rebuild_rss_mb', value: round(rssMb), unit: 'MB', anchors: {}, target: '<= 300 MB', met: rssMb <= 300, params: { events, rebuilds: PAIRS } },
    ];
  } finally {
    dir.remove();
  }
};

/** Writes the history (run as a process of its own by the benchmark). */
export const history = async (dataDir: string, events: number) => {
  writeHistory(dataDir, events);
};

const rawScan = (path: string) => {
  const db = new Database(path, { readonly: true });
  const started = performance.now();
  let count = 0;
  for (const row of db.prepare<[], { data: string; metadata: string }>('SELECT * FROM events ORDER BY position').iterate()) {
    JSON.parse(row.data);
    JSON.parse(row.metadata);
    count += 1;
  }
  const rate = count / ((performance.now() - started) / 1000);
  db.close();
  return rate;
};

const rebuildAll = async (dataDir: string) => {
  const eventStore = new SqliteEventStore({ path: join(dataDir, 'events.db') });
  const store = new EmbeddedReadModelStore({ path: join(dataDir, 'read-models.db') });
  const rebuilds = new Rebuilds(
    { eventStore, store, schema: eventSchema(UPCASTERS), logger: pino({ level: 'warn' }), projections: ALL_PROJECTIONS },
    { graceMs: 0 },
  );
  const started = performance.now();
  const result = await rebuilds.run(['all']);
  const seconds = (performance.now() - started) / 1000;
  // The rebuilt read models serve from here on. The ones they replaced are dropped after them, in
  // slices (their pages zeroed: issue 17), while the shop serves: timed apart, as the retirement.
  await result.retired;
  const retiredSeconds = (performance.now() - started) / 1000 - seconds;
  await eventStore.close();
  await store.close();
  return { rate: result.events / seconds, seconds, retiredSeconds, withRetirement: result.events / (seconds + retiredSeconds) };
};
