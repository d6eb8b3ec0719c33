import { join } from 'node:path';
import { tempDir } from '../../test/support/temp-dir.js';
import { APPEND_CONCURRENCY, appendDurableRate, appendEvent, rawCommits } from '../support/durable-append.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * append_durable: events/s through the event-store port, one event per append, each to its
 * own stream, 50 appends in flight, durable (WAL, synchronous=FULL). Anchors, with the
 * same events, each in interleaved pairs with ours: better-sqlite3 committing the events
 * 50 to a transaction, synchronous=FULL (sqlite_raw_full_batch: the ceiling of a group
 * commit of 50 concurrent appends), and committing every insert on its own (FULL); then,
 * once each, the same at synchronous=NORMAL and Emmett's SQLite event store at the highest
 * concurrency it completes without errors.
 */

const CONCURRENCY = APPEND_CONCURRENCY;
const event = appendEvent;
const ourAppends = appendDurableRate;

export const appendDurable = async ({ quick }: BenchOptions): Promise<Metric> => {
  const count = quick ? 3 : 5;
  const total = quick ? 10_000 : 50_000;
  const perCommit = quick ? 2_000 : 10_000;
  // Unmeasured, both sides: the code of each path compiled (the JIT) before the pairs, as the HTTP benchmarks warm theirs.
  await ourAppends(2_000);
  rawCommits(2_000, 'FULL', CONCURRENCY);
  const batch = await interleaved(count, () => ourAppends(total), () => rawCommits(total, 'FULL', CONCURRENCY));
  const single = await interleaved(count, () => ourAppends(total), () => rawCommits(perCommit, 'FULL', 1));
  // Information: the same commits at synchronous=NORMAL (not durable), paired as the others.
  const normal = await interleaved(count, () => ourAppends(total), () => rawCommits(quick ? 10_000 : 50_000, 'NORMAL', 1));
  // Emmett's store is slow (one append at a time): three pairs, at a smaller size.
  const emmettPairs = await interleaved(3, () => ourAppends(total), () => emmettAppends(quick ? 500 : 3_000));
  const emmett = emmettPairs.every((pair) => pair.anchor !== undefined) ? emmettPairs.map((pair) => ({ ours: pair.ours, anchor: pair.anchor!.rate, errors: pair.anchor!.errors })) : undefined;
  const ours = medianOf([...batch, ...single], (p) => p.ours);
  const overBatch = ratioOf('sqlite_raw_full_batch', batch, (o) => o, (a) => a);
  const overSingle = ratioOf('sqlite_raw_full_per_commit', single, (o) => o, (a) => a);
  const overNormal = ratioOf('sqlite_raw_normal_per_commit', normal, (o) => o, (a) => a);
  const overEmmett = emmett ? ratioOf('emmett_sqlite', emmett, (o) => o, (a) => a) : undefined;
  const ratios = [overBatch, overSingle, overNormal, ...(overEmmett ? [overEmmett] : [])];
  return {
    id: 'append_durable',
    value: round(ours),
    unit: 'events/s',
    anchors: {
      sqlite_raw_full_batch: round(medianOf(batch, (p) => p.anchor)),
      sqlite_raw_full_per_commit: round(medianOf(single, (p) => p.anchor)),
      sqlite_raw_normal_per_commit: round(medianOf(normal, (p) => p.anchor)),
      ...(emmett ? { emmett_sqlite: round(medianOf(emmett, (p) => p.anchor)) } : {}),
    },
    ratios,
    target: '>= 0.5 x sqlite_raw_full_batch, >= 5 x sqlite_raw_full_per_commit, >= 10 x emmett_sqlite (sqlite_raw_normal_per_commit: information)',
    // Not met when Emmett's store could not be measured: a part of the target left unjudged is not met.
    met: overBatch.median >= 0.5 && overSingle.median >= 5 && overEmmett !== undefined && overEmmett.median >= 10,
    params: { events: total, concurrency: CONCURRENCY, batch: CONCURRENCY, per_commit_events: perCommit, ...(emmett ? { emmett_sqlite_concurrency: 1, emmett_sqlite_errors_retried: emmett.reduce((n, p) => n + p.errors, 0) } : { emmett_sqlite: 'not installed or failing: not met' }) },
  };
};

/**
 * Emmett's SQLite event store (bench/anchors), one append at a time: its store shares one
 * connection between calls and closes it after each, so concurrent appends fail (SQLITE_BUSY,
 * "database is closed"), and even sequential ones now and then ("SQL statements in
 * progress"). Such an append is retried (at most 3 times) and counted in params.
 */
const emmettAppends = async (total: number): Promise<{ rate: number; errors: number } | undefined> => {
  let emmett: EmmettModule;
  try {
    emmett = (await import(new URL('../../../bench/anchors/node_modules/@event-driven-io/emmett-sqlite/dist/index.js', import.meta.url).href)) as typeof emmett;
  } catch {
    return undefined;
  }
  const quiet = console.error; // Emmett logs every error it meets
  console.error = () => undefined;
  const dir = tempDir('bench-emmett-');
  try {
    const store = emmett.getSQLiteEventStore({ fileName: join(dir.path, 'emmett.db'), schema: { autoMigration: 'CreateOrUpdate' } });
    const events = Array.from({ length: total }, (_, i) => event(i));
    let errors = 0;
    const started = performance.now();
    for (let i = 0; i < total; i += 1) {
      const { type, data, metadata } = events[i]!;
      for (let attempt = 1; ; attempt += 1) {
        const failed = await store.appendToStream(`inventory-E${i}`, [{ type, data, metadata }]).then(() => false, () => true);
        if (!failed) break;
        errors += 1;
        if (attempt === 3) return undefined;
      }
    }
    const rate = total / ((performance.now() - started) / 1000);
    await sleep(50); // Emmett closes its connection after the call settles
    return { rate, errors };
  } finally {
    console.error = quiet;
    dir.remove();
  }
};

type EmmettModule = { getSQLiteEventStore: (o: { fileName: string; schema: { autoMigration: 'CreateOrUpdate' } }) => EmmettStore };

type EmmettStore = { appendToStream: (stream: string, events: Array<{ type: string; data: unknown; metadata: unknown }>) => Promise<unknown> };
