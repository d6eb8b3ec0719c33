import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { AppendResult, EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { startShopHere } from '../support/in-process.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { startLoadGenerator } from '../support/load-elsewhere.js';
import { histogram, round, type BenchOptions, type Metric } from '../support/metrics.js';
import { setUpShop } from '../support/shop-load.js';

/**
 * projection_lag_p99_ms: from an append being acknowledged to its event being visible in
 * the read models (every projection has written it), at half the maximum command rate
 * measured first in the same run. The shop runs in this process, composed as main.js
 * composes it, so both moments are read from one clock without polling: the event store's
 * append resolving, and the projection runner's waitFor (what read-your-writes queries wait
 * on) resolving. The commands are the cart additions of http_command, sent from another
 * process: first as fast as they go (the maximum rate), then held to half of it.
 *
 * Anchor: one raw durable commit (better-sqlite3, WAL, synchronous=FULL, one insert to a
 * transaction, on the same disk), its p99 over a burst of commits, in interleaved pairs
 * with windows of the lag (the shop idle meanwhile): what making anything durable costs on
 * this machine at that moment.
 */

export const projectionLag = async ({ quick }: BenchOptions): Promise<Metric> => {
  // 1,000 raw commits a pair in a quick run too: the p99 of 300 (their third slowest) moved from 0.33 to 2.6 ms between runs.
  const sizes = { pairs: quick ? 3 : 5, window: quick ? 4 : 8, commits: 1000 };
  const shop = await startShopHere();
  const generator = startLoadGenerator();
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const max = await generator.run({ url: shop.url, products, tokens, seconds: quick ? 3 : 10 });
    const held = (seconds: number) => generator.run({ url: shop.url, products, tokens, seconds, steadyRate: max.rate / 2 });
    await held(1); // unmeasured: the load process's steady sender compiled before the windows
    const watch = watchLag(shop.deps.eventStore, shop.deps.cluster);
    const window = () => watch.during(() => held(sizes.window));
    const pairs = await interleaved(sizes.pairs, window, () => rawCommits(sizes.commits));
    watch.restore();

    const ratio = ratioOf('sqlite_raw_full_commit_p99', pairs, (o) => o.lag.percentileMs(99), (a) => a.p99);
    const unseen = pairs.reduce((sum, p) => sum + p.ours.unseen, 0);
    const ours = (q: number) => round(medianOf(pairs, (p) => p.ours.lag.percentileMs(q)), 2);
    return {
      id: 'projection_lag_p99_ms',
      value: ours(99),
      unit: 'ms',
      anchors: { sqlite_raw_full_commit_p99: round(medianOf(pairs, (p) => p.anchor.p99), 3), sqlite_raw_full_commit_p50: round(medianOf(pairs, (p) => p.anchor.p50), 3) },
      ratios: [ratio],
      target: '<= 5 x sqlite_raw_full_commit_p99, every append seen',
      met: ratio.median <= 5 && unseen === 0,
      params: {
        pairs: sizes.pairs,
        window_s: sizes.window,
        raw_commits_per_pair: sizes.commits,
        max_command_rate: round(max.rate),
        held_rate: round(medianOf(pairs, (p) => p.ours.rate)),
        appends: pairs.reduce((sum, p) => sum + p.ours.lag.count(), 0) + unseen,
        unseen_after_10s: unseen,
        p50_ms: ours(50),
        p90_ms: ours(90),
        max_ms: round(Math.max(...pairs.map((p) => p.ours.lag.percentileMs(100))), 2),
        command_p99_ms: round(medianOf(pairs, (p) => p.ours.commandP99), 2),
      },
    };
  } finally {
    await generator.stop();
    await shop.stop();
  }
};

/** Notes, for every append acknowledged while `run` runs, how long until the read models show it. */
const watchLag = (eventStore: EventStore, projections: { waitFor(position: number, timeoutMs: number): Promise<boolean> }) => {
  const append = eventStore.appendToStream.bind(eventStore);
  let current: { lag: ReturnType<typeof histogram>; unseen: number; pending: Promise<void>[] } | undefined;
  eventStore.appendToStream = async (...args: Parameters<EventStore['appendToStream']>): Promise<AppendResult> => {
    const result = await append(...args);
    const acknowledged = performance.now();
    const window = current;
    window?.pending.push(
      projections.waitFor(result.position, 10_000).then((visible) => {
        if (visible) window.lag.recordMs(performance.now() - acknowledged);
        else window.unseen += 1;
      }),
    );
    return result;
  };
  return {
    during: async (run: () => Promise<{ rate: number; p99: number }>) => {
      const window = (current = { lag: histogram(), unseen: 0, pending: [] });
      const load = await run();
      current = undefined;
      await Promise.all(window.pending);
      return { lag: window.lag, unseen: window.unseen, rate: load.rate, commandP99: load.p99 };
    },
    restore: () => (eventStore.appendToStream = append),
  };
};

/** better-sqlite3 alone: `count` durable commits of one insert each, one after the other; their latency. */
const rawCommits = (count: number) => {
  const dir = tempDir('bench-raw-commit-');
  const db = new Database(join(dir.path, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, stream_name TEXT NOT NULL, data TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (stream_name, data) VALUES (?, ?)');
  const commit = db.transaction((i: number) => insert.run(`cart-${i}`, JSON.stringify({ productId: `p-${i}`, quantity: 1 })));
  const latency = histogram();
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    commit(i);
    latency.recordMs(performance.now() - started);
  }
  db.close();
  dir.remove();
  return { p50: latency.percentileMs(50), p99: latency.percentileMs(99) };
};
